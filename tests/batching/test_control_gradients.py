"""myia.vmap on control flow that varies from example to example, in gradients and in
compiled code: per-example gradients of branches (their residuals) and of loops whose
number of iterations varies (masked tapes) and of loops examples leave (`break`,
`return`) against central finite differences, `break` and `return` inside loops against a
loop over the examples, and vmap / jvp of grad called inside compiled functions."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import myia
from tests.ad.fd import assert_close, fd_gradient

SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def per_example_fd(fn, args, axes, argnum):
    """The oracle: the central-difference gradient of `fn` at each example, stacked."""
    (n,) = {a.shape[ax] for a, ax in zip(args, axes) if ax is not None}
    out = []
    for k in range(n):
        ex = tuple(a if ax is None else np.take(a, k, axis=ax) for a, ax in zip(args, axes))
        out.append(fd_gradient(fn, ex, argnum))
    return np.stack(out)


def stacked(fn, args, axes):
    """`np.stack([fn(example) for example])` (a tuple result: each part stacked)."""
    (n,) = {a.shape[ax] for a, ax in zip(args, axes) if ax is not None}
    outs = [
        fn(*[a if ax is None else np.take(a, k, axis=ax) for a, ax in zip(args, axes)])
        for k in range(n)
    ]
    if isinstance(outs[0], tuple):
        return tuple(np.stack([np.asarray(o[i]) for o in outs]) for i in range(len(outs[0])))
    return np.stack([np.asarray(o) for o in outs])


def close(got, want, rtol=1e-6, atol=1e-8):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            close(g, w, rtol, atol)
        return
    got = np.asarray(got)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def rows(n, m, lo=-2.0, hi=2.0):
    return hnp.arrays(np.float64, (n, m), elements=st.floats(lo, hi, allow_nan=False))


# -- branches whose sides leave residuals ---------------------------------------------------


def branch_vector(x):
    if np.sum(x) > 0.0:
        y = np.sin(x) * x
    else:
        y = np.cos(x) * 2.0
    return np.sum(y * y)


def branch_scalar(x):
    if x > 0.0:
        return x * x * x
    return np.sin(x) + 0.5 * x


def branch_weights(w, x):
    h = np.tanh(x * w)
    if np.sum(h) > 0.0:
        h = h * h * w
    elif np.max(x) > 1.0:
        h = np.exp(-h) + w
    return np.sum(h)


@SETTINGS
@given(xs=rows(6, 3))
def test_per_example_gradients_of_a_branch_match_fd(xs):
    assume(np.all(np.abs(np.sum(xs, axis=1)) > 1e-3))  # (no example on the boundary)
    got = myia.vmap(myia.grad(branch_vector))(xs)
    close(got, per_example_fd(branch_vector, (xs,), (0,), 0), rtol=1e-5, atol=1e-6)


def test_branch_gradient_is_one_program_of_where():
    xs = np.array([-1.5, -0.2, 0.3, 2.0])
    got = myia.vmap(myia.grad(branch_scalar))(xs)
    close(got, np.where(xs > 0.0, 3.0 * xs * xs, np.cos(xs) + 0.5))
    src = myia.source(myia.vmap(myia.grad(branch_scalar)), xs)
    assert "np.where" in src and not re.search(r"^\s*(if|while|for) ", src, re.M)


@SETTINGS
@given(xs=rows(5, 3))
def test_per_example_weight_gradients_of_nested_branches_match_fd(xs):
    w = np.array([0.7, -0.4, 1.1])
    assume(np.all(np.abs(np.sum(np.tanh(xs * w), axis=1)) > 1e-3))
    assume(np.all(np.abs(np.max(xs, axis=1) - 1.0) > 1e-3))
    got = myia.vmap(myia.grad(branch_weights), in_axes=(None, 0))(w, xs)
    close(got, per_example_fd(branch_weights, (w, xs), (None, 0), 0), rtol=1e-5, atol=1e-6)


# -- loops whose number of iterations varies ------------------------------------------------


def grow_scalar(x):
    while x < 10.0:
        x = x * 1.5 + 0.1
    return x * x


def grow_weights(w, x):
    while np.sum(x * x) < 4.0:
        x = np.tanh(x * w) + x * 1.3
    return np.sum(x * w)


def grow_branchy(x):
    while x < 5.0:
        if x > 1.0:
            x = x * 1.3
        else:
            x = np.sin(x) + 0.7
    return x * x


def grow_inner(x):
    while np.sum(x) < 3.0:
        for _ in range(2):
            x = x * 1.1 + 0.05
    return np.sum(np.sin(x))


def test_per_example_gradients_of_a_loop_whose_trip_count_varies():
    xs = np.array([0.05, 0.5, 2.0, 4.0, 9.0, 11.0])
    got = myia.vmap(myia.grad(grow_scalar))(xs)
    close(got, per_example_fd(grow_scalar, (xs,), (0,), 0), rtol=1e-6, atol=1e-6)


@SETTINGS
@given(xs=rows(5, 3, 0.05, 1.0))
def test_per_example_weight_gradients_of_a_varying_loop_match_fd(xs):
    w = np.array([0.9, 0.5, 1.2])
    f = myia.vmap(myia.grad(grow_weights, argnums=(0, 1)), in_axes=(None, 0))
    gw, gx = f(w, xs)
    close(gw, per_example_fd(grow_weights, (w, xs), (None, 0), 0), rtol=1e-5, atol=1e-6)
    close(gx, per_example_fd(grow_weights, (w, xs), (None, 0), 1), rtol=1e-5, atol=1e-6)


def test_varying_loops_with_branches_and_inner_loops_match_fd():
    xs = np.array([-0.5, 0.3, 0.9, 1.2, 4.0, 6.0])
    close(
        myia.vmap(myia.grad(grow_branchy))(xs),
        per_example_fd(grow_branchy, (xs,), (0,), 0),
        rtol=1e-5,
        atol=1e-6,
    )
    ys = np.array([[0.1, 0.2], [1.0, 1.5], [2.0, 2.0], [-0.5, 0.3]])
    close(
        myia.vmap(myia.grad(grow_inner))(ys),
        per_example_fd(grow_inner, (ys,), (0,), 0),
        rtol=1e-5,
        atol=1e-6,
    )


# -- break and return inside loops ----------------------------------------------------------


def break_while(x):
    i = 0
    while i < 5:
        i = i + 1
        if x > 3.0:
            break
        x = x * 1.7
    return x * x, i


def return_while(x):
    i = 0
    while i < 5:
        i = i + 1
        if x > 3.0:
            return x * 2.0
        x = x * 1.7
    return x


def break_for(x):
    for k in range(6):
        if np.sum(x) > 3.0:
            break
        x = x * 1.7 + 0.1 * k
    return np.sum(x * x)


def two_exits(x):
    n = 0
    while x < 50.0:
        n = n + 1
        if x < 0.0:
            return -x, n
        if x > 20.0:
            break
        x = x * 2.0 + 1.0
    return x, n


@SETTINGS
@given(xs=hnp.arrays(np.float64, (6,), elements=st.floats(-4.0, 8.0, allow_nan=False)))
def test_break_and_return_in_loops_against_loop(xs):
    for fn in (break_while, return_while, two_exits):
        close(myia.vmap(fn)(xs), stacked(fn, (xs,), (0,)), rtol=1e-12, atol=0.0)
    ys = np.stack([xs[:3], xs[3:] * 0.2])
    close(myia.vmap(break_for)(ys), stacked(break_for, (ys,), (0,)), rtol=1e-12, atol=0.0)


def break_smooth(x):
    i = 0
    while i < 5:
        i = i + 1
        if x > 3.0:
            break
        x = x * 1.7 + np.sin(x)
    return x * x


def return_smooth(w, x):
    for k in range(6):
        if np.sum(x) > 3.0:
            return np.sum(np.tanh(x * w)) * 2.0
        x = x * 1.4 + w * 0.1 * k
    return np.sum(x * x * w)


def test_per_example_gradients_of_loops_examples_leave_match_fd():
    xs = np.array([0.3, 1.0, 2.9, 3.5, -0.4, 0.7])
    close(
        myia.vmap(myia.grad(break_smooth))(xs),
        per_example_fd(break_smooth, (xs,), (0,), 0),
        rtol=1e-5,
        atol=1e-6,
    )
    w = np.array([0.8, 1.1])
    ys = np.array([[0.1, 0.2], [1.0, 1.4], [2.0, 2.5], [0.5, -0.2]])
    gw, gx = myia.vmap(myia.grad(return_smooth, argnums=(0, 1)), in_axes=(None, 0))(w, ys)
    close(gw, per_example_fd(return_smooth, (w, ys), (None, 0), 0), rtol=1e-5, atol=1e-6)
    close(gx, per_example_fd(return_smooth, (w, ys), (None, 0), 1), rtol=1e-5, atol=1e-6)


# -- transforms of transforms in compiled code ----------------------------------------------


def loss(w, x):
    return np.sum(np.tanh(x * w) ** 2)


W = np.array([0.5, -1.2, 0.8])
XS = np.random.default_rng(3).standard_normal((4, 3))


def test_vmap_of_grad_inside_jit_matches_fd():
    f = myia.jit(lambda xs: np.sum(myia.vmap(myia.grad(branch_vector))(xs)))
    want = np.sum(per_example_fd(branch_vector, (XS,), (0,), 0))
    np.testing.assert_allclose(f(XS), want, rtol=1e-6)
    g = myia.jit(lambda w, xs: myia.vmap(myia.grad(loss), in_axes=(None, 0))(w, xs))
    close(g(W, XS), per_example_fd(loss, (W, XS), (None, 0), 0))


def test_vmap_of_grad_of_a_closure_inside_jit():
    def per_example(w, xs):
        return myia.vmap(myia.grad(lambda x: np.sum(np.tanh(x * w) ** 2)))(xs)

    close(myia.jit(per_example)(W, XS), per_example_fd(loss, (W, XS), (None, 0), 1))

    def mapped_closure(w, xs):
        return myia.vmap(lambda x: np.sum(x * w))(xs)

    close(myia.jit(mapped_closure)(W, XS), XS @ W, rtol=1e-12)


def test_jvp_of_grad_inside_jit_is_a_hessian_vector_product():
    def hvp(w, x, t):
        return myia.jvp(myia.grad(loss), (w, x), (t, np.zeros(3)))[1]

    t = np.array([0.3, -1.0, 0.5])
    got = myia.jit(hvp)(W, XS[0], t)
    h = 1e-5
    want = (fd_gradient(loss, (W + h * t, XS[0]), 0) - fd_gradient(loss, (W - h * t, XS[0]), 0)) / (
        2 * h
    )
    close(got, want, rtol=1e-4, atol=1e-6)


def test_grad_of_a_function_that_calls_vmap_of_grad_matches_fd():
    def total(w, xs):
        return np.sum(myia.vmap(myia.grad(loss), in_axes=(None, 0))(w, xs) ** 2)

    def oracle(w, xs):  # the per-example gradients in closed form
        t = np.tanh(xs * w)
        return np.sum((2.0 * t * (1.0 - t * t) * xs) ** 2)

    got = myia.grad(total)(W, XS)
    assert_close(got, fd_gradient(oracle, (W, XS), 0, eps=1e-5), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("backend", ["vm", "torch"])
def test_varying_control_flow_on_the_other_backends(backend):
    if backend == "torch":
        pytest.importorskip("torch")
    xs = np.array([0.05, 0.5, 2.0, 4.0, 11.0])
    got = myia.vmap(myia.grad(grow_scalar), backend=backend)(xs)
    close(np.asarray(got), per_example_fd(grow_scalar, (xs,), (0,), 0), rtol=1e-6, atol=1e-6)
    ys = xs - 2.0
    got = myia.vmap(myia.grad(branch_scalar), backend=backend)(ys)
    close(np.asarray(got), np.where(ys > 0.0, 3.0 * ys * ys, np.cos(ys) + 0.5))
    zs = xs * 3.0 - 4.0
    got = myia.vmap(two_exits, backend=backend)(zs)
    close(tuple(np.asarray(g) for g in got), stacked(two_exits, (zs,), (0,)), rtol=1e-12)


def unrolled_never(x, t):
    if t < 0.0:
        return x
    return np.sin(unrolled_never(x * 1.1, t - 1.0)) * x


def unrolled_never_as_a_loop(x, t):
    # (what the refusal below suggests: the levels counted, then their values)
    d = 0
    while t >= 0.0:
        t = t - 1.0
        d += 1
    v = x * 1.1**d
    while d > 0:
        d -= 1
        v = np.sin(v) * (x * 1.1**d)
    return v


@pytest.mark.parametrize("axes", [(0, None), (None, 0)])
def test_gradient_of_a_recursion_with_varying_residuals_is_refused_at_the_line(axes):
    # (the recursion is two loops: the values it stacks vary, and the gradient of that
    # stack is refused, naming the recursion, its call and the ways round)
    args = [np.array([0.5, 1.0]), 2.5] if axes[0] == 0 else [0.5, np.array([0.5, 2.5])]
    with pytest.raises(myia.MyiaTypeError, match="gradient of this recursion") as info:
        myia.vmap(myia.grad(unrolled_never), in_axes=axes)(*args)
    lines, first = inspect.getsourcelines(unrolled_never)
    loc = info.value.loc
    assert loc.filename == inspect.getsourcefile(unrolled_never)
    assert (
        lines[loc.lineno - first].strip() == "return np.sin(unrolled_never(x * 1.1, t - 1.0)) * x"
    )
    assert f"test_control_gradients.py:{first + 3}" in str(info.value)
    message = str(info.value)
    assert "sens_pop" not in message and "write the recursion as a loop" in message
    assert "myia.grad of np.sum of myia.vmap" in message
    # the ways round give each example's gradient
    examples = [(x, args[1]) for x in args[0]] if axes[0] == 0 else [(0.5, t) for t in args[1]]
    want = np.stack([myia.grad(unrolled_never)(*ex) for ex in examples])
    loop = myia.vmap(myia.grad(unrolled_never_as_a_loop), in_axes=axes)(*args)
    close(loop, want, rtol=1e-12, atol=1e-12)
    if axes[0] == 0:
        xs, t = args
        total = myia.grad(lambda v: np.sum(myia.vmap(unrolled_never, in_axes=axes)(v, t)))
        close(total(xs), want, rtol=1e-12, atol=1e-12)
