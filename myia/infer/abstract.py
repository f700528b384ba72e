"""Abstract values: what the abstract interpreter knows about a value, and their `join`.

An abstract value describes every value a node may take: its type, an array's dtype and
shape (`None` for an unknown dimension), a tuple's items, a function's possible callees,
and, for constants, the value itself. They are immutable and hashable (graph contexts are
keyed by tuples of them). `None` (Python's) is *bottom*: no value yet, or a node that never
produces one (it raises); `join(None, a)` is `a`.

Example:
    >>> import numpy as np
    >>> join(AScalar(float, 1.0), AScalar(float, 2.0))
    AScalar(float)
    >>> join(AArray(np.float64, (3, 4)), AArray(np.float64, (5, 4)))
    AArray(float64, (None, 4))
    >>> join(AScalar(float), AZero)
    AUnion{AScalar(float), AZero}
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from myia.ir.nodes import Graph
from myia.prim.registry import Primitive
from myia.prim.sens import ZERO

MAX_UNION = 4  # a union of more options than this is ATop
MAX_DEPTH = 8  # widening cuts deeper structures at graph entries (termination)


class _Unknown:
    """The `value` of an abstract scalar whose value is not known."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self):
        return (_Unknown, ())


UNKNOWN = _Unknown()


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
        if hasattr(self, "_hash") and name != "_ordered":
            raise AttributeError(f"{type(self).__name__} is immutable")
        object.__setattr__(self, name, value)

    def __reduce__(self):
        return (type(self), self._key())


def _kind_name(kind: Any) -> str:
    if isinstance(kind, np.dtype):
        return kind.name
    return getattr(kind, "__name__", repr(kind))


class _Value:
    """A constant wrapped for structural comparison: `1`, `1.0` and `True` differ, NaN
    equals NaN, slices hash (they do not in Python 3.11)."""

    __slots__ = ("v", "h")

    def __init__(self, v):
        self.v = v
        if isinstance(v, slice):
            self.h = hash(("slice", v.start, v.stop, v.step))
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
        if isinstance(a, np.floating) and np.isnan(a) and np.isnan(b):
            return True
        try:
            return bool(a == b)
        except Exception:
            return False


class AScalar(AbstractValue):
    """A scalar of Python or NumPy type `kind` (float, int, bool, np.float32, ...), with its
    value when it is a known constant. Unknown `range` and `slice` objects are also
    `AScalar`s (of kind `range`/`slice`), as are strings computed at run time."""

    __slots__ = ("kind", "value")

    def __init__(self, kind: type, value: Any = UNKNOWN):
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "_hash", hash(("S", kind, _Value(value))))

    def _key(self):
        return (self.kind, _Value(self.value))

    @property
    def known(self) -> bool:
        return self.value is not UNKNOWN

    def __reduce__(self):
        return (AScalar, (self.kind, self.value))

    def __repr__(self) -> str:
        if self.value is UNKNOWN:
            return f"AScalar({_kind_name(self.kind)})"
        return f"AScalar({_kind_name(self.kind)}, {self.value!r})"


class AArray(AbstractValue):
    """A NumPy array: `dtype` is the scalar type (np.float64, ...), `shape` a tuple of ints
    and `None`s (unknown dimensions)."""

    __slots__ = ("dtype", "shape")

    def __init__(self, dtype: Any, shape: tuple):
        dtype = np.dtype(dtype).type
        shape = tuple(None if d is None else int(d) for d in shape)
        object.__setattr__(self, "dtype", dtype)
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "_hash", hash(("A", dtype, shape)))

    def _key(self):
        return (self.dtype, self.shape)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def known_shape(self) -> bool:
        return None not in self.shape

    def __repr__(self) -> str:
        return f"AArray({_kind_name(self.dtype)}, {self.shape!r})"


class ATuple(AbstractValue):
    """A tuple of known length; `items` are the abstract values of its elements."""

    __slots__ = ("items",)

    def __init__(self, items):
        items = tuple(items)
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "_hash", hash(("T", items)))

    def _key(self):
        return (self.items,)

    def __reduce__(self):
        return (ATuple, (self.items,))

    def __repr__(self) -> str:
        return f"ATuple({', '.join(map(repr, self.items))})"


