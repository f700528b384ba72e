"""myia.vmap: values against a Python loop over the examples (`np.stack([f(x) for x in
xs])`), per-example gradients against a loop of myia.grad and finite differences, in_axes
and out_axes, control flow on batched conditions, refusals naming the line, and the proof
that the mapped program has no loop over the examples."""

from __future__ import annotations

import inspect
import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import myia
from benchmarks.peer_workloads import mlp_loss
from tests.ad.fd import assert_close, fd_gradient
from tests.corpus import CASES
from tests.test_random_programs import load_function, programs

SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def loop(fn, args, axes, out_axis=0):
    """The oracle: `fn` called on each example, the results stacked."""
    sizes = {a.shape[ax] for a, ax in zip(args, axes) if ax is not None}
    (n,) = sizes
    outs = [
        fn(*[a if ax is None else np.take(a, k, axis=ax) for a, ax in zip(args, axes)])
        for k in range(n)
    ]
    return _stack(outs, out_axis)


def _stack(outs, axis):
    first = outs[0]
    if isinstance(first, (tuple, list)):
        return type(first)(_stack([o[i] for o in outs], axis) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _stack([o[k] for o in outs], axis) for k in first}
    return np.stack([np.asarray(o) for o in outs], axis=axis)


def close(got, want, rtol=1e-10, atol=1e-12):
    if isinstance(want, (tuple, list)):
        assert type(got) is type(want) and len(got) == len(want)
        for g, w in zip(got, want):
            close(g, w, rtol, atol)
    elif isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want)
        for k in want:
            close(got[k], want[k], rtol, atol)
    else:
        got = np.asarray(got)
        assert got.shape == want.shape, (got.shape, want.shape)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


# -- the corpus -----------------------------------------------------------------------------


def _batched(args):
    """Three examples of each float array argument (scaled copies), the others unmapped."""
    out, axes = [], []
    for a in args:
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            out.append(np.stack([a * (1.0 + 0.01 * k) for k in range(3)]))
            axes.append(0)
        else:
            out.append(a)
            axes.append(None)
    return tuple(out), tuple(axes)


CORPUS = [c for c in CASES if c.grad and any(ax == 0 for ax in _batched(c.args)[1])]


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.fn.__name__)
def test_corpus_against_loop(case):
    args, axes = _batched(case.args)
    got = myia.vmap(case.fn, in_axes=axes)(*args)
    close(got, loop(case.fn, args, axes), rtol=1e-9, atol=1e-12)


# Gradients of corpus functions vmap refuses to batch, with why.
GRAD_REFUSED = {
    "builtin_tuple_smooth": "np.array of the rows of a batched sensitivity",
}


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.fn.__name__)
def test_corpus_per_example_gradients_against_loop(case):
    args, axes = _batched(case.args)
    nums = tuple(i for i, ax in enumerate(axes) if ax == 0)
    g = myia.grad(case.fn, argnums=nums)
    if case.fn.__name__ in GRAD_REFUSED:
        with pytest.raises(myia.MyiaError):
            myia.vmap(g, in_axes=axes)(*args)
        return
    got = myia.vmap(g, in_axes=axes)(*args)
    close(got, loop(g, args, axes), rtol=1e-9, atol=1e-12)


def test_corpus_refusals_are_corpus_cases():
    names = {c.fn.__name__ for c in CORPUS}
    assert set(GRAD_REFUSED) <= names


# -- per-example gradients ------------------------------------------------------------------


def _mlp_args(n=5, seed=0):
    r = np.random.default_rng(seed)
    return (
        r.standard_normal((6, 4)) * 0.5,
        r.standard_normal(4) * 0.1,
        r.standard_normal((4, 3)) * 0.5,
        r.standard_normal(3) * 0.1,
        r.standard_normal((n, 6)),
        r.standard_normal((n, 3)),
    )


