"""Backpropagators of the reduction primitives (myia/prim/reductions.py)."""

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from myia.prim import PRIMITIVES, ZERO, lookup, primitive_for
from myia.prim import reductions as R
from tests.prim.bprop_check import assert_bprop_in_subset, check_bprop

REDUCTIONS = ["np.sum", "np.mean", "np.prod", "np.max", "np.min", "np.amax", "np.amin"]
MODULE_PRIMS = [p for p in PRIMITIVES.values() if p.impl.__module__ == R.__name__]


@st.composite
def shape_axis(draw, max_ndim=3):
    """A small shape and an axis argument: None, an int (maybe negative) or a tuple."""
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=max_ndim)))
    ndim = len(shape)
    single = st.integers(-ndim, ndim - 1)
    several = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(
        lambda axes: tuple(ax - ndim if ax % 2 else ax for ax in axes)
    )
    axis = draw(st.one_of(st.none(), single, several))
    return shape, axis


def _values(shape, seed, low=0.5, high=1.5):
    """Random values bounded away from zero, with random signs."""
    rng = np.random.default_rng(seed)
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


@pytest.mark.parametrize("prim", MODULE_PRIMS, ids=lambda p: p.name)
def test_bprops_in_subset(prim):
    assert_bprop_in_subset(prim)
    assert prim.nondiff or prim.bprop is not None


def test_python_objects():
    for name in REDUCTIONS + ["np.var", "np.std", "np.argmax", "np.all", "np.cumsum"]:
        assert primitive_for(eval(name)) is lookup(name)
    assert lookup("np.amax") is not lookup("np.max")
    for name in ["np.argmax", "np.argmin", "np.all", "np.any"]:
        assert lookup(name).nondiff


@settings(max_examples=50, deadline=None)
@given(shape_axis(), st.booleans(), st.integers(0, 2**16), st.sampled_from(REDUCTIONS))
def test_reduction_grads(sa, keepdims, seed, name):
    shape, axis = sa
    check_bprop(lookup(name), _values(shape, seed), axis, keepdims)


@settings(max_examples=50, deadline=None)
@given(shape_axis(), st.booleans(), st.integers(0, 2**16), st.sampled_from(["np.var", "np.std"]))
def test_var_std_grads(sa, keepdims, seed, name):
    shape, axis = sa
    count = R.reduced_count(np.zeros(shape), axis)
    assume(name == "np.var" or count >= 2)
    ddof = 1 if count > 2 else 0
    check_bprop(lookup(name), _values(shape, seed), axis, ddof, keepdims)


@settings(max_examples=50, deadline=None)
@given(shape_axis(), st.integers(0, 2**16), st.sampled_from(["np.cumsum", "np.cumprod"]))
def test_cumulative_grads(sa, seed, name):
    shape, axis = sa
    axis = axis if axis is None or isinstance(axis, int) else axis[0]
    check_bprop(lookup(name), _values(shape, seed), axis)


@pytest.mark.parametrize("name", REDUCTIONS + ["np.cumsum", "np.cumprod"])
def test_python_float_input(name):
    extra = (None,) if name.startswith("np.cum") else (None, False)
    sens = check_bprop(lookup(name), 1.7, *extra)
    assert isinstance(sens[0], float)


@pytest.mark.parametrize("name", ["np.var", "np.std"])
def test_var_std_python_float_args(name):
    sens = lookup(name).bprop(np.array([1.0, 2.0, 4.0]), None, 0, False, 1.0, 1.0)
    assert sens[1:] == (ZERO, ZERO, ZERO)


@pytest.mark.parametrize("name", REDUCTIONS + ["np.var", "np.std", "np.cumsum", "np.cumprod"])
@pytest.mark.parametrize("axis", [None, 1, (0, -1)])
def test_float32_preserved(name, axis):
    prim = lookup(name)
    x = _values((2, 3, 2), 1).astype(np.float32)
    if name.startswith("np.cum"):
        axis = None if axis is None else 1
        args = (x, axis)
    elif name in ("np.var", "np.std"):
        args = (x, axis, 0, False)
    else:
        args = (x, axis, False)
    out = prim.impl(*args)
    dout = np.ones_like(out)
    sens = prim.bprop(*args, out, dout)
    assert sens[0].dtype == np.float32 and sens[0].shape == x.shape
    x64 = (x.astype(np.float64),) + args[1:]
    expected = prim.bprop(*x64, prim.impl(*x64), dout.astype(np.float64))
    np.testing.assert_allclose(sens[0], expected[0], rtol=1e-4)


