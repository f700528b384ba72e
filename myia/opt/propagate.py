"""Constant parameters: a parameter that every call of its graph gives the same constant is
that constant (interprocedural constant propagation).

A call of the graph from inside itself (a recursion, a loop's next iteration) that passes
the parameter its own value, at its own position, keeps it what it is; every other call
must pass one constant number (or None), the same value of the same type (a float's sign
of zero and box included). The parameter's uses then read the constant, and the parameter,
left to feed only itself, is dropped by `prune.prune_parameters`. The seed of a
forward-mode gradient (`d_x = 1.0`) passed down a recursion is the typical case: the
products by it fold (`mul(X, 1) -> X`).

It applies to graphs that are only called (not used as values), so every call is seen.

Example:
    >>> propagate_constants(manager, root)              # doctest: +SKIP
    [...]                                               # the nodes that now read a constant
"""

from __future__ import annotations

import numpy as np

from myia.infer.walks import drop_values
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node, Parameter
from myia.opt.prune import _calls, _node_id, called_at_known_sites

_NUMBERS = (bool, int, float, complex, np.bool_, np.number)


def propagate_constants(mng: Manager, root: Graph) -> list[Apply]:
    """Replace each constant parameter by its constant (see the module); the nodes that
    read it now."""
    changed: list[Apply] = []
    for g, sites in list(called_at_known_sites(mng, root)):
        for k, p in enumerate(g.parameters):
            value = _constant_of(p, [c.inputs[k + 1] for c in sites])
            if value is None:
                continue
            for user, i in sorted(mng.uses.get(p, ()), key=lambda ui: (_node_id(ui[0]), ui[1])):
                if i == k + 1 and _calls(user, g):
                    continue  # its own value, passed on: the parameter is dead now
                c = Constant(value.value, user.loc)
                c.abstract = value.abstract
                mng.set_edge(user, i, c)
                changed.append(user)
    return changed


def _constant_of(p: Parameter, args: list[Node]) -> Constant | None:
    """The constant every argument of `args` is, but `p` itself; None if there is none."""
    found: Constant | None = None
    for a in args:
        if a is p:
            continue
        if not isinstance(a, Constant) or not (a.value is None or isinstance(a.value, _NUMBERS)):
            return None
        if found is None:
            found = a
        elif not _same_constant(found, a):
            return None
    if found is None or p.abstract is None or found.abstract is None:
        return None
    if drop_values(found.abstract) != drop_values(p.abstract):
        return None
    return found


def _same_constant(a: Constant, b: Constant) -> bool:
    """The same value of the same type: `repr` tells -0.0 from 0.0, and NaN is never the
    same (a NaN is passed on as it is, not propagated)."""
    x, y = a.value, b.value
    if type(x) is not type(y) or a.abstract != b.abstract:
        return False
    return x is None or (x == y and repr(x) == repr(y))
