"""The Python that JAX/autograd users write (issue 15, item 1): `list.append` on a local
list, dict item assignment and iteration, the built-in `pow`, NumPy scalar types as
values, and defaults of nested functions computed at the definition.

Values are compared with plain Python, gradients with central finite differences, second
derivatives with central differences of the compiled first derivative.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import myia
from myia.errors import MyiaSyntaxError, MyiaTypeError
from myia.testing import check_grads
from tests.checks import check_grad, check_jit


def check_second(fn, x, eps=1e-5, rtol=1e-5, atol=1e-6):
    """`grad(grad(fn))(x)` against central differences of `grad(fn)` (a float `x`)."""
    d1 = myia.grad(fn)
    got = myia.grad(d1)(x)
    fd = (d1(x + eps) - d1(x - eps)) / (2 * eps)
    assert abs(got - fd) <= atol + rtol * max(abs(got), abs(fd)), (got, fd)


# list.append on a local list --------------------------------------------------------------


def rnn_states(x):
    hs = []
    h = x
    for i in range(4):
        h = np.tanh(h * 1.5 + 0.1 * i)
        hs.append(h)
    return sum(hs)


def rnn_stack(x, w):
    hs = []
    h = x
    for _ in range(3):
        h = np.tanh(w @ h)
        hs.append(h)
    out = np.stack(hs)
    t = 0.0
    for v in hs:
        t = t + np.sum(v * v)
    return np.sum(out) + t + np.sum(hs[-1]) * len(hs) + np.sum(sum([v * 2.0 for v in hs]))


def append_runtime_length(x, n):
    hs = []
    i = 0
    while i < n:
        hs.append(x * i)
        if i > 1:
            hs.append(math.sin(x))
        i = i + 1
    return sum(hs)


def append_returned(x):
    out = []
    for k in range(3):
        out.append(x * k)
    return out


def test_append_values():
    check_jit(rnn_states, 0.5)
    check_jit(rnn_stack, np.array([0.3, -0.2]), np.eye(2) * 0.9)
    check_jit(append_runtime_length, 0.7, 5)
    check_jit(append_returned, 1.5)


def test_append_gradients():
    check_grad(rnn_states, (0.5,))
    w = np.array([[0.9, -0.3], [0.2, 0.7]])
    check_grad(rnn_stack, (np.array([0.3, -0.2]), w), argnums=(0, 1))
    check_grad(append_runtime_length, (0.7, 5))
    check_second(rnn_states, 0.5)
    check_second(lambda x: append_runtime_length(x, 4), 0.7)


@settings(max_examples=15, deadline=None)
@given(st.floats(-2.0, 2.0), st.integers(0, 6))
def test_append_runtime_length_any(x, n):
    assert myia.jit(append_runtime_length)(x, n) == pytest.approx(append_runtime_length(x, n))
    expected = sum(float(i) for i in range(n)) + math.cos(x) * max(n - 2, 0)
    assert myia.grad(append_runtime_length)(x, n) == pytest.approx(expected)


def append_to_parameter(xs, x):
    xs.append(x)
    return xs[0]


def append_to_alias(x):
    xs = []
    ys = xs
    xs.append(x)
    return ys


def append_shared_in_loop(x):
    xs = []
    total = 0.0
    for _ in range(2):
        xs.append(x)
        total = total + first_of(xs)
    return total


def first_of(xs):
    return xs[0]


def shared_after_appends(x):
    xs = []
    for _ in range(2):
        xs.append(x)
    ys = xs
    return first_of(ys) + first_of(xs)


def test_append_refused_where_python_would_differ():
    with pytest.raises(MyiaSyntaxError, match="`xs` is a parameter") as e:
        myia.jit(append_to_parameter)([1.0], 2.0)
    assert "test_python_subset.py" in str(e.value)
    with pytest.raises(MyiaSyntaxError, match=r"shared \(`ys = xs` at line"):
        myia.jit(append_to_alias)(1.0)
    with pytest.raises(MyiaSyntaxError, match=r"shared \(`first_of\(xs\)`"):
        myia.jit(append_shared_in_loop)(1.0)
    check_jit(shared_after_appends, 1.5)


# dicts ------------------------------------------------------------------------------------


def dict_set(x):
    d = {}
    d["a"] = x * 2.0
    d["b"] = x * x
    d["a"] = d["a"] + 1.0
    return d["a"] + d["b"]


def dict_loop(p):
    s = 0.0
    for k in p:
        s = s + p[k] * p[k]
    return s


def dict_views(p):
    s = 0.0
    for _k, v in p.items():
        s = s + np.sum(v * 2.0)
    for v in p.values():
        s = s + np.sum(v)
    for k in p.keys():
        s = s + np.sum(p[k] ** 3)
    return s


def sgd_step(params, grads):
    new = {}
    for k in params:
        new[k] = params[k] - 0.1 * grads[k]
    return new


def dict_of_updated(p):
    q = sgd_step(p, p)
    return np.sum(q["w"] * q["w"]) + q["b"] ** 2


def test_dict_values():
    check_jit(dict_set, 3.0)
    check_jit(dict_loop, {"a": 1.0, "b": 2.0})
    check_jit(dict_views, {"a": 1.0, "w": np.array([0.5, -1.0])})
    check_jit(sgd_step, {"w": np.ones(2), "b": 0.5}, {"w": np.arange(2.0), "b": 1.0})


def test_dict_gradients():
    check_grad(dict_set, (3.0,))
    check_grad(dict_loop, ({"a": 1.0, "b": 2.0},))
    check_grad(dict_views, ({"a": 1.0, "w": np.array([0.5, -1.0])},))
    g = check_grad(dict_of_updated, ({"w": np.array([0.5, -1.0]), "b": 0.5},))
    assert list(g) == ["w", "b"]
    check_second(dict_set, 3.0)
    check_second(lambda x: dict_loop({"a": x, "b": 2.0 * x}), 0.7)


def dict_runtime_key(p, k):
    d = {"a": 1.0}
    d[k] = p
    return d["a"]


def test_dict_item_assignment_needs_a_constant_key():
    with pytest.raises(MyiaTypeError, match="the key must be a constant known when compiling"):
        myia.jit(dict_runtime_key)(1.0, np.int64(0))


# pow and NumPy scalar types ---------------------------------------------------------------


def builtin_pow(x):
    return pow(x, 3) + pow(x, 2.0) + pow(x, 2.0, None) + pow(2, 3)


def pow_with_modulus(x):
    return pow(x, 3, 5)


def apply_to(f, v):
    return f(v)


def scalar_types_as_values(x):
    fs = [np.float64, np.float32]
    return apply_to(np.float64, x) * 2.0 + fs[0](x) + fs[1](x) * np.int64(3)


def test_builtin_pow():
    check_jit(builtin_pow, 1.5)
    check_grad(builtin_pow, (1.5,))
    check_second(builtin_pow, 1.5)
    with pytest.raises(MyiaTypeError, match="with a modulus is not supported"):
        myia.jit(pow_with_modulus)(3)


def test_numpy_scalar_types_as_values():
    check_jit(scalar_types_as_values, 1.5)
    assert myia.grad(scalar_types_as_values)(1.5) == pytest.approx(6.0)
    check_second(scalar_types_as_values, 1.5)


# defaults of nested functions computed at the definition ---------------------------------


def lambda_default_in_loop(x):
    total = 0.0
    for i in range(3):
        f = lambda v, i=i: v * i + i  # noqa: E731
        total = total + f(x)
    return total


def def_default_of_a_local(x, s):
    t = s * 2.0

    def inner(a, scale=t):
        return a * scale

    return inner(x) + inner(x, 1.0) + inner(x, scale=x)


def lambdas_called_through_values(x):
    fs = [lambda v, k=k: v * k + k for k in range(3)]
    return fs[0](x) + fs[2](x)


def defaults_left_out_and_given(x):
    fs = [lambda v, k=k: v * k + k for k in range(3)]
    return fs[0](x) + fs[1](x, 5.0)


def defaults_of_a_differentiable_value(x):
    fs = []
    for k in range(3):
        fs.append(lambda v, c=k * x: v * c)
    s = 0.0
    for f in fs:
        s = s + f(x)
    return s


def test_runtime_defaults_values():
    check_jit(lambda_default_in_loop, 2.0)
    check_jit(def_default_of_a_local, 2.0, 3.0)
    check_jit(lambdas_called_through_values, 2.0)
    check_jit(defaults_of_a_differentiable_value, 2.0)


def test_runtime_defaults_gradients():
    check_grad(lambda_default_in_loop, (2.0,))
    check_grad(def_default_of_a_local, (2.0, 3.0), argnums=(0, 1))
    check_grad(lambdas_called_through_values, (2.0,))
    check_grad(defaults_of_a_differentiable_value, (2.0,))
    check_second(lambda_default_in_loop, 2.0)
    check_second(lambda x: def_default_of_a_local(x, 3.0 * x), 2.0)


def test_default_left_out_and_given_through_a_value_is_refused():
    with pytest.raises(MyiaTypeError, match=r"\(a float, its default\) then \(a float, a float\)"):
        myia.jit(defaults_left_out_and_given)(2.0)


# functools.partial ------------------------------------------------------------------------


def affine(a, k, b=1.0):
    return a * k + b


def partial_keyword(x):
    g = functools.partial(affine, k=3.0)
    return g(x) + g(x, k=x) + g(x, b=x)


def partial_positional(x, y):
    g = functools.partial(affine, y)
    return g(x) + g(x, 2.0)


def partials_in_a_list(x):
    fs = [functools.partial(affine, k=float(i) * x) for i in range(3)]
    s = 0.0
    for f in fs:
        s = s + f(x)
    return s


def partial_of_numpy(x):
    return functools.partial(np.multiply, 2.0)(x)


def partial_of_numpy_keywords(x):
    total = functools.partial(np.sum, axis=0)
    clipped = functools.partial(np.clip, a_min=-0.5, a_max=0.5)
    return np.sum(total(x * x) ** 2) + np.sum(clipped(x) * x)


def partial_of_math(x):
    return functools.partial(math.pow, 2.0)(x) + functools.partial(np.multiply, 2.0)(x)


def test_functools_partial():
    check_jit(partial_keyword, 2.0)
    check_jit(partial_positional, 2.0, 3.0)
    check_jit(partials_in_a_list, 2.0)
    check_grad(partial_keyword, (2.0,))
    check_grad(partial_positional, (2.0, 3.0), argnums=(0, 1))
    check_grad(partials_in_a_list, (2.0,))
    check_second(partial_keyword, 2.0)


def test_functools_partial_of_numpy_and_math_functions():
    x = np.array([[0.1, 0.7], [0.3, -0.2]])
    check_jit(partial_of_numpy, 2.0)
    check_jit(partial_of_numpy_keywords, x)
    check_jit(partial_of_math, 0.3)
    check_grads(partial_of_numpy_keywords, (x,), order=2)
    check_grads(partial_of_math, (0.3,), order=2)
    assert myia.grad(partial_of_numpy)(2.0) == 2.0


def partial_and_direct_call(x, y):
    g = functools.partial(affine, k=3.0)
    return g(x) + affine(y, x)


def test_gradient_of_a_partial_and_a_direct_call_of_one_function():
    # The partial is an effect of the function (its statement): reverse mode asked for its
    # forward closure after the forward pass ('a forward closure was asked for after...').
    x, y = 2.0, 3.0
    check_grad(partial_and_direct_call, (x, y), argnums=(0, 1))
    assert myia.grad(partial_and_direct_call, argnums=(0, 1))(x, y) == (3.0 + y, x)
    check_grads(partial_and_direct_call, (x, y), order=2)
