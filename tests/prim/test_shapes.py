"""Shapes, joining, splitting, gathering and array constructors through the typed pipeline
(`myia.prim.shapes`, `joining`, `gathering`, `constructors`): values and types against NumPy,
gradients against finite differences (with hypothesis-drawn shapes and axes), the
structure of the gradients of tuples and lists, dtypes, shapes known only at run time,
errors, the code emitted, and second derivatives."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from myia.ad.gradient import gradient_program
from myia.backend.compiled import compile_graph
from myia.errors import MyiaShapeError, MyiaTypeError
from myia.infer.abstract import abstract_of_value
from myia.infer.build import Builder
from myia.infer.monomorphize import specialize
from myia.infer.walks import drop_values
from myia.ir.nodes import Graph
from myia.opt.optimize import optimize
from myia.pipeline import compile_grad, compile_jit, graph_of, signature_types
from myia.prim.registry import REGISTRY
from tests import corpus
from tests.checks import check_grad, check_jit

RNG = np.random.default_rng(0)
V = RNG.standard_normal(4)
W = RNG.standard_normal(3)
M = RNG.standard_normal((2, 3))
S = RNG.standard_normal((3, 3))
T = RNG.standard_normal((2, 3, 4))
IDX = np.array([2, 0, 2])
K = RNG.standard_normal(200)


def wsum(x):
    """A weighted sum whose gradient tells the elements of `x` apart."""
    return np.sum(x * K[: x.size].reshape(x.shape))


# ---------------------------------------------------------------------------------------
# Values and types


def permutations(t):
    return (
        np.swapaxes(t, 0, 2),
        t.swapaxes(1, -1),
        np.moveaxis(t, 0, -1),
        np.moveaxis(t, (0, 1), (-1, 0)),
        np.moveaxis(t, [2], [0]),
        np.swapaxes(t, 1, 1),
    )


def flattened(m):
    return (
        np.ravel(m),
        m.ravel(),
        m.flatten(),
        np.copy(m),
        m.copy(),
        np.ravel(2.0),
        np.copy(1.5),
        m[0, 0].copy(),
        [1.0, 2.0].copy(),
    )


def joined(v, w, m):
    return (
        np.concatenate((v, w)),
        np.concatenate([m, m], axis=1),
        np.concatenate((m, m), axis=None),
        np.concatenate((m, m), -1),
        np.concatenate((w, IDX)),
        np.stack((w, w)),
        np.stack([w, w], axis=1),
        np.stack((w, w), -1),
        np.stack((1.0, 2.0)),
        np.stack((1, 2.5)),
        np.hstack((v, w)),
        np.hstack((m, m)),
        np.hstack((1.0, v)),
        np.hstack([1.0, 2.0]),
        np.vstack((w, w)),
        np.vstack((m, w)),
        np.vstack((1.0, 2.0)),
        np.vstack([m, m]),
    )


def joins_of_arrays(t, m, v, n):
    """The sub-arrays of an array along its first axis (of a run-time length for `a`)."""
    a = np.ones((n, 3)) * m[0]
    return (
        np.concatenate(t),
        np.concatenate(t, axis=1),
        np.concatenate(t, axis=-1),
        np.concatenate(t, axis=None),
        np.concatenate(m),
        np.stack(t),
        np.stack(t, axis=1),
        np.stack(t, -1),
        np.stack(m, 1),
        np.stack(v),
        np.hstack(t),
        np.hstack(m),
        np.hstack(v),
        np.vstack(t),
        np.vstack(m),
        np.vstack(v),
        np.concatenate(a),
        np.stack(a, 1),
        np.vstack(a),
        np.hstack(a),
    )


def splits(v, m):
    return (
        np.split(v, 2),
        np.split(v, [1, 3]),
        np.split(m, 3, axis=1),
        np.split(m, [1], axis=-1),
        np.split(v, [-1]),
        np.split(v, (1, 10)),
        np.split(v, [3, 1]),
    )


def tiles_repeats(v, m):
    return (
        np.tile(v, 2),
        np.tile(v, (2, 1)),
        np.tile(m, (2,)),
        np.tile(m, (2, 1, 2)),
        np.tile(2.0, 3),
        np.repeat(v, 2),
        np.repeat(m, 2, axis=1),
        np.repeat(m, [1, 2], axis=0),
        np.repeat(m, 3),
        np.repeat(2.0, 2),
        m.repeat(2, 0),
        np.repeat(m, IDX, axis=1),
        np.repeat(m, [2], axis=-1),
    )


def flips(m):
    return np.flip(m), np.flip(m, 0), np.flip(m, axis=1), np.flip(m, (0, 1)), np.flip(2.0)


def diagonals(m, w, s):
    return (
        np.diag(w),
        np.diag(w, 1),
        np.diag(w, k=-2),
        np.diag(m),
        np.diag(m, 1),
        np.diag(s, -1),
        np.diag(m, 5),
        np.triu(m),
        np.triu(m, 1),
        np.tril(m, -1),
        np.tril(s),
        np.triu(w),
        np.tril(IDX),
    )


def gathered(v, m):
    return (
        np.take(v, 1),
        np.take(v, IDX),
        np.take(v, [0, 3]),
        np.take(m, IDX, axis=1),
        np.take(m, -1, axis=0),
        np.take(m, 4),
        m.take(IDX),
        np.take(m, np.array([[0, 1], [1, 0]]), axis=0),
        np.take_along_axis(m, np.argsort(m, axis=1), axis=1),
        np.take_along_axis(m, np.array([[0, 1, 1]]), axis=0),
        np.take_along_axis(v, np.array([3, 3]), None),
        np.take_along_axis(m, np.array([[2], [0]]), axis=-1),
    )


def items(v, m):
    return (
        m[0:1, 0:1].item(),
        v.item(1),
        m.item((1, 2)),
        np.float32(2.5).item(),
        np.argsort(v).item(0),
    )


def constructors(n, m):
    return (
        np.full((2, 2), 7.0),
        np.full(3, 1),
        np.full((2, 3), W),
        np.full((2,), 1.0, dtype=np.float32),
        np.full((n, 2), 0.5),
        np.full_like(m, 2.5),
        np.full_like(m, 2, dtype=int),
        np.full_like(1.0, 3.0),
        np.full_like(IDX, 2.5),
        np.full_like(m, W),
        np.eye(3),
        np.eye(2, 3),
        np.eye(3, k=1),
        np.eye(2, dtype=np.float32),
        np.eye(n),
        np.eye(n, 2, -1),
        np.arange(4),
        np.arange(1.0, 2.0, 0.25),
        np.arange(1, 7, 2),
        np.arange(3, dtype=np.float32),
        np.arange(n),
        np.arange(0, n, 2),
        np.arange(5.0),
        np.arange(n, 0, -1),
        np.linspace(0.0, 1.0, 5),
        np.linspace(0, 1, 4, endpoint=False),
        np.linspace(W, 2.0, 3),
        np.linspace(np.float32(0), np.float32(1), 3),
        np.linspace(0.0, 1.0, n),
        np.linspace(0.0, 1.0, 3, dtype=np.float32),
    )


def run_time_lengths(v, n):
    xs = [e * v for e in v]
    return (
        np.stack(xs),
        np.stack(xs, axis=1),
        np.concatenate(xs),
        np.vstack(xs),
        np.hstack(xs),
        np.split(v, n),
        np.concatenate(np.split(v, n)),
        np.hstack([e for e in v]),
        np.vstack([e for e in v]),
    )


def run_time_shapes(m, n):
    a = np.ones((n, 3)) * m[0]
    b = np.concatenate((a, m))
    return b, np.stack((a, a), axis=2), np.tile(a, 2), np.repeat(a, 2, axis=0), np.diag(a), b.T


CASES = [
    (permutations, (T,)),
    (flattened, (M,)),
    (joined, (V, W, M)),
    (joins_of_arrays, (T, M, W, 4)),
    (splits, (V, M)),
    (tiles_repeats, (V, M)),
    (flips, (M,)),
    (diagonals, (M, W, S)),
    (gathered, (V, M)),
    (items, (V, M)),
    (constructors, (3, M)),
    (run_time_lengths, (V, 2)),
    (run_time_shapes, (M, 2)),
]


@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_values(fn, args):
    check_jit(fn, *args)


def test_float32_stays_float32():
    x = W.astype(np.float32)
    got = check_jit(joined, x, x, M.astype(np.float32))
    assert all(g.dtype == np.float32 for g in got[:4])


def test_shapes_known_when_compiling():
    """Shapes given by constants are exact; those of run-time values are unknown."""

    def shape_of(fn, *args):
        return specialize(graph_of(fn), signature_types(args)).output.abstract

    out = shape_of(run_time_shapes, M, 2).items
    assert [o.shape for o in out] == [
        (None, 3),
        (None, 3, 2),
        (None, 6),
        (None, 3),
        (None,),
        (3, None),
    ]
    out = shape_of(constructors, 3, M).items
    assert out[4].shape == (None, 2) and out[20].shape == (None,) and out[28].shape == (None,)
    assert out[17].shape == (4,) and out[14].shape == (None, None)
    out = shape_of(run_time_lengths, V, 2).items
    assert out[0].shape == (None, 4) and out[5].items is None


def emitted(fn, *args):
    """The code emitted for `fn`, without the comments naming the user's lines."""
    return "\n".join(line.split("  # line")[0] for line in compile_jit(fn, args).source.split("\n"))


