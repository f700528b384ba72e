"""Tests of the shape primitives (myia/prim/shapes.py): finite-difference checks of every
backpropagator and adjoint helper, container sensitivities, dtype preservation, the
conventions of the reductions written as methods, and the nondiff constructors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from myia.prim import ZERO, lookup, primitive_for
from myia.prim import shapes as S
from myia.prim.registry import Primitive
from tests.prim.bprop_check import EPS, assert_bprop_in_subset, check_bprop

FEW = settings(max_examples=20, deadline=None)

seeds = st.integers(0, 2**32 - 1)
shapes = st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple)


def rand(seed, shape, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def prims_of_module():
    return [p for p in vars(S).values() if isinstance(p, Primitive)]


# Finite differences through tuples and lists


def _flat(x):
    """The float leaves of a nested tuple/list, in order."""
    if isinstance(x, (tuple, list)):
        return [leaf for e in x for leaf in _flat(e)]
    return [x]


def _rebuild(x, leaves):
    if isinstance(x, (tuple, list)):
        out = [_rebuild(e, leaves) for e in x]
        return tuple(out) if isinstance(x, tuple) else out
    return leaves.pop(0)


def _bump(leaf, i, h):
    if isinstance(leaf, float):
        return leaf + h
    y = np.array(leaf, dtype=np.float64, copy=True)
    y.flat[i] += h
    return y


def _dot(out, dout):
    return sum(
        float(np.sum(np.asarray(o, np.float64) * np.asarray(d, np.float64)))
        for o, d in zip(_flat(out), _flat(dout))
        if d is not ZERO
    )


def _assert_like(s, x, name):
    """`s` has the container types of `x` and each leaf's type, shape and dtype."""
    if isinstance(x, (tuple, list)):
        assert type(s) is type(x) and len(s) == len(x), f"{name}: {s!r} is not like {x!r}"
        for a, b in zip(s, x):
            _assert_like(a, b, name)
    elif isinstance(x, float):
        assert isinstance(s, float), f"{name}: the sensitivity of a float must be a float"
    else:
        assert np.shape(s) == np.shape(x), f"{name}: shape {np.shape(s)} != {np.shape(x)}"
        assert np.asarray(s).dtype == np.asarray(x).dtype, f"{name}: dtype mismatch"


def check_tree_bprop(prim, *args, wrt=(0,), dout=None, seed=0):
    """`check_bprop` for arguments and outputs that are (nested) tuples and lists."""
    rng = np.random.default_rng(seed)
    out = prim.impl(*args)
    if dout is None:
        leaves = [rng.standard_normal(np.shape(o)) for o in _flat(out)]
        dout = _rebuild(
            out, [float(v) if isinstance(o, float) else v for v, o in zip(leaves, _flat(out))]
        )
    sens = prim.bprop(*args, out, dout)
    assert isinstance(sens, tuple) and len(sens) == len(args)
    for k in wrt:
        _assert_like(sens[k], args[k], prim.name)
        leaves = _flat(args[k])
        for j, leaf in enumerate(leaves):
            got = np.asarray(_flat(sens[k])[j], np.float64)
            expected = np.zeros(np.shape(leaf))
            for i in range(expected.size):
                moved = []
                for h in (EPS, -EPS):
                    bumped = list(leaves)
                    bumped[j] = _bump(leaf, i, h)
                    new = list(args)
                    new[k] = _rebuild(args[k], bumped)
                    moved.append(_dot(prim.impl(*new), dout))
                expected.flat[i] = (moved[0] - moved[1]) / (2 * EPS)
            np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)
    return sens


# Registration


def test_every_bprop_is_in_the_subset():
    for prim in prims_of_module():
        assert prim.bprop is not None or prim.nondiff, prim.name
        assert_bprop_in_subset(prim)


