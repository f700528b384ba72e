"""Abstract evaluation of primitives: the rule table and the generic rule.

Most primitives need no rule of their own: the generic rule runs the primitive's own
implementation. With constant inputs it returns the result (constant folding). Otherwise it
builds *dummy* inputs from the abstract values (arrays of 0.37 of the exact known shape,
0.37 for floats, 2 for unknown ints, True for unknown bools, the real ZERO for AZero, ...),
runs the implementation under `np.errstate(all="ignore")` and keeps only the result's type
and shape, never its value (a comparison of dummies says nothing). When an input has unknown
parts (an unknown int or dimension), it runs again with other stand-ins (3, then 1): output
dimensions that differ become unknown. Large known dimensions are renamed to small primes
for the run and renamed back, when two renamings agree (`_shrink`), so that an MLP's
dummies stay small. A shape error with fully known inputs is the user's: `ShapeMismatch`,
which the engine raises as `MyiaShapeError` naming the operation, the shapes and the line.
Any other failure of a dummy run means ATop.

Since the dummy of AZero is the real ZERO, the generic rule knows exactly when a
sensitivity primitive returns ZERO for ZERO inputs, and unions are evaluated option by
option. The primitives whose ZERO depends on values (`seq_scale`, `seq_fold`) or on
structure (`gadd`, `sum_to`, `sens_at`, `zeros_of`, `instantiate`, ...) have rules.

Primitives on structures, sensitivities and control (tuples, `getitem`, `switch`, `gadd`,
`sum_to`, ...) have rules in `RULES`, one small function each, keyed by primitive name.
`apply` is the engine's (it calls functions).

Example:
    >>> import numpy as np
    >>> from myia.prim import lookup
    >>> Evaluator()(lookup("matmul"), (AArray(np.float64, (2, 3)), AArray(np.float64, (3, 5))))
    AArray(float64, (2, 5))
"""

from __future__ import annotations

import inspect
import itertools
import warnings
from collections.abc import Callable

import numpy as np

from myia.errors import MyiaError
from myia.infer.abstract import (
    ANY,
    NONE,
    UNKNOWN,
    AArray,
    ACons,
    AConst,
    ADict,
    AFunction,
    AList,
    AScalar,
    ASlice,
    ATop,
    ATuple,
    AUnion,
    AZero,
    GraphClosure,
    abstract_of_value,
    constant_value,
    drop_numbers,
    is_constant,
    join,
    may_be_none,
    may_be_zero,
)
from myia.ir.nodes import Graph
from myia.prim.registry import PRIMITIVES, Primitive
from myia.prim.sens import ZERO

MAX_EXPANSION = 16  # union inputs are evaluated option by option up to this many combinations


class ShapeMismatch(Exception):
    """A shape error the user's program certainly makes (the engine adds the source line)."""


class UserTypeError(Exception):
    """Another type error certain to happen (a non-scalar output to `grad`, ...)."""


class _NoDummy(Exception):
    """An abstract value without a concrete stand-in (a function, ATop)."""


# Dummy inputs ---------------------------------------------------------------------------------

# Stand-ins for the unknown parts of inputs, one variant per run: (int, dimension, bool,
# float). A result that differs between runs depends on what is unknown. Three runs, not two:
# slices clip (`x[i:]` is empty for i = 2 and for i = 3 on a dimension of 2). After an
# IndexError, the fallback ints (valid indices of any dimension of 2 or more).
VARIANTS = ((2, 2, True, 0.37), (3, 3, False, 1.37), (1, 4, True, 2.37))
FALLBACK = ((0, 2, True, 0.37), (1, 3, False, 1.37), (-1, 4, True, 2.37))
_DUMMY_ARRAYS: dict = {}


def _dummy_array(a: AArray, variant, dims=None):
    shape = tuple(d if d is not None else variant[1] for d in a.shape)
    if dims:
        shape = tuple(dims.get(d, d) for d in shape)
    kind = np.dtype(a.dtype).kind
    pattern = variant[2] is False  # the second run: other values for bool and int arrays
    key = (a.dtype, shape, pattern)
    arr = _DUMMY_ARRAYS.get(key)
    if arr is None:
        if kind in "fc":
            if len(shape) >= 2 and shape[-1] == shape[-2]:
                # Invertible (positive definite) matrices, for solve, inv, det, cholesky.
                arr = np.full(shape, 0.37, a.dtype) + np.eye(shape[-1], dtype=a.dtype)
            else:
                arr = np.broadcast_to(np.full((), 0.37, a.dtype), shape)
        elif kind == "b":
            if pattern:
                arr = (np.arange(int(np.prod(shape))) % 2 == 0).reshape(shape)
            else:
                arr = np.broadcast_to(np.full((), True), shape)
        elif kind in "iu":
            arr = np.broadcast_to(np.full((), int(pattern), a.dtype), shape)
        else:
            raise _NoDummy
        arr = np.asarray(arr, a.dtype)
        arr.flags.writeable = False
        if len(_DUMMY_ARRAYS) > 512:
            _DUMMY_ARRAYS.clear()
        _DUMMY_ARRAYS[key] = arr
    return arr


def _next_variant(variant):
    """The variant after `variant` in its family (VARIANTS or FALLBACK), cyclically."""
    for family in (VARIANTS, FALLBACK):
        if variant in family:
            return family[(family.index(variant) + 1) % len(family)]
    return variant


