"""The matrix decompositions of `np.linalg`: `cholesky`, `eigh`, `slogdet`, `qr` (reduced),
`svd` (reduced; `compute_uv=False` too), `pinv`, and `cofactor`, the cofactor matrix
(the gradient of `np.linalg.det`, finite at singular matrices). Stacks of matrices work
wherever NumPy takes them.

Gradient conventions (docs/numerics.md):

- `cholesky` and `eigh` read one triangle of their input (the lower one; the upper one
  for `eigh(a, UPLO="U")`), as NumPy does: the gradient is that of the function NumPy
  computes, held in that triangle (an off-diagonal entry counts for both places of the
  symmetric matrix it stands for). For a symmetric input built from a matrix
  (`a = x @ x.T`), the chain rule gives the same gradient of `x` as the symmetric
  convention of JAX. `eigh` needs distinct eigenvalues, `svd` distinct non-zero singular
  values (as in autograd and JAX).
- `qr` differentiates for `M >= N` (J. Townsend's rule, as JAX); `svd` and `eigh` as
  autograd; `pinv` by the formula of Golub and Pereyra, for a full-rank matrix; the sign
  of `slogdet` has no gradient, its log-determinant has `inv(a)^T`.
- `cofactor(a)` is computed from the SVD `a = U diag(s) Vh`: `det(U) det(Vh) U diag(p)
  Vh`, `p_i` the product of the singular values but the i-th, so it is exact at rank n-1
  and below; its derivative (the second derivative of `det`) is the derivative of the
  cofactor at `diag(s)` carried back, which needs no inverse either.
"""

from __future__ import annotations

import functools

import numpy as np

from myia.errors import MyiaShapeError, MyiaTypeError
from myia.infer.abstract import AArray, ARecord, ATuple, AZero
from myia.infer.build import type_of
from myia.prim import arith as O
from myia.prim.arrays import expand_dims
from myia.prim.constructors import eye
from myia.prim.emitting import template
from myia.prim.jvp import tangent_sum
from myia.prim.linalg import _array, _emit_call, _result, _swap, matmul
from myia.prim.np_linalg import _linalg_dtype, _square, det, inv, solve
from myia.prim.reductions import sum_
from myia.prim.registry import primitive
from myia.prim.sens import unbroadcast, zeros_of
from myia.prim.shapes import tril, triu
from myia.prim.structures import getitem, make_tuple

# ---------------------------------------------------------------------------------------
# Helpers of the rules


def _mm(b, *xs):
    """The matrix product of `xs`, left to right."""
    acc = xs[0]
    for x in xs[1:]:
        acc = b.apply(matmul, acc, x)
    return acc


def _col(b, v):
    """A vector (or stack of vectors) `v` as a column: `v[..., :, None]`."""
    return b.apply(expand_dims, v, -1)


def _row(b, v):
    """A vector (or stack of vectors) `v` as a row: `v[..., None, :]`."""
    return b.apply(expand_dims, v, -2)


def _identity(b, n: int, dtype):
    return b.apply(eye, n, None, 0, dtype)


def _diag_part(b, x):
    """`x` with its off-diagonal entries zeroed (the last two axes)."""
    return b.apply(triu, b.apply(tril, x, 0), 0)


def _parts(b, d, n: int) -> list:
    """The sensitivity `d` of a tuple of `n` values as its items (None where absent)."""
    dt = type_of(d)
    if dt is AZero:
        return [None] * n
    built = d.is_apply(make_tuple)
    return [
        None if t is AZero else (d.inputs[1 + i] if built else b.apply(getitem, d, i))
        for i, t in enumerate(dt.items)
    ]


