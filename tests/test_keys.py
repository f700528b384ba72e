"""The cache keys of calls (`myia.keys`): the quick key of plain numbers is the key
`call_key` builds, and calls keyed by either run the program compiled for them."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import myia
from myia.keys import call_key, quick_key
from tests.ad.fd import assert_close, fd_gradient

PLAIN_VALUES = st.one_of(
    st.floats(allow_nan=False),
    st.integers(-100, 100),
    st.integers(),
    st.complex_numbers(allow_nan=False),
    st.none(),
    st.floats(allow_nan=False, width=32).map(np.float32),
    st.floats(allow_nan=False).map(np.float64),
    st.integers(-(2**63), 2**63 - 1).map(np.int64),
)
OTHER_VALUES = st.one_of(
    st.booleans(), st.text(max_size=3), st.just(np.zeros(2)), st.tuples(st.floats())
)


@given(
    st.lists(PLAIN_VALUES, max_size=5),
    st.lists(st.integers(0, 6), max_size=3, unique=True).map(tuple),
)
def test_quick_key_of_plain_numbers_is_the_call_key(args, pinned):
    args = tuple(args)
    assert quick_key(len(args), pinned)(args) == call_key(args, pinned)


@given(
    st.lists(st.one_of(PLAIN_VALUES, OTHER_VALUES), min_size=1, max_size=4),
    st.lists(st.integers(0, 4), max_size=2, unique=True).map(tuple),
    st.data(),
)
def test_quick_key_is_none_for_other_arguments(args, pinned, data):
    args = tuple(args)
    if any(type(a) in (bool, str, np.ndarray, tuple) for a in args):
        assert quick_key(len(args), pinned)(args) is None
    other = data.draw(st.integers(0, 5).filter(lambda n: n != len(args)))
    assert quick_key(other, pinned)(args) is None


def test_pinned_ints_of_a_call_key_are_small_python_ints():
    key = quick_key(3, (1, 2))
    assert key((1.0, 3, 1000)) == (float, int, int, 3, None)
    assert key((1.0, -64, np.int64(3))) == (float, int, np.int64, -64, None)
    assert key((1.0, True, 3)) is None  # a bool's key is its value (`signature`)


def rec_pow(x, n):
    if n == 0:
        return 1.0
    return x * rec_pow(x, n - 1)


def test_calls_keyed_quickly_run_the_program_of_their_signature():
    df = myia.grad(rec_pow)
    for x, n in [(1.1, 3), (1.1, 20), (np.float64(0.9), 5), (1.1, 100), (2.0, 3), (1.1, 3)]:
        got = df(x, n)
        assert type(got) is type(x)
        assert_close(got, fd_gradient(rec_pow, (x, n), 0), 1e-6, 1e-8, check_types=False)
    # float with n = 3, 20, and one past the pinned range (100); np.float64 with n = 5
    assert df.compilations == 4
