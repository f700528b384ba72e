"""The typed pipeline (being built beside the old one): parse, specialize, optimize, and
generate code, each stage once per compile.

Example:
    >>> compiled = compile_jit(f, (1.0, np.ones(3)), pinned=())     # doctest: +SKIP
"""

from __future__ import annotations

import inspect
import types

import numpy as np

from myia.ad.expand import expand_gradients
from myia.backend.compiled import compile_graph
from myia.branches import inline_known_branches, unshare_branches, unshare_loops
from myia.errors import MyiaTypeError
from myia.infer.abstract import AFunction, GraphFn, abstract_of_value
from myia.infer.copies import retarget_copies
from myia.infer.monomorphize import specialize
from myia.infer.recursion import loop_recursions
from myia.infer.walks import drop_values
from myia.ir.manager import Manager
from myia.ir.nodes import Constant, Graph
from myia.opt.optimize import optimize
from myia.parser import parse, primitive_graph
from myia.prim.registry import REGISTRY


def graph_of(fn) -> Graph:
    """The parsed graph of a function, a primitive, or an object that has one."""
    if isinstance(fn, Graph):
        return fn
    if hasattr(fn, "__myia_graph__"):
        return fn.__myia_graph__()
    if hasattr(fn, "fn") and hasattr(fn, "__myia_node__"):
        return graph_of(fn.fn)
    prim = REGISTRY.primitive_for(fn)
    if prim is not None:
        return primitive_graph(prim)
    if not isinstance(fn, types.FunctionType):
        name = getattr(fn, "__name__", None)
        if name and (isinstance(fn, np.ufunc) or _module_of(fn).split(".")[0] == "numpy"):
            raise MyiaTypeError(
                f"`np.{name}` is not among the NumPy functions myia compiles (the NumPy table "
                "of docs/subset.md lists them): compute it outside the compiled function and "
                "pass the result as an argument"
            )
        raise MyiaTypeError(
            f"myia compiles Python functions written in the supported subset; got "
            f"{type(fn).__name__} {fn!r}"
        )
    return parse(fn)


def _module_of(fn) -> str:
    return getattr(fn, "__module__", None) or ""


def transform_graph(compiled, plain, spec) -> Graph:
    """The graph of a transformed function (`myia.grad(f)`, `myia.vmap(f)`) as a value of
    its own, for one passed as an argument to compiled code or compiled by `myia.jit`: it
    calls `grad_of(f, spec)` on the parameters of `plain` (the Python function under the
    transforms), and is made once per object.

    Example:
        >>> transform_graph(myia.grad(f), f, (0, False, False))       # doctest: +SKIP
        Graph<grad_f>
    """
    g = compiled.__dict__.get("_myia_graph")
    if g is None:
        names = list(inspect.signature(plain).parameters)
        g = Graph(f"{spec[0] if isinstance(spec[0], str) else 'grad'}_{plain.__name__}")
        params = [g.add_parameter(name) for name in names]
        fn = Constant(graph_of(compiled.fn))
        g.output = g.apply(g.apply(REGISTRY.lookup("grad_of"), fn, spec), *params)
        g.flags["argnames"] = names
        compiled.__dict__["_myia_graph"] = g
    return g


def signature_types(args: tuple, pinned: tuple[int, ...] = ()) -> tuple:
    """What the compiled code may assume of `args`: their types, dtypes, shapes and
    structure, the values of bools and strings, and those of the pinned ints."""
    from myia.infer.steering import pinned_values

    known = {i for i, v in zip(pinned, pinned_values(args, pinned)) if v is not None}
    return tuple(
        function_type(a)
        if is_function_value(a)
        else abstract_of_value(a)
        if i in known
        else drop_values(abstract_of_value(a))
        for i, a in enumerate(args)
    )


def is_function_value(a) -> bool:
    """Whether the argument `a` is a function compiled code can call: a Python function,
    a NumPy function standing for a primitive (`np.tanh`), a compiled function."""
    if isinstance(a, (type, np.generic, np.ndarray)):
        return False
    return (
        isinstance(a, types.FunctionType)
        or hasattr(a, "__myia_node__")
        or (callable(a) and REGISTRY.primitive_for(a) is not None)
    )


