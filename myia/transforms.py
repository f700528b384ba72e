"""JAX's transformations beyond `grad`: `jvp`, `vjp`, `jacfwd`, `jacrev`, `hessian`.

`jvp` runs the forward-mode program (`myia.ad.forward`): one pass computes the value and
its directional derivative. `vjp` runs the forward program of reverse mode once and
returns a function that runs only its backward program, on the saved residual
(`myia.ad.gradient.vjp_programs`). A Jacobian is one compiled program (`myia.ad.jacobian`)
that loops, inside it, over the one-hot basis: `jacrev` runs the forward pass once, then
the backward pass for each row; `jacfwd` one tangent per column; this module lays the
rows out in JAX's nested structure. `hessian(f)` is `jacfwd(grad(f))` (forward over
reverse: one Hessian-vector product per column). Each compiles once per argument
signature, like `jit` and `grad`. Tangents and cotangents of Python floats are computed as
NumPy floats (`numpy_floats`).

Example:
    >>> import numpy as np, myia
    >>> myia.jvp(np.sin, (0.0,), (2.0,))
    (np.float64(0.0), np.float64(2.0))
"""

from __future__ import annotations

import functools
import inspect
import math
import types
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from myia.ad.jvp_program import zero_tangent
from myia.ad.macro import jvp_macro
from myia.api import Compiled, _plain, cleared_cache, given_source, grad, run
from myia.batching.macro import vmap_macro
from myia.binding import bind, spread
from myia.direct import bind_primals, is_numpy_function
from myia.errors import MyiaTypeError
from myia.infer.abstract import ATuple
from myia.ir.nodes import Graph
from myia.pipeline import jacobian_of, tangent_program, vjp_programs_of
from myia.prim.adjoint import leaves_of
from myia.trees import is_namedtuple, tree_map


class TangentFunction(Compiled):
    """`(f(x), J_f(x) t)` compiled per signature of `(x..., t...)` (the program of `jvp`).
    With `weak=True` it holds its function weakly (for `reused_tangent_function`'s cache,
    keyed by the function)."""

    spreads = True

    def __init__(self, fn: Callable, backend=None, optimize=None, device=None, weak=False):
        self._weak = weak
        super().__init__(("jvp", fn), fn, backend, optimize, device)

    @property
    def fn(self):
        return self._fn()

    @fn.setter
    def fn(self, fn) -> None:
        self._fn = weakref.ref(fn) if self._weak else lambda: fn

    def arity(self) -> tuple[float, float]:
        """Called with primals and tangents: not bound by `fn`'s signature."""
        return 0, math.inf

    def program(self, args: tuple) -> Graph:
        n = len(args) // 2
        spread = self.spread_at is not None
        return tangent_program(self.fn, args[:n], args[n:], self.pinned(), self.optimize, spread)

    def output_type(self, graph: Graph):
        """The tangent leaves with the structure of the value (a record as its class)."""
        out = graph.output.abstract.items[0]
        return ATuple((out, out))


class VjpFunction(Compiled):
    """The forward and backward programs of `vjp`, compiled per signature of the primal
    values (`pipeline.vjp_programs_of`): `linearize(*primals)` runs the forward program
    once and returns the output with the function that runs the backward program alone
    on the residual it saved."""

    spreads = True

    def __init__(self, fn: Callable, backend=None, optimize=None, device=None):
        super().__init__(("vjp", fn), fn, backend, optimize, device)

    def program(self, args: tuple) -> tuple[Graph, Graph]:
        spread = self.spread_at is not None
        return vjp_programs_of(self.fn, args, self.pinned(), self.optimize, spread)

    def build(self, program: tuple[Graph, Graph], arg_types: tuple, device=None) -> _Linearized:
        fwd, bwd = program
        build = super().build
        back_types = tuple(p.abstract for p in bwd.parameters)
        return _Linearized(build(fwd, arg_types, device), build(bwd, back_types, device))

    def linearize(self, primals: tuple) -> tuple[Any, Callable]:
        """`(fn(*primals), f_vjp)`: the forward pass runs now, once; each `f_vjp(ct)` runs
        the backward pass on its residual (on backend="torch", the residual comes back to
        the host between the two where the arguments are NumPy arrays)."""
        if self.backend == "torch":
            from myia.backend.pytorch.calls import placement

            programs = self.compiled(*placement(primals, self.device))
        else:
            programs = self.compiled(primals)
        out, res = run(programs.forward, primals)

        def f_vjp(ct):
            ct = cotangent_like(ct, out)
            return run(programs.backward, (*primals, out, res, ct))

        return out, f_vjp


