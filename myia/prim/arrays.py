"""Array attributes, casts, constructors and the reshaping operations.

`x.shape`, `x.ndim`, `x.size`, `x.dtype` (also `np.shape(x)`, ...) are known when
compiling wherever the types say so and then fold to constants. Casts (`float(x)`,
`np.float64(x)`, `np.float32(x)`, `int(x)`, `x.astype(d)`) are one primitive, `cast`.
"""

from __future__ import annotations

import numpy as np

from myia.errors import MyiaShapeError, MyiaTypeError
from myia.infer.abstract import (
    UNKNOWN,
    AArray,
    AConst,
    AList,
    AScalar,
    ATuple,
    AZero,
    describe,
)
from myia.prim.emitting import axes_view, template
from myia.prim.jvp import linear
from myia.prim.registry import REGISTRY, primitive
from myia.prim.typing import (
    axes_of,
    const_value,
    scalar_of_dtype,
    tuple_of_ints,
    union_map,
)


def _array(t, what: str) -> AArray:
    if isinstance(t, AArray):
        return t
    if isinstance(t, AScalar):
        return AArray(t.dtype, ())
    raise MyiaTypeError(f"{what} needs an array, got {describe(t)}")


# ---------------------------------------------------------------------------------------
# Arrays of the program


class LiveArray:
    """An array the program reads from a global, a closure cell or a default: compiled
    code reads it when it runs (`live_array(box)`), so that a change in place is seen, and
    the compiler never folds its contents into code."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray):
        self.array = array

    def __repr__(self) -> str:
        return f"LiveArray({self.array.dtype}, {self.array.shape})"


@primitive("live_array", nondiff=True, foldable=False)
def live_array(box):
    """The array a `LiveArray` holds, as it is now.

    Example:
        >>> live_array(LiveArray(np.ones(2)))
        array([1., 1.])
    """
    return box.array


@live_array.definfer
def _infer_live_array(box):
    a = box.value.array
    return AArray(a.dtype, a.shape)


live_array.defemit(template("{0}.array"))


# ---------------------------------------------------------------------------------------
# Attributes


@primitive("attr.shape", py=[np.shape], nondiff=True)
def attr_shape(x):
    """`x.shape` (and `np.shape(x)`)."""
    return np.shape(x)


@attr_shape.definfer
def _infer_shape(x):
    if isinstance(x, AScalar):
        return ATuple(())
    a = _array(x, ".shape")
    return ATuple(AScalar(int, d) if d is not None else AScalar(int) for d in a.shape)


@attr_shape.defemit
def _emit_shape(e, args):
    return (
        template("{0}.shape")(e, args)
        if isinstance(e.types[0], AArray)
        else template("np.shape({0})")(e, args)
    )


@primitive("attr.ndim", py=[np.ndim], nondiff=True)
def attr_ndim(x):
    """`x.ndim` (and `np.ndim(x)`)."""
    return np.ndim(x)


attr_ndim.definfer(lambda x: AScalar(int, 0 if isinstance(x, AScalar) else _array(x, ".ndim").ndim))
attr_ndim.defemit(template("np.ndim({0})"))


@primitive("attr.size", py=[np.size], nondiff=True)
def attr_size(x):
    """`x.size` (and `np.size(x)`)."""
    return np.size(x)


@attr_size.definfer
def _infer_size(x):
    n = 1 if isinstance(x, AScalar) else _array(x, ".size").size
    return AScalar(int, UNKNOWN if n is None else n)


attr_size.defemit(template("np.size({0})"))


@primitive("attr.dtype", nondiff=True)
def attr_dtype(x):
    """`x.dtype`."""
    return x.dtype


@attr_dtype.definfer
def _infer_dtype(x):
    if isinstance(x, AScalar) and not x.python:
        return AConst(x.dtype)
    return AConst(_array(x, ".dtype").dtype)


attr_dtype.defemit(template("{0}.dtype"))


# ---------------------------------------------------------------------------------------
# Casts


@primitive("cast")
def cast(x, to):
    """`to(x)` for a scalar type `to` (float, int, bool, np.float64, np.float32, ...)."""
    return to(x)


for _t in (
    float,
    int,
    complex,
    np.float64,
    np.float32,
    np.float16,
    np.int64,
    np.int32,
    np.int16,
    np.int8,
    np.uint8,
    np.complex128,
    np.bool_,
):
    REGISTRY.alias(_t, cast, to=_t)


@cast.definfer
def _infer_cast(x, to):
    t = const_value(to, "the type of a cast")

    def one(x):
        if isinstance(x, AArray):
            if t in (float, int, complex):
                if x.size is not None and x.size != 1:
                    raise MyiaTypeError(
                        f"only arrays of one element can be converted to Python scalars "
                        f"(`{t.__name__}(...)` of {describe(x)})"
                    )
                return AScalar(t)
            if x.shape == ():  # a NumPy scalar type of a 0-d array is a NumPy scalar
                return AScalar(t)
            return AArray(np.dtype(t), x.shape)
        if isinstance(x, AScalar):
            if x.kind is complex and t in (float, int):
                raise MyiaTypeError(f"can't convert complex to {t.__name__}")
            return AScalar(t)
        if isinstance(x, AConst) and isinstance(x.value, str):
            return AScalar(t)
        raise MyiaTypeError(f"cannot convert {describe(x)} to {t.__name__}")

    return union_map(one, x)


@cast.defvjp
def _vjp_cast(r):
    from myia.prim.sens import unbroadcast

    d = r.dout
    x = r.types[0]
    if isinstance(x, AArray) and isinstance(r.out_type, AScalar):
        d = r.b.apply(broadcast_to, d, x.shape)
    return [unbroadcast(r.b, d, x)]


@cast.defemit
def _emit_cast(e, args):
    ok, to = e.const(1)
    x = e.types[0]
    if (
        to in (float, np.float64)
        and isinstance(x, AScalar)
        and x.kind is float
        and (e.fast or to is float and not x.np or to is np.float64 and x.np)
    ):
        return args[0]
    if to in (float, np.float64) and e.fast and isinstance(x, AScalar) and x.kind in (int, bool):
        return template("float({0})")(e, args)
    name = to.__name__ if to.__module__ == "builtins" else f"np.{to.__name__}"
    return template(name + "({0})")(e, args)


@primitive("astype", fresh=True)
def astype(x, dtype):
    """`x.astype(dtype)` (a copy)."""
    return np.asarray(x).astype(dtype) if not isinstance(x, np.generic) else x.astype(dtype)


REGISTRY.method("astype", astype)


@astype.definfer
def _infer_astype(x, dtype):
    d = np.dtype(const_value(dtype, "the dtype of astype"))
    if isinstance(x, AScalar) and not x.python:
        return scalar_of_dtype(d)
    return AArray(d, _array(x, ".astype").shape)


@astype.defvjp
def _vjp_astype(r):
    from myia.prim.sens import unbroadcast

    return [unbroadcast(r.b, r.dout, r.types[0]), None]


astype.defemit(template("{0}.astype({1})"))


@primitive("asarray", py=[np.asarray, np.array], fresh=True)
def asarray(a, dtype=None):
    """`np.asarray(a, dtype)` / `np.array(a, dtype)` of numbers, arrays and (nested) tuples
    and lists of them."""
    return np.array(a, dtype=dtype)


@asarray.definfer
def _infer_asarray(a, dtype):
    from myia.prim.typing import is_none, np_operand

    def shape_dtype(t):
        if isinstance(t, AArray):
            return t.shape, t.dtype
        if isinstance(t, AScalar):
            return (), np.result_type(np_operand(t)) if not t.python else np.dtype(
                {bool: np.bool_, int: np.int64, float: np.float64, complex: np.complex128}[t.kind]
            )
        if isinstance(t, AList) and t.items is None and isinstance(t.elem, (AArray, AScalar)):
            inner, dt = shape_dtype(t.elem)  # a list of a run-time length (`np.stack`)
            return (None, *inner), dt
        if isinstance(t, (ATuple, AList)) and t.items is not None:
            parts = [shape_dtype(x) for x in t.items]
            shapes = {p[0] for p in parts}
            if len(shapes) > 1:
                raise MyiaShapeError("np.array of sequences of different shapes")
            inner = shapes.pop() if parts else ()
            dt = np.result_type(*[p[1] for p in parts]) if parts else np.dtype(np.float64)
            return (len(parts), *inner), dt
        raise MyiaTypeError(f"np.array does not support {describe(t)}")

    shape, dt = shape_dtype(a)
    if not is_none(dtype):
        dt = np.dtype(const_value(dtype, "dtype"))
    return AArray(dt, shape)


@asarray.defjvp
def _jvp_asarray(r):
    """The array of the tangents of the items (0.0 for an item with none: an int of a
    list of numbers), of the output's dtype."""
    if r.t(0) is None:
        return None
    return r.b.apply(asarray, _zeros_filled(r.b, r.full(0)), r.x(1))


