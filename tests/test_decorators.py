"""Decorated functions: myia compiles the code that runs.

A `functools.wraps` decorator returns a wrapper whose `__wrapped__` is the original
function; Python calls the wrapper, so myia compiles the wrapper (the callee being its
closure cell), never the original read through `__wrapped__`. A wrapper outside the subset
(`*args, **kwargs`) is refused, with a word on the decorator.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import myia
from tests.checks import check_grad, check_jit


def doubled(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return 2 * fn(x)

    return wrapper


@doubled
def square(x):
    return x * x


def scaled(k):
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(x, y=1.0):
            return k * fn(x) + y

        return wrapper

    return decorate


@scaled(3.0)
def cube(x):
    return x**3


def passing_everything(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return 2 * fn(*args, **kwargs)

    return wrapper


@passing_everything
def halve(x):
    return x / 2.0


def test_a_wraps_decorator_compiles_its_wrapper():
    assert square(3.0) == 18.0
    assert myia.jit(square)(3.0) == 18.0
    assert myia.grad(square)(3.0) == 12.0
    check_jit(square, np.arange(3.0))
    check_grad(lambda x: np.sum(square(x)), (np.arange(3.0),))


def test_the_wrapper_signature_binds_the_call():
    # The wrapper's own parameters (y has a default), not those of `__wrapped__`.
    assert myia.jit(cube)(2.0) == cube(2.0) == 25.0
    assert myia.jit(cube)(2.0, y=2.0) == cube(2.0, y=2.0)
    assert myia.grad(cube)(2.0) == pytest.approx(36.0)
    assert myia.grad(cube, argnums=1)(2.0, 5.0) == pytest.approx(1.0)


def test_a_decorated_helper_called_from_compiled_code():
    def f(x):
        return square(x) + 1.0

    assert myia.jit(f)(3.0) == 19.0
    assert myia.grad(f)(3.0) == 12.0


def test_a_wrapper_outside_the_subset_is_refused_naming_the_decorator():
    with pytest.raises(myia.MyiaSyntaxError, match=r"`halve` is decorated.*wrapper") as info:
        myia.jit(halve)(3.0)
    assert info.value.lineno == passing_everything.__code__.co_firstlineno + 2