class _Linearized:
    """The runnable forward and backward programs of one signature of `vjp`."""

    def __init__(self, forward, backward):
        self.forward = forward
        self.backward = backward


def jvp(
    fn: Callable,
    primals: tuple,
    tangents: tuple,
    *,
    backend=None,
    optimize=None,
    device=None,
    source=None,
):
    """`(fn(*primals), J t)`: the value of `fn` and its derivative along `tangents`, by
    forward mode (one pass). `primals` and `tangents` are tuples of the same structure,
    shapes and dtypes, as in JAX.

    Example:
        >>> import numpy as np, myia
        >>> myia.jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, 0.0))
        (6.0, 3.0)
    """
    given_source(fn, source)
    primals, tangents = _tuple(primals, "primals"), _tuple(tangents, "tangents")
    if len(primals) != len(tangents):
        raise MyiaTypeError(
            f"jvp needs one tangent per primal value: {len(primals)} primals, "
            f"{len(tangents)} tangents"
        )
    if is_numpy_function(fn):  # its static arguments fixed, its defaults' tangents zeros
        spec, values, where = bind_primals(fn, primals, "jvp")
        moving = [zero_tangent(v) for v in values]
        for w, t in zip(where, tangents):
            if w is not None:
                moving[w] = t
        run_jvp = TangentFunction(spec, backend, optimize, device)
        return run_jvp(*values, *numpy_floats(tuple(moving)))
    run_jvp = reused_tangent_function(fn, backend, optimize, device)
    full = _with_defaults(fn, primals)  # defaults left out: their tangents are zeros
    if run_jvp.spread_at is not None:  # `*args`: one primal and tangent per argument
        full = spread(full, run_jvp.spread_at)
    if len(full) > len(primals):
        tangents = (*tangents, *(zero_tangent(d) for d in full[len(primals) :]))
    return run_jvp(*full, *numpy_floats(tangents))


# The TangentFunctions of `jvp`, by function (held weakly; each holds its function weakly
# too) and options.
_TANGENT_FUNCTIONS = cleared_cache()


def reused_tangent_function(fn, backend, optimize, device) -> TangentFunction:
    """The TangentFunction `jvp(fn, ...)` runs with these options, made at the first call
    and kept while `fn` lives (until `myia.clear_caches()`), so that the calls after it
    cost the compiled call; a bound method (made anew at each `model.loss`) or a function
    that cannot be weakly referenced gets a new one each call."""
    if isinstance(fn, types.MethodType):
        return TangentFunction(fn, backend, optimize, device)
    key = (backend, optimize, device)
    try:
        by_options = _TANGENT_FUNCTIONS.get(fn)
        if by_options is None:
            by_options = _TANGENT_FUNCTIONS[fn] = {}
    except TypeError:  # not weakly referenceable, or unhashable
        return TangentFunction(fn, backend, optimize, device)
    made = by_options.get(key)
    if made is None:
        made = by_options[key] = TangentFunction(fn, backend, optimize, device, weak=True)
    return made


jvp.__myia_macro__ = jvp_macro


def vjp(fn: Callable, *primals: Any, backend=None, optimize=None, device=None, source=None):
    """`(fn(*primals), f_vjp)`, where `f_vjp(ct)` is the tuple of the cotangents of
    `primals` (None for ints, bools and strings) for the cotangent `ct` of the output
    (of the output's structure, shapes and dtypes), by reverse mode, as in JAX. The
    forward pass runs once, here; `f_vjp` runs only the backward pass, on what the
    forward pass saved.

    Example:
        >>> import numpy as np, myia
        >>> out, f_vjp = myia.vjp(lambda x: x * x, 3.0)
        >>> out, f_vjp(1.0)
        (9.0, (6.0,))
    """
    given_source(fn, source)
    if is_numpy_function(fn):  # its static arguments fixed: their cotangents are None
        spec, values, where = bind_primals(fn, primals, "vjp")
        out, f_vjp = VjpFunction(spec, backend, optimize, device).linearize(tuple(values))
        return out, lambda ct: _at(f_vjp(ct), where)
    given = len(primals)
    primals = _with_defaults(fn, primals)  # defaults left out: their cotangents are dropped
    run_vjp = VjpFunction(fn, backend, optimize, device)
    if run_vjp.spread_at is not None:  # `*args`: one cotangent per argument passed
        primals = spread(primals, run_vjp.spread_at)
    out, f_vjp = run_vjp.linearize(tuple(primals))
    if len(primals) == given:
        return out, f_vjp
    return out, lambda ct: f_vjp(ct)[:given]


