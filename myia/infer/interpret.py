"""The analysis of one context: the type of each node of its graph, in order.

`run_context` is a generator: where a call needs the result of a context not analysed yet,
it yields that context, and the driver (`engine.Analysis.solve`) analyses it first.
Primitives are typed by their rule (`Primitive.infer`) and folded when their inputs are
constants; calls of graphs go to the context (or loop version) of the callee.
"""

from __future__ import annotations

import types

from myia.binding import Default, bind_parameters
from myia.errors import MyiaError, MyiaSyntaxError, MyiaTypeError
from myia.infer.abstract import (
    BOTTOM,
    AbstractValue,
    AConst,
    AFunction,
    AGradient,
    ARecord,
    ATuple,
    AUnion,
    GraphFn,
    abstract_of_value,
    describe,
    join,
)
from myia.infer.engine import NEW, STRUCTURAL, Analysis, Context, constant_fold
from myia.infer.walks import drop_values
from myia.ir.nodes import Apply, Constant, Graph
from myia.parser import primitive_graph
from myia.prim.records import method_target
from myia.prim.registry import REGISTRY, Primitive

_APPLY = REGISTRY.lookup("apply")
_RECORD_CALL = REGISTRY.lookup("record_call")
_CALL_KEYWORDS = REGISTRY.lookup("call_keywords")


def run_context(an: Analysis, ctx: Context):
    """Analyse `ctx` (a generator yielding the contexts it waits for)."""
    before = dict(ctx.values)
    ctx.calls = {}
    ctx.errors = {}
    for node in an.graph_order(ctx.graph):
        args = [an.value_of(ctx, x) for x in node.inputs[1:]]
        fn = an.value_of(ctx, node.inputs[0])
        try:
            out = yield from call(an, ctx, node, fn, args)
        except (MyiaTypeError, MyiaSyntaxError) as e:  # a refusal by a rule (`prim/guards.py`)
            if e.loc is None and node.loc is not None:
                e = type(e)(e.message, node.loc)
            ctx.errors[node] = e
            out = BOTTOM
        ctx.values[node] = out
    if ctx.values != before:
        for r in sorted(ctx.readers, key=_context_id):
            an.mark(r)


def call(an: Analysis, ctx: Context, node: Apply, fn: AbstractValue, args: list):
    """The type of `node`, a call of a function of type `fn` on arguments of `args`."""
    if isinstance(fn, AUnion) and all(isinstance(o, AFunction) for o in fn.options):
        fn = AFunction(frozenset().union(*(o.options for o in fn.options)))
    if fn is BOTTOM:
        return BOTTOM
    if isinstance(fn, AConst) and isinstance(fn.value, type):
        binding = REGISTRY.binding_for(fn.value)  # a type called as a function
        if binding is not None:
            prim, fixed = binding
            if not _direct(node, fn.value):
                fn = AFunction([GraphFn(primitive_graph(prim, fixed), None)])
            else:
                extra = [abstract_of_value(v) for v in fixed.values()]
                return (yield from call_primitive(an, ctx, node, prim, [*args, *extra]))
    if isinstance(fn, AGradient):
        return (yield from call_gradient(an, ctx, node, fn, args))
    if isinstance(fn, AFunction) and fn.single is _RECORD_CALL:
        return (yield from call_method(an, ctx, node, args))
    if isinstance(fn, AFunction) and fn.single is _CALL_KEYWORDS:
        if args[0] is BOTTOM:
            return BOTTOM
        rest = args[2:]
        bound = [
            _default_type(x.value) if isinstance(x, Default) else rest[x]
            for x in keyword_binding(args[0], node)
        ]
        return (yield from call(an, ctx, node, args[0], bound))
    if isinstance(fn, ARecord):  # a model called: its class's `__call__`
        return (yield from call_method(an, ctx, node, [fn, AConst("__call__"), *args]))
    if isinstance(fn, AConst) and isinstance(fn.value, type):
        raise MyiaTypeError(
            f"making an object of the class `{fn.value.__name__}` in compiled code is not "
            "supported (namedtuple classes are): make it outside and pass it as an argument"
        )
    if not isinstance(fn, AFunction):
        raise MyiaTypeError(f"{describe(fn)} is not callable")
    out = BOTTOM
    recorded = []
    for opt in sorted(fn.options, key=_option_order):
        if isinstance(opt, Primitive) and not _direct(node, opt):
            # A primitive called through a value: the graph calling it, so that a value
            # has one kind of function (a graph) and reverse mode a forward closure for it.
            opt = GraphFn(primitive_graph(opt), None)
        if isinstance(opt, Primitive):
            r = yield from call_primitive(an, ctx, node, opt, args)
            recorded.append((opt, None))
        else:
            callee = _callee(an, ctx, node, opt, args)
            if callee.state == NEW:
                yield callee
            callee.callers.add(ctx)
            recorded.append((opt, callee))
            r = callee.output
            rule = callee.graph.flags.get("custom_bprop")
            if rule is not None and r is not BOTTOM:
                yield from custom_rule(an, callee, rule)
        out = join(out, r)
    if not (len(recorded) == 1 and recorded[0][0] is _APPLY):
        ctx.calls[node] = recorded
    return out


