"""The layout of generated code: which graphs the code generator (`codegen.py`) writes
inline and where.

- a *branch* graph (used once, by a switch whose value is called right away) is written as
  a side of that `if`;
- a *loop* header (a graph that calls itself in tail position, through inline branches)
  called from one place outside itself is written as a loop at that call;
- every other graph is a function: a nested `def` where it captures values, else a
  function of the module.
"""

from __future__ import annotations

from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph
from myia.prim.registry import REGISTRY

_SWITCH = REGISTRY.lookup("switch")


class Layout:
    """Where the graphs of the program `root` (managed by `mng`) are written."""

    def __init__(self, root: Graph, mng: Manager):
        self.root = root
        self.mng = mng
        self.graph_uses: dict[Graph, list[tuple[Apply, int]]] = {}  # each graph's uses
        for node in mng.all_nodes:
            if isinstance(node, Constant) and isinstance(node.value, Graph):
                for user, i in mng.uses.get(node, ()):
                    self.graph_uses.setdefault(node.value, []).append((user, i))
        for uses in self.graph_uses.values():
            uses.sort(key=use_order)

    def branch_of(self, g: Graph) -> bool:
        """A branch graph: used once, by a switch whose value is called right away."""
        uses = self.graph_uses.get(g, [])
        if len(uses) != 1 or g.parameters:
            return False
        user, i = uses[0]
        return user.is_apply(_SWITCH) and i in (2, 3) and self.called_switch(user)

    def called_switch(self, sw: Apply) -> bool:
        """Whether the switch `sw` is called right away, and only there."""
        users = self.mng.uses.get(sw, ())
        return len(users) == 1 and all(i == 0 and len(u.inputs) == 1 for u, i in users)

    def is_loop(self, g: Graph) -> bool:
        """Whether `g` is a loop header: it calls itself in tail position."""
        return any(self.tail_calls(g, g))

    def tail_calls(self, g: Graph, target: Graph):
        """The calls of `target` in tail position of `g` (through inline branches)."""
        stack = [g]
        while stack:
            h = stack.pop()
            out = h.output
            if not isinstance(out, Apply):
                continue
            f = out.inputs[0]
            if isinstance(f, Constant) and f.value is target:
                yield out
            elif isinstance(f, Apply) and f.is_apply(_SWITCH) and len(out.inputs) == 1:
                for x in f.inputs[2:]:
                    if (
                        isinstance(x, Constant)
                        and isinstance(x.value, Graph)
                        and self.branch_of(x.value)
                    ):
                        stack.append(x.value)

    def inline_loop(self, node: Apply) -> Graph | None:
        """The loop header `node` calls, when it is written inline at `node`."""
        f = node.inputs[0]
        if not (isinstance(f, Constant) and isinstance(f.value, Graph)):
            return None
        g = f.value
        if g is self.root or not self.is_loop(g):
            return None
        outside = [
            u
            for u, i in self.graph_uses.get(g, [])
            if i == 0 and not self.mng.nested_in(u.graph, g)
        ]
        others = [u for u, i in self.graph_uses.get(g, []) if i != 0]
        if len(outside) == 1 and not others and outside[0] is node:
            return g
        return None

    def inline_loop_of(self, g: Graph) -> bool:
        """Whether `g` is a loop header written inline at its call."""
        uses = self.graph_uses.get(g, [])
        return any(i == 0 and self.inline_loop(u) is g for u, i in uses) and self.is_loop(g)

    def inline_switch(self, sw: Apply) -> bool:
        """Whether both sides of the switch `sw` are branch graphs (written in an `if`)."""
        return all(
            isinstance(x, Constant) and isinstance(x.value, Graph) and self.branch_of(x.value)
            for x in sw.inputs[2:]
        )


def use_order(use: tuple[Apply, int]) -> tuple:
    """A stable order of uses (the user's id, then the input's index)."""
    return (use[0].id, use[1])
