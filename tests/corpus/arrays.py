"""The corpus (`tests/corpus`): NumPy elementwise functions, reductions, linear algebra,
shapes, attributes and methods of arrays.
"""

from __future__ import annotations

import numpy as np

from tests.corpus.values import (
    BOOLS,
    C31,
    IDX,
    INTS,
    M23,
    M23_32,
    M32,
    M33,
    M34,
    POS3,
    SPECIAL,
    T234,
    UNIT3,
    V3,
    V3_32,
    V4,
    W3,
    W4,
    Case,
    arr,
)

# ======================================================================================
# NumPy elementwise
# ======================================================================================


def np_arith_binary(x, y):
    return np.sum(np.add(x, y) * np.subtract(x, y) + np.multiply(x, y) - np.divide(x, y))


def np_arith_unary(x):
    return np.sum(np.negative(x) + np.square(x) + np.power(x, 3.0) + np.power(2.0, x))


def np_arith_arrays(x, y):
    return np.add(x, y), np.subtract(x, y), np.multiply(x, 2.0), np.divide(1.0, y), np.negative(x)


def np_exp_log(x):
    return np.sum(np.exp(x) + np.exp2(x) + np.log(x) + np.log1p(x) + np.log2(x) + np.expm1(x))


def np_sqrt(x):
    return np.sum(np.sqrt(x) * x)


def np_trig(x):
    return np.sum(np.sin(x) + np.cos(x) * np.tan(x))


def np_inverse_trig(u):
    return np.sum(np.arcsin(u) + np.arccos(u) * np.arctan(u))


def np_arctan2(x, y):
    return np.sum(np.arctan2(x, y))


def np_hyperbolic(x, u):
    return np.sum(np.sinh(x) + np.cosh(x) + np.tanh(x) + np.arcsinh(x) + np.arctanh(u))


def np_abs_sign(x):
    return np.sum(np.abs(x) * np.sign(x) + np.absolute(x) * x)


def np_abs_sign_values(x):
    return np.abs(x), np.absolute(-x), np.sign(x), np.sign(np.array([-2.0, 0.0, 3.0]))


def np_maximum_minimum(x, y):
    return np.sum(np.maximum(x, y) * np.minimum(x, y) + np.maximum(x, 0.1))


def np_clip(x):
    return np.sum(np.clip(x, -0.5, 0.6) * x)


def np_clip_values(x):
    return np.clip(x, -0.5, 0.6), np.clip(x, None, 0.0), np.clip(x, 0.0, None)


def np_where(x, y):
    return np.sum(np.where(x > 0.0, x * y, y - x))


def np_where_values(x):
    return np.where(x > 0.0, x, 0.0), np.where(x < 0.5, 1, 2)


def np_logaddexp(x, y):
    return np.sum(np.logaddexp(x, y))


def np_floor_ceil_round(x):
    return np.floor(x), np.ceil(x), np.round(x), np.round(x * 10.0, 1)


def np_floor_ceil_round_smooth(x):
    return np.sum(np.floor(x * 2.5) * x + np.ceil(x) * x + np.round(x * 2.0) * x * x)


def np_isnan_isfinite(x):
    y = x * 2.0
    return np.isnan(y), np.isfinite(y), np.isfinite(np.inf), np.isnan(x[0]), np.isfinite(x[2])


def np_logical(a, b):
    return np.logical_and(a, b), np.logical_or(a, b), np.logical_not(a)


def np_comparisons(x, y):
    return (
        np.equal(x, y),
        np.not_equal(x, y),
        np.less(x, y),
        np.less_equal(x, y),
        np.greater(x, y),
        np.greater_equal(x, y),
    )


def np_comparisons_masks(x, y):
    return np.sum(np.greater(x, y) * x + np.less_equal(x, y) * y * y)


def np_broadcast(c, v):
    return np.sum(c * v + c - v)


