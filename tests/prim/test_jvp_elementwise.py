"""Tangent rules (forward mode) of the elementwise functions (`np.maximum`, `np.minimum`,
`np.arctan2`, `np.hypot`, `np.logaddexp`, `np.clip`, `abs`, `math.fabs`, `math.erf`,
`ieee_power`, `pow_log`) and the special functions (`math.atan2`, `math.pow`,
`math.lgamma`, the polygamma functions, `scipy.special`): `myia.jvp` against central
differences and against reverse mode (the adjoint identity), on numbers, arrays and
broadcast shapes drawn by hypothesis; the conventions where the derivative is not
defined (the same as reverse mode's); second derivatives by forward over forward;
`jacfwd` against `jacrev`."""

import math

import numpy as np
import pytest
import scipy.special
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia
from myia.errors import MyiaTypeError
from myia.prim.elementwise import ieee_power, pow_log
from myia.prim.special import digamma, pentagamma, tetragamma, trigamma
from tests.ad.jvp_checks import check_jvp, fd_jvp, second_by_forward

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((3, 4))
ROW = RNG.standard_normal(4)
POS = RNG.uniform(0.5, 3.0, (3, 4))


def maximum(x, y):
    return np.maximum(x, y)


def minimum(x, y):
    return np.minimum(x, y)


def arctan2(y, x):
    return np.arctan2(y, x)


def hypot(x, y):
    return np.hypot(x, y)


def logaddexp(x, y):
    return np.logaddexp(x, y)


def clip(a, lo, hi):
    return np.clip(a, lo, hi)


def clip_below(a, lo):
    return np.clip(a, lo, None)


def clip_above(a, hi):
    return np.clip(a, None, hi)


def builtin_abs(x):
    return abs(x) * x


def fabs(x):
    return math.fabs(x) * x


def erf(x):
    return math.erf(x) * x


def power(x, y):
    return ieee_power(x, y)


def log_abs(x):
    return pow_log(x) * x


def math_atan2(y, x):
    return math.atan2(y, x)


def math_pow(x, y):
    return math.pow(x, y)


def lgamma(x):
    return math.lgamma(x)


def polygammas(x):
    return digamma(x) + trigamma(x) * x + tetragamma(x)


def gammaln(x):
    return scipy.special.gammaln(x)


def sp_digamma(x):
    return scipy.special.digamma(x)


def sp_polygamma(x):
    return scipy.special.polygamma(2, x)


# ---------------------------------------------------------------------------------------
# Against central differences and reverse mode


@pytest.mark.parametrize(
    "fn, args",
    [
        (maximum, (A, B)),
        (maximum, (0.3, -0.2)),
        (maximum, (A, ROW)),
        (minimum, (A, B)),
        (minimum, (np.float64(0.3), 1.5)),
        (arctan2, (A, B)),
        (arctan2, (0.3, -0.7)),
        (hypot, (A, ROW)),
        (hypot, (0.3, -0.7)),
        (logaddexp, (A, B)),
        (logaddexp, (0.3, 5.0)),
        (clip, (A, -0.5, 0.5)),
        (clip, (A, B - 1.0, ROW + 1.0)),
        (clip, (0.3, -0.5, 0.1)),
        (clip_below, (A, ROW)),
        (clip_above, (A, 0.2)),
        (builtin_abs, (-0.3,)),
        (builtin_abs, (A,)),
        (fabs, (-1.5,)),
        (erf, (0.4,)),
        (power, (POS, B)),
        (power, (POS, 2.5)),
        (power, (1.7, 3)),
        (log_abs, (A,)),
        (log_abs, (-2.5,)),
        (math_atan2, (0.4, -0.3)),
        (math_pow, (1.4, 2.3)),
        (lgamma, (2.3,)),
        (polygammas, (POS,)),
        (polygammas, (1.7,)),
        (gammaln, (POS,)),
        (sp_digamma, (POS,)),
        (sp_polygamma, (POS,)),
    ],
)
def test_tangents(fn, args):
    check_jvp(fn, args)


def test_only_some_inputs_have_tangents():
    """An int input, or one with a zero tangent, contributes nothing."""
    check_jvp(arctan2, (A, 2), adjoint=False)
    check_jvp(hypot, (3, B), adjoint=False)
    check_jvp(power, (POS, 3), adjoint=False)
    check_jvp(clip, (A, -1, 1))
    t = check_jvp(logaddexp, (A, B), (np.zeros_like(A), np.ones_like(B)))
    assert np.all(t > 0) and np.all(t < 1)


_SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def broadcast_pair(draw):
    """Two arrays (or a number) of shapes that broadcast together, drawn with their data."""
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=3)))
    other = tuple(n if draw(st.booleans()) else 1 for n in shape)
    other = other[draw(st.integers(0, len(other))) :]
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) if shape else float(rng.standard_normal())
    y = rng.standard_normal(other) if other else float(rng.standard_normal())
    return (x, y) if draw(st.booleans()) else (y, x)


@_SETTINGS
@given(broadcast_pair(), st.sampled_from([maximum, minimum, arctan2, hypot, logaddexp]))
def test_drawn_binary(pair, fn):
    check_jvp(fn, pair)


@_SETTINGS
@given(broadcast_pair(), st.sampled_from([clip, clip_below, clip_above]))
def test_drawn_clip(pair, fn):
    a, bound = pair
    if fn is clip:
        check_jvp(clip, (a, bound - 0.5, bound + 0.5))
    else:
        check_jvp(fn, (a, bound))