def emits_swap(t):
    return np.swapaxes(t, 0, 2), np.moveaxis(t, 0, -1)


def emits_joins(v, w, m):
    return np.hstack((v, w)), np.vstack((v, v)), np.take(m, IDX, axis=1), np.ravel(m)


def emits_array_joins(t):
    return np.concatenate(t, axis=1), np.stack(t)


def test_canonical_forms():
    src = emitted(emits_swap, T)
    assert "t.T" in src and "np.transpose(t, (1, 2, 0))" in src
    src = emitted(emits_joins, W, W, M)
    assert "np.concatenate((v, w))" in src and "np.stack((v, v))" in src
    assert "np.reshape(m, (6,))" in src and "np.take" not in src and "hstack" not in src
    src = emitted(emits_array_joins, T)
    assert "np.reshape(np.transpose(t, (1, 0, 2)), (3, 8))" in src and "stack" not in src


# ---------------------------------------------------------------------------------------
# Gradients


def grad_permutations(t):
    return (
        wsum(np.swapaxes(t, 0, 2))
        + wsum(t.swapaxes(1, -1))
        + wsum(np.moveaxis(t, (0, 1), (-1, 0)))
        + wsum(np.ravel(t))
        + wsum(t.flatten())
        + wsum(t.copy())
        + wsum(np.copy(t))
        + np.sum(np.copy(t[0, 0, 0]))
    )