def np_broadcast_values(c, v, m):
    return c + v, v * m, m - v, c * 2.0


def np_scalar_ops(x):
    return np.sin(x) + np.exp(x) * np.sqrt(x * x)


def np_ufunc_on_python_float(x):
    return np.sin(x), np.maximum(x, 1.0), np.add(x, 1)


def np_float32(v):
    return v * 2.0, np.sin(v), v + v, np.sum(v), v.dtype


def np_float32_reduce(v):
    return np.sum(np.tanh(v) * v)


def np_float32_mixed(v, w):
    return v + w, v * 2, np.maximum(v, 0.0)


def np_int_arrays(a):
    return a + 1, a * 2, a // 2, a % 3, a / 2, -a


def np_bool_arrays(b):
    return np.logical_not(b), np.sum(b), b.astype(np.float64), np.logical_and(b, True)


def np_constants(x):
    return x * np.pi + np.e, np.inf, -np.inf, np.isfinite(x * np.inf)


def np_power_arrays(x, y):
    return np.sum(np.power(x, y) + x**y + x**2)


# ======================================================================================
# Reductions
# ======================================================================================


def red_sum_mean(m):
    return np.sum(m) + np.mean(m) * 2.0


def red_axis(m):
    return np.sum(m, axis=0), np.mean(m, axis=1), np.sum(m, axis=-1), np.sum(m, 0)


def red_axis_smooth(m):
    return np.sum(np.sum(m, axis=0) ** 2) + np.sum(np.mean(m, axis=1) * 3.0)


def red_keepdims(t):
    return (
        np.sum(t, axis=1, keepdims=True),
        np.mean(t, axis=(0, 2), keepdims=True),
        np.sum(t, axis=(0, 1)),
        np.max(t, axis=2, keepdims=True),
    )


def red_keepdims_smooth(t):
    a = t - np.mean(t, axis=(0, 2), keepdims=True)
    return np.sum(a * a) + np.sum(np.sum(t, axis=1, keepdims=True) * t)


def red_prod(v, m):
    return np.prod(v) + np.sum(np.prod(m, axis=0))


def red_max_min(m):
    return np.max(m) * np.min(m) + np.sum(np.amax(m, axis=0)) - np.sum(np.amin(m, axis=1))


def red_max_min_values(m):
    return np.max(m, axis=0), np.min(m, axis=(0, 1)), np.amax(m), np.amin(m, axis=1, keepdims=True)


def red_argmax_argmin(m):
    return np.argmax(m), np.argmin(m), np.argmax(m, axis=0), np.argmin(m, axis=1)


def red_var_std(m):
    return np.var(m) + np.std(m) + np.sum(np.var(m, axis=0)) + np.sum(np.std(m, axis=1))


def red_all_any(m):
    p = m > 0.0
    return np.all(p), np.any(p), np.all(p, axis=0), np.any(p, axis=1), np.all(m > -5.0)


def red_scalar_types(v):
    return np.sum(v), np.mean(v), np.max(v), np.prod(v), np.var(v)


def red_int_sum(a):
    return np.sum(a), np.max(a), np.prod(a), np.mean(a)


def red_float32(m):
    return np.sum(m), np.mean(m, axis=0), np.var(m)


def softmax_logsumexp(x):
    m = np.max(x, axis=-1, keepdims=True)
    e = np.exp(x - m)
    p = e / np.sum(e, axis=-1, keepdims=True)
    return np.sum(p * x) + np.sum(m + np.log(np.sum(e, axis=-1, keepdims=True)))


# ======================================================================================
# Linear algebra
# ======================================================================================


def la_dot_matmul(a, b, v):
    return np.sum(np.dot(a, b)) + np.sum(np.matmul(a, b)) + np.dot(v, v)


def la_dot_values(a, b, v, w):
    return np.dot(a, b), np.dot(v, w), np.matmul(a, b), a @ b, np.dot(2.0, v)


