"""myia.vmap on control flow it once refused: a branch on a varying condition whose side
runs a loop (the loop runs for the examples taking the side: `control.mask_sides`), a
branch whose side indexes with an index the same for every example (computed only where
an example takes it), and a loop examples leave whose sides index with its counter. Each
against a loop over the examples, per-example gradients against central finite
differences, grad of a sum of vmap and jvp of vmap too; what stays refused names the line."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import myia
from tests.batching.test_control_gradients import close, per_example_fd, stacked

SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_all(fn, args, axes, argnum=0, rtol=1e-5, atol=1e-6):
    """vmap against a loop; vmap(grad), grad of the sum of vmap and jvp of vmap (along
    ones) against per-example central differences for argument `argnum`."""
    mapped = myia.vmap(fn, in_axes=axes)
    close(mapped(*args), stacked(fn, args, axes), rtol=1e-12, atol=1e-12)
    want = per_example_fd(fn, args, axes, argnum)
    close(myia.vmap(myia.grad(fn, argnums=argnum), in_axes=axes)(*args), want, rtol, atol)
    if axes[argnum] is None:
        return
    if len(args) == 1:
        total = myia.grad(lambda a: np.sum(mapped(a)))(*args)
    else:
        total = myia.grad(lambda a, b: np.sum(mapped(a, b)), argnums=argnum)(*args)
    close(np.asarray(total), want, rtol, atol)
    tangents = tuple(
        np.ones_like(a) if i == argnum else np.zeros_like(a) if isinstance(a, np.ndarray) else 0.0
        for i, a in enumerate(args)
    )
    _, dout = myia.jvp(mapped, args, tangents)
    close(np.asarray(dout), want.reshape(want.shape[0], -1).sum(axis=1), rtol, atol)


def floats(n, lo, hi):
    return hnp.arrays(np.float64, (n,), elements=st.floats(lo, hi, allow_nan=False))


# -- a side of a branch runs a loop ---------------------------------------------------------


def side_while(x):
    if x > 0.0:
        while x < 10.0:  # (for x <= 0 it would never end)
            x = x * 1.5 + 0.1
    else:
        x = x * x
    return x * x


def side_range(x, n):
    if x > 0:
        for _ in range(n):
            x = x * 0.9 + np.sin(x)
    else:
        x = -x
    return x


def both_sides(x):
    if x > 0.0:
        while x < 10.0:
            x = x * 1.5 + 0.1
    else:
        while x > -10.0:
            x = x * 2.0 - np.sin(x)
    return x * x


def loop_after_loop(x):
    if x > 0.0:
        while x < 10.0:
            x = x * 1.5 + 0.1
        while x > 5.0:
            x = x * 0.7
    return x


def side_break(x):
    if x > 0.0:
        for _ in range(20):
            x = x * 1.3 + np.sin(x)
            if x > 8.0:
                break
    else:
        x = x * 3.0
    return x * x


def nested_sides(x, y):
    if x > 0.0:
        if y > 0.0:
            while x < y * 5.0:
                x = x * 1.5 + 0.1
        else:
            x = x + y
    return x * y


def side_in_loop(x):
    for _ in range(3):
        if x > 0.0:
            while x < 10.0:
                x = x * 1.5 + 0.1
        x = x - 12.0
    return x


@SETTINGS
@given(xs=floats(6, -4.0, 12.0))
def test_a_side_running_a_loop_runs_it_for_the_examples_taking_it(xs):
    assume(np.all(np.abs(xs) > 1e-3))
    for fn in (side_while, both_sides, loop_after_loop, side_break):
        assume(all(abs(fn(x - 1e-5) - fn(x + 1e-5)) < 1e-2 for x in xs))  # (no jump near)
        check_all(fn, (xs,), (0,))


def test_the_loop_of_a_side_counts_the_runs_of_its_examples():
    xs = np.array([-1.0, 0.7, 1.2, -0.3, 2.0, 9.5])
    check_all(side_in_loop, (xs,), (0,))
    ns = np.array([1, 3, 2, 0, 4, 2])
    close(myia.vmap(side_range)(xs, ns), stacked(side_range, (xs, ns), (0, 0)), rtol=1e-12)
    close(
        myia.vmap(myia.grad(side_range))(xs, ns),
        per_example_fd(side_range, (xs, ns), (0, 0), 0),
        rtol=1e-5,
        atol=1e-6,
    )
    ys = np.array([1.0, -0.5, 3.2, 0.3, -2.0, 1.0])
    check_all(nested_sides, (xs, ys), (0, 0), 0)
    check_all(nested_sides, (xs, ys), (0, 0), 1)


# -- a side indexes with an index the same for every example --------------------------------


def best_of(x):
    best = x[0]
    for i in range(1, x.shape[0]):
        if x[i] > best:
            best = x[i]
    return best * best


def positive_part(w, x):
    h = np.dot(w, x)
    out = 0.0
    for i in range(h.shape[0]):
        if h[i] > 0.0:
            out = out + h[i] * h[i]
    return out


@SETTINGS
@given(xs=hnp.arrays(np.float64, (5, 4), elements=st.floats(-2.0, 2.0), unique=True))
def test_a_side_indexing_with_a_counter_is_computed_where_an_example_takes_it(xs):
    assume(all(np.min(np.diff(np.sort(x))) > 1e-3 for x in xs))  # (one maximum, no ties)
    check_all(best_of, (xs,), (0,))
    w = np.array([[0.5, -0.3, 0.8, 0.1], [0.2, 0.4, -0.6, 0.9], [-0.7, 0.1, 0.3, 0.5]])
    assume(np.all(np.abs(xs @ w.T) > 1e-3))
    check_all(positive_part, (w, xs), (None, 0), 0)
    check_all(positive_part, (w, xs), (None, 0), 1)


def test_the_sides_of_an_indexing_branch_are_guarded_by_np_any():
    xs = np.array([[0.1, 0.5, 0.9], [1.5, 0.2, 0.1]])
    src = myia.source(myia.vmap(best_of), xs)
    assert re.search(r"if [\w.]+\.any\(\)", src), src

    # every example takes the same side: the other, whose index may be out of range, is
    # not computed (a loop over the examples would not raise either)
    def guarded(x, k):
        if x[0] > 100.0:
            return x[k]
        return x[0]

    got = myia.vmap(guarded, in_axes=(0, None))(xs, 7)
    close(got, xs[:, 0], rtol=0.0, atol=0.0)


# -- loops examples leave, indexing with their counter --------------------------------------


def sum_until(xs, t):
    s = 0.0
    for i in range(xs.shape[0]):
        if xs[i] > t:
            break
        s = s + xs[i] * xs[i]
    return s


def first_above(xs, t):
    for i in range(xs.shape[0]):
        if xs[i] > t:
            return xs[i] * np.sin(xs[i])
    return np.sum(xs) * 0.5


def running_sum(v, thresh):
    acc = 0.0
    for e in v:
        acc = acc + e * e
        if acc > thresh:
            return acc * 2.0
    return np.sin(acc)


def pair_above(xs, t):
    s = 0.0
    for i in range(xs.shape[0] - 1):
        if xs[i] * xs[i + 1] > t:
            return s + xs[i + 1] ** 2
        s = s + np.exp(xs[i])
    return s


def peek_next(xs, t):
    s = 0.0
    for i in range(xs.shape[0]):
        if xs[i] > t:
            break
        s = s + xs[i + 1]  # (out of range at the last run, for an example still in)
    return s


@SETTINGS
@given(xs=hnp.arrays(np.float64, (5, 4), elements=st.floats(0.05, 1.2), unique=True))
def test_loops_left_early_index_with_their_counter(xs):
    t = 0.6
    assume(np.all(np.abs(xs - t) > 1e-3) and np.all(np.abs(xs[:, :-1] * xs[:, 1:] - t) > 1e-3))
    assume(np.all(np.abs(np.cumsum(xs * xs, axis=1) - t) > 1e-3))
    for fn in (sum_until, first_above, running_sum, pair_above):
        check_all(fn, (xs, t), (0, None))


def test_a_side_going_on_is_not_computed_when_every_example_leaves():
    xs = np.array([[0.1, 0.5, 0.9], [1.5, 0.2, 0.1], [0.3, 0.4, 2.0], [0.2, 0.9, 0.3]])
    close(
        myia.vmap(peek_next, in_axes=(0, None))(xs, 0.8),
        stacked(peek_next, (xs, 0.8), (0, None)),
        rtol=1e-12,
    )
    ys = xs.copy()
    ys[3, 1] = 0.0  # this example reaches the end: the loop raises, as over the examples
    with pytest.raises(IndexError):
        peek_next(ys[3], 0.8)
    with pytest.raises(IndexError):
        myia.vmap(peek_next, in_axes=(0, None))(ys, 0.8)


# -- what stays refused ---------------------------------------------------------------------


def deep(x, t):
    if t < 0.0:
        return x
    return np.sin(deep(x * 1.1, t - 1.0)) * x


def picked(x, j):
    if x[0] > 0.0:
        return [x[0], x[1], 2.0][j]  # (an index into a list: it could raise)
    return x[0]


def test_what_has_no_batched_form_is_refused_at_the_line():
    lines, first = inspect.getsourcelines(deep)
    xs = np.array([0.5, 1.0, 1.5])
    depths = np.array([0.5, 2.5, 1.0])  # (a depth per example: the recursion is two loops)
    got = myia.vmap(deep)(xs, depths)
    np.testing.assert_allclose(got, [deep(x, t) for x, t in zip(xs, depths)], rtol=1e-12)
    with pytest.raises(myia.MyiaTypeError, match="grad of a sum of vmap") as info:
        myia.vmap(myia.grad(deep))(xs, depths)
    assert f"test_control_lifted.py:{first + 3}" in str(info.value)
    lines, first = inspect.getsourcelines(picked)
    with pytest.raises(myia.MyiaTypeError, match="indexes with a value") as info:
        myia.vmap(picked)(np.array([[1.0, 2.0], [-1.0, 3.0]]), np.array([1, 5]))
    assert f"test_control_lifted.py:{first + 1}" in str(info.value)
    assert f"line {first + 2}" in str(info.value)
