"""The PyTorch emitter of every primitive, or the reason it is refused: `register()` puts
them in the registry (`Primitive.emitters["torch"]`), beside the NumPy ones.

The emitters write NumPy's semantics in torch: every array operand whose dtype is not the
dtype the typed program gives the result is cast to it first (so an int array divided by
an int is float64, a float32 array times a Python float stays float32, and a float32 array
times a NumPy float64 is float64, as in NumPy); reductions reduce over tuples of axes,
keep dimensions, compute `var`/`std` with NumPy's `ddof`; `//` and `%` floor as NumPy's.

An application with no array among its inputs and its result is host code: numbers,
tuples, lists, written by the NumPy emitter (the scalar fast code of the NumPy backend),
so only applications that touch tensors reach this table. An entry is

- an emitter `(e, args) -> ast.expr` (`TorchEmit`: `host=True` when the expression is a
  tensor that the code converts to a Python or NumPy number where the result is a scalar);
- `SHARED`: the NumPy emitter writes code that is right for tensors too (structure:
  tuples, tapes, `if`s; Python operators without casts);
- a `Refused` reason, raised at compile time as a `MyiaBackendError` naming the user's line
  and the primitive.

Example:
    >>> register()
    >>> from myia.prim.registry import REGISTRY
    >>> REGISTRY.lookup("sin").emitters["torch"].name
    'torch.sin'
"""

from __future__ import annotations

import ast
from collections.abc import Callable

import numpy as np

from myia.backend.pytorch import runtime
from myia.infer.abstract import AArray, AList, AScalar, ASlice, ATuple
from myia.prim.emitting import copy_tree, template
from myia.prim.registry import REGISTRY

SHARED = "shared"


class Refused:
    """The reason a primitive has no torch emitter (applications to arrays are refused)."""

    def __init__(self, reason: str):
        self.reason = reason


class TorchEmit:
    """A torch emitter: `fn(e, args)`; `host`: the expression is a tensor even where the
    typed result is a scalar (the code generator converts it to a number there)."""

    def __init__(self, fn: Callable, host: bool = True, name: str = ""):
        self.fn = fn
        self.host = host
        self.name = name

    def __call__(self, e, args):
        return self.fn(e, args)


# The NumPy dtypes torch has (both name them alike).
_TORCH_DTYPES = frozenset(
    "float64 float32 float16 int64 int32 int16 int8 uint8 bool complex128 complex64".split()
)

_TABLE: dict[str, object] = {}


