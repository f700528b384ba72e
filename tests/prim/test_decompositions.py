"""Tests of the matrix decompositions (myia/prim/decompositions.py): `cholesky`, `eigh`,
`slogdet`, `qr`, `svd`, `pinv`, and `det` through its cofactor matrix (singular
matrices included): values against NumPy, gradients against central finite differences
at first and second order, tangents against finite differences and the adjoint identity,
stacks of matrices, and the refusals."""

import numpy as np
import pytest

import myia
from myia.errors import MyiaShapeError, MyiaTypeError
from myia.testing import check_grads
from tests.ad.jvp_checks import check_jvp
from tests.checks import check_jit

R = np.random.default_rng(7)


W = R.standard_normal((4, 4))  # weights of the entries of eigenvectors and singular vectors


def weighted(x):
    """`sum(W * x)` over the last two axes' entries of `x`."""
    return np.sum(W[: x.shape[-2], : x.shape[-1]] * x)


def arr(*shape):
    return R.standard_normal(shape)


def spd(n, *batch):
    x = arr(*batch, n, n)
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


def cofactors(a):
    """The cofactor matrix by its definition (signed minors)."""
    n = a.shape[0]
    out = np.zeros_like(a)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(a, i, 0), j, 1)
            out[i, j] = (-1) ** (i + j) * np.linalg.det(minor)
    return out


# Functions: sums of smooth functions of every output, even in the eigenvectors and
# singular vectors (defined up to sign), and not constant over their unit norms ---------------------


def f_cholesky(a):
    return np.linalg.cholesky(a)


def s_cholesky(a):
    return np.sum(np.sin(np.linalg.cholesky(a)))


def f_eigh(a):
    w, v = np.linalg.eigh(a)
    return w, v


def s_eigh(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w * w) + weighted(np.cos(v))


def s_eigh_upper(a):
    w, v = np.linalg.eigh(a, UPLO="U")
    return np.sum(np.sin(w)) + weighted(v**2)


def s_eigvals(a):
    return np.sum(np.linalg.eigh(a)[0] ** 3)


def f_slogdet(a):
    return np.linalg.slogdet(a)


def s_slogdet(a):
    sign, logdet = np.linalg.slogdet(a)
    return np.sum(sign * logdet)


def f_qr(a):
    q, r = np.linalg.qr(a)
    return q, r


def s_qr(a):
    q, r = np.linalg.qr(a)
    return np.sum(np.sin(q)) + np.sum(r * r)


def s_qr_r(a):
    return np.sum(np.linalg.qr(a)[1] ** 2)


def f_svd(a):
    return np.linalg.svd(a, full_matrices=False)


