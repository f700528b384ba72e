"""JAX's transformations beyond `grad`: `jvp`, `vjp`, `jacfwd`, `jacrev`, `hessian`.

`jvp` runs the forward-mode program (`myia.ad.forward`): one pass computes the value and
its directional derivative. `vjp` runs reverse mode from a given cotangent. The Jacobians
are built from them column by column (`jacfwd`: one `jvp` per input element) or row by
row (`jacrev`: one `vjp` per output element), each a call of compiled code, and
`hessian(f)` is `jacfwd(grad(f))` (forward over reverse: one Hessian-vector product per
column). Each compiles once per argument signature, like `jit` and `grad`.

Example:
    >>> import numpy as np, myia
    >>> myia.jvp(np.sin, (0.0,), (2.0,))
    (np.float64(0.0), np.float64(2.0))
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from myia.ad.jvp_program import zero_tangent
from myia.ad.macro import jvp_macro
from myia.api import Compiled, grad
from myia.binding import bind
from myia.errors import MyiaTypeError
from myia.ir.nodes import Graph
from myia.pipeline import cotangent_program_of, tangent_program


class TangentFunction(Compiled):
    """`(f(x), J_f(x) t)` compiled per signature of `(x..., t...)` (the program of `jvp`)."""

    def __init__(self, fn: Callable, backend=None, optimize=None, device=None):
        super().__init__(("jvp", fn), fn, backend, optimize, device)

    def arity(self) -> tuple[float, float]:
        """Called with primals and tangents: not bound by `fn`'s signature."""
        return 0, math.inf

    def program(self, args: tuple) -> Graph:
        n = len(args) // 2
        return tangent_program(self.fn, args[:n], args[n:], self.pinned(), self.optimize)


class CotangentFunction(Compiled):
    """The cotangents of the inputs of `f` from one of its output, compiled per signature
    of `(x..., ct)` (the program of the function `vjp` returns)."""

    def __init__(self, fn: Callable, backend=None, optimize=None, device=None):
        super().__init__(("vjp", fn), fn, backend, optimize, device)

    def arity(self) -> tuple[float, float]:
        """Called with primals and a cotangent: not bound by `fn`'s signature."""
        return 0, math.inf

    def program(self, args: tuple) -> Graph:
        return cotangent_program_of(self.fn, args[:-1], args[-1], self.pinned(), self.optimize)


def jvp(fn: Callable, primals: tuple, tangents: tuple, *, backend=None, optimize=None, device=None):
    """`(fn(*primals), J t)`: the value of `fn` and its derivative along `tangents`, by
    forward mode (one pass). `primals` and `tangents` are tuples of the same structure,
    shapes and dtypes, as in JAX.

    Example:
        >>> import numpy as np, myia
        >>> myia.jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, 0.0))
        (6.0, 3.0)
    """
    primals, tangents = _tuple(primals, "primals"), _tuple(tangents, "tangents")
    if len(primals) != len(tangents):
        raise MyiaTypeError(
            f"jvp needs one tangent per primal value: {len(primals)} primals, "
            f"{len(tangents)} tangents"
        )
    if not isinstance(fn, Compiled):  # defaults left out: their tangents are zeros
        full = bind(fn, primals, {})
        tangents = (*tangents, *(zero_tangent(d) for d in full[len(primals) :]))
        primals = full
    return TangentFunction(fn, backend, optimize, device)(*primals, *tangents)


jvp.__myia_macro__ = jvp_macro


def vjp(fn: Callable, *primals: Any, backend=None, optimize=None, device=None):
    """`(fn(*primals), f_vjp)`, where `f_vjp(ct)` is the tuple of the cotangents of
    `primals` (None for ints, bools and strings) for the cotangent `ct` of the output
    (of the output's structure, shapes and dtypes), by reverse mode, as in JAX.

    Example:
        >>> import numpy as np, myia
        >>> out, f_vjp = myia.vjp(lambda x: x * x, 3.0)
        >>> out, f_vjp(1.0)
        (9.0, (6.0,))
    """
    from myia.api import JitFunction

    out = JitFunction(fn, backend, optimize, device)(*primals)
    back = CotangentFunction(fn, backend, optimize, device)

    def f_vjp(ct):
        return back(*primals, ct)

    return out, f_vjp


