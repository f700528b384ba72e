"""Tests of SciPy's probability functions (myia/prim/probability.py):
`scipy.special.logsumexp`, `expit`, `logit`, `erf`, `ndtr`, `xlogy` and
`scipy.stats.norm.logpdf`, `pdf`, `cdf`: values and types against SciPy, gradients
against central finite differences at first and second order and closed forms, tangents
against finite differences and the adjoint identity."""

import numpy as np
import pytest

import myia
from myia.errors import MyiaTypeError
from myia.testing import check_grads
from tests.ad.jvp_checks import check_jvp
from tests.checks import check_jit

scipy_special = pytest.importorskip("scipy.special")
scipy_stats = pytest.importorskip("scipy.stats")
from scipy.special import expit, logsumexp, xlogy  # noqa: E402
from scipy.stats import norm  # noqa: E402

R = np.random.default_rng(3)
X = R.standard_normal((3, 4))
P = R.uniform(0.1, 0.9, (3, 4))


def lse(x):
    return logsumexp(x)


def lse_axis(x):
    return logsumexp(x, axis=1)


def lse_keepdims(x):
    return logsumexp(x, axis=0, keepdims=True)


def lse_weights(x, w):
    return logsumexp(x, axis=1, b=w)


def lse_list(x, y):
    return logsumexp([x, y])


def f_expit(x):
    return expit(x)


def f_logit(p):
    return scipy_special.logit(p)


def f_erf(x):
    return scipy_special.erf(x)


def f_erfc(x):
    return scipy_special.erfc(x)


def f_ndtr(x):
    return scipy_special.ndtr(x)


def f_xlogy(x, y):
    return xlogy(x, y)


def logpdf(x, loc, scale):
    return scipy_stats.norm.logpdf(x, loc, scale)


def logpdf_standard(x):
    return norm.logpdf(x)


def pdf(x):
    return norm.pdf(x, 0.3, 1.7)


def cdf(x, scale):
    return norm.cdf(x, loc=0.2, scale=scale)


CASES = [
    (lse, (X,)),
    (lse_axis, (X,)),
    (lse_keepdims, (X,)),
    (lse_weights, (X, P)),
    (lse_list, (0.2, -1.3)),
    (f_expit, (X,)),
    (f_expit, (0.3,)),
    (f_logit, (P,)),
    (f_erf, (X,)),
    (f_erfc, (X,)),
    (f_ndtr, (X,)),
    (f_xlogy, (P, P + 0.5)),
    (logpdf, (X, 0.5, 1.3)),
    (logpdf, (0.4, X, P + 0.5)),
    (logpdf_standard, (X,)),
    (logpdf_standard, (0.3,)),
    (pdf, (X,)),
    (cdf, (X, 1.4)),
]


def summed(fn, nargs):
    if nargs == 1:

        def one(a):
            return np.sum(np.sin(fn(a)))

        return one
    if nargs == 2:

        def two(a, b):
            return np.sum(np.sin(fn(a, b)))

        return two

    def three(a, b, c):
        return np.sum(np.sin(fn(a, b, c)))

    return three


@pytest.mark.parametrize("fn, args", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_values_gradients_tangents(fn, args):
    check_jit(fn, *args)
    np.testing.assert_allclose(myia.jit(fn, backend="vm")(*args), fn(*args), rtol=1e-12)
    check_grads(summed(fn, len(args)), args, order=2)
    check_jvp(fn, args)


def test_closed_forms():
    x = np.array([0.5, -1.0, 2.0])
    e = np.exp(x)
    np.testing.assert_allclose(myia.grad(lse)(x), e / e.sum())
    s = expit(0.7)
    assert myia.grad(f_expit)(0.7) == pytest.approx(s * (1 - s))
    assert myia.grad(f_erf)(0.4) == pytest.approx(2 / np.sqrt(np.pi) * np.exp(-0.16))
    g_loc = myia.grad(logpdf, argnums=1)(1.0, 0.5, 2.0)
    assert g_loc == pytest.approx((1.0 - 0.5) / 4.0)


def test_xlogy_at_zero():
    """`d x = log(y)` (as JAX), `d y = x / y` and 0 where x is 0, also at y = 0."""
    x = np.array([0.0, 0.0, 2.0])
    y = np.array([3.0, 0.0, 0.5])
    gx, gy = myia.grad(lambda x, y: np.sum(xlogy(x, y)), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, np.log(y))
    np.testing.assert_array_equal(gy, [0.0, 0.0, 4.0])


def test_logsumexp_of_infinities():
    for x in (np.array([-np.inf, -np.inf]), np.array([np.inf, 1.0]), np.array([-np.inf, 1.0])):
        assert myia.jit(lse)(x) == logsumexp(x)


def lse_sign(x):
    return logsumexp(x, return_sign=True)


def test_return_sign_is_refused():
    with pytest.raises(MyiaTypeError, match="return_sign"):
        myia.jit(lse_sign)(X)