def dummy(a, variant=VARIANTS[0], dims=None):
    """A concrete value described by `a`, its unknown parts replaced by the stand-ins of
    `variant` (see VARIANTS), its array dimensions renamed by `dims` (see `_shrink`)."""
    if isinstance(a, AScalar):
        if a.value is not UNKNOWN:
            return a.value
        k = a.kind
        if issubclass(k, (bool, np.bool_)):
            return k(variant[2])
        if issubclass(k, (int, np.integer)):
            return k(variant[0])
        if issubclass(k, (float, complex, np.inexact)):
            return k(variant[3])
        if k is range:
            return range(variant[1])
        raise _NoDummy
    if isinstance(a, AArray):
        return _dummy_array(a, variant, dims)
    if isinstance(a, ATuple):
        return tuple(dummy(x, variant, dims) for x in a.items)
    if isinstance(a, AList):
        if a.items is not None:
            return [dummy(x, variant, dims) for x in a.items]
        if a.elem is None:
            return []
        return [dummy(a.elem, variant, dims)] * variant[1]
    if isinstance(a, ADict):
        return {k: dummy(v, variant, dims) for k, v in zip(a.keys, a.values)}
    if isinstance(a, ASlice):
        # The stop stands for another int than the start: with the same one, every run
        # would give an empty slice, and the result would look known to be empty.
        return slice(
            dummy(a.start, variant), dummy(a.stop, _next_variant(variant)), dummy(a.step, variant)
        )
    if a is AZero:
        return ZERO
    if isinstance(a, AConst):
        return a.value
    raise _NoDummy


# Small stand-ins for large dimensions ------------------------------------------------------------

_PRIMES = [p for p in range(17, 1000) if all(p % q for q in range(2, int(p**0.5) + 1))]
SMALL_DIM = 16  # dimensions up to this size are used as they are


def _ints_in(a, out: set) -> None:
    """Every int constant in `a` (shape tuples, axes, slice bounds, known dims)."""
    if isinstance(a, AScalar) and isinstance(a.value, (int, np.integer)):
        out.add(abs(int(a.value)))
    elif isinstance(a, AConst):
        v = a.value
        if isinstance(v, slice):
            out.update(abs(x) for x in (v.start, v.stop, v.step) if isinstance(x, int))
        elif isinstance(v, range):
            out.update(abs(x) for x in (v.start, v.stop, v.step))
    elif isinstance(a, AArray):
        out.update(d for d in a.shape if d is not None)
    elif isinstance(a, (ATuple, AList)) and a.items is not None:
        for x in a.items:
            _ints_in(x, out)
    elif isinstance(a, ADict):
        for x in a.values:
            _ints_in(x, out)
    elif isinstance(a, ASlice):
        for x in (a.start, a.stop, a.step):
            _ints_in(x, out)


def _array_dims(a, out: set) -> None:
    if isinstance(a, AArray):
        out.update(d for d in a.shape if d is not None)
    elif isinstance(a, (ATuple, AList)) and a.items is not None:
        for x in a.items:
            _array_dims(x, out)
    elif isinstance(a, ADict):
        for x in a.values:
            _array_dims(x, out)


def _shrink(args) -> tuple[dict, dict] | None:
    """Two renamings of the large array dimensions of `args` to small distinct primes (in
    the same order as the dimensions, and above every other int the arguments hold), or
    None when no dimension is worth renaming.

    Running a primitive on arrays with renamed dimensions and renaming its output's
    dimensions back gives its output shape at a fraction of the cost, provided both
    renamings agree: an output dimension computed from a large one (a product, `x[:20]`)
    shows up as a disagreement, and the arrays are then used at full size."""
    dims: set = set()
    for a in args:
        _array_dims(a, dims)
    large = sorted(d for d in dims if d > SMALL_DIM)
    if not large:
        return None
    ints: set = set()
    for a in args:
        _ints_in(a, ints)
    small = {i for i in ints if i not in large}
    floor = max([SMALL_DIM, *small])
    primes = [p for p in _PRIMES if p > floor and p not in ints]
    if len(primes) < 2 * len(large):
        return None
    a = {d: primes[2 * k] for k, d in enumerate(large)}
    b = {d: primes[2 * k + 1] for k, d in enumerate(large)}
    if any(a[d] >= d or b[d] >= d for d in large):
        return None
    return a, b


def _rename_dims(a, back: dict):
    """`a` with the array dimensions in `back` replaced by their originals."""
    if isinstance(a, AArray):
        return AArray(a.dtype, tuple(back.get(d, d) for d in a.shape))
    if isinstance(a, ATuple):
        return ATuple(_rename_dims(x, back) for x in a.items)
    if isinstance(a, AList):
        if a.items is not None:
            return AList([_rename_dims(x, back) for x in a.items])
        return AList(None, _rename_dims(a.elem, back) if a.elem is not None else None)
    if isinstance(a, ADict):
        return ADict(a.keys, (_rename_dims(x, back) for x in a.values))
    return a


def _shrunk_result(fn, args):
    """The abstract result of `fn` on dummies with small stand-ins for large dimensions,
    or None when that cannot be trusted (see `_shrink`)."""
    plan = _shrink(args)
    if plan is None:
        return None
    results = []
    for dims in plan:
        try:
            r = _run(fn, [dummy(x, VARIANTS[0], dims) for x in args])
        except Exception:
            return None
        results.append(_rename_dims(abstract_of_value(r, False), {v: k for k, v in dims.items()}))
    return results[0] if results[0] == results[1] else None


