"""The PyTorch emitters of the array primitives that move and make data: shapes,
constructors and conversions, indexing and functional updates (`forms.TABLE`, read by
`emitters.table`).

Example:
    >>> from myia.backend.pytorch.forms import TABLE
    >>> TABLE["reshape"].name
    'reshape'
"""

from __future__ import annotations

import ast

from myia.backend.pytorch import runtime
from myia.backend.pytorch.forms import (
    TABLE,
    TorchEmit,
    Unsupported,
    _const_ast,
    call,
    cast,
    const,
    device,
    entry,
    expr,
    host,
    method,
    ndim,
    out_dtype,
    runtime_call,
    tensor,
    torch_dtype,
)
from myia.infer.abstract import AArray, AList, AScalar, ASlice, ATuple
from myia.prim.registry import REGISTRY

# ---------------------------------------------------------------------------------------
# Elementwise arithmetic


# ---------------------------------------------------------------------------------------
# Shapes


def _shape(e, args, i: int) -> ast.expr:
    """A shape argument as a tuple (an int is a 1-d shape)."""
    if isinstance(e.types[i], AScalar):
        return ast.Tuple([args[i]], ast.Load())
    return args[i]


@entry("reshape")
def _reshape(e, args):
    return call("torch.reshape", [tensor(e, args, 0, out_dtype(e)), _shape(e, args, 1)])


@entry("transpose")
def _transpose(e, args):
    axes = const(e, 1, "axes")
    nd = ndim(e)
    if axes is None:
        axes = tuple(reversed(range(nd)))
    if tuple(axes) == tuple(range(nd)):
        return args[0]
    return call("torch.permute", [args[0], _const_ast(tuple(int(a) for a in axes))])


@entry("expand_dims")
def _expand_dims(e, args):
    axis = const(e, 1, "axis")
    axes = axis if isinstance(axis, tuple) else (axis,)
    out_nd = ndim(e, 0) + len(axes)
    x = tensor(e, args, 0, out_dtype(e))
    for a in sorted(int(a) % out_nd for a in axes):
        x = method(x, "unsqueeze", [ast.Constant(a)])
    return x


@entry("squeeze")
def _squeeze(e, args):
    axis = const(e, 1, "axis")
    if axis is None:
        return call("torch.squeeze", [args[0]])
    return call("torch.squeeze", [args[0], _const_ast(axis)])


@entry("broadcast_to")
def _broadcast_to(e, args):
    return call("torch.broadcast_to", [tensor(e, args, 0, out_dtype(e)), _shape(e, args, 1)])


@entry("flip")
def _flip(e, args):
    axis = const(e, 1, "axis")
    dims = tuple(range(ndim(e))) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    return call("torch.flip", [args[0], _const_ast(tuple(int(a) for a in dims))])


@entry("tile")
def _tile(e, args):
    return call("torch.tile", [tensor(e, args, 0, out_dtype(e)), _shape(e, args, 1)])


@entry("copy")
def _copy(e, args):
    return call("torch.clone", [tensor(e, args, 0, out_dtype(e))])


@entry("concatenate")
def _concatenate(e, args):
    axis = const(e, 1, "axis")
    if axis is None:
        raise Unsupported("np.concatenate with axis=None")
    return call("torch.cat", [args[0]], dim=ast.Constant(int(axis)))


@entry("stack")
def _stack(e, args):
    t = e.types[0]
    items = (
        t.items
        if isinstance(t, (ATuple, AList)) and t.items is not None
        else [getattr(t, "elem", None)]
    )
    axis = ast.Constant(int(const(e, 1, "axis")))
    if not all(isinstance(x, AArray) for x in items):  # numbers: tensors first
        dtype = torch_dtype(out_dtype(e))
        return e.function_call(runtime.stack, [args[0], axis, dtype, device()])
    return call("torch.stack", [args[0]], dim=axis)


@entry("split")
def _split(e, args):
    return call(
        "list",
        [
            call(
                "torch.tensor_split", [args[0], args[1]], dim=ast.Constant(int(const(e, 2, "axis")))
            )
        ],
    )


@entry("diag")
def _diag(e, args):
    return call("torch.diag", [args[0], args[1]])


@entry("tril", "triu")
def _triangle(e, args):
    return call(f"torch.{e.node.inputs[0].value.name}", [args[0], args[1]])


@entry("take_along_axis", "permute_along_axis")
def _take_along_axis(e, args):
    axis = const(e, 2, "axis")
    kw = {} if axis is None else {"dim": ast.Constant(int(axis))}
    return call("torch.take_along_dim", [args[0], args[1]], **kw)