# ---------------------------------------------------------------------------------------
# Where the derivative is not defined: the conventions of reverse mode


def _reverse(fn, args):
    return myia.grad(fn, argnums=tuple(range(len(args))))(*args)


def test_ties_share_the_tangent():
    _, t = myia.jvp(maximum, (1.0, 1.0), (1.0, 3.0))
    assert t == 2.0
    _, t = myia.jvp(minimum, (np.array([1.0, 2.0]), 2.0), (np.array([4.0, 4.0]), 2.0))
    np.testing.assert_array_equal(t, [4.0, 3.0])
    assert _reverse(maximum, (1.0, 1.0)) == (0.5, 0.5)


def test_abs_is_flat_at_zero():
    assert myia.jvp(builtin_abs, (0.0,), (1.0,))[1] == 0.0
    assert myia.jvp(fabs, (0.0,), (1.0,))[1] == 0.0


def test_clip_follows_a_at_its_bounds():
    _, t = myia.jvp(clip, (np.array([-0.5, 0.5, 0.0]), -0.5, 0.5), (np.ones(3), 2.0, 3.0))
    np.testing.assert_array_equal(t, [1.0, 1.0, 1.0])
    _, t = myia.jvp(clip, (np.array([-0.7, 0.7]), -0.5, 0.5), (np.ones(2), 2.0, 3.0))
    np.testing.assert_array_equal(t, [2.0, 3.0])


def test_special_points_agree_with_reverse_mode():
    with np.errstate(all="ignore"):
        assert math.isnan(myia.jvp(arctan2, (0.0, 0.0), (1.0, 1.0))[1])
        assert all(math.isnan(d) for d in _reverse(arctan2, (0.0, 0.0)))
        assert math.isnan(myia.jvp(hypot, (0.0, 0.0), (1.0, 1.0))[1])
        assert myia.jvp(logaddexp, (-np.inf, -np.inf), (1.0, 1.0))[1] == 0.0
        assert _reverse(logaddexp, (-np.inf, -np.inf)) == (0.0, 0.0)
        assert myia.jvp(log_abs, (0.0,), (1.0,))[1] == 0.0


# ---------------------------------------------------------------------------------------
# Second derivatives, forward over forward: the rules are built from primitives with
# tangent rules


def lae_c(x):
    return np.logaddexp(x, 0.5)


def atan2_c(x):
    return np.arctan2(x, 0.7)


def hypot_c(x):
    return np.hypot(x, 0.7)


def erf_x(x):
    return math.erf(x)


def pow_c(x):
    return math.pow(x, 2.5)


def digamma_x(x):
    return digamma(x)


def pow_log_x(x):
    return pow_log(x)


@pytest.mark.parametrize(
    "fn, x, expected",
    [
        (lae_c, 0.3, math.exp(0.3 - 0.5) / (1 + math.exp(0.3 - 0.5)) ** 2),
        (atan2_c, 0.3, -2 * 0.3 * 0.7 / (0.3**2 + 0.49) ** 2),
        (hypot_c, 0.3, 0.49 / (0.3**2 + 0.49) ** 1.5),
        (erf_x, 0.4, -2 * 0.4 * 2 / math.sqrt(math.pi) * math.exp(-0.16)),
        (pow_c, 1.3, 2.5 * 1.5 * 1.3**0.5),
        (digamma_x, 1.7, float(tetragamma(1.7))),
        (pow_log_x, -1.7, -1 / 1.7**2),
    ],
)
def test_second_derivatives(fn, x, expected):
    assert second_by_forward(fn, x) == pytest.approx(expected, rel=1e-9)


def test_logaddexp_second_derivative_in_reverse_mode():
    """The weights of logaddexp's backpropagator are differentiable."""
    w = math.exp(0.3 - 0.5) / (1 + math.exp(0.3 - 0.5))
    assert myia.grad(myia.grad(lae_c))(0.3) == pytest.approx(w * (1 - w), rel=1e-12)


def trigamma_x(x):
    return trigamma(x)


def tetragamma_x(x):
    return tetragamma(x)


def test_fifth_derivative_of_lgamma_is_refused():
    """psi''' (pentagamma) has no derivative: forward mode says so by name."""
    assert second_by_forward(trigamma_x, 1.5) == pytest.approx(float(pentagamma(1.5)), rel=1e-9)
    with pytest.raises(MyiaTypeError, match="pentagamma"):
        second_by_forward(tetragamma_x, 1.5)


# ---------------------------------------------------------------------------------------
# Jacobians


def mixed(x):
    return np.maximum(x, 0.3) * np.hypot(x, 1.0) + np.logaddexp(x, -x) + np.clip(x, -0.5, 0.5)


def angles(x):
    return np.arctan2(x[:2], x[1:]) * np.minimum(x[:2], x[1:])


@pytest.mark.parametrize("fn", [mixed, angles])
def test_jacfwd_is_jacrev(fn):
    x = np.array([0.2, -0.9, 1.4])
    jf, jr = myia.jacfwd(fn)(x), myia.jacrev(fn)(x)
    np.testing.assert_allclose(jf, jr, rtol=1e-12, atol=1e-12)
    cols = [fd_jvp(fn, (x,), (e,)) for e in np.eye(3)]
    np.testing.assert_allclose(jf, np.stack(cols, axis=-1), rtol=1e-6, atol=1e-8)
