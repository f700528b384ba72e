"""Gradient checking against central finite differences.

`check_grads(fn, args, order=1)` compares myia's reverse-mode gradient with a central finite
difference along a random direction (the vector-Jacobian product against the
finite-difference Jacobian-vector product, as autograd and JAX do). With `order=2` it also
checks the gradient of `x -> <grad fn(x), u>` for a random `u` (a function that takes a
gradient inside, compiled by myia), and so on for higher orders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from myia.prim.adjoint import tree_vdot
from myia.trees import children


def _is_float_leaf(x) -> bool:
    if isinstance(x, float):
        return True
    return isinstance(x, (np.ndarray, np.floating)) and np.asarray(x).dtype.kind == "f"


def _has_float(x) -> bool:
    parts = children(x)
    if parts is not None:
        return any(_has_float(e) for e in parts[0])
    return _is_float_leaf(x)


def _random_like(x, rng):
    if isinstance(x, dict):  # in the dict's own order, as compiled code holds it
        return {k: _random_like(v, rng) for k, v in x.items()}
    parts = children(x)
    if parts is not None:
        items, rebuild = parts
        return rebuild([_random_like(e, rng) for e in items])
    if isinstance(x, float):
        return float(rng.standard_normal())
    if _is_float_leaf(x):
        return rng.standard_normal(np.shape(x)).astype(np.asarray(x).dtype)
    return None


def _axpy(x, v, h):
    """`x + h * v` leafwise (leaves without a direction unchanged)."""
    if v is None:
        return x
    if isinstance(x, dict):
        return {k: _axpy(x[k], v[k], h) for k in x}
    parts = children(x)
    if parts is not None:
        items, rebuild = parts
        return rebuild([_axpy(a, b, h) for a, b in zip(items, children(v)[0])])
    if isinstance(x, float):
        return x + h * v
    return (np.asarray(x, np.float64) + h * np.asarray(v, np.float64)).astype(np.asarray(x).dtype)


def _vdot(a, b) -> float:
    """The sum over matching leaves of `a` and `b` of their dot products (leaves of `b`
    that are None count for nothing)."""
    if b is None:
        return 0.0
    parts = children(b)
    if parts is not None:
        return sum((_vdot(x, y) for x, y in zip(children(a)[0], parts[0])), 0.0)
    return float(np.sum(np.multiply(a, b, dtype=np.float64)))


def _check_structure(g, x, where: str) -> None:
    parts = children(x)
    if parts is not None and x is not None:
        assert type(g) is type(x), (
            f"{where}: gradient is a {type(g).__name__}, input a {type(x).__name__}"
        )
        for k, (a, e) in enumerate(zip(children(g)[0], parts[0])):
            _check_structure(a, e, f"{where}[{k!r}]")
        return
    if _is_float_leaf(x):
        assert np.shape(g) == np.shape(x), f"{where}: gradient shape {np.shape(g)} != {np.shape(x)}"
        if not isinstance(x, float):
            assert np.asarray(g).dtype == np.asarray(x).dtype, (
                f"{where}: gradient dtype {np.asarray(g).dtype} != {np.asarray(x).dtype}"
            )


def _frozen(u):
    """The direction `u` as nested tuples (a constant compiled code can hold; `tree_vdot`
    pairs leaves in order, so lists, dicts, namedtuples and models become tuples of their
    items, dicts in their own order, as compiled code holds them)."""
    if isinstance(u, dict):
        return tuple(_frozen(x) for x in u.values())
    parts = children(u)
    if parts is not None and u is not None:
        return tuple(_frozen(x) for x in parts[0])
    return u


def directional(fn: Callable, nums: tuple[int, ...], u, nargs: int) -> Callable:
    """`x -> <grad fn(x) wrt nums, u>`, a function myia compiles (it differentiates `fn`
    inside), for `fn` of `nargs` arguments (up to 6)."""
    import myia

    if nargs == 1:

        def vdot_grad(a):
            return tree_vdot(myia.grad(fn, argnums=nums)(a), u)
    elif nargs == 2:

        def vdot_grad(a, b):
            return tree_vdot(myia.grad(fn, argnums=nums)(a, b), u)
    elif nargs == 3:

        def vdot_grad(a, b, c):
            return tree_vdot(myia.grad(fn, argnums=nums)(a, b, c), u)
    elif nargs == 4:

        def vdot_grad(a, b, c, d):
            return tree_vdot(myia.grad(fn, argnums=nums)(a, b, c, d), u)
    elif nargs == 5:

        def vdot_grad(a, b, c, d, e):
            return tree_vdot(myia.grad(fn, argnums=nums)(a, b, c, d, e), u)
    elif nargs == 6:

        def vdot_grad(a, b, c, d, e, f):
            return tree_vdot(myia.grad(fn, argnums=nums)(a, b, c, d, e, f), u)
    else:
        raise ValueError("check_grads checks orders above 1 for functions of up to 6 arguments")
    return vdot_grad


def check_grads(
    fn: Callable,
    args: Sequence[Any],
    order: int = 1,
    atol: float | None = None,
    rtol: float | None = None,
    eps: float | None = None,
    seed: int = 0,
    argnums: int | tuple[int, ...] | None = None,
) -> None:
    """Assert that myia's gradients of `fn` at `args` match finite differences.

    Checks every argument holding floats (or those in `argnums`), up to derivatives of
    `order`. Raises `AssertionError` showing both values where they differ.

    Example:
        >>> import numpy as np
        >>> from myia.testing import check_grads
        >>> def f(x):
        ...     return np.sum(np.sin(x) ** 2)
        >>> check_grads(f, (np.ones(3),), order=2)
    """
    import myia

    args = tuple(args)
    if argnums is None:
        nums = tuple(i for i, a in enumerate(args) if _has_float(a))
    else:
        nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise ValueError("check_grads needs at least one float argument")
    low = any(
        isinstance(x, (np.ndarray, np.floating)) and np.asarray(x).dtype == np.float32
        for i in nums
        for x in [args[i]]
    )
    eps = eps if eps is not None else (1e-3 if low else 1e-6)
    rtol = rtol if rtol is not None else (1e-2 if low else 1e-4)
    atol = atol if atol is not None else (1e-3 if low else 1e-6)
    rng = np.random.default_rng(seed)
    level_fn = fn
    python_fn = fn
    for level in range(1, order + 1):
        grads = myia.grad(level_fn, argnums=nums)(*args)
        for k, i in enumerate(nums):
            _check_structure(grads[k], args[i], f"order {level}, gradient of argument {i}")
        v = [_random_like(args[i], rng) for i in nums]

        def f(h, v=v, level_fn=level_fn, level=level):
            xs = list(args)
            for k, i in enumerate(nums):
                xs[i] = _axpy(args[i], v[k], h)
            run = python_fn if level == 1 else myia.jit(level_fn)
            return float(np.sum(run(*xs)))

        fd = (f(eps) - f(-eps)) / (2 * eps)
        an = _vdot(list(grads), v)
        if not abs(fd - an) <= atol + rtol * abs(fd):
            raise AssertionError(
                f"gradient of order {level} of {getattr(fn, '__name__', fn)} does not match "
                f"finite differences along a random direction:\n  myia (vjp . v):      {an!r}\n"
                f"  finite differences: {fd!r}\n  difference:         {an - fd!r}"
            )
        if level < order:
            u = _frozen(tuple(_random_like(args[i], rng) for i in nums))
            level_fn = directional(level_fn, nums, u, len(args))