class AList(AbstractValue):
    """A list: `AList(items)` of known length, or `AList(None, elem)` of unknown length
    whose elements are all described by `elem` (None: no element ever observed)."""

    __slots__ = ("items", "elem")

    def __init__(self, items, elem: AbstractValue | None = None):
        if items is not None:
            items = tuple(items)
            elem = None
            for it in items:
                elem = join(elem, it)
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "elem", elem)
        object.__setattr__(self, "_hash", hash(("L", items, elem)))

    def _key(self):
        return (self.items, self.elem)

    def __reduce__(self):
        return (AList, (self.items, None if self.items is not None else self.elem))

    @property
    def known_length(self) -> bool:
        return self.items is not None

    def __repr__(self) -> str:
        if self.items is None:
            return f"AList[{self.elem!r}, ...]"
        return f"AList[{', '.join(map(repr, self.items))}]"


class ADict(AbstractValue):
    """A dict with the constant keys `keys` (in order) and abstract `values`."""

    __slots__ = ("keys", "values")

    def __init__(self, keys, values):
        keys, values = tuple(keys), tuple(values)
        object.__setattr__(self, "keys", keys)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "_hash", hash(("D", tuple(_Value(k) for k in keys), values)))

    def _key(self):
        return (tuple(_Value(k) for k in self.keys), self.values)

    def __reduce__(self):
        return (ADict, (self.keys, self.values))

    def get(self, key, default=None):
        for k, v in zip(self.keys, self.values):
            if _Value(k) == _Value(key):
                return v
        return default

    def __repr__(self) -> str:
        return "ADict{" + ", ".join(f"{k!r}: {v!r}" for k, v in zip(self.keys, self.values)) + "}"


class ASlice(AbstractValue):
    """A slice whose bounds are not all known: `start`, `stop`, `step` are abstract ints
    or None (`x[i:]` with an unknown `i`)."""

    __slots__ = ("start", "stop", "step")

    def __init__(self, start, stop, step):
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "stop", stop)
        object.__setattr__(self, "step", step)
        object.__setattr__(self, "_hash", hash(("SL", start, stop, step)))

    def _key(self):
        return (self.start, self.stop, self.step)

    def __repr__(self) -> str:
        parts = ["" if x == NONE else repr(x) for x in (self.start, self.stop, self.step)]
        return "ASlice(" + ":".join(parts) + ")"


class _AnyContext:
    """The closure context of a function value whose free variables are resolved by joining
    their values over every context of their graph (after widening)."""

    def __repr__(self) -> str:
        return "ANY"

    def __reduce__(self):
        return (_any_context, ())


ANY = _AnyContext()


def _any_context():
    return ANY


class GraphClosure:
    """A function value: a graph whose free variables are read in `context` (the
    inference context of the graph that made the closure, `ANY` after widening, or a
    `ValueEnv` for a closure passed in as a concrete value)."""

    __slots__ = ("graph", "context", "_hash")

    def __init__(self, graph: Graph, context: Any):
        self.graph = graph
        self.context = context
        self._hash = hash((graph, id(context)))

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        return (
            isinstance(other, GraphClosure)
            and other.graph is self.graph
            and other.context is self.context
        )

    def __repr__(self) -> str:
        return f"{self.graph.name}@{self.context!r}"


class ValueEnv:
    """The free-variable values of a concrete closure (the VM's), as abstract values."""

    def __init__(self, values: dict):
        self.values = values

    def lookup(self, node):
        return self.values.get(node)

    def __repr__(self) -> str:
        return "env"


def _option_order(o):
    if isinstance(o, Graph):
        return (0, o.id, 0)
    if isinstance(o, GraphClosure):
        ctx = o.context
        return (0, o.graph.id, getattr(ctx, "id", -1) if not isinstance(ctx, ValueEnv) else -2)
    return (1, 0, getattr(o, "name", repr(o)))


