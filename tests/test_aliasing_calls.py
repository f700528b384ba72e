"""In-place updates of objects that Python would show elsewhere: through calls, returns and
closures, and on arguments.

myia compiles `x += v` as `x = x + v` and `x[i] = v` as a functional update; Python writes
into the object, which every other name, container, caller or callee holding it sees. Each
program here either computes Python's value (and gradient) or is refused with a
`MyiaError` naming the line of the update (`parser/aliasing.py`, `prim/guards.py`).
"""

from __future__ import annotations

import copy
import inspect
import sys

import numpy as np
import pytest

import myia
from tests.checks import check_grad, check_jit

W = np.ones(3)


def line_of(fn, text: str) -> int:
    """The line of the file that holds `text` in the source of `fn`."""
    lines, first = inspect.getsourcelines(fn)
    hits = [first + i for i, line in enumerate(lines) if text in line]
    assert len(hits) == 1, (text, hits)
    return hits[0]


def assert_refused(fn, args, text: str, *words: str):
    """`jit` and `grad` of `fn` on `args` are refused at the line holding `text`."""
    for transform in (myia.jit, myia.grad):
        with pytest.raises(myia.MyiaError) as info:
            transform(fn)(*copy.deepcopy(args))
        err = info.value
        assert err.loc is not None and err.loc.lineno == line_of(fn, text), str(err)
        for word in words:
            assert word in err.message, f"{word!r} not in {err.message!r}"


# Helpers the programs call -----------------------------------------------------------------


def ident(a):
    return a


def first(a, b):
    return a


def through_a_name(a):
    b = a
    return b


def through_a_call(a):
    return ident(a)


def pair(a, b):
    return a, b


def head(xs):
    return xs[0]


def call(f, a):
    return f(a)


def countdown(a, n):
    return a if n == 0 else countdown(a, n - 1)


def get_w():
    return W


def doubled(a):
    return a * 2.0


def copied(a):
    return a.copy()


ident_jit = myia.jit(ident)
this_module = sys.modules[__name__]  # `this_module.ident(v)`: a helper named through its module


# Aliases made by a call: refused on arrays ---------------------------------------------------


def identity_helper(x):
    v5 = x * 1.0
    v9 = ident(v5)
    v9 *= 2.0
    return np.sum(v5)


def identity_helper_subscript(x):
    v5 = x * 1.0
    v9 = ident(v5)
    v9[0] = 10.0
    return np.sum(v5)


def closure_returning_a_capture(x):
    v5 = x * 1.0
    g = lambda: v5
    v9 = g()
    v9 *= 2.0
    return np.sum(v5)


def nested_def_returning_a_capture(x):
    v5 = x * 1.0

    def g():
        return v5

    v9 = g()
    v9 *= 2.0
    return np.sum(v5)


def tuple_returned_and_unpacked(x):
    v5 = x * 1.0
    p, q = pair(v5, x)
    p *= 2.0
    return np.sum(v5)


def tuple_returned_and_indexed(x):
    v5 = x * 1.0
    t = pair(x, v5)
    v9 = t[1]
    v9 -= 1.0
    return np.sum(v5)


def helper_returning_its_first_argument(x):
    v5 = x * 1.0
    v9 = first(v5, 2.0)
    v9 *= 2.0
    return np.sum(v5)


def helper_returning_a_local_name(x):
    v5 = x * 1.0
    v9 = through_a_name(v5)
    v9 += 1.0
    return np.sum(v5)


def helper_returning_another_call(x):
    v5 = x * 1.0
    v9 = through_a_call(v5)
    v9 *= 3.0
    return np.sum(v5)


def jit_helper(x):
    v5 = x * 1.0
    v9 = ident_jit(v5)
    v9 *= 2.0
    return np.sum(v5)


def helper_of_a_module(x):
    v5 = x * 1.0
    v9 = this_module.ident(v5)
    v9 *= 2.0
    return np.sum(v5)


def list_element_through_a_helper(x):
    v5 = x * 1.0
    v9 = head([v5, x])
    v9 *= 2.0
    return np.sum(v5)


def list_element_through_a_helper_subscript(x):
    v5 = x * 1.0
    v9 = head([v5, x])
    v9[0] = 10.0
    return np.sum(v5)


def list_element(x):
    v5 = x * 1.0
    xs = [v5, x]
    v9 = xs[0]
    v9 *= 2.0
    return np.sum(v5)


def function_value_argument(x):
    v5 = x * 1.0
    v9 = call(ident, v5)
    v9 *= 2.0
    return np.sum(v5)


def recursive_helper(x):
    v5 = x * 1.0
    v9 = countdown(v5, 3)
    v9 *= 2.0
    return np.sum(v5)


def helper_returning_a_global(x):
    w = get_w()
    w += x
    return np.sum(w)


def helper_returning_a_global_subscript(x):
    w = get_w()
    w[0] = 5.0
    return np.sum(w * x)


ALIASED = [
    (identity_helper, "v9 *= 2.0"),
    (identity_helper_subscript, "v9[0] = 10.0"),
    (closure_returning_a_capture, "v9 *= 2.0"),
    (nested_def_returning_a_capture, "v9 *= 2.0"),
    (tuple_returned_and_unpacked, "p *= 2.0"),
    (tuple_returned_and_indexed, "v9 -= 1.0"),
    (helper_returning_its_first_argument, "v9 *= 2.0"),
    (helper_returning_a_local_name, "v9 += 1.0"),
    (helper_returning_another_call, "v9 *= 3.0"),
    (jit_helper, "v9 *= 2.0"),
    (helper_of_a_module, "v9 *= 2.0"),
    (list_element_through_a_helper, "v9 *= 2.0"),
    (list_element_through_a_helper_subscript, "v9[0] = 10.0"),
    (list_element, "v9 *= 2.0"),
    (function_value_argument, "v9 *= 2.0"),
    (recursive_helper, "v9 *= 2.0"),
    (helper_returning_a_global, "w += x"),
    (helper_returning_a_global_subscript, "w[0] = 5.0"),
]