def expr(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def host(value: ast.expr, t: AScalar) -> ast.expr:
    """The tensor `value` (one element) as the number of type `t` on the host: a Python
    number, or the NumPy scalar NumPy gives (`np.float64` where `t` says so)."""
    item = method(value, "item", [])
    kind = t.kind
    if kind in (int, bool) or kind in (float, complex) and not t.np:
        return item
    name = {float: "float64", complex: "complex128"}.get(kind) or kind.__name__
    return call(f"np.{name}", [item])


def torch_dtype(dtype) -> ast.expr:
    """`torch.<dtype>` for a NumPy dtype (a dtype torch lacks is refused)."""
    name = np.dtype(dtype).name
    if name not in _TORCH_DTYPES:
        raise Unsupported(f"the dtype {name}")
    return expr(f"torch.{name}")


class Unsupported(Exception):
    """Raised by an emitter for a form of its primitive torch code cannot write; the
    target turns it into a `MyiaBackendError` at the user's line."""


def dtype_of(t) -> np.dtype | None:
    if isinstance(t, AArray):
        return t.dtype
    if isinstance(t, AScalar):
        return np.dtype(t.kind)
    return None


def out_dtype(e) -> np.dtype:
    d = dtype_of(e.out)
    if d is None:
        raise Unsupported(f"a result of type {e.out}")
    return d


def op_dtype(e) -> np.dtype:
    """The dtype an elementwise application computes in, as the NumPy code would: the
    typed result's, except that in fast code a constant number is written as a Python
    literal, which NumPy promotes weakly (`1.0 - x` of a float32 `x` is float32 there,
    even where the constant is a NumPy float64 of a backpropagator)."""
    out = out_dtype(e)
    if not e.fast or out.kind not in "fc":
        return out
    samples = []
    for i, t in enumerate(e.types):
        if isinstance(t, AArray):
            samples.append(np.empty(0, array_dtype(e, i)))
        elif isinstance(t, AScalar):
            weak = t.python or e.const(i)[0] and t.kind is float
            samples.append(t.kind(0) if weak else np.zeros((), t.dtype)[()])
    computed = np.result_type(*samples) if samples else out
    computed = computed if computed.kind in "fc" else out
    if isinstance(e.out, AArray) and computed != out:
        _dtypes(e)[e.node] = computed
    return computed


def _dtypes(e) -> dict:
    """The arrays of the module being written whose tensors have another dtype than their
    type's (a weaker float: see `op_dtype`)."""
    return e.gen.notes.setdefault("torch_dtypes", {})


def array_dtype(e, i: int) -> np.dtype:
    """The dtype of the tensor of array argument `i` when the code runs."""
    return _dtypes(e).get(e.node.inputs[1 + i], e.types[i].dtype)


def call(fn: str, args: list, **kw) -> ast.Call:
    return ast.Call(expr(fn), list(args), [ast.keyword(k, v) for k, v in kw.items()])


def method(obj: ast.expr, name: str, args: list, **kw) -> ast.Call:
    return ast.Call(
        ast.Attribute(obj, name, ast.Load()), list(args), [ast.keyword(k, v) for k, v in kw.items()]
    )


def device() -> ast.expr:
    return ast.Name("device", ast.Load())


def cast(e, args, i: int, dtype) -> ast.expr:
    """Argument `i`, an array cast to `dtype` where its dtype differs (others as given)."""
    t = e.types[i]
    if isinstance(t, AArray) and array_dtype(e, i) != np.dtype(dtype):
        return method(args[i], "to", [torch_dtype(dtype)])
    if isinstance(t, AScalar) and t.dtype.kind == "b" and np.dtype(dtype).kind != "b":
        return call("int", [args[i]])  # torch has no `-` of booleans; NumPy counts them 0, 1
    return args[i]


def tensor(e, args, i: int, dtype) -> ast.expr:
    """Argument `i` as a tensor of `dtype` (a number becomes one on the device)."""
    t = e.types[i]
    if isinstance(t, AArray):
        return cast(e, args, i, dtype)
    return call("torch.as_tensor", [args[i]], dtype=torch_dtype(dtype), device=device())


def const(e, i: int, what: str):
    ok, v = e.const(i)
    if not ok:
        raise Unsupported(f"a {what} known only when the code runs")
    return v


def ndim(e, i: int = 0) -> int:
    t = e.types[i]
    return t.ndim if isinstance(t, AArray) else 0


def entry(*names: str, host: bool = True):
    """Decorator: the emitter of the primitives `names`."""

    def register(fn):
        for n in names:
            _TABLE[n] = TorchEmit(fn, host, n)
        return fn

    return register


def axes_arg(axis, nd: int):
    """The `dim=` value of a reduction over `axis` (None for all axes)."""
    if axis is None:
        return None
    if isinstance(axis, tuple):
        if not axis:
            raise Unsupported("a reduction over an empty tuple of axes")
        if sorted(int(a) % nd for a in axis) == list(range(nd)):
            return None
        return tuple(int(a) for a in axis)
    return int(axis)


def _const_ast(v) -> ast.expr:
    if isinstance(v, tuple):
        return ast.Tuple([_const_ast(x) for x in v], ast.Load())
    return ast.Constant(v)


# ---------------------------------------------------------------------------------------
# Elementwise arithmetic


def _operator(text: str):
    tpl = template(text)

    def emit(e, args):
        if dtype_of(e.out) is None:  # on tuples or lists that hold arrays
            return tpl(e, args)
        d = op_dtype(e)
        return tpl(e, [cast(e, args, i, d) for i in range(len(args))])

    return emit


for _name, _text in [
    ("add", "{0} + {1}"),
    ("sub", "{0} - {1}"),
    ("mul", "{0} * {1}"),
    ("truediv", "{0} / {1}"),
    ("floordiv", "{0} // {1}"),
    ("mod", "{0} % {1}"),
    ("neg", "-{0}"),
    ("pos", "+{0}"),
    ("square", "{0} * {0}"),
    ("matmul", "{0} @ {1}"),
]:
    _TABLE[_name] = TorchEmit(_operator(_text), name=_name)


@entry("pow", "builtin.pow")
def _pow(e, args):
    d = op_dtype(e)
    return ast.BinOp(cast(e, args, 0, d), ast.Pow(), cast(e, args, 1, d))


for _name in ("eq", "ne", "lt", "le", "gt", "ge", "not_", "truth", "len", "switch"):
    _TABLE[_name] = SHARED

_UNARY = {
    "abs": "abs",
    "builtin.abs": "abs",
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "arcsinh": "asinh",
    "arctanh": "atanh",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
    "exp": "exp",
    "expm1": "expm1",
    "exp2": "exp2",
    "log": "log",
    "log2": "log2",
    "log10": "log10",
    "log1p": "log1p",
    "sqrt": "sqrt",
    "floor": "floor",
    "ceil": "ceil",
    "trunc": "trunc",
    "rint": "round",
    "reciprocal": "reciprocal",
    "digamma": "special.digamma",
    "scipy.special.digamma": "special.digamma",
    "scipy.special.gammaln": "special.gammaln",
    "scipy.special.erf": "special.erf",
    "scipy.special.erfc": "special.erfc",
    "scipy.special.expit": "special.expit",
    "scipy.special.logit": "special.logit",
    "scipy.special.ndtr": "special.ndtr",
}


def _unary(fn: str):
    def emit(e, args):
        return call(fn, [cast(e, args, 0, op_dtype(e))])

    return emit


for _name, _fn in _UNARY.items():
    _TABLE[_name] = TorchEmit(_unary(f"torch.{_fn}"), name=f"torch.{_fn}")


@entry("sign")
def _sign(e, args):
    x = cast(e, args, 0, out_dtype(e))
    if out_dtype(e).kind not in "fc":
        return call("torch.sign", [x])
    sign = call("torch.sign", [copy_tree(x)])  # torch.sign(nan) is 0, NumPy's is nan
    return call("torch.where", [call("torch.isnan", [x]), copy_tree(x), sign])


def _predicate(fn: str):
    def emit(e, args):
        return call(fn, [tensor(e, args, 0, dtype_of(e.types[0]))])

    return emit


for _name in ("isnan", "isfinite", "logical_not"):
    _TABLE[_name] = TorchEmit(_predicate(f"torch.{_name}"), name=f"torch.{_name}")


def _polygamma_of_order(n: int):
    def emit(e, args):
        return call("torch.special.polygamma", [ast.Constant(n), cast(e, args, 0, op_dtype(e))])

    return emit


for _name, _n in [("trigamma", 1), ("tetragamma", 2), ("pentagamma", 3)]:
    _TABLE[_name] = TorchEmit(_polygamma_of_order(_n), name=_name)


@entry("scipy.special.polygamma")
def _polygamma(e, args):
    return call("torch.special.polygamma", [args[0], cast(e, args, 1, out_dtype(e))])


_BINARY = {
    "maximum": "maximum",
    "minimum": "minimum",
    "fmax": "fmax",
    "fmin": "fmin",
    "arctan2": "atan2",
    "hypot": "hypot",
    "logaddexp": "logaddexp",
    "scipy.special.xlogy": "special.xlogy",
}


def _binary(fn: str):
    def emit(e, args):
        d = op_dtype(e)
        return call(fn, [tensor(e, args, 0, d), tensor(e, args, 1, d)])

    return emit


for _name, _fn in _BINARY.items():
    _TABLE[_name] = TorchEmit(_binary(f"torch.{_fn}"), name=f"torch.{_fn}")


def _logical(fn: str):
    def emit(e, args):
        return call(fn, [tensor(e, args, 0, np.bool_), tensor(e, args, 1, np.bool_)])

    return emit


for _name in ("logical_and", "logical_or"):
    _TABLE[_name] = TorchEmit(_logical(f"torch.{_name}"), name=_name)


@entry("where")
def _where(e, args):
    d = op_dtype(e)
    c = tensor(e, args, 0, np.bool_)
    return call("torch.where", [c, tensor(e, args, 1, d), tensor(e, args, 2, d)])


@entry("clip")
def _clip(e, args):
    d = op_dtype(e)
    x = tensor(e, args, 0, d)
    for i, fn in ((1, "torch.maximum"), (2, "torch.minimum")):
        if e.const(i) != (True, None):
            x = call(fn, [x, tensor(e, args, i, d)])
    return x


@entry("ieee_power")
def _ieee_power(e, args):
    d = op_dtype(e)
    return call("torch.pow", [tensor(e, args, 0, d), cast(e, args, 1, d)])


def _runtime(fn: Callable, cast_all: bool = True):
    def emit(e, args):
        d = dtype_of(e.out)
        items = [cast(e, args, i, d) for i in range(len(args))] if cast_all and d else args
        return e.function_call(fn, items)

    return emit


_TABLE["pow_log"] = TorchEmit(_runtime(runtime.pow_log), name="pow_log")
_TABLE["logaddexp_weight"] = TorchEmit(_runtime(runtime.logaddexp_weight), name="logaddexp")


@entry("np.round")
def _round(e, args):
    decimals = const(e, 1, "number of decimals")
    x = cast(e, args, 0, out_dtype(e))
    return (
        call("torch.round", [x], decimals=ast.Constant(int(decimals)))
        if decimals
        else call("torch.round", [x])
    )


# ---------------------------------------------------------------------------------------
# Reductions


def _reduction(fn: str, names: tuple, cast_input: bool, single_dim: bool = False):
    def emit(e, args):
        params = dict(zip(names, range(1, len(names) + 1)))
        nd = ndim(e)
        axis = axes_arg(const(e, params["axis"], "axis"), max(nd, 1))
        keep = bool(const(e, params["keepdims"], "keepdims")) if "keepdims" in params else False
        x = (
            tensor(e, args, 0, out_dtype(e))
            if cast_input
            else tensor(e, args, 0, dtype_of(e.types[0]))
        )
        kw = {}
        if "ddof" in params:
            kw["correction"] = _const_ast(const(e, params["ddof"], "ddof"))
        if axis is None and not keep:
            return call(fn, [x], **kw)
        dims = tuple(range(nd)) if axis is None else axis
        if single_dim and isinstance(dims, tuple):
            for a in sorted((a % nd for a in dims), reverse=True):
                x = call(fn, [x, ast.Constant(a)], keepdim=ast.Constant(keep), **kw)
            return x
        return call(fn, [x, _const_ast(dims)], keepdim=ast.Constant(keep), **kw)

    return emit


_TABLE["sum"] = TorchEmit(_reduction("torch.sum", ("axis", "dtype", "keepdims"), True), name="sum")
_TABLE["mean"] = TorchEmit(
    _reduction("torch.mean", ("axis", "dtype", "keepdims"), True), name="mean"
)
_TABLE["prod"] = TorchEmit(
    _reduction("torch.prod", ("axis", "dtype", "keepdims"), True, single_dim=True), name="prod"
)
_TABLE["var"] = TorchEmit(
    _reduction("torch.var", ("axis", "dtype", "ddof", "keepdims"), True), name="var"
)
_TABLE["std"] = TorchEmit(
    _reduction("torch.std", ("axis", "dtype", "ddof", "keepdims"), True), name="std"
)
_TABLE["max"] = TorchEmit(_reduction("torch.amax", ("axis", "keepdims"), False), name="max")
_TABLE["min"] = TorchEmit(_reduction("torch.amin", ("axis", "keepdims"), False), name="min")
_TABLE["all"] = TorchEmit(_reduction("torch.all", ("axis", "keepdims"), False), name="all")
_TABLE["any"] = TorchEmit(_reduction("torch.any", ("axis", "keepdims"), False), name="any")


@entry("argmax", "argmin")
def _arg_reduction(e, args):
    fn = "torch.argmax" if e.node.inputs[0].value.name == "argmax" else "torch.argmin"
    axis = const(e, 1, "axis")
    keep = bool(const(e, 2, "keepdims"))
    if axis is None and keep:
        raise Unsupported("an arg-reduction over all axes with keepdims=True")
    kw = {} if axis is None else {"dim": ast.Constant(int(axis)), "keepdim": ast.Constant(keep)}
    return call(fn, [args[0]], **kw)


def _flat_axis(e, args, i: int):
    """(operand, dim) of a function along `axis` (None: the flattened array)."""
    axis = const(e, i, "axis")
    x = tensor(e, args, 0, out_dtype(e))
    if axis is None:
        return method(x, "reshape", [ast.Constant(-1)]), ast.Constant(0)
    return x, ast.Constant(int(axis))


@entry("cumsum", "cumprod")
def _cumulative(e, args):
    x, dim = _flat_axis(e, args, 1)
    return call(f"torch.{e.node.inputs[0].value.name}", [x, dim])


@entry("reverse_cumsum")
def _reverse_cumsum(e, args):
    x, dim = _flat_axis(e, args, 1)
    dims = ast.Tuple([dim], ast.Load())
    flipped = call("torch.flip", [x, dims])
    return call("torch.flip", [call("torch.cumsum", [flipped, copy_tree(dim)]), copy_tree(dims)])


@entry("sort")
def _sort(e, args):
    x, dim = _flat_axis(e, args, 1)
    return ast.Attribute(
        call("torch.sort", [x], dim=dim, stable=ast.Constant(True)), "values", ast.Load()
    )


@entry("argsort")
def _argsort(e, args):
    axis = const(e, 1, "axis")
    x = args[0] if axis is not None else method(args[0], "reshape", [ast.Constant(-1)])
    dim = ast.Constant(0 if axis is None else int(axis))
    return call("torch.argsort", [x], dim=dim, stable=ast.Constant(True))


@entry("norm")
def _norm(e, args):
    x = tensor(e, args, 0, out_dtype(e))
    ord_, axis, keep = const(e, 1, "ord"), const(e, 2, "axis"), const(e, 3, "keepdims")
    kw = {}
    if ord_ is not None:
        kw["ord"] = _const_ast(ord_)
    if axis is not None:
        kw["dim"] = _const_ast(axis)
    if keep:
        kw["keepdim"] = ast.Constant(True)
    return call("torch.linalg.norm", [x], **kw)


def _linalg(fn: str):
    def emit(e, args):
        return call(fn, [cast(e, args, i, out_dtype(e)) for i in range(len(args))])

    return emit


for _name in ("inv", "det", "solve"):
    _TABLE[_name] = TorchEmit(_linalg(f"torch.linalg.{_name}"), name=_name)


@entry("cholesky")
def _cholesky(e, args):
    return call("torch.linalg.cholesky", [cast(e, args, 0, dtype_of(e.out))])


@entry("pinv")
def _pinv(e, args):
    return call("torch.linalg.pinv", [cast(e, args, 0, dtype_of(e.out))])


def _factors(e) -> np.dtype:
    """The dtype of the factors of a decomposition (its result is a tuple of arrays)."""
    items = e.out.items if isinstance(e.out, ATuple) else [e.out]
    return dtype_of(items[-1])


@entry("eigh")
def _eigh(e, args):
    x = cast(e, args, 0, _factors(e))
    uplo = str(const(e, 1, "UPLO")).upper()
    return call("tuple", [call("torch.linalg.eigh", [x], UPLO=ast.Constant(uplo))])


@entry("qr")
def _qr(e, args):
    x = cast(e, args, 0, _factors(e))
    return call("tuple", [call("torch.linalg.qr", [x], mode=ast.Constant("reduced"))])


@entry("svd")
def _svd(e, args):
    x = cast(e, args, 0, _factors(e))
    if not const(e, 2, "compute_uv"):
        return call("torch.linalg.svdvals", [x])
    full = ast.Constant(bool(const(e, 1, "full_matrices")))
    return call("tuple", [call("torch.linalg.svd", [x], full_matrices=full)])


@entry("slogdet", host=False)
def _slogdet(e, args):
    scalars = ast.Constant(isinstance(e.out.items[0], AScalar))
    return e.function_call(runtime.slogdet, [cast(e, args, 0, _factors(e)), scalars])


_TABLE["cofactor"] = TorchEmit(_runtime(runtime.cofactor), name="cofactor")
_TABLE["cofactor_pairs"] = TorchEmit(_runtime(runtime.cofactor_pairs), name="cofactor_pairs")


@entry("trace")
def _trace(e, args):
    offset, a1, a2 = const(e, 1, "offset"), const(e, 2, "axis"), const(e, 3, "axis")
    x = tensor(e, args, 0, out_dtype(e))
    diag = call("torch.diagonal", [x, ast.Constant(offset), ast.Constant(a1), ast.Constant(a2)])
    return call("torch.sum", [diag, ast.Constant(-1)])


@entry("contract")
def _contract(e, args):
    d = out_dtype(e)
    return call("torch.einsum", [args[0]] + [cast(e, args, i, d) for i in range(1, len(args))])


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


_TABLE["setitem"] = TorchEmit(_runtime(runtime.setitem, cast_all=False), name="setitem")
_TABLE["clear_at"] = TorchEmit(_runtime(runtime.clear_at, cast_all=False), name="clear_at")
for _fn in (
    runtime.zeros_like_sens,
    runtime.zeros_at,
    runtime.env_get,
    runtime.seq_onehot,
    runtime.tree_vdot,
):
    _TABLE[_fn.__name__] = TorchEmit(_runtime(_fn, cast_all=False), host=False, name=_fn.__name__)


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


# ---------------------------------------------------------------------------------------
# Structure: the NumPy emitters write plain Python, right for tensors too.

for _name in (
    "make_tuple",
    "make_list",
    "make_dict",
    "make_slice",
    "list_append",
    "stack_push",
    "stack_pop",
    "sens_pop",
    "stack_add",
    "sens_add",
    "env_single",
    "env_add",
    "is_",
    "is_not",
    "stop_gradient",
    "raise_",
    "unpack_seq",
    "seq_fill",
    "dict_items",
    "dict_keys",
    "dict_values",
    "iterable",
    "apply",
    "is_missing",
    "builtin.isinstance",
    "builtin.range",
    "make_record",
):
    _TABLE[_name] = SHARED

_REMOVED = "is rewritten to other primitives before code generation"
_NUMBERS = "computes on numbers only (the code is host Python)"
_SEQUENCES = "is a Python built-in on sequences, not written for tensors"

for _name, _why in {
    "refuse_mutable": "is removed by specialization",
    "grad_of": "is replaced by a gradient program before code generation",
    "grad_call": "is replaced by a gradient program before code generation",
    "return_": "is the output of a graph, not an operation",
    "builtin.enumerate": _SEQUENCES,
    "builtin.zip": _SEQUENCES,
    "builtin.max": _SEQUENCES,
    "builtin.min": _SEQUENCES,
    "builtin.round": _NUMBERS,
    "seq_total": _SEQUENCES,
    "seq_ties": _SEQUENCES,
    "seq_weighted": _SEQUENCES,
    "seq_wsum": _SEQUENCES,
    "rows_stack": _SEQUENCES,
    "attr.dtype": "gives a NumPy dtype, which tensors do not have",
}.items():
    _TABLE[_name] = Refused(_why)

# Primitives whose canonical form (`Primitive.canon`) replaces them when the program is
# specialized: code generation never meets them.
for _name in (
    "take",
    "dot",
    "einsum",
    "inner",
    "outer",
    "tensordot",
    "attr.T",
    "flatten",
    "ravel",
    "moveaxis",
    "swapaxes",
    "method.copy",
    "fliplr",
    "flipud",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "hstack",
    "vstack",
    "full_like",
    "sum_masked",
    "prod_masked",
    "max_masked",
    "min_masked",
    "mean_masked",
    "record_attr",
    "record_replace",
    "record_call",
    "append",
    "array_split",
    "hsplit",
    "vsplit",
    "dsplit",
    "cross",
    "diff",
    "kron",
    "pad",
    "roll",
    "scipy.special.logsumexp",
    "scipy.stats.norm.cdf",
    "scipy.stats.norm.logpdf",
    "scipy.stats.norm.pdf",
    "np.add",
    "np.subtract",
    "np.multiply",
    "np.divide",
    "np.power",
    "np.negative",
    "np.mod",
    "np.square",
    "np.equal",
    "np.not_equal",
    "np.less",
    "np.less_equal",
    "np.greater",
    "np.greater_equal",
):
    _TABLE[_name] = Refused(_REMOVED)

# The `math` functions take numbers: their applications are host code.
for _name in (
    "math.atan2",
    "math.ceil",
    "math.cos",
    "math.erf",
    "math.exp",
    "math.expm1",
    "math.fabs",
    "math.floor",
    "math.lgamma",
    "math.log",
    "math.log1p",
    "math.pow",
    "math.sin",
    "math.sqrt",
    "math.tan",
    "math.tanh",
):
    _TABLE[_name] = Refused(_NUMBERS)


def register() -> None:
    """Put the torch entries in the registry (`Primitive.emitters["torch"]`). A primitive
    the table does not name has none, and is refused on arrays like a `Refused` one
    (`tests/backend/test_torch.py` checks that the table names every primitive)."""
    REGISTRY.load()
    for name, prim in REGISTRY.by_name.items():
        if name in _TABLE:
            prim.emitters["torch"] = _TABLE[name]


def table() -> dict:
    """The torch entry of each primitive named, by name (emitters, SHARED, Refused)."""
    return dict(_TABLE)
