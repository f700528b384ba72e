"""`grad` inside compiled code: the `grad_of` primitive and the macro the parser expands.

`myia.grad(h)(x)` written inside a compiled function becomes `grad_of(h, spec, 0)(x)`.
At run time `grad_of` turns the function value `h` (a graph, or a closure: a graph and the
values of its free variables) into its gradient function: a gradient graph with the same
free variables, bound to the same values. Its J rule is `grad_of` one level up, so
gradients of such functions (grad of grad) work too.
"""

from __future__ import annotations

import ast

from myia.ad.wrappers import grad_graph
from myia.errors import MyiaSyntaxError
from myia.ir.nodes import Constant, Graph
from myia.prim.registry import Primitive, primitive

_PRIM_GRAPHS: dict[Primitive, Graph] = {}


def primitive_graph(prim: Primitive) -> Graph:
    """A graph that calls `prim` on its parameters (a primitive as a differentiable function)."""
    g = _PRIM_GRAPHS.get(prim)
    if g is None:
        g = Graph(prim.name)
        params = [g.add_parameter(name) for name in prim.signature.parameters]
        g.output = g.apply(prim, *params)
        g.flags["argnames"] = list(prim.signature.parameters)
        g.flags["defaults"] = {
            k: v.default for k, v in prim.signature.parameters.items() if v.default is not v.empty
        }
        _PRIM_GRAPHS[prim] = g
    return g


def _split_function(f):
    """(graph, rebind) where `rebind(graph2)` makes a function value like `f` for graph2."""
    if isinstance(f, Primitive):
        return primitive_graph(f), lambda g: g
    if isinstance(f, Graph):
        return f, lambda g: g
    graph = getattr(f, "graph", None)
    if isinstance(graph, Graph):
        if hasattr(f, "rebind"):
            return graph, f.rebind
        return graph, lambda g: g
    if hasattr(f, "__myia_graph__"):
        return f.__myia_graph__(), lambda g: g
    raise TypeError(
        f"myia.grad inside compiled code got {type(f).__name__} {f!r}, a function only known "
        "at run time; the NumPy backend differentiates functions known when compiling (a "
        "module-level function or a nested def); use backend='vm' for function values"
    )


@primitive("grad_of", nondiff=False)
def grad_of(f, spec, level):
    """The gradient function of the function value `f` (`spec` = argnums, has_aux,
    with_value); `level` counts the J transforms already applied to `f`."""
    argnums, has_aux, with_value = spec
    graph, rebind = _split_function(f)
    sessions = []
    for _ in range(level):
        base, session = graph.flags["j_of"]
        sessions.append(session)
        graph = base
    out = grad_graph(graph, argnums, has_aux, with_value)
    for session in reversed(sessions):
        out = session.transform(out)
    return rebind(out)


def _literal(node: ast.expr, what: str, loc):
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise MyiaSyntaxError(
            f"`{what}` of myia.grad inside compiled code must be a constant", loc
        ) from None


def make_grad_macro(with_value: bool):
    """The parser macro for `myia.grad(...)` / `myia.value_and_grad(...)` in compiled code."""

    def expand(lowerer, block, expr: ast.Call, loc):
        name = "value_and_grad" if with_value else "grad"
        if len(expr.args) != 1:
            raise MyiaSyntaxError(
                f"myia.{name} inside compiled code takes the function as its only positional "
                f"argument: write myia.{name}(f, argnums=...)(x)",
                loc,
            )
        options = {"argnums": 0, "has_aux": False}
        for kw in expr.keywords:
            if kw.arg not in options:
                raise MyiaSyntaxError(f"myia.{name} got an unexpected keyword `{kw.arg}`", loc)
            options[kw.arg] = _literal(kw.value, kw.arg, loc)
        fn = lowerer.lower_expr(block, expr.args[0])
        spec = (options["argnums"], bool(options["has_aux"]), with_value)
        node = lowerer.prim(block, "grad_of", [fn, Constant(spec, loc), Constant(0, loc)], loc)
        lowerer.session.late_expansions.append((node, _static_gradient))
        return node

    return expand


def _static_gradient(node):
    """`grad_of(@h, spec, 0)` of a function known when compiling => the constant gradient
    graph (with the free variables of `h`, so it closes over the same values)."""
    f, spec, _ = node.inputs[1:]
    if not (isinstance(f, Constant) and isinstance(f.value, (Graph, Primitive))):
        return None
    graph = f.value if isinstance(f.value, Graph) else primitive_graph(f.value)
    if graph.return_ is None or graph.flags.get("parsing"):
        return None  # a function still being parsed (recursion): resolved at run time
    argnums, has_aux, with_value = spec.value
    return Constant(grad_graph(graph, argnums, has_aux, with_value), node.loc)
