"""The picture of a graph: an SVG drawn by myia itself (no Graphviz), for notebooks.

Each graph a view shows (the user's graphs; see `myia.ir.printer`) is a panel, a labelled
box, one under the other (a nested graph, a closure or a loop's body, is indented under
the graph it is nested in). In a panel, parameters are ellipses and calls are boxes
labelled with the operation (its constant arguments written in) and the user's source
line; arrows run from a value to its users, ending on the user's top edge in the order of
its arguments. Layers come from networkx (`topological_generations`: a node sits below
every node it uses), ordered to keep arrows short. A value a closure reads from the graph
around it (a free variable) is a dashed stub at the top of the closure's panel; a dashed
arrow into the return is a call kept for what it does, its value unused.

The size stays bounded: at most `max_nodes` nodes are drawn (a note at the bottom says how
many are left out), at most `ROW` nodes a row, labels cut at `LABEL` characters.

Example:
    >>> import myia
    >>> def f(x):
    ...     return x * 2.0
    >>> graph_to_svg(myia.ir(f)).startswith("<svg")
    True
"""

from __future__ import annotations

from html import escape

import networkx as nx

from myia.ir.nodes import Apply, Constant, Graph, Node, Parameter, toposort
from myia.ir.printer import Printer, full_location

ROW = 8  # nodes a row at most (a wider layer wraps onto more rows)
LABEL = 28  # characters a label line at most
CHAR_W, LINE_H = 6.6, 13  # monospace 11px
NODE_GAP, ROW_GAP = 14, 30
PANEL_PAD, TITLE_H, PANEL_GAP, INDENT = 12, 22, 14, 18


def _cut(text: str) -> str:
    return text if len(text) <= LABEL else text[: LABEL - 1] + "…"


def _calls(pr: Printer, g: Graph) -> list[Apply]:
    """The calls of `g`, inputs first (the values a closure reads before the closure)."""
    fvs_here = lambda h: [n for n in pr.mng.free_variables_total[h] if n.graph is g]
    order = toposort(g.return_, lambda n: n.graph is g, fvs_here)
    return [n for n in order if isinstance(n, Apply) and n.graph is g]


class _Box:
    """A drawn node: its kind, label lines, tooltip and (once laid out) position."""

    def __init__(self, kind: str, lines: list[str], tip: str):
        self.kind = kind
        self.lines = [_cut(t) for t in lines]
        self.tip = tip
        self.w = max(len(t) for t in self.lines) * CHAR_W + 16
        self.h = len(self.lines) * LINE_H + 9
        self.x = self.y = 0.0


class _Bend:
    """Where an arrow that skips a layer crosses it: a narrow gap between that layer's boxes."""

    w, h, x, y = 8.0, 0.0, 0.0, 0.0