@pytest.mark.parametrize(
    "fn",
    [
        np.reshape,
        np.transpose,
        np.swapaxes,
        np.expand_dims,
        np.squeeze,
        np.broadcast_to,
        np.concatenate,
        np.stack,
        np.hstack,
        np.vstack,
        np.split,
        np.tile,
        np.repeat,
        np.flip,
        np.moveaxis,
        np.ravel,
        np.diag,
        np.triu,
        np.tril,
        np.sort,
        np.take,
        np.take_along_axis,
        np.zeros_like,
        np.ones_like,
        np.full_like,
        np.zeros,
        np.ones,
        np.full,
        np.eye,
        np.arange,
        np.linspace,
        np.array,
        np.asarray,
        np.shape,
        np.ndim,
        np.size,
        np.argsort,
    ],
)
def test_numpy_functions_map_to_their_primitive(fn):
    prim = primitive_for(fn)
    assert prim is not None and prim.name == "np." + fn.__name__


def test_signatures_mirror_numpy():
    assert list(lookup("np.reshape").signature.parameters) == ["a", "shape"]
    assert list(lookup("method.sum").signature.parameters) == ["self", "axis", "keepdims"]
    assert lookup("np.take_along_axis").signature.parameters["axis"].default == -1
    assert lookup("np.sort").signature.parameters["axis"].default == -1


# Reshaping and axis permutation


@FEW
@given(seed=seeds, shape=shapes)
def test_reshape_ravel_expand_squeeze(seed, shape):
    x = rand(seed, shape)
    check_bprop(lookup("np.reshape"), x, (-1,))
    check_bprop(lookup("np.reshape"), x, (1, x.size, 1))
    check_bprop(lookup("np.ravel"), x)
    check_bprop(lookup("np.expand_dims"), x, -1)
    check_bprop(lookup("np.expand_dims"), x, (0, 2))
    check_bprop(lookup("np.squeeze"), x[None, ..., None], None)
    check_bprop(lookup("np.squeeze"), x[None, ..., None], -1)
    check_bprop(lookup("method.reshape"), x, (x.size,))
    check_bprop(lookup("method.reshape"), x, ((1, -1),))
    check_bprop(lookup("method.ravel"), x)
    check_bprop(lookup("method.flatten"), x)
    check_bprop(lookup("method.squeeze"), x[None], (0,))
    check_bprop(lookup("method.copy"), x)


def test_reshape_of_python_float():
    sens = check_bprop(lookup("np.reshape"), 2.0, (1, 1))
    assert isinstance(sens[0], float)


@FEW
@given(seed=seeds, shape=shapes, data=st.data())
def test_transpose_swapaxes_moveaxis_flip(seed, shape, data):
    x = rand(seed, shape)
    nd = x.ndim
    perm = data.draw(st.permutations(range(nd)))
    axes = tuple(a - nd if i % 2 else a for i, a in enumerate(perm))  # some negative
    ax = data.draw(st.integers(-nd, nd - 1))
    ax2 = data.draw(st.integers(-nd, nd - 1))
    check_bprop(lookup("np.transpose"), x, None)
    check_bprop(lookup("np.transpose"), x, axes)
    check_bprop(lookup("method.transpose"), x, None)
    check_bprop(lookup("method.transpose"), x, axes)
    check_bprop(lookup("method.transpose"), x, (list(axes),))
    check_bprop(lookup("attr.T"), x)
    check_bprop(lookup("np.swapaxes"), x, ax, ax2)
    check_bprop(lookup("np.moveaxis"), x, ax, ax2)
    check_bprop(lookup("np.flip"), x, None)
    check_bprop(lookup("np.flip"), x, ax)


def test_T_of_a_vector_is_itself():
    x = np.arange(3.0)
    np.testing.assert_array_equal(lookup("attr.T").impl(x), x)
    check_bprop(lookup("attr.T"), x)


@FEW
@given(seed=seeds)
def test_broadcast_to(seed):
    check_bprop(lookup("np.broadcast_to"), rand(seed, (3, 1)), (2, 3, 4))
    check_bprop(lookup("np.broadcast_to"), rand(seed, (4,)), (3, 4))
    sens = check_bprop(lookup("np.broadcast_to"), 1.5, (2, 2))
    assert isinstance(sens[0], float)


