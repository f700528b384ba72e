"""The programs of `myia.jacrev` and `myia.jacfwd`: one compiled program computes every
row (or column) of a Jacobian, in a loop inside the program over the one-hot basis.

`jacrev` runs the forward pass once, then a loop that, for each element i of the output
(its float leaves, flattened and laid end to end), runs the backward pass on the saved
residual from the one-hot cotangent e_i and pushes the cotangents of the differentiated
inputs (their float leaves) onto a stack. `jacfwd` loops over the elements of the
differentiated inputs and pushes the tangent of the output (its float leaves) from the
one-hot tangent. The program returns the output with the stack; `myia.transforms` lays
the stack's rows out in the structure JAX gives.

Example:
    >>> g = jacobian_program(typed_root, argnums=(0,), has_aux=False, mode="rev")  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from myia.ad.forward import Forward, fit, tangent_type
from myia.ad.gradient import as_input, check_differentiable, copy_parameters
from myia.ad.reverse import Reverse
from myia.errors import MyiaTypeError
from myia.infer.abstract import (
    AArray,
    ADict,
    AFunction,
    AList,
    AResidual,
    AScalar,
    AStack,
    ATuple,
    AZero,
    GraphFn,
    describe,
)
from myia.infer.build import Builder, type_of, typed_constant
from myia.infer.walks import drop_values
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Graph, Node
from myia.prim.registry import lookup
from myia.prim.structures import ZERO

_getitem = lookup("getitem")
_make_tuple = lookup("make_tuple")
_make_list = lookup("make_list")
_make_dict = lookup("make_dict")
_push = lookup("stack_push")
_switch = lookup("switch")
_lt = lookup("lt")
_add = lookup("add")
_eq = lookup("eq")
_astype = lookup("astype")
_reshape = lookup("reshape")


def float_leaves(t, where: str, loc) -> list:
    """The leaves of the type `t` (tuples, lists, dicts), each a float or a float array,
    in order; anything else is refused (a Jacobian is of floats)."""
    if isinstance(t, (ATuple, AList)) and t.items is not None:
        return [x for i, v in enumerate(t.items) for x in float_leaves(v, f"{where}[{i}]", loc)]
    if isinstance(t, ADict):
        return [
            x for k, v in zip(t.keys, t.values) for x in float_leaves(v, f"{where}[{k!r}]", loc)
        ]
    if isinstance(t, AArray) and t.dtype.kind == "f" and t.known_shape:
        return [t]
    if isinstance(t, AScalar) and np.dtype(t.kind).kind == "f":
        return [t]
    raise MyiaTypeError(
        f"a Jacobian is of floats and float arrays (in tuples, lists and dicts), but "
        f"{where} is {describe(t)}",
        loc,
    )


def size_of(t) -> int:
    """The number of elements of a float leaf type."""
    return int(np.prod(t.shape)) if isinstance(t, AArray) else 1


def leaf_nodes(b: Builder, x: Node) -> list[Node]:
    """The leaves of the structured value `x`, in the order of `float_leaves`."""
    t = type_of(x)
    if isinstance(t, (ATuple, AList)) and t.items is not None:
        return [y for i in range(len(t.items)) for y in leaf_nodes(b, b.apply(_getitem, x, i))]
    if isinstance(t, ADict):
        return [y for k in t.keys for y in leaf_nodes(b, b.apply(_getitem, x, k))]
    return [x]


def one_hot_tree(b: Builder, e: Node, like: Node, offset: int) -> tuple[Node, int]:
    """The value of the structure of `like` whose leaves are the slices of the flat
    one-hot vector `e` from `offset` on (each of its leaf's shape, dtype and kind of
    number); and the offset after it."""
    t = type_of(like)
    if isinstance(t, (ATuple, AList)) and t.items is not None:
        items = []
        for i in range(len(t.items)):
            item, offset = one_hot_tree(b, e, b.apply(_getitem, like, i), offset)
            items.append(item)
        return b.apply(_make_tuple if isinstance(t, ATuple) else _make_list, *items), offset
    if isinstance(t, ADict):
        items = []
        for k in t.keys:
            item, offset = one_hot_tree(b, e, b.apply(_getitem, like, k), offset)
            items.append(item)
        return b.apply(_make_dict, t.keys, b.apply(_make_tuple, *items)), offset
    n = size_of(t)
    if isinstance(t, AArray):
        whole = offset == 0 and n == type_of(e).shape[0]
        part = e if whole else b.apply(_getitem, e, slice(offset, offset + n))
        if t.dtype != type_of(e).dtype:
            part = b.apply(_astype, part, t.dtype)
        if t.shape != (n,):
            part = b.apply(_reshape, part, t.shape)
    else:
        part = b.apply(_getitem, e, offset)
    return fit(b, part, t, like), offset + n


def basis_loop(b: Builder, n: int, step) -> Node:
    """In the graph of `b`, a loop over i in range(n) that pushes `step(bb, e)` (a tuple
    node built by `bb` from the one-hot float64 vector `e` of length n) onto a stack; the
    stack (the last pushed on top; None when n is 0)."""
    loc = b.loc
    loop = Graph("basis_loop", loc)
    loop.flags["loop"] = True
    i = loop.add_parameter("i", loc)
    i.abstract = AScalar(int)
    tape = loop.add_parameter("tape", loc)
    body = Graph("basis_step", loc)
    body.flags["branch"] = True
    bb = Builder(body, loc)
    e = bb.apply(_astype, bb.apply(_eq, typed_constant(np.arange(n)), i), np.dtype(np.float64))
    item = step(bb, e)
    stack_t = AStack(type_of(item))
    tape.abstract = stack_t
    pushed = Apply([typed_constant(_push), tape, item], body, loc)
    pushed.abstract = stack_t
    body.output = bb.call(loop, [bb.apply(_add, i, 1), pushed], stack_t)
    done = Graph("basis_done", loc)
    done.flags["branch"] = True
    done.output = tape
    lb = Builder(loop, loc)
    more = lb.apply(_lt, i, n)
    sw = Apply(
        [typed_constant(_switch), more, typed_constant(body), typed_constant(done)], loop, loc
    )
    sw.abstract = AFunction([GraphFn(body, None), GraphFn(done, None)])
    call = Apply([sw], loop, loc)
    call.abstract = stack_t
    loop.output = call
    start = Apply([typed_constant(loop), typed_constant(0), typed_constant(None)], b.graph, loc)
    start.abstract = stack_t
    return start


def jacobian_program(primal: Graph, argnums: tuple[int, ...], has_aux: bool, mode: str) -> Graph:
    """The typed program computing `(f(x), stack)` for the typed program `primal` of `f`:
    the rows of its Jacobian with respect to `argnums` (`mode="rev"`: one per element of
    the output, each the tuple of the float leaves of the inputs' cotangents) or its
    columns (`mode="fwd"`: one per element of the inputs, each the tuple of the float
    leaves of the output's tangent), the last on top. With `has_aux`, `f` returns
    `(out, aux)` and the Jacobian is that of `out`."""
    loc = primal.loc
    for i in argnums:
        p = primal.parameters[i]
        check_differentiable(p.abstract, f"argument {i} (`{p.name}`)", loc)
        float_leaves(drop_values(p.abstract), f"argument {i} (`{p.name}`)", loc)
    value_t = primal.output.abstract
    if has_aux and not (isinstance(value_t, ATuple) and len(value_t.items) == 2):
        raise MyiaTypeError(
            f"with has_aux=True the function must return a pair (out, aux), but it returns "
            f"{describe(value_t)}",
            loc,
        )
    out_t = value_t.items[0] if has_aux else value_t
    g = primal.derive(f"jac{mode}")
    params = copy_parameters(g, primal)
    b = Builder(g, loc)
    if mode == "rev":
        value, stack = _rows(b, primal, params, argnums, has_aux, out_t)
    else:
        value, stack = _columns(b, primal, params, argnums, has_aux, out_t)
    g.output = b.apply(_make_tuple, value, stack)
    return g


def _rows(b: Builder, primal: Graph, params: list, argnums, has_aux: bool, out_t):
    n = sum(map(size_of, float_leaves(drop_values(out_t), "the output", primal.loc)))
    rev = Reverse(primal, argnums)
    f = rev.function(primal)
    value_t = primal.output.abstract
    pair = b.call(f.fwd, params, ATuple((value_t, AResidual(f.region.cell))))
    value = b.apply(_getitem, pair, 0)
    out = b.apply(_getitem, value, 0) if has_aux else value

    def step(bb: Builder, e: Node) -> Node:
        ct, _ = one_hot_tree(bb, e, out, 0)
        dout = bb.apply(_make_tuple, ct, ZERO) if has_aux else ct
        back = f.backward(type_of(dout))
        out_types = f.out_types[drop_values(type_of(dout))]
        s = bb.call(back, [bb.apply(_getitem, pair, 1), dout], out_types)
        leaves = []
        for i in argnums:
            d = bb.apply(_getitem, s, i) if out_types.items[i] is not AZero else None
            leaves += leaf_nodes(bb, as_input(bb, d, params[i]))
        return bb.apply(_make_tuple, *leaves)

    stack = basis_loop(b, n, step)
    rev.finish_forward()
    return value, stack


def _columns(b: Builder, primal: Graph, params: list, argnums, has_aux: bool, out_t):
    float_leaves(drop_values(out_t), "the output", primal.loc)
    n = sum(
        size_of(t)
        for i in argnums
        for t in float_leaves(drop_values(primal.parameters[i].abstract), "", primal.loc)
    )
    fwd = Forward(Manager(primal))
    jg = fwd.graph(primal)
    fwd.run()
    value_t = primal.output.abstract

    zeros = {  # the tangents of the other inputs, made once, before the loop
        k: fit(b, None, p.abstract, x)
        for k, (p, x) in enumerate(zip(primal.parameters, params))
        if k not in argnums and tangent_type(p.abstract) is not AZero
    }

    def step(bb: Builder, e: Node) -> Node:
        tangents = dict(zeros)
        offset = 0
        for k in argnums:  # the elements of the inputs in the order of `argnums`
            tangents[k], offset = one_hot_tree(bb, e, params[k], offset)
        args = [*params, *(tangents[k] for k in sorted(tangents))]
        pair = bb.call(jg, args, ATuple((value_t, tangent_type(value_t))))
        t_value, value = bb.apply(_getitem, pair, 1), bb.apply(_getitem, pair, 0)
        if has_aux:
            t_value, value = bb.apply(_getitem, t_value, 0), bb.apply(_getitem, value, 0)
        t_out = as_input(bb, t_value, value)
        return bb.apply(_make_tuple, *leaf_nodes(bb, t_out))

    value = b.call(primal, params, value_t)
    return value, basis_loop(b, n, step)
