"""A side of a branch on a varying condition (or the body of a loop whose test varies)
that indexes with an index that varies from example to example (`table[k]`): vmap
computes it for every example, with the index of the examples that do not run it
replaced by 0 (`myia.batching.indices`), so that an index out of range for them does not
raise. Each result is checked against a Python loop of the function (and of `myia.grad`)
over the examples; an example that runs the indexing with an index out of range raises
as the loop does, and an axis of length 0 is refused naming the line."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import myia
from tests.ad.fd import assert_close

SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TABLE = np.array([1.5, -2.0, 0.5, 3.0, 4.0])


def pick(table, x, k):
    if x > 0.0:
        return table[k] * x
    return x - 1.0


def nested(table, x, k):
    if x > -1.0:
        if x > 1.0:
            return table[k] * x
        return x * x
    return table[0] * x


def rows(table, x, ks):
    if x > 0.0:
        return np.sum(table[ks] * x)
    return x


def walk(table, x, k):
    while x < 5.0:
        x = x + table[k] * table[k]
        k = k + 1
    return x


def below(x, i):
    if i < 3:
        return x[i]
    return 0.0


def prefix(x, n):
    s = 0.0
    i = 0
    while i < n:
        s = s + x[i]
        i = i + 1
    return s


def mapped(f, axes=(None, 0, 0)):
    return myia.vmap(f, in_axes=axes)


def valid_where_taken(xs, raw, low, n, taken):
    """`raw` (any ints) made valid indices into an axis of `n` where `taken(xs)` holds."""
    return np.where(taken(xs), low + np.mod(raw, n), raw)


@SETTINGS
@given(
    hnp.arrays(np.float64, 6, elements=st.floats(-3.0, 3.0, allow_nan=False)),
    hnp.arrays(np.int64, 6, elements=st.integers(-40, 40)),
)
def test_an_index_out_of_range_where_the_side_is_not_taken(xs, raw):
    ks = valid_where_taken(xs, raw, -5, 10, lambda v: v > 0.0)
    got = mapped(pick)(TABLE, xs, ks)
    assert_close(got, np.stack([pick(TABLE, x, k) for x, k in zip(xs, ks)]), 0.0, 0.0)

    def total(table, xs):
        return np.sum(myia.vmap(pick, in_axes=(None, 0, 0))(table, xs, ks))

    gt, gx = myia.grad(total, argnums=(0, 1))(TABLE, xs)
    loop = [myia.grad(pick, argnums=(0, 1))(TABLE, x, k) for x, k in zip(xs, ks)]
    assert_close(gt, sum(g for g, _ in loop), rtol=1e-12, atol=1e-12)
    assert_close(gx, np.stack([g for _, g in loop]), rtol=1e-12, atol=1e-12)


@SETTINGS
@given(
    hnp.arrays(np.float64, 6, elements=st.floats(-3.0, 3.0, allow_nan=False)),
    hnp.arrays(np.int64, 6, elements=st.integers(-40, 40)),
)
def test_nested_sides(xs, raw):
    ks = valid_where_taken(xs, raw, 0, 5, lambda v: v > 1.0)
    got = mapped(nested)(TABLE, xs, ks)
    assert_close(got, np.stack([nested(TABLE, x, k) for x, k in zip(xs, ks)]), 0.0, 0.0)


def test_a_batched_table_and_an_int_array_index_per_example():
    tables = np.arange(24.0).reshape(4, 3, 2)
    xs = np.array([1.0, -1.0, 2.0, -0.5])
    ks = np.array([[0, 2], [5, 9], [1, 1], [-7, 3]])
    got = mapped(rows, (0, 0, 0))(tables, xs, ks)
    want = np.stack([rows(t, x, k) for t, x, k in zip(tables, xs, ks)])
    assert_close(got, want, 0.0, 0.0)


def test_a_loop_whose_test_varies_indexing_with_its_counter_per_example():
    table = np.array([1.0, 2.0, 0.5, 1.5])
    xs = np.array([4.5, 1.0, 6.0, 3.0])
    ks = np.array([0, 0, 3, 1])  # (the loop ends before each example's index runs out)
    got = mapped(walk)(table, xs, ks)
    assert_close(got, np.stack([walk(table, x, k) for x, k in zip(xs, ks)]), 0.0, 0.0)
    gt = myia.grad(lambda t: np.sum(myia.vmap(walk, in_axes=(None, 0, 0))(t, xs, ks)))(table)
    assert_close(gt, sum(myia.grad(walk)(table, x, k) for x, k in zip(xs, ks)), 1e-12, 1e-12)


def test_the_condition_is_the_index_in_range():
    xs = np.arange(20.0).reshape(4, 5)
    for f, ns in ((below, np.array([0, 1, 5, 2])), (prefix, np.array([1, 2, 5, 0]))):
        got = mapped(f, (0, 0))(xs, ns)
        assert_close(got, np.stack([f(x, n) for x, n in zip(xs, ns)]), 0.0, 0.0)
        gx = myia.grad(lambda v: np.sum(myia.vmap(f)(v, ns)))(xs)
        assert_close(gx, np.stack([myia.grad(f)(x, n) for x, n in zip(xs, ns)]), 0.0, 0.0)


def test_an_example_taking_the_side_with_an_index_out_of_range_raises():
    with pytest.raises(IndexError):
        pick(TABLE, 1.0, 9)
    with pytest.raises(IndexError):
        mapped(pick)(TABLE, np.array([1.0, -1.0]), np.array([9, 0]))


def test_an_empty_axis_is_refused_naming_the_line():
    with pytest.raises(myia.MyiaTypeError, match=r"may be empty.*line 26"):
        mapped(pick)(np.zeros(0), np.array([1.0, -1.0]), np.array([0, 0]))
