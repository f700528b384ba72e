"""Abstract values: the types every node of a specialized graph carries, and their `join`.

An abstract value describes the values a node may take: a scalar's kind (and its value
when it is a known constant), an array's dtype and shape (`None` for a dimension known only
at run time), the items of a tuple, list or dict, the graphs a function value may be, a
constant that is not a number (None, a string, a slice, a type). Abstract values are
immutable and hashable: specialization contexts are keyed by tuples of them.

Python `float` and `np.float64` are one scalar kind (`AScalar(float)`); `np=True` records
that Python would give a NumPy float there (what `type(...)` of the value would say), which
only matters where the value leaves compiled code. The same holds for `complex` and
`np.complex128`. Other NumPy scalar types (`np.float32`, `np.int64`, `np.bool_`) are kinds
of their own: their arithmetic differs from Python's.

`BOTTOM` is the value of nothing (a local variable not yet assigned on some path, a call
that never returns): `join(BOTTOM, a)` is `a`. `AZero` is the type of a statically absent
sensitivity (reverse mode only). `AStack(elem)` is a stack of values of type `elem` (the
tape of a loop's adjoint). `AEnv` is the type of the sensitivity of a function value: an
environment mapping the closures it may be to the sensitivities of what they capture.

Example:
    >>> join(AScalar(float, 1.0), AScalar(float, 2.0))
    AScalar(float)
    >>> join(AArray(np.float64, (3, 4)), AArray(np.float64, (5, 4)))
    AArray(float64, (None, 4))
    >>> abstract_of_value(np.float64(0.5))
    AScalar(np.float64, 0.5)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from myia.sentinels import Sentinel
from myia.trees import is_model, is_namedtuple, is_static, model_attributes


class _Unknown(Sentinel):
    text = "UNKNOWN"


UNKNOWN = _Unknown()
"""The `value` of a scalar whose value is not known when compiling."""

PY_KINDS = (bool, int, float, complex)
# NumPy scalar types that are subclasses of a Python kind: one kind with it, boxed.
_BOXED = {np.float64: float, np.complex128: complex}


class AbstractValue:
    """Base class of abstract values (immutable, hashable, compared structurally)."""

    __slots__ = ("_hash",)

    def _key(self) -> tuple:
        raise NotImplementedError

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        if self is other:
            return True
        return (
            type(other) is type(self) and other._hash == self._hash and other._key() == self._key()
        )

    def __ne__(self, other) -> bool:
        return not self == other

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _init(self, **fields) -> None:
        for k, v in fields.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "_hash", hash((type(self).__name__, self._key())))


class _Value:
    """A constant wrapped for structural comparison: `1`, `1.0` and `True` differ, NaN
    equals NaN, arrays compare by identity."""

    __slots__ = ("v", "h")

    def __init__(self, v):
        self.v = v
        if isinstance(v, slice):
            self.h = hash(("slice", v.start, v.stop, v.step))
        elif isinstance(v, float) and v != v:  # every NaN is one value (and one hash)
            self.h = hash((type(v), "nan"))
        else:
            try:
                self.h = hash((type(v), v))
            except TypeError:
                self.h = id(v)

    def __hash__(self):
        return self.h

    def __eq__(self, other):
        a, b = self.v, other.v
        if a is b:
            return True
        if type(a) is not type(b):
            return False
        if isinstance(a, float) and math.isnan(a) and math.isnan(b):
            return True
        if isinstance(a, (np.ndarray, list, dict)):
            return False
        try:
            return bool(a == b)
        except (TypeError, ValueError):
            return False


class AScalar(AbstractValue):
    """A scalar of kind `kind` (bool, int, float, complex or a NumPy scalar type), with its
    value when known. For float and complex, `np` says Python would give NumPy's type."""

    __slots__ = ("kind", "value", "np")

    def __init__(self, kind: type, value: Any = UNKNOWN, np: bool = False):
        if kind in _BOXED:
            kind, np = _BOXED[kind], True
        if kind not in (float, complex):
            np = False
        if value is not UNKNOWN:
            value = kind(value) if kind in PY_KINDS else value
        self._init(kind=kind, value=value, np=np)

    def _key(self):
        return (self.kind, _Value(self.value), self.np)

    @property
    def known(self) -> bool:
        return self.value is not UNKNOWN

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.kind)

    @property
    def python(self) -> bool:
        """A Python number (not a NumPy scalar), whose promotion with arrays is weak."""
        return self.kind in PY_KINDS and not self.np

    @property
    def pytype(self) -> type:
        """The Python type of the value (np.float64 for a NumPy float)."""
        if self.np:
            return np.float64 if self.kind is float else np.complex128
        return self.kind

    def with_value(self, value) -> AScalar:
        return AScalar(self.kind, value, self.np)

    def __repr__(self) -> str:
        name = self.pytype.__name__
        name = f"np.{name}" if self.pytype.__module__ == "numpy" else name
        return f"AScalar({name})" if self.value is UNKNOWN else f"AScalar({name}, {self.value!r})"


