"""Properties of the lattice of abstract values (myia/infer/abstract.py).

`join` must be a semilattice join (commutative, associative, idempotent, BOTTOM neutral),
`widen` an upper bound that stabilizes, `sens_type` idempotent on sensitivity types,
`drop_values` / `same_kind` as their docstrings say, and `abstract_of_value` of a value
the type the compiled code gives to it (and to what Python computes from it).

The bugs these properties found have a test of their own each, next to the property.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import myia
from myia.infer.abstract import (
    BOTTOM,
    UNKNOWN,
    AArray,
    AConst,
    ADict,
    AEnv,
    AFunction,
    AList,
    AOpaque,
    AScalar,
    ATuple,
    ATupleSeq,
    AUnion,
    AZero,
    abstract_of_value,
    join,
)
from myia.infer.build import type_of
from myia.infer.walks import drop_values, same_kind, widen
from myia.pipeline import signature_types, typed_program
from myia.prim.registry import lookup

try:  # being moved out of abstract.py
    from myia.infer.sensitivity import sens_type
except ImportError:  # pragma: no cover
    from myia.infer.abstract import sens_type

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# Random abstract values ----------------------------------------------------------------------

_FLOATS = st.sampled_from([0.0, 1.0, -2.5, 0.5])  # NaN: see test_nan_values_are_one_value
_INTS = st.integers(-3, 3)


@st.composite
def scalars(draw):
    kind = draw(st.sampled_from([bool, int, float, complex, np.float32, np.int64, np.float64]))
    known = draw(st.booleans())
    np_flag = draw(st.booleans())
    if not known:
        return AScalar(kind, UNKNOWN, np_flag)
    if kind is bool:
        v = draw(st.booleans())
    elif kind in (int, np.int64):
        v = kind(draw(_INTS))
    elif kind is complex:
        v = complex(draw(_FLOATS), draw(_FLOATS))
    else:
        v = kind(draw(_FLOATS))
    return AScalar(kind, v, np_flag)


_DIMS = st.one_of(st.none(), st.integers(1, 4))


@st.composite
def arrays(draw):
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64, np.bool_]))
    shape = tuple(draw(st.lists(_DIMS, max_size=3)))
    return AArray(dtype, shape)


_OTHERS = st.sampled_from(
    [
        AConst(None),
        AConst("a"),
        AConst("b"),
        AOpaque(str),
        AFunction([lookup("sin")]),
        AFunction([lookup("cos")]),
    ]
)

LEAVES = st.one_of(scalars(), arrays(), _OTHERS)


def _extend(children):
    return st.one_of(
        st.lists(children, max_size=3).map(ATuple),
        st.lists(children, max_size=3).map(AList),
        children.map(AList(None, BOTTOM).of),
        children.map(lambda e: ATupleSeq(None, e)),
        st.lists(children, min_size=1, max_size=2).flatmap(
            lambda vs: (
                st.sampled_from([("k",), ("k", "l"), ("l",)][:])
                .filter(lambda ks: len(ks) == len(vs))
                .map(lambda ks: ADict(ks, vs))
            )
        ),
    )


def values(max_leaves=6):
    """Random abstract values: numbers, arrays, strings, functions, tuples (of known and
    of run-time length), lists and dicts, and joins of them."""
    tree = st.recursive(LEAVES, _extend, max_leaves=max_leaves)
    # Unions, as the analysis makes them: joins of values.
    return st.one_of(tree, st.tuples(tree, tree).map(lambda ab: join(*ab)))


def several(n: int):
    """n random abstract values (see `values`)."""
    return st.tuples(*[values()] * n)


def _has(a, pred) -> bool:
    if pred(a):
        return True
    if isinstance(a, ATuple):
        return any(_has(x, pred) for x in a.items)
    if isinstance(a, AList):
        return any(_has(x, pred) for x in (a.items if a.items is not None else (a.elem,)))
    if isinstance(a, ADict):
        return any(_has(x, pred) for x in a.values)
    if isinstance(a, AUnion):
        return any(_has(x, pred) for x in a.options)
    return False


def _strings(a) -> set:
    found = set()
    _has(a, lambda x: isinstance(x, AConst) and isinstance(x.value, str) and found.add(x) and False)
    return found


def leq(a, b) -> bool:
    """`a` describes no value `b` does not: joining it to `b` changes nothing."""
    return join(a, b) == b


# join ---------------------------------------------------------------------------------------


@SETTINGS
@given(several(2))
def test_join_is_commutative(ab):
    a, b = ab
    assert join(a, b) == join(b, a)


@SETTINGS
@given(several(3))
def test_join_is_associative(abc):
    a, b, c = abc
    assert join(join(a, b), c) == join(a, join(b, c))


@SETTINGS
@given(several(1))
def test_join_is_idempotent_and_bottom_neutral(a1):
    (a,) = a1
    assert join(a, a) == a
    assert join(BOTTOM, a) == a
    assert join(a, BOTTOM) == a


@SETTINGS
@given(several(2))
def test_join_is_an_upper_bound(ab):
    a, b = ab
    j = join(a, b)
    assert leq(a, j) and leq(b, j)


def test_join_examples():
    """What the docstrings say (computed by hand)."""
    assert join(AScalar(float, 1.0), AScalar(float, 2.0)) == AScalar(float)
    assert join(AScalar(float, 1.0), AScalar(float, 1.0)) == AScalar(float, 1.0)
    assert join(AArray(np.float64, (3, 4)), AArray(np.float64, (5, 4))) == AArray(
        np.float64, (None, 4)
    )
    # A NumPy float joined with a Python float is a NumPy float.
    assert join(AScalar(float), AScalar(np.float64)) == AScalar(np.float64)
    assert join(AScalar(float), AScalar(np.float64)).pytype is np.float64
    # Different kinds make a union, whose options are the kinds.
    u = join(AScalar(int), AArray(np.float64, (3,)))
    assert isinstance(u, AUnion) and u.options == {AScalar(int), AArray(np.float64, (3,))}
    # A tuple of run-time length absorbs tuples of its elements.
    t = ATupleSeq(None, AScalar(float))
    assert join(ATuple([AScalar(float, 1.0), AScalar(float)]), t) == t
    assert join(AList([AScalar(int, 1)]), AList([AScalar(int, 2), AScalar(int)])) == AList(
        None, AScalar(int)
    )
    # NaN is one value (the same NaN object here; see test_nan_values_are_one_value).
    assert join(AScalar(float, math.nan), AScalar(float, math.nan)) == AScalar(float, math.nan)


def test_nan_values_are_one_value():
    a, b = AScalar(float, float("nan")), AScalar(float, float("nan"))
    assert a == b and hash(a) == hash(b)
    c, d = AScalar(np.float64, np.float64("nan")), AScalar(np.float64, np.float64("nan"))
    assert c == d


def test_join_list_and_runtime_tuple_is_refused_or_a_union():
    a, b = AList([AScalar(float)]), ATupleSeq(None, AScalar(float))
    u = join(a, b)
    assert leq(a, u) and leq(b, u)


def test_join_associative_tuples_and_runtime_tuples():
    f = AScalar(float)
    a, b, c = ATuple([f, f]), ATuple([f]), ATupleSeq(None, f)
    assert join(join(a, b), c) == join(a, join(b, c)) == c
    a, b, c = ATuple([]), ATupleSeq(None, ATuple([])), AScalar(bool)
    assert join(join(a, b), c) == join(a, join(b, c))


def test_join_associative_strings():
    a, b, c = AConst("a"), AConst("b"), AConst("c")
    assert join(AOpaque(str), a) == AOpaque(str)
    assert join(join(a, b), c) == join(a, join(b, c))


# widen --------------------------------------------------------------------------------------


@SETTINGS
@given(several(2))
def test_widen_is_an_upper_bound_of_both(ab):
    old, new = ab
    w = widen(old, new)
    assert leq(old, w), (old, w)
    assert leq(new, w), (new, w)


@SETTINGS
@given(several(2))
def test_widen_stabilizes_at_once(ab):
    """Once a loop variable is widened with a value, widening it again with either value
    (the next iterations) changes nothing."""
    old, new = ab
    w = widen(old, new)
    assert widen(w, new) == w
    assert widen(w, old) == w
    assert widen(w, w) == w


@SETTINGS
@given(st.lists(values(), min_size=1, max_size=6))
def test_widen_chain_reaches_a_fixed_point(pool):
    """Widening with the values of a finite pool, over and over (a loop whose iterations
    give those types), stops changing after one pass over the pool and at most one change
    per value of the pool."""
    w = pool[0]
    changes = 0
    for _ in range(3):
        for x in pool:
            nxt = widen(w, x)
            changes += nxt != w
            w = nxt
        if _ == 0:
            after_first = w
    assert w == after_first
    assert changes <= len(pool)
    for x in pool:
        assert leq(x, w)


def test_widen_of_growing_values():
    """The values a loop carries when it counts, grows a tuple or an array: run-time
    values, lengths and dimensions after one step, then fixed."""
    chains = [
        [AScalar(int, i) for i in range(6)],
        [ATuple([AScalar(float)] * i) for i in range(6)],
        [AList([AScalar(float, 1.0)] * i) for i in range(6)],
        [AArray(np.float64, (i + 1, 3)) for i in range(6)],
    ]
    expected = [
        AScalar(int),
        ATupleSeq(None, AScalar(float)),
        AList(None, AScalar(float)),
        AArray(np.float64, (None, 3)),
    ]
    for chain, want in zip(chains, expected):
        w = chain[0]
        seen = [w]
        for x in chain[1:]:
            w = widen(w, x)
            seen.append(w)
        assert w == want
        assert seen[1:] == [want] * (len(chain) - 1)


# sens_type ----------------------------------------------------------------------------------


@SETTINGS
@given(several(1))
def test_sens_type_is_idempotent(a1):
    (a,) = a1
    s = sens_type(a)
    assert sens_type(s) == s


def test_sens_type_examples():
    assert sens_type(AScalar(float, 2.0)) == AScalar(np.float64)
    assert sens_type(AScalar(np.float32, np.float32(1.0))) == AScalar(np.float32)
    assert sens_type(AScalar(int, 3)) is AZero
    assert sens_type(AScalar(bool)) is AZero
    assert sens_type(AArray(np.int64, (3,))) is AZero
    assert sens_type(AArray(np.float32, (None, 2))) == AArray(np.float32, (None, 2))
    assert sens_type(ATuple([AScalar(int), AConst("s")])) is AZero
    assert sens_type(ATuple([AScalar(int), AScalar(float)])) == ATuple([AZero, AScalar(np.float64)])
    assert sens_type(AFunction([lookup("sin")])) is AEnv
    assert sens_type(ATupleSeq(None, AScalar(float))) == ATupleSeq(None, AScalar(np.float64))
    assert sens_type(ADict(("k",), [AArray(np.float64, (2,))])) == ADict(
        ("k",), [AArray(np.float64, (2,))]
    )


# drop_values, same_kind ---------------------------------------------------------------------


def _known_numbers(a) -> bool:
    """Whether `a` holds the value of a number other than a bool."""
    return _has(a, lambda x: isinstance(x, AScalar) and x.known and x.kind is not bool)


def _bools(a) -> list:
    found = []
    _has(a, lambda x: isinstance(x, AScalar) and x.kind is bool and found.append(x) and False)
    return found


@SETTINGS
@given(several(1))
def test_drop_values(a1):
    (a,) = a1
    d = drop_values(a)
    assert not _known_numbers(d)
    assert drop_values(d) == d
    assert leq(a, d)
    # Bools (and their values), strings and structure are kept.
    assert sorted(map(repr, _bools(d))) == sorted(map(repr, _bools(a)))
    assert _strings(d) == _strings(a)
    assert same_kind(a, d)


def _reboxed(a, flip: bool):
    """`a` with other values of numbers and other box flags (what same_kind ignores)."""
    if isinstance(a, AScalar):
        if a.kind is bool:
            return a
        value = UNKNOWN if a.known else a.kind(1)
        return AScalar(a.kind, value, (not a.np) if flip else a.np)
    if isinstance(a, ATuple):
        return ATuple(_reboxed(x, flip) for x in a.items)
    if isinstance(a, AList):
        if a.items is not None:
            return AList([_reboxed(x, flip) for x in a.items])
        return a.of(_reboxed(a.elem, flip))
    if isinstance(a, ADict):
        return ADict(a.keys, [_reboxed(x, flip) for x in a.values])
    return a


@SETTINGS
@given(several(1), st.booleans())
def test_same_kind_ignores_values_and_box_flags(a1, flip):
    (a,) = a1
    b = _reboxed(a, flip)
    assert same_kind(a, b) and same_kind(b, a)
    assert same_kind(a, a)


@SETTINGS
@given(several(2))
def test_same_kind_is_equality_without_values_and_boxes(ab):
    """same_kind(a, b) holds exactly when a and b are equal once the values of numbers
    (not bools) and the box flags of floats are gone (written here independently)."""
    a, b = ab
    assert same_kind(a, b) == (_unbox_all(drop_values(a)) == _unbox_all(drop_values(b)))


def _unbox_all(a):
    if isinstance(a, AScalar):
        return AScalar(a.kind, a.value, False)
    if isinstance(a, ATuple):
        return ATuple(_unbox_all(x) for x in a.items)
    if isinstance(a, AList):
        return (
            AList([_unbox_all(x) for x in a.items])
            if a.items is not None
            else a.of(_unbox_all(a.elem))
        )
    if isinstance(a, ADict):
        return ADict(a.keys, [_unbox_all(x) for x in a.values])
    if isinstance(a, AUnion):
        return functools.reduce(join, [_unbox_all(x) for x in a.options])
    return a


def test_same_kind_examples():
    assert same_kind(AScalar(float, 1.0), AScalar(np.float64))
    assert same_kind(ATuple([AScalar(float)]), ATuple([AScalar(np.float64, 2.0)]))
    assert not same_kind(AScalar(float), AScalar(np.float32))
    assert not same_kind(AScalar(int), AScalar(float))
    assert not same_kind(AScalar(bool, True), AScalar(bool, False))  # bools keep values
    assert not same_kind(AArray(np.float64, (3,)), AArray(np.float64, (4,)))
    assert not same_kind(ATuple([AScalar(float)]), AList([AScalar(float)]))


def test_same_kind_unboxes_unions():
    arr = AArray(np.float64, (3,))
    assert same_kind(join(AScalar(float, 1.0), arr), join(AScalar(float, 2.0), arr))
    assert same_kind(join(AScalar(np.float64), arr), join(AScalar(float), arr))


# abstract_of_value and the compiled code ----------------------------------------------------

_DTYPES = [np.float64, np.float32, np.int64, np.int32, np.bool_]


@st.composite
def numbers(draw):
    """A Python or NumPy scalar, or an array of a random shape and dtype."""
    which = draw(st.sampled_from(["float", "int", "bool", "npscalar", "array"]))
    if which == "float":
        return draw(st.floats(-4, 4, allow_nan=False).filter(lambda v: abs(v) > 1e-3))
    if which == "int":
        return draw(st.integers(-5, 5))
    if which == "bool":
        return draw(st.booleans())
    dtype = draw(st.sampled_from(_DTYPES))
    if which == "npscalar":
        return dtype(draw(st.integers(1, 4)))
    shape = tuple(draw(st.lists(st.integers(0, 3), max_size=3)))
    rng = np.random.default_rng(draw(st.integers(0, 100)))
    return (rng.standard_normal(shape) * 3).astype(dtype)


def nested(leaf=numbers()):  # noqa: B008  (a strategy, built once)
    return st.recursive(
        leaf,
        lambda c: st.one_of(
            st.lists(c, max_size=3).map(tuple),
            st.lists(c, max_size=3),
            st.dictionaries(st.sampled_from(["a", "b", "c"]), c, max_size=3),
        ),
        max_leaves=6,
    )


def _same_value(got, expected) -> bool:
    if type(got) is not type(expected):
        return False
    if isinstance(expected, (tuple, list)):
        return len(got) == len(expected) and all(map(_same_value, got, expected))
    if isinstance(expected, dict):
        return list(got) == list(expected) and all(
            _same_value(got[k], expected[k]) for k in expected
        )
    if isinstance(expected, np.ndarray):
        return (
            got.dtype == expected.dtype
            and got.shape == expected.shape
            and np.array_equal(got, expected)
        )
    return got == expected


def identity(v):
    return v


def repack(v):
    return (v, [v], {"k": v})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nested())
def test_abstract_of_value_is_the_type_of_the_compiled_result(v):
    """The typed program returns the type `abstract_of_value` gives the argument (without
    the values of numbers), and so does the compiled result, which is the argument."""
    for fn in (identity, repack):
        expected = fn(v)
        g = typed_program(fn, (v,), optimized=False)
        assert type_of(g.output) == drop_values(abstract_of_value(expected))
        got = myia.jit(fn)(v)
        assert _same_value(got, expected)
        assert abstract_of_value(got) == abstract_of_value(expected)
    assert signature_types((v,)) == (drop_values(abstract_of_value(v)),)


def _add(a, b):
    return a + b


def _mul(a, b):
    return a * b


def _neg(a):
    return -a


def _sum(a):
    return np.sum(a)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(numbers(), numbers(), st.sampled_from(["add", "mul", "neg", "sum"]))
def test_abstract_of_value_of_python_results(a, b, op):
    """The type specialization gives `a + b` (and others) is the abstract value of what
    Python computes (NumPy's promotion rules, Python or NumPy scalars), and the compiled
    code computes a value of that type."""
    fn, args = {
        "add": (_add, (a, b)),
        "mul": (_mul, (a, b)),
        "neg": (_neg, (a,)),
        "sum": (_sum, (a,)),
    }[op]
    assume(not (op == "neg" and (isinstance(a, bool) or np.asarray(a).dtype == np.bool_)))
    with np.errstate(all="ignore"):
        try:
            expected = fn(*args)
        except (TypeError, ValueError):
            return  # Python refuses (shapes that do not broadcast): not a question of types
    g = typed_program(fn, args, optimized=False)
    want = drop_values(abstract_of_value(expected))
    assert drop_values(type_of(g.output)) == want, (args, type_of(g.output), want)
    with np.errstate(all="ignore"):
        got = myia.jit(fn)(*args)
    assert drop_values(abstract_of_value(got)) == want, (args, got, expected)


def test_abstract_of_value_examples():
    assert abstract_of_value(np.float64(0.5)) == AScalar(np.float64, 0.5)
    assert abstract_of_value(np.float64(0.5)) == AScalar(float, 0.5, True)
    assert abstract_of_value(0.5) != abstract_of_value(np.float64(0.5))
    assert same_kind(abstract_of_value(0.5), abstract_of_value(np.float64(0.5)))
    assert abstract_of_value((1.5, np.zeros((2, 3)))) == ATuple(
        [AScalar(float, 1.5), AArray(np.float64, (2, 3))]
    )
    assert abstract_of_value([1, True]) == AList([AScalar(int, 1), AScalar(bool, True)])
    assert abstract_of_value({"a": None}) == ADict(("a",), [AConst(None)])
    assert abstract_of_value(1, values=False) == AScalar(int)