def _zeros_filled(b, t):
    """The tangent `t` of a sequence with 0.0 for its items that have no tangent."""
    from myia.infer.build import type_of
    from myia.prim.structures import getitem, make_list, make_tuple

    tt = type_of(t)
    if tt is AZero:
        return b.node(0.0)
    if isinstance(tt, (ATuple, AList)) and tt.items is not None and _has_zero(tt):
        items = [_zeros_filled(b, b.apply(getitem, t, i)) for i in range(len(tt.items))]
        return b.apply(make_tuple if isinstance(tt, ATuple) else make_list, *items)
    return t


def _has_zero(t) -> bool:
    if t is AZero:
        return True
    return isinstance(t, (ATuple, AList)) and t.items is not None and any(map(_has_zero, t.items))


@asarray.defvjp
def _vjp_asarray(r):
    from myia.prim.sens import unbroadcast
    from myia.prim.structures import getitem, make_list, make_tuple

    def back(d, t):
        if isinstance(t, (ATuple, AList)):
            maker = make_tuple if isinstance(t, ATuple) else make_list
            return r.b.apply(
                maker, *[back(r.b.apply(getitem, d, i), x) for i, x in enumerate(t.items)]
            )
        return unbroadcast(r.b, d, t)

    return [back(r.dout, r.types[0]), None]