def la_outer_inner(v, w):
    return np.sum(np.outer(v, w) ** 2) + np.inner(v, w)


def la_tensordot(t, m):
    return np.sum(np.tensordot(t, m, axes=([1], [0])) ** 2) + np.tensordot(m, m, axes=2)


def la_einsum(a, b, v):
    return (
        np.sum(np.einsum("ij,jk->ik", a, b))
        + np.einsum("i,i->", v, v)
        + np.sum(np.einsum("ij,kj->ik", a, a))
    )


def la_einsum_one_operand(a):
    return np.einsum("ij->ji", a), np.einsum("ii", a @ a.T), np.einsum("ij->", a)


def la_einsum_one_operand_smooth(a):
    return np.einsum("ii", a @ a.T) + np.sum(np.einsum("ij->ji", a) * a.T)


def la_trace(m):
    return np.trace(m) * np.trace(m @ m)


def la_norm(v, m):
    return np.linalg.norm(v) + np.linalg.norm(m) + np.sum(np.linalg.norm(m, axis=0))


def la_solve_inv_det(a, b):
    x = np.linalg.solve(a, b)
    return np.sum(x) + np.sum(np.linalg.inv(a)) + np.linalg.det(a)


def la_values(a, b):
    return np.linalg.solve(a, b), np.linalg.inv(a), np.linalg.det(a), np.linalg.norm(b)


def la_matvec(m, v):
    return np.sum(np.tanh(m @ v) * v)


def la_mlp(w1, w2, x):
    h = np.tanh(x @ w1)
    out = h @ w2
    return np.sum(out * out)


# ======================================================================================
# Shapes
# ======================================================================================


def sh_reshape_transpose(m):
    return (
        np.reshape(m, (3, 2)),
        np.reshape(m, -1),
        np.transpose(m),
        np.transpose(np.reshape(m, (1, 2, 3)), (2, 0, 1)),
    )


def sh_reshape_smooth(m, v):
    return np.sum(np.reshape(m, (3, 2)) * np.transpose(m)) + np.sum(np.reshape(v, (3, 1)) * m.T)


def sh_swapaxes_moveaxis(t):
    return np.swapaxes(t, 0, 2).shape, np.moveaxis(t, 0, -1), np.moveaxis(t, -1, 0).shape


def sh_swapaxes_smooth(t):
    return np.sum(np.swapaxes(t, 0, 2) * np.moveaxis(t, (0, 1), (2, 1)))


def sh_expand_squeeze(v):
    a = np.expand_dims(v, 0)
    b = np.expand_dims(v, axis=-1)
    return a.shape, b.shape, np.squeeze(a), np.squeeze(b, axis=1).shape


def sh_expand_squeeze_smooth(v):
    return np.sum(np.expand_dims(v, 0) * np.expand_dims(v, 1)) + np.sum(
        np.squeeze(np.expand_dims(v, 0)) ** 2
    )


def sh_broadcast_to(v):
    return np.broadcast_to(v, (2, 3)), np.sum(np.broadcast_to(v, (4, 3)) ** 2)


def sh_concat_stack(v, w):
    return (
        np.concatenate((v, w)),
        np.concatenate([np.reshape(v, (1, 3)), np.reshape(w, (1, 3))], axis=0),
        np.stack((v, w)),
        np.stack([v, w], axis=1),
        np.hstack((v, w)),
        np.vstack((v, w)),
    )


def sh_concat_stack_smooth(v, w):
    a = np.concatenate((v, w * 2.0))
    b = np.stack([v, w], axis=1)
    c = np.vstack((v, w))
    d = np.hstack([v, w])
    return np.sum(a * d) + np.sum(b.T * c)


def sh_split(v):
    parts = np.split(v, 2)
    return parts, np.split(np.reshape(v, (2, 2)), 2, axis=1)


