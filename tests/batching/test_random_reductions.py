"""myia.vmap on programs reduced by hand from seeds of the random-program stream
(tests/random_programs.py) that vmap crashed on (tests/test_differential.py), each against
a Python loop over the examples and, where it is differentiable, its per-example gradients
against central finite differences."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
from hypothesis import assume, given

import myia
from tests.batching.test_control_gradients import SETTINGS, close, per_example_fd, rows, stacked


def return_in_an_elif(x0, x1, w):
    # (seeds 406, 710, 1130, ...) the `if` on x0 is the same for every example, the
    # `elif` on w varies and returns: the slot of the returned value, unbound on the
    # first side, varies on the second
    v0 = x0
    if x0 > 0.0:
        v0 = x1 * v0
    elif np.sum(w) > 0.1:
        return x1 * np.sum(np.sin(w))
    return np.sum(np.sin(w + v0))


@SETTINGS
@given(ws=rows(5, 3))
def test_vmap_of_a_return_in_an_elif_under_a_shared_condition(ws):
    assume(np.all(np.abs(np.sum(ws, axis=1) - 0.1) > 1e-3))
    for x0 in (-1.0, 1.0):
        args, axes = (x0, 2.0, ws), (None, None, 0)
        f = myia.vmap(return_in_an_elif, in_axes=axes)
        close(f(*args), stacked(return_in_an_elif, args, axes), rtol=1e-12, atol=0.0)
        g = myia.vmap(myia.grad(return_in_an_elif, argnums=2), in_axes=axes)
        close(g(*args), per_example_fd(return_in_an_elif, args, axes, 2), rtol=1e-5, atol=1e-6)


def dict_in_a_loop_left_by_break(x0, w, n):
    # (seeds 654, 1034, 1074, 2102, 2846) a dict updated in a loop that examples leave:
    # the value kept for the examples that left starts as zeros of the dict's type
    d = {"a": x0, "b": 0.5}
    j = 0
    while j < n:
        j += 1
        if np.sum(w) < -0.5 * j:
            break
        d["b"] = np.sum(np.sin(w)) * d["b"] + d["a"]
    return d["b"] * x0


@SETTINGS
@given(ws=rows(5, 3))
def test_vmap_of_a_dict_in_a_loop_examples_leave(ws):
    assume(np.all(np.abs(np.sum(ws, axis=1)[:, None] + 0.5 * np.arange(1, 4)) > 1e-3))
    for n in (0, 1, 3):
        args, axes = (1.5, ws, n), (None, 0, None)
        f = myia.vmap(dict_in_a_loop_left_by_break, in_axes=axes)
        close(f(*args), stacked(dict_in_a_loop_left_by_break, args, axes), rtol=1e-12, atol=0)
        g = myia.vmap(myia.grad(dict_in_a_loop_left_by_break, argnums=1), in_axes=axes)
        want = per_example_fd(dict_in_a_loop_left_by_break, args, axes, 1)
        close(g(*args), want, rtol=1e-5, atol=1e-6)


def closure_over_an_item_beside_a_return_in_nested_loops(x0, x1, n):
    # (seeds 350, 1506, 1650, 2690) a return from an inner loop leaves the while loop
    # around it; the closure's type made the while loop's body rewritten before its header
    v0 = x0 * 0.5
    for e in [x0]:
        j = 0
        while j < n:
            j += 1

            def h(a):
                if e < x1:
                    return a
                return math.tanh(x0)

            v0 = h(math.sin(x0)) + v0 * 0.5
            for _k in range(1, n):
                if v0 < x1:
                    return math.sin(v0)
                if x0 < v0:
                    break
    return v0


def test_vmap_of_a_return_in_nested_loops_beside_a_closure():
    fn = closure_over_an_item_beside_a_return_in_nested_loops
    xs = np.array([0.1, -0.9, 0.5, 1.3, -0.2])
    for n in (0, 1, 4):
        args, axes = (xs, 0.2, n), (0, None, None)
        close(myia.vmap(fn, in_axes=axes)(*args), stacked(fn, args, axes), rtol=1e-12, atol=0)
        g = myia.grad(lambda a, b, c: np.sum(myia.vmap(fn, in_axes=axes)(a, b, c)))(*args)
        close(g, per_example_fd(fn, args, axes, 0), rtol=1e-5, atol=1e-6)


def test_vmap_of_grad_of_a_return_in_nested_loops_beside_a_closure_is_refused_at_the_loop():
    # the residual of a run of the outer loop holds the tape of the while loop: kept for
    # the examples that left, it cannot be merged with the others' (refused, with the
    # way round: the test above differentiates the sum of the vmap)
    fn = closure_over_an_item_beside_a_return_in_nested_loops
    f = myia.vmap(myia.grad(fn), in_axes=(0, None, None))
    with pytest.raises(myia.MyiaTypeError, match="cannot batch the gradient of this loop") as e:
        f(np.array([0.1, -0.9, 0.5]), 0.2, 4)
    lines, first = inspect.getsourcelines(fn)
    assert lines[e.value.loc.lineno - first].strip() == "for e in [x0]:"
    assert "myia.grad of np.sum of myia.vmap" in str(e.value)


def chained_clip(p, q):
    return p if 2.0 < p <= q else q


def chained_comparison_in_loops_in_sides(x, w, n):
    # (seed 3790) sides on varying conditions enter loops whose bodies inline a chained
    # comparison: the type of a closure that short-circuits it (in such a loop) had the
    # loop's header made before the side gave it its mask; the lambda, in a side, reads
    # `x` from around it twice (as itself and as the side reads it)
    y = np.sum(w)
    j = 0
    while j < n:
        if w[0] < x:
            h = lambda a: chained_clip(float(j), x) + a  # noqa: B023  (called at once)
            y = h(y) * w[1]
            for _k in range(n):
                y = y + chained_clip(x * 0.5, x)
        elif w[1] < x:
            for _k in range(n):
                y = y * chained_clip(x * 0.5, x) + w[2]
        j += 1
    return y


@SETTINGS
@given(ws=rows(5, 3))
def test_vmap_of_chained_comparisons_in_loops_in_sides(ws):
    fn = chained_comparison_in_loops_in_sides
    for x in (-0.7, 0.5, 1.5):
        assume(np.all(np.abs(ws[:, :2] - x) > 1e-3))
        for n in (0, 1, 3):
            args, axes = (x, ws, n), (None, 0, None)
            close(myia.vmap(fn, in_axes=axes)(*args), stacked(fn, args, axes), rtol=1e-12, atol=0)
            g = myia.vmap(myia.grad(fn, argnums=1), in_axes=axes)(*args)
            loop = np.stack([myia.grad(fn, argnums=1)(x, w, n) for w in ws])
            close(g, loop, rtol=1e-12, atol=1e-12)
            close(g, per_example_fd(fn, args, axes, 1), rtol=1e-5, atol=1e-6)


def clipped(p, q):
    if p < 0.0:
        return 0.5 if q <= 1.0 else q
    return 2.0 * p


def closure_called_outside_and_in_a_side_of_a_loop(x0, x1, w):
    # (seed 3846) `g` is inlined twice: outside the loop and in a side of the loop (on a
    # varying condition). The type of the `if` of `clipped` in the first copy names the
    # closures of the second, so the second copy of `g`'s side was made (and was filled)
    # before the side around it told it which examples take it: its `np.dot` of the
    # weight `w` had no mask
    def g(a):
        if x1 <= x0:
            return x1 * a
        return clipped(x1, np.dot(w, np.tanh(w + x0)))

    v = g(w[-1])
    for _e in [x0]:
        if x0 < v:
            return g(x0)
    return x0


def _kinks_of_the_closure(x0, x1, w):
    """The distances of `x0` to the points where a condition of
    `closure_called_outside_and_in_a_side_of_a_loop` changes (its gradient jumps there)."""
    q = np.dot(w, np.tanh(w + x0))
    v = x1 * w[-1] if x1 <= x0 else clipped(x1, q)
    return min(abs(x0 - x1), abs(x0 - v), abs(q - 1.0))


@SETTINGS
@given(xs=rows(1, 5, -1.5, 1.5))
def test_vmap_of_a_closure_called_outside_and_in_a_side_of_a_loop(xs):
    # the gradient: the run that leaves the loop does not call `g`, so the slot of `g`'s
    # residual in what it pushes on the loop's tape is empty; batched, it is zeros of the
    # tape's entry type (it was None, and the tape's type a union at the loop's exit)
    fn = closure_called_outside_and_in_a_side_of_a_loop
    w = np.array([-0.08, -0.82, 0.04])
    for x1 in (-0.4, 0.7):
        args, axes = (xs[0], x1, w), (0, None, None)
        close(myia.vmap(fn, in_axes=axes)(*args), stacked(fn, args, axes), rtol=1e-12, atol=0)
        assume(all(_kinks_of_the_closure(x0, x1, w) > 1e-3 for x0 in xs[0]))
        for argnum in (0, 2):
            g = myia.vmap(myia.grad(fn, argnums=argnum), in_axes=axes)(*args)
            loop = np.stack([myia.grad(fn, argnums=argnum)(x0, x1, w) for x0 in xs[0]])
            close(g, loop, rtol=1e-12, atol=1e-12)
            close(loop, per_example_fd(fn, args, axes, argnum), rtol=1e-5, atol=1e-6)


def closure_of_a_loop_called_in_a_side(x0, w):
    # (seeds 4710, 7202, 9062) the lambda is nested in the loop's header (it reads `v0`)
    # but called in the side of the `if` on a varying condition; the header's type of `h`
    # names it, so it was made early and filled before the side was told which examples
    # take it: its `np.dot` of the weight `w` had no mask
    v0 = x0 * 0.5
    for e in [x0]:
        if x0 * e > 0.5:
            h = lambda a: math.tanh(np.dot(w, np.sin(w + v0)))
            v0 = h(v0) + e
    return v0


@SETTINGS
@given(xs=rows(1, 5, -1.5, 1.5))
def test_vmap_of_a_closure_of_a_loop_called_in_a_side(xs):
    fn = closure_of_a_loop_called_in_a_side
    w = np.array([0.6, -0.5, 0.7])
    args, axes = (xs[0], w), (0, None)
    close(myia.vmap(fn, in_axes=axes)(*args), stacked(fn, args, axes), rtol=1e-12, atol=0)
