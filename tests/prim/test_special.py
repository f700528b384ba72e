"""The `scipy.special` primitives (`gammaln`, `digamma`, `polygamma`): registration, result
types, backpropagators against central finite differences, and gradients of every order
through `myia.grad` (a Dirichlet KL divergence, as in examples/dirichlet_prior_network.py).

Skipped when SciPy is not installed.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("scipy.special")

import scipy.special  # noqa: E402
from scipy.special import digamma, gammaln, polygamma  # noqa: E402

import myia  # noqa: E402
import myia.prim.special  # noqa: E402, F401  (registers the primitives)
from myia.prim import PRIMITIVES, ZERO, lookup, primitive_for  # noqa: E402
from myia.testing import check_grads  # noqa: E402
from tests.prim.bprop_check import assert_bprop_in_subset, check_bprop  # noqa: E402

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

NAMES = ["scipy.special.gammaln", "scipy.special.digamma", "scipy.special.polygamma"]
PY_OBJECTS = {
    "scipy.special.gammaln": scipy.special.gammaln,
    "scipy.special.digamma": scipy.special.digamma,
    "scipy.special.polygamma": scipy.special.polygamma,
}

# Points away from the poles 0, -1, -2, ... of every function here.
POINTS = np.array([[0.3, 0.9, 1.7], [2.5, 6.0, -0.5]])
INPUTS = {
    "python float": 1.3,
    "numpy scalar": np.float64(4.2),
    "0-d array": np.array(0.6),
    "array": POINTS,
}


def test_every_primitive_of_the_module_is_tested_here():
    module = myia.prim.special.__name__
    assert {p.name for p in PRIMITIVES.values() if p.impl.__module__ == module} == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_reached_from_the_scipy_function(name):
    assert primitive_for(PY_OBJECTS[name]) is lookup(name)


@pytest.mark.parametrize("name", NAMES)
def test_bprop_is_in_the_subset(name):
    p = lookup(name)
    assert not p.nondiff
    assert_bprop_in_subset(p)


@pytest.mark.parametrize("x", INPUTS.values(), ids=INPUTS.keys())
def test_values_match_scipy(x):
    np.testing.assert_allclose(lookup("scipy.special.gammaln")(x), gammaln(x))
    np.testing.assert_allclose(lookup("scipy.special.digamma")(x), digamma(x))
    for n in range(4):
        np.testing.assert_allclose(lookup("scipy.special.polygamma")(n, x), polygamma(n, x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_results_keep_the_float_dtype_and_scalarness(dtype):
    for x in (np.ones(3, dtype), dtype(2.0)):
        for out in (
            lookup("scipy.special.gammaln")(x),
            lookup("scipy.special.digamma")(x),
            lookup("scipy.special.polygamma")(2, x),
        ):
            assert out.dtype == dtype
            assert isinstance(out, np.ndarray) == isinstance(x, np.ndarray)


def test_integer_inputs_give_float64():
    assert lookup("scipy.special.polygamma")(1, np.arange(1, 4)).dtype == np.float64


@pytest.mark.parametrize("x", INPUTS.values(), ids=INPUTS.keys())
@pytest.mark.parametrize("name", ["scipy.special.gammaln", "scipy.special.digamma"])
def test_unary_bprop_matches_finite_differences(name, x):
    check_bprop(lookup(name), x, rtol=1e-5)


@pytest.mark.parametrize("x", INPUTS.values(), ids=INPUTS.keys())
@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_polygamma_bprop_matches_finite_differences(n, x):
    sens = check_bprop(lookup("scipy.special.polygamma"), n, x, rtol=1e-5)
    assert sens[0] is ZERO


def test_derivatives_chain_up_the_polygamma_functions():
    x = POINTS
    (d_gammaln,) = lookup("scipy.special.gammaln").bprop(x, gammaln(x), np.ones_like(x))
    (d_digamma,) = lookup("scipy.special.digamma").bprop(x, digamma(x), np.ones_like(x))
    _, d_poly = lookup("scipy.special.polygamma").bprop(2, x, polygamma(2, x), np.ones_like(x))
    np.testing.assert_allclose(d_gammaln, digamma(x))
    np.testing.assert_allclose(d_digamma, polygamma(1, x))
    np.testing.assert_allclose(d_poly, polygamma(3, x))


def dirichlet_kl(alpha, beta):
    """KL(Dir(alpha) || Dir(beta)) along the last axis, summed over the leading ones."""
    a0 = np.sum(alpha, axis=-1)
    b0 = np.sum(beta, axis=-1)
    kl = (
        gammaln(a0)
        - np.sum(gammaln(alpha), axis=-1)
        - gammaln(b0)
        + np.sum(gammaln(beta), axis=-1)
        + np.sum((alpha - beta) * (digamma(alpha) - digamma(a0)[..., None]), axis=-1)
    )
    return np.sum(kl)


def log_beta_mean(x, n):
    return np.mean(scipy.special.polygamma(n, x) + gammaln(x * x + 1.0))


ALPHA = np.array([[2.0, 0.7, 1.5], [0.4, 3.0, 1.1]])
BETA = np.array([[1.0, 1.0, 1.0], [5.0, 1.0, 2.0]])


def test_dirichlet_kl_gradients_of_order_two():
    check_grads(dirichlet_kl, (ALPHA, BETA), order=2)


def test_polygamma_gradients_of_order_two_with_an_int_order():
    check_grads(log_beta_mean, (ALPHA, 1), order=2)


def test_dirichlet_kl_gradient_in_closed_form():
    # d KL / d alpha_i = (alpha_i - beta_i) * polygamma(1, alpha_i) - (a0 - b0) * polygamma(1, a0)
    a0 = np.sum(ALPHA, axis=-1, keepdims=True)
    b0 = np.sum(BETA, axis=-1, keepdims=True)
    expected = (ALPHA - BETA) * polygamma(1, ALPHA) - (a0 - b0) * polygamma(1, a0)
    np.testing.assert_allclose(myia.grad(dirichlet_kl)(ALPHA, BETA), expected, rtol=1e-10)


def test_third_derivative_of_gammaln():
    d3 = myia.grad(myia.grad(myia.grad(gammaln)))
    assert d3(2.5) == pytest.approx(polygamma(2, 2.5), rel=1e-12)


def test_gradient_keeps_float32():
    x = ALPHA.astype(np.float32)
    g = myia.grad(dirichlet_kl)(x, BETA.astype(np.float32))
    assert g.dtype == np.float32 and g.shape == x.shape


def test_module_imports_without_scipy():
    code = (
        "import sys; sys.modules['scipy'] = None; sys.modules['scipy.special'] = None\n"
        "import myia.prim.special\n"
        "from myia.prim import PRIMITIVES\n"
        "assert not any(n.startswith('scipy.') for n in PRIMITIVES), sorted(PRIMITIVES)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
