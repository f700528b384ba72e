"""Forward mode over reverse mode: `myia.jvp(myia.grad(f), (x,), (v,))` is the
Hessian-vector product H(x) v, checked against central differences of `myia.grad(f)`
along v and against closed forms, through the programs reverse mode builds (tapes of
loops, closures, recursion, branches, lists of run-time length) and the benchmark
workloads (shared/bench/peer_workloads.py, imported by path as tests/backend does);
`myia.hessian(f)` against closed forms.
"""

import math

import numpy as np
import pytest
import scipy.special

import myia
from myia.testing import check_grads
from tests.ad.jvp_checks import second_by_forward, shift
from tests.backend.test_codegen import _peer

RNG = np.random.default_rng(2)


def hvp(fn, args, tangents, argnums=0):
    """`jvp(grad(fn))`: the gradient and the Hessian-vector product."""
    return myia.jvp(myia.grad(fn, argnums=argnums), args, tangents)


def fd_hvp(fn, args, tangents, argnums=0, eps=1e-5):
    """The central difference of `myia.grad(fn)` along `tangents`."""
    g = myia.grad(fn, argnums=argnums)
    hi = g(*[shift(a, t, eps) for a, t in zip(args, tangents)])
    lo = g(*[shift(a, t, -eps) for a, t in zip(args, tangents)])
    if isinstance(hi, tuple):
        return tuple((np.asarray(h) - np.asarray(lo_)) / (2 * eps) for h, lo_ in zip(hi, lo))
    return (np.asarray(hi) - np.asarray(lo)) / (2 * eps)


def check_hvp(fn, args, tangents, expected=None, argnums=0, rtol=1e-6, atol=1e-8):
    """The gradient is `myia.grad`'s; the product agrees with central differences of the
    gradient, and with `expected` (a closed form) when given."""
    g, hv = hvp(fn, args, tangents, argnums)
    want_g = myia.grad(fn, argnums=argnums)(*args)
    fd = fd_hvp(fn, args, tangents, argnums)
    if not isinstance(fd, tuple):
        g, want_g, hv, fd = (g,), (want_g,), (hv,), (fd,)
    for got, want in zip(g, want_g):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    for got, want in zip(hv, fd):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    if expected is not None:
        np.testing.assert_allclose(hv[0], expected, rtol=1e-10, atol=1e-12)
    return hv


@pytest.fixture(scope="module")
def W():
    """The benchmark workloads (skipped where the shared file is absent)."""
    return _peer()


# ---------------------------------------------------------------------------------------
# Straight-line code, branches, closures called where they are made, recursion


def cubic_branch(x):
    if x > 0:
        return x * x * x
    return np.sin(x)


def closure_called(x):
    def g(y):
        return y * x

    return g(x) * np.sin(x)


def recursion(x, n):
    if n == 0:
        return x
    return np.sin(recursion(x, n - 1)) * x


def elementwise_mix(x):
    y = np.logaddexp(x, 0.5 * x) + np.hypot(x, 1.0) * np.maximum(x, 0.1)
    return np.sum(y * np.clip(x, -0.5, 0.5) + np.arctan2(x, np.minimum(x, 0.2) + 2.0))


def scipy_mix(x):
    return np.sum(scipy.special.gammaln(x) * scipy.special.digamma(x) * x)


def special_mix(x):
    return math.erf(x) * math.lgamma(x + 2.0) + math.atan2(x, 0.5) + abs(x) * x


def list_max(x):
    xs = [x, x * 2.0, np.sin(x)]
    return max(xs) * min(x, 0.5) + sum(xs)


def test_branches():
    check_hvp(cubic_branch, (0.7,), (1.0,), 6 * 0.7)
    check_hvp(cubic_branch, (-0.7,), (2.0,), -np.sin(-0.7) * 2.0)


def test_closure_called_where_made():
    # x**2 sin x
    x = 0.4
    want = 2 * np.sin(x) + 4 * x * np.cos(x) - x * x * np.sin(x)
    check_hvp(closure_called, (x,), (1.0,), want)