@asarray.defemit
def _emit_asarray(e, args):
    ok, dtype = e.const(1)
    if ok and dtype is None:
        return template("np.array({0})")(e, args)
    return template("np.array({0}, dtype={1})")(e, args)


# ---------------------------------------------------------------------------------------
# Constructors


@primitive("zeros", py=[np.zeros], nondiff=True, fresh=True)
def zeros(shape, dtype=float):
    """`np.zeros(shape, dtype)`."""
    return np.zeros(shape, dtype)


@primitive("ones", py=[np.ones], nondiff=True, fresh=True)
def ones(shape, dtype=float):
    """`np.ones(shape, dtype)`."""
    return np.ones(shape, dtype)


def _infer_filled(shape, dtype):
    dims = tuple_of_ints(shape)
    if dims is None:
        raise MyiaTypeError(f"a shape must be an int or a tuple of ints, got {describe(shape)}")
    return AArray(np.dtype(const_value(dtype, "dtype")), dims)


zeros.definfer(_infer_filled)
ones.definfer(_infer_filled)
zeros.defemit(template("np.zeros({0}, {1})"))
ones.defemit(template("np.ones({0}, {1})"))


@primitive("zeros_like", py=[np.zeros_like], nondiff=True, fresh=True)
def zeros_like(a, dtype=None):
    """`np.zeros_like(a, dtype)`."""
    return np.zeros_like(a, dtype)


@primitive("ones_like", py=[np.ones_like], nondiff=True, fresh=True)
def ones_like(a, dtype=None):
    """`np.ones_like(a, dtype)`."""
    return np.ones_like(a, dtype)


def _infer_like(a, dtype):
    from myia.prim.typing import is_none

    x = _array(a, "zeros_like")
    dt = x.dtype if is_none(dtype) else np.dtype(const_value(dtype, "dtype"))
    return AArray(dt, x.shape)  # of a number too: NumPy gives a 0-d array


zeros_like.definfer(_infer_like)
ones_like.definfer(_infer_like)
zeros_like.defemit(template("np.zeros_like({0}, {1})"))
ones_like.defemit(template("np.ones_like({0}, {1})"))


@primitive("zeros_like_sens", nondiff=True, fresh=True)
def zeros_like_sens(x):
    """Real zeros with the structure of the sensitivity of `x` (lists of run-time length);
    ZERO where `x` has no sensitivity (ints, bools, None, ZERO), EMPTY_ENV for a function."""
    from myia.prim.zeros import numpy_zeros, structure_zeros

    return structure_zeros(x, numpy_zeros)


@primitive("zeros_at", nondiff=True, fresh=True)
def zeros_at(root, path):
    """`zeros_like_sens(root[path[0]][path[1]]...)`, or ZERO where the path meets None (a
    residual's slot the path that ran did not fill: its sensitivity is never read)."""
    from myia.prim.zeros import numpy_zeros, path_zeros

    return path_zeros(root, path, numpy_zeros)


