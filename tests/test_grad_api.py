"""The public gradient API of shared/API.md: `myia.grad` and `myia.value_and_grad`.

This file owns the calling conventions (argnums as an int, a tuple or negative; has_aux;
the plain, decorator and decorator-factory forms), the shape of what comes back (the
gradient has exactly the structure, shapes and dtypes of the argument, with real zeros where
the function does not depend on an element; float32 stays float32, a Python float gives a
Python float), the errors (non-scalar output, gradient with respect to an int or a bool),
non-differentiated int/bool/None/str arguments, `myia.stop_gradient`, and the features not
implemented yet: `myia.grad` called inside compiled code and `myia.custom_vjp`.

Numerical correctness of gradients of whole programs is in test_grad_programs.py, higher
orders in test_grad_higher.py.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import myia
from myia.testing import check_grads

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


def assert_tree_close(actual, expected, where="gradient"):
    """`actual` has the container types, keys, leaf types, shapes and dtypes of `expected`,
    and the same values (to rounding)."""
    if isinstance(expected, (tuple, list, dict)):
        assert type(actual) is type(expected), (
            f"{where}: got a {type(actual).__name__}, expected a {type(expected).__name__}"
        )
        if isinstance(expected, dict):
            assert list(actual) == list(expected), f"{where}: keys {list(actual)}"
            items = expected.items()
        else:
            assert len(actual) == len(expected), f"{where}: length {len(actual)}"
            items = enumerate(expected)
        for k, e in items:
            assert_tree_close(actual[k], e, f"{where}[{k!r}]")
        return
    assert actual is not None, f"{where}: got None instead of a zero"
    if isinstance(expected, float):
        assert type(actual) is float, f"{where}: got a {type(actual).__name__}, expected a float"
    else:
        expected = np.asarray(expected)
        assert isinstance(actual, (np.ndarray, np.generic)), (
            f"{where}: got a {type(actual).__name__}, expected an array"
        )
        assert np.shape(actual) == expected.shape, f"{where}: shape {np.shape(actual)}"
        assert np.asarray(actual).dtype == expected.dtype, f"{where}: dtype {actual.dtype}"
    rtol = 1e-5 if np.asarray(expected).dtype == np.float32 else 1e-10
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol, err_msg=where)


# Functions used across the tests ------------------------------------------------------------


def mul3(x, y, z):
    return x * y * y * z * z * z


def tanh_matmul(x, y):
    return np.sum(np.tanh(x @ y))


def tanh_matmul_grads(x, y):
    d = 1.0 - np.tanh(x @ y) ** 2
    return d @ y.T, x.T @ d


# argnums ------------------------------------------------------------------------------------


def test_grad_defaults_to_first_argument():
    assert_tree_close(myia.grad(mul3)(2.0, 3.0, 5.0), 9.0 * 125.0)


@pytest.mark.parametrize(
    "argnums, expected",
    [
        (1, 2.0 * 6.0 * 125.0),
        (2, 2.0 * 9.0 * 75.0),
        (-1, 2.0 * 9.0 * 75.0),
        (-3, 9.0 * 125.0),
        ((0, 1), (9.0 * 125.0, 2.0 * 6.0 * 125.0)),
        ((2, 0), (2.0 * 9.0 * 75.0, 9.0 * 125.0)),
        ((0, -1), (9.0 * 125.0, 2.0 * 9.0 * 75.0)),
        ((1,), (2.0 * 6.0 * 125.0,)),
        ((0, 1, 2), (9.0 * 125.0, 2.0 * 6.0 * 125.0, 2.0 * 9.0 * 75.0)),
    ],
)
def test_grad_argnums(argnums, expected):
    assert_tree_close(myia.grad(mul3, argnums=argnums)(2.0, 3.0, 5.0), expected)


def test_grad_argnums_on_arrays():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    dx, dy = tanh_matmul_grads(x, y)
    assert_tree_close(myia.grad(tanh_matmul)(x, y), dx)
    assert_tree_close(myia.grad(tanh_matmul, argnums=1)(x, y), dy)
    assert_tree_close(myia.grad(tanh_matmul, argnums=-1)(x, y), dy)
    assert_tree_close(myia.grad(tanh_matmul, argnums=(0, 1))(x, y), (dx, dy))


@pytest.mark.parametrize("argnums", [3, -4, (0, 3)])
def test_grad_argnums_out_of_range_is_an_error(argnums):
    with pytest.raises((myia.MyiaError, TypeError, ValueError)):
        myia.grad(mul3, argnums=argnums)(2.0, 3.0, 5.0)


def test_value_and_grad_returns_value_and_gradient():
    val, g = myia.value_and_grad(mul3)(2.0, 3.0, 5.0)
    assert type(val) is float and val == mul3(2.0, 3.0, 5.0)
    assert_tree_close(g, 9.0 * 125.0)
    val, g = myia.value_and_grad(mul3, argnums=(0, 2))(2.0, 3.0, 5.0)
    assert val == mul3(2.0, 3.0, 5.0)
    assert_tree_close(g, (9.0 * 125.0, 2.0 * 9.0 * 75.0))


def test_value_and_grad_on_arrays():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((3, 2)), rng.standard_normal((2, 2))
    val, (dx, dy) = myia.value_and_grad(tanh_matmul, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(val, tanh_matmul(x, y))
    assert np.ndim(val) == 0
    assert_tree_close((dx, dy), tanh_matmul_grads(x, y))


# has_aux ------------------------------------------------------------------------------------


def loss_with_aux(x, y):
    return np.sum(x * y), {"pred": x * 2.0, "n": 3, "tag": "aux"}


def test_value_and_grad_has_aux():
    x, y = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    (val, aux), g = myia.value_and_grad(loss_with_aux, has_aux=True)(x, y)
    np.testing.assert_allclose(val, 1.0)
    assert list(aux) == ["pred", "n", "tag"]
    np.testing.assert_allclose(aux["pred"], x * 2.0)
    assert aux["n"] == 3 and aux["tag"] == "aux"
    assert_tree_close(g, y)


def test_value_and_grad_has_aux_with_argnums_tuple():
    def f(x, y):
        return x * y, (x, y + 1.0)

    (val, aux), g = myia.value_and_grad(f, argnums=(0, 1), has_aux=True)(2.0, 3.0)
    assert val == 6.0 and aux == (2.0, 4.0)
    assert_tree_close(g, (3.0, 2.0))


def test_aux_output_is_not_differentiated():
    # The aux output may be anything, even something non-scalar that depends on x.
    (val, aux), g = myia.value_and_grad(lambda x: (x * x, np.ones(3) * x), has_aux=True)(3.0)
    assert val == 9.0
    np.testing.assert_allclose(aux, np.full(3, 3.0))
    assert_tree_close(g, 6.0)


def test_grad_has_aux_gives_the_gradient_of_the_first_output():
    # API.md only pins value_and_grad's form; whether grad(has_aux=True) returns `g` (the
    # documented behaviour of myia.grad's docstring) or JAX's `(g, aux)`, the gradient is
    # the one of the first output.
    x, y = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    out = myia.grad(loss_with_aux, has_aux=True)(x, y)
    g = out[0] if isinstance(out, tuple) else out
    assert_tree_close(g, y)


def test_has_aux_requires_a_pair():
    with pytest.raises(myia.MyiaTypeError, match="aux"):
        myia.grad(lambda x: x * x, has_aux=True)(2.0)


# Decorator forms ----------------------------------------------------------------------------


def test_grad_decorator():
    @myia.grad
    def dsq(x):
        return x * x

    assert_tree_close(dsq(3.0), 6.0)
    assert dsq.__name__ == "dsq"


def test_grad_decorator_factory():
    @myia.grad(argnums=(0, 1))
    def both(x, y):
        return x * y

    assert_tree_close(both(2.0, 3.0), (3.0, 2.0))

    @myia.grad(argnums=1)
    def second(x, y):
        return x * y * y

    assert_tree_close(second(2.0, 3.0), 12.0)


def test_value_and_grad_decorator_forms():
    @myia.value_and_grad
    def cube(x):
        return x * x * x

    assert cube(2.0) == (8.0, 12.0)

    @myia.value_and_grad(has_aux=True, argnums=-1)
    def aux(x, y):
        return x * y, y

    assert aux(2.0, 5.0) == ((10.0, 5.0), 2.0)


def test_grad_of_a_jit_function():
    f = myia.jit(lambda x: np.sum(x * x))
    assert_tree_close(myia.grad(f)(np.array([1.0, -2.0])), np.array([2.0, -4.0]))


def test_gradient_function_is_reusable_across_signatures():
    df = myia.grad(lambda x: np.sum(x * x))
    assert_tree_close(df(np.array([1.0, 2.0])), np.array([2.0, 4.0]))
    assert_tree_close(df(np.ones((2, 3), np.float32)), np.full((2, 3), 2.0, np.float32))
    assert_tree_close(df(1.5), 3.0)
    assert_tree_close(df(np.array([1.0, 2.0])), np.array([2.0, 4.0]))


@pytest.mark.parametrize("fn", [np.sin, math.sin], ids=["np.sin", "math.sin"])
def test_grad_of_a_primitive_directly(fn):
    assert_tree_close(myia.grad(fn)(0.5), math.cos(0.5))
    assert_tree_close(myia.grad(myia.grad(fn))(0.5), -math.sin(0.5))


def test_grad_with_keyword_arguments():
    def f(x, y=2.0, scale=1.0):
        return x * y * scale

    assert_tree_close(myia.grad(f)(3.0, y=4.0), 4.0)
    assert_tree_close(myia.grad(f)(3.0, scale=2.0), 4.0)


def test_grad_of_lambda_in_a_multiline_call():
    g = myia.grad(
        lambda x, y: x * y * y, argnums=(0, 1)
    )(2.0, 3.0)  # fmt: skip
    assert_tree_close(g, (9.0, 12.0))


def test_grad_uses_default_arguments():
    def f(x, y=2.0):
        return x * x * y

    assert_tree_close(myia.grad(f)(3.0), 12.0)


# Structured arguments -----------------------------------------------------------------------


def test_grad_wrt_tuple():
    def f(t):
        a, b = t
        return a * np.sum(b * b)

    b = np.array([1.0, 2.0])
    assert_tree_close(myia.grad(f)((3.0, b)), (5.0, 6.0 * b))


def test_grad_wrt_list():
    def f(xs):
        return xs[0] * xs[1] + np.sum(xs[2])

    xs = [2.0, 3.0, np.ones(2, np.float32), 7.0]
    assert_tree_close(myia.grad(f)(xs), [3.0, 2.0, np.ones(2, np.float32), 0.0])


def test_grad_wrt_list_in_a_loop():
    def f(xs):
        s = 0.0
        for x in xs:
            s = s + x * x
        return s

    assert_tree_close(myia.grad(f)([1.0, 2.0, 3.0]), [2.0, 4.0, 6.0])


def test_grad_wrt_dict():
    def f(p):
        return np.sum(p["w"] * p["x"]) + p["b"]

    p = {"w": np.array([1.0, 2.0]), "x": np.array([3.0, 4.0]), "b": 0.5}
    expected = {"w": np.array([3.0, 4.0]), "x": np.array([1.0, 2.0]), "b": 1.0}
    assert_tree_close(myia.grad(f)(p), expected)


def test_grad_wrt_nested_structure():
    def f(params, x):
        h = np.tanh(x @ params["layers"][0][0] + params["layers"][0][1])
        return np.sum(h @ params["layers"][1][0]) * params["scale"][0]

    rng = np.random.default_rng(2)
    params = {
        "layers": [
            (rng.standard_normal((3, 4)), rng.standard_normal(4)),
            (rng.standard_normal((4, 2)), rng.standard_normal(2)),
        ],
        "scale": (1.5, np.float32(2.0)),
    }
    x = rng.standard_normal((5, 3))
    g = myia.grad(f)(params, x)
    w0, b0 = params["layers"][0]
    w1 = params["layers"][1][0]
    h = np.tanh(x @ w0 + b0)
    dh = np.ones((5, 2)) @ w1.T * 1.5
    dz = dh * (1.0 - h**2)
    expected = {
        "layers": [
            (x.T @ dz, dz.sum(0)),
            (1.5 * h.T @ np.ones((5, 2)), np.zeros(2)),
        ],
        "scale": (float(np.sum(h @ w1)), np.float32(0.0)),
    }
    assert_tree_close(g["layers"], expected["layers"], "gradient['layers']")
    assert_tree_close(g["scale"][0], expected["scale"][0])
    # The zero gradient of an np.float32 scalar is a float32 zero of shape ().
    s1 = g["scale"][1]
    assert s1 is not None and np.shape(s1) == () and np.asarray(s1).dtype == np.float32
    assert float(s1) == 0.0


def test_unused_elements_get_real_zeros():
    arg = {"a": (1.0, [np.ones(2), np.ones((2, 2), np.float32)]), "b": np.array(3.0)}
    g = myia.grad(lambda p, y: y * 2.0)(arg, 1.0)
    assert_tree_close(
        g,
        {"a": (0.0, [np.zeros(2), np.zeros((2, 2), np.float32)]), "b": np.array(0.0)},
    )


def test_unused_argument_gets_a_real_zero():
    assert_tree_close(myia.grad(lambda x, y: y * 2.0)(3.0, 1.0), 0.0)
    assert_tree_close(
        myia.grad(lambda x, y: y * 2.0)(np.ones(3, np.float32), 1.0), np.zeros(3, np.float32)
    )
    assert_tree_close(myia.grad(lambda x: 1.0)(2.0), 0.0)


def test_grad_of_structure_with_argnums_tuple():
    def f(a, b):
        return a[0] * b["k"][1]

    g = myia.grad(f, argnums=(0, 1))((1.0, 2.0), {"k": [3.0, 4.0], "j": np.ones(2)})
    assert_tree_close(g, ((4.0, 0.0), {"k": [0.0, 1.0], "j": np.zeros(2)}))


def test_value_and_grad_wrt_dict_of_float32():
    p = {"w": np.array([1.0, -1.0], np.float32), "b": np.float32(0.25)}
    val, g = myia.value_and_grad(lambda p: np.sum(p["w"] * p["w"]) + p["b"])(p)
    np.testing.assert_allclose(val, 2.25)
    assert_tree_close(g["w"], np.array([2.0, -2.0], np.float32))
    assert np.asarray(g["b"]).dtype == np.float32 and np.shape(g["b"]) == ()


# dtypes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_array_gradient_keeps_dtype(dtype):
    x = np.array([[0.5, -1.0], [2.0, 0.0]], dtype)
    g = myia.grad(lambda x: np.sum(np.sin(x) * x))(x)
    assert_tree_close(g, (np.cos(x) * x + np.sin(x)).astype(dtype))


def test_float32_gradient_when_the_computation_upcasts():
    x32, y64 = np.array([1.0, 2.0], np.float32), np.array([3.0, 4.0])
    gx, gy = myia.grad(lambda x, y: np.sum(x * y), argnums=(0, 1))(x32, y64)
    assert_tree_close(gx, y64.astype(np.float32))
    assert_tree_close(gy, x32.astype(np.float64))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_scalar_gradient_keeps_dtype(dtype):
    g = myia.grad(lambda x: x * x)(dtype(2.0))
    assert np.shape(g) == () and np.asarray(g).dtype == dtype and g == 4.0


def test_zero_dim_array_gradient():
    assert_tree_close(myia.grad(lambda x: x * 3.0)(np.array(2.0)), np.array(3.0))


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x * x,
        lambda x: np.sin(x) * 2.0,
        lambda x: np.sum(np.ones(3) * x),
        lambda x: math.exp(x),
    ],
    ids=["mul", "np.sin", "np.sum", "math.exp"],
)
def test_python_float_gives_python_float(fn):
    g = myia.grad(fn)(0.5)
    assert type(g) is float
    val, g = myia.value_and_grad(fn)(0.5)
    assert type(g) is float


# Errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(3,), (2, 4), (1,)])
def test_non_scalar_output_names_the_shape(shape):
    with pytest.raises(myia.MyiaTypeError, match=re_escape_shape(shape)) as info:
        myia.grad(lambda x: x * 2.0)(np.ones(shape))
    assert isinstance(info.value, TypeError)
    with pytest.raises(myia.MyiaTypeError, match=re_escape_shape(shape)):
        myia.value_and_grad(lambda x: x * 2.0)(np.ones(shape))


def re_escape_shape(shape):
    return re.escape(str(shape))


def test_non_scalar_aux_loss_names_the_shape():
    with pytest.raises(myia.MyiaTypeError, match=re_escape_shape((2,))):
        myia.value_and_grad(lambda x: (x * np.ones(2), 1.0), has_aux=True)(2.0)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: (x, x),
        lambda x: x > 1.0,
        lambda x: [x],
    ],
    ids=["tuple", "bool", "list"],
)
def test_non_float_output_is_a_type_error(fn):
    with pytest.raises(myia.MyiaTypeError):
        myia.grad(fn)(3.0)


@pytest.mark.parametrize(
    "fn, args, argnums",
    [
        (lambda x: x * 2.0, (3,), 0),
        (lambda x, y: x * y, (2.0, 3), 1),
        (lambda x, y: x * y, (2.0, 3), (0, 1)),
        (lambda b, y: y * 2.0 if b else y, (True, 2.0), 0),
        (lambda x: np.sum(x * 1.0), (np.ones(3, dtype=np.int64),), 0),
        (lambda x: np.sum(x * 1.0), (np.array([True, False]),), 0),
    ],
    ids=["int", "int-second", "int-in-tuple-argnums", "bool", "int-array", "bool-array"],
)
def test_gradient_wrt_int_or_bool_suggests_a_float(fn, args, argnums):
    with pytest.raises(myia.MyiaTypeError, match="float") as info:
        myia.grad(fn, argnums=argnums)(*args)
    assert isinstance(info.value, TypeError)


# Non-differentiated arguments ---------------------------------------------------------------


def test_int_bool_none_str_as_non_differentiated_arguments():
    def f(x, n, flag, nothing, mode):
        r = x
        for _ in range(n):
            r = r * x
        if flag:
            r = r + 1.0
        if nothing is None:
            r = r * 2.0
        if mode == "double":
            r = r * 2.0
        return r

    assert_tree_close(myia.grad(f)(2.0, 3, True, None, "double"), 4.0 * 4.0 * 8.0)
    assert_tree_close(myia.grad(f)(2.0, 1, False, 0.0, "single"), 4.0)
    val, g = myia.value_and_grad(f, argnums=(0, 3))(2.0, 2, False, 1.0, "x")
    assert val == 8.0
    assert_tree_close(g, (12.0, 0.0))


def test_int_argument_between_differentiated_ones():
    def f(x, n, y):
        return x * y * n

    assert_tree_close(myia.grad(f, argnums=(0, 2))(2.0, 3, 5.0), (15.0, 6.0))
    assert_tree_close(myia.grad(f, argnums=-1)(2.0, 3, 5.0), 6.0)


def test_int_array_as_non_differentiated_argument():
    def f(x, idx):
        return np.sum(x[idx])

    g = myia.grad(f)(np.array([1.0, 2.0, 3.0]), np.array([0, 2, 2]))
    assert_tree_close(g, np.array([1.0, 0.0, 2.0]))


# stop_gradient ------------------------------------------------------------------------------


def test_stop_gradient_gives_zero_gradient():
    assert_tree_close(myia.grad(lambda x: myia.stop_gradient(x))(2.0), 0.0)
    assert_tree_close(myia.grad(lambda x: x * myia.stop_gradient(x))(3.0), 3.0)
    g = myia.grad(lambda x: np.sum(myia.stop_gradient(x) * 2.0))(np.ones(2, np.float32))
    assert_tree_close(g, np.zeros(2, np.float32))


def test_stop_gradient_of_a_structure_and_in_a_loss():
    def f(p):
        target = myia.stop_gradient(p["w"] * 2.0)
        return np.sum((p["w"] - target) ** 2) + myia.stop_gradient(p["b"])

    p = {"w": np.array([1.0, 2.0]), "b": 4.0}
    assert_tree_close(myia.grad(f)(p), {"w": 2.0 * (p["w"] - 2.0 * p["w"]), "b": 0.0})


def test_stop_gradient_value_is_the_identity():
    val, g = myia.value_and_grad(lambda x: myia.stop_gradient(x * 3.0) + x)(2.0)
    assert val == 8.0
    assert_tree_close(g, 1.0)


# grad inside compiled code (API.md) ---------------------------------------------------------


def cube(x):
    return x * x * x


def grad_inside(x):
    return myia.grad(cube)(x) * x


def value_and_grad_inside(x):
    v, g = myia.value_and_grad(cube)(x)
    return v + g


def test_grad_inside_jit():
    assert myia.jit(grad_inside)(2.0) == pytest.approx(24.0)


def test_grad_of_function_calling_grad():
    # d/dx (3 x^3) = 9 x^2
    assert myia.grad(grad_inside)(2.0) == pytest.approx(36.0)


def test_value_and_grad_inside_jit():
    assert myia.jit(value_and_grad_inside)(2.0) == pytest.approx(20.0)
    assert myia.grad(value_and_grad_inside)(2.0) == pytest.approx(12.0 + 12.0)


def test_grad_inside_with_argnums_and_closure():
    def outer(x, y):
        dxy = myia.grad(lambda a, b: a * a * b, argnums=(0, 1))(x, y)
        return dxy[0] + dxy[1] * y

    # 2xy + x^2 y
    assert myia.jit(outer)(2.0, 3.0) == pytest.approx(12.0 + 12.0)
    assert myia.grad(outer, argnums=(0, 1))(2.0, 3.0) == pytest.approx((6.0 + 12.0, 4.0 + 4.0))


# custom_vjp (API.md) ------------------------------------------------------------------------


def make_safe_log():
    @myia.custom_vjp
    def safe_log(x):
        return np.log(x)

    @safe_log.defvjp
    def safe_log_bprop(x, out, dout):
        return (dout / np.maximum(x, 1e-12),)

    return safe_log


def test_custom_vjp_is_used():
    safe_log = make_safe_log()

    def f(x):
        return np.sum(safe_log(x))

    x = np.array([1.0, 0.0, 2.0])
    with np.errstate(divide="ignore"):
        g = myia.grad(f)(x)
    assert_tree_close(g, np.array([1.0, 1e12, 0.5]))


def test_custom_vjp_value_and_second_order():
    safe_log = make_safe_log()
    val, g = myia.value_and_grad(lambda x: safe_log(x) * 2.0)(3.0)
    assert val == pytest.approx(2.0 * math.log(3.0))
    assert g == pytest.approx(2.0 / 3.0)
    # The rule is compiled too, so it differentiates again: d/dx 1/max(x, eps) = -1/x^2.
    assert myia.grad(myia.grad(safe_log))(3.0) == pytest.approx(-1.0 / 9.0)


def test_custom_vjp_rule_that_differs_from_the_true_gradient():
    @myia.custom_vjp
    def clip_gradient(x):
        return x

    @clip_gradient.defvjp
    def clip_gradient_bprop(x, out, dout):
        return (np.clip(dout, -1.0, 1.0),)

    g = myia.grad(lambda x: np.sum(clip_gradient(x) * np.array([3.0, 0.5])))(np.ones(2))
    assert_tree_close(g, np.array([1.0, 0.5]))


@myia.custom_vjp
def hypot(x, y):
    return np.sqrt(x * x + y * y)


@hypot.defvjp
def hypot_bprop(x, y, out, dout):
    return (dout * x / out, dout * y / out)


def sum_of_hypots(x, y):
    s = 0.0
    for i in range(3):
        s = s + hypot(x * (i + 1), y)
    return s


@myia.custom_vjp
def scaled_pair(x):
    return (x * 2.0, x * 3.0)


@scaled_pair.defvjp
def scaled_pair_bprop(x, out, dout):
    return (dout[0] * 2.0 + dout[1] * 3.0,)


def test_custom_vjp_rule_gets_zeros_for_an_output_nothing_reaches():
    # Only the first output is used: the rule still gets a pair of numbers (zeros for the
    # second), not the placeholder of an absent sensitivity.
    assert myia.grad(lambda x: scaled_pair(x)[0] * 1.5)(0.7) == pytest.approx(3.0)
    check_grads(lambda x: np.sum(scaled_pair(x)[1]), (np.array([0.5, -1.0]),))
    assert myia.grad(lambda x: scaled_pair(x)[0] + scaled_pair(x)[1])(0.7) == pytest.approx(5.0)


def test_custom_vjp_with_two_arguments_in_a_loop():
    g = myia.grad(hypot, argnums=(0, 1))(3.0, 4.0)
    assert g == pytest.approx((0.6, 0.8))
    assert myia.jit(sum_of_hypots)(3.0, 4.0) == pytest.approx(sum_of_hypots(3.0, 4.0))
    g = myia.grad(sum_of_hypots, argnums=(0, 1))(3.0, 4.0)
    expected = (sum(3.0 * i * i / math.hypot(3.0 * i, 4.0) for i in (1, 2, 3)),)
    expected += (sum(4.0 / math.hypot(3.0 * i, 4.0) for i in (1, 2, 3)),)
    assert g == pytest.approx(expected)
    check_grads(sum_of_hypots, (3.0, 4.0), order=2)


@myia.custom_vjp
def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@sigmoid.defvjp
def sigmoid_bprop(x, out, dout):
    return (dout * out * (1.0 - out),)


def sigmoid_in_closure(x, a):
    g = lambda y: sigmoid(y * a)
    return np.sum(g(x) * x)


def test_custom_vjp_in_a_closure_second_order():
    check_grads(sigmoid_in_closure, (np.array([0.3, -1.0]), 1.5), order=2)


def test_custom_vjp_gradient_keeps_input_type_and_dtype():
    g = myia.grad(hypot, argnums=(0, 1))(3.0, 4.0)
    assert [type(e) for e in g] == [float, float]
    g = myia.grad(lambda x: np.sum(hypot(x, x)))(np.ones(2, np.float32))
    assert g.dtype == np.float32


@myia.custom_vjp
def without_rule(x):
    return x * 2.0


def test_custom_vjp_without_rule_names_the_function():
    with pytest.raises(myia.MyiaTypeError, match="@without_rule.defvjp"):
        myia.grad(without_rule)(1.0)


def test_custom_vjp_second_rule_replaces_the_first_and_compiled_code():
    @myia.custom_vjp
    def twice(x):
        return x * 2.0

    @twice.defvjp
    def twice_bprop(x, out, dout):
        return (dout * 2.0,)

    def f(x):
        return np.sum(twice(x))

    df = myia.grad(f)
    assert_tree_close(df(np.ones(3)), np.full(3, 2.0))

    @twice.defvjp
    def twice_bprop_again(x, out, dout):
        return (dout * 3.0,)

    assert_tree_close(df(np.ones(3)), np.full(3, 3.0))  # a signature compiled before
    assert_tree_close(df(np.ones(4)), np.full(4, 3.0))  # a new signature
    assert_tree_close(myia.grad(f)(np.ones(3)), np.full(3, 3.0))  # a new grad object
    assert myia.grad(twice)(1.5) == pytest.approx(3.0)


def _rule_with(sensitivity):
    """A custom_vjp function of x (and an int n) whose rule returns `sensitivity(x, n, dout)`."""

    @myia.custom_vjp
    def op(x, n):
        return x * 2.0

    @op.defvjp
    def op_bprop(x, n, out, dout):
        return (sensitivity(x, n, dout), 0)

    return op, op_bprop.__code__.co_firstlineno + 1  # the `def` line, under the decorator


@pytest.mark.parametrize(
    "sensitivity, arg, what",
    [
        (lambda x, n, d: np.ones(7) * np.sum(d), np.ones(3), r"shape \(7,\) is not the input's"),
        (lambda x, n, d: np.ones((7, 3)) * d, np.ones(3), r"shape \(7, 3\) is not"),
        (lambda x, n, d: np.ones(n) * d[0], np.ones(3), r"shape \(\?,\) is not the input's \(3,\)"),
        (lambda x, n, d: np.ones(7) * d, 1.0, "where a number is expected"),
        (lambda x, n, d: (np.ones(3), np.ones(7)), (np.ones(3), np.ones(3)), r"\(7,\) at \[1\]"),
        (lambda x, n, d: (d[0],), (np.ones(3), np.ones(3)), "1 items where the input has 2"),
    ],
)
def test_custom_vjp_sensitivity_of_the_wrong_shape_is_refused(sensitivity, arg, what):
    op, line = _rule_with(sensitivity)

    def f(x, n):
        out = op(x, n)
        return np.sum(out[0] + out[1]) if isinstance(out, tuple) else np.sum(out)

    with pytest.raises(myia.MyiaTypeError, match=what) as info:
        myia.grad(f)(arg, 7)
    assert info.value.loc.lineno == line


def test_custom_vjp_sensitivity_shape_error_is_a_shape_error():
    op, _ = _rule_with(lambda x, n, d: np.ones(7) * np.sum(d))
    with pytest.raises(myia.MyiaShapeError, match="backpropagator of `op`"):
        myia.grad(lambda x: np.sum(op(x, 1)))(np.ones(3))


def test_custom_vjp_number_sensitivity_for_an_array_is_broadcast():
    op, _ = _rule_with(lambda x, n, d: 1.0)
    assert_tree_close(myia.grad(lambda x: np.sum(op(x, 1)))(np.ones(3)), np.ones(3))