def keyword_binding(fn: AbstractValue, node: Apply) -> list:
    """The argument of each parameter of the function value of type `fn` in the call
    `node`, `call_keywords(f, names, *positional, *keyword_values)`: the index in
    `positional + keyword_values`, or the parameter's `Default`; the same for every graph
    `fn` may be, or a `MyiaTypeError` (`binding.bind_parameters` binds the call, as the
    parser binds a direct call).

    Example: `f(x, z=0.5)` of `def g(x, y=2.0, z=1.0)` binds as `[0, Default(2.0), 1]`.
    """
    names = node.inputs[2].value
    n = len(node.inputs) - 3 - len(names)
    keywords = ", ".join(f"`{k}=`" for k in names)
    while isinstance(fn, AGradient) and fn.spec != ("jvp",):
        fn = fn.fn  # `myia.grad(h)`, `myia.vmap(h)`: called with h's parameters
    if isinstance(fn, AUnion) and all(isinstance(o, AFunction) for o in fn.options):
        fn = AFunction(frozenset().union(*(o.options for o in fn.options)))
    if not isinstance(fn, AFunction) or not all(
        isinstance(o, (GraphFn, Primitive)) for o in fn.options
    ):
        raise MyiaTypeError(
            f"keyword arguments ({keywords}) in a call of {describe(fn)} are not supported; "
            "pass the arguments by position",
            node.loc,
        )
    graphs, plans, first_names = [], [], None
    for opt in sorted(fn.options, key=_option_order):
        g = primitive_graph(opt) if isinstance(opt, Primitive) else opt.graph
        argnames = g.flags.get("argnames") or [p.name for p in g.parameters]
        try:
            plan = bind_parameters(
                g.name,
                argnames,
                g.flags.get("defaults") or {},
                list(range(n)),
                {k: n + j for j, k in enumerate(names)},
            )
        except TypeError as e:
            raise MyiaTypeError(f"{e} (called through a function value)", node.loc) from None
        graphs.append(f"`{g.name}({', '.join(argnames)})`")
        plans.append(plan)
        first_names = first_names or argnames
    positions = [[None if isinstance(x, Default) else x for x in p] for p in plans]
    if any(p != positions[0] for p in positions[1:]):
        raise MyiaTypeError(
            f"the functions this call of a function value may call ({', '.join(graphs)}) bind "
            f"its keyword arguments {keywords} differently; pass the arguments by position, or "
            "call each function where it is chosen",
            node.loc,
        )
    types = [[_default_type(x.value) if isinstance(x, Default) else x for x in p] for p in plans]
    if any(t != types[0] for t in types[1:]):
        left_out = [name for name, x in zip(first_names, plans[0]) if isinstance(x, Default)]
        raise other_defaults(graphs, left_out, node.loc)
    return plans[0]


def other_defaults(graphs: list[str], left_out: list[str], loc) -> MyiaTypeError:
    """The refusal of a call of a function value that leaves out the parameters `left_out`
    of the functions `graphs` it may call, which have different defaults for them.

    Example:
        >>> print(other_defaults(["`f(x, y)`", "`g(x, y)`"], ["y"], None).message)
        the functions this call of a function value may call (`f(x, y)`, `g(x, y)`) have different defaults for `y`, which the call leaves out; pass it in the call
    """
    params = ", ".join(f"`{n}`" for n in left_out)
    return MyiaTypeError(
        f"the functions this call of a function value may call ({', '.join(graphs)}) have "
        f"different defaults for {params}, which the call leaves out; pass "
        f"{'it' if len(left_out) == 1 else 'them'} in the call",
        loc,
    )


