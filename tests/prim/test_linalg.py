"""Backpropagators of the linear algebra primitives (myia/prim/linalg.py)."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from myia.prim import PRIMITIVES, ZERO, lookup, primitive_for
from myia.prim import linalg as L
from myia.prim.registry import Primitive
from tests.prim.bprop_check import assert_bprop_in_subset, check_bprop

MODULE_PRIMS = [p for p in PRIMITIVES.values() if p.impl.__module__ == L.__name__]


def _rand(seed, *shape):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("prim", MODULE_PRIMS, ids=lambda p: p.name)
def test_bprops_in_subset(prim):
    assert_bprop_in_subset(prim)
    assert prim.nondiff or prim.bprop is not None


def test_python_objects():
    for name in [
        "np.dot",
        "np.matmul",
        "np.inner",
        "np.outer",
        "np.tensordot",
        "np.einsum",
        "np.trace",
        "np.linalg.norm",
        "np.linalg.solve",
        "np.linalg.inv",
        "np.linalg.det",
    ]:
        assert primitive_for(eval(name)) is lookup(name)


# Products

DOT_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((2, 3, 4), (5, 4, 2)),
    ((), (3, 2)),
    ((2, 3), ()),
]


@pytest.mark.parametrize("shapes", DOT_SHAPES)
def test_dot(shapes):
    check_bprop(L.np_dot, _rand(0, *shapes[0]), _rand(1, *shapes[1]))


def test_dot_python_float():
    sens = check_bprop(L.np_dot, 2.5, _rand(0, 3, 2))
    assert isinstance(sens[0], float)


MATMUL_SHAPES = [
    ((2, 3), (3, 4)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((5, 3, 4), (4, 2)),
    ((3,), (2, 3, 4)),
    ((2, 3, 4), (4,)),
    ((3,), (3,)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES)
def test_matmul(shapes):
    check_bprop(L.np_matmul, _rand(0, *shapes[0]), _rand(1, *shapes[1]))


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (4, 3)), ((2, 2, 3), (3,)), ((), (2,))])
def test_inner(shapes):
    check_bprop(L.np_inner, _rand(0, *shapes[0]), _rand(1, *shapes[1]))


@pytest.mark.parametrize("shapes", [((3,), (4,)), ((2, 3), (4,)), ((), (2, 2))])
def test_outer(shapes):
    check_bprop(L.np_outer, _rand(0, *shapes[0]), _rand(1, *shapes[1]))


@pytest.mark.parametrize(
    "axes, b_shape",
    [
        (0, (2, 2)),
        (1, (4, 2)),
        (2, (3, 4, 2)),
        (3, (2, 3, 4)),
        (([1, 0], [0, 1]), (3, 2, 4)),
        (((-1,), (0,)), (4, 3)),
        ((2, 1), (3, 4)),
    ],
)
def test_tensordot(axes, b_shape):
    check_bprop(L.np_tensordot, _rand(0, 2, 3, 4), _rand(1, *b_shape), axes)


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(["dot", "matmul", "inner", "outer"]),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.booleans(),
    st.integers(0, 2**16),
)
def test_products_random_shapes(op, m, k, n, batched, seed):
    a_shape, b_shape = (m, k), (k, n)
    if batched and op == "matmul":
        a_shape, b_shape = (2, 1, m, k), (3, k, n)
    elif op == "inner":
        b_shape = (n, k)
    prim = lookup("np." + op)
    check_bprop(prim, _rand(seed, *a_shape), _rand(seed + 1, *b_shape))


@pytest.mark.parametrize(
    "op, a_shape, b_shape, params",
    [
        ("dot", (2, 3), (3, 4), None),
        ("matmul", (2, 1, 3, 4), (5, 4, 2), None),
        ("matmul", (3,), (2, 3, 4), None),
        ("inner", (2, 3), (4, 3), None),
        ("outer", (2, 3), (2,), None),
        ("tensordot", (2, 3, 4), (4, 3), ([1, 2], [1, 0])),
        ("einsum", (2, 3), (2, 4), "...i,...j->...ij"),
    ],
)
def test_bilinear_helpers(op, a_shape, b_shape, params):
    """The sensitivity helpers are differentiable too (second-order gradients)."""
    a, b = _rand(0, *a_shape), _rand(1, *b_shape)
    check_bprop(L.bilinear, op, a, b, params)
    dout = _rand(2, *np.shape(L.bilinear(op, a, b, params)))
    check_bprop(L.bilinear_sens_a, op, a, b, params, dout, wrt=[2, 4])
    check_bprop(L.bilinear_sens_b, op, a, b, params, dout, wrt=[1, 4])


@pytest.mark.parametrize("name", ["np.dot", "np.matmul", "np.inner", "np.outer"])
def test_products_float32(name):
    prim = lookup(name)
    a, b = _rand(0, 2, 3).astype(np.float32), _rand(1, 3, 3).astype(np.float32)
    sens = prim.bprop(a, b, prim.impl(a, b), np.ones_like(prim.impl(a, b)))
    assert sens[0].dtype == np.float32 and sens[1].dtype == np.float32
    assert sens[0].shape == a.shape and sens[1].shape == b.shape


# Einsum

EINSUMS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij->", [(2, 3)]),
    ("i,i", [(3,), (3,)]),
    ("bij,bjk->bik", [(2, 3, 2), (2, 2, 4)]),
    ("ij,j", [(2, 3), (3,)]),
    ("ij->ji", [(2, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij,k->jk", [(2, 2, 3), (2,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("i,j->ij", [(2,), (3,)]),
    (",ij->ij", [(), (2, 2)]),
]


@pytest.mark.parametrize("subscripts, shapes", EINSUMS, ids=[e[0] for e in EINSUMS])
def test_einsum(subscripts, shapes):
    """`check_bprop` perturbs separate arguments: pass the operands one by one."""
    prim = Primitive(f"test.einsum[{subscripts}]", lambda *ops: L.np_einsum(subscripts, ops))
    prim.defbprop(lambda *args: L.np_einsum.bprop(subscripts, args[:-2], args[-2], args[-1])[1])
    check_bprop(prim, *[_rand(i, *shape) for i, shape in enumerate(shapes)])


def test_einsum_bprop_shape_and_dtype():
    a, b = _rand(0, 2, 3).astype(np.float32), 2.0
    out = L.np_einsum("ij,->i", (a, b))
    sens = L.np_einsum.bprop("ij,->i", (a, b), out, np.ones(2, np.float32))
    assert sens[0] is ZERO and isinstance(sens[1], tuple)
    assert sens[1][0].dtype == np.float32 and sens[1][0].shape == (2, 3)
    assert isinstance(sens[1][1], float)
    np.testing.assert_allclose(sens[1][1], a.sum(), rtol=1e-6)


def test_einsum_matches_matmul_gradient():
    a, b = _rand(0, 2, 3), _rand(1, 3, 4)
    dout = _rand(2, 2, 4)
    sens = L.np_einsum.bprop("ij,jk->ik", (a, b), a @ b, dout)[1]
    np.testing.assert_allclose(sens[0], dout @ b.T)
    np.testing.assert_allclose(sens[1], a.T @ dout)


def test_einsum_helpers():
    """Helpers the einsum backpropagator is built from, with their own backpropagators."""
    assert L.einsum_sens_subscripts("ij,jk->ik", 1) == "ik,ij->jk"
    assert L.einsum_sens_subscripts("ij", 0) == "ij->ij"
    assert L.einsum_fold_subscripts("iij,k->jk", 0) == "iij->j"
    assert L.einsum_fold_subscripts("iij,k->ijk", 0) == "iij->ij"
    ops = (1.0, 2.0, 3.0)
    packed = L.einsum_pack("d", ops, 1)
    assert packed == ("d", 1.0, 3.0)
    assert L.einsum_unpack(packed, ops, 1) == (1.0, ZERO, 3.0)
    assert L.einsum_pack.bprop("d", ops, 1, packed, ("s", 4.0, 5.0)) == (
        "s",
        (4.0, ZERO, 5.0),
        ZERO,
    )
    assert L.einsum_unpack.bprop(packed, ops, 1, None, (4.0, 6.0, 5.0)) == (
        (ZERO, 4.0, 5.0),
        ZERO,
        ZERO,
    )
    x = _rand(0, 2, 2, 3)
    check_bprop(L.einsum_unfold, _rand(1, 3), "iij,k->jk", (x, 1.0), 0, wrt=[0])
    check_bprop(L.einsum_unfold, _rand(1, 2, 3), "iij,k->ijk", (x, 1.0), 0, wrt=[0])
    check_bprop(L.einsum_unfold, _rand(1, 2), "ij->i", (_rand(2, 2, 3),), 0, wrt=[0])


def test_einsum_ellipsis_gradient_refused():
    with pytest.raises(NotImplementedError, match=r"\.\.\."):
        L.einsum_sens_subscripts("...ij->...", 0)


# Trace


@pytest.mark.parametrize(
    "shape, offset, axis1, axis2",
    [
        ((3, 3), 0, 0, 1),
        ((3, 4), 1, 0, 1),
        ((4, 3), -1, 0, 1),
        ((2, 3, 3), 0, 1, 2),
        ((3, 2, 3), 0, 0, 2),
        ((3, 3), 5, 0, 1),
    ],
)
def test_trace(shape, offset, axis1, axis2):
    a = _rand(0, *shape)
    check_bprop(L.np_trace, a, offset, axis1, axis2)
    d = _rand(1, *np.shape(L.np_trace(a, offset, axis1, axis2)))
    check_bprop(L.trace_sens, d, a, offset, axis1, axis2, wrt=[0])


def test_trace_value_and_dtype():
    a = np.arange(9.0, dtype=np.float32).reshape(3, 3)
    sens = L.np_trace.bprop(a, 0, 0, 1, L.np_trace(a), np.float32(2.0))
    assert sens[0].dtype == np.float32
    np.testing.assert_array_equal(sens[0], 2.0 * np.eye(3))


# Norms


@st.composite
def vector_norm_case(draw):
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    ndim = len(shape)
    axis = draw(st.integers(-ndim, ndim - 1)) if ndim > 1 or draw(st.booleans()) else None
    return shape, axis


@settings(max_examples=40, deadline=None)
@given(
    vector_norm_case(),
    st.sampled_from([None, 2, 1, np.inf, -np.inf, 3, 0.5]),
    st.booleans(),
    st.integers(0, 2**16),
)
def test_vector_norms(case, ord, keepdims, seed):
    shape, axis = case
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    if ord in (np.inf, -np.inf):
        x = x + np.arange(x.size).reshape(shape) * 0.01 * np.sign(x)  # no near-ties
    check_bprop(L.np_linalg_norm, x, ord, axis, keepdims, wrt=[0])


@settings(max_examples=20, deadline=None)
@given(
    st.sampled_from([None, "fro", 1, -1, np.inf, -np.inf]),
    st.sampled_from([None, (0, 1), (1, 0)]),
    st.booleans(),
    st.integers(0, 2**16),
)
def test_matrix_norms(ord, axis, keepdims, seed):
    if ord is not None and axis is None:
        axis = (0, 1)
    x = np.random.default_rng(seed).standard_normal((3, 4))
    check_bprop(L.np_linalg_norm, x, ord, axis, keepdims, wrt=[0])


def test_stacked_matrix_norm():
    x = _rand(0, 2, 3, 4)
    check_bprop(L.np_linalg_norm, x, "fro", (-2, -1), False)
    check_bprop(L.np_linalg_norm, x, 1, (2, 1), True)
    check_bprop(L.np_linalg_norm, x, None, None, False)


def test_norm_at_zero_has_zero_gradient():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x, axis, ord in [
            (np.zeros(3), None, None),
            (np.zeros((2, 3)), None, "fro"),
            (np.zeros((2, 3)), 1, None),
            (np.zeros(3), None, 1),
            (np.zeros(3), None, 3),
        ]:
            out = L.np_linalg_norm(x, ord, axis)
            sens = L.np_linalg_norm.bprop(x, ord, axis, False, out, np.ones_like(out))
            np.testing.assert_array_equal(sens[0], np.zeros_like(x))
        x = np.array([[0.0, 0.0], [3.0, 4.0]])
        sens = L.np_linalg_norm.bprop(x, None, 1, False, L.np_linalg_norm(x, None, 1), np.ones(2))
        np.testing.assert_allclose(sens[0], [[0.0, 0.0], [0.6, 0.8]])


def test_norm_ties_share_gradient():
    x = np.array([3.0, -3.0, 1.0])
    sens = L.np_linalg_norm.bprop(x, np.inf, None, False, 3.0, 1.0)
    np.testing.assert_allclose(sens[0], [0.5, -0.5, 0.0])
    m = np.array([[1.0, -2.0], [2.0, 1.0]])  # both columns sum to 3 in abs
    sens = L.np_linalg_norm.bprop(m, 1, None, False, 3.0, 1.0)
    np.testing.assert_allclose(sens[0], [[0.5, -0.5], [0.5, 0.5]])


def test_norm_float32_and_python_float():
    x = _rand(0, 2, 3).astype(np.float32)
    for ord, axis in [(None, None), (None, 1), (1, 0), (np.inf, 1), ("fro", None)]:
        out = L.np_linalg_norm(x, ord, axis)
        sens = L.np_linalg_norm.bprop(x, ord, axis, False, out, np.ones_like(out))
        assert sens[0].dtype == np.float32 and sens[0].shape == x.shape
    check_bprop(L.np_linalg_norm, -2.0, None, None, False)
    sens = L.np_linalg_norm.bprop(-2.0, None, None, False, 2.0, 3.0)
    assert isinstance(sens[0], float) and sens[0] == -3.0


@pytest.mark.parametrize("ord, shape", [(2, (2, 2)), ("nuc", (2, 2)), (0, (3,))])
def test_unsupported_norm_gradients_raise(ord, shape):
    with pytest.raises(NotImplementedError, match="norm"):
        L.norm_kind(np.ones(shape), ord, None)


# Inverse, determinant, solve


def _well_conditioned(seed, *shape):
    n = shape[-1]
    return _rand(seed, *shape) * 0.3 + np.eye(n)


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
def test_inv_and_det(shape):
    a = _well_conditioned(0, *shape)
    check_bprop(L.np_linalg_inv, a)
    check_bprop(L.np_linalg_det, a)


def test_det_gradient_formula():
    a = _well_conditioned(3, 3, 3)
    sens = L.np_linalg_det.bprop(a, np.linalg.det(a), 2.0)[0]
    np.testing.assert_allclose(sens, 2.0 * np.linalg.det(a) * np.linalg.inv(a).T)


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 2)), ((2, 3, 3), (3, 1))],
)
def test_solve(a_shape, b_shape):
    check_bprop(L.np_linalg_solve, _well_conditioned(0, *a_shape), _rand(1, *b_shape))


def test_solve_stacked_vector_refused():
    with pytest.raises(NotImplementedError, match="solve"):
        L.solve_subscripts(np.ones((2, 3, 3)), np.ones(3))


def test_matrix_transpose():
    check_bprop(L.matrix_transpose, _rand(0, 2, 3, 4))


@pytest.mark.parametrize("name", ["np.linalg.inv", "np.linalg.det", "np.trace"])
def test_float32_preserved(name):
    prim = lookup(name)
    a = _well_conditioned(0, 3, 3).astype(np.float32)
    args = (a,) if name != "np.trace" else (a, 0, 0, 1)
    out = prim.impl(*args)
    sens = prim.bprop(*args, out, np.ones_like(out))
    assert sens[0].dtype == np.float32


def test_solve_float32():
    a, b = _well_conditioned(0, 3, 3).astype(np.float32), _rand(1, 3).astype(np.float32)
    out = L.np_linalg_solve(a, b)
    sens = L.np_linalg_solve.bprop(a, b, out, np.ones_like(out))
    assert sens[0].dtype == np.float32 and sens[1].dtype == np.float32
