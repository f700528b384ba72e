"""Sensitivities that cancel: rewrites that find where an adjoint adds a value and its
negation, and remove what computes the zero.

The example is the stable logsumexp, `log(sum(exp(Z - m), axis=1)) + m` with
`m = max(Z, axis=1)`: the sensitivity of `m` is `d - sum(d / s * e, axis=1)`, with
`e = exp(Z - m)` and `s = sum(e, axis=1)`, which is `d - d`, and the whole adjoint of the
max (its ties, its counts, its scatter) only ever adds zeros. A hand-written adjoint leaves
it out; these rewrites let the optimizer see it:

- `sum_of_negation`: `sum(-x) => -sum(x)` (exact);
- `normalized_sum`: `sum(d / s * e, axis=k) => d` when `s = sum(e, axis=k)`: the weights of
  a normalization sum to one; and `normalized_difference`, `sum(a - sum(a) / s * e) => 0`,
  the same for a log-softmax written out. These two are exact only up to rounding (a
  relative error of about the length of the axis times the machine epsilon), and where
  `s` is 0 or infinite (the forward value is then infinite or NaN) they give a number
  where the program as written gives NaN;
- `covering_getitem_sens`: the sensitivity of `x` when `x[:, 0]` (an index that reaches
  every element of `x` once) has sensitivity `v` is `v` reshaped (exact);
- `cancelling_sum`: `x + (-x) => ZERO`, when every use of the sum takes ZERO as zero
  (`zero_arithmetic` then removes them: `ZERO * y => ZERO`, `x + ZERO => x`...).

`ZERO` stands for a zero sensitivity, whatever its shape, as in the J transform: `0 * y`
is taken to be 0 even where `y` is infinite, as every AD system's symbolic zeros do, and
`x - x` to be 0 even where `x` is. `normalized_sum`, `normalized_difference` and
`cancelling_sum` are therefore used on gradient programs only (`adjoint_only`).

Example:
    np.sum(np.reshape(d / np.sum(e, 1), (n, 1)) * e, 1, True)   ==>   np.reshape(d, (n, 1))
"""

from __future__ import annotations

import numpy as np

from myia.infer import AArray, AScalar
from myia.ir.nodes import Apply, Constant, Node
from myia.opt.rewrites import const, never_zero, prim_of, rewrite
from myia.prim import lookup as P
from myia.prim.sens import ZERO

_neg = P("neg")
_add = P("add")
_sub = P("sub")
_mul = P("mul")
_truediv = P("truediv")
_matmul = P("matmul")
_np_sum = P("np.sum")
_np_reshape = P("np.reshape")
_sum_to = P("sum_to")
_broadcast_like = P("broadcast_like")
_expand_reduced = P("expand_reduced")
_getitem_sens = P("getitem_sens")
_unreduce = P("unreduce")
_grad_output = P("grad_output")
_is_zero = P("is_zero")
_GADDS = (P("gadd"), P("gadd_numbers"))


def _apply(node: Node, prim, *args) -> Apply:
    return Apply([Constant(prim), *args], node.graph, node.loc)


def _constant(node: Node, value) -> bool:
    """Whether `node` is the constant `value` (None, ZERO, a bool or an int)."""
    return isinstance(node, Constant) and type(node.value) is type(value) and node.value == value


@rewrite(prims=("np.sum", "sum_to"))
def sum_of_negation(opt, node):
    """np.sum(-x, axis, keepdims) => -np.sum(x, axis, keepdims); the same of sum_to."""
    if not node.inputs[1].is_apply(_neg):
        return None
    inner = _apply(node, prim_of(node), node.inputs[1].inputs[1], *node.inputs[2:])
    return _apply(node, _neg, inner)


def _total(s: Node, e: Node) -> bool:
    """Whether `s` is np.sum(e) over all of e (axis None, keepdims False)."""
    return (
        s.is_apply(_np_sum)
        and s.inputs[1] is e
        and _constant(s.inputs[2], None)
        and _constant(s.inputs[3], False)
    )