# Joining and splitting


@FEW
@given(seed=seeds, shape=shapes, data=st.data(), container=st.sampled_from([tuple, list]))
def test_concatenate(seed, shape, data, container):
    nd = len(shape)
    ax = data.draw(st.integers(-nd, nd - 1))
    parts = []
    for i, n in enumerate(data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))):
        s = list(shape)
        s[ax] = n
        parts.append(rand(seed + i, tuple(s)))
    arrays = container(parts)
    sens = check_tree_bprop(lookup("np.concatenate"), arrays, ax)
    assert type(sens[0]) is container
    check_tree_bprop(
        lookup("np.concatenate"), container([rand(seed, shape), rand(seed, (2,))]), None
    )


@FEW
@given(seed=seeds, shape=shapes, data=st.data(), container=st.sampled_from([tuple, list]))
def test_stack(seed, shape, data, container):
    ax = data.draw(st.integers(-len(shape) - 1, len(shape)))
    arrays = container(rand(seed + i, shape) for i in range(data.draw(st.integers(1, 3))))
    sens = check_tree_bprop(lookup("np.stack"), arrays, ax)
    assert type(sens[0]) is container


@FEW
@given(seed=seeds, n=st.integers(1, 3))
def test_hstack_vstack(seed, n):
    vecs = (rand(seed, (n,)), rand(seed + 1, (2,)))
    mats = [rand(seed, (2, n)), rand(seed + 1, (2, 1))]
    check_tree_bprop(lookup("np.hstack"), vecs)
    check_tree_bprop(lookup("np.hstack"), mats)
    check_tree_bprop(lookup("np.hstack"), (1.5, rand(seed, (n,))))
    check_tree_bprop(lookup("np.vstack"), [rand(seed, (n,)), rand(seed + 1, (n,))])
    check_tree_bprop(lookup("np.vstack"), (rand(seed, (2, n)), rand(seed + 1, (n,))))


@FEW
@given(seed=seeds, shape=shapes, data=st.data())
def test_split_sections_and_indices(seed, shape, data):
    nd = len(shape)
    ax = data.draw(st.integers(-nd, nd - 1))
    sections = data.draw(st.integers(1, 3))
    s = list(shape)
    s[ax] *= sections
    x = rand(seed, tuple(s))
    check_tree_bprop(lookup("np.split"), x, sections, ax)
    cuts = sorted(data.draw(st.lists(st.integers(0, s[ax]), max_size=3)))
    check_tree_bprop(lookup("np.split"), x, cuts, ax)
    pieces = np.split(x, cuts, ax)
    zero_at = data.draw(st.integers(0, len(pieces) - 1))
    dout = [ZERO if i == zero_at else rand(seed + i, np.shape(p)) for i, p in enumerate(pieces)]
    check_tree_bprop(lookup("np.split"), x, cuts, ax, dout=dout)


def test_split_with_zero_sensitivity_entries():
    x = np.arange(12.0).reshape(3, 4)
    split = lookup("np.split")
    out = split.impl(x, [1, 3], 1)
    dout = [ZERO, np.ones((3, 2)), ZERO]
    (dx, di, da) = split.bprop(x, [1, 3], 1, out, dout)
    expected = np.zeros((3, 4))
    expected[:, 1:3] = 1.0
    np.testing.assert_array_equal(dx, expected)
    assert di is ZERO and da is ZERO
    dx = split.bprop(x, 3, 0, split.impl(x, 3, 0), [ZERO, ZERO, np.full((1, 4), 2.0)])[0]
    np.testing.assert_array_equal(dx, np.concatenate([np.zeros((2, 4)), np.full((1, 4), 2.0)]))


def test_split_returns_a_list():
    assert isinstance(lookup("np.split").impl(np.arange(4.0), 2, 0), list)


# Conversion to arrays