@entry("repeat")
def _repeat(e, args):
    axis = const(e, 2, "axis")
    reps = (
        args[1]
        if isinstance(e.types[1], (AScalar, AArray))
        else call("torch.as_tensor", [args[1]], device=device())
    )
    kw = {} if axis is None else {"dim": ast.Constant(int(axis))}
    return call("torch.repeat_interleave", [args[0], reps], **kw)


# ---------------------------------------------------------------------------------------
# Constructors and conversions


def _dtype_kw(e) -> dict:
    return {"dtype": torch_dtype(out_dtype(e)), "device": device()}


@entry("zeros", "ones")
def _filled(e, args):
    return call(f"torch.{e.node.inputs[0].value.name}", [_shape(e, args, 0)], **_dtype_kw(e))


@entry("full")
def _full(e, args):
    if isinstance(e.types[1], AArray):
        shaped = call("torch.broadcast_to", [cast(e, args, 1, out_dtype(e)), _shape(e, args, 0)])
        return call("torch.clone", [shaped])
    return call("torch.full", [_shape(e, args, 0), args[1]], **_dtype_kw(e))


@entry("zeros_like", "ones_like")
def _filled_like(e, args):
    name = e.node.inputs[0].value.name
    if isinstance(e.types[0], AArray):
        return call(f"torch.{name}", [args[0]], dtype=torch_dtype(out_dtype(e)))
    return call(f"torch.{name[:-5]}", [ast.Tuple([], ast.Load())], **_dtype_kw(e))


@entry("eye")
def _eye(e, args):
    if const(e, 2, "diagonal offset") != 0:
        raise Unsupported("np.eye with a diagonal offset k")
    m = args[0] if e.const(1) == (True, None) else args[1]
    return call("torch.eye", [args[0], m], **_dtype_kw(e))


@entry("arange")
def _arange(e, args):
    parts = [args[0]] + [args[i] for i in (1, 2) if e.const(i) != (True, None)]
    if e.const(1) == (True, None) and e.const(2) != (True, None):
        raise Unsupported("np.arange with a step and no stop")
    return call("torch.arange", parts, **_dtype_kw(e))


@entry("linspace")
def _linspace(e, args):
    if not const(e, 3, "endpoint") or const(e, 4, "retstep") or const(e, 6, "axis") != 0:
        raise Unsupported("np.linspace with endpoint=False, retstep or axis")
    if any(isinstance(t, AArray) for t in e.types[:2]):
        raise Unsupported("np.linspace between arrays")
    return call("torch.linspace", [args[0], args[1], args[2]], **_dtype_kw(e))


@entry("astype")
def _astype(e, args):
    return cast(e, args, 0, out_dtype(e))


@entry("asarray")
def _asarray(e, args):
    t = e.types[0]
    if isinstance(t, AArray):
        return method(args[0], "to", [torch_dtype(out_dtype(e))])
    return call("torch.as_tensor", [args[0]], **_dtype_kw(e))


@entry("live_array")
def _live_array(e, args):
    return e.function_call(
        runtime.tensor_of, [ast.Attribute(args[0], "array", ast.Load()), device()]
    )


@entry("cast", host=False)
def _cast(e, args):
    t = e.out
    if not isinstance(t, AScalar) or not isinstance(e.types[0], AArray):
        raise Unsupported(f"a cast to {t}")
    item = method(args[0], "item", [])
    kind = t.kind
    return call(kind.__name__ if kind.__module__ == "builtins" else f"np.{kind.__name__}", [item])


@entry("attr.shape", host=False)
def _attr_shape(e, args):
    return call("tuple", [ast.Attribute(args[0], "shape", ast.Load())])


@entry("attr.ndim", host=False)
def _attr_ndim(e, args):
    return method(args[0], "dim", [])


@entry("attr.size", host=False)
def _attr_size(e, args):
    return method(args[0], "numel", [])


@entry("item", host=False)
def _item(e, args):
    if e.const(1) == (True, None):
        return method(args[0], "item", [])
    if isinstance(e.types[1], AScalar):  # an index into the flattened array
        flat = method(args[0], "reshape", [ast.Constant(-1)])
        return method(ast.Subscript(flat, args[1], ast.Load()), "item", [])
    return method(ast.Subscript(args[0], args[1], ast.Load()), "item", [])


# ---------------------------------------------------------------------------------------
# Indexing and functional updates


