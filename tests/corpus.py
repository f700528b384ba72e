"""A corpus of small functions covering every line of shared/SUBSET.md.

This file owns the corpus: module-level functions written in the supported subset and
`CASES`, a list of `Case(fn, args, grad)`. `tests/test_corpus.py` checks that
`myia.jit(fn)(*args)` equals `fn(*args)` (value and type); gradient tests reuse the cases
marked `grad=True`.

`grad=True` means: `fn(*args)` returns a float scalar (Python float or NumPy floating
scalar) that is differentiable with respect to every float argument (floats, float arrays,
and tuples/lists/dicts of those) at the given `args`, with every kink, tie and branch
boundary at least 1e-2 away from the args (float32 cases: further), so central finite
differences are valid. Int arguments are loop counts or indices, str/None/bool arguments
select behaviour; none of them is differentiated.

Arrays are small and deterministic (built from `np.sin` of an arange: no ties, no zeros),
float64 unless the case is about float32. No function mutates its arguments: subscript
assignment only updates local arrays.
"""

from __future__ import annotations

import collections
import math

import numpy
import numpy as np

Case = collections.namedtuple("Case", "fn args grad")


def _arr(*shape, phase=0.4, scale=1.0, offset=0.0, dtype=np.float64):
    """A deterministic array of distinct, nonzero values."""
    n = int(np.prod(shape))
    values = np.sin(np.arange(n) * 1.3 + phase) * scale + offset
    return values.reshape(shape).astype(dtype)


V3 = _arr(3)
W3 = _arr(3, phase=1.1)
V4 = _arr(4, phase=0.2)
W4 = _arr(4, phase=2.3)
M23 = _arr(2, 3, phase=0.7)
N23 = _arr(2, 3, phase=1.9)
M32 = _arr(3, 2, phase=2.9)
M34 = _arr(3, 4, phase=0.3)
M33 = _arr(3, 3, phase=0.5) + 3.0 * np.eye(3)  # well conditioned
C31 = _arr(3, 1, phase=1.7)
T234 = _arr(2, 3, 4, phase=0.9)
POS3 = _arr(3, phase=0.6, scale=0.8, offset=1.5)  # in (0.7, 2.3)
POS23 = _arr(2, 3, phase=0.1, scale=0.8, offset=1.5)
UNIT3 = _arr(3, phase=0.8, scale=0.8)  # in (-0.8, 0.8): arcsin, arccos, arctanh
V3_32 = _arr(3, phase=0.4, dtype=np.float32)
M23_32 = _arr(2, 3, phase=0.7, dtype=np.float32)
IDX = np.array([2, 0, 1])
INTS = np.array([3, 1, 4, 1, 5])
BOOLS = np.array([True, False, True])
SPECIAL = np.array([1.5, np.nan, np.inf, -np.inf, -0.5])


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


# ======================================================================================
# Recursion, mutual recursion, higher-order functions
# ======================================================================================


def factorial(n):
    if n <= 1:
        return 1
    return n * factorial(n - 1)


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def pow_rec(x, n):
    if n == 0:
        return 1.0
    return x * pow_rec(x, n - 1)


def is_even(n):
    if n == 0:
        return True
    return is_odd(n - 1)


def is_odd(n):
    if n == 0:
        return False
    return is_even(n - 1)


def mutual_float_a(x, n):
    if n <= 0:
        return x
    return mutual_float_b(x * 1.1, n - 1) + 0.1


def mutual_float_b(x, n):
    if n <= 0:
        return x * x
    return mutual_float_a(math.sin(x), n - 1)


def mutual_recursion_float(x, n):
    return mutual_float_a(x, n)


def mutual_recursion_bool(n):
    return is_even(n), is_odd(n)


def rec_sum_array(v, i):
    if i == len(v):
        return 0.0
    return v[i] * v[i] + rec_sum_array(v, i + 1)


def square(x):
    return x * x


def apply_twice(f, x):
    return f(f(x))


def compose(f, g):
    def h(x):
        return f(g(x))

    return h


def higher_order_pass(x):
    return apply_twice(square, x) + apply_twice(math.sin, x)