class JacobianFunction(Compiled):
    """The program of `jacrev` (`mode="rev"`) or `jacfwd` (`mode="fwd"`) for `argnums`
    (normalized), compiled per signature: it returns the function's value with the stack
    of the Jacobian's rows (or columns), all computed inside the program
    (`ad.jacobian`)."""

    spreads = True

    def __init__(
        self, fn, mode: str, argnums: tuple, has_aux: bool, backend=None, optimize=None, device=None
    ):
        super().__init__((f"jac{mode}", fn, argnums, has_aux), fn, backend, optimize, device)
        self.mode = mode
        self.argnums = argnums
        self.has_aux = has_aux

    def program(self, args: tuple) -> Graph:
        return jacobian_of(
            self.fn,
            args,
            self.argnums,
            self.has_aux,
            self.mode,
            self.pinned(),
            self.optimize,
            self.spread_at is not None,
        )


def _jacobian(mode: str, fn: Callable, argnums, has_aux: bool, backend, optimize, device):
    def jacobian(*args):
        nums = _argnums(argnums, args)
        compiled = JacobianFunction(fn, mode, nums, has_aux, backend, optimize, device)
        value, stack = compiled(*args)
        out = value[0] if has_aux else value
        xs = [args[k] for k in nums]
        lay = _lay_out_rows if mode == "rev" else _lay_out_columns
        jac = lay(_unwind(stack), out, xs[0] if isinstance(argnums, int) else tuple(xs))
        return (jac, value[1]) if has_aux else jac

    jacobian.__myia_compiled__ = True  # `myia.jit(myia.hessian(f))` is this function
    return jacobian


def jacfwd(
    fn: Callable,
    argnums: int | tuple = 0,
    has_aux: bool = False,
    *,
    backend=None,
    optimize=None,
    device=None,
    source=None,
):
    """The Jacobian of `fn` with respect to the arguments `argnums`, by forward mode (one
    tangent per element of the inputs, in a loop inside one compiled program), with the
    structure JAX gives: the output's structure outside, the input's inside (a tuple of
    them for a tuple `argnums`), each leaf of shape `out.shape + x.shape`. Inputs and
    outputs are floats and float arrays in tuples, lists and dicts. With `has_aux`, `fn`
    returns `(out, aux)` and the result is `(jacobian, aux)`.

    Example:
        >>> import numpy as np, myia
        >>> myia.jacfwd(lambda x: x * x)(np.array([1.0, 2.0]))
        array([[2., 0.],
               [0., 4.]])
    """
    given_source(fn, source)
    return _jacobian("fwd", fn, argnums, has_aux, backend, optimize, device)


def jacrev(
    fn: Callable,
    argnums: int | tuple = 0,
    has_aux: bool = False,
    *,
    backend=None,
    optimize=None,
    device=None,
    source=None,
):
    """The Jacobian of `fn` with respect to the arguments `argnums`, by reverse mode: one
    compiled program runs the forward pass once, then the backward pass from each one-hot
    cotangent of the output, in a loop inside the program. Structure, shapes and
    `has_aux` as `jacfwd`.

    Example:
        >>> import numpy as np, myia
        >>> myia.jacrev(lambda x: np.sin(x))(np.zeros(2))
        array([[1., 0.],
               [0., 1.]])
    """
    given_source(fn, source)
    return _jacobian("rev", fn, argnums, has_aux, backend, optimize, device)


def hessian(
    fn: Callable,
    argnums: int | tuple = 0,
    has_aux: bool = False,
    *,
    backend=None,
    optimize=None,
    device=None,
    source=None,
):
    """The Hessian of the scalar function `fn` with respect to `argnums`:
    `jacfwd(grad(fn))`, forward mode over reverse mode (one Hessian-vector product per
    element of the input, in one compiled program), with JAX's structure (for a dict `x`,
    `H[k1][k2]` of shape `x[k1].shape + x[k2].shape`).

    Example:
        >>> import numpy as np, myia
        >>> myia.hessian(lambda x: np.sum(x ** 3))(np.array([1.0, 2.0]))
        array([[ 6.,  0.],
               [ 0., 12.]])
    """
    given_source(fn, source)
    inner = grad(fn, argnums=argnums, has_aux=has_aux)
    return jacfwd(inner, argnums, has_aux, backend=backend, optimize=optimize, device=device)