def _named(fn, items) -> ATuple:
    """The type of the result of the decomposition `fn` with the arrays `items`: a record
    of NumPy's result class (`EighResult(eigenvalues, eigenvectors)`, ...), whose fields
    compiled code reads as `np.linalg.eigh(a).eigenvalues`; a tuple where this NumPy
    returns plain tuples.

    Example:
        >>> _named(np.linalg.qr, [AArray(np.float64, (2, 2))] * 2).names
        ('Q', 'R')
    """
    cls = _result_class(fn)
    if cls is tuple:
        return ATuple(items)
    return ARecord(cls, cls._fields, items)


@functools.cache
def _result_class(fn) -> type:
    """The class of what the NumPy decomposition `fn` returns (NumPy's namedtuples from
    2.0 on), from a call on the 1x1 identity."""
    return type(fn(np.eye(1)))


def _outs(b, out, n: int) -> list:
    return [b.apply(getitem, out, i) for i in range(n)]


def _off_diagonal_inverse(b, diffs, n: int, dtype):
    """`1 / diffs` off the diagonal, 0 on it (the diagonal of `diffs` is 0)."""
    i = _identity(b, n, dtype)
    return b.apply(O.truediv, b.apply(O.sub, 1.0, i), b.apply(O.add, diffs, i))


def _triangle(lower: bool, k: int):
    """(primitive, offset) keeping the lower triangle from diagonal `k` (`tril(x, k)`),
    or its mirror, the upper one (`triu(x, -k)`)."""
    return (tril, k) if lower else (triu, -k)


def _symmetric_tangent(b, t, lower: bool):
    """The tangent of the symmetric matrix a function reading one triangle of its input
    sees: that triangle, mirrored."""
    tri, _ = _triangle(lower, 0)
    strict, k = _triangle(lower, -1)
    return b.apply(O.add, b.apply(tri, t, 0), _swap(b, b.apply(strict, t, k)))


def _triangle_sens(b, g, lower: bool):
    """The sensitivity of an input read through one triangle, from `g`, that of the
    symmetric matrix it stands for: `g + g^T` off the diagonal, `g` on it."""
    strict, k = _triangle(lower, -1)
    return b.apply(O.add, b.apply(strict, b.apply(O.add, g, _swap(b, g)), k), _diag_part(b, g))


def _size(t, axis: int, what: str) -> int:
    n = t.shape[axis]
    if n is None:
        raise MyiaShapeError(f"the gradient of {what} needs the matrix sizes known when compiling")
    return n


# ---------------------------------------------------------------------------------------
# cholesky


@primitive("cholesky", py=[np.linalg.cholesky], fresh=True)
def cholesky(a):
    """`np.linalg.cholesky(a)`: the lower factor `L` of `a = L L^T` (stacks too), read
    from the lower triangle of `a`.

    Example:
        >>> cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]))
        array([[2., 0.],
               [1., 2.]])
    """
    return np.linalg.cholesky(a)


@cholesky.definfer
def _infer_cholesky(a):
    return AArray(_linalg_dtype(a), _square(a, "np.linalg.cholesky").shape)


def _phi(b, x):
    """The lower triangle of `x` with its diagonal halved."""
    return b.apply(O.sub, b.apply(tril, x, 0), b.apply(O.mul, 0.5, _diag_part(b, x)))


@cholesky.defvjp
def _vjp_cholesky(r):
    """I. Murray's rule: `S = L^-T phi(L^T g) L^-1`, symmetrized."""
    b = r.b
    low = r.out()
    lt = _swap(b, low)
    p = _phi(b, _mm(b, lt, r.dout))
    s = b.apply(solve, lt, _swap(b, b.apply(solve, lt, _swap(b, p))))
    g = b.apply(O.mul, 0.5, b.apply(O.add, s, _swap(b, s)))
    return [_triangle_sens(b, g, True)]


@cholesky.defjvp
def _jvp_cholesky(r):
    """`L phi(L^-1 t L^-T)` for the symmetric tangent `t`."""
    b = r.b
    low = r.out()
    t = _symmetric_tangent(b, r.t(0), True)
    inner = b.apply(solve, low, _swap(b, b.apply(solve, low, _swap(b, t))))
    return _mm(b, low, _phi(b, inner))