@zeros_at.definfer
def _infer_zeros_at(root, path):
    from myia.infer.abstract import BOTTOM, ADict, AResidual
    from myia.infer.sensitivity import sens_type

    t = root
    for k in const_value(path, "path"):
        if t is BOTTOM:  # a residual's slot no path to here fills: None, so ZERO
            return AZero
        if isinstance(t, ADict):
            t = t.values[t.index(k)]
        elif isinstance(t, (ATuple, AList, AResidual)) and t.items is not None:
            t = t.items[k]
        else:
            t = t.elem
    s = sens_type(t)
    return AZero if s is AZero else s


zeros_at.defemit(lambda e, args: e.helper_call("zeros_at", args))


@zeros_like_sens.definfer
def _infer_zeros_like_sens(x):
    from myia.infer.sensitivity import sens_type

    s = sens_type(x)
    return AZero if s is AZero else s


zeros_like_sens.defemit(lambda e, args: e.helper_call("zeros_like_sens", args))


# ---------------------------------------------------------------------------------------
# Shapes


@primitive("broadcast_to", py=[np.broadcast_to])
def broadcast_to(array, shape):
    """`np.broadcast_to(array, shape)` (a read-only view)."""
    return np.broadcast_to(array, shape)


@broadcast_to.definfer
def _infer_broadcast_to(x, shape):
    from myia.prim.typing import broadcast_shapes

    a = _array(x, "np.broadcast_to")
    dims = tuple_of_ints(shape)
    if dims is None:
        raise MyiaTypeError(f"np.broadcast_to needs a shape, got {describe(shape)}")
    if len(dims) < a.ndim:
        raise MyiaShapeError(f"cannot broadcast {describe(a)} to a shape of {len(dims)} dimensions")
    out = broadcast_shapes(a.shape, dims)
    if any(d is not None and o is not None and d != o for d, o in zip(dims, out)):
        raise MyiaShapeError(f"cannot broadcast {describe(a)} to {dims}")
    return AArray(a.dtype, dims)


@broadcast_to.defvjp
def _vjp_broadcast_to(r):
    from myia.prim.sens import unbroadcast

    return [unbroadcast(r.b, r.dout, r.types[0]), None]


broadcast_to.defemit(template("np.broadcast_to({0}, {1})"))


@primitive("reshape", py=[np.reshape])
def reshape(a, shape):
    """`np.reshape(a, shape)` and `a.reshape(...)`."""
    return np.reshape(a, shape)


REGISTRY.method("reshape", reshape)


