"""The program of `grad` and `value_and_grad`: the forward pass, the seed, the backward
pass, and the gradients with exactly the structure, shape and dtype of their inputs.

Example:
    >>> g = gradient_program(typed_root, argnums=(0,), single=True)    # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from myia.ad.forward import covers, fit, tangent_type, value_and_tangent
from myia.ad.reverse import Reverse
from myia.errors import MyiaTypeError
from myia.infer.abstract import (
    AArray,
    ADict,
    AList,
    ARecord,
    AResidual,
    AScalar,
    ATuple,
    AZero,
    describe,
)
from myia.infer.build import Builder, type_of, typed_constant
from myia.infer.walks import drop_values
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph
from myia.prim.records import spec_of
from myia.prim.registry import lookup
from myia.prim.sens import zeros_of
from myia.prim.structures import ZERO

_getitem = lookup("getitem")
_make_tuple = lookup("make_tuple")


def check_differentiable(t, where: str, loc) -> None:
    """Refuse gradients with respect to ints, bools and complex numbers."""
    if isinstance(t, (ATuple, AList)) and t.items is not None:
        for i, x in enumerate(t.items):
            part = f".{t.names[i]}" if isinstance(t, ARecord) else f"[{i}]"
            check_differentiable(x, where + part, loc)
        return
    if isinstance(t, ADict):
        for k, x in zip(t.keys, t.values):
            check_differentiable(x, f"{where}[{k!r}]", loc)
        return
    kind = (
        t.dtype.kind
        if isinstance(t, AArray)
        else (np.dtype(t.kind).kind if isinstance(t, AScalar) else None)
    )
    if kind == "c":
        raise MyiaTypeError(
            f"cannot differentiate with respect to {where}, which is {describe(t)}: myia's "
            "gradients are for real numbers; pass the real and imaginary parts as floats",
            loc,
        )
    if kind in ("b", "i", "u"):
        raise MyiaTypeError(
            f"cannot differentiate with respect to {where}, which is {describe(t)}; pass a "
            "float instead (for example 3.0 rather than 3, or x.astype(float))",
            loc,
        )


def seed(loss, loc):
    """The sensitivity 1 of a float scalar output, else a MyiaTypeError."""
    if isinstance(loss, AScalar) and np.dtype(loss.kind).kind == "f":
        return np.float64(1.0) if loss.kind is float else loss.pytype(1.0)
    if isinstance(loss, AArray) and loss.shape == () and loss.dtype.kind == "f":
        return np.ones((), loss.dtype)
    raise MyiaTypeError(
        f"grad needs a function whose output is a float scalar, but it returns {describe(loss)}; "
        "reduce it first (for example with np.sum or np.mean), or use has_aux=True to return "
        "extra values as `(loss, aux)`",
        loc,
    )


def gradient_program(
    primal: Graph, argnums: tuple[int, ...], single: bool, has_aux: bool, with_value: bool
) -> Graph:
    """The typed program computing the gradient of the typed program `primal`."""
    for i in argnums:
        p = primal.parameters[i]
        check_differentiable(p.abstract, f"argument {i} (`{p.name}`)", primal.loc)
    out_t = primal.output.abstract
    ret = _return_loc(primal)
    if has_aux:
        if not (isinstance(out_t, ATuple) and len(out_t.items) == 2):
            raise MyiaTypeError(
                f"with has_aux=True the function must return a pair (loss, aux), but it returns "
                f"{describe(out_t)}",
                ret,
            )
        loss_t = out_t.items[0]
    else:
        loss_t = out_t
    one = seed(loss_t, ret)
    if one_tangent_suffices(primal, argnums):
        return forward_gradient(primal, argnums[0], single, has_aux, with_value)
    rev = Reverse(primal, argnums)
    f = rev.function(primal)
    g = primal.derive("value_and_grad" if with_value else "grad")
    g.flags.update({k: v for k, v in primal.flags.items() if k in ("argnames", "defaults")})
    params = copy_parameters(g, primal)
    b = Builder(g, primal.loc)
    pair = b.call(f.fwd, params, ATuple((out_t, AResidual(f.region.cell))))
    value = b.apply(_getitem, pair, 0)
    dout = typed_constant(one) if not has_aux else b.apply(_make_tuple, one, ZERO)
    bwd = f.backward(type_of(dout))
    out_types = f.out_types[drop_values(type_of(dout))]
    s = b.call(bwd, [b.apply(_getitem, pair, 1), dout], out_types)
    grads = []
    for i in argnums:
        d = b.apply(_getitem, s, i) if out_types.items[i] is not AZero else None
        grads.append(as_input(b, d, params[i]))
    set_gradient_output(b, g, grads, value, single, has_aux, with_value)
    rev.finish_forward()
    return g


def set_gradient_output(b, g: Graph, grads: list, value, single, has_aux, with_value) -> None:
    """The output of the gradient program `g`: the gradients (one, or a tuple for a tuple
    `argnums`), with the value (`value_and_grad`) or the aux of `(loss, aux)` (`has_aux`)."""
    result = grads[0] if single else b.apply(_make_tuple, *grads)
    if with_value:
        g.output = b.apply(_make_tuple, value, result)
    elif has_aux:
        g.output = b.apply(_make_tuple, result, b.apply(_getitem, value, 1))
    else:
        g.output = result


def one_tangent_suffices(primal: Graph, argnums: tuple[int, ...]) -> bool:
    """Whether the gradient is one directional derivative, which forward mode computes in
    one pass with no tape (as a hand-written adjoint of a function of one number does):
    the program's only input with a derivative is one float (the others are ints, bools,
    strings), it captures nothing (a closure differentiated inside compiled code captures
    values whose tangents forward mode would have to be given), and forward mode covers
    it (`ad.forward.covers`: no custom_vjp rule, a tangent rule for every primitive, no
    function values passed around), and no primitive that selects (`np.where`) is applied
    to values with tangents: reverse mode multiplies the zero cotangent of the side not
    taken by that side's derivative (NaN where it is inf, as JAX's grad gives, for
    numbers as for arrays), where forward mode would drop its tangent."""
    real = [i for i, p in enumerate(primal.parameters) if tangent_type(p.abstract) is not AZero]
    if len(real) != 1 or tuple(real) != tuple(argnums):
        return False
    t = primal.parameters[real[0]].abstract
    if not (isinstance(t, AScalar) and np.dtype(t.kind).kind == "f"):
        return False
    mng = Manager(primal)
    if mng.parents.get(primal) is not None or mng.free_variables_total.get(primal):
        return False
    return covers(mng) and not _selects(mng)


def _selects(mng: Manager) -> bool:
    """Whether a graph `mng` holds applies a primitive that selects (`Primitive.selects`)
    to values with tangents."""
    for g in mng.graphs:
        for node in mng.nodes[g]:
            fn = node.inputs[0] if isinstance(node, Apply) else None
            if isinstance(fn, Constant) and getattr(fn.value, "selects", False):
                if tangent_type(node.abstract) is not AZero:
                    return True
    return False


def forward_gradient(primal: Graph, i: int, single: bool, has_aux: bool, with_value: bool) -> Graph:
    """The gradient program of `primal` with respect to its float parameter `i`, its only
    input with a derivative (`one_tangent_suffices`): the tangent of the output for the
    tangent 1 of that input, by forward mode (`ad.forward`)."""
    g = primal.derive("value_and_grad" if with_value else "grad")
    g.flags.update({k: v for k, v in primal.flags.items() if k in ("argnames", "defaults")})
    params = copy_parameters(g, primal)
    b = Builder(g, primal.loc)
    p = primal.parameters[i]
    one = fit(b, b.node(typed_constant(np.float64(1.0))), p.abstract, params[i])
    value, t_out = value_and_tangent(b, primal, [*params, one])
    if has_aux and t_out is not None:
        loss_tangent = tangent_type(primal.output.abstract).items[0]
        t_out = None if loss_tangent is AZero else b.apply(_getitem, t_out, 0)
    grads = [as_input(b, t_out, params[i])]
    set_gradient_output(b, g, grads, value, single, has_aux, with_value)
    return g


def numpy_floats(t):
    """The type `t` with NumPy floats for its Python floats (the type of a cotangent that
    follows NumPy's float64 arithmetic: `myia.transforms.numpy_floats`)."""
    if isinstance(t, (ATuple, AList)) and t.items is not None:
        return type(t)([numpy_floats(x) for x in t.items])
    if isinstance(t, ADict):
        return ADict(t.keys, [numpy_floats(x) for x in t.values])
    if isinstance(t, AScalar) and t.kind is float:
        return AScalar(float, np=True)
    return t


def copy_parameters(g: Graph, primal: Graph) -> list:
    """New parameters of `g` like those of `primal` (names, places, types), in order."""
    params = []
    for p in primal.parameters:
        q = g.add_parameter(p.name, p.loc)
        q.abstract = p.abstract
        params.append(q)
    return params


def _return_loc(g: Graph):
    """Where `g` returns its output (the user's `return` line), else where it is defined."""
    out = g.output
    loc = getattr(out, "loc", None) if out is not None and out.graph is g else None
    return loc or g.return_.loc or g.loc


def as_input(b: Builder, d, x):
    """The sensitivity `d` (None: absent) as a gradient of the input `x`: the same
    structure, shape, dtype and type of number (a Python float for a Python float), with
    zeros where no sensitivity reached it."""
    t = type_of(x)
    absent = d is None or type_of(d) is AZero
    part = lambda k: None if absent else b.apply(_getitem, d, k)  # noqa: E731
    if isinstance(t, (ATuple, AList)) and t.items is not None:
        items = [as_input(b, part(i), b.apply(_getitem, x, i)) for i in range(len(t.items))]
        if isinstance(t, ARecord):  # a gradient of a record is a record of its class
            return b.apply(lookup("make_record"), spec_of(t), b.apply(_make_tuple, *items))
        return b.apply(_make_tuple if isinstance(t, ATuple) else lookup("make_list"), *items)
    if isinstance(t, ADict):
        items = [as_input(b, part(k), b.apply(_getitem, x, k)) for k in t.keys]
        return b.apply(lookup("make_dict"), t.keys, b.apply(_make_tuple, *items))
    if absent:
        d = zeros_of(b, t, x)
    dt = type_of(d)
    if isinstance(t, AScalar) and (not isinstance(dt, AScalar) or dt.pytype is not t.pytype):
        return b.apply(lookup("cast"), d, t.pytype)
    if isinstance(t, AArray) and isinstance(dt, AArray) and dt.dtype != t.dtype:
        return b.apply(lookup("astype"), d, t.dtype)
    if isinstance(t, AArray) and isinstance(dt, AScalar):
        return b.apply(lookup("asarray"), d, t.dtype)
    return d


def vjp_programs(primal: Graph) -> tuple[Graph, Graph]:
    """The two typed programs of `myia.vjp`, which share one reverse transform (so one
    residual layout): the forward program (the primal values in; the output and the
    residual of its backward pass out) and the backward program (the primal values, the
    output, the residual and a cotangent of the output's type in; the cotangent of each
    input out, None for ints, bools and strings). The backward program computes nothing
    of the forward pass: what it reads of it is in the residual."""
    out_t = primal.output.abstract
    for i, p in enumerate(primal.parameters):
        if tangent_type(p.abstract) is not AZero:
            check_differentiable(p.abstract, f"argument {i} (`{p.name}`)", primal.loc)
    rev = Reverse(primal, tuple(range(len(primal.parameters))))
    f = rev.function(primal)
    res_t = AResidual(f.region.cell)
    fwd = primal.derive("vjp_fwd")
    b = Builder(fwd, primal.loc)
    fwd.output = b.call(f.fwd, copy_parameters(fwd, primal), ATuple((out_t, res_t)))
    bwd = primal.derive("vjp_bwd")
    params = copy_parameters(bwd, primal)
    value, res, ct = (bwd.add_parameter(name, primal.loc) for name in ("out", "res", "ct"))
    value.abstract, res.abstract, ct.abstract = out_t, res_t, numpy_floats(drop_values(out_t))
    b = Builder(bwd, primal.loc)
    dout = fit(b, ct, out_t, value)
    back = f.backward(type_of(dout))
    out_types = f.out_types[drop_values(type_of(dout))]
    s = b.call(back, [res, dout], out_types)
    cts = []
    for i, x in enumerate(params):
        if tangent_type(x.abstract) is AZero:
            cts.append(typed_constant(None))  # an int, a bool, a string: no cotangent
            continue
        d = b.apply(_getitem, s, i) if out_types.items[i] is not AZero else None
        cts.append(as_input(b, d, x))
    bwd.output = b.apply(_make_tuple, *cts)
    rev.finish_forward()
    return fwd, bwd
