"""The corpus (`tests/corpus`): statements (assignment, augmented assignment, unpacking,
pass), `if`/`elif`/`else` and conditional expressions, `while`/`for` loops with `break`,
`continue` and early returns, asserts.
"""

from __future__ import annotations

import math

import numpy as np

from tests.corpus.values import M23, M32, M33, POS3, V3, V4, W3, Case

# ======================================================================================
# Statements: assignment, augmented assignment, unpacking, pass
# ======================================================================================


def arith_basic(x, y):
    return x * y + x - y


def arith_div_pow(x, y):
    return x / y + x**2 - y**3


def arith_unary(x):
    return -x + (+x) * 2.0 - (-(-x))  # noqa: B002


def int_floordiv_mod(a, b):
    return a // b, a % b, -a // b, -a % b


def float_floordiv_mod(x, y):
    return x // y, x % y


def float_mod_smooth(x, y):
    return x % y + x * y


def int_arith(a, b):
    return a + b, a - b, a * b, a / b, a**2, 2**b


def pow_float(x, y):
    return x**y + x**2.5


def not_op(a, b):
    return not a, not b, not (a and b)


def matmul_op(a, b):
    return np.sum(a @ b)


def aug_assign(x):
    y = x + 0.0
    y += 1.0
    y *= x
    y -= 0.5
    y /= 2.0
    y **= 2
    return y


def aug_assign_int(n):
    k = n
    k //= 2
    k %= 5
    k += 7
    k *= 3
    k -= 1
    return k


def aug_assign_matmul(a, b):
    c = a * 1.0
    c @= b
    return np.sum(c)


def aug_assign_array(x):
    y = x * 1.0
    y += 2.0
    y *= x
    return np.sum(y)


def tuple_unpack(x, y):
    a, b = x, y
    c, (d, e) = a * b, (a + 1.0, b - 1.0)
    return a * c + d * e


def tuple_swap(x, y):
    a, b = x, y
    for _ in range(3):
        a, b = b, a * 0.5 + b
    return a - b


def list_unpack(x):
    [a, b, c] = [x, x * 2.0, x * 3.0]
    return a + b * c


def unpack_from_array(x):
    a, b, c = x
    return a * b - c


def unpack_returned(x):
    q, r = divmod_like(x, 0.7)
    return q * 0.1 + r * r


def divmod_like(x, y):
    return x * y, x - y


def chained_assign(x):
    a = b = x * 2.0
    return a * b


def pass_stmt(x):
    if x > 0.0:
        pass
    else:
        x = -x
    pass
    return x * 3.0


def annotated_assign(x):
    y: float = x * 2.0
    return y + 1.0


def docstring_fn(x):
    """A docstring is a constant statement."""
    "another constant statement"
    return x * 1.5


def no_return_value(x):
    y = x * 2.0  # noqa: F841


def bare_return(x):
    if x > 0.0:
        return
    return x


# ======================================================================================
# if / elif / else, conditional expressions
# ======================================================================================


def if_else(x):
    if x > 0.0:
        y = x * x
    else:
        y = -x
    return y * 2.0


def if_elif_else(x):
    if x < -1.0:
        return x * 3.0
    elif x < 0.0:
        return x * x
    elif x < 1.0:
        return math.sin(x)
    else:
        return x + 1.0


def if_no_else(x):
    y = x
    if x > 0.5:
        y = y * 2.0
    return y + x


def nested_if(x, y):
    if x > 0.0:
        if y > 0.0:
            r = x * y
        else:
            r = x - y
    else:
        if y > 0.0:
            r = y * y
        else:
            r = x + y
    return r


def if_expression(x, y):
    return x * y if x > y else x - y


def if_expression_nested(x):
    return x if x > 1.0 else (x * x if x > 0.0 else -x)


def if_on_int(x, n):
    if n % 2 == 0:
        return x * 2.0
    return x * 3.0


def if_on_array_truth(x):
    if np.all(x > -2.0):
        return np.sum(x * x)
    return np.sum(x)


def if_on_bool_arg(x, flag):
    if flag:
        return x * x
    return x


def if_on_string(x, mode):
    if mode == "square":
        return x * x
    elif mode == "cube":
        return x * x * x
    return x


def if_truthy_values(n, t):
    out = 0
    if n:
        out += 1
    if t:
        out += 10
    if not 0.0:
        out += 100
    return out


def branch_defines_var(x):
    if x > 0.0:
        a = x
        b = 2.0
    else:
        a = -x
        b = 3.0
    return a * b


# ======================================================================================
# while / for loops, break, continue, early returns
# ======================================================================================


def while_loop(x, n):
    i = 0
    acc = 0.0
    while i < n:
        acc = acc + x * i
        i += 1
    return acc


def while_float_cond(x):
    y = x
    while y < 10.0:
        y = y * 1.5 + 0.1
    return y


def while_break(x, n):
    i = 0
    acc = x
    while True:
        if i >= n:
            break
        acc = acc * 1.1 + 0.2
        i += 1
    return acc


