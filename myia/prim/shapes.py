"""Shapes: axis permutations, flattening, copies, splitting, tiling, repetition, flips,
diagonals and triangles, and the helpers of the shape rules and backpropagators of the
whole family.

This module owns `np.swapaxes`, `np.moveaxis` (canonicalized to `transpose`), `np.ravel`,
`x.ravel()`, `x.flatten()` (to `reshape`), `np.copy` and `x.copy()`, `np.split`,
`np.tile`, `np.repeat`, `np.flip`, `np.diag`, `np.triu`, `np.tril`, and `diag_sens`, the
helper primitive of the gradient of `np.diag`. The rest of the family:
`myia.prim.joining` (`np.concatenate`, `np.stack`, `np.hstack`, `np.vstack`),
`myia.prim.gathering` (`np.take`, `np.take_along_axis`, `x.item()`) and
`myia.prim.constructors` (`np.full`, `np.full_like`, `np.eye`, `np.arange`,
`np.linspace`).

Axes, sections and `reps` are constants known when compiling; a dimension that depends on
a run-time value is unknown (None). The sensitivity of a list of arrays (the result of
`np.split`) joins those of its items, with zeros for the absent ones; the copies of an
element (`np.tile`, `np.repeat`) sum their sensitivities.
"""

from __future__ import annotations

import ast

import numpy as np

from myia.errors import MyiaShapeError, MyiaTypeError
from myia.infer import abstract as A
from myia.infer.abstract import AArray, AList, AScalar, ATuple, AZero, describe
from myia.infer.build import type_of
from myia.infer.walks import constant_value, is_constant
from myia.ir.nodes import Constant, Node
from myia.prim import typing as T
from myia.prim.arrays import attr_shape, attr_size, cast, reshape, transpose
from myia.prim.emitting import axes_view, template
from myia.prim.jvp import linear
from myia.prim.reductions import sum_
from myia.prim.registry import REGISTRY, primitive
from myia.prim.sens import unbroadcast, zeros_of
from myia.prim.structures import getitem, index_sens, make_list, make_tuple

# ---------------------------------------------------------------------------------------
# Helpers of the rules


def _as_array(t, what: str) -> AArray:
    """An array or number type as an array type (a number as a 0-d array)."""
    if isinstance(t, AArray):
        return t
    if isinstance(t, AScalar):
        return AArray(t.dtype, ())
    raise MyiaTypeError(f"{what} needs an array, got {describe(t)}")


def _axis(t, ndim: int, what: str = "axis") -> int:
    """A constant axis argument, normalized."""
    a = T.const_int(t, what)
    if not -ndim <= a < ndim:
        raise MyiaShapeError(f"{what} {a} is out of bounds for an array of dimension {ndim}")
    return a % ndim


def _axes(t, ndim: int, what: str) -> tuple[int, ...]:
    """A constant int or sequence of ints naming distinct axes, normalized."""
    v = T.const_value(t, what)
    out = tuple(_axis(AScalar(int, int(a)), ndim, what) for a in _as_tuple(v))
    if len(set(out)) != len(out):
        raise MyiaShapeError(f"repeated axis in `{what}` argument")
    return out


def _as_tuple(v) -> tuple:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


def _is_int(t) -> bool:
    return isinstance(t, AScalar) and np.dtype(t.kind).kind in "iu"


def _count(t, what: str) -> int | None:
    """A non-negative int argument: its value, None when known only at run time."""
    if not _is_int(t):
        raise MyiaTypeError(f"{what} must be an int, got {describe(t)}")
    if t.known and int(t.value) < 0:
        raise MyiaShapeError(f"{what} must be non-negative, got {t.value}")
    return int(t.value) if t.known else None


def _compatible(s1: tuple, s2: tuple) -> bool:
    return len(s1) == len(s2) and all(a is None or b is None or a == b for a, b in zip(s1, s2))