cholesky.defemit(template("np.linalg.cholesky({0})"))


# ---------------------------------------------------------------------------------------
# eigh


@primitive("eigh", py=[np.linalg.eigh], fresh=True)
def eigh(a, UPLO="L"):
    """`np.linalg.eigh(a, UPLO)`: the eigenvalues `w` (ascending) and eigenvectors `v`
    (columns) of the symmetric matrix given by one triangle of `a` (stacks too).

    Example:
        >>> w, v = eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
        >>> w
        array([1., 3.])
    """
    return np.linalg.eigh(a, UPLO)


def _uplo(t) -> bool:
    """Whether `eigh` reads the lower triangle."""
    from myia.prim.typing import const_value

    v = const_value(t, "the UPLO of np.linalg.eigh")
    if v not in ("L", "U", "l", "u"):
        raise MyiaTypeError(f"np.linalg.eigh: UPLO must be 'L' or 'U', not {v!r}")
    return v in ("L", "l")


@eigh.definfer
def _infer_eigh(a, uplo):
    _uplo(uplo)
    shape = _square(a, "np.linalg.eigh").shape
    dt = _linalg_dtype(a)
    return _named(np.linalg.eigh, [AArray(dt, shape[:-1]), AArray(dt, shape)])


def _eigh_f(b, w, n, dtype):
    """`F[i, j] = 1 / (w_j - w_i)` off the diagonal, 0 on it."""
    return _off_diagonal_inverse(b, b.apply(O.sub, _row(b, w), _col(b, w)), n, dtype)


@eigh.defvjp
def _vjp_eigh(r):
    """`v (diag(gw) + F * (v^T gv)) v^T`, held in the triangle `eigh` reads."""
    b = r.b
    ta = r.types[0]
    w, v = _outs(b, r.out(), 2)
    gw, gv = _parts(b, r.dout, 2)
    vt = _swap(b, v)
    parts = []
    if gw is not None:
        parts.append(_mm(b, b.apply(O.mul, v, _row(b, gw)), vt))
    if gv is not None:
        f = _eigh_f(b, w, _size(ta, -1, "np.linalg.eigh"), ta.dtype.type)
        parts.append(_mm(b, v, b.apply(O.mul, f, _mm(b, vt, gv)), vt))
    g = tangent_sum(b, parts)
    return [None if g is None else _triangle_sens(b, g, _uplo(r.types[1])), None]


@eigh.defjvp
def _jvp_eigh(r):
    """`dw = diag(v^T t v)`, `dv = v (F * (v^T t v))` for the symmetric tangent `t`."""
    b = r.b
    ta = r.types[0]
    w, v = _outs(b, r.out(), 2)
    t = _symmetric_tangent(b, r.t(0), _uplo(r.types[1]))
    tv = _mm(b, t, v)
    dw = b.apply(sum_, b.apply(O.mul, v, tv), -2, None, False)
    f = _eigh_f(b, w, _size(ta, -1, "np.linalg.eigh"), ta.dtype.type)
    dv = _mm(b, v, b.apply(O.mul, f, _mm(b, _swap(b, v), tv)))
    return b.apply(make_tuple, dw, dv)


eigh.defemit(_emit_call("np.linalg.eigh", ("UPLO",), ("L",)))


# ---------------------------------------------------------------------------------------
# slogdet


@primitive("slogdet", py=[np.linalg.slogdet], fresh=True)
def slogdet(a):
    """`np.linalg.slogdet(a)`: the sign and the log of the absolute value of the
    determinant (stacks too); the log has gradient `inv(a)^T`, the sign none.

    Example:
        >>> sign, logdet = slogdet(np.array([[0.0, 2.0], [1.0, 0.0]]))
        >>> float(sign), round(float(logdet), 6)
        (-1.0, 0.693147)
    """
    return np.linalg.slogdet(a)