def call_method(an: Analysis, ctx: Context, node: Apply, args: list):
    """The type of `obj.name(*rest)` (`record_call`; `args`: obj, name, rest): the method
    of obj's class (or the `__call__` of the model in its field `name`), parsed and
    specialized for the object and `rest`."""
    from myia.parser import parse

    obj, name, *rest = args
    if obj is BOTTOM:
        return BOTTOM
    fn, on = method_target(obj, name.value)
    prim = REGISTRY.primitive_for(fn) if on is None else None
    if prim is not None:  # a NumPy function in a static attribute (`self.act = np.tanh`)
        g = primitive_graph(prim)
    elif isinstance(fn, types.FunctionType):
        g = parse(fn)
    else:
        raise MyiaTypeError(
            f"`{obj.cls.__name__}.{name.value}` is {fn!r}, not a Python function or a NumPy "
            "function myia can compile"
        )
    call_args = list(rest) if on is None else [obj if on == "self" else obj.items[on], *rest]
    if len(call_args) != len(g.parameters):
        call_args = _bind_defaults(g, call_args, node)
    callee = an.context(g, None, tuple(call_args))
    if callee.state == NEW:
        yield callee
    callee.callers.add(ctx)
    ctx.calls[node] = [(GraphFn(g, None), callee)]
    return callee.output