def _items(seq, what: str) -> list[AArray]:
    """The items of a non-empty tuple or list type as arrays (the one item type of a list
    of run-time length)."""
    if not isinstance(seq, (ATuple, AList)):
        raise MyiaTypeError(f"{what} needs a tuple or list of arrays, got {describe(seq)}")
    if seq.items is not None and not seq.items:
        raise MyiaShapeError(f"{what} needs at least one array")
    return [_as_array(t, what) for t in (seq.items if seq.items is not None else (seq.elem,))]


def _common_shape(shapes: list, skip: int | None, message: str) -> list:
    """The shape all of `shapes` share (dimension `skip` excepted: None there)."""
    if any(len(s) != len(shapes[0]) for s in shapes):
        raise MyiaShapeError(message)
    out = []
    for i in range(len(shapes[0])):
        known = {s[i] for s in shapes if s[i] is not None}
        if i != skip and len(known) > 1:
            raise MyiaShapeError(message)
        out.append(known.pop() if i != skip and known else None)
    return out


def _along(b, k: int, index):
    """The index of `index` (an int, a slice or an index array node) along axis `k`."""
    if k == 0:
        return index
    if isinstance(index, Constant):
        index = index.value
    if not isinstance(index, Node):
        return (slice(None),) * k + (index,)
    return b.apply(make_tuple, *([slice(None)] * k), index)


def _dims(b, node, t) -> list:
    """The dimensions of `node` (of type `t`): ints where known, run-time nodes elsewhere."""
    a = _as_array(t, "shape")
    if a.known_shape:
        return list(a.shape)
    shape = b.apply(attr_shape, node)
    return [d if d is not None else b.apply(getitem, shape, i) for i, d in enumerate(a.shape)]


def _shape_arg(b, dims: list):
    """A shape argument of `dims`: a constant tuple, or one built at run time."""
    return tuple(dims) if all(isinstance(d, int) for d in dims) else b.apply(make_tuple, *dims)


def _sens(b, g, t):
    """`g` as the sensitivity of an input of type `t` (summed, cast; a NumPy float for a
    NumPy float, a Python float for a Python float)."""
    g = unbroadcast(b, g, t)
    if g is not None and isinstance(t, AScalar):
        gt = type_of(g)
        if isinstance(gt, AScalar) and gt.pytype is not t.pytype:
            g = b.apply(cast, g, t.pytype)
    return g


def _like(b, g, t, primal):
    """The sensitivity `g` (as many elements as `t`) reshaped to the input type `t`
    (`primal()`: the input, for a shape known at run time only)."""
    gt = type_of(g)
    if isinstance(t, AArray) and isinstance(gt, AArray) and not _compatible(gt.shape, t.shape):
        g = b.apply(reshape, g, _shape_arg(b, _dims(b, primal() if not t.known_shape else None, t)))
    return _sens(b, g, t)


def _joined(b, d, seq_t, primal):
    """The sensitivity `d` of a list of type `seq_t` as a list of arrays, zeros for the
    absent items (`primal()`: the list), ready to concatenate."""
    dt = type_of(d)
    if seq_t.items is None or dt.items is None:
        return d
    built = d.is_apply(make_list)
    out = []
    for i, (t, s) in enumerate(zip(seq_t.items, dt.items)):
        if s is not AZero:
            out.append(d.inputs[1 + i] if built else b.apply(getitem, d, i))
        else:
            known = isinstance(t, AArray) and t.known_shape
            out.append(zeros_of(b, t, None if known else b.apply(getitem, primal(), i)))
    return b.apply(make_list, *out)


def _np_call(fn: str, npos: int, **defaults):
    """An emitter of `np.fn(...)`: the first `npos` arguments by position, the others as
    keywords where they are not the constant default."""

    def emit(e, args):
        call = ast.Call(ast.Attribute(ast.Name("np", ast.Load()), fn, ast.Load()), args[:npos], [])
        for k, name in enumerate(defaults, start=npos):
            ok, v = e.const(k)
            d = defaults[name]
            if not (ok and (v is d or (type(v) is type(d) and v == d))):
                call.keywords.append(ast.keyword(name, args[k]))
        return call

    return emit


def _helper(name: str):
    return lambda e, args: e.helper_call(name, args)