def higher_order_return(x):
    h = compose(square, math.tanh)
    return h(x) + compose(h, h)(x)


def higher_order_tuple(x):
    fs = (square, math.sin, np.cos, lambda t: t * 3.0)
    acc = 0.0
    for f in fs:
        acc = acc + f(x)
    return acc


def higher_order_select(x, i):
    fs = (math.sin, math.cos, square)
    return fs[i](x)


def higher_order_primitive_value(x):
    f = np.tanh
    return np.sum(f(x))


def make_adder(a):
    def add(x):
        return x + a

    return add


def make_scaler_pair(a):
    return (lambda x: x * a, lambda x: x / a)


def returned_closures(x):
    inc = make_adder(1.5)
    mul, div = make_scaler_pair(2.0)
    return inc(x) * mul(x) + div(x)


def map_like(f, xs):
    return [f(e) for e in xs]


def higher_order_map(x, y):
    out = map_like(square, (x, y, x * y))
    return out[0] + out[1] + out[2]


def fold(f, init, xs):
    acc = init
    for e in xs:
        acc = f(acc, e)
    return acc


def higher_order_fold(x, y):
    return fold(lambda a, b: a * 0.5 + b * b, 1.0, [x, y, x - y])


def higher_order_dict_of_functions(x):
    ops = {"f": square, "g": math.sin}
    return ops["f"](x) + ops["g"](x)


# ======================================================================================
# Closures, lambda, defaults and keywords, *args
# ======================================================================================


def closure_depth1(x):
    a = x * 2.0

    def f(y):
        return a * y

    return f(x) + f(1.0)


def closure_depth2(x):
    a = x + 1.0

    def f(y):
        b = y * a

        def g(z):
            return z * a + b

        return g(y)

    return f(x)


def closure_depth3(x):
    a = x

    def f():
        b = a * 2.0

        def g():
            c = b + a

            def h():
                return a * b * c

            return h()

        return g()

    return f()


def closure_over_param(x, y):
    def f(z):
        return z * x + y

    return f(x) * f(y)


def closure_in_loop(x, n):
    acc = 0.0
    for i in range(n):

        def f(y):
            return y * i + x

        acc = acc + f(x)
    return acc


def closure_recursive(x, n):
    def r(k):
        if k == 0:
            return x
        return r(k - 1) * 0.5 + x

    return r(n)


def closure_mutual(n):
    def ev(k):
        if k == 0:
            return True
        return od(k - 1)

    def od(k):
        if k == 0:
            return False
        return ev(k - 1)

    return ev(n)


def closure_late_binding(x):
    a = x

    def f():
        return a * 2.0

    a = x + 1.0
    return f()


def closure_sees_later_function(x):
    def f(y):
        return g(y) * 2.0

    def g(y):
        return y + 1.0

    return f(x)


def lambda_simple(x):
    f = lambda y: y * y + x
    return f(x) + f(2.0)


def lambda_immediate(x):
    return (lambda a, b: a * b)(x, x + 1.0)


def lambda_default(x):
    f = lambda y, k=3.0: y * k
    return f(x) + f(x, 2.0)


def lambda_nested(x):
    f = lambda a: lambda b: a * b + x
    return f(2.0)(x)


def lambda_module(x):
    return _LAMBDA_TIMES_TWO(x) + 1.0


_LAMBDA_TIMES_TWO = lambda t: t * 2.0


def with_defaults(x, y=2.0, z=3.0):
    return x * y + z


def defaults_and_keywords(x):
    return (
        with_defaults(x)
        + with_defaults(x, 4.0)
        + with_defaults(x, z=1.0)
        + with_defaults(z=0.5, y=x, x=1.5)
    )


def top_level_default(x, scale=2.5):
    return x * scale


def nested_defaults(x):
    def f(a, b=1.0, c=None):
        if c is None:
            return a * b
        return a * b + c

    return f(x) + f(x, 2.0) + f(x, c=3.0) + f(b=0.5, a=x)


def star_args_call(x, y):
    t = (x, y)
    return with_defaults(*t) + with_defaults(*(x, y, 1.0))


def star_args_mixed(x, y):
    t = (y,)
    return with_defaults(x, *t) + with_defaults(*t, *(x, 2.0))