def grad_joined(v, w, m):
    return (
        wsum(np.concatenate((v, w * 2.0)))
        + wsum(np.concatenate([m, m * m], axis=1))
        + wsum(np.concatenate((m, m), axis=None))
        + wsum(np.stack((w, w * w)))
        + wsum(np.stack([w, w], axis=-1))
        + wsum(np.hstack((v, w)))
        + wsum(np.vstack((m, w)))
        + wsum(np.vstack((w, w)))
        + wsum(np.hstack((m, m)))
    )


def grad_of_tuple(xs):
    return wsum(np.concatenate(xs)) + wsum(np.stack([xs[1], xs[1]])) + wsum(np.hstack(xs))


def grad_of_list(xs):
    return wsum(np.concatenate(xs, axis=1)) + wsum(np.vstack(xs)) + wsum(np.stack(xs, 1))


def grad_of_array(t):
    return (
        wsum(np.concatenate(t, axis=1))
        + wsum(np.concatenate(t, axis=None))
        + wsum(np.stack(t, axis=2))
        + wsum(np.hstack(t))
        + wsum(np.vstack(t))
        + wsum(np.vstack(t[0]))
        + wsum(np.hstack(t[0, 0]))
        + wsum(np.vstack(t[0, 0]))
    )


def grad_of_mixed(w, idx):
    return wsum(np.concatenate((w, idx))) + wsum(np.stack([idx, w]))


def grad_of_numbers(a, b):
    return wsum(np.stack((a, b))) + wsum(np.hstack((a, b))) + wsum(np.vstack([a, b]))


def grad_splits(v, m):
    a, b = np.split(v, 2)
    p = np.split(m, 3, axis=1)
    return (
        np.sum(a * b)
        + np.sum(np.split(v, [1, 3])[1] ** 2)
        + wsum(p[2])
        + wsum(np.split(m, [1], axis=0)[0])
        + wsum(np.split(v, [-1])[1])
    )


def grad_tiles(v, m):
    return (
        wsum(np.tile(v, 2))
        + wsum(np.tile(v, (2, 1)))
        + wsum(np.tile(m, (2, 1, 2)))
        + wsum(np.repeat(v, 2))
        + wsum(np.repeat(m, 2, axis=1))
        + wsum(np.repeat(m, [1, 2], axis=0))
        + wsum(np.repeat(m, IDX, axis=1))
        + wsum(np.repeat(m, 3))
        + wsum(m.repeat([0, 1, 3, 0, 1, 1]))
    )


