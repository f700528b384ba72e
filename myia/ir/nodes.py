"""The graph IR: `Graph`, `Apply`, `Constant`, `Parameter`.

A `Graph` is a function: parameters and one output, reached through a `return_` node. An
`Apply` calls its first input on the others. A node of graph G used by a node of graph H
(H nested in G) is a *free variable* of H: that is a closure. Graph values appear in other
graphs as `Constant(graph)`. Every node keeps the user's source location.

Build graphs freely; once a graph is handed to a `Manager`, mutate it only through the
manager, which keeps the indexes (users, free variables, nesting) true.

Example:
    >>> from myia.prim import lookup
    >>> g = Graph("square")
    >>> x = g.add_parameter("x")
    >>> g.output = g.apply(lookup("mul"), x, x)
    >>> print(g)
    graph square(x)...
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from myia.errors import Location
from myia.prim.registry import Primitive

_ids = itertools.count()


class Node:
    """Base class of IR nodes: owner graph, source location and a debug name."""

    __slots__ = ("graph", "loc", "name", "id", "abstract")

    def __init__(self, graph: Graph | None, loc: Location | None = None, name: str | None = None):
        self.graph = graph
        self.loc = loc
        self.name = name
        self.id = next(_ids)
        self.abstract = None

    @property
    def inputs(self) -> list[Node]:
        return []

    def is_apply(self, prim: Any = None) -> bool:
        return False

    def is_constant(self, kind: type | tuple | None = None) -> bool:
        return False

    def is_constant_graph(self) -> bool:
        return False

    def is_parameter(self) -> bool:
        return False


class Apply(Node):
    """`inputs[0](*inputs[1:])`: a call of a primitive, a graph or a function value."""

    __slots__ = ("_inputs",)

    def __init__(self, inputs: list[Node], graph: Graph, loc: Location | None = None, name=None):
        super().__init__(graph, loc, name)
        self._inputs = list(inputs)

    @property
    def inputs(self) -> list[Node]:
        return self._inputs

    @inputs.setter
    def inputs(self, value: list[Node]) -> None:
        self._inputs = list(value)

    @property
    def fn(self) -> Node:
        return self._inputs[0]

    @property
    def args(self) -> list[Node]:
        return self._inputs[1:]

    def is_apply(self, prim: Any = None) -> bool:
        if prim is None:
            return True
        f = self._inputs[0]
        return isinstance(f, Constant) and f.value is prim

    def __repr__(self) -> str:
        return f"Apply<{self.name or self.id}>"


def prim_of(node: Node) -> Primitive | None:
    """The primitive an Apply node calls, if its function is a constant primitive, else None."""
    if isinstance(node, Apply):
        f = node._inputs[0]
        if isinstance(f, Constant) and isinstance(f.value, Primitive):
            return f.value
    return None


class Parameter(Node):
    """A parameter of a graph."""

    __slots__ = ()

    def is_parameter(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"Parameter<{self.name or self.id}>"


class Constant(Node):
    """A constant value: a number, an array, a primitive or a graph (a function value)."""

    __slots__ = ("value",)

    def __init__(self, value: Any, loc: Location | None = None):
        super().__init__(None, loc)
        self.value = value

    def is_constant(self, kind: type | tuple | None = None) -> bool:
        return kind is None or isinstance(self.value, kind)

    def is_constant_graph(self) -> bool:
        return isinstance(self.value, Graph)

    def __repr__(self) -> str:
        return f"Constant<{self.value!r}>"


class Graph:
    """A function of the IR: parameters, an output and the nodes between them.

    `flags` holds per-graph facts other stages use (for instance a custom backpropagator).
    `flags["rule"]` marks a graph that is myia's own, not the user's: the graph calling a
    primitive used as a function value, and what transforms make of it (its value names it
    in the views, as `bprop[tanh]`).
    `copy_of` is the graph this one was copied from (`ir.clone`), or None: types made
    before the copy name the original (see `infer.copies`).
    """

    def __init__(self, name: str = "graph", loc: Location | None = None):
        self.name = name
        self.loc = loc
        self.parameters: list[Parameter] = []
        self.return_: Apply | None = None
        self.flags: dict[str, Any] = {}
        self.copy_of: Graph | None = None
        self.id = next(_ids)

    def add_parameter(self, name: str | None = None, loc: Location | None = None) -> Parameter:
        """Append a parameter (only for graphs not yet managed)."""
        p = Parameter(self, loc, name)
        self.parameters.append(p)
        return p

    @property
    def output(self) -> Node | None:
        return None if self.return_ is None else self.return_.inputs[1]

    @output.setter
    def output(self, node: Node) -> None:
        from myia.prim.structures import return_

        self.return_ = Apply([Constant(return_), node], self, node.loc)

    def derive(self, kind: str) -> Graph:
        """A new, empty graph that a transform makes of this one: named `kind:name`, at
        this graph's location, a rule graph (`flags["rule"]`) where this one is.

        Example:
            >>> Graph("f").derive("fwd").name
            'fwd:f'
        """
        g = Graph(f"{kind}:{self.name}", self.loc)
        rule = self.flags.get("rule")
        if rule is not None:
            g.flags["rule"] = f"{kind}[{rule}]"
        return g

    def apply(self, fn: Any, *args: Any, loc: Location | None = None) -> Apply:
        """Create `fn(*args)` in this graph; non-node values become constants."""
        inputs = [a if isinstance(a, Node) else Constant(a, loc) for a in (fn, *args)]
        return Apply(inputs, self, loc)

    def nodes(self) -> Iterator[Node]:
        """The nodes of this graph reachable from its output (not its free variables)."""
        return iter(toposort(self.return_, lambda n: n.graph is self))

    def __repr__(self) -> str:
        return f"Graph<{self.name}>"

    def __str__(self) -> str:
        from myia.ir.printer import graph_to_text

        return graph_to_text(self)

    def _repr_html_(self) -> str:
        from myia.ir.printer import graph_to_html

        return graph_to_html(self)

    def to_svg(self, max_nodes: int = 150) -> str:
        """A picture of this graph and the graphs it uses, drawn as SVG by myia (networkx
        lays it out): one panel per graph, nodes labelled with their operation and source
        line, arrows from a value to its users; at most `max_nodes` nodes, with a note of
        how many more there are. In a notebook, `IPython.display.SVG(g.to_svg())` shows it
        alone; the graph's own display shows it beside the text.

        Example:
            >>> import myia
            >>> def f(x):
            ...     return x * 2.0
            >>> myia.ir(f).to_svg().startswith("<svg")
            True
        """
        from myia.ir.drawing import graph_to_svg

        return graph_to_svg(self, max_nodes)

    def to_networkx(self):
        """The nodes and edges of this graph and those nested in it, as a `networkx.DiGraph`.

        Edges go from an input to its user, labelled with the input's position.

        Example:
            >>> import myia
            >>> def f(x):
            ...     return x * 2.0
            >>> myia.ir(f).to_networkx().number_of_nodes() > 0
            True
        """
        from myia.ir.printer import graph_to_networkx

        return graph_to_networkx(self)


def toposort(root: Node | None, follow=lambda n: True, fvs_of_graph_constants=None) -> list[Node]:
    """Nodes reachable from `root` through inputs, inputs first, without recursion.

    `follow(node)` decides whether to walk into a node's inputs (nodes it refuses are still
    listed). With `fvs_of_graph_constants(graph)`, a graph constant is treated as using the
    free variables of its graph, so closures come after the values they capture.
    """
    if root is None:
        return []
    order: list[Node] = []
    done: set[Node] = set()
    on_stack: set[Node] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            on_stack.discard(node)
            if node not in done:
                done.add(node)
                order.append(node)
            continue
        if node in done or node in on_stack:
            continue
        on_stack.add(node)
        stack.append((node, True))
        succ = list(node.inputs) if follow(node) else []
        if fvs_of_graph_constants is not None and isinstance(node, Constant):
            if isinstance(node.value, Graph):
                succ.extend(fvs_of_graph_constants(node.value))
        for inp in reversed(succ):
            if inp not in done:
                stack.append((inp, False))
    return order