def test_array_of_nested_containers():
    obj = ((1.0, 2.0), [np.array(4.0), 5.0])
    sens = check_tree_bprop(lookup("np.array"), obj, None)
    assert isinstance(sens[0], tuple) and isinstance(sens[0][1], list)
    assert isinstance(sens[0][0][0], float)
    check_tree_bprop(lookup("np.array"), [np.arange(3.0), np.ones(3)], None)
    check_tree_bprop(lookup("np.asarray"), (1.0, 2.0, 3.0), None)


@FEW
@given(seed=seeds, shape=shapes)
def test_array_of_an_array(seed, shape):
    x = rand(seed, shape)
    check_bprop(lookup("np.array"), x, None)
    check_bprop(lookup("np.asarray"), x, None)
    sens = check_bprop(lookup("np.array"), x.astype(np.float32), np.float64, wrt=[])
    assert sens[0].dtype == np.float32
    out = lookup("np.array").impl(x, None)
    assert out is not x and not np.shares_memory(out, x)


def test_array_of_a_float():
    sens = check_bprop(lookup("np.array"), 2.5, None)
    assert isinstance(sens[0], float)


# Tiling, repetition, diagonals and triangles


@FEW
@given(
    seed=seeds,
    shape=shapes,
    reps=st.one_of(
        st.integers(1, 3), st.lists(st.integers(1, 3), min_size=1, max_size=4).map(tuple)
    ),
)
def test_tile(seed, shape, reps):
    check_bprop(lookup("np.tile"), rand(seed, shape), reps)


@FEW
@given(seed=seeds, shape=shapes, repeats=st.integers(1, 3), data=st.data())
def test_repeat(seed, shape, repeats, data):
    x = rand(seed, shape)
    check_bprop(lookup("np.repeat"), x, repeats, None)
    check_bprop(
        lookup("np.repeat"), x, repeats, data.draw(st.integers(-len(shape), len(shape) - 1))
    )


@FEW
@given(seed=seeds, n=st.integers(1, 4), m=st.integers(1, 4), k=st.integers(-2, 2))
def test_diag_triu_tril(seed, n, m, k):
    check_bprop(lookup("np.diag"), rand(seed, (n,)), k)
    check_bprop(lookup("np.diag"), rand(seed, (n, m)), k)
    check_bprop(lookup("np.triu"), rand(seed, (n, m)), k)
    check_bprop(lookup("np.tril"), rand(seed, (n, m)), k)
    check_bprop(lookup("np.triu"), rand(seed, (2, n, m)), k)


# Sorting and gathering by index


@FEW
@given(seed=seeds, shape=shapes, data=st.data())
def test_sort(seed, shape, data):
    rng = np.random.default_rng(seed)
    x = (rng.permutation(int(np.prod(shape))) + 0.1 * rng.random(shape).ravel()).reshape(shape)
    check_bprop(lookup("np.sort"), x, data.draw(st.integers(-len(shape), len(shape) - 1)))
    check_bprop(lookup("np.sort"), x, None)


@FEW
@given(seed=seeds, shape=shapes, data=st.data())
def test_take(seed, shape, data):
    x = rand(seed, shape)
    nd = len(shape)
    ax = data.draw(st.integers(-nd, nd - 1))
    idx = np.array(
        data.draw(st.lists(st.integers(-shape[ax], shape[ax] - 1), min_size=1, max_size=5))
    )
    check_bprop(lookup("np.take"), x, idx, ax)
    check_bprop(lookup("np.take"), x, idx.reshape(-1, 1), ax)
    check_bprop(lookup("np.take"), x, int(idx[0]), ax)
    flat = np.array(data.draw(st.lists(st.integers(0, x.size - 1), min_size=1, max_size=5)))
    check_bprop(lookup("np.take"), x, flat, None)


def test_take_accumulates_repeated_indices():
    x = np.arange(4.0)
    prim = lookup("np.take")
    idx = np.array([1, 1, 3, 1])
    dx = prim.bprop(x, idx, None, prim.impl(x, idx, None), np.ones(4))[0]
    np.testing.assert_array_equal(dx, [0.0, 3.0, 0.0, 1.0])
    prim = lookup("np.take_along_axis")
    x = np.arange(6.0).reshape(2, 3)
    idx = np.array([[0, 0, 2], [1, 1, 1]])
    dx = prim.bprop(x, idx, 1, prim.impl(x, idx, 1), np.ones((2, 3)))[0]
    np.testing.assert_array_equal(dx, [[2.0, 0.0, 1.0], [0.0, 3.0, 0.0]])