def function_type(fn) -> AFunction:
    """The type of a function passed as an argument (`f(x, nonlinearity=np.tanh)`): the
    graph it compiles to, so that its calls are resolved when compiling.

    Example:
        >>> function_type(np.tanh)                                  # doctest: +SKIP
        AFunction{tanh}
    """
    return AFunction([GraphFn(graph_of(fn), None)])


def primal_program(fn, args: tuple, pinned: tuple[int, ...] = (), spread=False) -> Graph:
    """The specialized program of `fn` on arguments like `args`, its gradients taken
    inside expanded (not optimized), its linear recursions written as loops; with
    `spread`, of `fn` as a function of its positional arguments as they are passed
    (`spread_graph`: `args` spread too)."""
    graph = graph_of(fn)
    if spread:
        graph = spread_graph(graph, len(args))
    typed = specialize(graph, signature_types(args, pinned))
    return expand_gradients(loop_recursions(typed))


def spread_graph(graph: Graph, count: int) -> Graph:
    """The graph of a call of `graph`, a function with a `*args` parameter, with `count`
    positional arguments: one parameter per argument as the call passes it (the
    numbering of JAX's `argnums`; the gradient has one item per argument), the extra
    ones packed into the tuple of `*args` (`binding.spread` spreads the arguments so).
    `graph` itself for a function without `*args`.

    Example:
        >>> spread_graph(graph_of(lambda x, *rest: x * rest[1]), 3).parameters  # doctest: +SKIP
        [x, rest_0, rest_1]
    """
    vararg = graph.flags.get("vararg")
    if vararg is None:
        return graph
    made = graph.flags.setdefault("spread", {})  # (one graph per count: typed once)
    if count not in made:
        made[count] = _spread(graph, count, vararg)
    return made[count]


def _spread(graph: Graph, count: int, vararg: str) -> Graph:
    names = graph.flags["argnames"]
    g = Graph(graph.name, graph.loc)
    params = [g.add_parameter(name, p.loc) for name, p in zip(names, graph.parameters)]
    packed = graph.parameters[-1]
    extra = [g.add_parameter(f"{vararg}_{i}", packed.loc) for i in range(count - len(names))]
    g.output = g.apply(graph, *params, g.apply(REGISTRY.lookup("make_tuple"), *extra))
    g.flags["argnames"] = [p.name for p in params + extra]
    g.flags["defaults"] = {}  # (the arguments are bound, defaults included)
    return g


def typed_program(
    fn, args: tuple, pinned: tuple[int, ...] = (), optimized: bool = True, spread=False
) -> Graph:
    """The specialized (and optimized) program of `fn` on arguments like `args` (with
    `spread`, as `primal_program`)."""
    g = primal_program(fn, args, pinned, spread)
    return optimize(g, adjoint=g.flags.get("gradients", False)) if optimized else g


def compile_jit(fn, args: tuple, pinned: tuple[int, ...] = ()):
    """The compiled code of `fn` for arguments like `args`."""
    return compile_graph(typed_program(fn, args, pinned))


def gradient_of(
    fn,
    args: tuple,
    argnums,
    has_aux: bool,
    with_value: bool,
    pinned=(),
    optimized: bool = True,
    spread=False,
) -> Graph:
    """The optimized gradient program of `fn` for arguments like `args` (`spread`: see
    `differentiable_program`). `fn` may itself be a gradient (`myia.grad(myia.grad(f))`):
    its program is differentiated again."""
    from myia.ad.gradient import gradient_program

    primal = differentiable_program(fn, args, pinned, spread=spread)
    single = isinstance(argnums, int)
    program = gradient_program(
        primal, normalize_argnums(argnums, primal), single, has_aux, with_value
    )
    return optimize(program, adjoint=True) if optimized else program