def _normalizer(opt, factor: Node, e: Node, axis: int):
    """(d, s, kept) when `factor` is np.reshape(d / s, kept) with s = np.sum(e, axis) and
    `kept` the shape of `e` with 1 at `axis` (so the factor is constant along `axis`)."""
    if not factor.is_apply(_np_reshape):
        return None
    ok, kept = const(factor.inputs[2])
    ratio = factor.inputs[1]
    if not (ok and isinstance(kept, tuple) and ratio.is_apply(_truediv)):
        return None
    d, s = ratio.inputs[1], ratio.inputs[2]
    if not (s.is_apply(_np_sum) and s.inputs[1] is e and _constant(s.inputs[2], axis)):
        return None
    if not _constant(s.inputs[3], False):
        return None
    a = opt.abstract(e)
    if not (isinstance(a, AArray) and all(isinstance(n, int) for n in a.shape)):
        return None
    k = axis % len(a.shape)
    if kept != tuple(1 if i == k else n for i, n in enumerate(a.shape)):
        return None
    return d, s, kept


def _ndim(opt, node: Node) -> int | None:
    a = opt.abstract(node)
    return len(a.shape) if isinstance(a, AArray) else None


def _kept_sum_of(s: Node, x: Node, axis: int, ndim: int) -> bool:
    """Whether `s` is np.sum(x, axis, keepdims=True), its axis the same as `axis` for an
    `x` of `ndim` dimensions (-1 and 1 alike for two)."""
    if not (s.is_apply(_np_sum) and s.inputs[1] is x and _constant(s.inputs[3], True)):
        return False
    ok, a = const(s.inputs[2])
    return ok and type(a) is int and -ndim <= a < ndim and a % ndim == axis % ndim


def _kept_normalizer(opt, factor: Node, e: Node, axis: int):
    """(d, s) when `factor` is d / s with s = np.sum(e, axis, keepdims=True)."""
    ndim = _ndim(opt, e)
    if ndim is None or not factor.is_apply(_truediv):
        return None
    d, s = factor.inputs[1], factor.inputs[2]
    return (d, s) if _kept_sum_of(s, e, axis, ndim) else None


@rewrite(prims=("np.sum",), adjoint_only=True)
def normalized_difference(opt, node):
    """np.sum(a + q / s * e, axis, keepdims=True) => ZERO when q = -np.sum(a, axis,
    keepdims=True) and s = np.sum(e, axis, keepdims=True) (the sensitivity of the shift of
    a log-softmax: sum(a) - sum(a) * sum(e / s)), when every use takes ZERO."""
    ok_axis, axis = const(node.inputs[2])
    if not (
        ok_axis
        and type(axis) is int
        and _constant(node.inputs[3], True)
        and node.inputs[1].is_apply(_add)
    ):
        return None
    total = node.inputs[1]
    for a, weighted in ((total.inputs[1], total.inputs[2]), (total.inputs[2], total.inputs[1])):
        if not weighted.is_apply(_mul):
            continue
        for factor, e in (
            (weighted.inputs[1], weighted.inputs[2]),
            (weighted.inputs[2], weighted.inputs[1]),
        ):
            found = _kept_normalizer(opt, factor, e, axis)
            ndim = _ndim(opt, e)
            if found is None or ndim is None:
                continue
            q = found[0]
            if (
                q.is_apply(_neg)
                and _kept_sum_of(q.inputs[1], a, axis, ndim)
                and _zero_absorbed(opt, node)
            ):
                return Constant(ZERO, node.loc)
    return None