def _unwind(stack) -> list:
    """The items of a stack the program returned (nested pairs `(top, rest)`, None at the
    bottom), in the order they were pushed."""
    items = []
    while stack is not None:
        top, stack = stack
        items.append(top)
    items.reverse()
    return items


def _rebuild(like, leaves):
    """The structure of `like` with the next items of the iterator `leaves` as leaves."""
    if isinstance(like, (tuple, list)):
        items = [_rebuild(v, leaves) for v in like]
        return type(like)(*items) if is_namedtuple(like) else type(like)(items)
    if isinstance(like, dict):
        return {k: _rebuild(v, leaves) for k, v in like.items()}
    return next(leaves)


def _offsets(leaves: list) -> list[tuple[int, int, tuple]]:
    """The start, size and shape of each leaf in the flat vector of all of them."""
    out, start = [], 0
    for x in leaves:
        shape = np.shape(x)
        size = int(np.prod(shape))
        out.append((start, size, shape))
        start += size
    return out


def _stack(items: list, like):
    """The rows or columns of a Jacobian block stacked on a new first axis: a tensor where
    the torch code gave tensors, else an array; with no items, an empty stack of the
    shape and dtype of `like` (an input or output leaf)."""
    if items and any(_is_tensor(v) for v in items) or not items and _is_tensor(like):
        import torch

        if not items:
            return torch.zeros((0, *like.shape), dtype=like.dtype, device=like.device)
        return torch.stack([torch.as_tensor(v) for v in items])
    if not items:
        return np.zeros((0, *np.shape(like)), np.asarray(like).dtype)
    return np.stack([np.asarray(v) for v in items])


def _is_tensor(x) -> bool:
    return type(x).__module__.split(".")[0] == "torch"


def _lay_out_rows(rows: list, out, xs):
    """The Jacobian from its rows (one per element of `out`; each the leaves of the
    cotangents of `xs`), with the structure of `out` outside and that of `xs` inside."""
    ins = leaves_of(xs)
    per_in = [_stack([r[j] for r in rows], x) for j, x in enumerate(ins)]
    blocks = []
    for start, size, shape in _offsets(leaves_of(out)):
        row = [m[start : start + size].reshape(shape + np.shape(x)) for m, x in zip(per_in, ins)]
        blocks.append(_rebuild(xs, iter(row)))
    return _rebuild(out, iter(blocks))


def _lay_out_columns(cols: list, out, xs):
    """The Jacobian from its columns (one per element of `xs`; each the leaves of the
    tangent of `out`), with the structure of `out` outside and that of `xs` inside."""
    ins = _offsets(leaves_of(xs))
    outs = leaves_of(out)
    blocks = []
    for o, y in enumerate(outs):
        shape_y = np.shape(y)
        size_y = int(np.prod(shape_y))
        m = _stack([c[o] for c in cols], y)
        block = [
            m[start : start + size].reshape(size, size_y).T.reshape(shape_y + shape)
            for start, size, shape in ins
        ]
        blocks.append(_rebuild(xs, iter(block)))
    return _rebuild(out, iter(blocks))


def _at(cotangents: tuple, where: list) -> tuple:
    """The cotangents of a NumPy function's positional arguments from those of its
    program's values (`direct.bind_primals`): None for a static argument."""
    return tuple(None if w is None else cotangents[w] for w in where)


def _with_defaults(fn, primals: tuple) -> tuple:
    """`primals` with the defaults of the Python function `fn` that they leave out."""
    if not isinstance(fn, types.FunctionType):
        return primals
    code = fn.__code__
    bound = code.co_kwonlyargcount or code.co_flags & inspect.CO_VARARGS  # `*args`: packed
    if len(primals) == code.co_argcount and not bound:
        return primals  # nothing left out (the common case, quickly)
    return tuple(bind(fn, primals, {}))


_LEAVES = (np.ndarray, float, np.float64)


