"""Checks of the built-ins, the `math` functions, NumPy rounding and the special functions
of the typed pipeline (myia/prim/builtins.py and special.py)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import myia
from myia.ad.gradient import gradient_program
from myia.backend.compiled import compile_graph
from myia.errors import MyiaShapeError, MyiaTypeError
from myia.opt.optimize import optimize
from myia.pipeline import compile_grad, compile_jit, graph_of, signature_types, specialize
from myia.prim.builtins import builtin_list, builtin_tuple
from myia.prim.special import _polygamma, digamma, pentagamma, tetragamma, trigamma
from myia.testing import check_grads
from tests.checks import check_grad, check_jit

try:
    import scipy.special as sp
except ImportError:  # pragma: no cover
    sp = None

R = np.random.default_rng(0)
V3 = R.standard_normal(3)
W3 = R.standard_normal(3)
M23 = R.standard_normal((2, 3))


def derivative(fn, args, order):
    """The compiled derivative of order `order` of `fn` w.r.t. its first argument (each
    order differentiates the typed gradient program of the one before)."""
    g = graph_of(fn)
    for _ in range(order):
        primal = specialize(g, signature_types(args))
        g = gradient_program(primal, (0,), True, False, False)
    return compile_graph(optimize(g, adjoint=True))


# --------------------------------------------------------------------------- max, min


def max_min_pair(x, y):
    return max(x, y) * min(x, y) + max(y, x) - min(y, x)


def max_min_many(x, y, z):
    return max(x, y, z) - 2.0 * min(x, y, z) + max((x, 0.5, y)) * min([y, z])


def max_min_ints(a, b):
    return max(a, b), min(a, b), max(a, b, 7), min((a, b, -7)), max(1, 2.5), min(True, 0)


def max_min_array(v):
    return max(v) - min(v)


def max_comprehension(v, n):
    return max([e * i for i, e in enumerate(v)]) + min([v[0] * k for k in range(1, n)])


def max_mixed_float32(a, x):
    return max(a, x)


def test_max_min_forward():
    check_jit(max_min_pair, 0.7, 1.3)
    check_jit(max_min_many, 0.7, 1.3, -0.2)
    check_jit(max_min_ints, 3, 9)
    check_jit(max_min_array, V3)
    check_jit(max_comprehension, V3, 4)
    check_jit(max_mixed_float32, np.float32(0.5), np.float32(1.5))


def test_max_min_gradients():
    check_grad(max_min_pair, (0.7, 1.3), (0, 1))
    check_grad(max_min_many, (0.7, 1.3, -0.2), (0, 1, 2))
    check_grad(max_min_array, (V3,))
    check_grad(max_comprehension, (V3, 4))
    g = compile_grad(max_mixed_float32, (np.float32(0.5), np.float32(1.5)), (0, 1), False, False)
    da, dx = g(np.float32(0.5), np.float32(1.5))
    assert type(da) is np.float32 and (da, dx) == (0.0, 1.0)


def max3(x, y, z):
    return max(x, y, z)


def min2(x, y):
    return min(x, y)


def max_seq_with_const(x):
    return max((x, 1.0, x))


def max_array_ties(v):
    return max(v)


def test_max_min_ties_share_equally():
    assert compile_grad(min2, (1.0, 1.0), (0, 1), False, False)(1.0, 1.0) == (0.5, 0.5)
    got = compile_grad(max3, (2.0, 2.0, 2.0), (0, 1, 2), False, False)(2.0, 2.0, 2.0)
    assert got == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    got = compile_grad(max3, (2.0, 1.0, 2.0), (0, 1, 2), False, False)(2.0, 1.0, 2.0)
    assert got == (0.5, 0.0, 0.5)
    # A constant tied with the items takes its share.
    assert compile_grad(max_seq_with_const, (1.0,), 0, False, False)(1.0) == pytest.approx(2 / 3)
    v = np.array([3.0, 1.0, 3.0])
    np.testing.assert_allclose(
        compile_grad(max_array_ties, (v,), 0, False, False)(v), [0.5, 0.0, 0.5]
    )


def max_of_empty():
    return max(())


def max_of_matrix(m):
    return max(m)


def test_max_errors():
    with pytest.raises(MyiaShapeError, match="empty sequence"):
        compile_jit(max_of_empty, ())
    with pytest.raises(MyiaShapeError, match="ambiguous"):
        compile_jit(max_of_matrix, (M23,))


# --------------------------------------------------------------------------- sum


def sum_seq(x, y):
    return sum((x, y, x * y)) + sum([x, 1.0], 2.0) + sum(())


def sum_ints(n):
    return sum((1, 2, n)), sum([n, n]), sum([True, True]), sum((1, 2), 0.5)


def sum_arrays(v, w):
    return np.sum(sum([v, w, v * w]))


def sum_rows(m, v):
    return np.sum(sum(m)) + sum(v) + np.sum(sum(m, v))


def sum_comprehension(x, n):
    return sum([x * i for i in range(n)]) + sum([x * x for _ in range(n)], x)


def sum_comprehension_arrays(m):
    return np.sum(sum([row * row for row in m], np.zeros(3)))


def sum_float32(a, v):
    return sum((a, a * 2.0)) + np.sum(sum([v, v], np.float32(1.0)))


def test_sum_forward():
    check_jit(sum_seq, 0.7, 1.3)
    check_jit(sum_ints, 5)
    check_jit(sum_arrays, V3, W3)
    check_jit(sum_rows, M23, V3)
    check_jit(sum_comprehension, 0.7, 5)
    check_jit(sum_comprehension, 0.7, 0)
    check_jit(sum_comprehension_arrays, M23)
    check_jit(sum_float32, np.float32(0.5), V3.astype(np.float32))


def test_sum_gradients():
    check_grad(sum_seq, (0.7, 1.3), (0, 1))
    check_grad(sum_arrays, (V3, W3), (0, 1))
    check_grad(sum_rows, (M23, V3), (0, 1))
    check_grad(sum_comprehension, (0.7, 5))
    check_grad(sum_comprehension_arrays, (M23,))
    g = compile_grad(sum_float32, (np.float32(0.5), V3.astype(np.float32)), (0, 1), False, False)
    da, dv = g(np.float32(0.5), V3.astype(np.float32))
    assert type(da) is np.float32 and dv.dtype == np.float32
    np.testing.assert_allclose(dv, 2.0)


@settings(max_examples=12, deadline=None)
@given(
    st.lists(st.sampled_from([(1,), (3,), (2, 1), (2, 3), (1, 3)]), min_size=1, max_size=3),
    st.integers(0, 2**16),
)
def test_sum_broadcasting_property(shapes, seed):
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return
    r = np.random.default_rng(seed)
    arrays = tuple(r.standard_normal(s) for s in shapes)
    check_jit(sum_broadcast, arrays)
    check_grad(sum_broadcast, (arrays,))


def sum_broadcast(t):
    return np.sum(np.sin(sum(t)))


# --------------------------------------------------------------------------- rounding


def rounding(x, f32, f64, n):
    return (
        round(x),
        round(x, 2),
        round(-2.5),
        round(n),
        round(n, -1),
        round(f32),
        round(f32, 1),
        round(f64, 3),
        round(True),
    )


def np_rounding(x, v, m):
    return (
        np.round(x),
        np.round(v * 10.0, 1),
        np.around(m, -1),
        m.round(2),
        np.round(np.arange(3), 1),
        np.trunc(v * 3.0),
        np.rint(m),
        np.trunc(x),
    )


def rounding_smooth(x, v):
    return round(x, 1) * x + np.sum(np.round(v * 2.0) * v + np.trunc(v * 3.0) * v * v)


def test_rounding():
    check_jit(rounding, 2.567, np.float32(2.567), np.float64(1.2345), 17)
    check_jit(np_rounding, 2.5, V3, M23.astype(np.float32))
    check_grad(rounding_smooth, (0.71, V3), (0, 1))


def round_array(v):
    return round(v)


def test_round_errors():
    with pytest.raises(MyiaTypeError, match="__round__"):
        compile_jit(round_array, (V3,))


# --------------------------------------------------------------------------- isinstance


def isinstances(x, n, t, lst, b, v, f32, d):
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
        isinstance(x, (tuple, (list, float))),
        isinstance(v, np.ndarray),
        isinstance(f32, float),
        isinstance(f32, np.floating),
        isinstance(v[0], float),
        isinstance(d, dict),
        isinstance("s", str),
        isinstance(range(3), range),
    )


def dispatch(x):
    if isinstance(x, tuple):
        return x[0] * x[1]
    if isinstance(x, np.ndarray):
        return np.sum(x)
    return x * x


def dispatch_all(x, v):
    return dispatch(x) + dispatch((v[0], x)) + dispatch(v)


def test_isinstance():
    check_jit(isinstances, 1.5, 3, (1.0,), [2.0], True, V3, np.float32(1.0), {"a": 1.0})
    check_jit(dispatch_all, 0.7, V3)
    check_grad(dispatch_all, (0.7, V3), (0, 1))


def isinstance_bad(x):
    return isinstance(x, 3)


def test_isinstance_errors():
    with pytest.raises(MyiaTypeError, match="arg 2"):
        compile_jit(isinstance_bad, (1.0,))


# --------------------------------------------------------------------------- tuple, list, range


def conversions(x, y, t, s):
    lst = [x, y]
    return (
        tuple(lst),
        list(t),
        tuple(),
        list(),
        list(range(3)),
        tuple(range(2, 9, 3)),
        tuple("ab"),
        list({"k": x, "j": y}),
        list(s),
        tuple(list(t)),
    )


def ranges(n):
    return list(range(n)), tuple(range(1, n)), list(range(n, 0, -2)), len(range(2, 9, 3))


def rows(v, m):
    return tuple(v), list(v), tuple(m), list(m)


def rows_smooth(v, m):
    t = tuple(v)
    rs = list(m)
    return t[0] * t[2] + np.sum(rs[1] * rs[0]) + sum(list(v))


def conversions_smooth(x, y, t):
    lst = list(t)
    u = tuple([x, y, x * y])
    return lst[0] * u[2] + sum(tuple(lst)) + u[1]


def star_unpacking(x, y, t):
    u = (1.0, *t, x)
    w = [*t, y, *u]
    return u[0] + u[1] * u[2] + sum(w) + len(w)


def range_start_stop(a, b):
    return sum(list(range(a, b)))


def test_tuple_list_range():
    check_jit(conversions, 0.5, 1.5, (1.0, 2), (3.0,))
    check_jit(ranges, 5)
    check_jit(ranges, 0)
    check_jit(rows, V3, M23)
    check_jit(rows_smooth, V3, M23)
    check_jit(star_unpacking, 0.5, 1.5, (2.0, 3.0))
    check_jit(range_start_stop, 2, 7)
    check_grad(rows_smooth, (V3, M23), (0, 1))
    check_grad(conversions_smooth, (0.7, 1.3, (0.5, 2.0)), (0, 1, 2))
    check_grad(star_unpacking, (0.7, 1.3, (0.5, 2.0)), (0, 1, 2))


def shrinking_rows(v, n):
    i = 0
    while i < n:
        v = v[1:] * 1.5
        i = i + 1
    return sum(list(v)) + max(list(v))


def test_rows_of_unknown_length():
    check_jit(shrinking_rows, np.arange(1.0, 7.0), 2)
    check_grad(shrinking_rows, (np.arange(1.0, 7.0) + 0.1 * V3[0], 2))


def tuple_of_list_runtime(n):
    return tuple([i for i in range(n)])


def test_conversion_errors():
    with pytest.raises(MyiaTypeError, match="run time"):
        compile_jit(tuple_of_list_runtime, (3,))


# --------------------------------------------------------------------------- zip, enumerate


def zip_values(v, t, lst, k):
    return (
        list(enumerate(t, k)),
        list(zip(v, t)),
        list(enumerate(t)),
        tuple(zip(t, t, t)),
        list(enumerate(lst, 1)),
        tuple(zip(range(4), lst)),
        list(zip()),
    )


def zip_smooth(v, t):
    pairs = list(zip(v, t))
    acc = 0.0
    for i, (p, q) in enumerate(zip(v, t)):
        acc = acc + i * p * q
    return acc + pairs[1][0] * pairs[0][1] + sum([k * e for k, e in list(enumerate(t, 2))])


def test_zip_enumerate():
    check_jit(zip_values, V3, (1.0, 2.0), [0.5, 1.5, 2.5], np.int64(3))
    check_jit(zip_values, V3, (1.0, 2.0), [0.5, 1.5, 2.5], 7)
    check_jit(zip_smooth, V3, (1.0, 2.0))
    check_grad(zip_smooth, (V3, (1.0, 2.0)), (0, 1))


# --------------------------------------------------------------------------- math


def math_binary(x, y):
    return math.atan2(x, y) + math.pow(x, y) + math.pow(x, 2.0) + math.atan2(y, 1)


def math_unary(x):
    return math.lgamma(x) + math.floor(x) * x + math.ceil(x) * x * x


def math_ints(x, n):
    return (
        math.floor(x),
        math.ceil(x),
        math.floor(-x),
        math.floor(n),
        math.pow(n, 2),
        math.lgamma(n),
    )


def math_float32(a, b):
    return math.atan2(a, b) * math.lgamma(a) + math.pow(b, a)


def test_math():
    check_jit(math_binary, 0.7, 1.3)
    check_jit(math_unary, 2.3)
    check_jit(math_unary, -2.3)
    check_jit(math_ints, 2.5, 4)
    check_jit(math_float32, np.float32(0.5), np.float32(1.5))
    check_grad(math_binary, (0.7, 1.3), (0, 1))
    check_grad(math_unary, (2.3,))
    check_grad(math_unary, (-2.3,))
    g = compile_grad(math_float32, (np.float32(0.5), np.float32(1.5)), (0, 1), False, False)
    da, db = g(np.float32(0.5), np.float32(1.5))
    assert type(da) is np.float32 and type(db) is np.float32


def atan2_only(y, x):
    return math.atan2(y, x)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_atan2_origin_is_nan():
    g = compile_grad(atan2_only, (0.0, 0.0), (0, 1), False, False)(0.0, 0.0)
    assert all(math.isnan(d) for d in g)


def math_complex(z):
    return math.atan2(z, 1.0)


def test_math_errors():
    with pytest.raises(MyiaTypeError, match="real number"):
        compile_jit(math_complex, (1j,))


def lgamma_only(x):
    return math.lgamma(x)


@pytest.mark.parametrize("x", [2.5, 0.3, -1.7])
def test_lgamma_higher_derivatives(x):
    want = [sp.polygamma(n, x) for n in range(4)] if sp else None
    for order in range(1, 5):
        got = derivative(lgamma_only, (x,), order)(x)
        assert type(got) is float
        if want is not None:
            assert got == pytest.approx(float(want[order - 1]), rel=1e-10)


# --------------------------------------------------------------------------- polygamma


@pytest.mark.skipif(sp is None, reason="SciPy is not installed")
def test_polygamma_accuracy():
    x = np.concatenate([np.linspace(-9.7, 30.0, 397), [1e-3, 0.5, 1.0, 1e3, 1e6]])
    for n in range(4):
        got = _polygamma(n, x)
        want = sp.polygamma(n, x)
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-11 * np.abs(want).max())


def psi_types(x, v, f32):
    return (
        digamma(x),
        trigamma(v),
        tetragamma(v.astype(np.float32)),
        pentagamma(f32),
        digamma(3),
        digamma(np.arange(1, 4)),
    )


def psi_smooth(x, v):
    return digamma(x) * trigamma(x) + np.sum(tetragamma(v) * v)


def test_polygamma_primitives():
    check_jit(psi_types, 1.5, V3 + 3.0, np.float32(2.0))
    check_grad(psi_smooth, (1.5, V3 + 3.0), (0, 1))


def pentagamma_only(x):
    return pentagamma(x)


def test_pentagamma_has_no_gradient():
    with pytest.raises(MyiaTypeError, match="no gradient rule"):
        compile_grad(pentagamma_only, (1.5,), 0, False, False)


# --------------------------------------------------------------------------- scipy.special


def special_fns(x, v, f32, n):
    return (
        sp.gammaln(x),
        sp.gammaln(v),
        sp.digamma(f32),
        sp.digamma(v.astype(np.float32)),
        sp.polygamma(1, x),
        sp.polygamma(n, v),
        sp.gammaln(3),
    )


def special_smooth(x, v):
    return sp.gammaln(x) * sp.digamma(x) + np.sum(sp.polygamma(2, v) * sp.gammaln(v))


def gammaln_only(x):
    return sp.gammaln(x)


@pytest.mark.skipif(sp is None, reason="SciPy is not installed")
def test_scipy_special():
    check_jit(special_fns, 1.5, V3 + 3.0, np.float32(2.0), 2)
    check_grad(special_smooth, (1.5, V3 + 3.0), (0, 1))
    for order in range(1, 4):
        got = derivative(gammaln_only, (2.5,), order)(2.5)
        assert float(got) == pytest.approx(float(sp.polygamma(order - 1, 2.5)), rel=1e-12)


# --------------------------------------------------------------------------- more


def isinstance_primitive(t, x):
    return isinstance(t, builtin_tuple), isinstance(x, (builtin_list, float))


def test_isinstance_of_primitives_standing_for_types():
    # Plain Python refuses primitives there: compare with what the types say.
    assert compile_jit(isinstance_primitive, ((1.0,), 2.0))((1.0,), 2.0) == (True, True)


@settings(max_examples=10, deadline=None)
@given(st.lists(st.sampled_from([0.0, 1.0, 2.0]), min_size=2, max_size=4), st.booleans())
def test_ties_property(values, use_max):
    fn = max_of_list if use_max else min_of_list
    got = compile_grad(fn, (values,), 0, False, False)(list(values))
    best = max(values) if use_max else min(values)
    hits = [float(v == best) for v in values]
    np.testing.assert_allclose(got, [h / sum(hits) for h in hits])


def max_of_list(lst):
    return max(lst)


def min_of_list(lst):
    return min(lst)


def second_order(x):
    t = tuple([x * x, 2.0 * x, x])
    return sum(t, x) * min(t) + max(x * x, 3.0 * x) + math.atan2(x, 2.0 - x) + math.lgamma(x)


def pow_second(x):
    return math.pow(x, 3.0) + math.pow(2.5, x) + math.pow(x, x)


@pytest.mark.parametrize("fn, x", [(second_order, 0.7), (second_order, 4.0), (pow_second, 1.3)])
def test_second_derivatives(fn, x):
    d1 = derivative(fn, (x,), 1)
    d2 = derivative(fn, (x,), 2)
    eps = 1e-6
    fd = (d1(x + eps) - d1(x - eps)) / (2 * eps)
    assert d2(x) == pytest.approx(fd, rel=1e-6)


def params_loss(p, X, y):
    h = np.tanh(X @ p["W"] + p["b"])
    return np.sum((h @ p["v"] - y) ** 2)


def test_a_dict_of_gradients_is_built_once():
    # `{'W': dW, 'b': ZERO, ...}['W']` of the backward pass is dW: the gradient of a dict
    # of parameters is one dict literal, without the placeholders of the other keys.
    rng = np.random.default_rng(1)
    p = {"W": rng.standard_normal((4, 3)), "b": rng.standard_normal(3), "v": rng.standard_normal(3)}
    X, y = rng.standard_normal((5, 4)), rng.standard_normal(5)
    check_grads(params_loss, (p, X, y), order=1, argnums=0)
    src = str(myia.source(myia.grad(params_loss), p, X, y))
    code = "\n".join(line.split("#")[0] for line in src.splitlines())
    assert "ZERO" not in code and code.count("{") == 1, src


def keyed_a(d):
    return {"a": d["x"], 1: d["y"], "c": 2.0}["a"] * 1.0


def keyed_1(d):
    return {"a": d["x"], 1: d["y"], "c": 2.0}[1] * 1.0


def test_reading_a_dict_literal_by_a_constant_key():
    d = {"x": 3.0, "y": 4.0}
    for fn in (keyed_a, keyed_1):
        assert myia.jit(fn)(d) == fn(d)
    code = [line.split("#")[0] for line in str(myia.source(myia.jit(keyed_1), d)).splitlines()]
    assert not any("{" in line for line in code), code