def call_gradient(an: Analysis, ctx: Context, node: Apply, fn: AGradient, args: list):
    """The type of a call of `myia.grad(h, ...)` on `args`: h is specialized for them; the
    gradient has the types of the arguments it is taken with respect to."""
    opt = fn.fn.single if isinstance(fn.fn, AFunction) else None
    if isinstance(fn.fn, AGradient):  # a transform of a transform (`myia.infer.nesting`)
        from myia.infer.nesting import wrapper

        opt = wrapper(an, fn.fn, len(args) // 2 if fn.spec == ("jvp",) else len(args), node.loc)
    if opt is None:
        name = "myia.vmap" if fn.spec[0] == "vmap" else "myia.grad"
        raise MyiaTypeError(f"{name} needs a function known when compiling, not {describe(fn.fn)}")
    if isinstance(opt, Primitive):
        opt = GraphFn(primitive_graph(opt), None)
    if isinstance(opt, GraphFn) and opt.graph.flags.get("vararg") and opt.context is None:
        # `myia.grad(h)(a, b)` of `def h(*xs)`: `h` of its arguments as passed (JAX's
        # numbering), as `myia.grad(h)` called from Python differentiates it
        from myia.pipeline import spread_graph

        count = len(args) // 2 if fn.spec == ("jvp",) else len(args)
        opt = GraphFn(spread_graph(opt.graph, count), None)
    if fn.spec == ("jvp",):
        return (yield from call_tangent(an, ctx, node, fn, opt, args))
    if fn.spec[0] == "vmap":
        return (yield from call_batched(an, ctx, node, fn, opt, args))
    callee = _callee(an, ctx, node, opt, args)
    if callee.state == NEW:
        yield callee
    callee.callers.add(ctx)
    ctx.calls[node] = [(("grad", fn.spec), callee)]
    argnums, has_aux, with_value = fn.spec
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    n = len(callee.args)
    grads = [drop_values(callee.args[i % n]) for i in nums]
    g = grads[0] if isinstance(argnums, int) else ATuple(grads)
    out = callee.output
    if with_value:
        return ATuple((out, g))
    if has_aux:
        return (
            ATuple((g, out.items[1])) if isinstance(out, ATuple) and len(out.items) == 2 else BOTTOM
        )
    return g


def call_tangent(an: Analysis, ctx: Context, node: Apply, fn: AGradient, opt, args: list):
    """The type of `myia.jvp(h, primals, tangents)` (`args`: the primals, then the
    tangents): h is specialized for the primals; the result is the value and its tangent."""
    from myia.ad.jvp_program import tangent_output_type

    n = len(args) // 2
    callee = _callee(an, ctx, node, opt, args[:n])
    if callee.state == NEW:
        yield callee
    callee.callers.add(ctx)
    ctx.calls[node] = [(("grad", fn.spec), callee)]
    out = callee.output
    return BOTTOM if out is BOTTOM else ATuple((out, tangent_output_type(out)))


def call_batched(an: Analysis, ctx: Context, node: Apply, fn: AGradient, opt, args: list):
    """The type of `myia.vmap(h, in_axes, out_axes)(*args)`: h is specialized for one
    example; the result has the batch axes `out_axes` says."""
    from myia.batching.program import call_type

    try:
        examples, result = call_type(args, fn.spec)
    except MyiaTypeError as e:
        raise MyiaTypeError(e.message, e.loc or node.loc) from None
    callee = _callee(an, ctx, node, opt, examples)
    if callee.state == NEW:
        yield callee
    callee.callers.add(ctx)
    ctx.calls[node] = [(("grad", fn.spec), callee)]
    out = callee.output
    return BOTTOM if out is BOTTOM else result(out)


def custom_rule(an: Analysis, callee: Context, rule):
    """Analyse the backpropagator of a `custom_vjp` function for its call: on its inputs,
    its output and the sensitivity of its output."""
    from myia.infer.sensitivity import sens_type
    from myia.parser import parse

    graph = parse(rule)
    args = (*callee.args, callee.output, sens_type(callee.output))
    if len(graph.parameters) != len(args):
        raise MyiaTypeError(
            f"the backpropagator of `{callee.graph.name}` must take its {len(callee.args)} inputs, "
            f"its output and the output's sensitivity ({len(args)} parameters), not "
            f"{len(graph.parameters)}",
            graph.loc,
        )
    bctx = an.context(graph, None, args)
    if bctx.state == NEW:
        yield bctx
    an.rules[callee] = bctx


def _direct(node: Apply, value) -> bool:
    """Whether `node` calls `value` by its name (not through a function value)."""
    f = node.inputs[0]
    return isinstance(f, Constant) and f.value is value


def _option_order(o):
    if isinstance(o, GraphFn):
        return (0, o.graph.id, getattr(o.context, "id", -1))
    return (1, 0, o.name)


def _callee(an: Analysis, ctx: Context, node: Apply, opt: GraphFn, args: list) -> Context:
    g = opt.graph
    if g.return_ is None:
        raise MyiaTypeError(f"`{g.name}` is called while it is being defined", node.loc)
    params = g.parameters
    if g.flags.get("vararg") and not _bound_call(node, g):
        raise MyiaTypeError(
            f"`{g.name}` has a `*{g.flags['vararg']}` parameter, and is called here through a "
            "value or with `*` (not by its name): call it by its name with its arguments "
            "written out, or give it a tuple parameter",
            node.loc,
        )
    if len(args) != len(params):
        args = _bind_defaults(g, args, node)
    if g.flags.get("loop"):
        return an.loop_version(g, opt.context, tuple(args), ctx, node.loc)
    f = node.inputs[0]
    if isinstance(f, Constant) and f.value is g:
        return an.context(g, opt.context, tuple(args), direct=True)
    return an.value_context(g, opt.context, tuple(args), node.loc)


def _default_type(value) -> AbstractValue:
    """The type of a parameter's default: a function (`nonlinearity=np.tanh`) is the graph
    it compiles to."""
    from myia.pipeline import function_type, is_function_value

    return function_type(value) if is_function_value(value) else abstract_of_value(value)


def _bound_call(node: Apply, g: Graph) -> bool:
    """Whether `node` calls `g` by its name, its arguments bound when parsing (the extra
    positional arguments of a `*args` parameter packed into a tuple)."""
    f = node.inputs[0]
    return isinstance(f, Constant) and f.value is g


def _bind_defaults(g: Graph, args: list, node: Apply) -> list:
    names = g.flags.get("argnames") or [p.name for p in g.parameters]
    defaults = g.flags.get("defaults") or {}
    n = len(g.parameters)
    if len(args) < n and all(m in defaults for m in names[len(args) :]):
        return list(args) + [_default_type(defaults[m]) for m in names[len(args) :]]
    raise MyiaTypeError(
        f"{g.name}() takes {n} positional arguments but {len(args)} were given", node.loc
    )


def call_primitive(an: Analysis, ctx: Context, node: Apply, prim: Primitive, args: list):
    if prim.name == "apply":
        fn, packed = args
        if not isinstance(packed, ATuple):
            raise MyiaTypeError(f"`*args` must be a tuple, got {describe(packed)}")
        return (yield from call(an, ctx, node, fn, list(packed.items)))
    if prim.name not in STRUCTURAL and any(a is BOTTOM for a in args):
        return BOTTOM
    if prim.infer is None:
        raise MyiaError(f"internal error: primitive {prim.name} has no shape rule")
    return constant_fold(prim, args)[0]


def _context_id(c: Context) -> int:
    return c.id  # a stable order (a set of contexts iterates in the order of their addresses)
