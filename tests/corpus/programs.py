"""The corpus (`tests/corpus`): comprehensions, small programs mixing everything, and corners:
laziness, Python number semantics, NumPy scalar types, more NumPy forms.
"""

from __future__ import annotations

import math

import numpy as np

from tests.corpus.functions import apply_twice, factorial, make_adder, square, with_defaults
from tests.corpus.values import IDX, INTS, M23, M33, N23, POS3, T234, V3, V4, W3, Case, arr

# ======================================================================================
# Comprehensions
# ======================================================================================


def comp_range(n):
    return [i * i for i in range(n)]


def comp_range_smooth(x, n):
    return sum([x * i for i in range(n)])


def comp_tuple_if(x, y):
    vals = [v * v for v in (x, y, x - y) if v > 0.0]
    return sum(vals)


def comp_list(lst):
    return [e + 1.0 for e in lst]


def comp_array_rows(m):
    return sum([np.sum(row * row) for row in m])


def comp_array_elements(v):
    return [e * 2.0 for e in v if e > 0.0]


def comp_nested(n, m):
    return [i * 10 + j for i in range(n) for j in range(m) if j != i]


def comp_nested_lists(n):
    return [[i + j for j in range(i)] for i in range(n)]


def comp_closure(x, v):
    scale = x * 2.0
    return sum([scale * e for e in v])


def comp_enumerate_zip(v, w):
    a = [i * e for i, e in enumerate(v)]
    b = [p * q for p, q in zip(v, w)]
    return sum(a) + sum(b)


def comp_to_array(v):
    return np.sum(np.stack([e * v for e in v]))


# ======================================================================================
# Small programs mixing everything
# ======================================================================================


def prog_newton_sqrt(x, n):
    y = x
    for _ in range(n):
        y = 0.5 * (y + x / y)
    return y


def prog_poly_eval(coefs, x):
    acc = 0.0
    for c in coefs:
        acc = acc * x + c
    return acc


def prog_rnn(w, u, xs):
    h = np.zeros(3)
    for x in xs:
        h = np.tanh(w @ h + u * x)
    return np.sum(h)


def prog_logistic_regression(w, x, y):
    z = x @ w
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def prog_gather_loop(v, idx):
    acc = 0.0
    for i in idx:
        acc = acc + v[i] * v[i]
    return acc


def prog_euler_ode(x, n):
    dt = 0.1
    state = (x, 0.0)
    t = 0.0
    while t < n * dt - 1e-9:
        p, q = state
        state = (p + dt * q, q - dt * math.sin(p))
        t = t + dt
    return state[0] * state[1]


def prog_bubble_sort(t):
    lst = list(t)
    n = len(lst)
    for i in range(n):
        for j in range(n - 1 - i):
            if lst[j] > lst[j + 1]:
                lo = min(lst[j], lst[j + 1])
                hi = max(lst[j], lst[j + 1])
                lst[j] = lo
                lst[j + 1] = hi
    return lst


def prog_gcd(a, b):
    while b != 0:
        a, b = b, a % b
    return a


