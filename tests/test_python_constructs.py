"""The Python that users write (issue 15, items 2-4): `dict(a=x)` and `dict(d)` /
`dict(pairs)`, `slice(...)` objects made in compiled code, and the fields of NumPy's
linalg result tuples (`np.linalg.eigh(a).eigenvalues`, `qr(a).Q`, ...).

Values are compared with plain Python, gradients with central finite differences (and
forward mode with the reverse-mode gradient), refusals by their message and line.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import myia
from myia.errors import MyiaIndexError, MyiaTypeError
from tests.checks import check_grad, check_jit

floats = st.floats(-2.0, 2.0, allow_nan=False)
vectors = st.lists(floats, min_size=5, max_size=5).map(np.array)


# dict(...) ----------------------------------------------------------------------------------


def dict_keywords(x, y):
    d = dict(a=x, b=2.0, c=x * y)
    return d["a"] * d["b"] + np.sin(d["c"])


def dict_empty_then_set(x):
    d = dict()
    d["w"] = x * x
    return d["w"] + len(d)


def dict_copy_and_update(x, y):
    e = {"a": x, "b": y}
    d = dict(e, b=3.0 * y, c=x)
    return d["a"] * d["b"] + d["c"] ** 2


def dict_of_pairs(x, y):
    d = dict([("a", x), ("b", y), ("a", 2.0 * x)])
    return d["a"] * d["b"]


def dict_of_zip(x, y):
    d = dict(zip(("u", "v"), (x, np.exp(y))))
    return d["u"] + d["v"]


def dict_of_items(x, y):
    q = {"p": x, "r": y}
    d = dict(q.items())
    total = 0.0
    for k in d:
        total = total + d[k] * d[k]
    return total


DICT_FUNCTIONS = [
    dict_keywords,
    dict_copy_and_update,
    dict_of_pairs,
    dict_of_zip,
    dict_of_items,
]


@pytest.mark.parametrize("fn", DICT_FUNCTIONS, ids=lambda f: f.__name__)
@settings(max_examples=10, deadline=None)
@given(x=floats, y=floats)
def test_dict_constructor_gradients(fn, x, y):
    check_jit(fn, x, y)
    check_grad(fn, (x, y), argnums=(0, 1))


@given(x=floats)
@settings(max_examples=10, deadline=None)
def test_empty_dict_then_item(x):
    check_jit(dict_empty_then_set, x)
    check_grad(dict_empty_then_set, (x,))


def dict_returned(x):
    e = {"a": x, "b": x}
    return dict(e.items(), b=2.0 * x, z=1.0), dict((("k", x), ("j", 0.5), ("k", 3.0)))


def test_dict_constructor_values_keep_python_key_order():
    out = check_jit(dict_returned, 1.5)
    assert [list(d) for d in out] == [["a", "b", "z"], ["k", "j"]]


def dict_of_runtime_pairs(names):
    return dict([(k, 1.0) for k in names])


def dict_of_a_float(x):
    return dict(x)


def dict_of_non_pairs(x):
    return dict([(x, 1.0, 2.0)])


def dict_of_two_positionals(x):
    return dict({"a": x}, {"b": x})


@pytest.mark.parametrize(
    "fn, arg, match, line",
    [
        (dict_of_runtime_pairs, ["a"], "known only at run time", "dict([(k, 1.0)"),
        (dict_of_a_float, 1.0, "needs a tuple, list", "return dict(x)"),
        (dict_of_non_pairs, 1.0, r"must be a \(key, value\) pair", "dict([(x, 1.0, 2.0)"),
        (dict_of_two_positionals, 1.0, "at most one positional", 'dict({"a": x}'),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_dict_constructor_refusals(fn, arg, match, line):
    with pytest.raises(myia.MyiaError, match=match) as e:
        myia.jit(fn)(arg)
    assert "test_python_constructs.py" in str(e.value) and line in str(e.value)


# slice(...) ---------------------------------------------------------------------------------


def slice_constant(x):
    return np.sum(x[slice(0, 2)] * 3.0) + np.sum(x[slice(3)] ** 2)


def slice_reversed(x):
    return np.sum(x[slice(None, None, -1)] * np.arange(5.0))


def slice_named(x):
    s = slice(1, None, 2)
    t = slice(-3, -1)
    return np.sum(x[s] * x[s]) + np.prod(x[t])


def slice_of_a_matrix(x):
    m = np.outer(x, x)
    return np.sum(np.tanh(m[slice(1, 4), slice(None, 2)]))


def slice_of_a_list(x):
    xs = [x, 2.0 * x, x * x, 4.0]
    return sum(xs[slice(1, 3)])


@pytest.mark.parametrize(
    "fn", [slice_constant, slice_reversed, slice_named, slice_of_a_matrix], ids=lambda f: f.__name__
)
@settings(max_examples=10, deadline=None)
@given(x=vectors)
def test_slice_objects_with_constant_bounds(fn, x):
    check_jit(fn, x)
    check_grad(fn, (x,))
    _, tangent = myia.jvp(fn, (x,), (np.ones(5),))
    assert tangent == pytest.approx(float(np.sum(myia.grad(fn)(x))), rel=1e-9, abs=1e-9)


@given(x=floats)
@settings(max_examples=10, deadline=None)
def test_slice_of_a_list(x):
    check_jit(slice_of_a_list, x)
    check_grad(slice_of_a_list, (x,))


def slice_variable_bounds(x, lo, hi, step):
    s = slice(lo, hi, step)
    return np.sum(x[s] ** 2) + np.sum(x[slice(hi)])


@settings(max_examples=20, deadline=None)
@given(
    x=vectors,
    lo=st.integers(-6, 6),
    hi=st.integers(-6, 6),
    step=st.sampled_from([-2, -1, 1, 3]),
)
def test_slice_objects_with_int_variable_bounds(x, lo, hi, step):
    check_jit(slice_variable_bounds, x, lo, hi, step)
    check_grad(slice_variable_bounds, (x, lo, hi, step))


def slice_empty(x):
    return x[slice()]


def slice_float_bound(x):
    return x[slice(0.5, 2)]


def slice_float_variable_bound(x, n):
    return x[slice(1, n * 0.5)]


def slice_keyword(x):
    return x[slice(0, 2, step=1)]


def slice_zero_step(x):
    return x[slice(0, 2, 0)]


@pytest.mark.parametrize(
    "fn, args, error, match",
    [
        (slice_empty, (np.ones(3),), MyiaTypeError, "takes 1 to 3 positional"),
        (slice_keyword, (np.ones(3),), MyiaTypeError, "takes 1 to 3 positional"),
        (slice_float_bound, (np.ones(3),), MyiaTypeError, "must be integers or None, not 0.5"),
        (slice_float_variable_bound, (np.ones(3), 4), MyiaTypeError, "not a float"),
        (slice_zero_step, (np.ones(3),), MyiaIndexError, "step cannot be zero"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_slice_refusals(fn, args, error, match):
    with pytest.raises(error, match=match) as e:
        myia.jit(fn)(*args)
    assert "test_python_constructs.py" in str(e.value)


# Fields of np.linalg's results --------------------------------------------------------------


def eigh_fields(a):
    r = np.linalg.eigh(a)
    return np.sum(r.eigenvalues * r.eigenvectors[0] ** 2)


def qr_fields(a):
    r = np.linalg.qr(a)
    return np.sum(r.Q[:, 0] * r.R[0])


def svd_fields(a):
    r = np.linalg.svd(a, full_matrices=False)
    return np.sum(r.U[0] * r.S) + np.sum(r.Vh[1] ** 2 * r.S)


def slogdet_fields(a):
    r = np.linalg.slogdet(a)
    return r.sign * r.logabsdet


def decomposed(a):
    return np.linalg.eigh(a), np.linalg.qr(a), np.linalg.svd(a), np.linalg.slogdet(a)


def spd(seed):
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((3, 3))
    return m @ m.T + 3.0 * np.eye(3)


@pytest.mark.parametrize(
    "fn", [eigh_fields, qr_fields, svd_fields, slogdet_fields], ids=lambda f: f.__name__
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linalg_result_fields(fn, seed):
    a = spd(seed)
    check_jit(fn, a)
    check_grad(fn, (a,), rtol=1e-4)
    _, tangent = myia.jvp(fn, (a,), (np.eye(3),))
    assert tangent == pytest.approx(float(np.trace(myia.grad(fn)(a))), rel=1e-8, abs=1e-9)


def test_linalg_results_leave_as_numpy_result_classes():
    a = spd(0)
    for got, want in zip(myia.jit(decomposed)(a), decomposed(a)):
        assert type(got) is type(want)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, atol=1e-12)


# Powers of negative bases (found by the peer suite: Tangent's `gradgrad_pow`) ------------


def power(a, b):
    return 2.0 * a**b + 1.0


@pytest.mark.parametrize(
    "a, b", [(-1.3, -0.4), (-2.0, 0.5), (np.float64(-1.3), -0.4), (-2.0, 3.0), (2.0, 0.5)]
)
def test_negative_base_to_a_fractional_power_is_pythons_value(a, b):
    with np.errstate(invalid="ignore"):
        got, want = myia.jit(power)(a, b), power(a, b)
    assert type(got) is type(want)
    np.testing.assert_allclose(got, want, rtol=1e-15)


# jvp and vjp of NumPy functions (found by the peer suite: autograd's test_simple_append)


def appended_sum(a, b):
    return np.sum(np.append(a, b) * np.arange(1.0, 5.0))


@given(a=st.lists(floats, min_size=3, max_size=3).map(np.array), b=floats)
@settings(max_examples=10, deadline=None)
def test_vjp_and_jvp_of_a_numpy_function_with_defaults(a, b):
    out, f_vjp = myia.vjp(np.append, a, b)
    np.testing.assert_array_equal(out, np.append(a, b))
    ga, gb = f_vjp(np.arange(1.0, 5.0))
    want_a, want_b = check_grad(appended_sum, (a, b), argnums=(0, 1))
    np.testing.assert_allclose(ga, want_a)
    assert gb == pytest.approx(want_b)
    value, tangent = myia.jvp(np.append, (a, b), (np.ones(3), 2.0))
    np.testing.assert_array_equal(value, np.append(a, b))
    np.testing.assert_allclose(tangent, [1.0, 1.0, 1.0, 2.0])


def test_vjp_of_a_numpy_function_with_a_static_argument():
    x = np.arange(6.0).reshape(2, 3)
    out, f_vjp = myia.vjp(np.sum, x, 0)
    np.testing.assert_array_equal(out, np.sum(x, 0))
    gx, gaxis = f_vjp(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(gx, [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    assert gaxis is None
    with pytest.raises(MyiaTypeError, match="packed with others"):
        myia.vjp(np.einsum, "i,i->", np.ones(2), np.ones(2))


# Sequences where NumPy takes an array (found by the peer suite: Tangent's test_anf_list)


def sum_of_a_list(a):
    b = [1, a * a, 2]
    return np.sum(b)


def sine_of_a_tuple(a):
    return np.sum(np.sin((1.0, a, 2.0 * a)))


def dot_of_lists(a):
    return np.dot([a, 1.0], [2.0, a * a]) + np.max([a, 0.5]) + np.mean((a, 2.0 * a))


def where_of_lists(a):
    return np.sum(np.where([True, False], [a, 2.0], [3.0, a * a]))


@pytest.mark.parametrize(
    "fn", [sum_of_a_list, sine_of_a_tuple, dot_of_lists, where_of_lists], ids=lambda f: f.__name__
)
@given(a=floats.filter(lambda v: abs(v - 0.5) > 1e-3))
@settings(max_examples=10, deadline=None)
def test_sequences_as_numpy_operands(fn, a):
    check_jit(fn, a)
    check_grad(fn, (a,))


def tuple_plus_tuple(a):
    return (a, 1.0) + (2.0,)


def test_python_operators_keep_their_meaning_on_sequences():
    assert check_jit(tuple_plus_tuple, 1.5) == (1.5, 1.0, 2.0)


# Lists in the index of an array (found by the peer suite: autograd's test_index_lists)


def list_index(x):
    return np.sum(x[[0, 1, 2], :, :] ** 2)


def mixed_list_index(x):
    return np.sum(np.sin(x[3, 2:, [1, 3]]))


def repeated_list_index(x):
    idx = [1, 0, 1]
    return np.sum(x[idx] * x[idx]) + np.sum(x[[0, 0]][0] * 3.0)


def boolean_list_index(x):
    return np.sum(np.tanh(x[[True, False, True, False, True]]))


@pytest.mark.parametrize(
    "fn",
    [list_index, mixed_list_index, repeated_list_index, boolean_list_index],
    ids=lambda f: f.__name__,
)
def test_lists_in_array_indices(fn):
    x = np.random.default_rng(0).standard_normal((5, 6, 4))
    check_jit(fn, x)
    check_grad(fn, (x,))
    _, tangent = myia.jvp(fn, (x,), (np.ones_like(x),))
    assert tangent == pytest.approx(float(np.sum(myia.grad(fn)(x))), rel=1e-9, abs=1e-9)


def sum_of_a_comprehension(x):
    return np.sum([v * 3.0 for v in x]) + np.sum(np.array([np.sin(v) for v in x]) ** 2)


def array_of_rows(m):
    return np.sum(np.array([r * r for r in m], dtype=np.float32) * 2.0)


@given(x=st.lists(floats, min_size=1, max_size=6).map(np.array))
@settings(max_examples=10, deadline=None)
def test_lists_of_a_run_time_length_as_numpy_operands(x):
    check_jit(sum_of_a_comprehension, x)
    check_grad(sum_of_a_comprehension, (x,))
    m = np.outer(x, x)
    check_jit(array_of_rows, m)


def test_an_empty_run_time_list_as_an_array_raises():
    with pytest.raises(ValueError, match="at least one array"):
        myia.jit(sum_of_a_comprehension)(np.zeros(0))


# NumPy's index tricks np.r_[...] and np.c_[...] (found by the peer suite: autograd's test_r_*)


def joined_rows(x, s):
    return np.r_[x, 2.0 * x, s, 1:4, 10:0:-3]


def joined_columns(x, m):
    return np.c_[x, np.sin(x), m]


def joined_matrices(m):
    return np.r_[m, m * m]


def test_index_tricks():
    x, m = np.array([0.5, -1.0, 2.0]), np.arange(6.0).reshape(3, 2)
    check_jit(joined_rows, x, 1.5)
    check_jit(joined_columns, x, m)
    check_jit(joined_matrices, m)
    w = np.random.default_rng(0).standard_normal(20)
    for fn, args, k in [(joined_rows, (x, 1.5), (0, 1)), (joined_columns, (x, m), (0, 1))]:
        out, f_vjp = myia.vjp(fn, *args)
        ct = w[: out.size].reshape(out.shape)
        got = f_vjp(ct)
        eps = 1e-6
        for i in k:
            d = np.random.default_rng(i).standard_normal(np.shape(args[i]))
            hi, lo = list(args), list(args)
            hi[i], lo[i] = args[i] + eps * d, args[i] - eps * d
            fd = (np.sum(fn(*hi) * ct) - np.sum(fn(*lo) * ct)) / (2 * eps)
            assert np.sum(got[i] * d) == pytest.approx(fd, rel=1e-6, abs=1e-8)


def directive(x):
    return np.r_["0,2", x, x]


def open_slice(x):
    return np.r_[x, 1:]


@pytest.mark.parametrize(
    "fn, match", [(directive, "directive string"), (open_slice, "needs a stop")], ids=str
)
def test_index_trick_refusals(fn, match):
    with pytest.raises(myia.MyiaSyntaxError, match=match):
        myia.jit(fn)(np.ones(2))