def normalize_argnums(argnums, graph: Graph) -> tuple[int, ...]:
    """`argnums` as a tuple of valid, non-negative parameter indices of `graph`."""
    n = len(graph.parameters)
    items = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    out = []
    for a in items:
        if not isinstance(a, int) or isinstance(a, bool) or not -n <= a < n:
            raise MyiaTypeError(
                f"argnums={argnums!r} is out of range: `{graph.name}` is called with {n} "
                "arguments (argnums counts them from 0, each one given to `*args` as one)"
            )
        out.append(a % n)
    return tuple(out)


def compile_grad(fn, args: tuple, argnums, has_aux: bool, with_value: bool, pinned=()):
    """The compiled gradient of `fn` for arguments like `args`."""
    return compile_graph(gradient_of(fn, args, argnums, has_aux, with_value, pinned))


def differentiable_program(
    fn, args: tuple, pinned=(), optimized: bool = False, spread=False
) -> Graph:
    """The typed program of `fn` for arguments like `args`, ready to be differentiated
    again (or batched): a gradient's optimized program (with the invariants of
    `branches` made again), else the specialized program (optimized, with those
    invariants, if `optimized`), its function types naming the graphs it holds
    (`infer.copies`). With `spread`, `fn` has a `*args` parameter and `args` are the
    positional arguments as the call passes them (`spread_graph`); a gradient's program
    takes them so already."""
    inner = getattr(fn, "typed_gradient", None)
    if inner is None and not optimized:
        return primal_program(fn, args, pinned, spread)
    primal = inner(args) if inner is not None else typed_program(fn, args, pinned, spread=spread)
    mng = Manager(primal)
    unshare_loops(mng)
    inline_known_branches(mng)  # (its copies may share the branches of an `if` they hold)
    unshare_branches(mng)
    retarget_copies(mng)
    return primal


def tangent_program(
    fn, primals: tuple, tangents: tuple, pinned=(), optimized=True, spread=False
) -> Graph:
    """The optimized program of `myia.jvp(fn, primals, tangents)` for arguments like
    these: the value of `fn` and its directional derivative."""
    from myia.ad.jvp_program import jvp_program

    if len(tangents) != len(primals):
        raise MyiaTypeError(
            f"jvp needs one tangent per primal value: {len(primals)} primals, "
            f"{len(tangents)} tangents"
        )
    primal = differentiable_program(fn, primals, pinned, spread=spread)
    program = jvp_program(primal, list(signature_types(tangents)))
    return optimize(program, adjoint=True) if optimized else program


def vjp_programs_of(
    fn, primals: tuple, pinned=(), optimized=True, spread=False
) -> tuple[Graph, Graph]:
    """The optimized forward and backward programs of `myia.vjp(fn, *primals)` for
    arguments like these (`ad.gradient.vjp_programs`). The backward program is a total
    copy, optimized on its own: the two share no graph. Tapes keep the layout of the
    residual that crosses from one program to the other (`optimize(flat_tapes=False)`)."""
    from myia.ad.gradient import vjp_programs
    from myia.ir.clone import clone

    primal = differentiable_program(fn, primals, pinned, spread=spread)
    fwd, bwd = vjp_programs(primal)
    bwd = clone(bwd, total=True)
    if optimized:
        fwd = optimize(fwd, adjoint=True, flat_tapes=False)
        bwd = optimize(bwd, adjoint=True, flat_tapes=False)
    return fwd, bwd


def jacobian_of(
    fn, args: tuple, argnums, has_aux: bool, mode: str, pinned=(), optimized=True, spread=False
):
    """The optimized program of `myia.jacrev` (`mode="rev"`) or `myia.jacfwd`
    (`mode="fwd"`) of `fn` for arguments like `args` (`ad.jacobian.jacobian_program`)."""
    from myia.ad.jacobian import jacobian_program

    primal = differentiable_program(fn, args, pinned, spread=spread)
    program = jacobian_program(primal, normalize_argnums(argnums, primal), has_aux, mode)
    return optimize(program, adjoint=True) if optimized else program