def _has_unknown(a) -> bool:
    """Whether dummies of `a` differ between the runs in a way shapes may depend on."""
    if isinstance(a, AScalar):
        return a.value is UNKNOWN and (
            issubclass(a.kind, (int, np.integer, bool, np.bool_)) or a.kind is range
        )
    if isinstance(a, AArray):
        return None in a.shape or np.dtype(a.dtype).kind in "biu"
    if isinstance(a, (ATuple, ASlice)):
        items = a.items if isinstance(a, ATuple) else (a.start, a.stop, a.step)
        return any(_has_unknown(x) for x in items)
    if isinstance(a, AList):
        return a.items is None or any(_has_unknown(x) for x in a.items)
    if isinstance(a, ADict):
        return any(_has_unknown(x) for x in a.values)
    return False


def _has_unknown_float(a) -> bool:
    return isinstance(a, AScalar) and a.value is UNKNOWN and issubclass(a.kind, (float, np.inexact))


# Evaluation -----------------------------------------------------------------------------------

# Primitives whose result depends only on the types and shapes of their array inputs (and
# the values of the others): their results keep values (x.shape, x.ndim, len(x), ...).
SHAPE_ONLY = {
    "attr.dtype",
    "attr.ndim",
    "attr.shape",
    "attr.size",
    "np.shape",
    "np.ndim",
    "np.size",
    "len",
    "builtin.isinstance",
    "reduced_count",
    "norm_kind",
    "norm_inner_axes",
    "solve_subscripts",
    "inverse_axes",
    "einsum_fold_subscripts",
    "einsum_sens_subscripts",
}

# Primitives whose output shape may depend on the values of float inputs.
_FLOAT_SHAPED = {"np.arange"}

# Words of NumPy's messages about incompatible shapes.
_SHAPE_WORDS = ("shape", "broadcast", "dimension", "matmul", "mismatch", "align")

_OPERATORS = {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "truediv": "/",
    "floordiv": "//",
    "mod": "%",
    "pow": "**",
    "matmul": "@",
}


def describe_operation(prim: Primitive) -> str:
    """How the user wrote the operation: `x @ y`, `np.dot`, `.reshape()`."""
    op = _OPERATORS.get(prim.name)
    if op is not None:
        return f"`{op}` ({prim.name})"
    if prim.name.startswith("method."):
        return f"`.{prim.name[7:]}()`"
    if prim.name.startswith("attr."):
        return f"`.{prim.name[5:]}`"
    return f"`{prim.name}`"


def _describe(a) -> str:
    if isinstance(a, AArray):
        return str(a.shape)
    if is_constant(a):
        return repr(constant_value(a))
    if isinstance(a, AScalar):
        return f"a {a.kind.__name__}"
    return repr(a)


def _shape_error(prim: Primitive, args, exc: Exception) -> ShapeMismatch:
    descs = [_describe(a) for a in args]
    shapes = " and ".join(descs) if len(descs) == 2 else ", ".join(descs)
    return ShapeMismatch(
        f"shape mismatch in {describe_operation(prim)}: cannot combine operands of shapes "
        f"{shapes} ({type(exc).__name__}: {exc})"
    )


def _run(fn: Callable, values):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*values)


_GENERIC_MEMO: dict = {}


def generic(prim: Primitive, args: tuple, *, strict_errors: bool = True):
    """Abstract result of `prim` on `args` by running its implementation (see the module).

    Results are kept across inferences (they depend on nothing else)."""
    if any(_has_function(a) for a in args):
        return _generic(prim, args, strict_errors)  # not kept: it would keep contexts alive
    key = (prim.name, prim.impl, args, strict_errors)
    try:
        hit = _GENERIC_MEMO.get(key, _GENERIC_MEMO)
    except TypeError:  # an unhashable constant
        return _generic(prim, args, strict_errors)
    if hit is not _GENERIC_MEMO:
        if isinstance(hit, Exception):
            raise hit
        return hit
    try:
        out = _generic(prim, args, strict_errors)
    except (ShapeMismatch, UserTypeError) as e:
        out = e
    if len(_GENERIC_MEMO) > 20000:
        _GENERIC_MEMO.clear()
    _GENERIC_MEMO[key] = out
    if isinstance(out, Exception):
        raise out
    return out


def _has_function(a) -> bool:
    if isinstance(a, (AFunction, ACons)):
        return True
    if isinstance(a, (ATuple, AList)) and a.items is not None:
        return any(_has_function(x) for x in a.items)
    if isinstance(a, AList):
        return _has_function(a.elem)
    if isinstance(a, ADict):
        return any(_has_function(x) for x in a.values)
    if isinstance(a, AUnion):
        return any(_has_function(x) for x in a.options)
    return False


def _generic(prim: Primitive, args: tuple, strict_errors: bool):
    fn = prim.impl
    if all(is_constant(a) for a in args):
        try:
            return abstract_of_value(_run(fn, [constant_value(a) for a in args]))
        except Exception:
            return ATop
    keep_values = prim.name in SHAPE_ONLY
    twice = any(_has_unknown(a) for a in args) or (
        prim.name in _FLOAT_SHAPED and any(_has_unknown_float(a) for a in args)
    )
    if not twice and not keep_values:
        out = _shrunk_result(fn, args)
        if out is not None:
            return out
    error = None
    for variants in (VARIANTS, FALLBACK):
        try:
            out = abstract_of_value(_run(fn, [dummy(a, variants[0]) for a in args]), keep_values)
            if twice:
                for variant in variants[1:]:
                    r = _run(fn, [dummy(a, variant) for a in args])
                    out = _merge_runs(out, abstract_of_value(r, keep_values))
            return out
        except _NoDummy:
            return ATop
        except IndexError as e:
            error = e
            if not twice:
                break
        except Exception as e:
            error = e
            break
    msg = str(error).lower()
    if isinstance(error, MyiaError) and strict_errors and not twice:
        raise UserTypeError(str(error).split("\n  at ")[0])
    if (
        strict_errors
        and not twice
        and user_facing(prim)
        and all(_plain(a) for a in args)
        and isinstance(error, (ValueError, TypeError))
        and any(w in msg for w in _SHAPE_WORDS)
    ):
        raise _shape_error(prim, args, error)
    return ATop