def star_args_to_closure(x):
    def f(a, b, c):
        return a * b - c

    args = (x, 2.0, 0.5)
    return f(*args)


def star_args_from_arg(t):
    return with_defaults(*t)


def tuple_with_star(x, y):
    t = (x, y)
    u = (1.0, *t, 2.0)
    return u[0] + u[1] * u[2] + u[3]


# ======================================================================================
# Comparisons, and/or, is None
# ======================================================================================


def compare_ops(x, y):
    return x < y, x <= y, x > y, x >= y, x == y, x != y


def compare_ints(a, b):
    return a < b, a <= b, a > b, a >= b, a == b, a != b


def chained_compare(x):
    return 0.0 < x < 1.0, -1.0 < x <= 0.5 < 2.0, 1.0 > x > 5.0


def chained_compare_branch(x, y):
    if -1.0 < x < y < 3.0:
        return x * y
    return x + y


def chained_compare_side_effect_free(x):
    return square(x) < 2.0 < square(x) + 3.0


def and_or_values(x, y):
    return (x and y), (x or y), (0.0 and y), (0.0 or y), (x and 0.0 or y)


def and_or_mixed_types(n, s):
    return (n or "default"), (s and 3), (None or n), (n and None)


def short_circuit_none(x):
    return x is not None and x > 0.0


def short_circuit_guard(v, i):
    if i < len(v) and v[i] > 0.0:
        return v[i]
    return 0.0


def or_default(x, scale):
    s = scale or 2.0
    return x * s


def is_none(x, y):
    if y is None:
        return x * 2.0
    return x * y


def is_none_results(x):
    a = None
    return a is None, x is None, x is not None, a is not None


def bool_and_or_branch(x, y):
    if x > 0.0 and y > 0.0:
        return x * y
    if x > 0.0 or y > 0.0:
        return x + y
    return x - y


# ======================================================================================
# Literals: numbers, bool, None, str, tuple, list, dict
# ======================================================================================


def literal_constants():
    return 1, 2.5, True, False, None, "hello", -3, 1e-3


def string_constant(x):
    s = "myia"
    return s, len(s), x * 2.0


def string_compare(s):
    return s == "abc", s != "abc", s == "xyz"


def tuple_literal_nested(x, y):
    return (x, (y, 1), (), ((x,),))


def list_literal(x, y):
    return [x, y, x * y, []]


def list_of_arrays(x):
    return [x, x * 2.0, np.sin(x)]


def dict_literal(x, y):
    d = {"a": x, "b": y, 3: x * y}
    return d["a"] * d["b"] + d[3]


def dict_return(x, y):
    return {"sum": x + y, "prod": x * y, "pair": (x, y)}


def dict_arg(p, x):
    return p["w"] * x + p["b"]


def dict_nested(x):
    d = {"inner": {"v": x}, "t": (x, 2.0)}
    return d["inner"]["v"] * d["t"][1]


def tuple_arg(t):
    a, b = t
    return a * b + t[0]


def list_arg(lst):
    return lst[0] * lst[1] - lst[2]


def nested_structure_arg(p):
    w, (b, c) = p["w"], p["bc"]
    return np.sum(w * b) + c


def none_constant(x):
    y = None
    z = x if y is None else y
    return z * 2.0


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