@FEW
@given(seed=seeds, shape=shapes, data=st.data())
def test_take_along_axis(seed, shape, data):
    x = rand(seed, shape)
    nd = len(shape)
    ax = data.draw(st.integers(-nd, nd - 1))
    rng = np.random.default_rng(seed)
    ishape = list(shape)
    ishape[ax] = data.draw(st.integers(1, 4))
    idx = rng.integers(0, shape[ax], size=tuple(ishape))
    check_bprop(lookup("np.take_along_axis"), x, idx, ax)
    check_bprop(lookup("np.take_along_axis"), x, rng.integers(0, x.size, size=5), None)


# Methods of arrays: reductions


axis_args = st.one_of(st.none(), st.integers(-3, 2), st.just((0, -1)))


@FEW
@given(seed=seeds, axis=axis_args, keepdims=st.booleans())
def test_method_reductions(seed, axis, keepdims):
    x = rand(seed, (2, 3, 2))
    for name in ["method.sum", "method.mean", "method.max", "method.min", "method.prod"]:
        check_bprop(lookup(name), x, axis, keepdims)
    for ddof in (0, 1):
        check_bprop(lookup("method.var"), x, axis, ddof, keepdims)
        check_bprop(lookup("method.std"), x, axis, ddof, keepdims)


@FEW
@given(seed=seeds, axis=st.one_of(st.none(), st.integers(-3, 2)))
def test_method_cumsum(seed, axis):
    check_bprop(lookup("method.cumsum"), rand(seed, (2, 3, 2)), axis)


def test_max_and_min_split_the_gradient_among_ties():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    for name in ("method.max", "method.min"):
        prim = lookup(name)
        out = prim.impl(x, 1, False)
        dx = prim.bprop(x, 1, False, out, np.array([1.0, 1.0]))[0]
        first = [0.0, 0.5, 0.5] if name == "method.max" else [1.0, 0.0, 0.0]
        np.testing.assert_allclose(dx, [first, [1 / 3, 1 / 3, 1 / 3]])
        dx = prim.bprop(x, None, False, prim.impl(x, None, False), 1.0)[0]
        assert dx.sum() == pytest.approx(1.0)