# Primitives that user code reaches through syntax (the others with no dot in their name
# are the adjoint's own: `gadd`, `sum_to`, `unreduce`, ...).
_SYNTAX_PRIMITIVES = {
    "add",
    "sub",
    "mul",
    "truediv",
    "floordiv",
    "mod",
    "pow",
    "matmul",
    "neg",
    "pos",
    "not_",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "getitem",
    "setitem",
    "len",
    "range",
    "make_slice",
    "truth",
    "unpack_seq",
    "list_append",
}


def user_facing(prim) -> bool:
    """Whether `prim` is an operation user code writes (`x @ y`, `np.dot`, `.reshape()`):
    a shape error in it is the user's. Shape errors in the adjoint's own primitives (adding
    sensitivities, reducing them to a shape) come from joined approximations, not from the
    program: they are ATop, and any real one shows when the program runs."""
    name = getattr(prim, "name", "")
    return "." in name or name in _SYNTAX_PRIMITIVES


def _merge_runs(a, b):
    """The join of the results of the two dummy runs, where a tuple whose length changed is
    ATop (its length depends on what is unknown)."""
    if a == b:
        return a
    if isinstance(a, ATuple) and isinstance(b, ATuple):
        if len(a.items) != len(b.items):
            return ATop
        return ATuple(_merge_runs(x, y) for x, y in zip(a.items, b.items))
    if (
        isinstance(a, AList)
        and isinstance(b, AList)
        and a.items is not None
        and b.items is not None
    ):
        if len(a.items) == len(b.items):
            return AList([_merge_runs(x, y) for x, y in zip(a.items, b.items)])
        return AList(
            None, _merge_runs(a.elem, b.elem) if a.elem and b.elem else join(a.elem, b.elem)
        )
    if isinstance(a, ADict) and isinstance(b, ADict) and a.keys == b.keys:
        return ADict(a.keys, (_merge_runs(x, y) for x, y in zip(a.values, b.values)))
    if type(a) is not type(b) or isinstance(a, (ATuple, ADict, AList)):
        return (
            ATop if isinstance(a, (ATuple, ADict)) or isinstance(b, (ATuple, ADict)) else join(a, b)
        )
    return join(a, b)


class PythonCallable:
    """A Python callable found as a constant (`zip`, `enumerate`, an exception class),
    evaluated by the generic rule like a primitive."""

    def __init__(self, fn):
        self.impl = fn
        self.name = getattr(fn, "__name__", repr(fn))

    def __repr__(self) -> str:
        return self.name


def _plain(a) -> bool:
    """Arrays, scalars and constants such as shapes and axes: the operands of a shape error
    that is the user's (not an artifact of joined sensitivities)."""
    if isinstance(a, (AArray, AScalar, AConst)):
        return True
    return isinstance(a, ATuple) and all(isinstance(x, (AScalar, AConst)) for x in a.items)


class Evaluator:
    """Evaluates primitives on abstract values, with a memo (results depend only on the
    primitive and its abstract inputs)."""

    def __init__(self):
        self.memo: dict = {}

    def __call__(self, prim: Primitive, args: tuple, *, in_union: bool = False):
        """The abstract result (None: bottom), raising ShapeMismatch/UserTypeError."""
        key = (prim, args, in_union)
        hit = self.memo.get(key, self)
        if hit is not self:
            if isinstance(hit, Exception):
                raise hit
            return hit
        try:
            out = self._eval(prim, args, in_union)
        except (ShapeMismatch, UserTypeError) as e:
            self.memo[key] = e
            raise
        self.memo[key] = out
        return out

    def _eval(self, prim: Primitive, args: tuple, in_union: bool):
        args = _complete(prim, args)
        if args is None:
            return None
        spec = RULES.get(prim.name)
        fn, expand, strict = spec if spec is not None else (None, True, True)
        if strict and any(a is None for a in args):
            return None
        if expand and any(isinstance(a, AUnion) for a in args):
            combos = [a.ordered if isinstance(a, AUnion) else (a,) for a in args]
            count = 1
            for c in combos:
                count *= len(c)
            if count > MAX_EXPANSION:
                return ATop
            out = None
            for combo in itertools.product(*combos):
                try:
                    out = join(out, self(prim, tuple(combo), in_union=True))
                except (ShapeMismatch, UserTypeError):
                    pass  # options of different unions may not occur together
            return out
        call = Call(prim, self, in_union)
        if fn is not None:
            return fn(call, *args)
        return call.generic(*args)


def _complete(prim: Primitive, args: tuple):
    """`args` with the defaults of missing parameters; None when the call cannot bind."""
    params = list(prim.signature.parameters.values())
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return args
    if len(args) > len(params):
        return None
    if len(args) < len(params):
        extra = []
        for p in params[len(args) :]:
            if p.default is inspect.Parameter.empty:
                return None
            extra.append(abstract_of_value(p.default))
        args = args + tuple(extra)
    return args


class Call:
    """What a rule knows of its call: the primitive, and how to fall back to the generic
    rule or evaluate another primitive."""

    __slots__ = ("prim", "evaluator", "in_union")

    def __init__(self, prim, evaluator, in_union):
        self.prim = prim
        self.evaluator = evaluator
        self.in_union = in_union

    def generic(self, *args):
        return generic(self.prim, args, strict_errors=not self.in_union)

    def other(self, name: str, *args):
        return self.evaluator(PRIMITIVES[name], args, in_union=self.in_union)


