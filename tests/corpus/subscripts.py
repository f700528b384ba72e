"""The corpus (`tests/corpus`): subscripts and slices, subscript assignment (a functional
update of a local array), built-ins, `math`.
"""

from __future__ import annotations

import math

import numpy
import numpy as np

from tests.corpus.values import IDX, INTS, M23, T234, V3, V3_32, V4, W3, Case

# ======================================================================================
# Subscripts and slices
# ======================================================================================


def tuple_index(t):
    return t[0] + t[-1] * t[1]


def tuple_slice(x, y, z):
    t = (x, y, z, 1.0)
    u = t[1:3]
    w = t[::2]
    return u[0] * u[1] + w[0] * w[1] + len(t[:-1])


def tuple_index_runtime(t, i):
    return t[i] * t[i - 1]


def list_index(x, y):
    lst = [x, y, x + y]
    return lst[2] * lst[-2]


def list_slice(x, y):
    lst = [x, y, x * y, 2.0]
    return lst[1:], lst[::-1], lst[:2]


def array_index(v, m):
    return v[0] * v[-1] + m[1, 2] * m[0][1]


def array_slices(v, m):
    return np.sum(v[1:3]) + np.sum(m[:, 0]) * np.sum(m[1, :]) + np.sum(v[::-1] * v)


def array_slice_runtime(v, i, j):
    return np.sum(v[i:j] * 2.0) + v[i]


def array_slice_step(v):
    return v[::2], v[1::2], v[::-1], v[-2:]


def array_ellipsis_none(m):
    a = m[..., None]
    b = m[None, :, :]
    c = m[:, np.newaxis, :]
    return a.shape, b.shape, c.shape, np.sum(a * c)


def array_ellipsis_index(t):
    return np.sum(t[..., 0] * t[..., 1]) + np.sum(t[0, ...])


def array_fancy_index(v, idx):
    return np.sum(v[idx] * v)


def array_bool_mask(v):
    return v[v > 0.0]


def array_3d_slices(t):
    return np.sum(t[1, :, 1:3] * t[0, :, :2])


def string_subscript(s):
    return s[0], s[1:3], s[-1]


# ======================================================================================
# Subscript assignment (functional update of a local array)
# ======================================================================================


def setitem_scalar(x):
    y = np.zeros(3)
    y[0] = x
    y[2] = x * x
    return np.sum(y * np.array([1.0, 2.0, 3.0]))


def setitem_loop(v, n):
    out = np.zeros(n)
    for i in range(n):
        out[i] = v[i] * (i + 1.0)
    return np.sum(out * out)


def setitem_slice(v):
    y = v * 1.0
    y[1:3] = v[0:2] * 2.0
    return np.sum(y * v)


def setitem_augmented(v):
    y = np.ones(3)
    y[1] += v[0]
    y[0] *= v[2]
    y[2] -= v[1] * v[1]
    return np.sum(y * y)


def setitem_row(m):
    y = np.zeros((2, 3))
    y[0] = m[1]
    y[1, :] = m[0] * 3.0
    y[:, 0] += 1.0
    return np.sum(y * m)


def setitem_returns_array(v):
    y = v * 2.0
    y[0] = 7.0
    y[-1] += 1.0
    return y


def setitem_list(x, y):
    lst = [x, y, 0.0]
    lst[2] = x * y
    lst[0] = lst[0] + 1.0
    return lst[0] + lst[1] + lst[2]


def setitem_in_branch(v, flag):
    y = v * 1.0
    if flag:
        y[0] = 5.0
    else:
        y[1] = 5.0
    return np.sum(y * v)


def setitem_float32(v):
    y = v * 1.0
    y[0] = 2.5
    return y


def setitem_float32_numpy_scalar(v, w):
    y = v * 1.0
    y[0] = w[1]
    y[1] += w[0]
    return y


def setitem_int_array(a):
    y = a * 1
    y[1] = 10
    return y


# ======================================================================================
# Built-ins
# ======================================================================================


def builtin_len(t, lst, v, m):
    return len(t), len(lst), len(v), len(m), len("abcd")


def builtin_range_values(n):
    return list(range(n)), tuple(range(1, n)), tuple(range(n, 0, -2)), len(range(2, 9, 3))


def builtin_abs(x, y):
    return abs(x) * abs(y) + abs(-3)


def builtin_abs_array(v):
    return np.sum(abs(v) * v)


def builtin_min_max(x, y, z):
    return max(x, y) * min(x, y) + max(x, y, z) - min(x, y, z)


def builtin_min_max_seq(x, y):
    return max((x, y, 1.5)) + min([x, y, -1.5])


def builtin_min_max_ints(a, b):
    return max(a, b), min(a, b), max(a, b, 7), min((a, b, -7))


def builtin_sum_seq(x, y):
    return sum((x, y, x * y)) + sum([x, 1.0], 2.0)


def builtin_sum_ints(n):
    return sum((1, 2, n)), sum([n, n])


def builtin_sum_arrays(v, w):
    return np.sum(sum([v, w, v * w]))


def builtin_float_int_bool(x, n):
    return float(n), int(x), bool(n), bool(0.0), float(x), int(-x), bool(x)


def builtin_float_smooth(x, n):
    return float(n) * x + float(x)


def builtin_round(x):
    return round(x), round(x, 2)