class _Panel:
    """The boxes and arrows of one graph, laid out in layers."""

    def __init__(self, pr: Printer, g: Graph, depth: int, budget: int):
        self.pr, self.g, self.depth = pr, g, depth
        self.boxes: dict[Node, _Box] = {}
        # (input, user, port, ports, kind): kind "edge", or "effect" for a value the return
        # keeps only for what computing it does (a call whose value is not used)
        self.edges: list[tuple[Node, Node, int, int, str]] = []
        params = ", ".join(pr.node_ref(p, g) for p in g.parameters)
        loc = f"   {g.loc}" if g.loc else ""
        self.title = _cut(f"{pr.graph_text(g)}({params})") + loc
        nodes = [*g.parameters, *_calls(pr, g)]
        self.left_out = max(0, len(nodes) - budget)
        for node in nodes[:budget]:
            self.boxes[node] = self._box(node)
        self.drawn = len(self.boxes)
        for node in list(self.boxes):
            if isinstance(node, Apply):
                self._connect(node)
        self._layout()

    def _box(self, node: Node) -> _Box:
        pr, g = self.pr, self.g
        if isinstance(node, Parameter):
            return _Box("parameter", [pr.node_ref(node, g)], f"parameter {pr.node_ref(node, g)}")
        if node is g.return_:
            lines, kind = ["return"], "return"
        else:
            op = pr.fn_ref(node.fn, g) if isinstance(node.fn, Constant) else "call"
            args = [pr.node_ref(a, g) if isinstance(a, Constant) else "·" for a in node.args]
            lines = [f"{op}({', '.join(args)})" if any(a != "·" for a in args) else op]
            kind = "apply"
        if node.loc is not None:
            lines.append(f"line {node.loc.lineno}")
        tip = full_location(node.loc) or lines[0]
        return _Box(kind, lines, f"{pr.node_ref(node, g)}: {tip}")

    def _connect(self, node: Apply) -> None:
        # The computed function of a call, then the arguments; the return's inputs after
        # its output are kept for their effects.
        start = 0 if not isinstance(node.fn, Constant) else 1
        inputs = [(i, x) for i, x in enumerate(node.inputs) if i >= start]
        inputs = [(i, x) for i, x in inputs if not isinstance(x, Constant)]
        for port, (i, inp) in enumerate(inputs):
            if inp not in self.boxes:
                if inp.graph is self.g:  # left out by the cap
                    continue
                name = self.pr.node_ref(inp, inp.graph)
                self.boxes[inp] = _Box("free", [name], f"free variable {name}")
            kind = "effect" if node is self.g.return_ and i > 1 else "edge"
            self.edges.append((inp, node, port, len(inputs), kind))

    def _layout(self) -> None:
        """Rows of boxes by layer (an arrow that skips layers bends through a waypoint in
        each, so that it passes beside the boxes), ordered by the places of their inputs."""
        dg = nx.DiGraph()
        dg.add_nodes_from(self.boxes)
        dg.add_edges_from((a, b) for a, b, *_ in self.edges)
        layer = _layers(dg, self.boxes)
        items: list[list] = [[] for _ in range(max(layer.values()) + 1)]
        up: dict = {self.boxes[n]: [] for n in self.boxes}
        for n in self.boxes:
            items[layer[n]].append(self.boxes[n])
        self.bends = []
        for a, b, *_ in self.edges:
            prev, chain = self.boxes[a], []
            for k in range(layer[a] + 1, layer[b]):
                bend = _Bend()
                items[k].append(bend)
                up[bend] = [prev]
                chain.append(bend)
                prev = bend
            up[self.boxes[b]].append(prev)
            self.bends.append(chain)
        first = {box: i for i, box in enumerate(up)}
        place: dict = {}
        rows: list[list] = []
        layer_rows: list[tuple[int, int]] = []  # the rows of each layer: [start, stop)
        for members in items:
            members.sort(
                key=lambda m: (sum(place[p] for p in up[m]) / max(1, len(up[m])), first[m])
            )
            start = len(rows)
            row: list = []
            for m in members:
                if isinstance(m, _Box) and sum(isinstance(o, _Box) for o in row) == ROW:
                    rows.append(row)
                    row = []
                row.append(m)
            rows.append(row)
            layer_rows.append((start, len(rows)))
            for r in rows[start:]:
                for i, m in enumerate(r):
                    place[m] = i - (len(r) - 1) / 2
        widths = [sum(m.w for m in row) + NODE_GAP * (len(row) - 1) for row in rows]
        self.w = max([*widths, len(self.title) * CHAR_W]) + 2 * PANEL_PAD
        y = TITLE_H + PANEL_PAD
        for start, stop in layer_rows:
            top = y
            for row, width in zip(rows[start:stop], widths[start:stop]):
                x = (self.w - width) / 2
                h = max(m.h for m in row)
                for m in row:
                    m.x, m.y = x, y + (h - m.h) / 2
                    x += m.w + NODE_GAP
                y += h + ROW_GAP
            for row in rows[start:stop]:
                for m in row:
                    if isinstance(m, _Bend):
                        m.y, m.h = top, y - ROW_GAP - top
        self.h = y - ROW_GAP + PANEL_PAD

    def svg(self, x0: float, y0: float, arrow: str) -> list[str]:
        out = [
            f'<g class="panel" transform="translate({x0:.1f},{y0:.1f})">',
            f'<rect class="frame" width="{self.w:.1f}" height="{self.h:.1f}" rx="6"/>',
            f'<text class="title" x="{PANEL_PAD}" y="15">{escape(self.title)}</text>',
        ]
        for (a, b, port, ports, kind), bends in zip(self.edges, self.bends):
            s, t = self.boxes[a], self.boxes[b]
            x, y = s.x + s.w / 2, s.y + s.h
            d = [f"M{x:.1f},{y:.1f}"]
            stops = [(m.x + m.w / 2, m.y, m.y + m.h) for m in bends]
            stops.append((t.x + t.w * (port + 1) / (ports + 1), t.y - 1, None))
            for x2, y2, below in stops:
                mid = (y + y2) / 2
                d.append(f"C{x:.1f},{mid:.1f} {x2:.1f},{mid:.1f} {x2:.1f},{y2:.1f}")
                x, y = x2, y2
                if below is not None:
                    d.append(f"L{x:.1f},{below:.1f}")
                    y = below
            out.append(f'<path class="{kind}" d="{" ".join(d)}" marker-end="url(#{arrow})"/>')
        for box in self.boxes.values():
            out.append(_box_svg(box))
        out.append("</g>")
        return out


