"""Tests of `np.linalg.eig` and `np.linalg.eigvals` (myia/prim/eig.py): the values NumPy
computes, always complex (as JAX's), for real, integer, float32 and complex matrices and
stacks of them, on the NumPy backend and the reference evaluator, under `vmap`; their
derivatives are refused in reverse and forward mode, pointing to `np.linalg.eigh`."""

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import myia
from myia.errors import MyiaTypeError


def eig_of(a):
    return np.linalg.eig(a)


def eig_fields(a):
    r = np.linalg.eig(a)
    return r.eigenvalues * 2.0, r.eigenvectors[..., 0, :]


def eigvals_of(a):
    return np.linalg.eigvals(a)


def spectral_radius(a):
    w, v = np.linalg.eig(a)
    return np.max(np.abs(w)) + 0.0 * np.sum(np.abs(v))


def _complex(dtype):
    return np.result_type(dtype, np.complex64)


def assert_eig_matches_numpy(got, a):
    w, v = np.linalg.eig(a)
    c = _complex(w.dtype)
    assert type(got).__name__ == "EigResult"
    assert got.eigenvalues.dtype == got.eigenvectors.dtype == c
    tol = 1e-5 if c == np.complex64 else 1e-12
    np.testing.assert_allclose(got.eigenvalues, w.astype(c), rtol=tol, atol=tol)
    np.testing.assert_allclose(got.eigenvectors, v.astype(c), rtol=tol, atol=tol)
    # And they are eigenpairs of `a`.
    av = np.matmul(a.astype(c), got.eigenvectors)
    np.testing.assert_allclose(av, got.eigenvectors * got.eigenvalues[..., None, :], atol=1e-4)


ROTATION = np.array([[0.0, -1.0], [1.0, 0.0]])  # eigenvalues +-i
MATRICES = [
    np.array([[2.0, 1.0], [1.0, 3.0]]),  # real eigenvalues: NumPy's are float64
    ROTATION,
    np.array([[1, 2], [3, 4]]),
    ROTATION.astype(np.float32),
    ROTATION * (1.0 + 0.5j),
    np.random.default_rng(3).standard_normal((3, 4, 4)),
]


@pytest.mark.parametrize(
    "a", MATRICES, ids=["real", "rotation", "int", "float32", "complex", "stack"]
)
@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_eig_gives_numpys_values_as_complex(a, backend):
    assert_eig_matches_numpy(myia.jit(eig_of, backend=backend)(a), a)
    w = myia.jit(eigvals_of, backend=backend)(a)
    assert w.dtype == _complex(a.dtype) and w.shape == a.shape[:-1]
    np.testing.assert_allclose(w, np.linalg.eigvals(a), rtol=1e-5, atol=1e-6)
    vals, row = myia.jit(eig_fields, backend=backend)(a)
    exp_vals, exp_row = eig_fields(a)
    np.testing.assert_allclose(vals, exp_vals, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(row, exp_row, rtol=1e-5, atol=1e-6)


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 5), st.integers(0, 2**31))
def test_eig_of_random_matrices(n, seed):
    a = np.random.default_rng(seed).standard_normal((n, n))
    assert_eig_matches_numpy(myia.jit(eig_of)(a), a)
    assert myia.jit(spectral_radius)(a) == pytest.approx(spectral_radius(a), rel=1e-12)


def test_vmap_of_eigvals():
    batch = np.random.default_rng(5).standard_normal((4, 3, 3))
    got = myia.vmap(eigvals_of)(batch)
    np.testing.assert_allclose(got, np.stack([np.linalg.eigvals(m) for m in batch]), rtol=1e-12)


def test_eig_of_a_vector_is_refused():
    with pytest.raises(myia.MyiaShapeError, match="at least two-dimensional"):
        myia.jit(eig_of)(np.ones(3))


def eigvals_scaled(x):
    return np.sum(np.abs(np.linalg.eigvals(ROTATION * x)))  # LINE eigvals_scaled


def _line(fn) -> str:
    lines, first = inspect.getsourcelines(fn)
    k = next(i for i, text in enumerate(lines) if "# LINE" in text)
    return f"{inspect.getsourcefile(fn)}:{first + k}"


@pytest.mark.parametrize(
    "transform",
    [
        lambda: myia.grad(spectral_radius)(np.array([[2.0, 1.0], [0.5, 3.0]])),
        lambda: myia.grad(eigvals_scaled)(1.5),  # one float: forward mode
        lambda: myia.jvp(eigvals_scaled, (1.5,), (1.0,)),
    ],
    ids=["grad", "grad-forward", "jvp"],
)
def test_derivatives_of_eig_are_refused_pointing_to_eigh(transform):
    with pytest.raises(MyiaTypeError, match="use np.linalg.eigh") as info:
        transform()
    assert "the derivative of np.linalg.eig" in str(info.value)
    assert "test_eig.py:" in str(info.value)


def test_the_refusal_names_the_line():
    with pytest.raises(MyiaTypeError) as info:
        myia.grad(eigvals_scaled)(1.5)
    assert _line(eigvals_scaled) in str(info.value)


def test_a_gradient_that_does_not_go_through_eig_is_computed():
    def f(a, x):
        return np.max(np.abs(np.linalg.eigvals(a))) * 0.0 + x * x

    assert myia.grad(f, argnums=1)(np.eye(2), 1.5) == 3.0


def test_eig_on_torch_is_refused_by_name():
    pytest.importorskip("torch")
    with pytest.raises(myia.MyiaError, match="cannot run `eigvals`"):
        myia.jit(eigvals_of, backend="torch")(MATRICES[0])