def test_recursion(W):
    check_hvp(recursion, (0.4, 3), (1.0, 0))
    check_hvp(W.rec_pow, (1.01, 20), (1.0, 0), 20 * 19 * 1.01**18)


@pytest.mark.parametrize(
    "fn, x, t",
    [
        (elementwise_mix, RNG.standard_normal(4), RNG.standard_normal(4)),
        (scipy_mix, RNG.uniform(0.5, 3.0, 4), RNG.standard_normal(4)),
        (special_mix, 0.6, 1.0),
        (special_mix, -0.6, 1.0),
        (list_max, 0.3, 1.0),
        (list_max, 0.7, -2.0),
    ],
)
def test_rules_of_this_family(fn, x, t):
    check_hvp(fn, (x,), (t,))


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def fifth_power(x):
    return power(x, 5)


def smooth_mix(x):
    return np.logaddexp(x, 0.5) * np.hypot(x, 2.0) + math.atan2(x, 1.5) * math.erf(x)


def test_third_derivatives():
    """Forward over forward over reverse: the tangent rules of the programs of jvp(grad)."""
    assert second_by_forward(myia.grad(fifth_power), 1.3) == pytest.approx(60 * 1.3**2)
    g2 = myia.grad(myia.grad(smooth_mix))
    eps = 1e-5
    fd = (g2(0.3 + eps) - g2(0.3 - eps)) / (2 * eps)
    assert second_by_forward(myia.grad(smooth_mix), 0.3) == pytest.approx(fd, rel=1e-6)


# ---------------------------------------------------------------------------------------
# Tapes and environments


def for_over_arrays(x):
    s = np.zeros(2)
    for _i in range(3):
        s = s + np.sin(x) * x
    return np.sum(s)


def while_over_floats(x, n):
    while n > 0:
        x = x * np.sin(x)
        n = n - 1
    return x


def closure_in_loop(x, n):
    def g(y):
        return np.sin(y * x)

    s = 0.0
    i = 0
    while i < n:
        s = s + g(s + 1.0)
        i = i + 1
    return s


def comprehension(x, n):
    xs = [x * np.sin(x * i) for i in range(n)]
    return sum(xs) + max(xs) * x


def appended_and_read_back(w, xs):
    # the RNN of a list: each step reads the last state appended (`hs[-1]`)
    hs = [np.zeros(2)]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(xs[t] * w + hs[-1] * w[::-1]))
    return np.sum(hs[-1] * hs[-1]) + np.sum(hs[1] * hs[-2])


def closure_chosen(x, c):
    def g(y):
        return y * x

    def h(y):
        return np.sin(y + x)

    f = g if c > 0 else h
    return f(x) * x


def test_for_loop_over_arrays():
    x = np.array([0.3, 0.5])
    v = np.array([1.0, -2.0])
    want = 3 * (2 * np.cos(x) - x * np.sin(x)) * v
    check_hvp(for_over_arrays, (x,), (v,), want)


def test_while_loop_over_floats():
    check_hvp(while_over_floats, (0.3, 3), (1.0, 0))


def test_closure_in_a_loop():
    check_hvp(closure_in_loop, (0.4, 3), (1.0, 0))


def test_list_of_run_time_length():
    check_hvp(comprehension, (0.4, 4), (1.0, 0))


@pytest.mark.parametrize("steps", [1, 2, 5])
def test_list_appended_to_and_read_back(steps):
    # The gradient adds the sensitivity of each `hs[-1]` at its index (`seq_add_at`):
    # its tangent and its own gradient are those of that addition.
    w = np.array([0.7, -0.4])
    xs = RNG.standard_normal((steps, 2))
    check_hvp(appended_and_read_back, (w, xs), (np.array([1.0, 0.5]), np.zeros((steps, 2))))
    check_grads(appended_and_read_back, (w, xs), order=2, argnums=0)
    if steps > 1:
        assert "seq_add_at" in myia.source(myia.grad(appended_and_read_back), w, xs)