def _maker(seq):
    return make_tuple if isinstance(seq, ATuple) else make_list


# ---------------------------------------------------------------------------------------
# Axis permutations, flattening, copies


@primitive("swapaxes", py=[np.swapaxes])
def swapaxes(a, axis1, axis2):
    """`np.swapaxes(a, axis1, axis2)` and `a.swapaxes(...)`: a transpose."""
    return np.swapaxes(a, axis1, axis2)


@primitive("moveaxis", py=[np.moveaxis])
def moveaxis(a, source, destination):
    """`np.moveaxis(a, source, destination)`: a transpose."""
    return np.moveaxis(a, source, destination)


def _swap_perm(a, axis1, axis2):
    x = _as_array(a, "np.swapaxes")
    i, j = _axis(axis1, x.ndim, "axis1"), _axis(axis2, x.ndim, "axis2")
    perm = list(range(x.ndim))
    perm[i], perm[j] = j, i
    return x, tuple(perm)


def _move_perm(a, source, destination):
    x = _as_array(a, "np.moveaxis")
    src, dst = _axes(source, x.ndim, "source"), _axes(destination, x.ndim, "destination")
    if len(src) != len(dst):
        raise MyiaShapeError("`source` and `destination` must have the same number of elements")
    order = [n for n in range(x.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return x, tuple(order)


def _permutation(plan, prim):
    def infer(*ts):
        x, perm = plan(*ts)
        return AArray(x.dtype, tuple(x.shape[p] for p in perm))

    def canon(b, args):
        _, perm = plan(*(type_of(a) for a in args))
        return args[0] if perm == tuple(sorted(perm)) else b.apply(transpose, args[0], perm)

    prim.definfer(infer)
    prim.defcanon(canon)


_permutation(_swap_perm, swapaxes)
_permutation(_move_perm, moveaxis)


@primitive("ravel", py=[np.ravel])
def ravel(a):
    """`np.ravel(a)` and `a.ravel()`: `a` as a 1-d array (a reshape)."""
    return np.ravel(a)


@primitive("flatten", fresh=True)
def flatten(a):
    """`a.flatten()`: a 1-d copy of `a`."""
    return a.flatten()


def _flat(b, node):
    t = type_of(node)
    if isinstance(t, AArray) and t.ndim == 1:
        return node
    n = _as_array(t, "ravel").size
    return b.apply(reshape, node, (n,) if n is not None else -1)


def _infer_flat(a):
    x = _as_array(a, "ravel")
    return AArray(x.dtype, (x.size,))


ravel.definfer(_infer_flat)
flatten.definfer(_infer_flat)
ravel.defcanon(lambda b, args: _flat(b, args[0]))
flatten.defcanon(lambda b, args: b.apply(copy, _flat(b, args[0])))


@primitive("copy", py=[np.copy], fresh=True)
def copy(a):
    """`np.copy(a)`: a new array equal to `a` (a 0-d array for a number)."""
    return np.copy(a)


copy.definfer(lambda a: _as_array(a, "np.copy"))
copy.defvjp(lambda r: [_sens(r.b, r.dout, r.types[0])])
copy.defemit(template("np.copy({0})"))


@primitive("method.copy")
def method_copy(a):
    """`a.copy()`: `np.copy(a)` of an array; NumPy scalars, lists and dicts are values
    compiled code never mutates, so their copy is themselves."""
    return a.copy()


@method_copy.definfer
def _infer_method_copy(a):
    if isinstance(a, (AArray, AList, A.ADict)) or (isinstance(a, AScalar) and not a.python):
        return a
    raise MyiaTypeError(f"{describe(a)} has no method .copy()")


@method_copy.defcanon
def _canon_method_copy(b, args):
    return b.apply(copy, args[0]) if isinstance(type_of(args[0]), AArray) else args[0]


for _name, _p in [("swapaxes", swapaxes), ("ravel", ravel), ("flatten", flatten)]:
    REGISTRY.method(_name, _p)
REGISTRY.method("copy", method_copy)

# ---------------------------------------------------------------------------------------
# Splitting, tiling, repetition, flips


@primitive("split", py=[np.split])
def split(ary, indices_or_sections, axis=0):
    """`np.split(ary, indices_or_sections, axis)`: a list of pieces along `axis`, equal ones
    for a number of sections, cut at the indices of a sequence. The sensitivity of `ary`
    joins those of the pieces (zeros for pieces without one); it needs increasing indices."""
    return np.split(ary, indices_or_sections, axis)


def _split_bounds(ios, n):
    """The slice bounds (start, stop) of the pieces, or None when their number is known
    only at run time."""
    if _is_int(ios):
        if not ios.known:
            return None
        sec = int(ios.value)
        if sec <= 0:
            raise MyiaShapeError("number sections must be larger than 0.")
        if n is None:
            return [(None, None)] * sec
        if n % sec:
            raise MyiaShapeError("array split does not result in an equal division")
        return [(i * (n // sec), (i + 1) * (n // sec)) for i in range(sec)]
    if isinstance(ios, (ATuple, AList)) and is_constant(ios):
        idx = [int(i) for i in constant_value(ios)]
        return list(zip([0, *idx], [*idx, None]))
    if isinstance(ios, AArray) and ios.dtype.kind in "iu":
        return None
    raise MyiaTypeError(f"np.split needs a number of sections or indices, got {describe(ios)}")


@split.definfer
def _infer_split(ary, ios, axis):
    x = _as_array(ary, "np.split")
    if x.ndim == 0:
        raise MyiaShapeError("np.split needs an array of 1 dimension or more")
    k = _axis(axis, x.ndim)
    n = x.shape[k]
    bounds = _split_bounds(ios, n)
    sizes = [None] if bounds is None else [n and len(range(n)[s:e]) for s, e in bounds]
    pieces = [AArray(x.dtype, (*x.shape[:k], m, *x.shape[k + 1 :])) for m in sizes]
    return AList(None, pieces[0]) if bounds is None else AList(pieces)


@split.defvjp
def _vjp_split(r):
    if not r.wants(0):
        return [None, None, None]
    x, ios = r.types[0], r.types[1]
    k = _axis(r.types[2], x.ndim)
    if isinstance(ios, AArray):
        raise MyiaTypeError("the gradient of np.split needs indices known when compiling")
    if isinstance(ios, (ATuple, AList)):
        n = x.shape[k]
        idx = [int(i) for i in constant_value(ios)]
        if n is not None:
            idx = [min(max(i + n if i < 0 else i, 0), n) for i in idx]
        if idx != sorted(idx) or min(idx, default=0) < 0:
            raise MyiaTypeError("the gradient of np.split needs increasing indices")
    d = _joined(r.b, r.dout, r.out_type, r.out)
    return [_sens(r.b, r.b.apply(REGISTRY.lookup("concatenate"), d, k), x), None, None]


split.defemit(_np_call("split", 2, axis=0))


@primitive("tile", py=[np.tile], fresh=True)
def tile(A, reps):
    """`np.tile(A, reps)`; the sensitivity of `A` is the sum of those of its copies."""
    return np.tile(A, reps)


def _tile_plan(a, reps):
    """(array type, its shape with leading ones, the repetitions of each dimension)."""
    x = _as_array(a, "np.tile")
    rs = tuple(int(i) for i in _as_tuple(T.const_value(reps, "reps")))
    if any(i < 0 for i in rs):
        raise MyiaShapeError("np.tile: negative dimensions are not allowed")
    nd = max(x.ndim, len(rs))
    return x, (1,) * (nd - x.ndim) + x.shape, (1,) * (nd - len(rs)) + rs


@tile.definfer
def _infer_tile(a, reps):
    x, shape, rs = _tile_plan(a, reps)
    return AArray(x.dtype, tuple(None if n is None else n * k for n, k in zip(shape, rs)))


@tile.defvjp
def _vjp_tile(r):
    b = r.b
    x, shape, rs = _tile_plan(*r.types)
    dims = [1] * (len(shape) - x.ndim) + _dims(b, r.x(0), r.types[0])
    split_dims, axes = [], []
    for n, k in zip(dims, rs):
        if k != 1:
            axes.append(len(split_dims))
            split_dims.append(k)
        split_dims.append(n)
    d = r.dout
    if axes:  # the copies of each element along new axes, summed
        d = b.apply(sum_, b.apply(reshape, d, _shape_arg(b, split_dims)), tuple(axes), None, False)
    return [_like(b, d, r.types[0], lambda: r.x(0)), None]


tile.defemit(template("np.tile({0}, {1})"))


@primitive("repeat", py=[np.repeat], fresh=True)
def repeat(a, repeats, axis=None):
    """`np.repeat(a, repeats, axis)` and `a.repeat(...)` (of the flattened `a` when `axis`
    is None), `repeats` an int or a sequence or array of ints; the sensitivity of an
    element is the sum of those of its copies."""
    return np.repeat(a, repeats, axis)


REGISTRY.method("repeat", repeat)


def _repeated(reps, n):
    """The length of an axis of length `n` repeated `reps` times."""
    if _is_int(reps):
        m = _count(reps, "repeats")
        return None if m is None or n is None else n * m
    if isinstance(reps, (ATuple, AList)) and is_constant(reps):
        vals = [int(v) for v in constant_value(reps)]
        if any(v < 0 for v in vals):
            raise MyiaShapeError("np.repeat: repeats may not contain negative values")
        if len(vals) == 1:
            return None if n is None else n * vals[0]
        if n is not None and len(vals) != n:
            raise MyiaShapeError(f"np.repeat: {len(vals)} repeats for an axis of length {n}")
        return sum(vals)
    if isinstance(reps, AArray) and reps.dtype.kind in "iu":
        return None
    raise MyiaTypeError(f"np.repeat needs int repeats, got {describe(reps)}")


@repeat.definfer
def _infer_repeat(a, repeats, axis):
    x = _as_array(a, "np.repeat")
    if T.is_none(axis):
        return AArray(x.dtype, (_repeated(repeats, x.size),))
    k = _axis(axis, x.ndim)
    return AArray(x.dtype, (*x.shape[:k], _repeated(repeats, x.shape[k]), *x.shape[k + 1 :]))


@repeat.defvjp
def _vjp_repeat(r):
    if not r.wants(0):
        return [None, None, None]
    b, t, reps = r.b, r.types[0], r.types[1]
    x = _as_array(t, "np.repeat")
    flat = T.is_none(r.types[2])
    k = 0 if flat else _axis(r.types[2], x.ndim)
    shape = (x.size,) if flat else x.shape
    if isinstance(reps, AScalar) and reps.known and int(reps.value) == 1:
        g = r.dout
    elif isinstance(reps, AScalar) and reps.known and None not in shape:
        g = b.apply(reshape, r.dout, (*shape[:k], shape[k], int(reps.value), *shape[k + 1 :]))
        g = b.apply(sum_, g, k + 1, None, False)
    else:  # the copies of element i are where np.repeat(np.arange(n), repeats) is i
        dims = _dims(b, r.x(0), t)
        if flat:
            dims = [x.size if x.size is not None else b.apply(attr_size, r.x(0))]
        idx = b.apply(
            repeat, b.apply(REGISTRY.lookup("arange"), dims[k], None, None, None), r.x(1), None
        )
        g = b.apply(index_sens, _shape_arg(b, dims), x.dtype, _along(b, k, idx), r.dout)
    return [_like(b, g, t, lambda: r.x(0)), None, None]


repeat.defemit(_np_call("repeat", 2, axis=None))


@primitive("flip", py=[np.flip])
def flip(m, axis=None):
    """`np.flip(m, axis)` (along every axis when `axis` is None); the sensitivity is
    flipped back."""
    return np.flip(m, axis)


@flip.definfer
def _infer_flip(m, axis):
    if isinstance(m, AScalar) and T.is_none(axis):
        return T.scalar_of_dtype(m.dtype)
    x = _as_array(m, "np.flip")
    if not T.is_none(axis):
        _axes(axis, x.ndim, "axis")
    return AArray(x.dtype, x.shape)


flip.defvjp(lambda r: [_sens(r.b, r.b.apply(flip, r.dout, r.x(1)), r.types[0]), None])


@flip.defemit
def _emit_flip(e, args):
    ok, v = e.const(1)
    t = e.types[0]
    if not (ok and isinstance(t, AArray) and t.ndim):
        return _np_call("flip", 1, axis=None)(e, args)
    axes = range(t.ndim) if v is None else {int(i) % t.ndim for i in np.atleast_1d(v)}
    return axes_view(args[0], [-1 if j in axes else 1 for j in range(t.ndim)])


# ---------------------------------------------------------------------------------------
# Diagonals and triangles


@primitive("diag", py=[np.diag], fresh=True)
def diag(v, k=0):
    """`np.diag(v, k)`: the 2-d array with the 1-d `v` on its `k`-th diagonal, or the
    `k`-th diagonal of the 2-d `v`."""
    return np.diag(v, k)


@diag.definfer
def _infer_diag(v, k):
    x = _as_array(v, "np.diag")
    j = T.const_int(k, "k")
    if x.ndim == 1:
        n = None if x.shape[0] is None else x.shape[0] + abs(j)
        return AArray(x.dtype, (n, n))
    if x.ndim == 2:
        a, c = x.shape
        n = None if a is None or c is None else max(0, min(a + min(j, 0), c - max(j, 0)))
        return AArray(x.dtype, (n,))
    raise MyiaShapeError(f"np.diag: input must be 1- or 2-d, got {describe(v)}")


@diag.defvjp
def _vjp_diag(r):
    b, t = r.b, r.types[0]
    x = _as_array(t, "np.diag")
    a = x.shape[0]
    if x.ndim == 1 or (
        a is not None and x.shape == (a, a) and a > abs(T.const_int(r.types[1], "k"))
    ):
        g = b.apply(diag, r.dout, r.x(1))
    else:
        g = b.apply(diag_sens, r.dout, _shape_arg(b, _dims(b, r.x(0), t)), r.x(1))
    return [_sens(b, g, t), None]


diag.defemit(_np_call("diag", 1, k=0))


@primitive("diag_sens", fresh=True)
def diag_sens(d, shape, k):
    """Zeros of `shape` with the 1-d `d` on their `k`-th diagonal: the sensitivity of a
    matrix when its `np.diag(., k)` has sensitivity `d`."""
    out = np.zeros(shape, np.result_type(d))
    i = np.arange(np.size(d))
    out[i + max(-k, 0), i + max(k, 0)] = d
    return out


diag_sens.definfer(lambda d, shape, k: AArray(d.dtype, T.tuple_of_ints(shape)))
diag_sens.defvjp(lambda r: [r.b.apply(diag, r.dout, r.x(2)), None, None])
diag_sens.defemit(_helper("diag_sens"))


def _triangle(name: str, fn):
    def impl(m, k=0):
        return fn(m, k)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = (
        f"`np.{name}(m, k)`: `m` with zeros outside its {'upper' if name == 'triu' else 'lower'}"
        " triangle from the `k`-th diagonal (a 1-d `m` as the rows of a square); the "
        "sensitivity is that triangle's."
    )
    prim = primitive(name, py=[fn], fresh=True)(impl)

    @prim.definfer
    def infer(m, k):
        x = _as_array(m, f"np.{name}")
        T.const_int(k, "k")
        if x.ndim == 0:
            raise MyiaShapeError(f"np.{name} needs an array of 1 dimension or more")
        return AArray(x.dtype, x.shape * 2 if x.ndim == 1 else x.shape)

    prim.defvjp(lambda r: [_sens(r.b, r.b.apply(prim, r.dout, r.x(1)), r.types[0]), None])
    prim.defemit(_np_call(name, 1, k=0))
    return prim


triu = _triangle("triu", np.triu)
tril = _triangle("tril", np.tril)


# Tangents (forward mode): each of these is linear in the array it reads.
for _p in (copy, split, tile, repeat, flip, diag, diag_sens, triu, tril):
    _p.defjvp(linear(0))