@slogdet.definfer
def _infer_slogdet(a):
    batch = _square(a, "np.linalg.slogdet").shape[:-2]
    dt = _linalg_dtype(a)
    return _named(np.linalg.slogdet, [_result(dt, batch), _result(dt, batch)])


def _batch_col(b, x, t):
    """A value per matrix of the stack `t`, broadcastable against the matrices."""
    return b.apply(expand_dims, x, (-2, -1)) if t.ndim > 2 else x


@slogdet.defvjp
def _vjp_slogdet(r):
    b = r.b
    _, g = _parts(b, r.dout, 2)
    if g is None:
        return [None]
    d = b.apply(O.mul, _batch_col(b, g, r.types[0]), _swap(b, b.apply(inv, r.x(0))))
    return [unbroadcast(b, d, r.types[0])]


@slogdet.defjvp
def _jvp_slogdet(r):
    b = r.b
    sign, _ = _outs(b, r.out(), 2)
    g = b.apply(O.mul, r.t(0), _swap(b, b.apply(inv, r.x(0))))
    dl = b.apply(sum_, g, (-2, -1), None, False)
    return b.apply(make_tuple, zeros_of(b, type_of(sign), sign), dl)


slogdet.defemit(template("np.linalg.slogdet({0})"))


# ---------------------------------------------------------------------------------------
# qr


@primitive("qr", py=[np.linalg.qr], fresh=True)
def qr(a, mode="reduced"):
    """`np.linalg.qr(a)` (reduced mode): `Q` (M, K) with orthonormal columns and `R`
    (K, N) upper triangular, K = min(M, N) (stacks too); gradients for M >= N.

    Example:
        >>> q, r = qr(np.array([[3.0, 1.0], [4.0, 2.0]]))
        >>> np.allclose(q @ r, [[3.0, 1.0], [4.0, 2.0]])
        True
    """
    return np.linalg.qr(a, mode)


@qr.definfer
def _infer_qr(a, mode):
    from myia.prim.typing import const_value

    if const_value(mode, "the mode of np.linalg.qr") != "reduced":
        raise MyiaTypeError("np.linalg.qr: only mode='reduced' is supported")
    t = _array(a, "np.linalg.qr")
    if t.ndim < 2:
        raise MyiaShapeError(
            f"np.linalg.qr: {t.ndim}-dimensional array given. Array must be at least "
            "two-dimensional"
        )
    *batch, m, n = t.shape
    k = None if m is None or n is None else min(m, n)
    dt = _linalg_dtype(a)
    return _named(np.linalg.qr, [AArray(dt, (*batch, m, k)), AArray(dt, (*batch, k, n))])


def _qr_wide(r):
    t = r.types[0]
    m, n = _size(t, -2, "np.linalg.qr"), _size(t, -1, "np.linalg.qr")
    if m < n:
        raise MyiaTypeError(
            f"the gradient of np.linalg.qr of a wide matrix ({m} x {n}, fewer rows than "
            "columns) is not defined by the reduced factors; differentiate the QR "
            "factors of its transpose or of a square part",
            r.node.loc,
        )


def _right_solve(b, x, a):
    """`x a^-1`."""
    return _swap(b, b.apply(solve, _swap(b, a), _swap(b, x)))


@qr.defvjp
def _vjp_qr(r):
    """The transpose of the tangent rule: `gA = (gq + q gB) R^-T`, `gB = tril(gD - gD^T,
    -1) - gD`, `gD = q^T gq - gr R^T`."""
    _qr_wide(r)
    b = r.b
    q, rr = _outs(b, r.out(), 2)
    gq, gr = _parts(b, r.dout, 2)
    if gq is None and gr is None:
        return [None, None]
    gd = tangent_sum(
        b,
        [
            None if gq is None else _mm(b, _swap(b, q), gq),
            None if gr is None else b.apply(O.neg, _mm(b, gr, _swap(b, rr))),
        ],
    )
    gb = b.apply(O.sub, b.apply(tril, b.apply(O.sub, gd, _swap(b, gd)), -1), gd)
    ga = tangent_sum(b, [gq, _mm(b, q, gb)])
    return [_swap(b, b.apply(solve, rr, _swap(b, ga))), None]  # gA R^-T