# The rule table -------------------------------------------------------------------------------

RULES: dict[str, tuple[Callable, bool, bool]] = {}


def rule(*names: str, expand: bool = True, strict: bool = True):
    """Register a rule for the primitives `names`. `expand`: the rule sees no unions (the
    generic machinery runs it once per option); `strict`: a bottom input gives bottom."""

    def register(fn):
        for name in names:
            RULES[name] = (fn, expand, strict)
        return fn

    return register


def _bool(value=UNKNOWN):
    return AScalar(bool, value)


def _int(value=UNKNOWN):
    return AScalar(int, value)


def _join_all(items):
    out = None
    for x in items:
        out = join(out, x)
    return out


# Identity and structures


@rule("return_", "stop_gradient", expand=False)
def _identity(call, x):
    return x


@rule("make_tuple", expand=False)
def _make_tuple(call, *xs):
    return ATuple(xs)


@rule("make_list", expand=False)
def _make_list(call, *xs):
    return AList(xs)


@rule("make_dict", expand=False)
def _make_dict(call, keys, values):
    if not is_constant(keys) or not isinstance(values, ATuple):
        return ATop
    keys = constant_value(keys)
    return ADict(keys, values.items)


def _index(i):
    """The constant int or slice of an index abstract, else UNKNOWN."""
    if isinstance(i, AScalar) and i.value is not UNKNOWN and isinstance(i.value, (int, np.integer)):
        return int(i.value)
    if isinstance(i, AConst) and isinstance(i.value, slice):
        return i.value
    return UNKNOWN


def _is_slice(i) -> bool:
    return isinstance(i, ASlice) or (isinstance(i, AConst) and isinstance(i.value, slice))


@rule("getitem")
def _getitem(call, x, i):
    if isinstance(i, ASlice) and isinstance(x, (ATuple, AList)):
        if isinstance(x, ATuple):
            return ATop  # a tuple of unknown length
        return AList(None, x.elem)
    if isinstance(x, (ATuple, AList)) and x.items is not None:
        idx = _index(i)
        if isinstance(idx, slice):
            part = x.items[idx]
            return ATuple(part) if isinstance(x, ATuple) else AList(part)
        if idx is UNKNOWN:
            if isinstance(i, AScalar) and issubclass(i.kind, (int, np.integer)):
                return _join_all(x.items)  # bottom for an empty sequence: IndexError
            return call.generic(x, i)
        if -len(x.items) <= idx < len(x.items):
            return x.items[idx]
        return None  # IndexError
    if isinstance(x, AList):
        if isinstance(i, AConst) and isinstance(i.value, slice):
            return x
        if isinstance(i, AScalar) and issubclass(i.kind, (int, np.integer)):
            return x.elem
        return call.generic(x, i)
    if isinstance(x, ADict):
        if is_constant(i):
            key = constant_value(i)
            sentinel = object()
            v = x.get(key, sentinel)
            return None if v is sentinel else v
        return _join_all(x.values)
    if isinstance(x, ACons):
        # A pair `(head, x)`, or `x.end` (which may be a pair too).
        idx = _index(i)
        if idx in (0, -2):
            item = x.head
        elif idx in (1, -1):
            item = x
        else:
            return ATop
        if x.end is ATop or isinstance(x.end, (ATuple, AUnion, ACons)):
            return join(item, call.other("getitem", x.end, i))
        return item
    if isinstance(x, AFunction) or x is ATop:
        return ATop
    if _is_range(x) and isinstance(i, AScalar) and issubclass(i.kind, (int, np.integer)):
        if is_constant(x) and i.known:
            return call.generic(x, i)
        return _int()  # the value depends on the index, the type does not
    return call.generic(x, i)


def _is_range(x) -> bool:
    return (isinstance(x, AScalar) and x.kind is range) or (
        isinstance(x, AConst) and isinstance(x.value, range)
    )


@rule("len")
def _len(call, x):
    if isinstance(x, (ATuple, AList)):
        return _int(len(x.items)) if x.items is not None else _int()
    if isinstance(x, ADict):
        return _int(len(x.keys))
    if isinstance(x, AArray):
        if not x.shape:
            return None  # len() of a 0-d array raises
        return _int(x.shape[0]) if x.shape[0] is not None else _int()
    if isinstance(x, ACons):
        return _int()
    return call.generic(x)


@rule("unpack_seq")
def _unpack_seq(call, x, n):
    if isinstance(x, (ATuple, AList)) and x.items is not None and is_constant(n):
        return x if len(x.items) == constant_value(n) else None
    if isinstance(x, (ATuple, AList, AArray)):
        if isinstance(x, AArray) and not x.shape:
            return None
        return x
    return call.generic(x, n)


@rule("add")
def _add(call, a, b):
    if isinstance(a, ATuple) and isinstance(b, ATuple):
        return ATuple(a.items + b.items)
    if isinstance(a, AList) and isinstance(b, AList):
        if a.items is not None and b.items is not None:
            return AList(a.items + b.items)
        return AList(None, join(a.elem, b.elem))
    return call.generic(a, b)


@rule("list_append")
def _list_append(call, xs, v):
    if isinstance(xs, AList):
        if xs.items is not None:
            return AList(xs.items + (v,))
        return AList(None, join(xs.elem, v))
    return call.generic(xs, v)


@rule("list_drop_last")
def _list_drop_last(call, xs):
    if xs is AZero:
        return AZero
    if isinstance(xs, AList):
        return AList(xs.items[:-1]) if xs.items is not None else xs
    return call.generic(xs)


