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

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from myia.ad.macro import jvp_macro
from myia.api import Compiled, _plain, grad
from myia.batching.macro import vmap_macro
from myia.binding import bind
from myia.errors import MyiaTypeError
from myia.ir.nodes import Graph
from myia.pipeline import cotangent_program_of, tangent_program


class TangentFunction(Compiled):
    """`(f(x), J_f(x) t)` compiled per signature of `(x..., t...)` (the program of `jvp`)."""

    def __init__(self, fn: Callable, backend: str | None = None, optimize: bool | None = None):
        super().__init__(("jvp", fn), fn, backend, optimize)

    def arity(self) -> tuple[float, float]:
        """Called with primals and tangents: not bound by `fn`'s signature."""
        return 0, math.inf

    def program(self, args: tuple) -> Graph:
        n = len(args) // 2
        return tangent_program(self.fn, args[:n], args[n:], self.pinned(), self.optimize)


class CotangentFunction(Compiled):
    """The cotangents of the inputs of `f` from one of its output, compiled per signature
    of `(x..., ct)` (the program of the function `vjp` returns)."""

    def __init__(self, fn: Callable, backend: str | None = None, optimize: bool | None = None):
        super().__init__(("vjp", fn), fn, backend, optimize)

    def arity(self) -> tuple[float, float]:
        """Called with primals and a cotangent: not bound by `fn`'s signature."""
        return 0, math.inf

    def program(self, args: tuple) -> Graph:
        return cotangent_program_of(self.fn, args[:-1], args[-1], self.pinned(), self.optimize)


def jvp(fn: Callable, primals: tuple, tangents: tuple, *, backend=None, optimize=None):
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
        tangents = (*tangents, *(_zeros_like(d) for d in full[len(primals) :]))
        primals = full
    return TangentFunction(fn, backend, optimize)(*primals, *tangents)


jvp.__myia_macro__ = jvp_macro


def vjp(fn: Callable, *primals: Any, backend=None, optimize=None):
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

    out = JitFunction(fn, backend, optimize)(*primals)
    back = CotangentFunction(fn, backend, optimize)

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
        zeros = [_zeros_like(a) for a in args]
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


def _zeros_like(x):
    """The zero tangent of an argument (its structure, shape and dtype)."""
    if isinstance(x, tuple):
        return tuple(_zeros_like(v) for v in x)
    if isinstance(x, list):
        return [_zeros_like(v) for v in x]
    if isinstance(x, dict):
        return {k: _zeros_like(v) for k, v in x.items()}
    if isinstance(x, np.ndarray):
        return np.zeros_like(x)
    if isinstance(x, (float, np.floating)):
        return type(x)(0.0)
    return x


def _like(a: np.ndarray, x):
    """The array `a` as a value of the kind of `x` (a float for a float)."""
    if isinstance(x, np.ndarray):
        return a
    return type(x)(a.reshape(()))


class BatchedFunction(Compiled):
    """`fn` mapped over a batch axis of its arguments, compiled per signature of the
    batched arguments (the program of `vmap`). It may be mapped again
    (`vmap(vmap(f))`) and differentiated (`grad` of a function of its result)."""

    def __init__(self, fn: Callable, in_axes, out_axes, backend=None, optimize=None):
        super().__init__(("vmap", fn, _frozen(in_axes), _frozen(out_axes)), fn, backend, optimize)
        self.in_axes = in_axes
        self.out_axes = out_axes
        functools.update_wrapper(self, _plain(fn), updated=())

    def arity(self) -> tuple[float, float]:
        """Called with the batched arguments: not bound by `fn`'s signature."""
        return 0, math.inf

    def __myia_node__(self, lowerer, region, loc):
        """This mapped function as a value of compiled code: `grad_of(f, ("vmap", ...))`."""
        from myia.batching.macro import hashable_axes
        from myia.ir.nodes import Constant
        from myia.pipeline import graph_of

        if isinstance(self.fn, Compiled):
            fn = self.fn.__myia_node__(lowerer, region, loc)
        else:
            fn = Constant(graph_of(self.fn), loc)
        spec = ("vmap", hashable_axes(self.in_axes, loc), hashable_axes(self.out_axes, loc))
        return lowerer.prim(region, "grad_of", [fn, Constant(spec, loc)], loc)

    def typed_gradient(self, args: tuple) -> Graph:
        """The typed program of this mapped function for arguments like `args`
        (optimized), for the transforms over it."""
        return self.batched_program(args, True)

    def program(self, args: tuple) -> Graph:
        return self.batched_program(args, self.optimize)

    def batched_program(self, args: tuple, optimized: bool) -> Graph:
        from myia.batching.program import argument_trees, batch_size, per_example, vmap_program
        from myia.opt.optimize import optimize
        from myia.pipeline import differentiable_program, signature_types

        trees = argument_trees(self.in_axes, args)
        size = batch_size(args, trees)
        examples = tuple(per_example(x, t) for x, t in zip(args, trees))
        primal = differentiable_program(self.fn, examples, optimized=True)
        program = vmap_program(primal, list(signature_types(args)), trees, self.out_axes, size)
        return optimize(program) if optimized else program


def vmap(fn: Callable, in_axes=0, out_axes=0, *, backend=None, optimize=None):
    """`fn` mapped over an axis of its arguments, as in JAX: `vmap(f)(xs)` is
    `np.stack([f(x) for x in xs])`, computed as one vectorized NumPy program (each
    primitive's batching rule, `myia.batching`), not a loop over the examples.

    `in_axes` is an int (the batch axis of every argument), None (not mapped) or a tuple
    with one entry per argument, each an int, None or a tree of them matching a prefix of
    the argument's structure; `out_axes` likewise for the result. Every mapped axis has
    the same size. A branch or a loop on a value that varies from example to example is
    computed with `np.where` where that is safe, else refused (`docs/api.md`). It composes
    with `grad` (`vmap(grad(loss), in_axes=(None, 0, 0))`: per-example gradients), `jvp`
    and itself.

    Example:
        >>> import numpy as np, myia
        >>> myia.vmap(lambda x, y: x * y, in_axes=(0, None))(np.arange(3.0), 2.0)
        array([0., 2., 4.])
    """
    return BatchedFunction(fn, in_axes, out_axes, backend, optimize)


vmap.__myia_macro__ = vmap_macro


def _frozen(tree):
    """`in_axes` or `out_axes` as a hashable key."""
    if isinstance(tree, (tuple, list)):
        return (type(tree).__name__, tuple(_frozen(t) for t in tree))
    if isinstance(tree, dict):
        return ("dict", tuple((k, _frozen(v)) for k, v in tree.items()))
    return tree