def grad_tile_number(a):
    return wsum(np.tile(a, 3)) + wsum(np.repeat(a, 2)) + np.flip(a) * 2.0


def grad_flips(m):
    return wsum(np.flip(m)) + wsum(np.flip(m, 0)) + wsum(np.flip(m, (0, 1))) + np.flip(m[0, 1])


def grad_diagonals(m, w, s):
    return (
        wsum(np.diag(w))
        + wsum(np.diag(w, 1))
        + wsum(np.diag(m))
        + wsum(np.diag(m, -1))
        + wsum(np.diag(s, 1))
        + wsum(np.diag(s))
        + wsum(np.diag(s, 3))
        + wsum(np.triu(m))
        + wsum(np.tril(s, -1))
        + wsum(np.triu(w))
    )


def grad_gathered(v, m):
    return (
        wsum(np.take(v, IDX))
        + np.take(v, 1)
        + wsum(np.take(m, IDX, axis=1))
        + wsum(np.take(m, [0, 0], axis=0))
        + wsum(m.take(IDX))
        + wsum(np.take_along_axis(m, np.argsort(m, axis=1), axis=1))
        + wsum(np.take_along_axis(m, np.array([[0, 1, 1], [1, 1, 1]]), axis=0))
        + wsum(np.take_along_axis(v, np.array([3, 3]), None))
        + wsum(np.take_along_axis(m, np.array([[0], [1]]), axis=1))
        + wsum(np.take_along_axis(m, np.array([[0, 0, 0]]), axis=0))
    )


def grad_items(v, m):
    return m[0:1, 0:1].item() * 2.0 + v.item(1) ** 2 + m.item((1, 2)) * 3.0 + v[0].item()


def grad_constructors(x, m):
    return (
        wsum(np.full((2, 2), x))
        + wsum(np.full((2, 3), m[0]))
        + wsum(np.full_like(m, x))
        + wsum(np.full_like(m, m[1]))
        + wsum(np.linspace(x, 2.0, 4))
        + wsum(np.linspace(0.0, x, 5, endpoint=False))
        + wsum(np.linspace(m[0], m[1], 3))
        + np.sum(np.eye(3) * x)
        + np.sum(np.arange(3) * x)
        + np.sum(np.full(2, 3) * x)
    )


def grad_run_time(v, n):
    xs = [e * v for e in v]
    return (
        wsum(np.stack(xs))
        + wsum(np.concatenate(xs))
        + wsum(np.vstack(xs))
        + wsum(np.stack(xs, axis=1))
        + np.sum(np.split(v, n)[0])
        + np.sum(np.linspace(0.0, v[0], n))
        + wsum(np.concatenate(np.split(v, n)))
    )


def grad_run_time_shapes(m, n):
    a = np.ones((n, 3)) * m[0]
    b = np.concatenate((a, m))
    return wsum(b) + wsum(np.tile(a, 2)) + wsum(np.repeat(a, 2, axis=0)) + wsum(np.diag(a, 1))


def grad_float32(x):
    joined_ = np.concatenate((x, x)) * np.tile(x, 2)
    return float(np.sum(joined_) + np.sum(np.stack((x, x))) + np.sum(np.linspace(x, x * 2, 3)))


GRADS = [
    (grad_permutations, (T,), 0),
    (grad_joined, (V, W, M), (0, 1, 2)),
    (grad_of_numbers, (1.5, 2.5), (0, 1)),
    (grad_splits, (V, M), (0, 1)),
    (grad_tiles, (V, M), (0, 1)),
    (grad_tile_number, (1.5,), 0),
    (grad_flips, (M,), 0),
    (grad_diagonals, (M, W, S), (0, 1, 2)),
    (grad_gathered, (V, M), (0, 1)),
    (grad_items, (V, M), (0, 1)),
    (grad_constructors, (1.5, M), (0, 1)),
    (grad_run_time, (V, 2), 0),
    (grad_run_time_shapes, (M, 2), 0),
]


@pytest.mark.parametrize("fn, args, nums", GRADS, ids=[g[0].__name__ for g in GRADS])
def test_gradients(fn, args, nums):
    check_grad(fn, args, nums)


def test_float32_gradients():
    g = check_grad(grad_float32, (W.astype(np.float32),), rtol=1e-3, atol=1e-3, eps=1e-3)
    assert g.dtype == np.float32