@entry("getitem", host=False)
def _getitem(e, args):
    t = e.types[0]
    if not isinstance(t, AArray):
        return REGISTRY.lookup("getitem").emit(e, args)
    ok, value = e.const(1)
    if ok and _negative_step(value):
        flips, index = _flipped(value, t)
        x = call("torch.flip", [args[0], _const_ast(flips)])
        out = ast.Subscript(x, ast.Tuple([_const_index(k) for k in index], ast.Load()), ast.Load())
    elif not ok and _has_slice(e.types[1]):  # its step is known when the code runs
        out = e.function_call(runtime.index, args)
    else:
        out = REGISTRY.lookup("getitem").emit(e, args)
    return host(out, e.out) if isinstance(e.out, AScalar) else out


def _has_slice(t) -> bool:
    items = t.items if isinstance(t, ATuple) else [t]
    return any(isinstance(k, ASlice) for k in items)


def _negative_step(v) -> bool:
    items = v if isinstance(v, tuple) else (v,)
    return any(isinstance(k, slice) and k.step is not None and k.step < 0 for k in items)


def _flipped(v, t: AArray):
    """(the axes to flip, the index with positive steps) for a constant index with
    negative steps (`runtime.positive_steps`), for an array of known shape."""
    if any(n is None for n in t.shape):
        raise Unsupported("a slice with a negative step of an array of unknown shape")
    try:
        return runtime.positive_steps(v, t.shape)
    except TypeError as err:
        raise Unsupported(str(err)) from None


def _const_index(v) -> ast.expr:
    if isinstance(v, slice):
        return ast.Slice(
            *[None if p is None else ast.Constant(p) for p in (v.start, v.stop, v.step)]
        )
    return ast.Constant(v)


@entry("builtin.tuple", "builtin.list", host=False)
def _sequence(e, args):
    name = e.node.inputs[0].value.name.split(".")[1]
    t = e.types[0]
    if not isinstance(t, AArray):
        return REGISTRY.lookup(e.node.inputs[0].value.name).emit(e, args)
    if t.ndim >= 2:
        return call(name, [call("torch.unbind", [args[0]])])
    elem = e.out.items[0] if e.out.items else getattr(e.out, "elem", None)
    numbers = method(args[0], "tolist", [])
    if (
        isinstance(elem, AScalar)
        and elem.np
        or elem is not None
        and elem.kind not in (int, bool, float)
    ):
        kind = "float64" if elem.kind is float else elem.kind.__name__
        numbers = call("map", [expr(f"np.{kind}"), numbers])
    return call(name, [numbers])


@entry("builtin.sum")
def _builtin_sum(e, args):
    if isinstance(e.types[0], AArray):
        total = call("torch.sum", [cast(e, args, 0, out_dtype(e)), ast.Constant(0)])
        return total if e.const(1) == (True, 0) else ast.BinOp(args[1], ast.Add(), total)
    return REGISTRY.lookup("builtin.sum").emit(e, args)


@entry("index_sens")
def _index_sens(e, args):
    return e.function_call(
        runtime.index_sens, [args[0], torch_dtype(out_dtype(e)), args[2], args[3], device()]
    )


TABLE["setitem"] = TorchEmit(runtime_call(runtime.setitem, cast_all=False), name="setitem")
TABLE["clear_at"] = TorchEmit(runtime_call(runtime.clear_at, cast_all=False), name="clear_at")
for _fn in (
    runtime.zeros_like_sens,
    runtime.zeros_at,
    runtime.env_get,
    runtime.seq_onehot,
    runtime.seq_add_at,
    runtime.tree_vdot,
):
    TABLE[_fn.__name__] = TorchEmit(
        runtime_call(_fn, cast_all=False), host=False, name=_fn.__name__
    )


@entry("along_axis_sens")
def _along_axis_sens(e, args):
    return e.function_call(
        runtime.along_axis_sens,
        [args[0], torch_dtype(out_dtype(e)), args[2], args[3], args[4], device()],
    )


@entry("diag_sens")
def _diag_sens(e, args):
    return e.function_call(runtime.diag_sens, list(args) + [device()])


@entry("unconcat")
def _unconcat(e, args):
    if const(e, 2, "axis") is None:
        raise Unsupported("the sensitivity of np.concatenate with axis=None")
    return e.function_call(runtime.unconcat, args)


@entry("unstack")
def _unstack(e, args):
    if ndim(e) < 2:
        raise Unsupported("the sensitivity of np.stack of numbers")
    return call("list", [call("torch.unbind", [args[0], args[1]])])