@rewrite(prims=("np.sum", "sum_to"), adjoint_only=True)
def normalized_sum(opt, node):
    """np.sum(np.reshape(d / s, kept) * e, axis, keepdims) => d (broadcast to the shape of
    s, reshaped to `kept` with keepdims) when s = np.sum(e, axis); over all of e,
    np.sum(d / s * e) => d and sum_to(d / s * e, like) => sum_to(d, like) for a number
    `like`, when s = np.sum(e): the weights e / s of a normalization sum to one (see the
    module docstring for its rounding)."""
    prod = node.inputs[1]
    if not prod.is_apply(_mul):
        return None
    pairs = ((prod.inputs[1], prod.inputs[2]), (prod.inputs[2], prod.inputs[1]))
    if node.is_apply(_sum_to) or (
        _constant(node.inputs[2], None) and _constant(node.inputs[3], False)
    ):
        if node.is_apply(_sum_to) and not isinstance(opt.abstract(node.inputs[2]), AScalar):
            return None  # a sum over all of e only when like is a number
        for factor, e in pairs:
            if factor.is_apply(_truediv) and _total(factor.inputs[2], e):
                d = factor.inputs[1]
                return _apply(node, _sum_to, d, node.inputs[2]) if node.is_apply(_sum_to) else d
        return None
    ok_axis, axis = const(node.inputs[2])
    ok_keep, keep = const(node.inputs[3])
    if not (ok_axis and ok_keep and isinstance(axis, int)):
        return None
    for factor, e in pairs:
        kept = _kept_normalizer(opt, factor, e, axis) if keep else None
        if kept is not None:
            return _apply(node, _broadcast_like, kept[0], kept[1])
        found = _normalizer(opt, factor, e, axis)
        if found is not None:
            d, s, kept = found
            spread = _apply(node, _broadcast_like, d, s)
            return _apply(node, _np_reshape, spread, Constant(kept)) if keep else spread
    return None


def _covers(index, shape: tuple) -> bool:
    """Whether `x[index]` reaches every element of an `x` of `shape` once, in order: full
    slices, and 0 or -1 on axes of length 1."""
    items = index if isinstance(index, tuple) else (index,)
    if len(items) > len(shape):
        return False
    for item, n in zip(items, shape):
        if isinstance(item, slice):
            if item != slice(None):
                return False
        elif type(item) is int:
            if n != 1 or item not in (0, -1):
                return False
        else:
            return False
    return True


@rewrite(prims=("getitem_sens",))
def covering_getitem_sens(opt, node):
    """getitem_sens(x, index, v) => np.reshape(v, x.shape) when `x[index]` is all of `x`
    (`m[:, 0]` of an m of shape (n, 1)) and v an array of x[index]'s shape and x's dtype."""
    if not node.is_apply(_getitem_sens):
        return None
    x, index, v = node.inputs[1:]
    ok, idx = const(index)
    a, b = opt.abstract(x), opt.abstract(v)
    if not (ok and isinstance(a, AArray) and isinstance(b, AArray) and a.dtype == b.dtype):
        return None
    if not all(isinstance(n, int) for n in (*a.shape, *b.shape)) or not _covers(idx, a.shape):
        return None
    items = idx if isinstance(idx, tuple) else (idx,)
    picked = tuple(
        n for i, n in enumerate(a.shape) if i >= len(items) or isinstance(items[i], slice)
    )
    if tuple(b.shape) != picked or not never_zero(opt, v, 4):
        return None
    return _apply(node, _np_reshape, v, Constant(tuple(a.shape)))


# ZERO as an operand: what each primitive's use of it becomes (see `zero_arithmetic`).
_ABSORBS = {
    _mul: (1, 2),
    _matmul: (1, 2),
    _truediv: (1,),
    _neg: (1,),
    _np_reshape: (1,),
    _np_sum: (1,),
    _expand_reduced: (1,),
    _sum_to: (1,),
    _broadcast_like: (1,),
}
_NEUTRAL = {_add: (1, 2), _sub: (1, 2), **{g: (1, 2) for g in _GADDS}}
_TAKES_ZERO = {_grad_output: (1,), _is_zero: (1,)}


