"""Buffer reuse (`myia.backend.buffers`): which operations write into an operand, that
they compute what the reference evaluator computes, and that no array the caller holds,
no array used again and no array of another shape or dtype is ever written into."""

from __future__ import annotations

import numpy as np
import pytest

import myia
from myia.backend.buffers import add_into
from myia.testing import check_grads


def chain(x, b):
    return np.tanh(x @ b + 1.0) * 2.0 - x @ b


def keeps_args(x, y):
    return x + y  # x and y are the caller's


def used_twice(x):
    t = x * 2.0
    return t + 1.0, t


def broadcasts(row, m):
    t = row * 2.0
    return t + m  # (3,) + (4, 3): the result is larger than t


def widens(x32, y64):
    t = x32 * np.float32(2.0)
    return t + y64  # float32 + float64: the result is float64


def zero_dim(x):
    t = x * 2.0
    return t + 1.0  # on a 0-d array: a NumPy scalar, not an array


def in_a_loop(x, n):
    t = np.tanh(x)
    s = x * 0.0
    for _ in range(n):
        s = s + t * 3.0
    return s


def accumulate(w, xs):
    h = xs[0] * 0.0
    for i in range(xs.shape[0]):
        h = np.tanh(xs[i] @ w + h)
    return np.sum(h * h)


def _source(fn, *args):
    return str(myia.source(myia.jit(fn), *args))


def test_operations_on_fresh_arrays_write_into_them():
    rng = np.random.default_rng(0)
    x, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 3))
    text = _source(chain, x, b)
    assert "out=" in text, text
    expected = myia.jit(chain, backend="vm")(x, b)
    x0, b0 = x.copy(), b.copy()
    assert np.allclose(myia.jit(chain)(x, b), expected, rtol=1e-12, atol=0)
    assert np.array_equal(x, x0) and np.array_equal(b, b0)


@pytest.mark.parametrize(
    "fn, args",
    [
        (keeps_args, (np.ones(3), np.ones(3))),
        (used_twice, (np.ones(3),)),
        (broadcasts, (np.ones(3), np.ones((4, 3)))),
        (widens, (np.ones(3, np.float32), np.ones(3))),
        (zero_dim, (np.array(1.5),)),
    ],
    ids=["argument", "used-twice", "broadcast", "widening", "0-d"],
)
def test_no_write_into_what_is_not_free(fn, args):
    text = _source(fn, *args)
    assert "out=" not in text and "add_into" not in text, text
    copies = [np.array(a, copy=True) for a in args]
    got = myia.jit(fn)(*args)
    expected = fn(*copies)
    for g, e in zip(got if isinstance(got, tuple) else (got,), expected if isinstance(expected, tuple) else (expected,)):
        assert type(g) is type(e) and np.array_equal(g, e)
    assert all(np.array_equal(a, c) for a, c in zip(args, copies))


def test_a_value_made_before_a_loop_is_not_written_in_it():
    x = np.arange(3.0)
    text = _source(in_a_loop, x, 3)
    assert "t = np.tanh(x)" in text and "out=t)" not in text, text
    assert np.allclose(myia.jit(in_a_loop)(x, 3), in_a_loop(x, 3))


def test_loop_gradients_accumulate_in_place_and_are_right():
    rng = np.random.default_rng(1)
    w, xs = 0.3 * rng.standard_normal((4, 4)), rng.standard_normal((5, 2, 4))
    text = str(myia.source(myia.grad(accumulate), w, xs))
    assert "add_into(" in text, text
    check_grads(accumulate, (w, xs), argnums=0, order=1)


def test_add_into_writes_only_when_the_sum_fits():
    a, b = np.ones(3), np.full(3, 2.0)
    out = add_into(a, b)
    assert out is a and np.array_equal(a, [3.0, 3.0, 3.0])
    c = np.ones(3, np.float32)
    assert add_into(c, b).dtype == np.float64 and np.array_equal(c, np.ones(3))  # would widen
    d = np.ones((2, 3))
    assert add_into(np.ones(3), d).shape == (2, 3)  # would broadcast
    assert add_into(1.0, 2.0) == 3.0  # numbers
    z = np.array(1.0)
    assert add_into(z, np.array(2.0)) == 3.0 and z == 1.0  # 0-d: a NumPy scalar, as `+` gives