def prog_collatz(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def prog_matrix_power(m, n):
    out = np.eye(3)
    for _ in range(n):
        out = out @ m
    return np.sum(out) * 1e-2


def prog_piecewise(v):
    acc = 0.0
    for e in v:
        if e > 0.5:
            acc = acc + e * e
        elif e > -0.5:
            acc = acc + math.sin(e)
        else:
            acc = acc - e
    return acc


def prog_attention(q, k, v):
    s = q @ k.T / np.sqrt(3.0)
    s = s - np.max(s, axis=1, keepdims=True)
    p = np.exp(s)
    p = p / np.sum(p, axis=1, keepdims=True)
    return np.sum((p @ v) ** 2)


# ======================================================================================
# Corners: laziness, Python number semantics, NumPy scalar types, more NumPy forms
# ======================================================================================


GLOBAL_SCALE = 2.5
GLOBAL_PAIR = (0.5, -1.5)
GLOBAL_ARRAY = np.array([1.0, 2.0, 3.0])
GLOBAL_FUNCTIONS = (np.tanh, square)
GLOBAL_DICT = {"w": 1.5}


def global_constants(x):
    return x * GLOBAL_SCALE + GLOBAL_PAIR[0] * np.sum(GLOBAL_ARRAY * x) + GLOBAL_PAIR[1]


def global_tuple_of_functions(x):
    return GLOBAL_FUNCTIONS[0](x) + GLOBAL_FUNCTIONS[1](x)


def global_dict(x):
    return x * GLOBAL_DICT["w"]


def comprehension_scope(v):
    x = 1.0
    ys = [x * 2.0 for x in v]
    return x, ys


def while_and_guard(v):
    i = 0
    while i < len(v) and v[i] > 0.0:
        i += 1
    return i


def for_over_pairs_of_functions(x):
    acc = 0.0
    for f, w in ((np.sin, 1.0), (np.cos, 2.0), (square, -0.5)):
        acc = acc + w * f(x)
    return acc


def int_then_float_accumulator(n):
    x = 0
    for _ in range(n):
        x = x + 0.5
    return x


def lazy_ifexp_guard(v, i):
    return v[i] * 2.0 if i < len(v) else -1.0


def lazy_chain_guard(t, i):
    return 0 <= i < len(t) and t[i] > 0.0


def python_number_corners(a, b):
    return (
        a**-2,
        2**100,
        -7 // 2,
        7.5 % -2.0,
        -7.5 // 2.0,
        round(2.5),
        round(-0.5),
        round(3.14159, 3),
        1 == 1.0,
        True + True,
        max(1, 2.5),
        min(True, 0),
        abs(-a),
        a / b,
        int(7 / 2),
    )


def big_int_factorial(n):
    return factorial(n)


def truthiness_of_containers(s, t, lst):
    return bool(s), bool(t), bool(lst), bool(""), bool(()), not [], bool(0), bool(-2)


def sequence_ops(x, y):
    t = (x, y)
    lst = [x]
    return t + (1.0,), t * 2, lst + [y], lst * 3, (1, 2) < (1, 3), (x, 1) == (x, 1), len(t + t)


def sequence_ops_smooth(x, y):
    t = (x, y) + (x * y,)
    lst = [x] * 2 + [y]
    return t[2] + lst[1] * lst[2]


def len_of_dict(x):
    d = {"a": x, "b": 2.0, "c": None}
    return len(d), d["c"] is None


def zip_enumerate_values(v, t):
    return list(zip(v, t)), list(enumerate(t)), tuple(zip(t, t, t))


def for_enumerate_zip(v, w):
    acc = 0.0
    for i, (p, q) in enumerate(zip(v, w)):
        acc = acc + i * p * q
    return acc


def for_nested_unpack(pairs):
    acc = 0.0
    for a, (b, c) in pairs:
        acc = acc + a * b - c
    return acc


def nested_default_runtime(x):
    def f(y, s=x * 2.0):
        return y * s

    return f(1.5) + f(1.5, 1.0)


def keyword_to_function_value(x):
    return call_with_keyword(with_defaults, x)


def call_with_keyword(f, x):
    return f(x, z=0.5)


def builtin_as_value(x):
    return apply_twice(abs, x) + apply_twice(float, x)


def functions_in_list(x):
    fs = [math.sin, square, lambda t: t + 1.0]
    return fs[0](x) + fs[1](x) * fs[2](x)


def numpy_scalar_args(f64, f32, i64, b):
    return (
        f64 * 2.0,
        f32 * 2.0,
        f32 + f64,
        i64 + 1,
        i64 * 1.5,
        float(f64),
        int(i64),
        isinstance(f64, float),
        isinstance(i64, int),
        b and f64,
        math.sin(f32),
        np.sin(f32),
    )


def numpy_scalar_smooth(f64):
    return f64 * f64 + math.sin(f64) + np.sin(f64)


def zero_d_array(a):
    return a + 1.0, a * a, np.sum(a), a.shape, a.ndim, float(a)


def zero_d_array_smooth(a):
    return np.sum(a * a + np.sin(a))


def setitem_runtime_index(m, i, j, x):
    y = m * 1.0
    y[i, j] = x
    y[i:, j] += x * 2.0
    y[-1] = y[0] * x
    return np.sum(y * y)


def setitem_values(m, i, j):
    y = m * 1.0
    y[i, j] = -1.0
    y[:, j] = 5.0
    return y


def more_np_linalg(t, m, a, b):
    return (
        np.matmul(t, m),
        np.inner(a, b),
        np.tensordot(a, b, axes=0).shape,
        np.tensordot(a, b.T, axes=1),
        np.trace(a),
        np.linalg.solve(M33, np.ones((3, 2))),
        np.linalg.norm(a, axis=1),
        np.einsum("ij,ij->i", a, a),
        np.dot(2.0, 3.0),
    )


def more_np_linalg_smooth(t, m, a):
    return (
        np.sum(np.matmul(t, m) ** 2)
        + np.sum(np.inner(a, a))
        + np.sum(np.tensordot(a, a, axes=0))
        + np.trace(a)
        + np.sum(np.linalg.norm(a, axis=1))
        + np.sum(np.einsum("ij,ij->i", a, a))
    )


def more_np_shapes(m, v, n):
    return (
        np.reshape(m, (-1, 2)),
        np.transpose(np.reshape(m, (1, 2, 3)), axes=(1, 0, 2)).shape,
        np.stack((v, v), axis=-1).shape,
        np.arange(0, n, 2),
        np.arange(5.0),
        np.linspace(0.0, 1.0, n),
        np.eye(2, 3),
        np.diag(v, k=1),
        np.cumsum(m),
        np.sort(m, axis=0),
        np.take(m, IDX),
        np.round(m, decimals=2),
        m.astype(int),
        m.astype(float),
        m.sum(axis=(0, 1)),
        m.sum(keepdims=True),
        np.sum(m, axis=None),
        m.reshape(m.shape[1], m.shape[0]),
        v.T,
    )


def more_np_shapes_smooth(m, v):
    return (
        np.sum(np.diag(v, k=1) ** 2)
        + np.sum(np.cumsum(m) * m.ravel())
        + np.sum(np.sort(m, axis=0) * m)
        + np.sum(np.take(m, IDX) ** 2)
        + m.sum(keepdims=True)[0, 0]
        + np.sum(m.reshape(m.shape[1], m.shape[0]) * m.T)
    )


def more_np_elementwise(m, v, a):
    return (
        np.clip(m, v - 0.5, v + 0.5),
        np.maximum(m, v),
        np.sign(0.0),
        np.abs(-3),
        np.power(a, 2),
        np.isnan(1.5),
        np.logical_and(m, v),
        np.equal(a, 3),
        np.exp(m).dtype,
        np.minimum(a, 2),
    )


def more_np_elementwise_smooth(m, v):
    return np.sum(np.clip(m, v - 0.5, v + 0.5) * m) + np.sum(np.maximum(m, v) ** 2)


def nested_closure_counter(x, n):
    def outer(k):
        def inner(j):
            return x * j + k

        acc = 0.0
        for j in range(k):
            acc = acc + inner(j)
        return acc

    total = 0.0
    for k in range(n):
        total = total + outer(k)
    return total


def closure_in_comprehension(x, n):
    fs = [make_adder(i * x) for i in range(n)]
    return sum([f(x) for f in fs])


def return_in_while_true(x):
    y = x
    while True:
        y = y * 2.0
        if y > 10.0:
            return y


def deep_elif_chain(i):
    if i == 0:
        return "zero"
    elif i == 1:
        return "one"
    elif i == 2:
        return "two"
    elif i == 3:
        return "three"
    return "many"


def return_different_types(i):
    if i == 0:
        return 1
    if i == 1:
        return 1.5
    if i == 2:
        return (1, 2)
    return None


CASES = [
    # comprehensions
    Case(comp_range, (5,), False),
    Case(comp_range_smooth, (0.7, 5), True),
    Case(comp_tuple_if, (0.7, 1.3), True),
    Case(comp_list, ([0.7, 1.3],), False),
    Case(comp_array_rows, (M23,), True),
    Case(comp_array_elements, (V4,), False),
    Case(comp_nested, (3, 3), False),
    Case(comp_nested_lists, (4,), False),
    Case(comp_closure, (0.7, V3), True),
    Case(comp_enumerate_zip, (V3, W3), True),
    Case(comp_to_array, (V3,), True),
    # programs
    Case(prog_newton_sqrt, (2.0, 6), True),
    Case(prog_poly_eval, ((1.0, -2.0, 0.5, 3.0), 0.7), True),
    Case(prog_rnn, (M33 * 0.3, V3, (0.5, -0.3, 0.8)), True),
    Case(prog_logistic_regression, (V3, M23.T @ M23 + 0.1, np.array([1.0, 0.0, 1.0])), True),
    Case(prog_gather_loop, (V4, (0, 2, 3)), True),
    Case(prog_euler_ode, (0.7, 5), True),
    Case(prog_bubble_sort, ((3.0, 1.0, 2.5, -1.0),), False),
    Case(prog_gcd, (84, 36), False),
    Case(prog_collatz, (27,), False),
    Case(prog_matrix_power, (M33, 3), True),
    Case(prog_piecewise, (np.array([0.8, 0.1, -0.9, 0.3]),), True),
    Case(prog_attention, (M23, N23 * 0.5, M23 * 0.7), True),
    # corners
    Case(lazy_ifexp_guard, (V3, 5), False),
    Case(lazy_ifexp_guard, (V3, 1), True),
    Case(lazy_chain_guard, ((0.5, -1.0), 7), False),
    Case(lazy_chain_guard, ((0.5, -1.0), 0), False),
    Case(python_number_corners, (3, 1.5), False),
    Case(big_int_factorial, (25,), False),
    Case(truthiness_of_containers, ("a", (), [0]), False),
    Case(sequence_ops, (0.5, 1.5), False),
    Case(sequence_ops_smooth, (0.5, 1.5), True),
    Case(len_of_dict, (0.5,), False),
    Case(zip_enumerate_values, (V3, (1.0, 2.0)), False),
    Case(for_enumerate_zip, (V3, W3), True),
    Case(for_nested_unpack, (((0.5, (1.5, 2.5)), (1.0, (-1.0, 0.25))),), True),
    Case(nested_default_runtime, (0.7,), True),
    Case(keyword_to_function_value, (0.7,), True),
    Case(builtin_as_value, (-0.7,), True),
    Case(functions_in_list, (0.7,), True),
    Case(
        numpy_scalar_args, (np.float64(0.75), np.float32(1.25), np.int64(3), np.bool_(True)), False
    ),
    Case(numpy_scalar_smooth, (np.float64(0.75),), True),
    Case(zero_d_array, (np.array(0.75),), False),
    Case(zero_d_array_smooth, (np.array(0.75),), True),
    Case(setitem_runtime_index, (M23, 1, 2, 0.7), True),
    Case(setitem_values, (M23, 0, 1), False),
    Case(more_np_linalg, (T234, arr(4, 2), M23, N23), False),
    Case(more_np_linalg_smooth, (T234, arr(4, 2), M23), True),
    Case(more_np_shapes, (M23, V3, 4), False),
    Case(more_np_shapes_smooth, (M23, V3), True),
    Case(more_np_elementwise, (M23, V3, INTS), False),
    Case(more_np_elementwise_smooth, (M23, W3), True),
    Case(nested_closure_counter, (0.7, 4), True),
    Case(closure_in_comprehension, (0.7, 4), True),
    Case(return_in_while_true, (0.7,), True),
    Case(deep_elif_chain, (2,), False),
    Case(deep_elif_chain, (9,), False),
    Case(return_different_types, (0,), False),
    Case(return_different_types, (1,), False),
    Case(return_different_types, (2,), False),
    Case(return_different_types, (3,), False),
    Case(global_constants, (0.7,), True),
    Case(global_tuple_of_functions, (0.7,), True),
    Case(global_dict, (0.7,), True),
    Case(comprehension_scope, (V3,), False),
    Case(while_and_guard, (np.array([1.0, 2.0, -1.0]),), False),
    Case(while_and_guard, (POS3,), False),
    Case(for_over_pairs_of_functions, (0.7,), True),
    Case(int_then_float_accumulator, (0,), False),
    Case(int_then_float_accumulator, (3,), False),
]
