"""Batching rules of elementwise primitives, scalar functions and casts.

An elementwise primitive broadcasts: each batched input is given ones after its batch
axis so that it has the rank of the output plus one (`BatchRule.aligned`), and the
unbatched inputs broadcast against the trailing axes as they did per example. A
function of Python numbers (`math.sin`, `abs`, `max(a, b)`, `round`) on a batched number
is its NumPy elementwise form on the array of the examples' numbers (so `math.sqrt(-1.0)`
is nan for that example, as NumPy computes it, where Python raises; `max` and `min` of
two numbers are `np.maximum` and `np.minimum`, which propagate nan). In a graph run
for some examples only (a side of a branch on a varying condition, the body of a loop
whose test varies), the inputs of the primitives NumPy warns about outside their domain
(`DOMAINS`: `np.log`, `np.sqrt`, a division, `np.exp`...) are, for the other examples, a
value in it (`quieted`; `quieted_shared` for an input the same for every example, where
no example runs the graph), so that what vmap computes for them, never selected, prints
no RuntimeWarning.

Example:
    >>> # vmap(lambda x, y: x * y, in_axes=(0, None)): mul(x[B, n], y[n]) -> (B, n)
"""

from __future__ import annotations

import numpy as np

from myia.batching.specs import fit, parts
from myia.infer.abstract import AArray, AConst, AList, AScalar, ATuple
from myia.infer.build import type_of, typed_constant
from myia.prim.registry import REGISTRY, lookup


def broadcasting(r, prim=None):
    """The rule of an elementwise primitive: the batched inputs aligned to the output's
    rank, then the primitive itself (or `prim`); in a graph run for some examples only,
    the inputs outside the primitive's domain are `quieted` for the others."""
    rank = r.out_type.ndim if isinstance(r.out_type, AArray) else 0
    args = [r.aligned(i, rank) if r.batched(i) else r.x(i) for i in range(r.nargs)]
    prim = prim or r.prim
    if prim.name in DOMAINS and any(r.batched(i) for i in DOMAINS[prim.name]):
        args = quieted(r, prim, args, rank)
    return r.apply(prim, *args)


# The inputs of the elementwise primitives that NumPy warns about outside their domain
# (`log` of a negative number or of 0, a division by 0, `exp` overflowing), with a value
# in it: in a graph run for some examples only (a side of a branch on a varying
# condition, the body of a loop whose test varies), the other examples compute there on
# that value, so that what they compute (never selected) prints no RuntimeWarning.
DOMAINS = {
    **dict.fromkeys(("log", "log2", "log10", "sqrt", "reciprocal", "arccosh"), {0: 1.0}),
    **dict.fromkeys(("log1p", "arcsin", "arccos", "arctanh"), {0: 0.0}),
    **dict.fromkeys(("exp", "exp2", "expm1", "cosh", "sinh"), {0: 0.0}),
    **dict.fromkeys(("truediv", "np.divide", "floordiv", "mod", "np.mod"), {1: 1.0}),
    **dict.fromkeys(("pow", "np.power", "ieee_power"), {0: 1.0}),
    "scipy.special.logit": {0: 0.5},
    "scipy.special.xlogy": {1: 1.0},
}


def quieted(r, prim, args: list, rank: int) -> list:
    """The batched inputs `args` of `prim` (aligned to `rank`) with, for the examples that
    do not run the graph being rewritten, the value in the primitive's domain of
    `DOMAINS` (`np.where(mask, x, 1.0)`); the examples that run it keep theirs (NumPy
    warns for those as it does per example). `args` where every example runs it."""
    from myia.batching.indices import run_mask

    mask = run_mask(r.bt, r.b)
    if mask is None:
        return args
    if rank:
        mask = r.apply(_expand_dims, mask, tuple(range(1, rank + 1)))
    out = list(args)
    for i, value in DOMAINS[prim.name].items():
        t = type_of(args[i])
        if r.batched(i) and isinstance(t, AArray):
            out[i] = r.apply(_where, mask, args[i], typed_constant(t.dtype.type(value)))
    return out


def quieted_shared(bt, b, prim, args: list) -> list:
    """The inputs `args` of an application of `prim` that are all the same for every
    example, in a graph run for some examples only: where `prim` has a domain
    (`DOMAINS`), its value there in place of each input unless some example runs the
    graph (`np.where(np.any(mask), u, 1.0)`, a number cast back to its kind), so that a
    side no example takes prints no RuntimeWarning (`np.sqrt(w - 3.0)`, `w` a weight);
    `args` elsewhere."""
    from myia.batching.indices import run_mask

    if prim.name not in DOMAINS:
        return args
    mask = run_mask(bt, b)
    if mask is None:
        return args
    some = b.apply(_any, mask, None, False)
    out = list(args)
    for i, value in DOMAINS[prim.name].items():
        t = type_of(args[i])
        if isinstance(t, AArray):
            out[i] = b.apply(_where, some, args[i], typed_constant(t.dtype.type(value)))
        elif isinstance(t, AScalar) and t.kind in (float, int):  # (a number again)
            picked = b.apply(_where, some, args[i], typed_constant(t.kind(value)))
            out[i] = b.apply(_cast_to, picked, t.kind)
    return out


def same(r):
    """The rule of a primitive that applies to a batched value as it is (`copy`,
    `zeros_like`, `stop_gradient`): batched inputs at their position, others unchanged;
    only its first input may be batched."""
    if any(r.batched(i) for i in range(1, r.nargs)):
        raise r.refuse("only its first argument may vary from example to example")
    return r.apply(r.prim, *[r.x(i) for i in range(r.nargs)])