def jacfwd(fn: Callable, argnums: int | tuple = 0, *, backend=None, optimize=None):
    """The Jacobian of `fn` with respect to the arguments `argnums`, by forward mode (one
    `jvp` per element of the input): of shape `out.shape + x.shape` (a tuple of them for a
    tuple `argnums`). Inputs and outputs are floats or float arrays.

    Example:
        >>> import numpy as np, myia
        >>> myia.jacfwd(lambda x: x * x)(np.array([1.0, 2.0]))
        array([[2., 0.],
               [0., 4.]])
    """
    tangent = TangentFunction(fn, backend, optimize)

    def jacobian(*args):
        nums = _argnums(argnums, args)
        zeros = [zero_tangent(a) for a in args]
        out = None
        jacs = []
        for k in nums:
            x = _array_input(args[k], k, "jacfwd")
            cols = []
            for j in range(x.size):
                t = list(zeros)
                e = np.zeros(x.size, x.dtype)
                e[j] = 1
                t[k] = _like(e.reshape(x.shape), args[k])
                out, col = tangent(*args, *t)
                cols.append(np.asarray(col))
            out_shape = np.shape(out) if out is not None else ()
            if not cols:
                out = fn(*args) if out is None else out
                out_shape = np.shape(out)
                jac = np.zeros(out_shape + x.shape, np.result_type(np.asarray(out).dtype, x.dtype))
            else:
                jac = np.stack(cols, axis=-1).reshape(out_shape + x.shape)
            jacs.append(jac)
        return jacs[0] if isinstance(argnums, int) else tuple(jacs)

    return jacobian


def jacrev(fn: Callable, argnums: int | tuple = 0, *, backend=None, optimize=None):
    """The Jacobian of `fn` with respect to the arguments `argnums`, by reverse mode (one
    `vjp` per element of the output): of shape `out.shape + x.shape`, as `jacfwd`.

    Example:
        >>> import numpy as np, myia
        >>> myia.jacrev(lambda x: np.sin(x))(np.zeros(2))
        array([[1., 0.],
               [0., 1.]])
    """
    back = CotangentFunction(fn, backend, optimize)

    def jacobian(*args):
        from myia.api import JitFunction

        nums = _argnums(argnums, args)
        xs = {k: _array_input(args[k], k, "jacrev") for k in nums}
        out = JitFunction(fn, backend, optimize)(*args)
        y = _array_output(out, "jacrev")
        rows: dict[int, list] = {k: [] for k in nums}
        for i in range(y.size):
            e = np.zeros(y.size, y.dtype)
            e[i] = 1
            cts = back(*args, _like(e.reshape(y.shape), out))
            for k in nums:
                rows[k].append(np.asarray(cts[k]).reshape(-1))
        jacs = []
        for k in nums:
            x = xs[k]
            if rows[k]:
                jac = np.stack(rows[k]).reshape(y.shape + x.shape)
            else:
                jac = np.zeros(y.shape + x.shape, np.result_type(y.dtype, x.dtype))
            jacs.append(jac)
        return jacs[0] if isinstance(argnums, int) else tuple(jacs)

    return jacobian


def hessian(fn: Callable, argnums: int | tuple = 0, *, backend=None, optimize=None):
    """The Hessian of the scalar function `fn` with respect to `argnums`:
    `jacfwd(grad(fn))`, forward mode over reverse mode (one Hessian-vector product per
    element of the input), of shape `x.shape + x.shape`.

    Example:
        >>> import numpy as np, myia
        >>> myia.hessian(lambda x: np.sum(x ** 3))(np.array([1.0, 2.0]))
        array([[ 6.,  0.],
               [ 0., 12.]])
    """
    return jacfwd(grad(fn, argnums=argnums), argnums, backend=backend, optimize=optimize)


def _tuple(x, what: str) -> tuple:
    if not isinstance(x, (tuple, list)):
        raise MyiaTypeError(
            f"jvp takes its {what} as a tuple (as JAX does), not {type(x).__name__}"
        )
    return tuple(x)


def _argnums(argnums, args) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    n = len(args)
    for a in nums:
        if not isinstance(a, int) or isinstance(a, bool) or not -n <= a < n:
            raise MyiaTypeError(f"argnums={argnums!r} does not name one of the {n} arguments")
    return tuple(a % n for a in nums)


def _array_input(x, k: int, what: str) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype.kind != "f" or not isinstance(x, (float, np.floating, np.ndarray)):
        raise MyiaTypeError(
            f"{what} differentiates with respect to floats and float arrays; argument {k} is "
            f"{type(x).__name__}"
            + (f" of {a.dtype}" if isinstance(x, np.ndarray) else "")
            + " (pass floats, or take the Jacobian of each part of a structure)"
        )
    return a


def _array_output(y, what: str) -> np.ndarray:
    a = np.asarray(y)
    if a.dtype.kind != "f" or not isinstance(y, (float, np.floating, np.ndarray)):
        raise MyiaTypeError(
            f"{what} needs a function returning a float or a float array, not {type(y).__name__}"
        )
    return a


def _like(a: np.ndarray, x):
    """The array `a` as a value of the kind of `x` (a float for a float)."""
    if isinstance(x, np.ndarray):
        return a
    return type(x)(a.reshape(()))