def numpy_floats(x):
    """`x` with NumPy floats for its Python floats: tangents and cotangents follow
    NumPy's float64 arithmetic (`1.0 / 0.0` is inf), as the NumPy functions they are
    the derivatives of do; the results have the types of the values again.

    Example:
        >>> numpy_floats((1.0, [2, np.ones(1)]))
        (np.float64(1.0), [2, array([1.])])
    """
    if type(x) is tuple and all(type(v) in _LEAVES for v in x):  # the common case, quickly
        return tuple(np.float64(v) if type(v) is float else v for v in x)
    return tree_map(lambda v: np.float64(v) if type(v) is float else v, x)


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


def cotangent_like(ct, out):
    """The cotangent `ct` of the output `out` as a value of `out`'s type (an array of its
    dtype, a NumPy float for a float: see `numpy_floats`): the program of `vjp` is compiled
    for it. Refuses a cotangent of another structure, shape or dtype.

    Example:
        >>> cotangent_like(1.0, np.float64(2.0))
        np.float64(1.0)
    """
    if isinstance(out, (tuple, list)):
        if type(ct) is not type(out) or len(ct) != len(out):
            _wrong_cotangent(ct, out)
        items = [cotangent_like(c, o) for c, o in zip(ct, out)]
        return type(out)(*items) if is_namedtuple(out) else type(out)(items)
    if isinstance(out, dict):
        if not isinstance(ct, dict) or set(ct) != set(out):
            _wrong_cotangent(ct, out)
        return {k: cotangent_like(ct[k], o) for k, o in out.items()}
    if not isinstance(out, (float, np.floating, np.ndarray)):
        return out  # an int, a bool, None: no cotangent (what is given is ignored)
    a = np.asarray(ct)
    want = np.asarray(out)
    if (
        a.shape != want.shape
        or a.dtype.kind != "f"
        or (isinstance(ct, np.ndarray | np.floating) and a.dtype != want.dtype)
    ):
        _wrong_cotangent(ct, out)
    if isinstance(out, np.ndarray):
        return a.astype(out.dtype, copy=False)
    return np.float64(a) if type(out) is float else type(out)(a)  # see numpy_floats


def _wrong_cotangent(ct, out):
    raise MyiaTypeError(
        f"the cotangent given to the function vjp returns must have the structure, shape and "
        f"dtype of the output: {_describe(out)}, not {_describe(ct)}"
    )


def _describe(x) -> str:
    from myia.infer.abstract import abstract_of_value, describe

    return describe(abstract_of_value(x))


class BatchedFunction(Compiled):
    """`fn` mapped over a batch axis of its arguments, compiled per signature of the
    batched arguments (the program of `vmap`). It may be mapped again
    (`vmap(vmap(f))`) and differentiated (`grad` of a function of its result)."""

    def __init__(self, fn: Callable, in_axes, out_axes, backend=None, optimize=None, device=None):
        key = ("vmap", fn, _frozen(in_axes), _frozen(out_axes))
        super().__init__(key, fn, backend, optimize, device)
        self.in_axes = in_axes
        self.out_axes = out_axes
        functools.update_wrapper(self, _plain(fn), updated=())

    def arity(self) -> tuple[float, float]:
        """Called with the batched arguments: not bound by `fn`'s signature."""
        return 0, math.inf

    def __myia_graph__(self):
        """This mapped function as a graph of its own (an argument to compiled code, or
        compiled by `myia.jit`)."""
        from myia.batching.macro import hashable_axes
        from myia.pipeline import transform_graph

        spec = ("vmap", hashable_axes(self.in_axes), hashable_axes(self.out_axes))
        return transform_graph(self, _plain(self.fn), spec)

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
        primal = differentiable_program(self.fn, examples, optimized=True, spread=True)
        program = vmap_program(primal, list(signature_types(args)), trees, self.out_axes, size)
        return optimize(program) if optimized else program


def vmap(
    fn: Callable, in_axes=0, out_axes=0, *, backend=None, optimize=None, device=None, source=None
):
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
    given_source(fn, source)
    return BatchedFunction(fn, in_axes, out_axes, backend, optimize, device)


vmap.__myia_macro__ = vmap_macro


def _frozen(tree):
    """`in_axes` or `out_axes` as a hashable key."""
    if isinstance(tree, (tuple, list)):
        return (type(tree).__name__, tuple(_frozen(t) for t in tree))
    if isinstance(tree, dict):
        return ("dict", tuple((k, _frozen(v)) for k, v in tree.items()))
    return tree
