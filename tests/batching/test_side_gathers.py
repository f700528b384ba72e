"""`np.take(a, k)`, `np.take(a, k, axis=...)`, `np.take_along_axis(a, k, axis)` and
`x[k] = v` (on a copy of an array) with an index `k` that varies from example to example,
in a side of a branch on a varying condition or in the body of a loop whose test varies
or that examples leave: vmap computes them for every example, the index of the examples
that do not run them replaced by 0 (`myia.batching.indices`), so that an index out of
range for those examples does not raise. Each result, and each per-example gradient
(`myia.vmap(myia.grad(f))`), is checked against a Python loop over the examples; an axis
of length 0 is refused naming the line."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import myia
from tests.ad.fd import assert_close

SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TABLE = np.array([[1.5, -2.0, 0.5, 3.0], [0.25, 4.0, -1.0, 2.0], [-0.5, 1.0, 2.5, -3.0]])


def take_flat(table, x, k):
    if x > 0.0:
        return np.take(table, k) * x
    return x - 1.0


def take_columns(table, x, k):
    if x > 0.0:
        return np.sum(np.take(table, k, axis=1) ** 2) * x
    return x - 1.0


def take_along(table, x, k):
    if x > 0.0:
        return np.sum(np.take_along_axis(table, np.reshape(k, (1, 2)), axis=1) * x)
    return x * x


def assign_row(table, x, k):
    if x > 0.0:
        t = table * x
        t[k] = np.sin(table[0] * x)
        return np.sum(t * t)
    return x + 1.0


def assign_entries(table, x, k):
    # an int array index per example (its entries may repeat: the last one assigned wins)
    if x > 0.0:
        t = table[0] * 1.0
        t[k] = x * x
        return np.sum(t * table[1])
    return x


def walk_columns(table, x, k):
    # the loop's test varies: the body runs again for the examples done, their `k` past
    # the last column
    while x < 4.0:
        x = x + np.sum(np.take(table, k, axis=1) ** 2)
        t = table[1] * 1.0
        t[k] = x
        x = x + 0.1 * np.sum(t)
        k = k + 1
    return x


def leave_at_a_column(table, x, k):
    # examples leave the loop at different runs, by a return that gathers along an axis
    s = x
    for j in range(3):
        if s > 2.0:
            return np.sum(np.take_along_axis(table, np.reshape(k, (1, 2)), axis=1)) * s
        s = s + x * x + float(j)
    return s


def ints(n, lo=-40, hi=40, shape=()):
    return hnp.arrays(np.int64, (n, *shape), elements=st.integers(lo, hi))


def floats(n, lo=-3.0, hi=3.0):
    return hnp.arrays(np.float64, n, elements=st.floats(lo, hi, allow_nan=False))


def valid_where(taken, raw, low, n):
    """`raw` (any ints) made valid indices into an axis of `n` where `taken` holds."""
    taken = np.reshape(taken, taken.shape + (1,) * (raw.ndim - 1))
    return np.where(taken, low + np.mod(raw, n), raw)


def check(fn, xs, ks, argnums=(0, 1)):
    """vmap of `fn` and of its gradient against loops over the examples."""
    got = myia.vmap(fn, in_axes=(None, 0, 0))(TABLE, xs, ks)
    assert_close(got, np.stack([fn(TABLE, x, k) for x, k in zip(xs, ks)]), 0.0, 0.0)
    for argnum in argnums:
        grad = myia.grad(fn, argnums=argnum)
        g = myia.vmap(grad, in_axes=(None, 0, 0))(TABLE, xs, ks)
        loop = np.stack([grad(TABLE, x, k) for x, k in zip(xs, ks)])
        assert_close(g, loop, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(floats(6), ints(6))
def test_take_of_the_flattened_array_in_a_side(xs, raw):
    check(take_flat, xs, valid_where(xs > 0.0, raw, -12, 24))


@SETTINGS
@given(floats(6), ints(6))
def test_take_along_an_axis_in_a_side(xs, raw):
    check(take_columns, xs, valid_where(xs > 0.0, raw, -4, 8))


@SETTINGS
@given(floats(6), ints(6, shape=(2,)))
def test_take_along_axis_in_a_side(xs, raw):
    check(take_along, xs, valid_where(xs > 0.0, raw, -4, 8))


@SETTINGS
@given(floats(6), ints(6))
def test_assignment_at_an_index_in_a_side(xs, raw):
    check(assign_row, xs, valid_where(xs > 0.0, raw, -3, 6))


@SETTINGS
@given(floats(6), ints(6, shape=(3,)))
def test_assignment_at_an_int_array_in_a_side(xs, raw):
    check(assign_entries, xs, valid_where(xs > 0.0, raw, -4, 8))


@SETTINGS
@given(floats(6, 0.0, 5.0), ints(6, 0, 3))
def test_gathers_and_assignments_in_a_loop_whose_test_varies(xs, ks):
    # an example that uses the last column leaves the loop with k = 4, out of range, and
    # its state runs the body again while others go on
    check(walk_columns, xs, ks)


def leaves(x):
    """Whether `leave_at_a_column` returns from inside its loop for `x`."""
    s = x
    for j in range(3):
        if s > 2.0:
            return True
        s = s + x * x + float(j)
    return False


@SETTINGS
@given(floats(6, -2.0, 2.5), ints(6, shape=(2,)))
def test_take_along_axis_in_a_return_examples_leave_a_loop_by(xs, raw):
    check(leave_at_a_column, xs, valid_where(np.array([leaves(x) for x in xs]), raw, -4, 8))


def test_an_example_running_the_assignment_out_of_range_raises():
    with pytest.raises(IndexError):
        assign_row(TABLE, 1.0, 5)
    with pytest.raises(IndexError):
        myia.vmap(assign_row, in_axes=(None, 0, 0))(TABLE, np.array([1.0, -1.0]), np.array([5, 0]))


def test_an_empty_axis_is_refused_naming_the_line():
    # (the branch's line, and the line of the indexing in the message)
    lines, first = inspect.getsourcelines(take_along)
    line = first + next(i for i, x in enumerate(lines) if "np.take_along_axis" in x)
    f = myia.vmap(take_along, in_axes=(None, 0, 0))
    with pytest.raises(myia.MyiaTypeError, match=rf"may be empty.*\(line {line}\)") as e:
        f(np.zeros((1, 0)), np.array([1.0, -1.0]), np.zeros((2, 2), dtype=np.int64))
    assert lines[e.value.loc.lineno - first].strip() == "if x > 0.0:"
    assert e.value.loc.filename == inspect.getsourcefile(take_along)


def take_columns_of_an_array(table, x, k):
    return np.sum(np.take(table, k, axis=1) ** 2) * x


def take_columns_in_a_side(table, x, k):
    if x > 0.0:
        return np.sum(np.sin(np.take(table, k, axis=1) * x))
    return x * x


def assign_columns(table, x, k):
    t = table * x
    t[:, k] = np.cos(x) * table[:, :2]
    return np.sum(t * table)


@SETTINGS
@given(floats(6), ints(6, -4, 3, shape=(2,)))
def test_take_along_an_axis_with_an_int_array_per_example(xs, ks):
    # `table[:, k]`, `k` an array per example: the batch's index keeps the axes of `k`
    # where an example has them
    check(take_columns_of_an_array, xs, ks)


@SETTINGS
@given(floats(6), ints(6, shape=(2,)))
def test_take_along_an_axis_with_an_int_array_per_example_in_a_side(xs, raw):
    check(take_columns_in_a_side, xs, valid_where(xs > 0.0, raw, -4, 8))


@SETTINGS
@given(floats(6), ints(6, -4, 3, shape=(2,)))
def test_assignment_at_an_int_array_along_an_axis(xs, ks):
    # (entries of `k` may repeat: the last one assigned wins, as in NumPy)
    check(assign_columns, xs, ks)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_take_with_an_int_array_per_example_along_each_axis_of_a_batched_array(axis):
    rng = np.random.default_rng(axis + 5)
    a = rng.standard_normal((4, 3, 5, 6))
    n = a.shape[1:][axis]
    k = rng.integers(-n, n, size=(4, 2, 3))

    def f(a, k):
        return np.take(a, k, axis=axis) * 2.0

    def loss(a, k):
        return np.sum(np.tanh(f(a, k)))

    got = myia.vmap(f)(a, k)
    assert_close(got, np.stack([f(x, y) for x, y in zip(a, k)]), 0.0, 0.0)
    g = myia.vmap(myia.grad(loss))(a, k)
    assert_close(g, np.stack([myia.grad(loss)(x, y) for x, y in zip(a, k)]), 1e-12, 1e-12)


@pytest.mark.parametrize(
    "pick",
    [
        lambda x, k: x[0, :, k],  # not adjacent: the axes of `k` come first
        lambda x, k: x[:, 1, k],  # adjacent, after a slice
        lambda x, k: x[k, :, k],
        lambda x, k: x[::-2, k[0], k, :],
    ],
)
def test_indices_mixing_int_arrays_ints_and_slices_per_example(pick):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 3, 4, 3, 2))
    k = rng.integers(-3, 3, size=(3, 2, 2))

    def loss(x, k):
        return np.sum(np.sin(pick(x, k)))

    assert_close(myia.vmap(pick)(x, k), np.stack([pick(a, b) for a, b in zip(x, k)]), 0.0, 0.0)
    g = myia.vmap(myia.grad(loss))(x, k)
    assert_close(g, np.stack([myia.grad(loss)(a, b) for a, b in zip(x, k)]), 1e-12, 1e-12)


def test_vmap_of_vmap_of_a_gather_with_an_index_per_example():
    rng = np.random.default_rng(4)
    a, k = rng.standard_normal((2, 3, 4, 5)), rng.integers(0, 5, size=(2, 3, 2))

    def f(a, k):
        return np.take(a, k, axis=1)

    loop = np.stack([np.stack([f(x, y) for x, y in zip(xs, ys)]) for xs, ys in zip(a, k)])
    assert_close(myia.vmap(myia.vmap(f))(a, k), loop, 0.0, 0.0)