def test_gradient_structure_of_sequences():
    """The gradient of a tuple is a tuple, of a list a list, of an array an array, with
    each item's type."""
    g = check_grad(grad_of_tuple, ((W, W * 3),))
    assert type(g) is tuple and all(isinstance(x, np.ndarray) for x in g)
    g = check_grad(grad_of_list, ([M, M * 2],))
    assert type(g) is list and len(g) == 2
    g = check_grad(grad_of_numbers, (1.5, 2.5), (0, 1))
    assert all(type(x) is float for x in g)
    g = check_grad(grad_of_array, (T,))
    assert type(g) is np.ndarray and g.shape == T.shape
    g = check_grad(grad_of_mixed, (W, IDX), 0)
    assert g.shape == (3,)


@pytest.mark.parametrize("case", ["sh_swapaxes_smooth", "sh_concat_stack_smooth", "sh_split_smooth",
                                  "sh_tile_repeat_smooth", "sh_flip_smooth", "sh_constructors_smooth",
                                  "sh_diag_tri_smooth", "sh_sort_take_smooth", "comp_to_array",
                                  "more_np_shapes_smooth", "prog_matrix_power"])  # fmt: skip
def test_corpus_gradients(case):
    fn, args = next((c.fn, c.args) for c in corpus.CASES if c.fn.__name__ == case)
    nums = tuple(
        i
        for i, a in enumerate(args)
        if isinstance(a, (float, np.ndarray)) and np.asarray(a).dtype.kind == "f"
    )
    check_grad(fn, args, nums)


# ---------------------------------------------------------------------------------------
# Drawn shapes and axes

_SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def joins(draw):
    """Arrays to join along a drawn axis (other dimensions equal) and the axis."""
    nd = draw(st.integers(1, 3))
    shape = draw(st.lists(st.integers(1, 3), min_size=nd, max_size=nd))
    axis = draw(st.integers(-nd, nd - 1))
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        s = list(shape)
        s[axis] = draw(st.integers(1, 3))
        parts.append(RNG.standard_normal(s))
    return tuple(parts), axis


def _joining(axis, kind):
    def joined_(xs):
        if kind == "concatenate":
            return wsum(np.concatenate(xs, axis=axis) ** 2)
        return wsum(np.stack([x * x for x in xs], axis=axis))

    return joined_


@_SETTINGS
@given(joins(), st.sampled_from(["concatenate", "stack"]))
def test_drawn_joins(case, kind):
    xs, axis = case
    if kind == "stack":
        xs = tuple(RNG.standard_normal(xs[0].shape) for _ in xs)
    g = check_grad(_joining(axis, kind), (xs,))
    assert type(g) is tuple and [x.shape for x in g] == [x.shape for x in xs]


@st.composite
def arrays_axes(draw):
    nd = draw(st.integers(1, 3))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=nd, max_size=nd)))
    return RNG.standard_normal(shape), draw(st.integers(-nd, nd - 1))


def _reshaped(axis, reps, source, destination):
    def fn(x):
        a = wsum(np.flip(x, axis) ** 2) + wsum(np.repeat(x, reps, axis=axis) ** 2)
        b = wsum(np.tile(x, (reps, 1)) ** 2) + wsum(np.swapaxes(x, 0, axis) ** 3)
        return a + b + wsum(np.moveaxis(x, source, destination) ** 3)

    return fn


@_SETTINGS
@given(arrays_axes(), st.integers(1, 3), st.data())
def test_drawn_reshapings(case, reps, data):
    x, axis = case
    source = data.draw(st.permutations(range(x.ndim)))[: data.draw(st.integers(1, x.ndim))]
    destination = data.draw(st.permutations(range(-x.ndim, 0)))[: len(source)]
    fn = _reshaped(axis, reps, tuple(source), tuple(destination))
    check_jit(fn, x)
    check_grad(fn, (x,))


def _pieces(axis, sections):
    def pieces(x):
        return sum([wsum(p**2) * (i + 1) for i, p in enumerate(np.split(x, sections, axis))])

    def values(x):
        return np.split(x, sections, axis)

    return pieces, values


def _gathers(axis, idx):
    def fn(x):
        order = np.argsort(x, axis=axis)
        return wsum(np.take(x, idx, axis=axis) ** 2) + wsum(np.take_along_axis(x, order, axis) ** 3)

    return fn