@pytest.mark.parametrize("fn, update", ALIASED, ids=[f.__name__ for f, _ in ALIASED])
def test_update_through_an_alias_a_call_made_is_refused_on_arrays(fn, update):
    x = np.ones(3)
    assert fn(x.copy()) != 3.0  # Python: the update shows through the alias
    W[...] = 1.0  # (which, for `helper_returning_a_global`, is this module's W)
    assert_refused(fn, (x,), update)
    assert np.all(W == 1.0)


@pytest.mark.parametrize(
    "fn",
    [f for f, u in ALIASED if "[" not in u and "global" not in f.__name__],
    ids=lambda f: f.__name__,
)
def test_the_same_programs_on_numbers_compute_pythons_value(fn):
    # On floats `v9 *= 2.0` rebinds `v9`: nothing else changes, in Python as in myia.
    check_jit(fn, 1.5)
    check_grad(fn, (1.5,))


# Fresh values from calls: accepted ---------------------------------------------------------


def fresh_helper(x):
    v5 = x * 1.0
    v9 = doubled(v5)
    v9 *= 2.0
    v9[0] = 7.0
    return np.sum(v5) + np.sum(v9 * x)


def copying_helper(x):
    v5 = x * 1.0
    v9 = copied(v5)
    v9 += 1.0
    return np.sum(v5 * v9)


def fresh_lambda(x):
    v5 = x * 1.0
    g = lambda a: a * 3.0
    v9 = g(v5)
    v9 *= 2.0
    return np.sum(v5 * v9)


def numpy_call(x):
    v5 = x * 1.0
    v9 = np.tanh(v5)
    v9 *= 2.0
    return np.sum(v5 * v9)


@pytest.mark.parametrize("fn", [fresh_helper, copying_helper, fresh_lambda, numpy_call])
def test_update_of_a_fresh_value_from_a_call_is_accepted(fn):
    x = np.array([0.5, -1.0, 2.0])
    check_jit(fn, x)
    check_grad(fn, (x,))


# `x += v` on an argument (issue 13, item 7) --------------------------------------------------


def add_to_argument(x):
    x += 1.0
    return np.sum(x)


def extend_argument(xs):
    xs += [1.0]
    return len(xs)


def add_through_another_name(x):
    y = x
    y += 1.0
    return np.sum(y)


def add_to_a_view_of_the_argument(x):
    x = x.T
    x += 1.0
    return np.sum(x)


def add_in_a_loop(x, n):
    for _i in range(n):
        x *= 2.0
    return np.sum(x)


@pytest.mark.parametrize(
    "fn, args, update",
    [
        (add_to_argument, (np.ones(3),), "x += 1.0"),
        (add_through_another_name, (np.ones(3),), "y += 1.0"),
        (add_to_a_view_of_the_argument, (np.ones((2, 2)),), "x += 1.0"),
        (add_in_a_loop, (np.ones(3), 2), "x *= 2.0"),
    ],
    ids=["parameter", "another_name", "view", "loop"],
)
def test_augmented_assignment_on_an_array_argument_is_refused(fn, args, update):
    caller = copy.deepcopy(args)
    fn(*caller)
    assert not np.array_equal(caller[0], args[0])  # Python changes the caller's array
    assert_refused(fn, args, update, "is a parameter of", "in place")


def test_augmented_assignment_on_a_list_argument_is_refused():
    with pytest.raises(myia.MyiaSyntaxError, match="is a parameter of `extend_argument`") as info:
        myia.jit(extend_argument)([1.0, 2.0])
    assert info.value.lineno == line_of(extend_argument, "xs += [1.0]")


def rebound_then_added(x):
    x = x * 1.0
    x += 1.0
    return np.sum(x)


def alias_of_a_number(x, y):
    z = x
    z += y
    return z * x


def tuple_argument(t):
    t += (1.0,)
    return t[0] + t[-1]


def test_augmented_assignment_on_numbers_and_fresh_arrays_is_accepted():
    check_jit(rebound_then_added, np.ones(3))
    check_grad(rebound_then_added, (np.array([1.0, 2.0]),))
    check_jit(add_to_argument, 2.0)
    check_grad(add_to_argument, (2.0,))
    check_jit(alias_of_a_number, 2.0, 3.0)
    check_grad(alias_of_a_number, (2.0, 3.0), argnums=(0, 1))
    check_jit(add_in_a_loop, 1.5, 3)
    check_jit(tuple_argument, (2.0, 3.0))


# Functions of an enclosing function --------------------------------------------------------


def sibling_helpers(x):
    def act(z):
        return np.tanh(z)

    def keep(z):
        return z

    def layer(h):
        y = act(h)
        y += 1.0
        return y

    def aliasing_layer(h):
        y = keep(h)
        y *= 2.0
        return np.sum(h)

    return layer, aliasing_layer


def fresh_sibling(x):
    layer, _ = sibling_helpers(x)
    return np.sum(layer(x * 1.0) * x)


def aliasing_sibling(x):
    _, aliasing_layer = sibling_helpers(x)
    return aliasing_layer(x * 1.0)


def test_a_nested_function_calling_another_one_of_its_enclosing_function():
    x = np.array([0.5, -1.0, 2.0])
    check_jit(fresh_sibling, x)
    check_grad(fresh_sibling, (x,))
    with pytest.raises(myia.MyiaSyntaxError) as info:
        myia.jit(aliasing_sibling)(x)
    assert info.value.lineno == line_of(sibling_helpers, "y *= 2.0")