def test_prod_gradient_is_exact_at_zeros():
    x = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 5.0]])
    prim = lookup("method.prod")
    dx = prim.bprop(x, 1, False, prim.impl(x, 1, False), np.ones(2))[0]
    np.testing.assert_array_equal(dx, [[6.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    check_bprop(prim, x, -1, True)


def test_nondiff_methods():
    x = np.array([[1.0, -2.0], [3.0, 0.0]])
    for name in ("method.any", "method.all", "method.argmax", "method.argmin"):
        prim = lookup(name)
        assert prim.nondiff and prim.bprop is None
        meth = getattr(x, name.split(".")[1])
        np.testing.assert_array_equal(prim.impl(x, 0, True), meth(axis=0, keepdims=True))
        np.testing.assert_array_equal(prim.impl(x), meth())


# Methods of arrays: conversions and products


def test_astype_casts_the_gradient_back():
    x = np.arange(3.0, dtype=np.float32)
    prim = lookup("method.astype")
    out = prim.impl(x, np.float64)
    assert out.dtype == np.float64
    assert prim.bprop(x, np.float64, out, np.ones(3))[0].dtype == np.float32
    check_bprop(prim, x.astype(np.float64), np.float64)
    ints = np.arange(3)
    assert prim.bprop(ints, np.float64, prim.impl(ints, np.float64), np.ones(3))[0] is ZERO


dot_shapes = st.sampled_from(
    [
        ((), (3,)),
        ((2,), ()),
        ((3,), (3,)),
        ((2, 3), (3,)),
        ((3,), (3, 2)),
        ((2, 3), (3, 4)),
        ((2, 2, 3), (3,)),
        ((2, 3), (2, 3, 4)),
        ((2, 2, 3), (2, 3, 2)),
    ]
)


@FEW
@given(seed=seeds, shapes=dot_shapes)
def test_method_dot(seed, shapes):
    a, b = rand(seed, shapes[0]), rand(seed + 1, shapes[1])
    check_bprop(lookup("method.dot"), a, b)
    d = rand(seed + 2, np.shape(np.dot(a, b)))
    check_bprop(lookup("dot_sens_self"), d, a, b, wrt=[0, 2])
    check_bprop(lookup("dot_sens_other"), d, a, b, wrt=[0, 1])


def test_dot_with_python_float():
    sens = check_bprop(lookup("method.dot"), np.arange(3.0), 2.0)
    assert isinstance(sens[1], float)


def test_method_reshape_and_transpose_accept_packed_arguments():
    x = np.arange(6.0)
    assert lookup("method.reshape").impl(x, (2, 3)).shape == (2, 3)
    assert lookup("method.reshape").impl(x, ((3, 2),)).shape == (3, 2)
    y = x.reshape(1, 2, 3)
    assert lookup("method.transpose").impl(y, (2, 0, 1)).shape == (3, 1, 2)
    assert lookup("method.transpose").impl(y, ((2, 0, 1),)).shape == (3, 1, 2)
    assert lookup("method.transpose").impl(y, ()).shape == (3, 2, 1)


# Adjoint helpers (their backpropagators make second-order gradients)


@FEW
@given(seed=seeds)
def test_adjoint_helpers(seed):
    x = rand(seed, (2, 3))
    like = (rand(seed, (2, 1)), rand(seed, (2, 2)))
    check_tree_bprop(lookup("split_like"), x, like, 1, wrt=(0,))
    check_tree_bprop(lookup("split_like"), rand(seed, (5,)), [rand(seed, (2,)), 1.5, 2.0, 3.0], 0)
    check_tree_bprop(lookup("join_like"), list(like), x, -1, wrt=(0,))
    check_tree_bprop(lookup("join_like"), [rand(seed, (3,)), rand(seed, (3,))], x, 0, wrt=(0,))
    check_tree_bprop(lookup("join_like"), (rand(seed, (2, 1)), rand(seed, (4,))), np.zeros(6), None)
    check_tree_bprop(lookup("unstack_like"), x, [rand(seed, (2,))] * 3, 1, wrt=(0,))
    check_tree_bprop(lookup("unstack_like"), rand(seed, (2,)), (1.0, 2.0), 0, wrt=(0,))
    check_tree_bprop(lookup("restack_like"), [rand(seed, (2,))] * 3, x, -1, wrt=(0,))
    check_tree_bprop(lookup("restack_like"), (rand(seed, (3,)), [1.0, 2.0, 3.0]), x, 0, wrt=(0,))
    check_bprop(lookup("unstack_like"), x, x.T, 1, wrt=[0])
    check_bprop(lookup("restack_like"), x, x.T, 1, wrt=[0])
    check_bprop(lookup("untile"), rand(seed, (2, 4, 6)), rand(seed, (2, 3)), (2, 2, 2), wrt=[0])
    check_bprop(lookup("unrepeat"), rand(seed, (2, 6)), x, 2, -1, wrt=[0])
    check_bprop(lookup("unrepeat"), rand(seed, (12,)), x, 2, None, wrt=[0])
    check_bprop(lookup("diag_sens"), rand(seed, (4, 4)), rand(seed, (3,)), 1, wrt=[0])
    check_bprop(lookup("diag_sens"), rand(seed, (1,)), x, -1, wrt=[0])
    idx = np.array([[0, 2, 2], [1, 1, 0]])
    check_bprop(lookup("take_along_axis_sens"), x, x, idx, 1, wrt=[0])
    check_bprop(
        lookup("take_along_axis_sens"), rand(seed, (4,)), x, np.array([5, 5, 0, 1]), None, wrt=[0]
    )
    check_bprop(lookup("take_sens"), rand(seed, (2, 4)), x, np.array([2, 2, 0, 1]), -1, wrt=[0])
    check_bprop(lookup("take_sens"), rand(seed, (3,)), x, np.array([5, 5, 0]), None, wrt=[0])
    check_bprop(lookup("prod_of_others"), rand(seed, (2, 3, 2)), (0, 2))
    check_bprop(lookup("prod_of_others"), rand(seed, (2, 3)), None)
    check_bprop(lookup("prod_of_others"), rand(seed, (2, 3)), -1)


def test_inverse_axes():
    inv = lookup("inverse_axes").impl
    assert inv(None, 3) is None
    assert inv((2, 0, 1), 3) == (1, 2, 0)
    assert inv((-1, 0, 1), 3) == (1, 2, 0)
    assert inv(((1, 0),), 2) == (1, 0)


# Dtypes


float32_cases = [
    ("np.reshape", lambda x: (x, (-1,))),
    ("np.transpose", lambda x: (x, None)),
    ("np.swapaxes", lambda x: (x, 0, -1)),
    ("np.expand_dims", lambda x: (x, 0)),
    ("np.squeeze", lambda x: (x[None], None)),
    ("np.broadcast_to", lambda x: (x, (2, 2, 3))),
    ("np.tile", lambda x: (x, (2, 1))),
    ("np.repeat", lambda x: (x, 2, None)),
    ("np.flip", lambda x: (x, None)),
    ("np.moveaxis", lambda x: (x, 0, 1)),
    ("np.ravel", lambda x: (x,)),
    ("np.diag", lambda x: (x, 1)),
    ("np.triu", lambda x: (x, 0)),
    ("np.tril", lambda x: (x, -1)),
    ("np.sort", lambda x: (x, -1)),
    ("np.take", lambda x: (x, np.array([0, 0]), 1)),
    ("np.take_along_axis", lambda x: (x, np.array([[0, 0, 1]]), 1)),
    ("np.array", lambda x: (x, None)),
    ("np.asarray", lambda x: (x, None)),
    ("attr.T", lambda x: (x,)),
    ("method.sum", lambda x: (x, 0, False)),
    ("method.mean", lambda x: (x, None, False)),
    ("method.max", lambda x: (x, -1, True)),
    ("method.min", lambda x: (x, None, False)),
    ("method.prod", lambda x: (x, 1, False)),
    ("method.var", lambda x: (x, 0, 1, False)),
    ("method.std", lambda x: (x, None, 0, False)),
    ("method.cumsum", lambda x: (x, None)),
    ("method.reshape", lambda x: (x, (3, 2))),
    ("method.transpose", lambda x: (x, (1, 0))),
    ("method.ravel", lambda x: (x,)),
    ("method.flatten", lambda x: (x,)),
    ("method.squeeze", lambda x: (x, None)),
    ("method.copy", lambda x: (x,)),
    ("method.dot", lambda x: (x, x.T)),
]


@pytest.mark.parametrize("name,make", float32_cases, ids=[c[0] for c in float32_cases])
def test_float32_is_preserved(name, make):
    prim = lookup(name)
    args = make(np.arange(1.0, 7.0, dtype=np.float32).reshape(2, 3))
    out = prim.impl(*args)
    assert np.asarray(out).dtype == np.float32
    dout = np.ones(np.shape(out), np.float32)
    if isinstance(out, np.generic):
        dout = np.float32(1.0)
    sens = prim.bprop(*args, out, dout)
    assert np.asarray(sens[0]).dtype == np.float32 and np.shape(sens[0]) == np.shape(args[0])


def test_float32_in_containers():
    a, b = np.ones((2, 2), np.float32), np.ones((2, 1), np.float64)
    for name, args in [
        ("np.concatenate", ((a, b), 1)),
        ("np.hstack", ((a, b),)),
        ("np.stack", ([a, a], 0)),
        ("np.split", (a, 2, 0)),
    ]:
        prim = lookup(name)
        out = prim.impl(*args)
        dout = [np.ones_like(o) for o in out] if isinstance(out, list) else np.ones_like(out)
        sens = prim.bprop(*args, out, dout)[0]
        _assert_like(sens, args[0], name)


# Constructors and shape queries


def test_constructors_match_numpy():
    x = np.ones((2, 3), np.float32)
    cases = [
        ("np.zeros_like", (x, None), np.zeros_like(x)),
        ("np.ones_like", (x, np.float64), np.ones_like(x, dtype=np.float64)),
        ("np.full_like", (x, 2.5, None), np.full_like(x, 2.5)),
        ("np.zeros", ((2, 3), None), np.zeros((2, 3))),
        ("np.ones", (4, np.float32), np.ones(4, np.float32)),
        ("np.full", ((2,), 7.0, None), np.full((2,), 7.0)),
        ("np.eye", (3, None, 0, float), np.eye(3)),
        ("np.eye", (2, 4, 1, float), np.eye(2, 4, 1)),
        ("np.arange", (5, None, 1, None), np.arange(5)),
        ("np.arange", (1.0, 4.0, 0.5, None), np.arange(1.0, 4.0, 0.5)),
        ("np.linspace", (0.0, 1.0, 5, True), np.linspace(0.0, 1.0, 5)),
    ]
    differentiable = {"np.full_like", "np.full", "np.linspace"}
    for name, args, expected in cases:
        prim = lookup(name)
        if name not in differentiable:
            assert prim.nondiff and prim.bprop is None, name
        got = prim.impl(*args)
        assert got.dtype == expected.dtype, name
        np.testing.assert_array_equal(got, expected)
    assert lookup("np.zeros").impl((2,)).dtype == np.float64
    assert lookup("np.ones").impl(3).dtype == np.float64
    np.testing.assert_array_equal(lookup("np.arange").impl(5), [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(lookup("np.arange").impl(2, 5), [2, 3, 4])
    assert lookup("np.linspace").impl(0.0, 1.0).shape == (50,)


def test_attributes_and_shape_queries():
    x = np.ones((2, 3), np.float32)
    assert lookup("attr.shape").impl(x) == (2, 3)
    assert lookup("attr.ndim").impl(x) == 2
    assert lookup("attr.dtype").impl(x) == np.float32
    assert lookup("attr.size").impl(x) == 6
    assert lookup("np.shape").impl(x) == (2, 3)
    assert lookup("np.ndim").impl(2.0) == 0
    assert lookup("np.size").impl(x, 1) == 3
    np.testing.assert_array_equal(lookup("np.argsort").impl(np.array([3.0, 1.0, 2.0])), [1, 2, 0])
    for name in (
        "attr.shape",
        "attr.ndim",
        "attr.dtype",
        "attr.size",
        "np.shape",
        "np.ndim",
        "np.size",
        "np.argsort",
        "inverse_axes",
    ):
        assert lookup(name).nondiff and lookup(name).bprop is None, name


def test_numpy_scalars_keep_their_type():
    x = np.float32(2.0)
    for name, args in [
        ("np.reshape", (x, (1,))),
        ("method.sum", (x, None, False)),
        ("method.max", (x, None, False)),
        ("attr.T", (x,)),
        ("np.array", (x, None)),
    ]:
        prim = lookup(name)
        out = prim.impl(*args)
        sens = prim.bprop(*args, out, np.ones_like(out))[0]
        assert type(sens) is np.float32, name


def test_fill_values_and_linspace_bounds_are_differentiable():
    check_bprop(lookup("np.full"), (2, 3), 1.5, None, wrt=[1])
    check_bprop(lookup("np.full_like"), np.ones((2, 2)), 0.5, None, wrt=[1])
    check_bprop(lookup("np.linspace"), 0.5, 2.0, 5, True, wrt=[0, 1])
    check_bprop(lookup("np.linspace"), -1.0, 3.0, 4, False, wrt=[0, 1])
