"""The corpus (`tests/corpus`): recursion, mutual recursion and higher-order functions;
closures, lambdas, defaults and keywords, `*args`; comparisons, `and`/`or`, `is None`;
literals.
"""

from __future__ import annotations

import math

import numpy as np

from tests.corpus.values import V3, V4, W3, Case

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


CASES = [
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
]