@_SETTINGS
@given(arrays_axes(), st.data())
def test_drawn_splits_and_gathers(case, data):
    x, axis = case
    n = x.shape[axis]
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
    sections = data.draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0] + [cuts]))
    pieces, values = _pieces(axis, sections)
    check_jit(values, x)
    check_grad(pieces, (x,))
    idx = np.array(data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=5)))
    check_grad(_gathers(axis, idx), (x,))


# ---------------------------------------------------------------------------------------
# Errors


def bad_concatenate(v, m):
    return np.concatenate((v, m))


def bad_split(v):
    return np.split(v, 3)


def bad_stack(v, w):
    return np.stack((v, w))


def bad_diag(t):
    return np.diag(t)


def bad_axis(m):
    return np.swapaxes(m, 0, 2)


def bad_item(m):
    return m.item()


def bad_split_gradient(v):
    return np.sum(np.split(v, [3, 1])[0])


@pytest.mark.parametrize(
    "fn, args",
    [
        (bad_concatenate, (V, M)),
        (bad_split, (V,)),
        (bad_stack, (V, W)),
        (bad_diag, (T,)),
        (bad_axis, (M,)),
        (bad_item, (M,)),
    ],
)
def test_shape_errors(fn, args):
    with pytest.raises(MyiaShapeError):
        compile_jit(fn, args)


def test_gradient_of_split_needs_increasing_indices():
    check_jit(bad_split_gradient, V)
    with pytest.raises(MyiaTypeError, match="increasing indices"):
        compile_grad(bad_split_gradient, (V,), 0, False, False)


# ---------------------------------------------------------------------------------------
# Second derivatives: the backpropagators differentiate again


def hessian_vector(fn, x, u):
    """d/dx <grad fn(x), u> compiled by the typed pipeline."""
    primal = specialize(graph_of(fn), signature_types((x,)))
    first = gradient_program(primal, (0,), True, False, False)
    h = Graph("hvp", primal.loc)
    px = h.add_parameter("x", primal.loc)
    px.abstract = primal.parameters[0].abstract
    pu = h.add_parameter("u", primal.loc)
    pu.abstract = drop_values(abstract_of_value(u))
    b = Builder(h, primal.loc)
    g = b.call(first, [px], first.output.abstract)
    prod = b.apply(REGISTRY.lookup("mul"), g, pu)
    h.output = b.apply(REGISTRY.lookup("sum"), prod, None, None, False)
    second = gradient_program(optimize(h, adjoint=True), (0,), True, False, False)
    return compile_graph(optimize(second, adjoint=True))(x, u)


def second_joins(x):
    return (
        wsum(np.concatenate((x, x * x), axis=1) ** 2)
        + wsum(np.concatenate((x, x), axis=None) ** 3)
        + wsum(np.stack((x, x * x), axis=1) ** 2)
        + wsum(np.vstack((x[0], x)) ** 2)
    )


def second_splits(x):
    a, b, c = np.split(x, 3, axis=1)
    return np.sum(a * b) + wsum(c**3) + wsum(np.tile(x, (2, 2)) ** 2)


def second_repeats(x):
    return wsum(np.repeat(x, 2, axis=0) ** 3) + wsum(np.repeat(x, [1, 0, 2], axis=1) ** 2)


def second_gathers(x):
    order = np.argsort(x, axis=0)
    return wsum(np.take(x, IDX, axis=1) ** 3) + wsum(np.take_along_axis(x, order, axis=0) ** 2)


def second_diagonals(x):
    return (
        wsum(np.diag(x) ** 3)
        + wsum(np.diag(np.diag(x) ** 2, 1) ** 2)
        + wsum(np.diag(x[:2], 1) ** 2)
        + wsum(np.triu(x) ** 3)
    )


def second_constructors(x):
    return (
        wsum(np.flip(x, 0) ** 3)
        + wsum(np.full_like(x, x[0, 0]) ** 2)
        + wsum(np.linspace(x[0, 0], x[1, 1], 4) ** 3)
        + x.item(1) ** 3
    )


@pytest.mark.parametrize(
    "fn",
    [
        second_joins,
        second_splits,
        second_repeats,
        second_gathers,
        second_diagonals,
        second_constructors,
    ],
)
def test_second_derivatives(fn):
    x = RNG.standard_normal((3, 3))
    u = RNG.standard_normal((3, 3))
    got = hessian_vector(fn, x, u)
    grad = compile_grad(fn, (x,), 0, False, False)
    eps = 1e-5
    fd = (grad(x + eps * u) - grad(x - eps * u)) / (2 * eps)
    np.testing.assert_allclose(got, fd, rtol=1e-5, atol=1e-6)
