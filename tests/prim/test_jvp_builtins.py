"""Tangent rules (forward mode) of the built-in functions `max`, `min`, `sum`, `tuple`,
`list` and of `tree_vdot`: `myia.jvp` against central differences and against reverse
mode (the adjoint identity), over numbers, tuples, lists and arrays of lengths drawn by
hypothesis; ties share the tangent as they share the sensitivity. (The `seq_*`,
`rows_stack` and stack primitives, which only reverse mode builds, are checked through
`jvp(grad(f))` in tests/ad/test_forward_over_reverse.py.)"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia
from myia.errors import MyiaTypeError
from myia.prim.adjoint import tree_vdot
from tests.ad.jvp_checks import check_jvp, second_by_forward

RNG = np.random.default_rng(1)
V = RNG.standard_normal(5)
M = RNG.standard_normal((3, 2))

# The lists of run-time length below are built by loops, which forward mode does not yet
# pass tangents into when the list starts empty (see tests/ad/test_forward_over_reverse.py).


def max2(x, y):
    return max(x, y) * x


def min2(x, y):
    return min(x, y) * y


def max_tuple(x, y):
    return max((x, y * y, x * y, 2.0))


def min_list(x, y):
    return min([x * x, y, x * y])


def max_array(a):
    return max(a) * a[0]


def min_array(a):
    return min(a)


def max_of_numbers(a, b):
    return max(a, b)


def sum_tuple(x, y):
    return sum((x, y, 3, x * y), 1.5)


def sum_start(x, y):
    return sum((x, y), y)


def sum_array(a):
    return sum(a)


def sum_rows(a, s):
    return sum(a, s)


def to_tuple(a):
    return tuple(a)[1] * tuple([a[0], a[2]])[0]


def to_list(x, y):
    return list((x, y))[1] * x


def rows(a):
    return list(a)[0] * tuple(a)[2]


def comprehension_max(x, n):
    return max([x * i for i in range(n)])


def comprehension_sum(x, n):
    return sum([np.sin(x * i) for i in range(n)], x)


@pytest.mark.parametrize(
    "fn, args",
    [
        (max2, (0.3, 0.5)),
        (max2, (0.7, 0.5)),
        (min2, (0.3, 0.5)),
        (max_tuple, (0.3, 0.5)),
        (max_tuple, (3.0, 0.5)),
        (max_tuple, (0.1, 2.0)),
        (min_list, (0.3, 0.5)),
        (min_list, (0.3, -0.5)),
        (max_array, (V,)),
        (min_array, (V,)),
        (max_of_numbers, (np.float64(0.3), np.float64(0.7))),
        (sum_tuple, (0.3, 0.5)),
        (sum_start, (0.3, 0.5)),
        (sum_array, (V,)),
        (sum_array, (M,)),
        (sum_rows, (M, V[:2])),
        (to_tuple, (V,)),
        (to_list, (0.3, 0.5)),
        (rows, (M,)),
    ],
)
def test_tangents(fn, args):
    check_jvp(fn, args)


@pytest.mark.parametrize("fn", [comprehension_max, comprehension_sum])
def test_lists_of_run_time_length(fn):
    check_jvp(fn, (0.3, 4))


def test_ties_share_the_tangent():
    # max(x, y) * x at x == y: (0.5 * tx + 0.5 * ty) * x + max(x, y) * tx
    assert myia.jvp(max2, (0.5, 0.5), (1.0, 3.0))[1] == (0.5 * 1.0 + 0.5 * 3.0) * 0.5 + 0.5
    # min(x * x, y, x * y) at x == y == 1: the three tie, a third each
    _, t = myia.jvp(min_list, (1.0, 1.0), (1.0, 3.0))
    assert t == pytest.approx((2 * 1.0 + 3.0 + (1.0 + 3.0)) / 3)
    _, t = myia.jvp(min_list, (2.0, 4.0), (1.0, 3.0))
    assert t == pytest.approx((2 * 2.0 * 1.0 + 3.0) / 2)
    _, t = myia.jvp(min_array, (np.array([1.0, -2.0, -2.0]),), (np.array([5.0, 1.0, 3.0]),))
    assert t == 2.0


def sum_of_pairs(p, q):
    return sum((p, q), ())


def test_sum_of_tuples_is_refused():
    with pytest.raises(MyiaTypeError, match="sum"):
        myia.jvp(sum_of_pairs, ((0.3,), (0.5,)), ((1.0,), (1.0,)))


_SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _seq_function(kind, how):
    if how == "max":

        def fn(x):
            return max(kind(x)) * 2.0
    elif how == "min":

        def fn(x):
            return min(kind(x))
    else:

        def fn(x):
            return sum(kind(x), 0.5)

    return fn


@_SETTINGS
@given(
    st.integers(1, 5),
    st.sampled_from([tuple, list]),
    st.sampled_from(["max", "min", "sum"]),
    st.integers(0, 2**16),
)
def test_drawn_sequences(n, kind, how, seed):
    """max, min and sum of tuples and lists (of arrays' rows) of drawn lengths."""
    x = np.random.default_rng(seed).standard_normal(n)
    check_jvp(_seq_function(kind, how), (x,))


def vdot_of(a, u):
    return tree_vdot((a * a, np.sin(a)), u)


def test_tree_vdot_is_bilinear():
    u = (RNG.standard_normal(5), RNG.standard_normal(5))
    tu = (RNG.standard_normal(5), RNG.standard_normal(5))
    check_jvp(vdot_of, (V, u), (RNG.standard_normal(5), tu), adjoint=False)
    # The backpropagator treats the direction `u` as a constant.
    check_jvp(vdot_of, (V, u), (RNG.standard_normal(5), (np.zeros(5), np.zeros(5))))


def max_square(x):
    return max(x * x, 2.0 * x) * x


def min_cube(x):
    return min((x * x * x, 1.0 - x, 3.0))


def sum_squares(x):
    return sum((x * x, np.sin(x)), x * x * x)


@pytest.mark.parametrize(
    "fn, x, expected",
    [
        (max_square, 0.5, 2 * 2.0),  # 2 x**2
        (max_square, 3.0, 6 * 3.0),  # x**3
        (min_cube, 0.3, 6 * 0.3),  # x**3
        (min_cube, 0.8, 0.0),  # 1 - x
        (sum_squares, 0.4, 2.0 - np.sin(0.4) + 6 * 0.4),
    ],
)
def test_second_derivatives(fn, x, expected):
    """Forward over forward: the rules are built from primitives with tangent rules."""
    assert second_by_forward(fn, x) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def max_ish(x):
    return max(x[0], x[1] * x[2]) + sum((x[0] * x[1], x[2]))


def test_jacfwd_is_jacrev():
    x = np.array([0.2, -0.9, 1.4])
    np.testing.assert_allclose(myia.jacfwd(max_ish)(x), myia.jacrev(max_ish)(x), rtol=1e-12)
