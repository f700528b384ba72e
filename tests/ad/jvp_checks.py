"""Checks of forward mode on one function: `myia.jvp` against the central difference of
the Python function along the tangent, and against reverse mode through the adjoint
identity `<J t, ct> == <t, J^T ct>` (`myia.vjp`) for a random cotangent `ct`.

`check_jvp(fn, args, tangents)` runs both and returns the tangent; `fd_jvp` is the
directional central difference alone. Functions must be defined in a file (myia reads
their source).
"""

from __future__ import annotations

import copy

import numpy as np

import myia
from tests.ad.fd import assert_close, is_float_leaf


def _map(f, *trees):
    """`f` on the matching float leaves of `trees` (the first tree's structure; other
    leaves kept from the first)."""
    x = trees[0]
    if isinstance(x, (tuple, list)):
        return type(x)(_map(f, *items) for items in zip(*trees))
    if isinstance(x, dict):
        return {k: _map(f, *[t[k] for t in trees]) for k in x}
    return f(*trees) if is_float_leaf(x) else x


def _as_leaf(v, like):
    """The float64 value `v` as a leaf of the kind of `like` (a float for a float)."""
    if isinstance(like, float):
        return float(v)
    if isinstance(like, np.floating):
        return type(like)(v)
    return np.asarray(v, like.dtype)


def shift(x, t, eps: float):
    """`x + eps * t` on the float leaves of `x` (the others, ints and bools, kept)."""
    return _map(lambda a, d: _as_leaf(np.float64(a) + eps * np.asarray(d, np.float64), a), x, t)


def fd_jvp(fn, args: tuple, tangents: tuple, eps: float = 1e-6):
    """The central difference `(fn(x + eps t) - fn(x - eps t)) / (2 eps)` of the Python
    function `fn`, with the structure of its output (float64 leaves)."""
    hi = fn(*[shift(a, t, eps) for a, t in zip(copy.deepcopy(args), tangents)])
    lo = fn(*[shift(a, t, -eps) for a, t in zip(copy.deepcopy(args), tangents)])
    return _map(
        lambda a, b: _as_leaf((np.float64(a) - np.float64(b)) / (2 * eps), np.float64(a)), hi, lo
    )


def random_like(x, rng):
    """Random normal values with the structure, kinds of number, shapes and dtypes of the
    float leaves of `x` (the other leaves kept)."""
    return _map(lambda a: _as_leaf(rng.standard_normal(np.shape(a)), a), x)


def vdot(a, b) -> float:
    """The sum over the matching float leaves of `a` and `b` of `sum(a * b)` (a leaf of
    `b` that is None counts for nothing)."""
    if isinstance(a, (tuple, list)):
        return sum(vdot(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return sum(vdot(a[k], b[k]) for k in a)
    if b is None or not is_float_leaf(a):
        return 0.0
    return float(np.sum(np.asarray(a, np.float64) * np.asarray(b, np.float64)))


def assert_same_kind(t, x, where="tangent"):
    """`t` has the structure of `x`, and on its float leaves the same kind of number,
    shape and dtype."""
    if isinstance(x, (tuple, list, dict)):
        assert type(t) is type(x) and len(t) == len(x), f"{where}: {t!r} is not like {x!r}"
        keys = list(x) if isinstance(x, dict) else range(len(x))
        for k in keys:
            assert_same_kind(t[k], x[k], f"{where}[{k!r}]")
    elif is_float_leaf(x):
        assert type(t) is type(x), f"{where}: {type(t).__name__} != {type(x).__name__}"
        assert np.shape(t) == np.shape(x), f"{where}: shape {np.shape(t)} != {np.shape(x)}"
        assert np.asarray(t).dtype == np.asarray(x).dtype, f"{where}: dtype of {t!r}"


def check_jvp(fn, args: tuple, tangents=None, rtol=1e-5, atol=1e-6, seed=0, adjoint=True):
    """`myia.jvp(fn, args, tangents)` (random tangents when None): its value is `fn`'s
    (type, shape and dtype too), its tangent has the value's kind of number, shape and
    dtype and agrees with the central difference; with `adjoint`, `<tangent, ct>` is
    `<tangents, vjp(ct)>` for a random cotangent `ct`."""
    rng = np.random.default_rng(seed)
    if tangents is None:
        tangents = tuple(random_like(a, rng) for a in args)
    out, t = myia.jvp(fn, copy.deepcopy(args), tangents)
    expected = fn(*copy.deepcopy(args))
    assert_close(out, expected, 1e-12, 1e-12, "value")
    assert_same_kind(t, out)
    assert_close(t, fd_jvp(fn, args, tangents), rtol, atol, "tangent", check_types=False)
    if adjoint:
        ct = random_like(out, rng)
        _, f_vjp = myia.vjp(fn, *copy.deepcopy(args))
        cts = f_vjp(ct)
        lhs, rhs = vdot(t, ct), vdot(tangents, cts)
        assert abs(lhs - rhs) <= 1e-9 + 1e-9 * abs(lhs), f"adjoint identity: {lhs} != {rhs}"
    return t


def second_by_forward(fn, x: float) -> float:
    """d^2 fn / dx^2 at the float `x` by forward mode over forward mode: the program of
    `jvp` transformed again (the tangent rules' own tangent rules run)."""
    from myia.ad.jvp_program import jvp_program
    from myia.backend.compiled import compile_graph
    from myia.opt.optimize import optimize
    from myia.pipeline import differentiable_program, signature_types

    (t,) = signature_types((x,))
    once = jvp_program(differentiable_program(fn, (x,)), [t])
    twice = jvp_program(once, [t, t])
    _, (_, d2) = compile_graph(optimize(twice, adjoint=True))(x, 1.0, 1.0, 0.0)
    return d2