def while_continue(x, n):
    i = 0
    acc = 0.0
    while i < n:
        i += 1
        if i % 2 == 0:
            continue
        acc = acc + x * i
    return acc


def for_range1(x, n):
    acc = 0.0
    for i in range(n):
        acc = acc + math.sin(x * i)
    return acc


def for_range2(x, a, b):
    acc = x
    for i in range(a, b):
        acc = acc * 0.9 + i
    return acc


def for_range3(x, a, b, s):
    acc = x
    for i in range(a, b, s):
        acc = acc + x * i
    return acc


def for_range_negative_step(x, n):
    acc = 0.0
    for i in range(n, 0, -1):
        acc = acc * x + i
    return acc


def for_range_empty(x):
    acc = x
    for i in range(0):
        acc = acc + i
    for i in range(5, 2):
        acc = acc + i
    return acc


def for_tuple(x, y):
    acc = 0.0
    for v in (x, y, x * y):
        acc = acc + v * v
    return acc


def for_list(x, y):
    acc = 1.0
    for v in [x, y, 2.0]:
        acc = acc * v
    return acc


def for_array_rows(m):
    acc = 0.0
    for row in m:
        acc = acc + np.sum(row * row)
    return acc


def for_array_elements(v):
    acc = 0.0
    for e in v:
        acc = acc + e * e
    return acc


def for_enumerate(v):
    acc = 0.0
    for i, e in enumerate(v):
        acc = acc + i * e
    return acc


def for_enumerate_tuple(x, y):
    acc = 0.0
    for i, e in enumerate((x, y, x + y)):
        acc = acc + (i + 1) * e
    return acc


def for_zip(a, b):
    acc = 0.0
    for p, q in zip(a, b):
        acc = acc + p * q
    return acc


def for_zip3(a, b, c):
    acc = 0.0
    for p, q, r in zip(a, b, c):
        acc = acc + p * q - r
    return acc


def for_zip_uneven(x):
    acc = 0.0
    for p, q in zip((1.0, 2.0, 3.0), (x, x * x)):
        acc = acc + p * q
    return acc


def for_nested(x, n):
    acc = 0.0
    for i in range(n):
        for j in range(i):
            acc = acc + x * (i - j)
    return acc


def for_break(x, n):
    acc = 0.0
    for i in range(100):
        if i >= n:
            break
        acc = acc + x
    return acc


def for_continue(v):
    acc = 0.0
    for e in v:
        if e < 0.0:
            continue
        acc = acc + e * e
    return acc


def for_break_continue(v):
    acc = 0.0
    count = 0
    for i in range(len(v)):
        if i == 1:
            continue
        if i == 3:
            break
        acc = acc + v[i]
        count += 1
    return acc * count


def nested_break_inner(x, n):
    acc = 0.0
    for i in range(n):
        for j in range(n):
            if j > i:
                break
            acc = acc + x * j
    return acc


def loop_var_after(n):
    i = -1
    for i in range(n):  # noqa: B007
        pass
    return i


def early_return_if(x):
    if x > 0.0:
        return x * 2.0
    y = x * x
    return y + 1.0


def early_return_while(x, n):
    i = 0
    acc = x
    while i < 100:
        if i == n:
            return acc
        acc = acc * 1.2
        i += 1
    return -acc


def early_return_for(v, thresh):
    acc = 0.0
    for e in v:
        acc = acc + e
        if acc > thresh:
            return acc * 2.0
    return acc


def early_return_nested_loops(x, n):
    for i in range(n):
        for j in range(n):
            if i * j == 2:
                return x * i + j
    return x


def early_return_all_paths(x):
    if x > 1.0:
        return 1.0
    elif x > 0.0:
        return x
    else:
        return 0.0


def loop_carrying_tuple(x, n):
    state = (x, 0.0)
    for _ in range(n):
        a, b = state
        state = (a * 0.5, b + a)
    return state[0] + state[1]


def loop_with_array_state(x, n):
    y = x
    for _ in range(n):
        y = np.tanh(y) + x
    return np.sum(y)


def while_long(n):
    i = 0
    s = 0.0
    while i < n:
        s = s + 0.5
        i = i + 1
    return s


# ======================================================================================
# Asserts
# ======================================================================================


def assert_pass(x):
    assert x > 0.0, "x must be positive"
    assert x < 10.0
    return math.log(x)


def assert_fail(x):
    assert x < 0.0, "x must be negative"  # ERRLINE assert_fail
    return x


def index_error(t, i):
    return t[i] * 2.0  # ERRLINE index_error


def zero_division(x, y):
    z = x - x
    return y / z  # ERRLINE zero_division


def unbound_local(x):
    if x > 0.0:
        y = x
    return y  # ERRLINE unbound_local


def unpack_error(t):
    a, b = t  # ERRLINE unpack_error
    return a + b


def key_error(x):
    d = {"a": x}
    return d["z"]  # ERRLINE key_error


def ambiguous_truth(v):
    if v > 0.0:  # ERRLINE ambiguous_truth
        return 1.0
    return 0.0


