"""Indexing that mixes integers, slices, None and integer arrays (autograd's
`x[3, 2:, [1, 3]]`): with an array in the index an integer is an advanced index too, and
advanced indices apart from each other put their axes first, as NumPy does. The type
myia infers is the shape NumPy gives for every such index of up to three items; values
and gradients (against central finite differences, first and second order) for some."""

import itertools

import numpy as np
import pytest

import myia
from myia.infer.abstract import abstract_of_value
from myia.prim.indexing import index_type
from myia.testing import check_grads
from tests.checks import check_jit

A = np.random.default_rng(2).standard_normal((5, 7, 4))
ITEMS = [np.array([1, 3, 0]), 2, slice(1, 4), None, -1, np.array([[0], [2]])]
INDICES = [
    combo
    for r in (1, 2, 3)
    for combo in itertools.product(ITEMS, repeat=r)
    if sum(c is not None for c in combo) <= 3
]


def _numpy_shape(index):
    try:
        return A[index].shape
    except IndexError:
        return None


@pytest.mark.parametrize("index", INDICES, ids=[repr(i) for i in INDICES])
def test_inferred_shape_is_numpys(index):
    expected = _numpy_shape(index)
    if expected is None:
        pytest.skip("NumPy refuses this index")
    t = index_type(abstract_of_value(A), abstract_of_value(index))
    assert tuple(getattr(t, "shape", ())) == expected


def int_slice_list(x):
    return x[3, 2:, [1, 3]]


def weighted_int_slice_list(x):
    return np.sum(np.sin(x[3, 2:, [1, 3]]) * np.arange(10.0).reshape(2, 5))


def list_slice_int(x):
    return np.sum(x[[0, 4, 1], 1:3, 2] ** 2 * np.arange(6.0).reshape(3, 2))


def int_none_list(x):
    return np.sum(np.tanh(x[1, None, [2, 0]]) * np.array([[1.0], [-2.0]]))


def test_values_match_numpy():
    check_jit(int_slice_list, A)
    check_jit(weighted_int_slice_list, A)
    check_jit(list_slice_int, A)
    check_jit(int_none_list, A)


@pytest.mark.parametrize("fn", [weighted_int_slice_list, list_slice_int, int_none_list])
def test_gradients_first_and_second_order(fn):
    check_grads(fn, (A,), order=2)


def test_vjp_and_jvp_of_the_peer_index():
    u = np.random.default_rng(3).standard_normal(A.shape)
    out, pullback = myia.vjp(int_slice_list, A)
    assert out.shape == (2, 5)
    ct = np.arange(10.0).reshape(2, 5)
    (g,) = pullback(ct)
    assert np.isclose(np.sum(g * u), np.sum(ct * int_slice_list(u)))  # a linear map
    _, t = myia.jvp(int_slice_list, (A,), (u,))
    np.testing.assert_allclose(t, int_slice_list(u))
