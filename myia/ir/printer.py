"""Views of graphs for people: text (`print(graph)`), HTML for notebooks, and networkx.

The text form shows one node a line, graphs nested under the graph they close over, and
each line annotated with the user's source line.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node, Parameter, toposort


class _Namer:
    def __init__(self):
        self.names: dict[Any, str] = {}
        self.used: set[str] = set()

    def name(self, key: Any, base: str) -> str:
        if key in self.names:
            return self.names[key]
        base = base.replace(" ", "_") or "n"
        candidate = base
        i = 1
        while candidate in self.used:
            i += 1
            candidate = f"{base}.{i}"
        self.used.add(candidate)
        self.names[key] = candidate
        return candidate


def _const_text(value: Any, namer: _Namer) -> str:
    if isinstance(value, Graph):
        return "@" + namer.name(value, value.name)
    if isinstance(value, np.ndarray):
        if value.size <= 4:
            return f"array({value.tolist()!r}, {value.dtype})"
        return f"array<{value.dtype}{list(value.shape)}>"
    if isinstance(value, type):
        return value.__name__
    return repr(value)


class _Printer:
    def __init__(self, root: Graph):
        self.root = root
        self.mng = Manager(root)
        self.namer = _Namer()
        for g in sorted(self.mng.graphs, key=lambda g: g.id):
            self.namer.name(g, g.name)

    def node_ref(self, node: Node, graph: Graph) -> str:
        if isinstance(node, Constant):
            return _const_text(node.value, self.namer)
        if isinstance(node, Parameter):
            return self.namer.name(node, node.name or "p")
        return "%" + self.namer.name(node, node.name or str(node.id))

    def fn_ref(self, node: Node, graph: Graph) -> str:
        if isinstance(node, Constant) and not isinstance(node.value, Graph):
            return getattr(node.value, "name", None) or repr(node.value)
        return self.node_ref(node, graph)

    def graph_lines(self, graph: Graph) -> list[tuple[str, str, Graph, Node | None]]:
        """(text, source comment, graph, node) for the lines of one graph."""
        params = ", ".join(self.node_ref(p, graph) for p in graph.parameters)
        loc = f"{graph.loc}" if graph.loc else ""
        lines = [(f"graph @{self.namer.name(graph, graph.name)}({params}) {{", loc, graph, None)]
        fvs = self.mng.ordered_free_variables(graph)
        if fvs:
            lines.append(
                ("  # free variables: " + ", ".join(self.node_ref(n, graph) for n in fvs), "", graph, None)
            )
        fvs_here = lambda h: [n for n in self.mng.free_variables_total[h] if n.graph is graph]
        for node in toposort(graph.output, lambda n: n.graph is graph, fvs_here):
            if not isinstance(node, Apply) or node.graph is not graph:
                continue
            fn = self.fn_ref(node.fn, graph)
            args = ", ".join(self.node_ref(a, graph) for a in node.args)
            text = f"  {self.node_ref(node, graph)} = {fn}({args})"
            lines.append((text, _loc_comment(node), graph, node))
        lines.append((f"  return {self.node_ref(graph.output, graph)}", "", graph, None))
        return lines

    def ordered_graphs(self) -> list[tuple[Graph, int]]:
        """Graphs with their nesting depth, each child right after its parent."""
        children = self.mng.children
        parents = self.mng.parents
        tops = sorted((g for g in self.mng.graphs if parents[g] is None), key=lambda g: (g is not self.root, g.id))
        out: list[tuple[Graph, int]] = []
        stack = [(g, 0) for g in reversed(tops)]
        while stack:
            g, depth = stack.pop()
            out.append((g, depth))
            for c in sorted(children[g], key=lambda g: g.id, reverse=True):
                stack.append((c, depth + 1))
        return out


def _loc_comment(node: Node) -> str:
    loc = node.loc
    if loc is None:
        return ""
    text = loc.line_text()
    return f"{loc.lineno}: {text}" if text else f"{loc}"


def graph_to_text(graph: Graph) -> str:
    """The readable text form of `graph` and every graph it uses, nested graphs indented."""
    if graph.return_ is None:
        return f"graph @{graph.name} (empty)"
    pr = _Printer(graph)
    out: list[str] = []
    for g, depth in pr.ordered_graphs():
        pad = "    " * depth
        lines = pr.graph_lines(g)
        width = max(len(t) for t, _, _, _ in lines) + 2
        for text, comment, _, _ in lines:
            line = pad + text
            if comment:
                line = line.ljust(len(pad) + width) + "# " + comment
            out.append(line.rstrip())
        out.append(pad + "}")
    return "\n".join(out)


_STYLE = """<style>
.myia-ir{font-family:monospace;font-size:12px;line-height:1.35}
.myia-ir details{margin-left:1.5em;border-left:1px solid #ccc;padding-left:.5em}
.myia-ir summary{cursor:pointer;font-weight:bold;color:#1a4f8b}
.myia-ir .c{color:#8a4b08}.myia-ir .p{color:#6a1b9a;font-weight:bold}
.myia-ir .loc{color:#888;margin-left:2em}.myia-ir .g{color:#1a4f8b}
</style>"""


def graph_to_html(graph: Graph) -> str:
    """Structured HTML of a graph for notebooks: nested graphs as collapsible sections,
    primitives and constants styled, each node's source line beside it and on hover."""
    if graph.return_ is None:
        return f"<pre>graph @{html.escape(graph.name)} (empty)</pre>"
    pr = _Printer(graph)
    order = pr.ordered_graphs()
    parts = [_STYLE, '<div class="myia-ir">']
    depth_open: list[int] = []
    for g, depth in order:
        while depth_open and depth_open[-1] >= depth:
            parts.append("</details>")
            depth_open.pop()
        lines = pr.graph_lines(g)
        head = html.escape(lines[0][0].rstrip(" {"))
        parts.append(f'<details open><summary>{head}<span class="loc">{html.escape(lines[0][1])}</span></summary>')
        depth_open.append(depth)
        for text, comment, _, node in lines[1:]:
            body = html.escape(text)
            if node is not None and isinstance(node.fn, Constant) and not isinstance(node.fn.value, Graph):
                fname = html.escape(pr.fn_ref(node.fn, g))
                body = body.replace(f"= {fname}(", f'= <span class="p">{fname}</span>(', 1)
            title = html.escape(comment)
            loc = f'<span class="loc">{title}</span>' if comment else ""
            parts.append(f'<div title="{title}">{body}{loc}</div>')
    while depth_open:
        parts.append("</details>")
        depth_open.pop()
    parts.append("</div>")
    return "".join(parts)


def graph_to_networkx(graph: Graph):
    """A `networkx.DiGraph` of every node of `graph` and the graphs it uses.

    Node attributes: `kind` (apply/parameter/constant), `label`, `graph` (owner's name),
    `lineno`. Edges run from an input to its user with the input's `index`.
    """
    import networkx as nx

    pr = _Printer(graph)
    dg = nx.DiGraph()
    for g in pr.mng.graphs:
        for node in toposort(g.return_, lambda n: n.graph is g):
            if node.graph is not None and node.graph is not g:
                continue
            if node not in dg:
                dg.add_node(node, **_node_attrs(node, pr, g))
            for i, inp in enumerate(node.inputs):
                if inp not in dg:
                    dg.add_node(inp, **_node_attrs(inp, pr, g))
                dg.add_edge(inp, node, index=i)
    return dg


def _node_attrs(node: Node, pr: _Printer, g: Graph) -> dict:
    kind = "apply" if isinstance(node, Apply) else "parameter" if isinstance(node, Parameter) else "constant"
    owner = node.graph.name if node.graph is not None else None
    label = pr.node_ref(node, g) if kind != "apply" else pr.fn_ref(node.fn, g)
    return {"kind": kind, "label": label, "graph": owner, "lineno": node.loc.lineno if node.loc else None}