class AArray(AbstractValue):
    """A NumPy array: `dtype` (an `np.dtype`) and `shape`, a tuple of ints and Nones."""

    __slots__ = ("dtype", "shape")

    def __init__(self, dtype: Any, shape: tuple):
        shape = tuple(None if d is None else int(d) for d in shape)
        self._init(dtype=np.dtype(dtype), shape=shape)

    def _key(self):
        return (self.dtype, self.shape)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def known_shape(self) -> bool:
        return None not in self.shape

    @property
    def size(self) -> int | None:
        return None if None in self.shape else int(np.prod(self.shape, dtype=np.int64))

    def __repr__(self) -> str:
        return f"AArray({self.dtype.name}, {self.shape!r})"


class ATuple(AbstractValue):
    """A tuple; `items` are the abstract values of its elements."""

    __slots__ = ("items",)

    def __init__(self, items):
        self._init(items=tuple(items))

    def _key(self):
        return self.items

    def __repr__(self) -> str:
        return f"ATuple({', '.join(map(repr, self.items))})"

    def rebuilt(self, items) -> ATuple:
        """A tuple of this kind (a record keeps its class) with the items `items`."""
        return ATuple(items)


class ARecord(ATuple):
    """A record: a namedtuple, or a model object (see `myia/trees.py`), which compiled
    code holds as the tuple of its dynamic fields `names` (of types `items`); `static`
    holds the (name, value) pairs of a model's static attributes (ints, bools, strings,
    None), known when compiling. `cls` is the class its values leave compiled code as."""

    __slots__ = ("cls", "names", "static")

    def __init__(self, cls: type, names, items, static=()):
        object.__setattr__(self, "cls", cls)
        object.__setattr__(self, "names", tuple(names))
        object.__setattr__(self, "static", tuple(static))
        super().__init__(items)

    def _key(self):
        return (self.cls, self.names, self.items, tuple((n, _Value(v)) for n, v in self.static))

    def rebuilt(self, items) -> ARecord:
        return ARecord(self.cls, self.names, items, self.static)

    def field(self, name: str) -> int | None:
        """The position of the dynamic field `name`, or None."""
        return self.names.index(name) if name in self.names else None

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={t!r}" for n, t in zip(self.names, self.items))
        static = "".join(f", {n}={v!r}" for n, v in self.static)
        return f"ARecord({self.cls.__name__}: {fields}{static})"


class AList(AbstractValue):
    """A list: `AList(items)` of known length, or `AList(None, elem)` of a length known
    only at run time, every element of type `elem` (BOTTOM: no element seen)."""

    __slots__ = ("items", "elem")

    def __init__(self, items, elem: AbstractValue | None = None):
        if items is not None:
            items = tuple(items)
            elem = BOTTOM
            for it in items:
                elem = join(elem, it)
        self._init(items=items, elem=elem)

    def _key(self):
        return (self.items, self.elem)

    @property
    def known_length(self) -> bool:
        return self.items is not None

    def __repr__(self) -> str:
        if self.items is None:
            return f"AList[{self.elem!r}, ...]"
        return f"AList[{', '.join(map(repr, self.items))}]"

    def of(self, elem: AbstractValue) -> AList:
        """A sequence of this kind (a list, or a tuple of run-time length) of run-time
        length, of elements of type `elem`."""
        return type(self)(None, elem)


class ATupleSeq(AList):
    """A tuple of a length known only at run time (a loop that grows it: `t = t + (x,)`),
    every element of type `elem`. Its rules are those of a list of run-time length."""

    def __init__(self, items, elem: AbstractValue | None = None):
        if items is not None:
            raise TypeError("internal error: a tuple of known length is an ATuple")
        super().__init__(None, elem)

    def __repr__(self) -> str:
        return f"ATuple[{self.elem!r}, ...]"


def tuple_like(a) -> bool:
    """A tuple, of known or run-time length."""
    return isinstance(a, (ATuple, ATupleSeq))


def tuple_elements(a) -> AbstractValue:
    """The join of the elements of a tuple of known or run-time length."""
    out = BOTTOM
    for x in a.items if isinstance(a, ATuple) else (a.elem,):
        out = join(out, x)
    return out


