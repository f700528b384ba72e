"""The ints that steer a recursion, whose values compiled code is specialized on.

`pow(x, n) = 1 if n == 0 else x * pow(x, n - 1)` runs n nested calls. With the value of
`n` known when compiling, each test `n == 0` folds, each call goes to a copy of `pow` for
its own `n` (the specializer keeps the values of numbers where they enter a function), and
the optimizer inlines them all into straight-line code, with a gradient of the same kind,
up to `engine.UNROLL_DEPTH` calls deep: a deeper recursion is one recursive function, its
`n` widened to an int known only when it runs (see `engine.Analysis._reentered`).

`steering_params(graph)` lists the int parameters of a recursive function that a test
reads; a compiled function's cache key holds their values when they are small
(`pinned_values`), and only then are they known to the specializer.

Example:
    >>> steering_params(parse(recursive_pow))      # doctest: +SKIP
    (1,)
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from myia.ir.manager import Manager
from myia.ir.nodes import Constant, Graph, Node
from myia.prim.registry import lookup

# The largest |value| of an int argument the compiled code is specialized on.
UNROLL_MAX = 64
_TESTS = frozenset(lookup(n) for n in ("eq", "ne", "lt", "le", "gt", "ge", "truth"))
_STEERING: WeakKeyDictionary = WeakKeyDictionary()


def steering_params(graph: Graph) -> tuple[int, ...]:
    """The positions of the parameters of `graph` that a test reads, when `graph` is
    recursive (its value may decide how deep the recursion goes)."""
    found = _STEERING.get(graph)
    if found is None:
        mng = Manager(graph)
        found = ()
        if calls_itself(mng, graph):
            found = tuple(i for i, p in enumerate(graph.parameters) if steers(mng, p))
        _STEERING[graph] = found
    return found


def pinned_values(args: tuple, positions: tuple[int, ...]) -> tuple:
    """The values of the arguments at the steering `positions` that compiled code is
    specialized on (small ints), None for the others (and for positions past `args`).
    Part of the cache key of every call: a plain loop, and the one position of a
    recursion steered by one int without it.

    Example:
        >>> pinned_values((1.5, 3, 1000), (1, 2, 3))
        (3, None, None)
    """
    n = len(args)
    if len(positions) == 1:
        i = positions[0]
        v = args[i] if i < n else None
        return (v if type(v) is int and -UNROLL_MAX <= v <= UNROLL_MAX else None,)
    out = []
    for i in positions:
        v = args[i] if i < n else None
        out.append(v if type(v) is int and -UNROLL_MAX <= v <= UNROLL_MAX else None)
    return tuple(out)


def steers(mng: Manager, p: Node) -> bool:
    """Whether a test (a comparison, `truth`) reads the parameter `p`."""
    for user, i in mng.uses.get(p, ()):
        fn = user.inputs[0]
        if i > 0 and isinstance(fn, Constant) and fn.value in _TESTS:
            return True
    return False


def calls_itself(mng: Manager, graph: Graph) -> bool:
    """Whether `graph` can call itself (through the graphs it uses)."""
    seen: set[Graph] = set()
    stack = list(mng.graph_constants[graph])
    while stack:
        g = stack.pop()
        if g is graph:
            return True
        if g not in seen:
            seen.add(g)
            stack.extend(mng.graph_constants[g])
    return False