class AFunction(AbstractValue):
    """A function value: one of `options`, each a `Graph` (without free variables), a
    `Primitive` or a `GraphClosure`. `ordered` lists them in a fixed order."""

    __slots__ = ("options", "_ordered")

    def __init__(self, options):
        options = frozenset(options)
        object.__setattr__(self, "options", options)
        object.__setattr__(self, "_ordered", None)
        object.__setattr__(self, "_hash", hash(("F", options)))

    @property
    def ordered(self) -> tuple:
        if self._ordered is None:
            object.__setattr__(self, "_ordered", tuple(sorted(self.options, key=_option_order)))
        return self._ordered

    def _key(self):
        return (self.options,)

    def __reduce__(self):
        return (AFunction, (self.options,))

    def __repr__(self) -> str:
        names = sorted(repr(o) if not isinstance(o, Graph) else o.name for o in self.options)
        return "AFunction{" + ", ".join(names) + "}"


class AConst(AbstractValue):
    """A known constant that is not a number: None, a string, a slice, a range, a type, a
    dtype, Ellipsis."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "_hash", hash(("C", _Value(value))))

    def _key(self):
        return (_Value(self.value),)

    def __reduce__(self):
        return (AConst, (self.value,))

    def __repr__(self) -> str:
        v = self.value
        if isinstance(v, type):
            return f"AConst({v.__name__})"
        return f"AConst({v!r})"


class AUnion(AbstractValue):
    """One of a few `options` of different kinds (at most one per kind: same-kind options
    are joined). Build unions with `join`."""

    __slots__ = ("options", "_ordered")

    def __init__(self, options):
        options = frozenset(options)
        object.__setattr__(self, "options", options)
        object.__setattr__(self, "_ordered", None)
        object.__setattr__(self, "_hash", hash(("U", options)))

    @property
    def ordered(self) -> tuple:
        """The options in a fixed order (so that analyses are reproducible)."""
        if self._ordered is None:
            object.__setattr__(self, "_ordered", tuple(sorted(self.options, key=repr)))
        return self._ordered

    def _key(self):
        return (self.options,)

    def __reduce__(self):
        return (AUnion, (self.options,))

    def __repr__(self) -> str:
        return "AUnion{" + ", ".join(sorted(map(repr, self.options))) + "}"


class ACons(AbstractValue):
    """A linked list of unknown length: `end`, or a pair `(head, <ACons>)`. This is what
    widening makes of a chain that grows in a loop (the backpropagator chains of adjoints)."""

    __slots__ = ("head", "end")

    def __init__(self, head: AbstractValue | None, end: AbstractValue | None):
        object.__setattr__(self, "head", head)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "_hash", hash(("K", head, end)))

    def _key(self):
        return (self.head, self.end)

    def __reduce__(self):
        return (ACons, (self.head, self.end))

    def __repr__(self) -> str:
        return f"ACons({self.head!r}, end={self.end!r})"


class _Singleton(AbstractValue):
    __slots__ = ("name",)

    def __init__(self, name: str):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "_hash", hash(("1", name)))

    def _key(self):
        return (self.name,)

    def __reduce__(self):
        return (_singleton, (self.name,))

    def __repr__(self) -> str:
        return self.name


AZero = _Singleton("AZero")
"""The symbolic zero sensitivity `ZERO`."""

ATop = _Singleton("ATop")
"""Anything: nothing is known."""


CHAIN = _Singleton("CHAIN")
"""Inside the analysis of a J graph, the backpropagator chain it was called with (its
parameter `k`): J graphs only pass their chain on, so they are analysed once for every
chain, and the caller substitutes its own chain in the result (see `substitute_chain`)."""


def _singleton(name):
    return {"AZero": AZero, "ATop": ATop, "CHAIN": CHAIN}[name]


def substitute_chain(a, chain):
    """`a` with CHAIN replaced by `chain`."""
    if a is CHAIN:
        return chain
    if isinstance(a, ATuple):
        items = tuple(substitute_chain(x, chain) for x in a.items)
        return a if items == a.items else ATuple(items)
    if isinstance(a, ACons):
        h, e = substitute_chain(a.head, chain), substitute_chain(a.end, chain)
        if (h, e) == (a.head, a.end):
            return a
        return _make_cons(h, e, False, 0)
    if isinstance(a, AUnion):
        opts = [substitute_chain(x, chain) for x in a.options]
        return a if set(opts) == a.options else _make_union(opts, False, 0)
    if isinstance(a, AList):
        if a.items is not None:
            items = tuple(substitute_chain(x, chain) for x in a.items)
            return a if items == a.items else AList(items)
        e = substitute_chain(a.elem, chain)
        return a if e == a.elem else AList(None, e)
    if isinstance(a, ADict):
        vals = tuple(substitute_chain(x, chain) for x in a.values)
        return a if vals == a.values else ADict(a.keys, vals)
    return a


# Predicates ---------------------------------------------------------------------------------


def _scalar_of(a, kinds) -> bool:
    return isinstance(a, AScalar) and isinstance(a.kind, type) and issubclass(a.kind, kinds)


def is_float_kind(a: AbstractValue | None) -> bool:
    """A float scalar or an array of floats (a value whose sensitivity has its type)."""
    if isinstance(a, AArray):
        return np.dtype(a.dtype).kind == "f"
    return _scalar_of(a, (float, np.floating))


def is_integral(a: AbstractValue | None) -> bool:
    """An int, a bool or an array of them (whose sensitivity `sum_to` makes ZERO)."""
    if isinstance(a, AArray):
        return np.dtype(a.dtype).kind in "biu"
    if isinstance(a, AConst):
        return type(a.value) in (int, bool)
    return _scalar_of(a, (int, np.integer, np.bool_))


def is_number_or_array(a: AbstractValue | None) -> bool:
    """A number (int, float, bool, known or not) or an array: no structure inside."""
    if isinstance(a, AConst):
        return type(a.value) in (int, float, bool)
    return isinstance(a, AArray) or _scalar_of(a, (int, float, np.number, np.bool_))


def may_be_zero(a: AbstractValue | None) -> bool:
    """Whether `a` may be the symbolic `ZERO` (AZero, a union with it, ATop)."""
    if a is AZero or a is ATop or a is CHAIN:
        return True
    return isinstance(a, AUnion) and AZero in a.options


def known_array(a: AbstractValue | None) -> tuple[tuple[int, ...], np.dtype] | None:
    """(shape, dtype) when `a` is an array of known shape with at least one dimension, or
    such an array or `ZERO`; else None."""
    if isinstance(a, AUnion):
        others = [x for x in a.options if x is not AZero]
        a = others[0] if len(others) == 1 else None
    if isinstance(a, AArray) and a.shape and all(isinstance(n, int) for n in a.shape):
        return a.shape, np.dtype(a.dtype)
    return None


def is_definitely_zero(a: AbstractValue | None) -> bool:
    """Whether `a` is certainly the symbolic `ZERO`."""
    return a is AZero


NONE = AConst(None)


def may_be_none(a: AbstractValue | None) -> bool:
    """Whether `a` may be None."""
    if a == NONE or a is ATop or a is CHAIN:
        return True
    if isinstance(a, AUnion):
        return any(may_be_none(o) for o in a.options)
    if isinstance(a, ACons):
        return may_be_none(a.end)
    return False


def is_unbound(a) -> bool:
    """An `Unbound` local (its reads raise): it contributes nothing to joins."""
    return isinstance(a, AConst) and type(a.value).__name__ == "Unbound"


_NUMERIC = (int, float, complex, np.number)
_BOOLS = (bool, np.bool_)


def is_numeric_kind(kind) -> bool:
    """Numbers whose values are dropped at graph entries (not bools)."""
    return isinstance(kind, type) and issubclass(kind, _NUMERIC) and not issubclass(kind, _BOOLS)


def is_constant(a) -> bool:
    """Whether `a` describes exactly one known value."""
    if isinstance(a, AScalar):
        return a.value is not UNKNOWN
    if isinstance(a, AConst) or a is AZero:
        return True
    if isinstance(a, ATuple):
        return all(is_constant(x) for x in a.items)
    if isinstance(a, AList):
        return a.items is not None and all(is_constant(x) for x in a.items)
    if isinstance(a, ADict):
        return all(is_constant(x) for x in a.values)
    return False


def constant_value(a):
    """The value of a constant abstract (see `is_constant`)."""
    if isinstance(a, (AScalar, AConst)):
        return a.value
    if a is AZero:
        return ZERO
    if isinstance(a, ATuple):
        return tuple(constant_value(x) for x in a.items)
    if isinstance(a, AList):
        return [constant_value(x) for x in a.items]
    if isinstance(a, ADict):
        return {k: constant_value(v) for k, v in zip(a.keys, a.values)}
    raise TypeError(f"{a!r} is not a constant")


# From values --------------------------------------------------------------------------------

_ATOMS = (bool, int, float, complex, np.generic)
_CONSTANTS = (bytes, type, np.dtype, type(Ellipsis))


def abstract_of_value(v: Any, values: bool = True) -> AbstractValue:
    """The abstract value of a concrete value (with its value for scalars and constants;
    with `values=False`, only its type and shape).

    Example:
        >>> abstract_of_value((1.5, np.zeros((2, 3))))
        ATuple(AScalar(float, 1.5), AArray(float64, (2, 3)))
    """
    if isinstance(v, AbstractValue):
        return v
    if v is None:
        return NONE
    if isinstance(v, np.ndarray):
        return AArray(v.dtype, v.shape)
    if isinstance(v, _ATOMS):
        return AScalar(type(v), v if values else UNKNOWN)
    if isinstance(v, tuple):
        return ATuple(abstract_of_value(x, values) for x in v)
    if isinstance(v, list):
        return AList([abstract_of_value(x, values) for x in v])
    if isinstance(v, dict):
        return ADict(tuple(v), (abstract_of_value(x, values) for x in v.values()))
    if v is ZERO:
        return AZero
    if isinstance(v, (str, range, slice)):
        return AConst(v) if values else AScalar(type(v))
    if isinstance(v, (Primitive, Graph)):
        return AFunction({v})
    graph = getattr(v, "graph", None)
    if isinstance(graph, Graph):
        env = getattr(v, "env", None)
        if env:
            from myia.ir.manager import Manager

            fvs = Manager(graph).ordered_free_variables(graph)
            vals = {n: abstract_of_value(x, False) for n, x in zip(fvs, env)}
            return AFunction({GraphClosure(graph, ValueEnv(vals))})
        return AFunction({graph})
    if hasattr(v, "__myia_graph__"):
        return AFunction({v.__myia_graph__()})
    if not values or not isinstance(v, _CONSTANTS) and not callable(v):
        return ATop  # an iterator, a file, ...: nothing to say about it
    try:
        hash(v)
    except TypeError:
        return ATop
    return AConst(v)


# Join ---------------------------------------------------------------------------------------


def _kind_key(a):
    """Options of a union with equal keys are joined into one."""
    if isinstance(a, AScalar):
        return ("s", a.kind)
    if isinstance(a, AConst) and isinstance(a.value, str):
        return ("s", str)
    if isinstance(a, AArray):
        return ("a", a.dtype, len(a.shape))
    if isinstance(a, ATuple):
        return ("t", len(a.items))
    if isinstance(a, AList):
        return ("l",)
    if isinstance(a, ADict):
        return ("d", tuple(_Value(k) for k in a.keys))
    if isinstance(a, AFunction):
        return ("f",)
    if isinstance(a, ACons):
        return ("k",)
    if isinstance(a, ASlice) or (isinstance(a, AConst) and isinstance(a.value, slice)):
        return ("sl",)
    return ("x", a)


def join(a: AbstractValue | None, b: AbstractValue | None) -> AbstractValue | None:
    """The least abstract value (up to the approximations of unions and shapes) describing
    every value of `a` and of `b`. `None` (bottom) is neutral."""
    return _join(a, b, False, 0)


def widen(old: AbstractValue | None, new: AbstractValue | None) -> AbstractValue | None:
    """`join(old, new)`, coarsened so that repeated widening terminates: closures of one
    graph made in different contexts merge (`ANY`), chains that grow become `ACons`,
    structures deeper than `MAX_DEPTH` are cut to ATop."""
    if old is None or old == new:
        return _cut(new, 0) if old is None else old
    return _cut(_join(old, new, True, 0), 0)


# How many joins inference has made (its work, which `engine.MAX_JOINS` bounds).
JOINS = [0]


def _join(a, b, wide: bool, depth: int):
    JOINS[0] += 1
    if a is None:
        return b
    if b is None or a is b or a == b:
        return a
    if is_unbound(a):
        return b
    if is_unbound(b):
        return a
    if a is ATop or b is ATop:
        return ATop
    if wide:
        cons = _cons_growth(a, b)
        if cons is not None:
            return cons
    if isinstance(a, AUnion) or isinstance(b, AUnion):
        return _join_union(a, b, wide, depth)
    if isinstance(a, ASlice) or isinstance(b, ASlice):
        if _kind_key(a) == _kind_key(b):
            a, b = _as_slice(a), _as_slice(b)
            return ASlice(*(_join(x, y, wide, depth + 1) for x, y in zip(a._key(), b._key())))
    ta = type(a)
    if ta is AScalar and type(b) is AConst and type(b.value) is a.kind:
        return AScalar(a.kind)
    if ta is AConst and type(b) is AScalar and type(a.value) is b.kind:
        return AScalar(b.kind)
    if ta is type(b):
        if ta is AScalar and a.kind is b.kind:
            return AScalar(a.kind)
        if ta is AConst and isinstance(a.value, str) and isinstance(b.value, str):
            return AScalar(str)
        if ta is AConst and isinstance(a.value, slice) and isinstance(b.value, slice):
            return _join(_as_slice(a), _as_slice(b), wide, depth)
        if ta is AArray and a.dtype is b.dtype and len(a.shape) == len(b.shape):
            return AArray(a.dtype, tuple(x if x == y else None for x, y in zip(a.shape, b.shape)))
        if ta is ATuple and len(a.items) == len(b.items):
            return ATuple(_join(x, y, wide, depth + 1) for x, y in zip(a.items, b.items))
        if ta is AList:
            if a.items is not None and b.items is not None and len(a.items) == len(b.items):
                return AList([_join(x, y, wide, depth + 1) for x, y in zip(a.items, b.items)])
            return AList(None, _join(a.elem, b.elem, wide, depth + 1))
        if ta is ADict and _kind_key(a) == _kind_key(b):
            return ADict(a.keys, (_join(x, y, wide, depth + 1) for x, y in zip(a.values, b.values)))
        if ta is AFunction:
            return _join_functions(a, b, wide)
        if ta is ACons:
            return _make_cons(
                _join(a.head, b.head, wide, depth + 1),
                _join(a.end, b.end, wide, depth + 1),
                wide,
                depth,
            )
    if isinstance(a, ACons) or isinstance(b, ACons):
        cons, other = (a, b) if isinstance(a, ACons) else (b, a)
        return _join_cons(cons, other, wide, depth)
    return _make_union([a, b], wide, depth)


def _as_slice(a) -> ASlice:
    if isinstance(a, ASlice):
        return a
    v = a.value
    return ASlice(*(abstract_of_value(x) for x in (v.start, v.stop, v.step)))


def _join_functions(a: AFunction, b: AFunction, wide: bool) -> AFunction:
    options = set(a.options) | set(b.options)
    if not wide:
        return AFunction(options)
    by_graph: dict = {}
    for o in options:
        if isinstance(o, GraphClosure):
            by_graph.setdefault(o.graph, []).append(o)
    for g, opts in by_graph.items():
        if len(opts) > 1:
            options.difference_update(opts)
            options.add(GraphClosure(g, ANY))
    return AFunction(options)


def _join_cons(cons: ACons, other, wide: bool, depth: int) -> ACons:
    """Join an ACons with a value: pairs along the chain join its head, the rest its end."""
    head, end = cons.head, cons.end
    while True:
        if isinstance(other, ATuple) and len(other.items) == 2:
            head = _join(head, other.items[0], wide, depth + 1)
            other = other.items[1]
        elif isinstance(other, ACons):
            head = _join(head, other.head, wide, depth + 1)
            return _make_cons(head, _join(end, other.end, wide, depth + 1), wide, depth)
        elif isinstance(other, AUnion):
            out = ACons(head, end)
            for o in other.ordered:
                out = _join_cons(out, o, wide, depth)
            return out
        else:
            return _make_cons(head, _join(end, other, wide, depth + 1), wide, depth)


def _make_cons(head, end, wide: bool, depth: int) -> ACons:
    """`ACons(head, end)`, an ACons in `end` (or in a union there) merged into it."""
    while True:
        if isinstance(end, ACons):
            head = _join(head, end.head, wide, depth + 1)
            end = end.end
        elif isinstance(end, AUnion) and any(isinstance(o, ACons) for o in end.options):
            rest = None
            for o in end.ordered:
                if isinstance(o, ACons):
                    head = _join(head, o.head, wide, depth + 1)
                    rest = _join(rest, o.end, wide, depth + 1)
                else:
                    rest = _join(rest, o, wide, depth + 1)
            end = rest
        else:
            return ACons(head, end)


def _spine(a) -> list:
    """The successive tails of a chain of pairs `(x, (y, (z, end)))`, `a` first."""
    out = [a]
    while isinstance(a, ATuple) and len(a.items) == 2:
        a = a.items[1]
        out.append(a)
    return out


def _cons_growth(old, new):
    """When `new` is a chain of pairs that ends with `old` (or extends an ACons), the ACons
    covering both; else None."""
    if isinstance(old, ACons) and isinstance(new, ATuple) and len(new.items) == 2:
        return _join_cons(old, new, True, 0)
    if not (isinstance(new, ATuple) and len(new.items) == 2):
        return None
    tails = _spine(new)
    if not any(t == old for t in tails[1:]):
        return None
    heads = None
    for t in tails[:-1]:
        heads = _join(heads, t.items[0], True, 1)
    return _make_cons(heads, tails[-1], True, 0)


def _join_union(a, b, wide, depth):
    opts = list(a.options) if isinstance(a, AUnion) else [a]
    opts += list(b.options) if isinstance(b, AUnion) else [b]
    return _make_union(opts, wide, depth)


def _make_union(opts, wide, depth):
    merged: dict = {}
    for o in opts:
        k = _kind_key(o)
        prev = merged.get(k)
        merged[k] = o if prev is None else _join(prev, o, wide, depth)
    cons = [o for o in merged.values() if isinstance(o, ACons)]
    if cons:
        # An ACons absorbs pairs and its end's values: keep a single one.
        c = cons[0]
        for o in list(merged.values()):
            if o is not c:
                c = _join_cons(c, o, wide, depth)
        return c
    values = list(merged.values())
    if any(v is ATop for v in values):
        return ATop
    if len(values) == 1:
        return values[0]
    if len(values) > MAX_UNION:
        return ATop
    return AUnion(values)


def _cut(a, depth: int):
    """`a` with every part nested deeper than MAX_DEPTH replaced by ATop. The tail of a pair
    does not count as deeper: chains of pairs are bounded otherwise (`limit_chains`, ACons)."""
    if a is None:
        return None
    if depth >= MAX_DEPTH:
        return ATop if isinstance(a, (ATuple, AList, ADict, ACons, AUnion)) else a
    if isinstance(a, ATuple):
        if len(a.items) == 2:
            items = (_cut(a.items[0], depth + 1), _cut(a.items[1], depth))
        else:
            items = tuple(_cut(x, depth + 1) for x in a.items)
        return a if items == a.items else ATuple(items)
    if isinstance(a, AList):
        if a.items is not None:
            items = tuple(_cut(x, depth + 1) for x in a.items)
            return a if items == a.items else AList(items)
        e = _cut(a.elem, depth + 1)
        return a if e == a.elem else AList(None, e)
    if isinstance(a, ADict):
        vals = tuple(_cut(x, depth + 1) for x in a.values)
        return a if vals == a.values else ADict(a.keys, vals)
    if isinstance(a, ACons):
        h, e = _cut(a.head, depth + 1), _cut(a.end, depth + 1)
        return a if (h, e) == (a.head, a.end) else ACons(h, e)
    if isinstance(a, AUnion):
        opts = [_cut(x, depth + 1) for x in a.options]
        return _make_union(opts, False, depth)
    return a


# Widening helpers for graph entries --------------------------------------------------------


def drop_numbers(a):
    """`a` without the values of its numbers (bools, None, strings, types, tuple structure
    kept): what a graph parameter receives, so that loop counters do not unroll loops."""
    if isinstance(a, AScalar):
        if a.value is not UNKNOWN and is_numeric_kind(a.kind):
            return AScalar(a.kind)
        return a
    if isinstance(a, ATuple):
        items = tuple(drop_numbers(x) for x in a.items)
        return a if items == a.items else ATuple(items)
    if isinstance(a, AList):
        if a.items is not None:
            items = tuple(drop_numbers(x) for x in a.items)
            return a if items == a.items else AList(items)
        e = drop_numbers(a.elem)
        return a if e == a.elem else AList(None, e)
    if isinstance(a, ADict):
        vals = tuple(drop_numbers(x) for x in a.values)
        return a if vals == a.values else ADict(a.keys, vals)
    if isinstance(a, AUnion):
        return _make_union([drop_numbers(x) for x in a.options], False, 0)
    if isinstance(a, ACons):
        return ACons(drop_numbers(a.head), drop_numbers(a.end))
    return a


def limit_chains(a, links: int):
    """`a` with every chain of pairs `(x, (y, (z, ...)))` longer than `links` cut: the
    first `links` pairs kept, the rest summarized as an ACons (whose closures forget their
    contexts). This bounds the backpropagator chains a graph can be entered with."""
    if isinstance(a, ATuple):
        if len(a.items) != 2:
            items = tuple(limit_chains(x, links) for x in a.items)
            return a if items == a.items else ATuple(items)
        spine = _spine(a)
        if len(spine) <= links + 1 or isinstance(spine[-1], ACons) and len(spine) == links + 2:
            return a
        rest = forget_closure_contexts(_join_cons(ACons(None, None), spine[links], True, 0))
        for t in reversed(spine[:links]):
            rest = ATuple((t.items[0], rest))
        return rest
    if isinstance(a, AUnion):
        return _make_union([limit_chains(x, links) for x in a.options], False, 0)
    return a


def forget_closure_contexts(a):
    """`a` with every closure's context replaced by ANY: what a loop carries from one
    iteration to the next must not name the contexts of a particular iteration."""
    if isinstance(a, AFunction):
        if not any(isinstance(o, GraphClosure) and o.context is not ANY for o in a.options):
            return a
        return AFunction(
            GraphClosure(o.graph, ANY)
            if isinstance(o, GraphClosure) and not isinstance(o.context, ValueEnv)
            else o
            for o in a.options
        )
    if isinstance(a, ATuple):
        items = tuple(forget_closure_contexts(x) for x in a.items)
        return a if items == a.items else ATuple(items)
    if isinstance(a, AList):
        if a.items is not None:
            items = tuple(forget_closure_contexts(x) for x in a.items)
            return a if items == a.items else AList(items)
        e = forget_closure_contexts(a.elem)
        return a if e == a.elem else AList(None, e)
    if isinstance(a, ADict):
        vals = tuple(forget_closure_contexts(x) for x in a.values)
        return a if vals == a.values else ADict(a.keys, vals)
    if isinstance(a, ACons):
        return ACons(forget_closure_contexts(a.head), forget_closure_contexts(a.end))
    if isinstance(a, AUnion):
        return _make_union([forget_closure_contexts(x) for x in a.options], True, 0)
    return a


def is_smaller(old, new) -> bool:
    """Whether `new` is structurally smaller than `old` (a part of it, or a shorter tuple or
    list): recursion on such arguments terminates without widening."""
    if isinstance(old, ATuple):
        if isinstance(new, ATuple) and len(new.items) < len(old.items):
            return True
        return _is_part(old, new, 0)
    if isinstance(old, AList) and old.items is not None:
        if isinstance(new, AList) and new.items is not None and len(new.items) < len(old.items):
            return True
        return _is_part(old, new, 0)
    if isinstance(old, ADict):
        return _is_part(old, new, 0)
    return False


def _is_part(container, x, depth) -> bool:
    if depth > MAX_DEPTH:
        return False
    if isinstance(container, (ATuple, AList)):
        items = container.items or ()
    elif isinstance(container, ADict):
        items = container.values
    else:
        return False
    return any(it == x or _is_part(it, x, depth + 1) for it in items)