def test_per_example_gradients_of_the_mlp():
    args = _mlp_args()
    g = myia.grad(mlp_loss, argnums=(0, 1, 2, 3))
    got = myia.vmap(g, in_axes=(None, None, None, None, 0, 0))(*args)
    W1, b1, W2, b2, X, Y = args
    by_loop = [g(W1, b1, W2, b2, X[k], Y[k]) for k in range(len(X))]
    for i in range(4):
        close(got[i], np.stack([grads[i] for grads in by_loop]))
    for k in (0, 3):
        for i in range(4):
            fd = fd_gradient(mlp_loss, (W1, b1, W2, b2, X[k], Y[k]), i)
            assert_close(got[i][k], fd, rtol=1e-6, atol=1e-8)


def test_per_example_gradients_have_no_loop():
    args = _mlp_args()
    g = myia.grad(mlp_loss, argnums=(0, 1, 2, 3))
    src = myia.source(myia.vmap(g, in_axes=(None, None, None, None, 0, 0)), *args)
    assert not re.search(r"^\s*(for|while) ", src, re.M)
    assert len(re.findall(r"^def ", src, re.M)) == 1


def test_vmap_of_grad_of_a_loop_matches_fd():
    def loss(w, x):
        h = x
        for _ in range(3):
            h = np.tanh(h * w)
        return np.sum(h * h)

    w = np.array([0.5, -0.3, 0.8])
    xs = np.random.default_rng(1).standard_normal((4, 3))
    got = myia.vmap(myia.grad(loss), in_axes=(None, 0))(w, xs)
    for k in range(4):
        assert_close(got[k], fd_gradient(loss, (w, xs[k]), 0), rtol=1e-6, atol=1e-8)


# -- composition ----------------------------------------------------------------------------


def _layer(w, x):
    return np.tanh(np.dot(x, w))


def test_grad_of_a_function_that_calls_vmap():
    w = R.standard_normal((3, 2))
    xs = R.standard_normal((5, 3))

    def total(w, xs):
        return np.sum(myia.vmap(_layer, in_axes=(None, 0))(w, xs) ** 2)

    mapped = myia.vmap(_layer, in_axes=(None, 0))

    def total_global(w, xs):
        return np.sum(mapped(w, xs) ** 2)

    for fn in (total, total_global):
        got = myia.grad(fn)(w, xs)
        assert_close(
            got,
            fd_gradient(lambda w, xs: np.sum(np.tanh(xs @ w) ** 2), (w, xs), 0),
            rtol=1e-6,
            atol=1e-8,
        )


def test_vmap_of_vmap():
    xs = R.standard_normal((3, 4, 2))
    w = R.standard_normal((2, 5))
    vv = myia.vmap(myia.vmap(_layer, in_axes=(None, 0)), in_axes=(None, 0))
    close(vv(w, xs), np.stack([[_layer(w, x) for x in row] for row in xs]))
    swapped = myia.vmap(myia.vmap(_layer, in_axes=(None, 0)), in_axes=(None, 1), out_axes=1)
    close(swapped(w, xs), vv(w, xs))


def test_vmap_of_jvp_against_loop():
    def tangent(x, t):
        return myia.jvp(lambda y: np.sin(y) * np.sum(y), (x,), (t,))

    xs, ts = R.standard_normal((4, 3)), R.standard_normal((4, 3))
    got = myia.vmap(tangent)(xs, ts)
    close(got, loop(tangent, (xs, ts), (0, 0)))
    for k in range(4):
        h = 1e-6
        f = lambda y: np.sin(y) * np.sum(y)  # noqa: E731
        fd = (f(xs[k] + h * ts[k]) - f(xs[k] - h * ts[k])) / (2 * h)
        np.testing.assert_allclose(got[1][k], fd, rtol=1e-6, atol=1e-8)