@rule("instantiate_list")
def _instantiate_list(call, xs, n):
    if xs is AZero:
        if is_constant(n):
            return AList((AZero,) * max(0, constant_value(n)))
        return AList(None, AZero)
    return xs


@rule("builtin.tuple")
def _tuple(call, x):
    if isinstance(x, ATuple):
        return x
    if isinstance(x, AList) and x.items is not None:
        return ATuple(x.items)
    if isinstance(x, AList):
        return ATop  # a tuple of unknown length
    return call.generic(x)


@rule("builtin.list")
def _list(call, x):
    if isinstance(x, AList):
        return x
    if isinstance(x, ATuple):
        return AList(x.items)
    return call.generic(x)


@rule("make_slice")
def _make_slice(call, start, stop, step):
    if all(is_constant(x) for x in (start, stop, step)):
        return call.generic(start, stop, step)
    if all(isinstance(x, AScalar) or x == NONE for x in (start, stop, step)):
        return ASlice(start, stop, step)
    return call.generic(start, stop, step)


# Control


def truth_value(c):
    """True/False when the truth of `c` is known, else UNKNOWN."""
    if isinstance(c, (AScalar, AConst)) and c.value is not UNKNOWN:
        try:
            return bool(c.value)
        except Exception:
            return UNKNOWN
    if isinstance(c, (ATuple, AList)) and c.items is not None:
        return len(c.items) > 0
    if isinstance(c, ADict):
        return len(c.keys) > 0
    if isinstance(c, AFunction):
        return True
    return UNKNOWN


@rule("switch", expand=False, strict=False)
def _switch(call, cond, a, b):
    if cond is None:
        return None
    t = truth_value(cond)
    if t is True:
        return a
    if t is False:
        return b
    return join(a, b)


@rule("truth")
def _truth(call, x):
    if x is AZero:
        return None  # ZERO has no truth value
    t = truth_value(x)
    if t is not UNKNOWN:
        return _bool(t)
    return _bool()


def _is(a, b):
    for x, y in ((a, b), (b, a)):
        if x == NONE:
            if y == NONE:
                return True
            if not may_be_none(y):
                return False
            return UNKNOWN
        if x is AZero:
            if y is AZero:
                return True
            if not may_be_zero(y):
                return False
            return UNKNOWN
    if isinstance(a, AConst) and isinstance(b, AConst):
        return a.value is b.value
    return UNKNOWN


@rule("is_", expand=False)
def _is_rule(call, a, b):
    r = _is(a, b)
    return _bool() if r is UNKNOWN else _bool(r)


@rule("is_not", expand=False)
def _is_not_rule(call, a, b):
    r = _is(a, b)
    return _bool() if r is UNKNOWN else _bool(not r)


@rule("raise_", expand=False, strict=False)
def _raise(call, exc_type, msg):
    return None


# Sensitivities


# The tape of loop adjoints (`myia.prim.tape`): opaque to inference.


@rule("tape_new", "tape_get", expand=False, strict=False)
def _tape_opaque(call, *args):
    return ATop


@rule("tape_push", expand=False)
def _tape_push(call, tape, value):
    return tape


@rule("tape_len", expand=False)
def _tape_len(call, tape):
    return _int()


@rule("is_zero", expand=False)
def _is_zero(call, x):
    if x is AZero:
        return _bool(True)
    if may_be_zero(x):
        return _bool()
    return _bool(False)


def _gadd(call, a, b):
    if a is AZero:
        return b
    if b is AZero:
        return a
    if isinstance(a, AUnion) or isinstance(b, AUnion):
        out = None
        for x in a.ordered if isinstance(a, AUnion) else (a,):
            for y in b.ordered if isinstance(b, AUnion) else (b,):
                out = join(out, _gadd(call, x, y))
        return out
    if isinstance(a, ATuple) and isinstance(b, ATuple) and len(a.items) == len(b.items):
        return ATuple(_gadd(call, x, y) for x, y in zip(a.items, b.items))
    if isinstance(a, AList) and isinstance(b, AList):
        if a.items is not None and b.items is not None and len(a.items) == len(b.items):
            return AList([_gadd(call, x, y) for x, y in zip(a.items, b.items)])
        return AList(None, _gadd(call, a.elem, b.elem) if a.elem and b.elem else None)
    if isinstance(a, ADict) and isinstance(b, ADict) and a.keys == b.keys:
        return ADict(a.keys, (_gadd(call, x, y) for x, y in zip(a.values, b.values)))
    if a is None or b is None:
        return None
    return call.generic(a, b)


rule("gadd", expand=False)(_gadd)
rule("gadd_numbers", expand=False)(_gadd)


@rule("sens_get")
def _sens_get(call, s, i):
    if s is AZero:
        return AZero
    return _getitem(call, s, i)


@rule("sens_at")
def _sens_at(call, like, i, v):
    if like is AZero:
        return AZero
    if isinstance(like, (ATuple, AList)) and like.items is not None:
        idx = _index(i)
        n = len(like.items)
        if isinstance(idx, int):
            if not -n <= idx < n:
                return None
            items = [AZero] * n
            items[idx] = v
        elif isinstance(idx, slice):
            places = range(n)[idx]
            if not isinstance(v, (ATuple, AList)):
                return call.generic(like, i, v)
            if v.items is None:
                values = [v.elem] * len(places)
            elif len(v.items) == len(places) or idx.step in (None, 1):
                values = list(v.items)
            else:
                return None  # ValueError: wrong number of items for an extended slice
            items = [AZero] * n
            if len(values) != len(places):
                return call.generic(like, i, v)
            for p, x in zip(places, values):
                items[p] = x
        else:
            items = [join(AZero, v)] * n
        return ATuple(items) if isinstance(like, ATuple) else AList(items)
    if isinstance(like, AList):
        return AList(None, join(AZero, v))
    if isinstance(like, ADict):
        if is_constant(i):
            key = constant_value(i)
            return ADict(like.keys, (v if k == key else AZero for k in like.keys))
        return ADict(like.keys, (join(AZero, v) for _ in like.keys))
    return call.generic(like, i, v)