class ADict(AbstractValue):
    """A dict with the constant keys `keys` (in order) and abstract `values`."""

    __slots__ = ("keys", "values")

    def __init__(self, keys, values):
        self._init(keys=tuple(keys), values=tuple(values))

    def _key(self):
        return (tuple(_Value(k) for k in self.keys), self.values)

    def index(self, key) -> int | None:
        for i, k in enumerate(self.keys):
            if _Value(k) == _Value(key):
                return i
        return None

    def __repr__(self) -> str:
        return "ADict{" + ", ".join(f"{k!r}: {v!r}" for k, v in zip(self.keys, self.values)) + "}"


class AConst(AbstractValue):
    """A known constant that is not a number: None, a string, a slice, a range, a type, a
    dtype, Ellipsis, or another hashable object compiled code only passes around."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self._init(value=value)

    def _key(self):
        return (_Value(self.value),)

    def __repr__(self) -> str:
        v = self.value
        return f"AConst({v.__name__})" if isinstance(v, type) else f"AConst({v!r})"


class AOpaque(AbstractValue):
    """A value known only by its Python type (a slice or range with bounds known at run
    time, a string computed at run time)."""

    __slots__ = ("pytype",)

    def __init__(self, pytype: type):
        self._init(pytype=pytype)

    def _key(self):
        return (self.pytype,)

    def __repr__(self) -> str:
        return f"AOpaque({self.pytype.__name__})"


class ASlice(AbstractValue):
    """A slice with bounds that are not all constants: `start`, `stop` and `step` are
    abstract ints or `AConst(None)`."""

    __slots__ = ("start", "stop", "step")

    def __init__(self, start, stop, step):
        self._init(start=start, stop=stop, step=step)

    def _key(self):
        return (self.start, self.stop, self.step)

    def __repr__(self) -> str:
        return f"ASlice({self.start!r}, {self.stop!r}, {self.step!r})"


class GraphFn:
    """A function value made from `graph` in the specialization context `context` (where
    its free variables live; None for a graph without free variables)."""

    __slots__ = ("graph", "context", "_hash")

    def __init__(self, graph, context):
        self.graph = graph
        self.context = context
        self._hash = hash((id(graph), id(context)))

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        return (
            isinstance(other, GraphFn)
            and other.graph is self.graph
            and other.context is self.context
        )

    def __repr__(self) -> str:
        return f"{self.graph.name}@{getattr(self.context, 'id', '-')}"


class AFunction(AbstractValue):
    """A function value: one of `options` (primitives and `GraphFn`s)."""

    __slots__ = ("options",)

    def __init__(self, options):
        self._init(options=frozenset(options))

    def _key(self):
        return (self.options,)

    @property
    def single(self):
        """The only option, or None when there are several."""
        if len(self.options) == 1:
            return next(iter(self.options))
        return None

    def __repr__(self) -> str:
        return "AFunction{" + ", ".join(sorted(map(repr, self.options))) + "}"


class AGradient(AbstractValue):
    """The gradient function of a function value of type `fn` (`myia.grad(fn, ...)` in
    compiled code); `spec` is (argnums, has_aux, with_value)."""

    __slots__ = ("fn", "spec")

    def __init__(self, fn, spec):
        self._init(fn=fn, spec=spec)

    def _key(self):
        return (self.fn, self.spec)

    def __repr__(self) -> str:
        return f"AGradient({self.fn!r}, {self.spec!r})"


class AUnion(AbstractValue):
    """One of several values of different kinds (build unions with `join`)."""

    __slots__ = ("options",)

    def __init__(self, options):
        self._init(options=frozenset(options))

    def _key(self):
        return (self.options,)

    @property
    def ordered(self) -> tuple:
        return tuple(sorted(self.options, key=repr))

    def __repr__(self) -> str:
        return "AUnion{" + ", ".join(sorted(map(repr, self.options))) + "}"


class AStack(AbstractValue):
    """A stack (a linked list `(top, rest)` ending in None) of values of type `elem`."""

    __slots__ = ("elem",)

    def __init__(self, elem):
        self._init(elem=elem)

    def _key(self):
        return (self.elem,)

    def __repr__(self) -> str:
        return f"AStack({self.elem!r})"


class AResidual(AbstractValue):
    """The residual tuple of a region's forward pass (what its backward pass reads),
    named by the region: its items (`cell.items`, an ATuple) are known once the backward
    pass is built, and may name the residual itself (a recursion)."""

    __slots__ = ("cell",)

    def __init__(self, cell):
        self._init(cell=cell)

    def _key(self):
        return (id(self.cell),)

    @property
    def items(self) -> tuple:
        return self.cell.items

    def __repr__(self) -> str:
        return f"AResidual({self.cell.name})"


class _Singleton(AbstractValue):
    __slots__ = ("name",)

    def __init__(self, name: str):
        self._init(name=name)

    def _key(self):
        return (self.name,)

    def __reduce__(self):
        return (_singleton, (self.name,))

    def __repr__(self) -> str:
        return self.name


BOTTOM = _Singleton("BOTTOM")
AZero = _Singleton("AZero")
AEnv = _Singleton("AEnv")
NONE = AConst(None)


def _singleton(name):
    return {"BOTTOM": BOTTOM, "AZero": AZero, "AEnv": AEnv}[name]


# From values --------------------------------------------------------------------------------


def abstract_of_value(v: Any, values: bool = True) -> AbstractValue:
    """The abstract value of a concrete value (with the values of scalars when `values`).

    Example:
        >>> abstract_of_value((1.5, np.zeros((2, 3))))
        ATuple(AScalar(float, 1.5), AArray(float64, (2, 3)))
    """
    if v is None:
        return NONE
    t = type(v)
    if t is np.ndarray:
        return AArray(v.dtype, v.shape)
    if t in PY_KINDS or isinstance(v, np.generic):
        if isinstance(v, np.generic) and t not in _BOXED and not values:
            return AScalar(t)
        return AScalar(t, v if values else UNKNOWN)
    if t is tuple:
        return ATuple(abstract_of_value(x, values) for x in v)
    if is_namedtuple(v):
        return ARecord(t, t._fields, [abstract_of_value(x, values) for x in v])
    if t is list:
        return AList([abstract_of_value(x, values) for x in v])
    if t is dict:
        return ADict(tuple(v), [abstract_of_value(x, values) for x in v.values()])
    if isinstance(v, np.ndarray):
        return AArray(v.dtype, v.shape)  # a subclass (memmap, matrix...) as an array
    if t in (str, slice, range) or isinstance(v, (type, np.dtype)) or v is Ellipsis:
        return AConst(v)
    if is_model(v):
        attrs = model_attributes(v)
        static = [(k, x) for k, x in attrs.items() if is_static(x)]
        names = [k for k, x in attrs.items() if not is_static(x)]
        return ARecord(t, names, [abstract_of_value(attrs[k], values) for k in names], static)
    try:
        hash(v)
    except TypeError:
        return AOpaque(t)
    return AConst(v)


# Join ---------------------------------------------------------------------------------------


def _kind_key(a):
    """Options of a union with equal keys are joined into one."""
    if isinstance(a, AScalar):
        return ("s", a.kind)
    if isinstance(a, AConst) and isinstance(a.value, str):
        return ("str",)
    if isinstance(a, AOpaque):
        return ("str",) if a.pytype is str else ("o", a.pytype)
    if isinstance(a, AArray):
        return ("a", a.dtype, a.ndim)
    if isinstance(a, ARecord):
        return ("r", a.cls, a.names, tuple((n, _Value(v)) for n, v in a.static))
    if isinstance(a, ATuple):
        return ("t", len(a.items))
    if isinstance(a, ATupleSeq):
        return _RUNTIME_TUPLE
    if isinstance(a, AList):
        return ("l",)
    if isinstance(a, ADict):
        return ("d", tuple(_Value(k) for k in a.keys))
    if isinstance(a, AFunction):
        return ("f",)
    if isinstance(a, ASlice) or (isinstance(a, AConst) and isinstance(a.value, slice)):
        return ("sl",)
    if isinstance(a, AStack):
        return ("k",)
    return ("x", a)


def join(a: AbstractValue, b: AbstractValue) -> AbstractValue:
    """The least abstract value describing every value of `a` and of `b` (BOTTOM neutral).

    A NumPy float joined with a Python float is a NumPy float (as `float + np.float64` is);
    values of different kinds make an `AUnion`.
    """
    if a is b or a == b or b is BOTTOM:
        return a
    if a is BOTTOM:
        return b
    if a is AZero or b is AZero:
        return b if a is AZero else a
    if isinstance(a, AUnion) or isinstance(b, AUnion):
        return _union([*_options(a), *_options(b)])
    ta = type(a)
    if ta is AScalar and type(b) is AScalar and a.kind is b.kind:
        value = a.value if _Value(a.value) == _Value(b.value) else UNKNOWN
        return AScalar(a.kind, value, a.np or b.np)
    if ta is AArray and type(b) is AArray and a.dtype == b.dtype and a.ndim == b.ndim:
        return AArray(a.dtype, tuple(x if x == y else None for x, y in zip(a.shape, b.shape)))
    if ta is ATuple and type(b) is ATuple and len(a.items) == len(b.items):
        return ATuple(join(x, y) for x, y in zip(a.items, b.items))
    if ta is ARecord and type(b) is ARecord and _kind_key(a) == _kind_key(b):
        return a.rebuilt(join(x, y) for x, y in zip(a.items, b.items))
    if (ta is ATupleSeq and tuple_like(b)) or (type(b) is ATupleSeq and tuple_like(a)):
        return ATupleSeq(None, join(tuple_elements(a), tuple_elements(b)))
    if ta is AList and type(b) is AList:
        if a.items is not None and b.items is not None and len(a.items) == len(b.items):
            return AList([join(x, y) for x, y in zip(a.items, b.items)])
        return AList(None, join(a.elem, b.elem))
    if ta is ADict and type(b) is ADict and _kind_key(a) == _kind_key(b):
        return ADict(a.keys, [join(x, y) for x, y in zip(a.values, b.values)])
    if ta is AFunction and type(b) is AFunction:
        return AFunction(a.options | b.options)
    if ta is AStack and type(b) is AStack:
        return AStack(join(a.elem, b.elem))
    if (ta is AStack and b == NONE) or (type(b) is AStack and a == NONE):
        return a if ta is AStack else b  # a stack may be empty: None is a stack
    if {ta, type(b)} == {AResidual, ATuple}:
        # A recursion's residual (or its sensitivity) and a tuple of its items, some of
        # them absent: the residual.
        r, t = (a, b) if ta is AResidual else (b, a)
        if len(r.items) == len(t.items):
            return r
    if _kind_key(a) == ("str",) == _kind_key(b):
        return AOpaque(str)
    if _kind_key(a) == ("sl",) == _kind_key(b):
        a, b = as_slice(a), as_slice(b)
        return ASlice(join(a.start, b.start), join(a.stop, b.stop), join(a.step, b.step))
    if isinstance(a, AOpaque) and _kind_key(a) == _kind_key(b):
        return a
    if isinstance(b, AOpaque) and _kind_key(a) == _kind_key(b):
        return b
    return _union([a, b])


def as_slice(a) -> ASlice:
    if isinstance(a, ASlice):
        return a
    v = a.value
    return ASlice(*(abstract_of_value(x) for x in (v.start, v.stop, v.step)))


def _options(a):
    return a.options if isinstance(a, AUnion) else (a,)


_RUNTIME_TUPLE = ("t", None)


def _union(opts) -> AbstractValue:
    merged: dict = {}
    for o in opts:
        if o is BOTTOM:
            continue
        k = _kind_key(o)
        merged[k] = o if k not in merged else join(merged[k], o)
    if _RUNTIME_TUPLE in merged:  # tuples of known length join the tuple of run-time length
        for k in [k for k in merged if k[0] == "t" and k != _RUNTIME_TUPLE]:
            merged[_RUNTIME_TUPLE] = join(merged[_RUNTIME_TUPLE], merged.pop(k))
    values = list(merged.values())
    if not values:
        return BOTTOM
    if len(values) == 1:
        return values[0]
    return AUnion(values)


# Predicates ---------------------------------------------------------------------------------


def describe(a) -> str:
    """`a` in words, for error messages."""
    if isinstance(a, AArray):
        dims = ", ".join("?" if d is None else str(d) for d in a.shape)
        return f"an array of shape ({dims}{',' if a.ndim == 1 else ''}) and dtype {a.dtype.name}"
    if isinstance(a, AScalar):
        name = a.pytype.__name__
        return f"a{'n' if name[0] in 'aeiou' else ''} {name}"
    if isinstance(a, ARecord):
        return f"a {a.cls.__name__} object"
    if isinstance(a, ATuple):
        return f"a tuple of {len(a.items)}"
    if isinstance(a, ATupleSeq):
        return "a tuple"
    if isinstance(a, AList):
        return "a list"
    if isinstance(a, ADict):
        return "a dict"
    if isinstance(a, AConst):
        return repr(a.value)
    if isinstance(a, AFunction):
        return "a function"
    if a is AEnv:
        return "the sensitivity of a function"
    if isinstance(a, AUnion):
        return " or ".join(describe(o) for o in a.ordered)
    return repr(a)