def test_vmap_of_a_custom_vjp_function():
    @myia.custom_vjp
    def clipped(x):
        return np.minimum(x, 1.0)

    @clipped.defvjp
    def clipped_bprop(x, out, dout):
        return (dout * 0.5,)

    xs = np.array([[0.5, 2.0], [3.0, -1.0], [0.0, 1.5]])
    close(myia.vmap(clipped)(xs), np.minimum(xs, 1.0))
    got = myia.vmap(myia.grad(lambda x: np.sum(clipped(x) * x)))(xs)
    close(got, np.stack([myia.grad(lambda x: np.sum(clipped(x) * x))(x) for x in xs]))


# -- in_axes, out_axes ----------------------------------------------------------------------


def _f(x, y):
    return np.sum(np.sin(x) * y, axis=0) + np.mean(x)


@SETTINGS
@given(
    n=st.integers(1, 4),
    rows=st.integers(1, 3),
    cols=st.integers(1, 3),
    ax=st.integers(-3, 2),
    out=st.integers(-2, 1),
    batch_y=st.booleans(),
)
def test_in_axes_out_axes_against_loop(n, rows, cols, ax, out, batch_y):
    r = np.random.default_rng(n * 100 + rows * 10 + cols)
    x = np.moveaxis(r.standard_normal((n, rows, cols)), 0, ax)
    y = r.standard_normal((n, cols)) if batch_y else r.standard_normal(cols)
    axes = (ax, 0 if batch_y else None)
    got = myia.vmap(_f, in_axes=axes, out_axes=out)(x, y)
    close(got, loop(_f, (x, y), axes, out_axis=out))


def test_pytree_in_axes_and_out_axes():
    def f(p, x):
        return {"y": p["w"] * x + p["b"], "n": np.sum(x)}, (x, p["b"])

    p = {"w": np.arange(3.0), "b": 1.5}
    xs = np.arange(12.0).reshape(4, 3)
    got = myia.vmap(f, in_axes=({"w": None, "b": None}, 0), out_axes=({"y": 1, "n": 0}, 0))(p, xs)
    want = [f(p, x) for x in xs]
    close(got[0]["y"], np.stack([w[0]["y"] for w in want], axis=1))
    close(got[0]["n"], np.stack([w[0]["n"] for w in want]))
    close(got[1][0], xs)
    close(got[1][1], np.full(4, 1.5))  # unbatched, broadcast as JAX does


def test_unbatched_result_with_out_axes_none():
    got = myia.vmap(lambda x, w: (x * w, np.sum(w)), in_axes=(0, None), out_axes=(0, None))(
        np.ones((2, 3)), np.arange(3.0)
    )
    close(got[0], np.tile(np.arange(3.0), (2, 1)))
    assert float(got[1]) == 3.0


def test_axis_size_mismatch_is_refused():
    with pytest.raises(myia.MyiaError, match="different sizes"):
        myia.vmap(lambda x, y: x + y)(np.ones((3, 2)), np.ones((4, 2)))


def test_in_axes_errors():
    with pytest.raises(myia.MyiaError, match="has no axis 2"):
        myia.vmap(lambda x: x, in_axes=2)(np.ones((3, 2)))
    with pytest.raises(myia.MyiaError, match="2 entries for 1 arguments"):
        myia.vmap(lambda x: x, in_axes=(0, 0))(np.ones(3))
    with pytest.raises(myia.MyiaError, match="at least one"):
        myia.vmap(lambda x: x, in_axes=None)(np.ones(3))
    with pytest.raises(myia.MyiaError, match="out_axes=None"):
        myia.vmap(lambda x: x, out_axes=None)(np.ones(3))


def test_compiled_once_per_signature():
    v = myia.vmap(lambda x: x * 2.0)
    v(np.ones((3, 2)))
    v(np.zeros((3, 2)))
    assert v.compilations == 1
    v(np.zeros((4, 2)))
    assert v.compilations == 2


# -- hand-written cases ---------------------------------------------------------------------

R = np.random.default_rng(7)
A = R.standard_normal((4, 3, 2))
B = R.standard_normal((4, 2, 3))
V = R.standard_normal((4, 3))
M = R.standard_normal((3, 3))
IDX = np.array([2, 0, 1, 2])