@qr.defjvp
def _jvp_qr(r):
    """J. Townsend's rule (as JAX): `A = t R^-1`, `B = q^T A`, `D = tril(B, -1) -
    tril(B, -1)^T`, `dq = q (D - B) + A`, `dR = (B - D) R`."""
    _qr_wide(r)
    b = r.b
    q, rr = _outs(b, r.out(), 2)
    a = _right_solve(b, r.t(0), rr)
    bb = _mm(b, _swap(b, q), a)
    lo = b.apply(tril, bb, -1)
    d = b.apply(O.sub, lo, _swap(b, lo))
    dq = b.apply(O.add, _mm(b, q, b.apply(O.sub, d, bb)), a)
    dr = _mm(b, b.apply(O.sub, bb, d), rr)
    return b.apply(make_tuple, dq, dr)


qr.defemit(_emit_call("np.linalg.qr", ("mode",), ("reduced",)))


# ---------------------------------------------------------------------------------------
# svd


@primitive("svd", py=[np.linalg.svd], fresh=True)
def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """`np.linalg.svd(a, full_matrices, compute_uv)`: `U`, `s` (descending) and `Vh`, or
    `s` alone (stacks too); gradients with `full_matrices=False` (or a square matrix), or
    `compute_uv=False`.

    Example:
        >>> s = svd(np.array([[3.0, 0.0], [0.0, -2.0]]), False, False)
        >>> s
        array([3., 2.])
    """
    return np.linalg.svd(a, full_matrices, compute_uv, hermitian)


def _svd_form(a, full, uv, herm):
    """(array type, M, N, K, full_matrices, compute_uv)."""
    from myia.prim.typing import const_value

    if const_value(herm, "the hermitian argument of np.linalg.svd"):
        raise MyiaTypeError("np.linalg.svd: hermitian=True is not supported; use eigh")
    t = _array(a, "np.linalg.svd")
    if t.ndim < 2:
        raise MyiaShapeError(
            f"np.linalg.svd: {t.ndim}-dimensional array given. Array must be at least "
            "two-dimensional"
        )
    m, n = t.shape[-2:]
    k = None if m is None or n is None else min(m, n)
    full = bool(const_value(full, "the full_matrices argument of np.linalg.svd"))
    uv = bool(const_value(uv, "the compute_uv argument of np.linalg.svd"))
    return t, m, n, k, full, uv


@svd.definfer
def _infer_svd(a, full, uv, herm):
    t, m, n, k, full, uv = _svd_form(a, full, uv, herm)
    dt = _linalg_dtype(a)
    batch = t.shape[:-2]
    s = AArray(dt, (*batch, k))
    if not uv:
        return s
    cols, rows = (m, n) if full else (k, k)
    return _named(np.linalg.svd, [AArray(dt, (*batch, m, cols)), s, AArray(dt, (*batch, rows, n))])


def _svd_plan(r):
    """(U, s, Vh, M, N, K, compute_uv) of a differentiable application of `svd`."""
    t, m, n, k, full, uv = _svd_form(*r.types)
    b = r.b
    m, n = _size(t, -2, "np.linalg.svd"), _size(t, -1, "np.linalg.svd")
    if uv and full and m != n:
        raise MyiaTypeError(
            "the gradient of np.linalg.svd with full_matrices=True of a non-square matrix "
            "is not defined; pass full_matrices=False",
            r.node.loc,
        )
    usv = r.out() if uv else b.apply(svd, r.x(0), False, True, False)
    u, s, vh = _outs(b, usv, 3)
    return u, s, vh, m, n, min(m, n), uv


