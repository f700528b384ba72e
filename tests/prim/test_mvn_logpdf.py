"""`scipy.stats.multivariate_normal.logpdf(x, mean, cov)` (autograd's Gaussian mixture
example): values and types against SciPy for points of shape (N, D), (D,) and (1, D),
gradients against central finite differences at first and second order on every backend
(the covariance's gradient is that of SciPy's function, which reads its lower triangle),
a closed form, and the refusal of shapes that do not fit."""

import numpy as np
import pytest

import myia
from myia.testing import check_grads

scipy_stats = pytest.importorskip("scipy.stats")
mvn = scipy_stats.multivariate_normal

R = np.random.default_rng(4)
L = R.standard_normal((3, 3))
COV = L @ L.T + 3.0 * np.eye(3)
MEAN = R.standard_normal(3)
X = R.standard_normal((5, 3))


def logpdf(x, mean, cov):
    return mvn.logpdf(x, mean, cov)


def weighted(x, mean, cov):
    return np.sum(mvn.logpdf(x, mean, cov) * np.arange(1.0, 6.0))


def one_point(x, mean, cov):
    return mvn.logpdf(x, mean, cov) ** 2


def mixture(x, means, cov_sqrt):
    lls = []
    for k in range(2):
        cov = np.dot(cov_sqrt[k].T, cov_sqrt[k]) + np.eye(3)
        lls.append(mvn.logpdf(x, means[k], cov))
    return np.sum(np.log(np.sum(np.exp(np.vstack(lls)), axis=0)))


@pytest.mark.parametrize("x", [X, X[0], X[:1]], ids=["N_D", "D", "1_D"])
def test_values_and_types_against_scipy(x):
    got, expected = myia.jit(logpdf)(x, MEAN, COV), logpdf(x, MEAN, COV)
    assert type(got) is type(expected) and np.shape(got) == np.shape(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "torch", "vm"])
def test_gradients_first_and_second_order(backend):
    check_grads(weighted, (X, MEAN, COV), order=2, backend=backend)
    check_grads(one_point, (X[1], MEAN, COV), order=2, backend=backend)


def test_gradient_of_a_mixture_loop():
    means = R.standard_normal((2, 3))
    cov_sqrt = R.standard_normal((2, 3, 3))
    check_grads(mixture, (X, means, cov_sqrt), order=1)


def test_gradient_of_the_mean_closed_form():
    g = myia.grad(lambda m: np.sum(mvn.logpdf(X, m, COV)))(MEAN)
    np.testing.assert_allclose(g, np.linalg.solve(COV, np.sum(X - MEAN, axis=0)), rtol=1e-10)


def test_shapes_that_do_not_fit_are_refused():
    with pytest.raises(myia.MyiaTypeError, match="multivariate_normal.logpdf"):
        myia.jit(logpdf)(X, MEAN, COV[0])
    with pytest.raises(myia.MyiaTypeError, match="do not fit"):
        myia.jit(logpdf)(X[:, :2], MEAN, COV)