def _zero_absorbed(opt, node: Node, limit: int = 64) -> bool:
    """Whether ZERO in place of `node` is handled by every use: a use that takes ZERO as
    it is (`grad_output`, `is_zero`), becomes ZERO by `zero_arithmetic` (and the same
    holds of its uses), or adds it to a value that never is ZERO, even after this
    (`x + ZERO => x`; a sum of two such ZEROs is ZERO, and its uses must take it)."""
    zeros = {node}
    pending = [node]
    sums: list[tuple[Apply, int]] = []
    while pending:
        while pending:
            n = pending.pop()
            uses = opt.mng.uses.get(n, ())
            if not uses or len(zeros) > limit:
                return False
            for user, i in uses:
                prim = prim_of(user)
                if i in _TAKES_ZERO.get(prim, ()):
                    continue
                if i in _NEUTRAL.get(prim, ()):
                    sums.append((user, i))
                elif i in _ABSORBS.get(prim, ()):
                    if user not in zeros:
                        zeros.add(user)
                        pending.append(user)
                else:
                    return False
        for user, i in sums:
            other = user.inputs[3 - i]
            if user not in zeros and (other in zeros or not never_zero(opt, other, 4)):
                zeros.add(user)
                pending.append(user)
    return True


def _same(a: Node, b: Node) -> bool:
    """The same node, or equal constants (numbers, or the very same object)."""
    if a is b:
        return True
    if isinstance(a, Constant) and isinstance(b, Constant):
        u, v = a.value, b.value
        if u is v:
            return True
        numbers = (int, float, np.floating)
        if isinstance(u, numbers) and isinstance(v, numbers) and not isinstance(u, bool):
            return not isinstance(v, bool) and u == v
        return type(u) is type(v) and type(u) in (bool, type(None)) and u == v
    return False


def _negates(a: Node, b: Node, depth: int = 3) -> bool:
    """Whether `b` is `-a`: a negation of the other, opposite numbers, or the spreads
    (`unreduce`) of opposite numbers over the same shape."""
    if (b.is_apply(_neg) and b.inputs[1] is a) or (a.is_apply(_neg) and a.inputs[1] is b):
        return True
    if isinstance(a, Constant) and isinstance(b, Constant):
        u, v = a.value, b.value
        numbers = (int, float, np.floating)
        return (
            isinstance(u, numbers)
            and isinstance(v, numbers)
            and not isinstance(u, bool)
            and u == -v
        )
    if depth > 0 and a.is_apply(_unreduce) and b.is_apply(_unreduce):
        return all(_same(x, y) for x, y in zip(a.inputs[2:], b.inputs[2:])) and _negates(
            a.inputs[1], b.inputs[1], depth - 1
        )
    return False


@rewrite(prims=("add", "sub", "gadd", "gadd_numbers"), before="constant_fold", adjoint_only=True)
def cancelling_sum(opt, node):
    """x + (-x), (-x) + x, x - x => ZERO (also as gadd; -x may be the spread of the
    opposite number), when every use takes ZERO."""
    prim = prim_of(node)
    if prim not in (_add, _sub, *_GADDS):
        return None
    a, b = node.inputs[1], node.inputs[2]
    cancels = _same(a, b) if prim is _sub else _negates(a, b)
    if not cancels or not _zero_absorbed(opt, node):
        return None
    return Constant(ZERO, node.loc)


@rewrite(
    prims=(
        "mul",
        "matmul",
        "truediv",
        "neg",
        "np.reshape",
        "np.sum",
        "expand_reduced",
        "sum_to",
        "broadcast_like",
        "add",
        "sub",
    )
)
def zero_arithmetic(opt, node):
    """ZERO * y, ZERO / y, -ZERO, np.sum(ZERO), np.reshape(ZERO), ZERO @ y... => ZERO;
    x + ZERO, x - ZERO => x; ZERO - y => -y."""
    prim = prim_of(node)
    if prim is None:
        return None
    zeros = [
        i for i, a in enumerate(node.inputs) if i and isinstance(a, Constant) and a.value is ZERO
    ]
    if not zeros:
        return None
    if any(i in _ABSORBS.get(prim, ()) for i in zeros):
        return Constant(ZERO, node.loc)
    if prim is _add or (prim is _sub and 2 in zeros):
        return node.inputs[2] if zeros == [1] else node.inputs[1]
    if prim is _sub:
        return _apply(node, _neg, node.inputs[2])
    return None
