"""Views of graphs for people: text (`print(graph)`), HTML for notebooks, and networkx
(the picture is `drawing.py`'s).

The text form shows one node a line, graphs nested under the graph they close over, and
each line annotated with the user's source line. The views show the user's graphs and
write myia's own rule graphs as one named call (`Printer`).
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


def _const_text(value: Any) -> str:
    """A constant that is not a graph, as the views write it."""
    if isinstance(value, np.ndarray):
        if value.size <= 4:
            return f"array({value.tolist()!r}, {value.dtype})"
        return f"array<{value.dtype}{list(value.shape)}>"
    if isinstance(value, type):
        return value.__name__
    return repr(value)


def shows_rules(graph: Graph) -> bool:
    """Whether the views of `graph` show the rule graphs it uses: when asked
    (`myia.ir(..., show_rules=True)` sets `flags["show_rules"]`) or when `graph` is one."""
    return bool(graph.flags.get("show_rules")) or "rule" in graph.flags


class Printer:
    """The graphs a view of `root` shows, in order, and the names it gives their nodes.

    Rule graphs (`flags["rule"]`: myia's own, such as the graph calling a primitive used as
    a value and its backpropagator) and the graphs nested in them are hidden unless
    `shows_rules(root)`: a reference to one is written as its rule's name (`bprop[tanh]`).
    """

    def __init__(self, root: Graph):
        self.root = root
        self.mng = Manager(root)
        self.namer = _Namer()
        graphs = self.mng.graphs
        self.hidden = set() if shows_rules(root) else {g for g in graphs if self._rule_of(g)}
        self.graphs = sorted(set(graphs) - self.hidden, key=lambda g: g.id)
        for g in self.graphs:
            self.namer.name(g, g.name)

    def _rule_of(self, g: Graph) -> str | None:
        """The rule `g` belongs to (its own, or that of a graph it is nested in), if any."""
        while g is not None and "rule" not in g.flags:
            g = self.mng.parents[g]
        return None if g is None else g.flags["rule"]

    def graph_text(self, g: Graph) -> str:
        """`@name` of a shown graph, the rule's name (`bprop[tanh]`) of a hidden one."""
        if g in self.hidden:
            return self._rule_of(g)
        return "@" + self.namer.name(g, g.name)

    def node_ref(self, node: Node, graph: Graph) -> str:
        if isinstance(node, Constant):
            if isinstance(node.value, Graph):
                return self.graph_text(node.value)
            return _const_text(node.value)
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
        lines = [(f"graph {self.graph_text(graph)}({params}) {{", loc, graph, None)]
        fvs = self.mng.ordered_free_variables(graph)
        if fvs:
            lines.append(
                (
                    "  # free variables: " + ", ".join(self.node_ref(n, graph) for n in fvs),
                    "",
                    graph,
                    None,
                )
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
        tops = sorted(
            (g for g in self.graphs if parents[g] is None),
            key=lambda g: (g is not self.root, g.id),
        )
        out: list[tuple[Graph, int]] = []
        stack = [(g, 0) for g in reversed(tops)]
        while stack:
            g, depth = stack.pop()
            out.append((g, depth))
            shown = [c for c in children[g] if c not in self.hidden]
            for c in sorted(shown, key=lambda g: g.id, reverse=True):
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
    pr = Printer(graph)
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
.myia-ir{font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;line-height:1.45}
.myia-ir details{margin:.15em 0 .15em 1.2em;border-left:2px solid #d0d7de;padding-left:.6em}
.myia-ir>details{margin-left:0}
.myia-ir summary{cursor:pointer;white-space:pre}
.myia-ir .ln{white-space:pre;padding-left:1em}
.myia-ir .ln:hover{background:#f3f6fa}
.myia-ir .kw{color:#555;font-weight:bold}
.myia-ir .g,.myia-ir .g a{color:#1a4f8b;font-weight:bold;text-decoration:none}
.myia-ir .p{color:#6a1b9a;font-weight:bold}
.myia-ir .c{color:#8a4b08}
.myia-ir .v{color:#2e6b30}
.myia-ir .fv{color:#777;font-style:italic}
.myia-ir .loc{color:#999;font-style:italic;margin-left:2.5em}
</style>"""


def _span(cls: str, text: str, title: str | None = None) -> str:
    tip = f' title="{html.escape(title)}"' if title else ""
    return f'<span class="{cls}"{tip}>{html.escape(text)}</span>'


def full_location(loc) -> str:
    """`file:line: source text` for a hover title ('' without a location)."""
    if loc is None:
        return ""
    text = loc.line_text()
    return f"{loc}: {text}" if text else f"{loc}"


class _HtmlWriter:
    """Renders the lines of `Printer` with one styled span per name, constant and call."""

    def __init__(self, pr: Printer):
        self.pr = pr
        self.prefix = f"myia-g{pr.root.id}-"
        self.anchors = {g: f"{self.prefix}{i}" for i, g in enumerate(pr.graphs)}

    def graph_ref(self, g: Graph) -> str:
        if g in self.pr.hidden:
            tip = "myia's rule graph: myia.ir(..., show_rules=True) shows it"
            return _span("p", self.pr.graph_text(g), tip)
        text = html.escape(self.pr.graph_text(g))
        return f'<span class="g"><a href="#{self.anchors[g]}">{text}</a></span>'

    def ref(self, node: Node, graph: Graph) -> str:
        if isinstance(node, Constant):
            if isinstance(node.value, Graph):
                return self.graph_ref(node.value)
            text = _const_text(node.value)
            tip = type(node.value).__name__
            if isinstance(node.value, np.ndarray):
                tip = f"ndarray {node.value.dtype}{list(node.value.shape)}"
            return _span("c", text, f"constant: {tip}")
        if isinstance(node, Parameter):
            return _span("v", self.pr.node_ref(node, graph))
        return html.escape(self.pr.node_ref(node, graph))

    def fn(self, node: Node, graph: Graph) -> str:
        if isinstance(node, Constant) and not isinstance(node.value, Graph):
            from myia.prim.registry import Primitive

            name = self.pr.fn_ref(node, graph)
            value = node.value
            if isinstance(value, Primitive):
                doc = (value.__doc__ or "").strip().splitlines()
                tip = f"primitive {name}" + (f": {doc[0]}" if doc else "")
            else:
                tip = f"function constant ({type(value).__name__})"
            return _span("p", name, tip)
        return self.ref(node, graph)

    def line(self, body: str, loc=None, comment: str = "") -> str:
        title = full_location(loc)
        tip = f' title="{html.escape(title)}"' if title else ""
        beside = _span("loc", "# " + comment) if comment else ""
        return f'<div class="ln"{tip}>{body}{beside}</div>'

    def graph(self, g: Graph, is_open: bool) -> list[str]:
        pr = self.pr
        params = ", ".join(self.ref(p, g) for p in g.parameters)
        head = f'<span class="kw">graph</span> {self.graph_ref(g)}({params})'
        loc = _span("loc", f"# {g.loc}") if g.loc else ""
        title = f' title="{html.escape(full_location(g.loc))}"' if g.loc else ""
        opened = " open" if is_open else ""
        out = [f'<details{opened} id="{self.anchors[g]}"><summary{title}>{head}{loc}</summary>']
        fvs = pr.mng.ordered_free_variables(g)
        if fvs:
            names = ", ".join(self.ref(n, g) for n in fvs)
            out.append(f'<div class="ln fv">free variables: {names}</div>')
        fvs_here = lambda h: [n for n in pr.mng.free_variables_total[h] if n.graph is g]
        for node in toposort(g.output, lambda n: n.graph is g, fvs_here):
            if not isinstance(node, Apply) or node.graph is not g:
                continue
            args = ", ".join(self.ref(a, g) for a in node.args)
            body = f"{self.ref(node, g)} = {self.fn(node.fn, g)}({args})"
            out.append(self.line(body, node.loc, _loc_comment(node)))
        ret = f'<span class="kw">return</span> {self.ref(g.output, g)}'
        out.append(self.line(ret, g.output.loc if isinstance(g.output, Apply) else None))
        return out


def graph_to_html(graph: Graph, open_depth: int | None = None, picture: bool = True) -> str:
    """Structured HTML of a graph for notebooks (what `Graph._repr_html_` shows): the text
    form and, beside it, the picture (`Graph.to_svg()`; `picture=False` leaves it out).

    Each graph is a collapsible `<details>` section; graphs nested in another (closures)
    sit inside their parent's section, and references to a graph link to it. Primitives,
    constants, parameters and graphs are styled distinctly. Each node's source line is shown
    beside it and, with the file name, on hover (the `title` attribute). Sections deeper
    than `open_depth` start collapsed (`None`: all open).

    Example:
        >>> import myia
        >>> def f(x):
        ...     return x * 2.0
        >>> "<details" in graph_to_html(myia.ir(f))       # doctest: +SKIP
        True
    """
    if graph.return_ is None:
        return f"<pre>graph @{html.escape(graph.name)} (empty)</pre>"
    writer = _HtmlWriter(Printer(graph))
    parts = [_STYLE, '<div class="myia-ir">']
    depth_open: list[int] = []
    for g, depth in writer.pr.ordered_graphs():
        while depth_open and depth_open[-1] >= depth:
            parts.append("</details>")
            depth_open.pop()
        parts.extend(writer.graph(g, open_depth is None or depth < open_depth))
        depth_open.append(depth)
    parts.extend("</details>" for _ in depth_open)
    parts.append("</div>")
    if not picture:
        return "\n".join(parts)
    from myia.ir.drawing import graph_to_svg

    return "\n".join(
        [
            '<div class="myia-view" style="display:flex;flex-wrap:wrap;gap:1.5em;'
            'align-items:flex-start">',
            '<div style="flex:1 1 30em;min-width:0;overflow-x:auto">',
            *parts,
            "</div>",
            '<div class="myia-picture" style="flex:0 1 auto;max-width:100%;max-height:50em;'
            'overflow:auto">',
            graph_to_svg(graph),
            "</div>",
            "</div>",
        ]
    )


def source_to_html(text: str) -> str:
    """HTML of Python source `text` (such as `myia.source(...)`), highlighted with Pygments
    when it is installed, a plain escaped `<pre>` otherwise."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f'<pre class="myia-source">{html.escape(text)}</pre>'
    formatter = HtmlFormatter(noclasses=True, cssclass="myia-source", nobackground=True)
    return highlight(text, PythonLexer(), formatter)


class SourceView(str):
    """Generated source code that prints as text and shows highlighted in a notebook.

    A `str` (every string operation works on it) with `_repr_html_` for Jupyter.

    Example:
        >>> v = SourceView("def f(x):\\n    return x\\n")
        >>> print(v)
        def f(x):
            return x
        <BLANKLINE>
        >>> "<pre" in v._repr_html_()
        True
    """

    __slots__ = ()

    def __str__(self) -> str:
        return str.__str__(self)

    def _repr_html_(self) -> str:
        return source_to_html(str(self))

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))


def graph_to_networkx(graph: Graph):
    """A `networkx.DiGraph` of every node of `graph` and the graphs it uses.

    Node attributes: `kind` (apply/parameter/constant), `label`, `graph` (owner's name),
    `lineno`. Edges run from an input to its user with the input's `index`.
    """
    import networkx as nx

    pr = Printer(graph)
    dg = nx.DiGraph()
    for g in pr.mng.graphs:
        for node in toposort(g.return_, lambda n, g=g: n.graph is g):
            if node.graph is not None and node.graph is not g:
                continue
            if node not in dg:
                dg.add_node(node, **_node_attrs(node, pr, g))
            for i, inp in enumerate(node.inputs):
                if inp not in dg:
                    dg.add_node(inp, **_node_attrs(inp, pr, g))
                dg.add_edge(inp, node, index=i)
    return dg


def _node_attrs(node: Node, pr: Printer, g: Graph) -> dict:
    kind = (
        "apply"
        if isinstance(node, Apply)
        else "parameter"
        if isinstance(node, Parameter)
        else "constant"
    )
    owner = node.graph.name if node.graph is not None else None
    label = pr.node_ref(node, g) if kind != "apply" else pr.fn_ref(node.fn, g)
    return {
        "kind": kind,
        "label": label,
        "graph": owner,
        "lineno": node.loc.lineno if node.loc else None,
    }