@reshape.definfer
def _infer_reshape(a, shape):
    x = _array(a, "reshape")
    dims = tuple_of_ints(shape)
    if dims is None:
        raise MyiaTypeError(
            f"reshape needs a shape (an int or a tuple of ints), got {describe(shape)}"
        )
    if dims.count(-1) > 1:
        raise MyiaShapeError("can only specify one unknown dimension (-1) in a reshape")
    size = x.size
    if -1 in dims:
        rest = [d for d in dims if d != -1]
        if size is not None and None not in rest:
            known = int(np.prod(rest, dtype=np.int64))
            if known == 0 or size % known:
                raise MyiaShapeError(f"cannot reshape {describe(x)} into shape {dims}")
            dims = tuple(size // known if d == -1 else d for d in dims)
        else:
            dims = tuple(None if d == -1 else d for d in dims)
    elif size is not None and None not in dims and int(np.prod(dims, dtype=np.int64)) != size:
        raise MyiaShapeError(f"cannot reshape {describe(x)} into shape {dims}")
    return AArray(x.dtype, dims)


@reshape.defvjp
def _vjp_reshape(r):
    from myia.prim.arith import is_array

    x = r.types[0]
    shape = x.shape if isinstance(x, AArray) and x.known_shape else r.b.apply(attr_shape, r.x(0))
    d = r.b.apply(reshape, r.dout, shape if is_array(x) else ())
    if isinstance(x, AScalar):
        from myia.prim.sens import unbroadcast

        d = unbroadcast(r.b, d, x)
    return [d, None]


reshape.defemit(template("np.reshape({0}, {1})"))


@primitive("transpose", py=[np.transpose])
def transpose(a, axes=None):
    """`np.transpose(a, axes)`, `a.transpose(...)` and `a.T`."""
    return np.transpose(a, axes)


REGISTRY.method("transpose", transpose)


@transpose.definfer
def _infer_transpose(a, axes):
    x = _array(a, "transpose")
    perm = _permutation(axes, x.ndim)
    return AArray(x.dtype, tuple(x.shape[i] for i in perm))


def _permutation(axes, ndim):
    from myia.prim.typing import is_none

    if is_none(axes):
        return tuple(reversed(range(ndim)))
    perm = const_value(axes, "axes")
    perm = tuple(perm) if isinstance(perm, (tuple, list)) else (perm,)
    norm = tuple(int(p) % ndim for p in perm) if ndim else ()
    if sorted(norm) != list(range(ndim)):
        raise MyiaShapeError(f"axes {perm} don't match an array of dimension {ndim}")
    return norm


@transpose.defvjp
def _vjp_transpose(r):
    x = _array(r.types[0], "transpose")
    perm = _permutation(r.types[1], x.ndim)
    inverse = tuple(int(i) for i in np.argsort(perm))
    reverse = inverse == tuple(reversed(range(x.ndim)))
    return [r.b.apply(transpose, r.dout, None if reverse else inverse), None]


@transpose.defemit
def _emit_transpose(e, args):
    t = e.types[0]
    ok, axes = e.const(1)
    if ok and (axes is None or tuple(axes) == tuple(reversed(range(t.ndim)))):
        return template("{0}.T")(e, args)
    return template("np.transpose({0}, {1})")(e, args)


@primitive("attr.T")
def attr_T(x):
    """`x.T`."""
    return x.T


attr_T.definfer(lambda x: _infer_transpose(x, AConst(None)) if isinstance(x, AArray) else x)


@attr_T.defcanon
def _canon_T(b, args):
    from myia.infer.build import type_of

    if isinstance(type_of(args[0]), AArray):
        return b.apply(transpose, args[0], None)
    return args[0]


@primitive("expand_dims", py=[np.expand_dims])
def expand_dims(a, axis):
    """`np.expand_dims(a, axis)`."""
    return np.expand_dims(a, axis)


@expand_dims.definfer
def _infer_expand_dims(a, axis):
    x = _array(a, "np.expand_dims")
    v = const_value(axis, "axis")
    items = v if isinstance(v, tuple) else (v,)
    ndim = x.ndim + len(items)
    pos = sorted(int(i) % ndim for i in items)
    shape = list(x.shape)
    for p in pos:
        shape.insert(p, 1)
    return AArray(x.dtype, tuple(shape))


@expand_dims.defvjp
def _vjp_expand_dims(r):
    x = r.types[0]
    d = r.b.apply(
        reshape,
        r.dout,
        x.shape if isinstance(x, AArray) and x.known_shape else r.b.apply(attr_shape, r.x(0)),
    )
    return [d, None]


@expand_dims.defemit
def _emit_expand_dims(e, args):
    ok, v = e.const(1)
    t = e.types[0]
    if not (ok and isinstance(t, AArray)):
        return template("np.expand_dims({0}, {1})")(e, args)
    items = v if isinstance(v, tuple) else (v,)
    n = t.ndim + len(items)
    new = {int(i) % n for i in items}
    return axes_view(args[0], [None if j in new else 1 for j in range(n)])


@primitive("squeeze", py=[np.squeeze])
def squeeze(a, axis=None):
    """`np.squeeze(a, axis)`."""
    return np.squeeze(a, axis)


REGISTRY.method("squeeze", squeeze)


@squeeze.definfer
def _infer_squeeze(a, axis):
    x = _array(a, "np.squeeze")
    axes = axes_of(axis, x.ndim)
    if axes is None:
        if None in x.shape:
            raise MyiaTypeError("np.squeeze without an axis needs the shape known when compiling")
        axes = tuple(i for i, d in enumerate(x.shape) if d == 1)
    for i in axes:
        if x.shape[i] not in (1, None):
            raise MyiaShapeError(
                "cannot select an axis to squeeze out which has size not equal to one"
            )
    out = tuple(d for i, d in enumerate(x.shape) if i not in axes)
    return AArray(x.dtype, out) if out or isinstance(a, AArray) else scalar_of_dtype(x.dtype)


@squeeze.defvjp
def _vjp_squeeze(r):
    x = r.types[0]
    shape = x.shape if isinstance(x, AArray) and x.known_shape else r.b.apply(attr_shape, r.x(0))
    return [r.b.apply(reshape, r.dout, shape), None]


squeeze.defemit(template("np.squeeze({0}, {1})"))


# Tangents (forward mode)
cast.defjvp(linear(0))
astype.defjvp(linear(0))
broadcast_to.defjvp(linear(0))
reshape.defjvp(linear(0))
transpose.defjvp(linear(0))
expand_dims.defjvp(linear(0))
squeeze.defjvp(linear(0))