def s_svd(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return weighted(u**2) + np.sum(np.sin(s)) + weighted(np.cos(vh))


def s_svd_u(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return weighted(u**2)


def s_singular_values(a):
    return np.sum(np.linalg.svd(a, compute_uv=False) ** 3)


def f_pinv(a):
    return np.linalg.pinv(a)


def s_pinv(a):
    return np.sum(np.sin(np.linalg.pinv(a)))


def f_det(a):
    return np.linalg.det(a)


def s_det(a):
    return np.sum(np.linalg.det(a))


def s_det_square(a):
    return np.linalg.det(a) ** 2


def s_svd_full(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(u**2)


def eigenvalues_field(a):
    return np.linalg.eigh(a).eigenvalues


def scaled_pinv(a, s):
    return np.sum(np.abs(np.linalg.pinv(a * s)))


def f_qr_complete(a):
    return np.linalg.qr(a, mode="complete")


# Values ------------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [(), (2,)])
def test_values(batch):
    a = spd(3, *batch)
    check_jit(f_cholesky, a)
    for fn in (f_eigh, f_slogdet, f_qr, f_svd):
        for backend in ("numpy", "vm"):
            for got, want in zip(myia.jit(fn, backend=backend)(a), fn(a)):
                assert type(got) is type(want)
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    check_jit(f_pinv, arr(*batch, 3, 2))
    check_jit(f_det, a)
    wide = arr(*batch, 2, 3)
    for backend in ("numpy", "vm"):
        got = myia.jit(s_singular_values, backend=backend)(wide)
        np.testing.assert_allclose(got, s_singular_values(wide), rtol=1e-12)


# Gradients and tangents ----------------------------------------------------------------

SQUARE = [s_cholesky, s_eigh, s_eigh_upper, s_eigvals, s_slogdet, s_det]
CASES = [
    *[(fn, lambda batch: spd(3, *batch)) for fn in SQUARE],
    (s_slogdet, lambda batch: arr(*batch, 3, 3)),
    (s_qr, lambda batch: arr(*batch, 4, 3)),
    (s_qr, lambda batch: arr(*batch, 3, 3)),
    (s_qr_r, lambda batch: arr(*batch, 3, 2)),
    (s_svd, lambda batch: arr(*batch, 4, 3)),
    (s_svd, lambda batch: arr(*batch, 2, 3)),
    (s_svd, lambda batch: arr(*batch, 3, 3)),
    (s_svd_u, lambda batch: arr(*batch, 3, 2)),
    (s_singular_values, lambda batch: arr(*batch, 3, 2)),
    (s_pinv, lambda batch: arr(*batch, 3, 2)),
    (s_pinv, lambda batch: arr(*batch, 2, 3)),
]


@pytest.mark.parametrize("fn, make", CASES)
@pytest.mark.parametrize("batch", [(), (2,)])
def test_gradients_and_tangents(fn, make, batch):
    a = make(batch)
    check_grads(fn, (a,), order=2)
    check_jvp(fn, (a,))


def test_triangle_conventions():
    """`cholesky` and `eigh` read one triangle: the gradient is that of NumPy's function,
    so finite differences along any direction (not only symmetric ones) agree, and the
    other triangle has gradient 0."""
    a = spd(3)
    g = myia.grad(s_cholesky)(a)
    assert np.all(np.triu(g, 1) == 0.0)
    g = myia.grad(s_eigh_upper)(a)
    assert np.all(np.tril(g, -1) == 0.0)
    x = arr(3, 3)

    def through_product(x):
        return s_eigh(x @ x.T)

    check_grads(through_product, (x,), order=2)


# det at singular matrices --------------------------------------------------------------


@pytest.mark.parametrize("rank", [0, 1, 2, 3])
def test_det_gradient_is_the_cofactor_matrix(rank):
    a = arr(3, rank) @ arr(rank, 3)
    g = myia.grad(f_det)(a)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, cofactors(a), rtol=1e-9, atol=1e-12)
    check_grads(s_det_square, (a,), order=2)
    check_jvp(f_det, (a,))


def test_det_second_order_at_singular_and_orthogonal_matrices():
    """The second derivative of det (the derivative of the cofactor matrix) needs no
    inverse and no distinct singular values: at a singular matrix, the identity and a
    rotation."""
    c, s = np.cos(0.3), np.sin(0.3)
    rotation = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    for a in (arr(3, 2) @ arr(2, 3), np.eye(3), rotation):
        check_grads(f_det, (a,), order=2)


def test_third_order_of_det_is_refused():
    a = spd(2)

    def h(x):
        return np.sum(myia.grad(f_det)(x) * x)

    def k(x):
        return np.sum(myia.grad(h)(x) * x)

    with pytest.raises(MyiaTypeError, match="cofactor_pairs"):
        myia.grad(k)(a)


def test_float32():
    a = spd(3).astype(np.float32)
    for fn in (s_cholesky, s_eigh, s_det, s_pinv, s_svd):
        g = myia.grad(fn)(a)
        assert g.dtype == np.float32
        check_grads(fn, (a,))


# Refusals ------------------------------------------------------------------------------


def test_refusals():
    with pytest.raises(MyiaTypeError, match="wide matrix"):
        myia.grad(s_qr)(arr(2, 3))
    with pytest.raises(MyiaTypeError, match="full_matrices=False"):
        myia.grad(s_svd_full)(arr(3, 2))
    with pytest.raises(MyiaTypeError, match="mode='reduced'"):
        myia.jit(f_qr_complete)(arr(3, 2))
    with pytest.raises(MyiaShapeError, match="square"):
        myia.jit(f_cholesky)(arr(2, 3))
    complex_a = arr(3, 2) * (1 + 1j)
    assert myia.jit(scaled_pinv)(complex_a, 0.5) == pytest.approx(scaled_pinv(complex_a, 0.5))
    with pytest.raises(MyiaTypeError, match="complex matrices"):
        myia.grad(scaled_pinv, argnums=1)(complex_a, 0.5)
    a = spd(2)
    np.testing.assert_allclose(myia.jit(eigenvalues_field)(a), np.linalg.eigh(a).eigenvalues)