# ======================================================================================
# The cases
# ======================================================================================

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
    # recursion and higher order
    Case(factorial, (10,), False),
    Case(fib, (10,), False),
    Case(pow_rec, (1.1, 5), True),
    Case(mutual_recursion_bool, (7,), False),
    Case(mutual_recursion_float, (0.9, 5), True),
    Case(rec_sum_array, (V4, 0), True),
    Case(higher_order_pass, (0.7,), True),
    Case(higher_order_return, (0.7,), True),
    Case(higher_order_tuple, (0.7,), True),
    Case(higher_order_select, (0.7, 1), True),
    Case(higher_order_primitive_value, (V3,), True),
    Case(returned_closures, (0.7,), True),
    Case(higher_order_map, (0.7, 1.2), True),
    Case(higher_order_fold, (0.7, 1.2), True),
    Case(higher_order_dict_of_functions, (0.7,), True),
    # closures, lambdas, defaults, *args
    Case(closure_depth1, (0.7,), True),
    Case(closure_depth2, (0.7,), True),
    Case(closure_depth3, (0.7,), True),
    Case(closure_over_param, (0.7, 1.3), True),
    Case(closure_in_loop, (0.7, 4), True),
    Case(closure_recursive, (0.7, 4), True),
    Case(closure_mutual, (5,), False),
    Case(closure_late_binding, (0.7,), True),
    Case(closure_sees_later_function, (0.7,), True),
    Case(lambda_simple, (0.7,), True),
    Case(lambda_immediate, (0.7,), True),
    Case(lambda_default, (0.7,), True),
    Case(lambda_nested, (0.7,), True),
    Case(lambda_module, (0.7,), True),
    Case(defaults_and_keywords, (0.7,), True),
    Case(top_level_default, (0.7,), True),
    Case(top_level_default, (0.7, 1.5), True),
    Case(nested_defaults, (0.7,), True),
    Case(star_args_call, (0.7, 1.1), True),
    Case(star_args_mixed, (0.7, 1.1), True),
    Case(star_args_to_closure, (0.7,), True),
    Case(star_args_from_arg, ((0.7, 1.1, 0.2),), True),
    Case(tuple_with_star, (0.7, 1.1), True),
    # comparisons, and/or, is None
    Case(compare_ops, (0.7, 1.1), False),
    Case(compare_ops, (1.1, 1.1), False),
    Case(compare_ints, (3, 2), False),
    Case(chained_compare, (0.3,), False),
    Case(chained_compare, (0.7,), False),
    Case(chained_compare_branch, (0.3, 1.2), True),
    Case(chained_compare_branch, (0.3, 0.1), True),
    Case(chained_compare_side_effect_free, (1.2,), False),
    Case(and_or_values, (0.7, 1.1), False),
    Case(and_or_mixed_types, (0, ""), False),
    Case(and_or_mixed_types, (5, "s"), False),
    Case(short_circuit_none, (None,), False),
    Case(short_circuit_none, (0.5,), False),
    Case(short_circuit_guard, (V3, 5), False),
    Case(short_circuit_guard, (V3, 0), True),
    Case(or_default, (0.7, None), True),
    Case(or_default, (0.7, 3.0), True),
    Case(is_none, (0.7, None), True),
    Case(is_none, (0.7, 1.5), True),
    Case(is_none_results, (0.7,), False),
    Case(bool_and_or_branch, (0.7, 1.2), True),
    Case(bool_and_or_branch, (0.7, -1.2), True),
    Case(bool_and_or_branch, (-0.7, -1.2), True),
    # literals
    Case(literal_constants, (), False),
    Case(string_constant, (0.5,), False),
    Case(string_compare, ("abc",), False),
    Case(tuple_literal_nested, (0.5, 1.5), False),
    Case(list_literal, (0.5, 1.5), False),
    Case(list_of_arrays, (V3,), False),
    Case(dict_literal, (0.5, 1.5), True),
    Case(dict_return, (0.5, 1.5), False),
    Case(dict_arg, ({"w": 1.5, "b": -0.5}, 0.7), True),
    Case(dict_nested, (0.7,), True),
    Case(tuple_arg, ((0.7, 1.3),), True),
    Case(list_arg, ([0.7, 1.3, 0.1],), True),
    Case(nested_structure_arg, ({"w": V3, "bc": (W3, 0.5)},), True),
    Case(none_constant, (0.7,), True),
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
    Case(la_mlp, (M34, _arr(4, 2, phase=0.2), M23), True),
    # shapes
    Case(sh_reshape_transpose, (M23,), False),
    Case(sh_reshape_smooth, (M23, V3), True),
    Case(sh_swapaxes_moveaxis, (T234,), False),
    Case(sh_swapaxes_smooth, (_arr(3, 3, 3),), True),
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
    Case(more_np_linalg, (T234, _arr(4, 2), M23, N23), False),
    Case(more_np_linalg_smooth, (T234, _arr(4, 2), M23), True),
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
