"""The elementwise NumPy primitives: registration, implementations, and backpropagators
checked against central finite differences (on hypothesis-drawn shapes, broadcasting pairs
and input kinds), dtype preservation, and the conventions at kinks and infinities.

Any RuntimeWarning (overflow, log(0), inf - inf) raised while computing a value or a
gradient fails the test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from myia.prim import ZERO, lookup, primitive_for
from tests.prim.bprop_check import assert_bprop_in_subset, check_bprop

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

FD = settings(max_examples=25, deadline=None)


def reals(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def lattice(offset):
    """Multiples of 1/4 shifted by `offset`: lattices with different offsets never meet,
    so kinks (ties, |x| at 0, clip bounds) stay at least 0.05 away, far beyond the
    finite-difference step."""
    return st.integers(-8, 8).map(lambda k: k / 4 + offset)


SMOOTH = reals(-3.0, 3.0)
NONZERO = st.one_of(reals(0.5, 3.0), reals(-3.0, -0.5))
CONDITION = st.booleans()

# Each differentiable primitive, with the domain each argument is drawn from.
UNARY = {
    "negative": SMOOTH,
    "square": SMOOTH,
    "sqrt": reals(0.1, 5.0),
    "abs": lattice(0.05),
    "exp": SMOOTH,
    "exp2": SMOOTH,
    "expm1": SMOOTH,
    "log": reals(0.1, 5.0),
    "log1p": reals(-0.5, 5.0),
    "log2": reals(0.1, 5.0),
    "sin": SMOOTH,
    "cos": SMOOTH,
    "tan": reals(-1.2, 1.2),
    "arcsin": reals(-0.9, 0.9),
    "arccos": reals(-0.9, 0.9),
    "arctan": SMOOTH,
    "sinh": SMOOTH,
    "cosh": SMOOTH,
    "tanh": SMOOTH,
    "arcsinh": SMOOTH,
    "arctanh": reals(-0.9, 0.9),
}
BINARY = {
    "add": (SMOOTH, SMOOTH),
    "subtract": (SMOOTH, SMOOTH),
    "multiply": (SMOOTH, SMOOTH),
    "divide": (SMOOTH, NONZERO),
    "power": (reals(0.2, 3.0), reals(-2.0, 2.0)),
    "arctan2": (NONZERO, NONZERO),  # off the branch cut at x1 == 0, x2 < 0
    "maximum": (lattice(0.05), lattice(0.15)),
    "minimum": (lattice(0.05), lattice(0.15)),
    "logaddexp": (reals(-5.0, 5.0), reals(-5.0, 5.0)),
}
TERNARY = {
    "clip": (lattice(0.05), lattice(0.1), lattice(0.2)),
    "where": (CONDITION, SMOOTH, SMOOTH),
}
DOMAINS = {**{k: (v,) for k, v in UNARY.items()}, **BINARY, **TERNARY}

NONDIFF = [
    "sign",
    "floor",
    "ceil",
    "round",
    "isnan",
    "isfinite",
    "logical_and",
    "logical_or",
    "logical_not",
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
]
ALL = sorted([*DOMAINS, *NONDIFF])

BROADCAST_PAIRS = [((3, 1), (4,)), ((), (2, 3)), ((2, 3), ()), ((2, 1, 3), (4, 1)), ((), ())]


def prim(name):
    return lookup(f"np.{name}")


def draw_arg(data, shape, elements):
    """An argument of `shape` with `elements`: for shape () a Python scalar, a numpy
    scalar or a 0-d array, chosen by hypothesis."""
    boolean = elements is CONDITION
    dtype = np.bool_ if boolean else np.float64
    if shape == ():
        kind = data.draw(st.sampled_from(["python", "numpy", "array"]))
        value = data.draw(elements)
        if kind == "python":
            return bool(value) if boolean else float(value)
        return dtype(value) if kind == "numpy" else np.array(value, dtype=dtype)
    return data.draw(hnp.arrays(dtype, shape, elements=elements))


def draw_args(data, name, shapes=None):
    domains = DOMAINS[name]
    if shapes is None:
        if len(domains) == 1:
            shapes = [data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))]
        else:
            shapes = data.draw(
                hnp.mutually_broadcastable_shapes(num_shapes=len(domains), max_dims=3, max_side=3)
            ).input_shapes
    return [draw_arg(data, shape, dom) for shape, dom in zip(shapes, domains)]


def assert_nondiff_args_get_zero(sens, args):
    for s, a in zip(sens, args):
        if a is None or isinstance(a, (bool, np.bool_)) or np.asarray(a).dtype.kind in "biu":
            assert s is ZERO, f"a non-float argument {a!r} got the sensitivity {s!r}"


# ---------------------------------------------------------------- registry


@pytest.mark.parametrize("name", ALL)
def test_registered_as_np_name_and_reached_from_numpy(name):
    p = prim(name)
    assert p.name == f"np.{name}"
    assert primitive_for(getattr(np, name)) is p


def test_absolute_and_abs_are_one_primitive():
    assert primitive_for(np.absolute) is primitive_for(np.abs) is lookup("np.abs")


@pytest.mark.parametrize("name", ALL)
def test_differentiable_have_bprops_in_the_subset_nondiff_have_none(name):
    p = prim(name)
    assert p.nondiff == (name in NONDIFF)
    assert (p.bprop is None) == p.nondiff
    assert_bprop_in_subset(p)


def test_explicit_parameters_bind_like_numpy():
    x = np.array([0.5, 2.0])

    def missing(name, default):
        return default

    assert prim("clip").bind([x], {"a_min": 0.0, "a_max": 1.0}, missing) == [x, 0.0, 1.0]
    assert prim("round").bind([x], {}, missing) == [x, 0]
    assert prim("round").bind([x], {"decimals": 2}, missing) == [x, 2]
    c = np.array([True, False])
    assert prim("where").bind([], {"condition": c, "x": 1.0, "y": x}, missing) == [c, 1.0, x]
    assert list(prim("power").signature.parameters) == ["x1", "x2"]
    assert list(prim("sin").signature.parameters) == ["x"]


# ---------------------------------------------------------------- implementations


@pytest.mark.parametrize("name", ALL)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_impl_is_numpy_with_broadcasting(name, data):
    if name in DOMAINS:
        args = draw_args(data, name)
    else:
        arity = prim(name).nargs if name != "round" else 1
        shapes = data.draw(
            hnp.mutually_broadcastable_shapes(num_shapes=arity, max_dims=3, max_side=3)
        ).input_shapes
        args = [draw_arg(data, s, lattice(0.0)) for s in shapes]
    expected = getattr(np, name)(*args)
    got = prim(name)(*args)
    assert np.shape(got) == np.shape(expected)
    assert np.asarray(got).dtype == np.asarray(expected).dtype
    np.testing.assert_array_equal(got, expected)


def test_round_decimals():
    np.testing.assert_array_equal(prim("round")(np.array([1.26, -0.5]), 1), [1.3, -0.5])
    assert prim("round")(2.5) == 2.0


def test_clip_accepts_none_for_a_bound():
    x = np.array([-2.0, 0.5, 3.0])
    np.testing.assert_array_equal(prim("clip")(x, None, 1.0), [-2.0, 0.5, 1.0])
    np.testing.assert_array_equal(prim("clip")(x, 0.0, None), [0.0, 0.5, 3.0])


# ---------------------------------------------------------------- gradients: finite differences


@pytest.mark.parametrize("name", sorted(DOMAINS))
@FD
@given(data=st.data())
def test_bprop_matches_finite_differences(name, data):
    args = draw_args(data, name)
    sens = check_bprop(prim(name), *args)
    assert_nondiff_args_get_zero(sens, args)


@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_bprop_undoes_broadcasting(name, shapes, data):
    args = draw_args(data, name, shapes)
    check_bprop(prim(name), *args)


@pytest.mark.parametrize(
    "shapes", [((3, 1), (4,), ()), ((), (2, 3), (3,)), ((2, 1), (), (1, 3))], ids=str
)
@pytest.mark.parametrize("name", sorted(TERNARY))
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_three_argument_bprop_undoes_broadcasting(name, shapes, data):
    args = draw_args(data, name, shapes)
    check_bprop(prim(name), *args)


@pytest.mark.parametrize("name", sorted(DOMAINS))
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_python_floats_get_python_float_sensitivities(name, data):
    domains = DOMAINS[name]
    args = [data.draw(dom) if dom is CONDITION else float(data.draw(dom)) for dom in domains]
    sens = check_bprop(prim(name), *args)
    for s, a in zip(sens, args):
        if type(a) is float:
            assert type(s) is float


def _to_float32(x):
    if isinstance(x, np.ndarray) and x.dtype == np.float64:
        return x.astype(np.float32)
    if type(x) is np.float64:
        return np.float32(x)
    return x


@pytest.mark.parametrize("name", sorted(DOMAINS))
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_float32_sensitivities_stay_float32(name, data):
    p = prim(name)
    args64 = draw_args(data, name)
    args32 = [_to_float32(a) for a in args64]
    out32 = p(*args32)
    dout = np.random.default_rng(0).standard_normal(np.shape(out32))
    dout32 = np.asarray(dout, np.asarray(out32).dtype)
    if isinstance(out32, np.generic):
        dout32 = out32.dtype.type(dout32)
    sens32 = p.bprop(*args32, out32, dout32)
    sens64 = p.bprop(*args64, p(*args64), np.asarray(dout, np.float64))
    for a32, s32, s64 in zip(args32, sens32, sens64):
        if type(a32) is float:
            assert type(s32) is float
        elif isinstance(a32, np.float32):
            assert type(s32) is np.float32
        elif isinstance(a32, np.ndarray) and a32.dtype == np.float32:
            assert np.asarray(s32).dtype == np.float32 and np.shape(s32) == a32.shape
        else:
            assert s32 is ZERO
            continue
        np.testing.assert_allclose(
            np.asarray(s32, np.float64), np.asarray(s64, np.float64), rtol=1e-3, atol=1e-3
        )


def test_int_arguments_get_zero():
    x = np.array([1.5, -2.0, 0.0])
    s = check_bprop(prim("power"), x, 2)
    assert s[1] is ZERO
    s = check_bprop(prim("add"), np.array([1, 2, 3]), x)
    assert s[0] is ZERO
    s = check_bprop(prim("multiply"), x, True)
    assert s[1] is ZERO


# ---------------------------------------------------------------- conventions


def _bprop(name, *args, dout=None):
    p = prim(name)
    out = p(*args)
    if dout is None:
        dout = np.ones_like(out) if isinstance(out, np.ndarray) else 1.0
    return p.bprop(*args, out, dout)


@pytest.mark.parametrize("name, larger", [("maximum", 1), ("minimum", 0)])
def test_maximum_minimum_ties_split_half(name, larger):
    x1 = np.array([1.0, 2.0, 3.0])
    x2 = np.array([1.0, 0.0, 5.0])
    d1, d2 = _bprop(name, x1, x2)
    np.testing.assert_array_equal(d1, [0.5, larger, 1 - larger])
    np.testing.assert_array_equal(d2, [0.5, 1 - larger, larger])
    assert _bprop(name, 2.0, 2.0) == (0.5, 0.5)
    # a tie against a broadcast scalar: the scalar collects half of each tied element
    d1, d2 = _bprop(name, np.array([1.0, 1.0, 0.0]), 1.0)
    assert d2 == 1.0 + larger


def test_abs_derivative_at_zero_is_zero():
    (d,) = _bprop("abs", np.array([-1.5, 0.0, -0.0, 2.0]))
    np.testing.assert_array_equal(d, [-1.0, 0.0, 0.0, 1.0])
    assert _bprop("abs", 0.0) == (0.0,)


def test_clip_boundary_passes_through_to_a():
    a = np.array([0.0, 0.5, 1.0, -1.0, 2.0, 3.0])
    d_a, d_lo, d_hi = _bprop("clip", a, 0.0, 1.0)
    np.testing.assert_array_equal(d_a, [1.0, 1.0, 1.0, 0.0, 0.0, 0.0])
    assert (d_lo, d_hi) == (1.0, 2.0)
    lo = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    d_a, d_lo, d_hi = _bprop("clip", a, lo, np.float64(1.0))
    np.testing.assert_array_equal(d_lo, [0.0, 0.0, 0.0, 1.0, 0.0, 0.0])
    assert d_hi == 2.0


def test_clip_with_a_bound_above_the_other_gives_everything_to_a_max():
    a = np.array([-1.0, 0.5, 2.0])
    assert np.all(prim("clip")(a, 1.0, 0.0) == 0.0)
    d_a, d_lo, d_hi = _bprop("clip", a, 1.0, 0.0)
    np.testing.assert_array_equal(d_a, [0.0, 0.0, 0.0])
    assert (d_lo, d_hi) == (0.0, 3.0)


@FD
@given(
    a=hnp.arrays(
        np.float64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=3), elements=lattice(0.05)
    ),
    bound=lattice(0.1),
    which=st.sampled_from(["min", "max", "none"]),
)
def test_clip_with_none_bound(a, bound, which):
    args = {"min": (a, bound, None), "max": (a, None, bound), "none": (a, None, None)}[which]
    sens = check_bprop(prim("clip"), *args)
    assert_nondiff_args_get_zero(sens, args)


def test_where_condition_gets_zero_and_masks_the_branches():
    c = np.array([[True], [False]])
    x = np.array([1.0, 2.0, 3.0])
    dc, dx, dy = _bprop("where", c, x, 5.0, dout=np.arange(6.0).reshape(2, 3))
    assert dc is ZERO
    np.testing.assert_array_equal(dx, [0.0, 1.0, 2.0])
    assert dy == 3.0 + 4.0 + 5.0
    assert type(dy) is float


def test_logaddexp_gradient_at_minus_infinity_is_zero():
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _bprop("logaddexp", -np.inf, -np.inf) == (0.0, 0.0)
        x1 = np.array([-np.inf, -np.inf, 0.0])
        x2 = np.array([-np.inf, 0.0, -np.inf])
        d1, d2 = _bprop("logaddexp", x1, x2)
        np.testing.assert_array_equal(d1, [0.0, 0.0, 1.0])
        np.testing.assert_array_equal(d2, [0.0, 1.0, 0.0])


def test_logaddexp_gradient_at_plus_infinity_splits_like_maximum():
    with np.errstate(all="raise"):
        d1, d2 = _bprop(
            "logaddexp", np.array([np.inf, np.inf, 1.0]), np.array([np.inf, 2.0, np.inf])
        )
    np.testing.assert_array_equal(d1, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(d2, [0.5, 0.0, 1.0])


def test_logaddexp_is_stable_for_large_inputs():
    with np.errstate(all="raise"):
        d1, d2 = _bprop("logaddexp", 1000.0, 1000.0)
        assert (d1, d2) == pytest.approx((0.5, 0.5))
        check_bprop(prim("logaddexp"), np.array([1000.0, -800.0]), np.array([999.0, -801.0]))


def test_logaddexp_nan_propagates():
    x1, x2 = np.array([np.nan]), np.array([0.0])
    with np.errstate(invalid="ignore"):  # the forward pass itself flags the NaN
        out = prim("logaddexp")(x1, x2)
    with np.errstate(all="raise"):
        d1, d2 = prim("logaddexp").bprop(x1, x2, out, np.ones(1))
    assert np.isnan(d1[0]) and np.isnan(d2[0])


@pytest.mark.parametrize("exponent", [0, 1, 2, 3, 0.0, 1.0, 2.0, 3.0])
def test_power_at_zero_base_with_integer_valued_exponent(exponent):
    x = np.array([0.0, 0.5, -1.5])
    with np.errstate(all="raise"):
        d1, d2 = _bprop("power", x, exponent)
    expected = exponent * x ** max(exponent - 1, 0) if exponent else np.zeros(3)
    np.testing.assert_allclose(d1, expected)
    if isinstance(exponent, int):
        assert d2 is ZERO
    else:
        assert np.isfinite(d2)
        # wrt the exponent: 0 at the zero base; out * log|x| at the negative base
        np.testing.assert_allclose(
            _bprop("power", x, exponent, dout=np.array([1.0, 0.0, 0.0]))[1], 0.0, atol=0
        )
        np.testing.assert_allclose(
            _bprop("power", x, exponent, dout=np.array([0.0, 0.0, 1.0]))[1],
            (-1.5) ** exponent * np.log(1.5),
        )
    check_bprop(prim("power"), x[:2], exponent, wrt=[0])


@pytest.mark.parametrize("exponent", [1.0, 2.0, 3.0, -2.0])
def test_power_gradient_wrt_exponent_at_zero_base_is_zero(exponent):
    base = np.array([0.0, 0.0])
    with np.errstate(divide="ignore"):  # 0 ** -2 == inf in the forward pass itself
        out = prim("power")(base, exponent)
    with np.errstate(divide="ignore", invalid="raise"):  # d1 is inf for exponent < 1
        d1, d2 = prim("power").bprop(base, exponent, out, np.ones(2))
    assert d2 == 0.0
    if exponent > 0:
        check_bprop(prim("power"), base, exponent)


@pytest.mark.parametrize("name", NONDIFF)
def test_nondiff_primitives_are_marked(name):
    assert prim(name).nondiff
    assert prim(name).bprop is None