def sh_split_smooth(v):
    a, b = np.split(v, 2)
    return np.sum(a * b) + np.sum(np.split(v, [1, 3])[1] ** 2)


def sh_tile_repeat(v):
    return (
        np.tile(v, 2),
        np.tile(v, (2, 1)),
        np.repeat(v, 2),
        np.repeat(np.reshape(v, (3, 1)), 2, axis=1),
    )


def sh_tile_repeat_smooth(v):
    return np.sum(np.tile(v, 2) * np.repeat(v, 2)) + np.sum(np.tile(v, (2, 2)) ** 2)


def sh_flip(m):
    return np.flip(m), np.flip(m, axis=0), np.flip(m, 1)


def sh_flip_smooth(m):
    return np.sum(np.flip(m, axis=0) * m) + np.sum(np.flip(m) * m * m)


def sh_ravel(m):
    return np.ravel(m), np.sum(np.ravel(m) * np.arange(6))


def sh_like_constructors(m):
    return np.zeros_like(m), np.ones_like(m), np.full_like(m, 2.5), np.zeros_like(IDX)


def sh_constructors(n):
    return (
        np.zeros(3),
        np.ones((2, n)),
        np.full((2, 2), 7.0),
        np.eye(n),
        np.arange(n),
        np.arange(1.0, 2.0, 0.25),
        np.linspace(0.0, 1.0, 5),
        np.zeros((n,), dtype=np.float32),
    )


def sh_constructors_smooth(x, n):
    a = np.ones(n) * x
    b = np.full((n,), x)
    c = np.arange(n) * x
    d = np.linspace(0.0, x, 4)
    return np.sum(a * b + c) + np.sum(d) + np.sum(np.eye(n) * x)


def sh_diag_tri(m, v):
    return np.diag(v), np.diag(m), np.triu(m), np.tril(m, -1), np.triu(m, 1)


def sh_diag_tri_smooth(m, v):
    return np.sum(np.diag(v) * m) + np.sum(np.diag(m) ** 2) + np.sum(np.triu(m) * np.tril(m).T)


def sh_cumsum_cumprod(v, m):
    return np.cumsum(v), np.cumprod(v), np.cumsum(m, axis=0), np.cumprod(m, axis=1)


def sh_cumsum_cumprod_smooth(v, m):
    return np.sum(np.cumsum(v) ** 2) + np.sum(np.cumprod(m, axis=1)) + np.sum(np.cumsum(m, axis=0))


def sh_sort_take(v, idx, m):
    order = np.argsort(m, axis=1)
    return (
        np.sort(v),
        np.take(v, idx),
        np.take(m, idx, axis=1),
        np.take_along_axis(m, order, axis=1),
    )


def sh_sort_take_smooth(v, idx, m):
    order = np.argsort(m, axis=1)
    return (
        np.sum(np.sort(v) * np.arange(3))
        + np.sum(np.take(v, idx) * v)
        + np.sum(np.take_along_axis(m, order, axis=1) * np.arange(3))
    )


def sh_shapes_runtime(t):
    return t.shape, t.ndim, np.shape(t), np.ndim(t), np.size(t), t.shape[1] * t.ndim


def sh_reshape_from_shape(m):
    r, c = m.shape
    return np.sum(np.reshape(m, (c, r)) * m.T) + r * 1.0


# ======================================================================================
# Attributes and methods
# ======================================================================================


def attrs(m):
    return m.T, m.shape, m.ndim, m.dtype, m.size


def attrs_smooth(m):
    return np.sum(m.T @ m) * m.ndim + m.shape[0]


def attr_dtype_compare(m, v):
    return m.dtype == v.dtype, m.dtype == np.float64


def methods_sum_mean(m):
    return m.sum() + m.mean() + np.sum(m.sum(axis=0) ** 2) + np.sum(m.mean(axis=1, keepdims=True))


def methods_values(m):
    return m.sum(), m.mean(), m.sum(axis=1), m.mean(0), m.max(), m.min(axis=0), m.prod()


