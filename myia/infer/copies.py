"""Function types after graphs were copied: the options of a type name the live copies.

A type names the graphs of a function value as they were when it was made. Inlining a
call copies the graphs nested in the callee (`ir.clone`), and `unshare_branches` copies
branch graphs, while the types of the nodes outside the copy (a loop's tape of
backpropagators, the parameter it is passed in) still name the originals: a graph the
program may no longer hold, or one of several graphs the value may now be. A stage that
reads a function's graphs from its type (reverse mode on a call through a value, when a
gradient is differentiated again) needs them all: `retarget_copies` adds to each option
the program's copies of its graph (transitively), and drops the option where the
program no longer holds the graph itself.

Example:
    >>> retarget_copies(Manager(program))        # doctest: +SKIP
"""

from __future__ import annotations

from myia.infer.abstract import GraphFn
from myia.infer.walks import expand_functions
from myia.ir.manager import Manager
from myia.ir.nodes import Constant, Graph


def retarget_copies(mng: Manager) -> None:
    """Give every function option of the types of `mng`'s nodes the graphs copied from
    its graph that the program holds (a graph the program no longer holds is dropped from
    an option that has copies).

    Example:
        >>> retarget_copies(Manager(program))    # doctest: +SKIP
    """
    live = mng.graphs
    copies: dict[Graph, list[Graph]] = {}
    for h in sorted(live, key=lambda g: g.id):
        a = h.copy_of
        while a is not None:
            copies.setdefault(a, []).append(h)
            a = a.copy_of
    if not copies:
        return

    def options(o: GraphFn) -> list[GraphFn]:
        found = copies.get(o.graph)
        if not found:
            return [o]
        out = [GraphFn(h, o.context) for h in found]
        return [o, *out] if o.graph in live else out

    done: dict = {}
    for node in mng.all_nodes:
        t = node.abstract
        if t is None or isinstance(node, Constant):
            continue  # a constant's type is that of its value
        new = done.get(t)
        if new is None:
            new = done[t] = expand_functions(t, options)
        node.abstract = new