def _shapes(x):
    y = np.reshape(x, (2, 3)).T
    z = np.concatenate([x.ravel(), x[:, 0]])
    s = np.stack([x[0], x[1], x[2]], axis=1)
    return np.sum(y) + np.sum(z) + np.sum(np.expand_dims(s, 0) ** 2) + np.sum(np.flip(x, 0))


def _products(a, b, v, m):
    return (a @ b, np.dot(v, m), np.dot(m, v), np.einsum("ij,jk->ik", a, b), np.outer(v, v), v @ v)


def _reductions(a):
    return (
        np.max(a, axis=1),
        np.argmax(a),
        np.cumsum(a, axis=0),
        np.sort(a, axis=None),
        np.linalg.norm(a),
        np.var(a, axis=(0, 1)),
        np.prod(a),
    )


def _indexing(a, i):
    return a[i], a[1:, 0], a[..., None, 1], a[np.array([0, 2])], a[i, 1]


def _scalars(x):
    s = float(np.sum(x))
    return math_fns(s) + max(s, 0.5) + abs(s) + round(s)


def math_fns(s):
    return math.sin(s) * math.exp(-s * s) + math.sqrt(s * s + 1.0) + math.floor(s)


@pytest.mark.parametrize(
    "fn,args,axes",
    [
        (_shapes, (A,), (0,)),
        (_products, (A, B, V, M), (0, 0, 0, None)),
        (_products, (A, B[0], V[0], np.stack([M] * 4)), (0, None, None, 0)),
        (_reductions, (A,), (0,)),
        (_indexing, (A, IDX), (0, 0)),
        (_indexing, (A[0], IDX), (None, 0)),
        (_scalars, (V,), (0,)),
        (lambda m, b: np.linalg.solve(m, b), (np.stack([M + 3 * np.eye(3)] * 4), V), (0, 0)),
        (
            lambda m: (np.linalg.inv(m), np.linalg.det(m), np.trace(m)),
            (A[:, :2, :] @ B[:, :, :2],),
            (0,),
        ),
        (lambda v: np.diag(v, 1) + np.diag(np.outer(v, v))[0], (V,), (0,)),
        (lambda x: np.tile(x, (2, 1)) + np.repeat(x, 2, axis=0), (A[:, :2, :],), (0,)),
    ],
    ids=[
        "shapes",
        "products",
        "products-mixed",
        "reductions",
        "indexing",
        "index-batched",
        "scalars",
        "solve",
        "linalg",
        "diag",
        "tile-repeat",
    ],
)
def test_hand_written_against_loop(fn, args, axes):
    close(myia.vmap(fn, in_axes=axes)(*args), loop(fn, args, axes))


def test_setitem_on_a_local_array():
    def f(x):
        z = np.zeros((3, 2))
        z[1] = x[:2]
        z[:, 0] = z[:, 0] + x
        return z

    close(myia.vmap(f)(V), loop(f, (V,), (0,)))


# -- control flow ---------------------------------------------------------------------------


def _branch(x):
    if np.sum(x) > 0.0:
        y = x * 2.0
    else:
        y = -x
    return y if y[0] > 0.1 else y + 1.0


def _loop_until(x):
    n = 0
    while np.sum(x * x) > 1.0:
        x = x * 0.5
        n = n + 1
    return x, n


def test_branch_on_a_batched_condition_is_a_where():
    xs = np.array([[1.0, 2.0], [-1.0, -3.0], [0.05, -0.5], [0.5, 0.0]])
    close(myia.vmap(_branch)(xs), loop(_branch, (xs,), (0,)))
    src = myia.source(myia.vmap(_branch), xs)
    assert "np.where" in src and not re.search(r"^\s*if ", src, re.M)


def test_loop_on_a_batched_test_runs_until_every_example_is_done():
    xs = np.array([[0.1, 0.2], [3.0, 4.0], [10.0, 0.0], [0.5, 0.9]])
    got = myia.vmap(_loop_until)(xs)
    close(got, loop(_loop_until, (xs,), (0,)))
    assert list(got[1]) == [0, 3, 4, 1]


