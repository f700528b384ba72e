"""Helpers of the shape and dtype rules: broadcasting, NumPy's promotion, Python's.

The dtype of a NumPy operation comes from NumPy's own type resolution
(`ufunc.resolve_dtypes`, with Python numbers passed as the weak types `int`, `float`,
`complex`), never from running the operation. Operators on Python numbers follow Python:
`int + int` is an int, `int / int` a float.

Example:
    >>> broadcast_shapes((3, 1), (4,))
    (3, 4)
    >>> ufunc_type(np.add, [AScalar(float), AArray(np.float32, (2,))])
    AArray(float32, (2,))
"""

from __future__ import annotations

import numpy as np

from myia.errors import MyiaShapeError, MyiaTypeError
from myia.infer.abstract import (
    BOTTOM,
    UNKNOWN,
    AArray,
    AbstractValue,
    AConst,
    AScalar,
    ATuple,
    AUnion,
    describe,
)

_PY_NUMBER = (bool, int, float, complex)


def broadcast_shapes(*shapes: tuple) -> tuple:
    """NumPy broadcasting of shapes that may hold unknown dimensions (None)."""
    if len(shapes) == 2 and shapes[0] == shapes[1]:
        return tuple(shapes[0])  # the common case, operands of one shape
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for i in range(ndim):
        dims = [s[len(s) - ndim + i] for s in shapes if len(s) - ndim + i >= 0]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise MyiaShapeError(
                "operands could not be broadcast together with shapes "
                + " ".join(str(tuple(s)).replace("None", "?") for s in shapes)
            )
        if known:
            out.append(known.pop())
        elif None in dims:
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


def shape_of(a: AbstractValue) -> tuple:
    """The array shape of a number or array type (a scalar's is ())."""
    if isinstance(a, AArray):
        return a.shape
    if isinstance(a, AScalar):
        return ()
    raise MyiaTypeError(f"expected a number or an array, got {describe(a)}")


def np_operand(a: AbstractValue):
    """What `ufunc.resolve_dtypes` takes for an operand of type `a`."""
    if isinstance(a, AArray):
        return a.dtype
    if isinstance(a, AScalar):
        if a.python and a.kind is not bool:
            return a.kind  # weak Python scalar
        return np.dtype(a.kind)
    raise MyiaTypeError(f"expected a number or an array, got {describe(a)}")


def scalar_of_dtype(dtype: np.dtype, np_box: bool = True, value=UNKNOWN) -> AScalar:
    """The scalar type NumPy gives for `dtype` (np.float64 is the float kind, boxed)."""
    t = np.dtype(dtype).type
    if not np_box:
        t = {np.float64: float, np.complex128: complex, np.int64: int, np.bool_: bool}.get(t, t)
    return AScalar(t, value)


_RESOLVED: dict[tuple, np.dtype] = {}  # (ufunc, operands) -> NumPy's output dtype


def ufunc_dtype(ufunc, types: list[AbstractValue]) -> np.dtype:
    """The output dtype of `ufunc` on operands of `types` (NumPy's type resolution, asked
    once per ufunc and operand dtypes)."""
    operands = tuple(np_operand(t) for t in types)
    key = (ufunc, operands)
    dtype = _RESOLVED.get(key)
    if dtype is None:
        try:
            dtype = ufunc.resolve_dtypes((*operands, None))[-1]
        except (TypeError, np.exceptions.DTypePromotionError) as e:
            names = ", ".join(describe(t) for t in types)
            raise MyiaTypeError(f"np.{ufunc.__name__} does not support {names}: {e}") from None
        _RESOLVED[key] = dtype
    return dtype


def ufunc_type(
    ufunc, types: list[AbstractValue], out_dtype: np.dtype | None = None
) -> AbstractValue:
    """The type of `ufunc(*operands)`: an array of the broadcast shape when an operand is
    an array, else a NumPy scalar."""
    for t in types:
        if not isinstance(t, (AArray, AScalar)):
            raise MyiaTypeError(f"np.{ufunc.__name__} does not support {describe(t)}")
    dtype = ufunc_dtype(ufunc, types) if out_dtype is None else out_dtype
    if any(isinstance(t, AArray) for t in types):
        return AArray(dtype, broadcast_shapes(*(shape_of(t) for t in types)))
    return scalar_of_dtype(dtype)


def all_python(types) -> bool:
    """Whether every operand is a Python number (not a NumPy scalar or array)."""
    return all(isinstance(t, AScalar) and t.python for t in types)


def python_number_kind(op: str, kinds: list[type]) -> type:
    """The kind of a Python operator's result on Python numbers of `kinds`."""
    if op in ("lt", "le", "gt", "ge", "eq", "ne", "not"):
        return bool
    if complex in kinds:
        return complex
    if float in kinds or op == "truediv":
        return float
    return int  # bools promote to int in arithmetic


def number_or_array(t: AbstractValue, what: str) -> AbstractValue:
    if isinstance(t, (AArray, AScalar)):
        return t
    raise MyiaTypeError(f"{what} does not support {describe(t)}")


def union_map(fn, *types):
    """Apply the rule `fn` to each combination of the options of union arguments and
    join the results (a rule itself sees no unions)."""
    from myia.infer.abstract import join

    first = next((i for i, t in enumerate(types) if isinstance(t, AUnion)), None)
    if first is None:
        return fn(*types)
    out = BOTTOM
    for opt in types[first].ordered:
        rest = list(types)
        rest[first] = opt
        out = join(out, union_map(fn, *rest))
    return out


def const_int(t: AbstractValue, what: str) -> int:
    """The value of a constant int argument (an axis, a count)."""
    if (
        isinstance(t, AScalar)
        and t.known
        and t.kind in (int, bool)
        or (isinstance(t, AScalar) and t.known and np.issubdtype(np.dtype(t.kind), np.integer))
    ):
        return int(t.value)
    raise MyiaTypeError(f"{what} must be an int known when compiling, got {describe(t)}")


def const_value(t: AbstractValue, what: str):
    """The value of an argument that must be known when compiling (axes, shapes, flags)."""
    from myia.infer.walks import constant_value, is_constant

    if is_constant(t):
        return constant_value(t)
    raise MyiaTypeError(f"{what} must be known when compiling, got {describe(t)}")


def axes_of(t: AbstractValue, ndim: int, what: str = "axis") -> tuple[int, ...] | None:
    """A constant `axis` argument (None, an int or a tuple) as normalized axes."""
    v = const_value(t, what) if not (isinstance(t, AConst) and t.value is None) else None
    if v is None:
        return None
    items = v if isinstance(v, tuple) else (v,)
    out = []
    for a in items:
        a = int(a)
        if not -ndim <= a < ndim:
            raise MyiaShapeError(f"{what} {a} is out of bounds for an array of dimension {ndim}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise MyiaShapeError(f"repeated {what} in {v!r}")
    return tuple(out)


def is_none(t: AbstractValue) -> bool:
    return isinstance(t, AConst) and t.value is None


def tuple_of_ints(t: AbstractValue) -> tuple | None:
    """A shape argument: a tuple of ints (unknown ones as None), or None if not a tuple."""
    if isinstance(t, AScalar) and t.kind is int:
        return (t.value if t.known else None,)
    if isinstance(t, ATuple):
        out = []
        for x in t.items:
            if not (isinstance(x, AScalar) and np.issubdtype(np.dtype(x.kind), np.integer)):
                return None
            out.append(int(x.value) if x.known else None)
        return tuple(out)
    return None
