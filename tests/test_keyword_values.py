"""Keyword arguments to a function chosen at run time (issue 15, item 1): `f(x, z=0.5)` with
`f` a parameter, an item of a list or dict, a lambda, a closure, a `functools.partial` or a
NumPy function passed as a value; the specializer binds the keywords (`prim/keywords.py`).

Values are compared with plain Python, gradients with central finite differences (first
and second order), tangents with directional central differences; a call whose possible
callees bind the keywords differently is refused, naming the user's line.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import myia
from myia.errors import MyiaTypeError
from myia.testing import check_grads
from tests.ad.jvp_checks import check_jvp
from tests.checks import check_grad, check_jit


def scaled(x, y=2.0, z=1.0):
    return x * y + z * x * x


def swapped(z, x=1.0):
    return z * 3.0 - x


def call_with_keyword(f, x):
    return f(x, z=0.5)


def keyword_parameter(x):
    return call_with_keyword(scaled, x)


def keyword_from_dict(x):
    fs = {"a": scaled, "b": lambda t, z=3.0: t * z * z}
    return fs["a"](x, z=x) + fs["b"](x, z=x) + fs["b"](t=x)


def keyword_from_list(x, k):
    fs = [scaled, scaled]
    return fs[k](x, y=x, z=0.25) + fs[1 - k](z=x, x=2.0)


def keyword_to_lambda(x):
    return call_with_keyword(lambda t, z: t * np.sin(z * t), x)


def keyword_to_closure(x):
    a = x * 2.0

    def inner(t, s=1.0):
        return t * s * a

    return call_with_keyword(lambda t, z: inner(t, s=z), x) + call_with_keyword(inner_z(a), x)


def inner_z(a):
    return lambda t, z=1.0: a * t + z


def keyword_to_partial(x):
    p = functools.partial(scaled, y=3.0)
    return p(x, z=x) + call_with_keyword(p, x)


def runtime_default(i):
    return lambda v, s=i * 1.5: v * s


def keyword_leaves_out_runtime_default(x):
    fs = [runtime_default(1), runtime_default(2)]
    return fs[0](v=x) + fs[1](v=x, s=x)


def same_binding_in_a_branch(x):
    f = scaled if x > 0.0 else swapped_like
    return f(x, z=x)


def swapped_like(x, y=2.0, z=1.0):
    return x - y * z


def other_default(x, y=5.0, z=1.0):
    return x * y - z


def same_defaults_left_out(x):
    f = scaled if x > 0.0 else other_default
    return f(x, 1.5) + f(x, y=0.5)  # both have z=1.0


def reduce_with(fn, x):
    return fn(x, axis=0)


def numpy_function_values(x):
    return np.sum(reduce_with(np.sum, x) * reduce_with(np.max, x))


def numpy_function_keepdims(x):
    fs = (np.sum, np.mean)
    return np.sum(fs[0](x, axis=1, keepdims=True) * fs[1](x, axis=0, keepdims=True) * x)


SCALAR_CASES = [
    (keyword_parameter, (0.7,)),
    (keyword_from_dict, (0.7,)),
    (keyword_to_lambda, (0.7,)),
    (keyword_to_closure, (0.7,)),
    (keyword_to_partial, (0.7,)),
    (keyword_leaves_out_runtime_default, (0.7,)),
    (same_binding_in_a_branch, (0.7,)),
    (same_binding_in_a_branch, (-0.7,)),
    (same_defaults_left_out, (0.7,)),
    (same_defaults_left_out, (-0.7,)),
]


@pytest.mark.parametrize("fn, args", SCALAR_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_keywords_to_function_values(fn, args):
    check_jit(fn, *args)
    check_grads(fn, args, order=2)
    check_jvp(fn, args)


def test_keyword_to_an_item_chosen_by_an_int():
    for k in (0, 1):
        check_jit(keyword_from_list, 0.7, k)
        check_grad(keyword_from_list, (0.7, k))
    check_grads(keyword_from_list, (0.7, 1), order=2, argnums=0)


@pytest.mark.parametrize("fn", [numpy_function_values, numpy_function_keepdims])
def test_numpy_function_passed_as_a_value_with_a_keyword(fn):
    x = np.arange(6.0).reshape(2, 3) * 0.3 + 0.1
    check_jit(fn, x)
    check_grads(fn, (x,), order=2)
    check_jvp(fn, (x,))


def test_vmap_of_keyword_calls_through_values():
    xs = np.linspace(0.2, 1.4, 4)
    got = myia.vmap(keyword_parameter)(xs)
    np.testing.assert_allclose(got, [keyword_parameter(float(v)) for v in xs], rtol=1e-12)
    batch = np.stack([np.eye(2, 3) + 0.5, np.ones((2, 3)) * 0.2])
    got = myia.vmap(numpy_function_values)(batch)
    np.testing.assert_allclose(got, [numpy_function_values(b) for b in batch], rtol=1e-12)


@settings(max_examples=20, deadline=None)
@given(st.floats(-3.0, 3.0, allow_nan=False))
def test_keyword_calls_match_python(x):
    for fn in (keyword_parameter, keyword_to_partial, same_binding_in_a_branch):
        assert myia.jit(fn)(x) == pytest.approx(fn(x), rel=1e-12, abs=1e-12)


def two_params(x, z):
    return x * z


def choose_by_sign(x):
    f = scaled if x > 0.0 else two_params
    return f(x, z=1.0)  # ERRLINE


def choose_defaults(x):
    f = scaled if x > 0.0 else other_default
    return f(x, z=1.0) + f(x, 1.0, 2.0)  # ERRLINE


def choose_defaults_by_position(x):
    f = scaled if x > 0.0 else other_default
    return f(x) + f(x, 1.0)  # ERRLINE


def unknown_keyword(x):
    return call_with_keyword(swapped, x)


def _line_of(fn, marker="# ERRLINE") -> str:
    lines, first = inspect.getsourcelines(fn)
    k = next(i for i, line in enumerate(lines) if marker in line)
    return f"{inspect.getsourcefile(fn)}:{first + k}"


def test_callees_that_bind_a_keyword_differently_are_refused():
    with pytest.raises(MyiaTypeError, match="bind its keyword arguments `z=` differently") as e:
        myia.jit(choose_by_sign)(0.7)
    assert "`scaled(x, y, z)`" in str(e.value) and "`two_params(x, z)`" in str(e.value)
    assert _line_of(choose_by_sign) in str(e.value)


@pytest.mark.parametrize("fn", [choose_defaults, choose_defaults_by_position])
def test_callees_with_other_defaults_for_a_left_out_parameter_are_refused(fn):
    # (the call would compute one of the functions with the other's default: a wrong value)
    with pytest.raises(MyiaTypeError, match="have different defaults for `y`") as e:
        myia.jit(fn)(0.7)
    assert "`scaled(x, y, z)`" in str(e.value) and "`other_default(x, y, z)`" in str(e.value)
    assert _line_of(fn) in str(e.value)


def test_a_wrong_keyword_through_a_value_is_refused():
    # `swapped(x, z=0.5)` gives `z` twice, as Python's TypeError says.
    with pytest.raises(TypeError):
        unknown_keyword(0.7)
    with pytest.raises(MyiaTypeError, match="`swapped` got multiple values for argument `z`"):
        myia.jit(unknown_keyword)(0.7)


# A gradient (or vmap) held in a variable, called with keywords (issue 13/14) ----------------


def grad_held_with_keywords(x):
    gf = myia.grad(scaled)
    return gf(x, z=x) + gf(x, 0.5, z=2.0) * x


def grad_direct_with_keywords(x):
    return myia.grad(scaled)(x, z=x * x)


def value_and_grad_held_with_keywords(x):
    vg = myia.value_and_grad(scaled, argnums=(0, 1))
    value, (dx, dy) = vg(x, y=3.0)
    return value * dy + dx


def grad_held_by_position(x):
    gf = myia.grad(scaled)
    return gf(x) + gf(x, 3.0, 0.5)


def d_scaled(x, y=2.0, z=1.0):
    """d scaled / dx, by hand: y + 2 z x."""
    return y + 2.0 * z * x


@pytest.mark.parametrize(
    "fn, closed",
    [
        (grad_held_with_keywords, lambda x: d_scaled(x, z=x) + d_scaled(x, 0.5, 2.0) * x),
        (grad_direct_with_keywords, lambda x: d_scaled(x, z=x * x)),
        (value_and_grad_held_with_keywords, lambda x: scaled(x, 3.0) * x + d_scaled(x, 3.0)),
        (grad_held_by_position, lambda x: d_scaled(x) + d_scaled(x, 3.0, 0.5)),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_a_gradient_in_compiled_code_takes_keywords_as_its_function_does(fn, closed):
    # (a held gradient also failed by position: its unused `grad_of` statement ran)
    for x in (-1.3, 0.4, 2.0):
        assert myia.jit(fn)(x) == pytest.approx(closed(x), rel=1e-12)
    check_grads(fn, (0.4,), order=2)
    g = myia.grad(scaled)  # outside, too
    assert g(0.4, z=1.5) == pytest.approx(d_scaled(0.4, z=1.5), rel=1e-12)


def grad_held_wrong_keyword(x):
    gf = myia.grad(scaled)
    return gf(x, w=1.0)  # ERRLINE


def test_a_wrong_keyword_to_a_gradient_is_refused_at_the_line():
    with pytest.raises(MyiaTypeError, match="`scaled` got an unexpected keyword argument `w`") as e:
        myia.jit(grad_held_wrong_keyword)(0.7)
    assert _line_of(grad_held_wrong_keyword) in str(e.value)