def _int_like(like) -> bool:
    if isinstance(like, AScalar):
        return issubclass(like.kind, (bool, int, np.integer, np.bool_))
    if isinstance(like, AArray):
        return np.dtype(like.dtype).kind in "biu"
    return False


def _numeric_like(like) -> bool:
    return isinstance(like, (AScalar, AArray)) and not issubclass(
        getattr(like, "kind", float), (str, range, slice)
    )


@rule("sum_to")
def _sum_to(call, x, like):
    if x is AZero:
        return AZero
    if isinstance(like, (ATuple, AList)) and like.items is not None:
        if not isinstance(x, (ATuple, AList)) or x.items is None or len(x.items) != len(like.items):
            return call.generic(x, like)
        items = [call.other("sum_to", a, b) for a, b in zip(x.items, like.items)]
        return ATuple(items) if isinstance(x, ATuple) else AList(items)
    if isinstance(like, ADict):
        if not isinstance(x, ADict):
            return call.generic(x, like)
        return ADict(
            like.keys, (call.other("sum_to", x.get(k), v) for k, v in zip(like.keys, like.values))
        )
    if not _numeric_like(like):
        return x if not isinstance(like, AList) else call.generic(x, like)
    if _int_like(like):
        return AZero
    if isinstance(like, AScalar) and like.kind is float:
        if isinstance(x, (AScalar, AArray)):
            return AScalar(float)
        return call.generic(x, like)
    if isinstance(like, AScalar):
        return AScalar(like.kind) if isinstance(x, (AScalar, AArray)) else call.generic(x, like)
    if isinstance(x, (AScalar, AArray)) and like.known_shape:
        return call.generic(x, like)  # checks the shapes
    if isinstance(x, (AScalar, AArray)):
        return AArray(like.dtype, like.shape)
    return call.generic(x, like)


@rule("broadcast_like")
def _broadcast_like(call, x, like):
    if x is AZero:
        return AZero
    if isinstance(like, (ATuple, AList)) and like.items is not None:
        if not isinstance(x, (ATuple, AList)) or x.items is None or len(x.items) != len(like.items):
            return call.generic(x, like)
        items = [call.other("broadcast_like", a, b) for a, b in zip(x.items, like.items)]
        return ATuple(items) if isinstance(x, ATuple) else AList(items)
    if isinstance(like, ADict):
        if not isinstance(x, ADict):
            return call.generic(x, like)
        return ADict(
            like.keys,
            (call.other("broadcast_like", x.get(k), v) for k, v in zip(like.keys, like.values)),
        )
    if not _numeric_like(like):
        return x if not isinstance(like, AList) else call.generic(x, like)
    return call.generic(x, like)


@rule("zeros_of")
def _zeros_of(call, like):
    if isinstance(like, ATuple):
        return ATuple(call.other("zeros_of", x) for x in like.items)
    if isinstance(like, AList):
        if like.items is None:
            return AList(None, call.other("zeros_of", like.elem) if like.elem is not None else None)
        return AList([call.other("zeros_of", x) for x in like.items])
    if isinstance(like, ADict):
        return ADict(like.keys, (call.other("zeros_of", x) for x in like.values))
    if isinstance(like, AScalar) and like.kind is float:
        return AScalar(float, 0.0)
    if isinstance(like, AArray):
        return AArray(like.dtype, like.shape)
    if isinstance(like, AScalar) and issubclass(like.kind, np.generic):
        return AScalar(like.kind)
    if like is ATop:
        return ATop
    return AZero


@rule("instantiate")
def _instantiate(call, s, like):
    if s is AZero:
        return call.other("zeros_of", like)
    if isinstance(like, (ATuple, AList)) and like.items is not None:
        if (
            isinstance(s, (ATuple, AList))
            and s.items is not None
            and len(s.items) == len(like.items)
        ):
            items = [call.other("instantiate", a, b) for a, b in zip(s.items, like.items)]
            return ATuple(items) if isinstance(like, ATuple) else AList(items)
        return call.generic(s, like)
    if isinstance(like, ADict) and isinstance(s, ADict):
        return ADict(
            like.keys,
            (call.other("instantiate", s.get(k), v) for k, v in zip(like.keys, like.values)),
        )
    return s


def _impossible_sens(s, like: AArray) -> bool:
    if isinstance(s, AScalar):
        return True
    return isinstance(s, AArray) and len(s.shape) != len(like.shape)


def _check_differentiable(x) -> None:
    from myia.prim.sens import _check_differentiable as check

    try:
        value = dummy(x)
    except _NoDummy:
        return
    try:
        check(value, "the argument")
    except TypeError as e:
        raise UserTypeError(str(e)) from None


@rule("grad_output", expand=False)
def _grad_output(call, s, x, *seed):
    if isinstance(x, AUnion):
        out = None
        for o in x.ordered:
            out = join(out, _sens_of(call, s, o))
        return out
    if not call.in_union:
        _check_differentiable(x)
    return _sens_of(call, s, x)