@pytest.mark.parametrize("c", [1, -1])
def test_closure_chosen_at_run_time(c):
    x = 0.4
    want = 6 * x if c > 0 else 4 * np.cos(2 * x) - 4 * x * np.sin(2 * x)
    check_hvp(closure_chosen, (x, c), (1.0, 0), want)


# ---------------------------------------------------------------------------------------
# The benchmark workloads


def test_hvp_workload(W):
    """The `hvp` workload: jvp(grad(tanh_cube)) is `hand_hvp_tanh_cube`."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(1000)
    v = rng.standard_normal(1000)
    check_hvp(W.tanh_cube, (x,), (v,), W.hand_hvp_tanh_cube(x, v))


def test_mlp_workload(W):
    rng = np.random.default_rng(0)
    args = (
        rng.standard_normal((784, 256)) * 0.05,
        rng.standard_normal(256) * 0.1,
        rng.standard_normal((256, 10)) * 0.1,
        rng.standard_normal(10) * 0.1,
        rng.standard_normal((64, 784)),
        rng.standard_normal((64, 10)),
    )
    # small tangents: the central difference along a long one is not accurate enough
    tangents = tuple(rng.standard_normal(np.shape(a)) * 0.01 for a in args[:4]) + tuple(
        np.zeros_like(a) for a in args[4:]
    )
    check_hvp(W.mlp_loss, args, tangents, argnums=(0, 1, 2, 3), rtol=1e-5, atol=1e-9)


def test_scalar_poly_workload(W):
    check_hvp(W.scalar_poly, (0.7,), (1.0,))


def test_rnn_workload(W):
    rng = np.random.default_rng(0)
    T, B, I, H = 5, 4, 6, 8
    args = (
        rng.standard_normal((I, H)) * 0.2,
        rng.standard_normal((H, H)) * 0.08,
        rng.standard_normal(H) * 0.1,
        rng.standard_normal((T, B, I)),
        np.zeros((B, H)),
    )
    tangents = tuple(rng.standard_normal(np.shape(a)) for a in args[:3]) + tuple(
        np.zeros_like(a) for a in args[3:]
    )
    check_hvp(W.rnn_loss, args, tangents, argnums=(0, 1, 2))


def test_softmax_xent_workload(W):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((100, 10)) * 0.1
    X = rng.standard_normal((512, 100))
    Y = np.eye(10)[rng.integers(0, 10, 512)]
    check_hvp(W.softmax_xent, (w, X, Y), (rng.standard_normal((100, 10)), X * 0, Y * 0))


# ---------------------------------------------------------------------------------------
# Hessians


def cubes(x):
    return np.sum(x**3)


def cross(x):
    return x[0] * x[1] ** 2


def soft_max2(x):
    return np.logaddexp(x[0], x[1])


def radius(x):
    return np.hypot(x[0], x[1])


def angle(x):
    return np.arctan2(x[0], x[1])


def quartic(x):
    return x**4 - 2.0 * x


def _hessians():
    x = np.array([0.7, -1.3])
    w = 1 / (1 + np.exp(x[1] - x[0]))
    r2 = x @ x
    y0, y1 = x
    d = y0 * y0 - y1 * y1
    return x, [
        (cubes, np.diag(6 * x)),
        (cross, np.array([[0, 2 * y1], [2 * y1, 2 * y0]])),
        (soft_max2, w * (1 - w) * np.array([[1, -1], [-1, 1]])),
        (radius, np.array([[y1 * y1, -y0 * y1], [-y0 * y1, y0 * y0]]) / r2**1.5),
        (angle, np.array([[-2 * y0 * y1, d], [d, 2 * y0 * y1]]) / r2**2),
    ]


@pytest.mark.parametrize("k", range(5))
def test_hessians(k):
    x, cases = _hessians()
    fn, want = cases[k]
    np.testing.assert_allclose(myia.hessian(fn)(x), want, rtol=1e-10, atol=1e-12)


def test_hessian_of_a_float():
    assert myia.hessian(quartic)(1.5) == pytest.approx(12 * 1.5**2, rel=1e-12)