def methods_reshape(m):
    return m.reshape(3, 2), m.reshape((6,)), m.reshape(-1, 2), m.reshape(1, 2, 3).shape


def methods_reshape_smooth(m):
    return np.sum(m.reshape(3, 2) * m.T) + np.sum(m.reshape((6,)) ** 2)


def methods_transpose(t):
    return t.transpose().shape, t.transpose(1, 0, 2).shape, t.transpose((2, 0, 1))


def methods_transpose_smooth(t):
    return np.sum(t.transpose(1, 0, 2) ** 2 * t.transpose((1, 0, 2))) + np.sum(t.transpose() * 2.0)


def methods_dot(a, b, v):
    return np.sum(a.dot(b)) + v.dot(v) + np.sum(a.dot(v))


def methods_astype(m):
    return m.astype(np.float32), m.astype(np.int64), (m > 0.0).astype(np.float64)


def methods_astype_smooth(m):
    return np.sum(m.astype(np.float64) * m) + np.sum((m > 0.0).astype(np.float64) * m)


def methods_misc(m):
    return m.var(), m.std(), m.cumsum(), m.argmax(), m.argmin(), m.ravel(), m.flatten(), m.copy()


def methods_misc_smooth(m):
    return m.var() + m.std() + np.sum(m.cumsum()) + np.sum(m.ravel() * m.flatten())


def methods_any_all(m):
    return (m > 0.0).any(), (m > 0.0).all(), m.squeeze().shape


def methods_chain(m):
    return m.T.reshape(6).sum() * m.mean(axis=0).dot(m.sum(axis=0))