@rule("check_differentiable")
def _check_differentiable_rule(call, x):
    if not call.in_union:
        _check_differentiable(x)
    return x


@rule("aux_pair")
def _aux_pair(call, out):
    if isinstance(out, (ATuple, AList)) and out.items is not None:
        if len(out.items) == 2:
            return out
    elif out is ATop or isinstance(out, AList):
        return out
    if call.in_union:
        return None
    try:
        call.prim.impl(dummy(out))
    except _NoDummy:
        return ATop
    except Exception as e:
        raise UserTypeError(str(e)) from None
    return out


def _sens_of(call, s, like):
    """`instantiate(s, like)` where `s` is a sensitivity of `like`. Where the analysis lost
    track of `s` (ATop, or a value of another type: through loops and recursion,
    backpropagator chains are joined), the adjoint's own invariant answers: a sensitivity
    has the type of its value (`sum_to` casts every contribution to it), so the result has
    `like`'s type and shape."""
    if s is ATop:
        return drop_numbers(call.other("zeros_of", like))
    if isinstance(s, AUnion):
        options = s.ordered
        if isinstance(like, AArray) and like.shape:
            # The sensitivity of an array (not 0-d) is an array of its shape (`sum_to`
            # makes it one): scalars and arrays of another rank come from joined chains.
            options = [o for o in options if not _impossible_sens(o, like)]
            if not options:
                return drop_numbers(call.other("zeros_of", like))
        out = None
        for o in options:
            out = join(out, _sens_of(call, o, like))
        return out
    if isinstance(like, (ATuple, AList)) and like.items is not None:
        if (
            isinstance(s, (ATuple, AList))
            and s.items is not None
            and len(s.items) == len(like.items)
        ):
            items = [_sens_of(call, a, b) for a, b in zip(s.items, like.items)]
            return ATuple(items) if isinstance(like, ATuple) else AList(items)
    if isinstance(like, ADict) and isinstance(s, ADict):
        return ADict(
            like.keys, (_sens_of(call, s.get(k, AZero), v) for k, v in zip(like.keys, like.values))
        )
    return call.other("instantiate", s, like)


@rule("unit_sens")
def _unit_sens(call, x, *rest):
    if isinstance(x, AScalar) and x.kind is float:
        return AScalar(float, 1.0)
    if isinstance(x, AScalar) and issubclass(x.kind, np.floating):
        return AScalar(x.kind)
    if isinstance(x, AArray) and x.shape == () and np.dtype(x.dtype).kind == "f":
        return AArray(x.dtype, ())
    if isinstance(x, (AScalar, AArray, ATuple, AList, ADict, AConst)) and not call.in_union:
        try:
            call.prim.impl(dummy(x))
        except TypeError as e:
            raise UserTypeError(str(e)) from None
        except Exception:
            return ATop
    return None if isinstance(x, (AScalar, AArray, ATuple, AList, ADict, AConst)) else ATop


@rule("getitem_sens")
def _getitem_sens(call, x, i, v):
    if isinstance(x, (ATuple, AList, ADict)):
        return _sens_at(call, x, i, v)
    return call.generic(x, i, v)


@rule("clear_at")
def _clear_at(call, x, i):
    if x is AZero:
        return AZero
    if isinstance(x, AList):
        return (
            _sens_at(call, x, i, AZero) if x.items is not None else AList(None, join(x.elem, AZero))
        )
    return call.generic(x, i)


@rule("dict_values_sens")
def _dict_values_sens(call, d, keys):
    if d is AZero:
        return AZero
    if isinstance(d, ADict) and is_constant(keys):
        return ATuple(d.get(k, AZero) for k in constant_value(keys))
    return call.generic(d, keys)


def _maybe_zero_items(a):
    if isinstance(a, ATuple):
        return ATuple(join(AZero, x) for x in a.items)
    if isinstance(a, AList):
        if a.items is None:
            return AList(None, join(AZero, a.elem))
        return AList([join(AZero, x) for x in a.items])
    return a


@rule("seq_scale")
def _seq_scale(call, s, w):
    # An element is ZERO where its weight is 0, which dummies cannot tell.
    if is_constant(w):
        return call.generic(s, w)
    return _maybe_zero_items(call.generic(s, w))


@rule("seq_fold")
def _seq_fold(call, d, like, n):
    if is_constant(n):
        return call.generic(d, like, n)
    return join(AZero, call.generic(d, like, n))


@rule("grad_of")
def _grad_of(call, f, spec, level):
    if not isinstance(f, AFunction) or not is_constant(spec) or not is_constant(level):
        return ATop
    spec, level = constant_value(spec), constant_value(level)
    options = set()
    for o in f.ordered:
        target = o.graph if isinstance(o, GraphClosure) else o
        if not isinstance(target, (Graph, Primitive)):
            return ATop
        try:
            g = call.prim.impl(target, spec, level)
        except Exception:
            return ATop
        if not isinstance(g, Graph):
            return ATop
        options.add(GraphClosure(g, o.context) if isinstance(o, GraphClosure) else g)
    return AFunction(options)


def zero_capable_primitives() -> set[str]:
    """Names of the primitives whose implementation may return ZERO."""
    out = set()
    for name, prim in PRIMITIVES.items():
        try:
            src = inspect.getsource(prim.impl)
        except (OSError, TypeError):
            continue
        if "ZERO" in src:
            out.add(name)
    return out


__all__ = [
    "ANY",
    "Evaluator",
    "RULES",
    "ShapeMismatch",
    "UserTypeError",
    "describe_operation",
    "dummy",
    "generic",
    "rule",
    "truth_value",
    "zero_capable_primitives",
]