def _grad_mask(r):
    """`grad_mask(x, taken)`: both with the batch axis first (`taken` stays the leading
    part of the shape of `x`)."""
    return r.apply(r.prim, r.moved(0), r.moved(1))


def as_array(name: str, to_int: bool = False):
    """The rule of a function of a Python number (`math.sin`): the NumPy primitive `name`
    on the batched numbers (cast to int64 where the function returns an int)."""
    target = lookup(name)

    def rule(r):
        out = broadcasting(r, target)
        return r.apply(_astype, out, np.dtype(np.int64)) if to_int else out

    return rule


def _pair(name: str):
    """`max(a, b)` and `min(a, b)` of two numbers (of one iterable: refused)."""

    def rule(r):
        if isinstance(r.types[1], AConst):
            raise r.refuse("it takes an iterable here; use np.max / np.min with an axis")
        return as_array(name)(r)

    return rule


def _add_spec(specs, node):
    """`a + b` on tuples or lists of known length concatenates them: each part keeps
    its spec."""
    a, b = (x.abstract for x in node.inputs[1:3])
    if parts(a) is not None and parts(b) is not None:
        sa = fit(specs[0], a) or (False,) * len(parts(a))
        sb = fit(specs[1], b) or (False,) * len(parts(b))
        return fit((*sa, *sb), node.abstract)
    return fit(True, node.abstract)


def _add(r):
    if isinstance(r.types[0], (ATuple, AList)):
        if parts(r.types[0]) is None or parts(r.types[1]) is None:
            raise r.refuse("a sequence of run-time length is joined to one that varies")
        return r.apply(r.prim, r.x(0), r.x(1))
    return broadcasting(r)


def _cast(r):
    """`float(x)`, `int(x)`, `np.float32(x)` of a batched number: `astype`."""
    to = r.const(1)
    dtype = np.dtype(to)
    return r.apply(_astype, r.x(0), dtype)


def _truth(r):
    """The truth of a batched number (or one-element array): a bool per example."""
    t = r.types[0]
    x = r.x(0)
    if isinstance(t, AArray):
        if t.size != 1:
            raise r.refuse("the truth of an array is ambiguous (use np.any or np.all)")
        x = r.apply(lookup("reshape"), x, (r.size,))
    if type_of(x).dtype == np.dtype(bool):
        return x
    return r.apply(_astype, x, np.dtype(bool))


def _not(r):
    return r.apply(lookup("logical_not"), _truth(r))


def _round(r):
    if r.nargs > 1 and r.const(1) is not None:
        raise r.refuse("round with ndigits on a batched number is not supported; use np.round")
    return r.apply(_astype, r.apply(lookup("rint"), r.x(0)), np.dtype(np.int64))


def _item(r):
    t = r.types[0]
    if r.nargs > 1 and r.const(1) is not None:
        raise r.refuse("item(index) of a batched array is not supported; index it instead")
    if isinstance(t, AArray) and t.size != 1:
        raise r.refuse("item() needs an array of one element")
    return r.apply(lookup("reshape"), r.x(0), (r.size,))


_astype = lookup("astype")
_where = lookup("where")
_expand_dims = lookup("expand_dims")
_any = lookup("any")
_cast_to = lookup("cast")

ELEMENTWISE = sorted(
    (p for p in REGISTRY.by_name.values() if p.elementwise and p.name != "add"),
    key=lambda p: p.name,
)


def register() -> None:
    """Register the rules of this module."""
    for p in ELEMENTWISE:
        p.defbatch(broadcasting)
    lookup("add").defbatch(_add, _add_spec)
    lookup("np.round").defbatch(broadcasting)
    if "scipy.special.polygamma" in REGISTRY.by_name:  # with SciPy installed
        lookup("scipy.special.polygamma").defbatch(broadcasting)
    for name, target, to_int in [
        ("math.sin", "sin", False),
        ("math.cos", "cos", False),
        ("math.tan", "tan", False),
        ("math.tanh", "tanh", False),
        ("math.exp", "exp", False),
        ("math.expm1", "expm1", False),
        ("math.log", "log", False),
        ("math.log1p", "log1p", False),
        ("math.sqrt", "sqrt", False),
        ("math.fabs", "abs", False),
        ("math.atan2", "arctan2", False),
        ("math.pow", "pow", False),
        ("math.lgamma", "scipy.special.gammaln", False),
        ("math.floor", "floor", True),
        ("math.ceil", "ceil", True),
        ("builtin.pow", "pow", False),
    ]:
        if target in REGISTRY.by_name:  # (scipy.special.gammaln: with SciPy installed)
            lookup(name).defbatch(as_array(target, to_int))
    lookup("builtin.max").defbatch(_pair("maximum"))
    lookup("builtin.min").defbatch(_pair("minimum"))
    lookup("builtin.round").defbatch(_round)
    lookup("cast").defbatch(_cast)
    lookup("truth").defbatch(_truth)
    lookup("not_").defbatch(_not)
    lookup("item").defbatch(_item)
    lookup("grad_mask").defbatch(_grad_mask)
    for name in (
        "astype",
        "asarray",
        "copy",
        "method.copy",
        "stop_gradient",
        "zeros_like",
        "ones_like",
        "full_like",
        "zeros_like_sens",
        "tril",
        "triu",
        "inv",
        "det",
        "cofactor",
        "cofactor_pairs",
        "cholesky",
        "pinv",
        "eigh",
        "eig",
        "eigvals",
        "slogdet",
        "qr",
        "svd",
    ):
        lookup(name).defbatch(same)