CASES = [
    # numpy elementwise
    Case(np_arith_binary, (V3, POS3), True),
    Case(np_arith_unary, (V3,), True),
    Case(np_arith_arrays, (V3, POS3), False),
    Case(np_exp_log, (POS3,), True),
    Case(np_sqrt, (POS3,), True),
    Case(np_trig, (V3,), True),
    Case(np_inverse_trig, (UNIT3,), True),
    Case(np_arctan2, (V3, W3), True),
    Case(np_hyperbolic, (V3, UNIT3), True),
    Case(np_abs_sign, (V4,), True),
    Case(np_abs_sign_values, (V4,), False),
    Case(np_maximum_minimum, (V3, W3), True),
    Case(np_clip, (V4,), True),
    Case(np_clip_values, (V4,), False),
    Case(np_where, (V4, W4), True),
    Case(np_where_values, (V4,), False),
    Case(np_logaddexp, (V3, W3), True),
    Case(np_floor_ceil_round, (V4 * 3.0,), False),
    Case(np_floor_ceil_round_smooth, (V4,), True),
    Case(np_isnan_isfinite, (SPECIAL,), False),
    Case(np_logical, (BOOLS, V3 > 0.0), False),
    Case(np_comparisons, (V3, np.array([V3[0], 0.0, 1.0])), False),
    Case(np_comparisons_masks, (V4, W4), True),
    Case(np_broadcast, (C31, V4), True),
    Case(np_broadcast_values, (C31, V3, M23), False),
    Case(np_scalar_ops, (0.7,), True),
    Case(np_ufunc_on_python_float, (0.7,), False),
    Case(np_float32, (V3_32,), False),
    Case(np_float32_reduce, (M23_32,), True),
    Case(np_float32_mixed, (V3_32, V3), False),
    Case(np_int_arrays, (INTS,), False),
    Case(np_bool_arrays, (BOOLS,), False),
    Case(np_constants, (0.7,), False),
    Case(np_power_arrays, (POS3, W3), True),
    # reductions
    Case(red_sum_mean, (M23,), True),
    Case(red_axis, (M23,), False),
    Case(red_axis_smooth, (M23,), True),
    Case(red_keepdims, (T234,), False),
    Case(red_keepdims_smooth, (T234,), True),
    Case(red_prod, (V3, M23), True),
    Case(red_max_min, (M34,), True),
    Case(red_max_min_values, (M34,), False),
    Case(red_argmax_argmin, (M34,), False),
    Case(red_var_std, (M34,), True),
    Case(red_all_any, (M23,), False),
    Case(red_scalar_types, (V4,), False),
    Case(red_int_sum, (INTS,), False),
    Case(red_float32, (M23_32,), False),
    Case(softmax_logsumexp, (M34,), True),
    # linear algebra
    Case(la_dot_matmul, (M23, M34, V3), True),
    Case(la_dot_values, (M23, M34, V3, W3), False),
    Case(la_outer_inner, (V3, W3), True),
    Case(la_tensordot, (T234, M32), True),
    Case(la_einsum, (M23, M34, V3), True),
    Case(la_einsum_one_operand, (M23,), False),
    Case(la_einsum_one_operand_smooth, (M23,), True),
    Case(la_trace, (M33,), True),
    Case(la_norm, (V3, M23), True),
    Case(la_solve_inv_det, (M33, V3), True),
    Case(la_values, (M33, V3), False),
    Case(la_matvec, (M33, V3), True),
    Case(la_mlp, (M34, arr(4, 2, phase=0.2), M23), True),
    # shapes
    Case(sh_reshape_transpose, (M23,), False),
    Case(sh_reshape_smooth, (M23, V3), True),
    Case(sh_swapaxes_moveaxis, (T234,), False),
    Case(sh_swapaxes_smooth, (arr(3, 3, 3),), True),
    Case(sh_expand_squeeze, (V3,), False),
    Case(sh_expand_squeeze_smooth, (V3,), True),
    Case(sh_broadcast_to, (V3,), False),
    Case(sh_concat_stack, (V3, W3), False),
    Case(sh_concat_stack_smooth, (V3, W3), True),
    Case(sh_split, (V4,), False),
    Case(sh_split_smooth, (V4,), True),
    Case(sh_tile_repeat, (V3,), False),
    Case(sh_tile_repeat_smooth, (V3,), True),
    Case(sh_flip, (M23,), False),
    Case(sh_flip_smooth, (M23,), True),
    Case(sh_ravel, (M23,), False),
    Case(sh_like_constructors, (M23,), False),
    Case(sh_constructors, (3,), False),
    Case(sh_constructors_smooth, (0.7, 3), True),
    Case(sh_diag_tri, (M33, V3), False),
    Case(sh_diag_tri_smooth, (M33, V3), True),
    Case(sh_cumsum_cumprod, (V3, M23), False),
    Case(sh_cumsum_cumprod_smooth, (V3, M23), True),
    Case(sh_sort_take, (V3, IDX, M23), False),
    Case(sh_sort_take_smooth, (V3, IDX, M23), True),
    Case(sh_shapes_runtime, (T234,), False),
    Case(sh_reshape_from_shape, (M23,), True),
    # attributes and methods
    Case(attrs, (M23,), False),
    Case(attrs_smooth, (M23,), True),
    Case(attr_dtype_compare, (M23, V3_32), False),
    Case(methods_sum_mean, (M23,), True),
    Case(methods_values, (M23,), False),
    Case(methods_reshape, (M23,), False),
    Case(methods_reshape_smooth, (M23,), True),
    Case(methods_transpose, (T234,), False),
    Case(methods_transpose_smooth, (T234,), True),
    Case(methods_dot, (M23, M34, V3), False),
    Case(methods_dot, (M33, M33, V3), True),
    Case(methods_astype, (M23,), False),
    Case(methods_astype_smooth, (M23,), True),
    Case(methods_misc, (M23,), False),
    Case(methods_misc_smooth, (M23,), True),
    Case(methods_any_all, (M23,), False),
    Case(methods_chain, (M23,), True),
]