def _svd_f(b, s, k, dtype):
    """`F[i, j] = 1 / (s_j^2 - s_i^2)` off the diagonal, 0 on it."""
    s2 = b.apply(O.mul, s, s)
    return _off_diagonal_inverse(b, b.apply(O.sub, _row(b, s2), _col(b, s2)), k, dtype)


def _skew(b, x):
    return b.apply(O.sub, x, _swap(b, x))


@svd.defvjp
def _vjp_svd(r):
    """autograd's rule: `U (F*(U^T gU - gU^T U) S + diag(gs) + S F*(V^T gV - gV^T V)) Vh`,
    plus the parts of `gU`, `gV` outside the spans of `U`, `V` (for M != N)."""
    b = r.b
    u, s, vh, m, n, k, uv = _svd_plan(r)
    if uv:
        gu, gs, gvh = _parts(b, r.dout, 3)
    else:
        gu, gs, gvh = None, r.dout, None
    ut, v = _swap(b, u), _swap(b, vh)
    dtype = r.types[0].dtype.type
    parts = []
    if gs is not None:
        parts.append(b.apply(O.mul, _identity(b, k, dtype), _col(b, gs)))
    if gu is not None or gvh is not None:
        f = _svd_f(b, s, k, dtype)
    if gu is not None:
        parts.append(b.apply(O.mul, b.apply(O.mul, f, _skew(b, _mm(b, ut, gu))), _row(b, s)))
    if gvh is not None:
        vtgv = _mm(b, vh, _swap(b, gvh))  # V^T gV, gV = gVh^T
        parts.append(b.apply(O.mul, _col(b, s), b.apply(O.mul, f, _skew(b, vtgv))))
    if not parts:
        return [None] * 4
    g = _mm(b, u, tangent_sum(b, parts), vh)
    if gu is not None and m > n:  # (I - U U^T) gU S^-1 Vh
        gus = b.apply(O.truediv, gu, _row(b, s))
        g = b.apply(O.add, g, _mm(b, b.apply(O.sub, gus, _mm(b, u, ut, gus)), vh))
    if gvh is not None and m < n:  # U S^-1 gVh (I - V Vh)
        out = b.apply(O.sub, gvh, _mm(b, gvh, v, vh))
        g = b.apply(O.add, g, _mm(b, b.apply(O.truediv, u, _row(b, s)), out))
    return [g, None, None, None]


@svd.defjvp
def _jvp_svd(r):
    """JAX's rule: `dS = U^T t V`, `ds = diag(dS)`, `dU = U (F * (dS S + S dS^T))`,
    `dV = V (F * (S dS + dS^T S))`, plus the parts outside the spans (M != N)."""
    b = r.b
    u, s, vh, m, n, k, uv = _svd_plan(r)
    t = r.t(0)
    ut, v = _swap(b, u), _swap(b, vh)
    tv = _mm(b, t, v)
    ds = b.apply(sum_, b.apply(O.mul, u, tv), -2, None, False)
    if not uv:
        return ds
    dsm = _mm(b, ut, tv)
    dsmt = _swap(b, dsm)
    f = _svd_f(b, s, k, r.types[0].dtype.type)
    sr, sc = _row(b, s), _col(b, s)
    du_in = b.apply(O.add, b.apply(O.mul, dsm, sr), b.apply(O.mul, sc, dsmt))
    du = _mm(b, u, b.apply(O.mul, f, du_in))
    dv_in = b.apply(O.add, b.apply(O.mul, sc, dsm), b.apply(O.mul, dsmt, sr))
    dv = _mm(b, v, b.apply(O.mul, f, dv_in))
    if m > n:
        du = b.apply(O.add, du, b.apply(O.truediv, b.apply(O.sub, tv, _mm(b, u, ut, tv)), sr))
    if n > m:
        tu = _mm(b, _swap(b, t), u)
        dv = b.apply(O.add, dv, b.apply(O.truediv, b.apply(O.sub, tu, _mm(b, v, vh, tu)), sr))
    return b.apply(make_tuple, du, ds, _swap(b, dv))