def loop_index_error(v, n):
    acc = 0.0
    i = 0
    while i < n:
        acc = acc + v[i]  # ERRLINE loop_index_error
        i += 1
    return acc


def lambda_error(t):
    f = lambda i: t[i]  # ERRLINE lambda_error
    return f(5)


def math_domain_error(x):
    return math.sqrt(x) + 1.0  # ERRLINE math_domain_error


def matmul_shape_error(a, b):
    c = a * 2.0
    return c @ b  # ERRLINE matmul_shape_error


def error_in_callee(x):
    return error_helper(x) + 1.0


def error_helper(x):
    assert x > 100.0, "too small"  # ERRLINE error_helper
    return x


CASES = [
    # statements
    Case(arith_basic, (1.5, -0.7), True),
    Case(arith_div_pow, (1.3, 0.8), True),
    Case(arith_unary, (0.9,), True),
    Case(int_floordiv_mod, (17, 5), False),
    Case(float_floordiv_mod, (7.5, 2.0), False),
    Case(float_mod_smooth, (7.3, 2.1), True),
    Case(int_arith, (7, 3), False),
    Case(pow_float, (1.7, 0.6), True),
    Case(not_op, (True, 0), False),
    Case(matmul_op, (M23, M32), True),
    Case(aug_assign, (1.2,), True),
    Case(aug_assign_int, (23,), False),
    Case(aug_assign_matmul, (M23, M33), True),
    Case(aug_assign_array, (V3,), True),
    Case(tuple_unpack, (0.8, 1.3), True),
    Case(tuple_swap, (0.8, 1.3), True),
    Case(list_unpack, (0.7,), True),
    Case(unpack_from_array, (V3,), True),
    Case(unpack_returned, (1.1,), True),
    Case(chained_assign, (1.1,), True),
    Case(pass_stmt, (-1.1,), True),
    Case(annotated_assign, (0.4,), True),
    Case(docstring_fn, (0.4,), True),
    Case(no_return_value, (0.4,), False),
    Case(bare_return, (0.4,), False),
    # if
    Case(if_else, (0.7,), True),
    Case(if_else, (-0.7,), True),
    Case(if_elif_else, (-1.5,), True),
    Case(if_elif_else, (-0.5,), True),
    Case(if_elif_else, (0.5,), True),
    Case(if_elif_else, (1.5,), True),
    Case(if_no_else, (0.9,), True),
    Case(nested_if, (0.5, -0.6), True),
    Case(nested_if, (-0.5, 0.6), True),
    Case(if_expression, (0.5, 1.6), True),
    Case(if_expression_nested, (0.5,), True),
    Case(if_on_int, (0.5, 3), True),
    Case(if_on_array_truth, (V3,), True),
    Case(if_on_bool_arg, (0.5, True), True),
    Case(if_on_string, (1.5, "cube"), True),
    Case(if_on_string, (1.5, "other"), True),
    Case(if_truthy_values, (0, (1,)), False),
    Case(branch_defines_var, (-0.3,), True),
    # loops
    Case(while_loop, (0.7, 5), True),
    Case(while_float_cond, (1.3,), True),
    Case(while_break, (0.7, 4), True),
    Case(while_continue, (0.7, 7), True),
    Case(for_range1, (0.3, 6), True),
    Case(for_range2, (0.3, 2, 7), True),
    Case(for_range3, (0.3, 1, 10, 3), True),
    Case(for_range_negative_step, (0.6, 5), True),
    Case(for_range_empty, (0.6,), True),
    Case(for_tuple, (0.6, 1.7), True),
    Case(for_list, (0.6, 1.7), True),
    Case(for_array_rows, (M23,), True),
    Case(for_array_elements, (V4,), True),
    Case(for_enumerate, (V4,), True),
    Case(for_enumerate_tuple, (0.5, 0.25), True),
    Case(for_zip, (V3, W3), True),
    Case(for_zip3, ((0.5, 1.5), [2.5, 3.5], V3), True),
    Case(for_zip_uneven, (0.7,), True),
    Case(for_nested, (0.7, 4), True),
    Case(for_break, (0.7, 4), True),
    Case(for_continue, (V4,), True),
    Case(for_break_continue, (V4,), True),
    Case(nested_break_inner, (0.7, 4), True),
    Case(loop_var_after, (4,), False),
    Case(loop_var_after, (0,), False),
    Case(early_return_if, (0.6,), True),
    Case(early_return_if, (-0.6,), True),
    Case(early_return_while, (0.6, 3), True),
    Case(early_return_for, (POS3, 2.0), True),
    Case(early_return_for, (POS3, 20.0), True),
    Case(early_return_nested_loops, (0.6, 4), True),
    Case(early_return_all_paths, (0.6,), True),
    Case(loop_carrying_tuple, (0.6, 4), True),
    Case(loop_with_array_state, (V3, 3), True),
    Case(while_long, (1000,), False),
    # asserts (the failing ones are in test_corpus.py)
    Case(assert_pass, (1.5,), True),
]