def _layers(dg: nx.DiGraph, boxes: dict[Node, _Box]) -> dict[Node, int]:
    """The layer of each node of a panel: parameters and free variables on top, every
    other node just above its first user (so that arrows stay short), the return last."""
    generations = list(nx.topological_generations(dg))
    last = len(generations) - 1
    layer: dict[Node, int] = {}
    for n in reversed(list(nx.topological_sort(dg))):
        if isinstance(n, Parameter) or boxes[n].kind == "free":
            layer[n] = 0
        else:
            layer[n] = min((layer[u] - 1 for u in dg.successors(n)), default=last)
    return layer


def _box_svg(box: _Box) -> str:
    tag = "free" if box.kind == "free" else f"node {box.kind}"
    if box.kind == "parameter":
        shape = (
            f'<ellipse cx="{box.x + box.w / 2:.1f}" cy="{box.y + box.h / 2:.1f}" '
            f'rx="{box.w / 2:.1f}" ry="{box.h / 2:.1f}"/>'
        )
    else:
        shape = (
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" '
            'rx="4"/>'
        )
    cx = f"{box.x + box.w / 2:.1f}"
    lines = f'<tspan x="{cx}">{escape(box.lines[0])}</tspan>' + "".join(
        f'<tspan class="ln" x="{cx}" dy="{LINE_H}">{escape(t)}</tspan>' for t in box.lines[1:]
    )
    text = f'<text x="{cx}" y="{box.y + 14:.1f}">{lines}</text>'
    return f'<g class="{tag}"><title>{escape(box.tip)}</title>{shape}{text}</g>'


_STYLE = (
    "<style>"
    ".frame{fill:#fbfcfd;stroke:#9fb3c8}"
    ".title{fill:#1a4f8b;font-weight:bold}"
    ".edge,.effect{fill:none;stroke:#6b7785;stroke-width:1.1}.effect{stroke-dasharray:4 3}"
    ".node rect{fill:#f3f6fa;stroke:#1a4f8b}"
    ".node ellipse{fill:#eaf5ea;stroke:#2e6b30}"
    ".node.return rect{fill:#fff;stroke-width:2}"
    ".free rect{fill:#fff;stroke:#999;stroke-dasharray:3 2}"
    "text{text-anchor:middle}.title,.note{text-anchor:start}"
    ".ln{fill:#8a4b08;font-size:10px}.free text{fill:#777}"
    ".note{fill:#b00}"
    "</style>"
)


def graph_to_svg(graph: Graph, max_nodes: int = 150) -> str:
    """An SVG picture of `graph` and the graphs it uses (what `Graph.to_svg()` returns).

    One panel per graph that the views show, nodes labelled with their operation and the
    user's source line, arrows from a value to its users; at most `max_nodes` nodes are
    drawn (parameters and calls), with a note saying how many more there are.

    Example:
        >>> import myia
        >>> def f(x):
        ...     return x * 2.0
        >>> svg = graph_to_svg(myia.ir(f))
        >>> svg.count('class="node ')           # x, the product, the return
        3
    """
    if graph.return_ is None:
        raise ValueError(f"graph @{graph.name} is empty: it has no output to draw")
    pr = Printer(graph)
    panels: list[_Panel] = []
    budget, left_out, graphs_left_out = max_nodes, 0, 0
    for g, depth in pr.ordered_graphs():
        if budget <= 0:
            graphs_left_out += 1
            left_out += len(g.parameters) + len(_calls(pr, g))
            continue
        panel = _Panel(pr, g, depth, budget)
        panels.append(panel)
        budget -= panel.drawn
        left_out += panel.left_out
    arrow = f"myia-arrow-{graph.id}"
    width = max((p.w + p.depth * INDENT for p in panels), default=0.0)
    out, y = [], 0.0
    for p in panels:
        out.extend(p.svg(p.depth * INDENT, y, arrow))
        y += p.h + PANEL_GAP
    if left_out:
        whole = f" ({graphs_left_out} graphs left out whole)" if graphs_left_out else ""
        note = f"{left_out} more nodes not drawn{whole}: print(graph) shows every node"
        out.append(f'<text class="note" x="0" y="{y + 12:.1f}">{escape(note)}</text>')
        width = max(width, len(note) * CHAR_W)
        y += 20
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="myia-graph" width="{width:.0f}" '
        f'height="{y:.0f}" viewBox="0 0 {width:.0f} {y:.0f}" font-family="monospace" '
        'font-size="11">'
    )
    marker = (
        f'<defs><marker id="{arrow}" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#6b7785"/>'
        "</marker></defs>"
    )
    return "\n".join([head, _STYLE, marker, *out, "</svg>"])