svd.defemit(
    _emit_call("np.linalg.svd", ("full_matrices", "compute_uv", "hermitian"), (True, True, False))
)


# ---------------------------------------------------------------------------------------
# pinv


@primitive("pinv", py=[np.linalg.pinv], fresh=True)
def pinv(a):
    """`np.linalg.pinv(a)`: the Moore-Penrose pseudo-inverse (stacks too); gradients for
    full-rank matrices (Golub and Pereyra).

    Example:
        >>> pinv(np.array([[2.0, 0.0], [0.0, 4.0], [0.0, 0.0]]))
        array([[0.5 , 0.  , 0.  ],
               [0.  , 0.25, 0.  ]])
    """
    return np.linalg.pinv(a)


@pinv.definfer
def _infer_pinv(a):
    t = _array(a, "np.linalg.pinv")
    if t.ndim < 2:
        raise MyiaShapeError(
            f"np.linalg.pinv: {t.ndim}-dimensional array given. Array must be at least "
            "two-dimensional"
        )
    *batch, m, n = t.shape
    return AArray(_linalg_dtype(a), (*batch, n, m))


@pinv.defvjp
def _vjp_pinv(r):
    """`-P^T g P^T + (I - A P) g^T P P^T + P^T P g^T (I - P A)`."""
    b = r.b
    a, p, g = r.x(0), r.out(), r.dout
    pt, gt = _swap(b, p), _swap(b, g)
    x2 = _mm(b, gt, p, pt)
    x3 = _mm(b, pt, p, gt)
    parts = [
        b.apply(O.neg, _mm(b, pt, g, pt)),
        b.apply(O.sub, x2, _mm(b, a, p, x2)),
        b.apply(O.sub, x3, _mm(b, x3, p, a)),
    ]
    return [unbroadcast(b, tangent_sum(b, parts), r.types[0])]


@pinv.defjvp
def _jvp_pinv(r):
    """`-P t P + P P^T t^T (I - A P) + (I - P A) t^T P^T P`."""
    b = r.b
    a, p, t = r.x(0), r.out(), r.t(0)
    pt, tt = _swap(b, p), _swap(b, t)
    y2 = _mm(b, p, pt, tt)
    y3 = _mm(b, tt, pt, p)
    parts = [
        b.apply(O.neg, _mm(b, p, t, p)),
        b.apply(O.sub, y2, _mm(b, y2, a, p)),
        b.apply(O.sub, y3, _mm(b, p, a, y3)),
    ]
    return tangent_sum(b, parts)


pinv.defemit(template("np.linalg.pinv({0})"))


# ---------------------------------------------------------------------------------------
# cofactor: the gradient of det


def _all_but(s, drop: np.ndarray):
    """Products of the entries of `s` (..., n) over the last axis, each leaving out the
    entries `drop` (a boolean (..., n) mask, broadcast against it) marks."""
    return np.prod(np.where(drop, 1.0, s), axis=-1)


@primitive("cofactor", fresh=True)
def cofactor(a):
    """The cofactor matrix of `a` (stacks too): `det(a) inv(a)^T` for an invertible
    matrix, exact at singular ones too (from the SVD, with no inverse); the gradient of
    `np.linalg.det`.

    Example:
        >>> cofactor(np.array([[1.0, 2.0], [2.0, 4.0]]))
        array([[ 4., -2.],
               [-2.,  1.]])
    """
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    p = _all_but(s[..., None, :], np.eye(n, dtype=bool))
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return np.asarray(sign)[..., None, None] * np.matmul(u * p[..., None, :], vh)


