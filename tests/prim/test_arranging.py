"""Tests of the rearranging functions (myia/prim/arranging.py): `np.pad`, `np.roll`,
`np.diff`, `np.append`, `np.array_split`, `np.hsplit`, `np.vsplit`, `np.dsplit`,
`np.kron` and `np.cross`: values, types and shapes against NumPy, gradients against
central finite differences at first and second order, tangents against finite
differences and the adjoint identity, and the refusals of what is not known when
compiling."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia
from myia.errors import MyiaShapeError, MyiaTypeError
from myia.testing import check_grads
from tests.ad.jvp_checks import check_jvp
from tests.checks import check_jit

R = np.random.default_rng(11)
X = R.standard_normal((3, 4))
V = R.standard_normal(5)


def pad_int(x):
    return np.pad(x, 1)


def pad_pairs(x):
    return np.pad(x, ((1, 2), (0, 3)), constant_values=2.5)


def pad_value(x, c):
    return np.pad(x, (2, 1), constant_values=c)


def pad_edge(x):
    return np.pad(x, ((1, 2), (2, 1)), mode="edge")


def pad_reflect(x):
    return np.pad(x, 2, mode="reflect")


def pad_symmetric(x):
    return np.pad(x, ((1, 3), (2, 1)), mode="symmetric")


def pad_wrap(x):
    return np.pad(x, 2, "wrap")


def roll_flat(x):
    return np.roll(x, 2)


def roll_axis(x):
    return np.roll(x, -1, axis=1)


def roll_axes(x):
    return np.roll(x, (1, 2), axis=(0, 1))


def diff_last(x):
    return np.diff(x)


def diff_twice(x):
    return np.diff(x, n=2, axis=0)


def append_flat(x, v):
    return np.append(x, v)


def append_axis(x, y):
    return np.append(x, y, axis=0)


def append_number(v):
    return np.append(v, 1.0)


def array_split_sections(v):
    return np.array_split(v, 3)


def array_split_indices(x):
    return np.array_split(x, [1, 3], axis=1)


def hsplit(x):
    return np.hsplit(x, 2)


def vsplit(x):
    return np.vsplit(x, [1])


def dsplit(x):
    return np.dsplit(x, 3)


def kron(a, b):
    return np.kron(a, b)


def cross(a, b):
    return np.cross(a, b)


def cross_axis(a, b):
    return np.cross(a, b, axis=0)


def cross_axes(a, b):
    return np.cross(a, b, axisa=0, axisb=1, axisc=0)


CASES = [
    (pad_int, (X,)),
    (pad_pairs, (X,)),
    (pad_value, (V, 0.7)),
    (pad_edge, (X,)),
    (pad_reflect, (X,)),
    (pad_symmetric, (X,)),
    (pad_wrap, (X,)),
    (roll_flat, (X,)),
    (roll_axis, (X,)),
    (roll_axes, (X,)),
    (diff_last, (X,)),
    (diff_twice, (X,)),
    (append_flat, (X, V)),
    (append_axis, (X, R.standard_normal((2, 4)))),
    (append_number, (V,)),
    (array_split_sections, (V,)),
    (array_split_indices, (X,)),
    (hsplit, (X,)),
    (vsplit, (X,)),
    (dsplit, (R.standard_normal((2, 2, 3)),)),
    (kron, (X, R.standard_normal((2, 3)))),
    (kron, (V, V[:3])),
    (kron, (R.standard_normal(2), X)),
    (cross, (R.standard_normal((4, 3)), R.standard_normal(3))),
    (cross_axis, (R.standard_normal((3, 2)), R.standard_normal((3, 2)))),
    (cross_axes, (R.standard_normal((3, 2)), R.standard_normal((2, 3)))),
]


def reduce(out):
    """A number from a result: a weighted sum of the sines of its pieces."""
    if isinstance(out, list):
        return sum([np.sum(np.sin(p) * (i + 1)) for i, p in enumerate(out)])
    return np.sum(np.sin(out))


def reduced(fn, nargs):
    if nargs == 1:

        def one(a):
            return reduce(fn(a))

        return one

    def two(a, b):
        return reduce(fn(a, b))

    return two


@pytest.mark.parametrize("fn, args", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_values_gradients_tangents(fn, args):
    check_jit(fn, *args)
    np.testing.assert_allclose(
        myia.jit(reduced(fn, len(args)), backend="vm")(*args), reduce(fn(*args))
    )
    check_grads(reduced(fn, len(args)), args, order=2)
    check_jvp(fn, args)


def test_dtypes_and_numbers():
    ints = np.arange(6).reshape(2, 3)
    for fn in (pad_int, roll_axes, diff_last, append_number, pad_edge):
        check_jit(fn, ints)
    check_jit(pad_int, X.astype(np.float32))
    check_jit(kron, 2.0, X)
    g = myia.grad(reduced(pad_reflect, 1))(X.astype(np.float32))
    assert g.dtype == np.float32


def roll_zero_then_update(x):
    y = np.roll(x, 0)
    y[0] = 5.0
    return x, y


def pad_zero_then_update(x):
    y = np.pad(x, 0)
    y[0] = 5.0
    return x, y


def test_results_are_new_arrays():
    """A shift or padding of zero still gives a new array, as NumPy does."""
    for fn in (roll_zero_then_update, pad_zero_then_update):
        x, y = myia.jit(fn)(np.ones(3))
        np.testing.assert_array_equal(x, np.ones(3))
        np.testing.assert_array_equal(y, [5.0, 1.0, 1.0])


def roll_by(x, s):
    return np.roll(x, s)


def pad_by(x, n):
    return np.pad(x, n)


def split_by(x, n):
    return np.array_split(x, n)


def cross_2d(a, b):
    return np.cross(a, b)


def pad_far(x):
    return np.pad(x, 3, mode="reflect")


def pad_linear(x):
    return np.pad(x, 1, mode="linear_ramp")


def test_refusals_name_the_line():
    for fn, args in [(roll_by, (V, 1)), (pad_by, (V, 2)), (split_by, (V, 2))]:
        with pytest.raises(MyiaTypeError, match="known when compiling") as info:
            myia.jit(fn)(*args)
        assert "test_arranging.py" in str(info.value)
    with pytest.raises(MyiaShapeError, match="vectors of dimension 3"):
        myia.jit(cross_2d)(R.standard_normal(2), R.standard_normal(2))
    with pytest.raises(MyiaShapeError, match="pads at most 2"):
        myia.jit(pad_far)(np.ones(3))
    with pytest.raises(MyiaTypeError, match="linear_ramp"):
        myia.jit(pad_linear)(np.ones(3))
    with pytest.raises(MyiaShapeError, match="equal division"):
        myia.jit(hsplit)(np.ones((2, 3)))


@st.composite
def rearrangements(draw):
    """A random array and a random pad, roll or diff of it (constants drawn too)."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    x = np.random.default_rng(draw(st.integers(0, 99))).standard_normal(shape)
    kind = draw(st.sampled_from(["pad", "roll", "diff"]))
    if kind == "pad":
        mode = draw(st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap"]))
        limit = {"reflect": -1, "constant": 2, "edge": 2}.get(mode, 0)
        widths = tuple(
            (draw(st.integers(0, min(2, n + limit))), draw(st.integers(0, min(2, n + limit))))
            for n in shape
        )
        return x, (np.pad, widths, mode)
    if kind == "roll":
        axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
        return x, (np.roll, draw(st.integers(-5, 5)), axis)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return x, (np.diff, draw(st.integers(0, 2)), axis)


def rearranged(x, plan):
    fn, a, b = plan
    return np.sum(np.sin(fn(x, a, b)) * np.cos(fn(x * x, a, b)))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rearrangements())
def test_random_rearrangements(case):
    x, plan = case

    def loss(x):
        return rearranged(x, plan)

    np.testing.assert_allclose(myia.jit(loss)(x), loss(x), rtol=1e-12, atol=1e-12)
    check_grads(loss, (x,), order=2)