def _guarded(x, i):
    if i < 3:
        return [x[0], x[1], x[2]][i]  # (an index into a list: it could raise)
    return 0.0


def _raises(x):
    if np.sum(x) > 0.0:
        assert np.all(x > -1.0)
        return x
    return -x


def _recursive(x, n):
    if n <= 0:
        return x
    return _recursive(x * 0.5, n - 1)


def _indexing_loop(x, n):
    s = 0.0
    i = 0
    while i < n:
        s = s + [x[0], x[1], x[2]][i]
        i = i + 1
    return s


@pytest.mark.parametrize(
    "fn,args,axes,what,line",
    [
        (_guarded, (V, np.array([0, 1, 5, 2])), (0, 0), "indexes", "return [x[0]"),
        (_raises, (V,), (0,), "raise", "assert np.all"),
        (_recursive, (V, np.array([1, 2, 3, 4])), (0, 0), "recurses", "if n <= 0"),
        (_indexing_loop, (V, np.array([1, 2, 3, 3])), (0, 0), "indexes", "while i < n"),
    ],
    ids=["index", "raise", "recursion", "loop-index"],
)
def test_unsafe_control_flow_is_refused_with_the_line(fn, args, axes, what, line):
    with pytest.raises(myia.MyiaError) as info:
        myia.vmap(fn, in_axes=axes)(*args)
    text = str(info.value)
    assert what in text and "test_vmap.py" in text
    lines, first = inspect.getsourcelines(fn)
    at = next(first + k for k, src in enumerate(lines) if line in src)
    assert f":{at}" in text or f"line {at}" in text, text


def _early_return(x0, x1):
    v0 = x0 * 0.5
    if x1 >= 0.0:
        if x0 <= v0:
            return 1.0
        v0 = v0 * 2.0
    return v0 - x0


def _loop_in_branch(x0, x1, n):
    v0 = x0 * 0.5
    if -x1 >= x0:
        if x1 <= v0:
            return 1.0
        j = 0
        while j < n:
            j += 1
            v0 *= 0.5
    return v0 - x0


def _return_in_loop(x0, n):
    v0 = x0 * 0.5
    j = 0
    while j < n:
        j += 1
        if x0 > v0:
            return x0 * 2.0
        v0 = np.sin(x0 * j + v0)
    return v0


def test_early_returns_and_loops_in_branches():
    xs, ys = np.array([-1.0, 1.0, 2.0, -3.0]), np.array([1.0, -1.0, 2.0, 3.0])
    close(myia.vmap(_early_return)(xs, ys), loop(_early_return, (xs, ys), (0, 0)))
    args = (xs, ys, 3)
    close(
        myia.vmap(_loop_in_branch, in_axes=(0, 0, None))(*args),
        loop(_loop_in_branch, args, (0, 0, None)),
    )
    close(
        myia.vmap(_return_in_loop, in_axes=(0, None))(xs, 3),
        loop(_return_in_loop, (xs, 3), (0, None)),
    )


def test_recursion_on_an_unbatched_value_is_batched():
    got = myia.vmap(_recursive, in_axes=(0, None))(V, 3)
    close(got, V * 0.125)


# Primitives with no batching rule: refused (with their name and the user's line) when an
# input varies. Those marked * never reach the batcher (canonical forms rewrite them first);
# `switch` and `return_` are the transform's own (branches, outputs).
REFUSED = set(
    """
    apply arange atleast_1d* atleast_2d* atleast_3d* builtin.enumerate
    builtin.isinstance builtin.list builtin.range builtin.zip call_keywords diag_sens dict_items*
    dict_keys* dict_values* dot* einsum* env_add env_get env_single eye fliplr* flipud*
    grad_call grad_of hstack* inner* is_missing iterable linspace live_array make_record
    make_slice record_call
    math.erf max_masked* mean_masked* min_masked* ones outer*
    prod_masked* raise_ refuse_mutable return_ rows_stack sens_add
    seq_add_at seq_onehot seq_ties seq_total seq_weighted seq_wsum sum_masked*
    switch tensordot* tree_vdot unconcat unstack vstack* zeros zeros_at
    """.replace("*", "").split()
)