def builtin_isinstance(x, n, t, lst, b):
    return (
        isinstance(x, float),
        isinstance(n, int),
        isinstance(x, int),
        isinstance(t, tuple),
        isinstance(lst, list),
        isinstance(t, list),
        isinstance(b, bool),
        isinstance(b, int),
        isinstance(n, (float, int)),
        isinstance(x, (tuple, list)),
    )


def isinstance_dispatch(x):
    if isinstance(x, tuple):
        return x[0] * x[1]
    return x * x


def isinstance_dispatch_both(x, y):
    return isinstance_dispatch(x) + isinstance_dispatch((y, x))


def builtin_tuple_list(x, y):
    lst = [x, y]
    t = (x, y)
    return tuple(lst), list(t), tuple(), list(), list(range(3))


def builtin_tuple_of_array(v):
    t = tuple(v)
    lst = list(v)
    return t, lst


def builtin_tuple_smooth(v):
    t = tuple(v)
    lst = list((v[0], v[1]))
    return t[0] * t[2] + lst[1]


def builtin_int_index(v, x):
    return v[int(x)]


def builtin_len_loop(v):
    acc = 0.0
    for i in range(len(v)):
        acc = acc + v[i] * (len(v) - i)
    return acc


# ======================================================================================
# math
# ======================================================================================


def math_trig(x):
    return math.sin(x) * math.cos(x) + math.tan(x)


def math_exp_log(x):
    return math.exp(x) + math.log(x) + math.log1p(x) + math.expm1(x)


def math_sqrt_tanh(x):
    return math.sqrt(x) * math.tanh(x)


def math_atan2_pow(x, y):
    return math.atan2(x, y) + math.pow(x, y)


def math_fabs_erf_lgamma(x):
    return math.fabs(x) * math.erf(x) + math.lgamma(x)


def math_floor_ceil(x):
    return math.floor(x), math.ceil(x), math.floor(-x)


def math_floor_ceil_smooth(x):
    return math.floor(x) * x + math.ceil(x) * x * x


def math_constants(x):
    return x * math.pi + math.e


def math_module_numpy_alias(v):
    return numpy.sum(numpy.sin(v) * numpy.pi)


CASES = [
    # subscripts
    Case(tuple_index, ((0.7, 1.3, -0.4),), True),
    Case(tuple_slice, (0.7, 1.3, -0.4), True),
    Case(tuple_index_runtime, ((0.7, 1.3, -0.4), 2), True),
    Case(list_index, (0.7, 1.3), True),
    Case(list_slice, (0.7, 1.3), False),
    Case(array_index, (V3, M23), True),
    Case(array_slices, (V4, M23), True),
    Case(array_slice_runtime, (V4, 1, 3), True),
    Case(array_slice_step, (V4,), False),
    Case(array_ellipsis_none, (M23,), False),
    Case(array_ellipsis_index, (T234,), True),
    Case(array_fancy_index, (V3, IDX), True),
    Case(array_bool_mask, (V4,), False),
    Case(array_3d_slices, (T234,), True),
    Case(string_subscript, ("hello",), False),
    # subscript assignment
    Case(setitem_scalar, (0.7,), True),
    Case(setitem_loop, (V4, 3), True),
    Case(setitem_slice, (V4,), True),
    Case(setitem_augmented, (V3,), True),
    Case(setitem_row, (M23,), True),
    Case(setitem_returns_array, (V3,), False),
    Case(setitem_list, (0.7, 1.3), True),
    Case(setitem_in_branch, (V3, False), True),
    Case(setitem_float32, (V3_32,), False),
    Case(setitem_float32_numpy_scalar, (V3_32, V3), False),
    Case(setitem_int_array, (INTS,), False),
    # builtins
    Case(builtin_len, ((1, 2), [1.0, 2.0, 3.0], V4, M23), False),
    Case(builtin_range_values, (5,), False),
    Case(builtin_abs, (-0.7, 1.3), True),
    Case(builtin_abs_array, (V3,), True),
    Case(builtin_min_max, (0.7, 1.3, -0.2), True),
    Case(builtin_min_max_seq, (0.7, 1.3), True),
    Case(builtin_min_max_ints, (4, 9), False),
    Case(builtin_sum_seq, (0.7, 1.3), True),
    Case(builtin_sum_ints, (4,), False),
    Case(builtin_sum_arrays, (V3, W3), True),
    Case(builtin_float_int_bool, (2.7, 3), False),
    Case(builtin_float_smooth, (2.7, 3), True),
    Case(builtin_round, (2.567,), False),
    Case(builtin_isinstance, (0.5, 3, (1,), [1], True), False),
    Case(isinstance_dispatch_both, (0.5, 1.5), True),
    Case(builtin_tuple_list, (0.5, 1.5), False),
    Case(builtin_tuple_of_array, (V3,), False),
    Case(builtin_tuple_smooth, (V3,), True),
    Case(builtin_int_index, (V3, 2.3), True),
    Case(builtin_len_loop, (V4,), True),
    # math
    Case(math_trig, (0.7,), True),
    Case(math_exp_log, (0.7,), True),
    Case(math_sqrt_tanh, (0.7,), True),
    Case(math_atan2_pow, (0.7, 1.3), True),
    Case(math_fabs_erf_lgamma, (0.7,), True),
    Case(math_floor_ceil, (2.7,), False),
    Case(math_floor_ceil_smooth, (2.7,), True),
    Case(math_constants, (0.7,), True),
    Case(math_module_numpy_alias, (V3,), True),
]
