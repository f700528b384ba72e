"""`np.rot90`, `np.diagonal` and `np.nan_to_num` (`myia/prim/numpy_forms.py`): values
against NumPy, gradients against central finite differences, tangents against the
gradient, the refusals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import myia
from myia.errors import MyiaShapeError, MyiaTypeError
from tests.checks import check_grad, check_jit

WEIGHTS = np.random.default_rng(3).standard_normal(60)


def weighted(y):
    """A scalar of `y` that weighs each element differently (a layout error shows)."""
    return np.sum(y.ravel() * WEIGHTS[: y.size])


def rot_once(x):
    return weighted(np.rot90(x))


def rot_twice(x):
    return weighted(np.rot90(x, 2))


def rot_back_in_a_plane(x):
    return weighted(np.rot90(x, -1, (2, 0)))


def rot_full_turn(x):
    return weighted(np.rot90(x, 4) * x)


def main_diagonal(x):
    return weighted(np.diagonal(x))


def upper_diagonal_of_a_stack(x):
    return weighted(np.diagonal(x, 1, -1, -2))


def lower_diagonal_across(x):
    return weighted(np.sin(np.diagonal(x, -2, 0, 2)))


def empty_diagonal(x):
    return np.sum(np.diagonal(x, 5)) + np.sum(x)


CASES = [
    (rot_once, (3, 4)),
    (rot_twice, (3, 4)),
    (rot_back_in_a_plane, (2, 3, 4)),
    (rot_full_turn, (3, 3)),
    (main_diagonal, (3, 4)),
    (upper_diagonal_of_a_stack, (2, 4, 3)),
    (lower_diagonal_across, (4, 2, 5)),
    (empty_diagonal, (3, 4)),
]


@pytest.mark.parametrize("fn, shape", CASES, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("seed", [0, 1])
def test_values_gradients_tangents(fn, shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    check_jit(fn, x)
    check_grad(fn, (x,))
    t = np.random.default_rng(seed + 10).standard_normal(shape)
    _, tangent = myia.jvp(fn, (x,), (t,))
    assert tangent == pytest.approx(float(np.sum(myia.grad(fn)(x) * t)), rel=1e-9, abs=1e-9)


@given(k=st.integers(-5, 5))
@settings(max_examples=11, deadline=None)
def test_rot90_every_k(k):
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(myia.jit(np.rot90)(x, k, (1, 0)), np.rot90(x, k, (1, 0)))


HOLES = np.array([0.0, np.nan, np.inf, -np.inf, 1.0])


def cleaned(x):
    return np.sum(np.sin(np.nan_to_num(x + HOLES)) * np.arange(5.0))


def cleaned_with_values(x, fill):
    return np.sum(np.nan_to_num(x + HOLES, nan=fill, posinf=2.0, neginf=-3.0) * np.arange(5.0))


@given(st.lists(st.floats(-2.0, 2.0), min_size=5, max_size=5).map(np.array))
@settings(max_examples=10, deadline=None)
def test_nan_to_num(x):
    check_jit(cleaned, x)
    g = check_grad(cleaned, (x,))
    assert g[1] == g[2] == g[3] == 0.0  # the replaced elements have no gradient
    check_jit(cleaned_with_values, x, 1.5)
    gx, gfill = check_grad(cleaned_with_values, (x, 1.5), argnums=(0, 1))
    assert gfill == 1.0  # the fill value reaches the output once, with weight 1


def of_a_float(v):
    return np.nan_to_num(v * np.inf)


def of_ints(v):
    return np.nan_to_num(np.arange(3) * 2)


def test_nan_to_num_of_numbers_and_integers():
    assert type(check_jit(of_a_float, 2.0)) is np.float64
    assert check_jit(of_a_float, -2.0) == -np.finfo(np.float64).max
    check_jit(of_ints, 1.0)


def rot_of_a_vector(x):
    return np.rot90(x)


def rot_same_axes(x):
    return np.rot90(x, 1, (1, 1))


def diagonal_same_axes(x):
    return np.diagonal(x, 0, 1, 1)


def nan_to_num_of_complex(x):
    return np.nan_to_num(x)


@pytest.mark.parametrize(
    "fn, arg, error, match",
    [
        (rot_of_a_vector, np.ones(3), MyiaShapeError, "at least 2 dimensions"),
        (rot_same_axes, np.ones((2, 2)), MyiaShapeError, "axes must be different"),
        (diagonal_same_axes, np.ones((2, 2)), MyiaShapeError, "cannot be the same"),
        (nan_to_num_of_complex, np.ones(2, complex), MyiaTypeError, "complex"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_refusals(fn, arg, error, match):
    with pytest.raises(error, match=match) as e:
        myia.jit(fn)(arg)
    assert "test_numpy_forms.py" in str(e.value)