def test_every_primitive_is_batched_or_refused():
    from myia.prim.registry import REGISTRY

    REGISTRY.load()
    # (a primitive with a canonical form is rewritten into others before any transform)
    rewritten = {n for n, p in REGISTRY.by_name.items() if p.canon is not None}
    batched = {n for n, p in REGISTRY.by_name.items() if p.batch is not None}
    refused = {n for n, p in REGISTRY.by_name.items() if p.batch is None} - rewritten
    assert refused == REFUSED - rewritten, (refused - REFUSED, REFUSED - rewritten - refused)
    assert batched | refused | rewritten == set(REGISTRY.by_name) and len(batched) > 150


def test_a_primitive_without_a_rule_is_refused_with_its_name_and_line():
    def f(x):
        return np.linspace(0.0, x, 3)

    with pytest.raises(myia.MyiaError) as info:
        myia.vmap(f)(np.arange(3.0))
    assert "linspace" in str(info.value) and "test_vmap.py" in str(info.value)


def _apply_twice(f, x):
    return f(f(x))


def test_closures_and_function_values():
    def f(x, w):
        scale = np.sum(w)
        g = lambda y: np.tanh(y * scale)  # noqa: E731
        return _apply_twice(g, x) + _apply_twice(np.sin, x)

    xs, w = R.standard_normal((4, 3)), R.standard_normal(3)
    for axes in ((0, None), (0, 0)):
        args = (xs, w) if axes[1] is None else (xs, R.standard_normal((4, 3)))
        close(myia.vmap(f, in_axes=axes)(*args), loop(f, args, axes))


def test_reference_evaluator_backend():
    def f(w, x):
        return np.sum(np.tanh(x * w))

    w, xs = R.standard_normal(3), R.standard_normal((4, 3))
    g = myia.grad(f)
    got = myia.vmap(g, in_axes=(None, 0), backend="vm")(w, xs)
    close(got, myia.vmap(g, in_axes=(None, 0))(w, xs))


def test_special_functions():
    special = pytest.importorskip("scipy.special")

    def f(x):
        return special.polygamma(1, x) + special.gammaln(x) + special.digamma(x)

    xs = np.abs(R.standard_normal((4, 3))) + 0.5
    close(myia.vmap(f)(xs), loop(f, (xs,), (0,)))


# -- random programs ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def program_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("vmap_random_programs")


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(data=st.data())
def test_random_programs_against_loop_or_refused(program_dir, data):
    """Random programs of the subset (branches, loops, break/continue, closures, early
    returns) mapped over their floats: the loop's values, or a refusal naming a line (or
    the error myia.jit itself raises on one example, whose numbers are NumPy floats)."""
    source, fn_name, arg_strategy = data.draw(programs(), label="program")
    fn = load_function(source, fn_name, program_dir)
    rows = [data.draw(arg_strategy, label="args") for _ in range(4)]
    batch_n = data.draw(st.booleans(), label="batch n")
    floats = [np.array([row[i] for row in rows]) for i in range(len(rows[0]) - 1)]
    n = np.array([row[-1] for row in rows]) if batch_n else rows[0][-1]
    axes = (0,) * len(floats) + (0 if batch_n else None,)
    try:
        got = myia.vmap(fn, in_axes=axes)(*floats, n)
    except myia.MyiaError as e:
        assert e.loc is not None and "line" in str(e) or "myia_random_prog" in str(e), source
        return
    except Exception as e:
        example = [x[0] for x in floats] + [n[0] if batch_n else n]
        with pytest.raises(type(e)):
            myia.jit(fn)(*example)
        return
    close(got, loop(fn, (*floats, n), axes), rtol=1e-9, atol=1e-12)