@primitive("cofactor_pairs", fresh=True)
def cofactor_pairs(s):
    """`q[..., i, j]`: the product of the singular values `s` but the i-th and the j-th
    (0 on the diagonal), the second derivatives of their product."""
    n = s.shape[-1]
    k = np.arange(n)
    drop = (k[:, None, None] == k) | (k[None, :, None] == k)
    q = _all_but(s[..., None, None, :], drop)
    return np.where(np.eye(n, dtype=bool), 0.0, q).astype(s.dtype)


cofactor.definfer(lambda a: AArray(_linalg_dtype(a), _square(a, "np.linalg.det").shape))
cofactor_pairs.definfer(lambda s: AArray(s.dtype, (*s.shape, s.shape[-1])))
cofactor.defemit(lambda e, args: e.helper_call("cofactor", args))
cofactor_pairs.defemit(lambda e, args: e.helper_call("cofactor_pairs", args))


def _cofactor_tangent(b, x, t):
    """The derivative of `cofactor` at `x` along `t`: with `x = U diag(s) Vh` and
    `M = U^T t Vh^T`, `sign U (diag(Q m) - Q * M^T) Vh`, `Q` the products of all the
    singular values but two (`cofactor_pairs`), `m` the diagonal of `M`."""
    u, s, vh = _outs(b, b.apply(svd, x, True, True, False), 3)
    sign = b.apply(O.mul, b.apply(det, u), b.apply(det, vh))
    tx = type_of(x)
    if tx.ndim > 2:
        sign = b.apply(expand_dims, sign, (-2, -1))
    mm = _mm(b, _swap(b, u), t, _swap(b, vh))
    q = b.apply(cofactor_pairs, s)
    n = _size(tx, -1, "np.linalg.det")
    i = _identity(b, n, tx.dtype.type)
    m = b.apply(sum_, b.apply(O.mul, mm, i), -2, None, False)
    diag = b.apply(sum_, b.apply(O.mul, q, _row(b, m)), -1, None, True)
    inner = b.apply(O.sub, b.apply(O.mul, i, diag), b.apply(O.mul, q, _swap(b, mm)))
    return b.apply(O.mul, sign, _mm(b, u, inner, vh))


@cofactor.defjvp
def _jvp_cofactor(r):
    return _cofactor_tangent(r.b, r.x(0), r.t(0))


@cofactor.defvjp
def _vjp_cofactor(r):
    """The derivative of the cofactor matrix is its own adjoint: `<g, dC[t]> = <dC[g], t>`."""
    return [unbroadcast(r.b, _cofactor_tangent(r.b, r.x(0), r.dout), r.types[0])]


@det.defvjp
def _vjp_det(r):
    """`g cofactor(a)`."""
    b = r.b
    g = b.apply(O.mul, _batch_col(b, r.dout, r.types[0]), b.apply(cofactor, r.x(0)))
    return [unbroadcast(b, g, r.types[0])]


@det.defjvp
def _jvp_det(r):
    """`sum(cofactor(a) * t)`, the transpose of the backpropagator."""
    b = r.b
    g = b.apply(O.mul, r.t(0), b.apply(cofactor, r.x(0)))
    return b.apply(sum_, g, (-2, -1), None, False)


# ---------------------------------------------------------------------------------------
# Complex matrices: values only


def _real_only(prim) -> None:
    """Refuse the rules of `prim` for complex matrices (they are written for real ones:
    transposes, not conjugate transposes)."""
    for attr in ("vjp", "jvp"):
        rule = getattr(prim, attr)

        def checked(r, rule=rule):
            if any(isinstance(t, AArray) and t.dtype.kind == "c" for t in r.types):
                raise MyiaTypeError(
                    f"the derivative of np.linalg.{prim.name} of complex matrices is not "
                    "supported; differentiate with respect to the real and imaginary parts "
                    "written as real matrices",
                    r.node.loc,
                )
            return rule(r)

        setattr(prim, attr, checked)


for _p in (cholesky, eigh, slogdet, qr, svd, pinv):
    _real_only(_p)