def test_float32_scalar_output():
    x = np.float32([1.0, 2.0])
    out = R.np_sum(x)
    sens = R.np_sum.bprop(x, None, False, out, np.float32(2.0))
    assert sens[0].dtype == np.float32
    np.testing.assert_array_equal(sens[0], [2.0, 2.0])


@pytest.mark.parametrize("name", ["np.max", "np.amax", "np.min", "np.amin"])
def test_ties_share_gradient(name):
    prim = lookup(name)
    big = name.endswith("max")
    x = np.array([1.0, 3.0, 3.0, 2.0, 3.0]) * (1 if big else -1)
    sens = prim.bprop(x, None, False, prim.impl(x), 1.0)
    np.testing.assert_allclose(sens[0], [0, 1 / 3, 1 / 3, 0, 1 / 3])
    m = np.array([[2.0, 2.0, 1.0], [0.0, 5.0, 5.0]]) * (1 if big else -1)
    sens = prim.bprop(m, 1, True, prim.impl(m, 1, True), np.array([[2.0], [4.0]]))
    np.testing.assert_allclose(sens[0], [[1.0, 1.0, 0.0], [0.0, 2.0, 2.0]])
    cols = np.array([[2.0, 5.0, 1.0], [2.0, 5.0, 3.0]]) * (1 if big else -1)
    sens = prim.bprop(cols, 0, False, prim.impl(cols, 0), np.array([1.0, 2.0, 4.0]))
    np.testing.assert_allclose(sens[0], [[0.5, 1.0, 0.0], [0.5, 1.0, 4.0]])


def test_prod_with_zero():
    x = np.array([2.0, 0.0, 3.0, -1.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sens = R.np_prod.bprop(x, None, False, R.np_prod(x), 1.0)
        np.testing.assert_array_equal(sens[0], [0.0, -9.0, 0.0, 0.0])
        two = np.array([0.0, 2.0, 0.0])
        sens = R.np_prod.bprop(two, None, False, R.np_prod(two), 1.0)
        np.testing.assert_array_equal(sens[0], [0.0, 0.0, 0.0])
        m = np.array([[1.0, 0.0, 4.0], [2.0, 3.0, 5.0]])
        sens = R.np_prod.bprop(m, -1, False, R.np_prod(m, -1), np.array([1.0, 2.0]))
        np.testing.assert_array_equal(sens[0], [[0.0, 4.0, 0.0], [30.0, 20.0, 12.0]])
        sens = R.np_prod.bprop(0.0, None, False, R.np_prod(0.0), 1.0)
        assert sens[0] == 1.0 and isinstance(sens[0], float)
    check_bprop(R.np_prod, np.array([[1.5, 0.0, 2.0], [0.7, 1.2, -0.8]]), 1, False)


def test_nondiff_values():
    x = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    assert R.np_argmax(x) == 3 and R.np_argmin(x, 1).tolist() == [0, 1]
    assert R.np_all(x > -1) and R.np_any(x, 0, True).shape == (1, 3)


def test_cumsum_and_cumprod_values():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    sens = R.np_cumsum.bprop(x, None, R.np_cumsum(x), np.ones(4))
    np.testing.assert_array_equal(sens[0], [[4.0, 3.0], [2.0, 1.0]])
    sens = R.np_cumprod.bprop(x, 0, R.np_cumprod(x, 0), np.ones((2, 2)))
    np.testing.assert_allclose(sens[0], [[4.0, 5.0], [1.0, 2.0]])


def test_helper_grads():
    """The helpers' backpropagators, which second-order gradients go through."""
    a = _values((2, 3, 4), 3)
    for axis, keepdims in [(None, False), (1, False), ((0, -1), True), ((-1, 0), False)]:
        d = R.np_sum(a, axis, keepdims) * 0 + _values(np.shape(R.np_sum(a, axis, keepdims)), 4)
        check_bprop(R.unreduce, d, a, axis, keepdims, wrt=[0])
        check_bprop(R.expand_reduced, d, a, axis, keepdims, wrt=[0])
    check_bprop(R.unreduce, 1.5, 2.0, None, False, wrt=[0])
    for axis in [None, 0, -1]:
        d = _values(np.shape(np.cumsum(a, axis)), 5)
        check_bprop(R.reverse_cumsum, d, a, axis, wrt=[0])


def test_helpers_zero_for_ints():
    assert R.unreduce(np.float64(2.0), np.arange(3), None, False) is ZERO
    assert R.reduced_count(np.zeros((2, 3, 4)), (0, -1)) == 8
