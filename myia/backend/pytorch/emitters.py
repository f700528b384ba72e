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

import numpy as np

# ---------------------------------------------------------------------------------------
# Elementwise arithmetic
from myia.backend.pytorch import (
    arrays,  # noqa: E402, F401  (its entries fill TABLE)
    runtime,
)
from myia.backend.pytorch.forms import (
    SHARED,
    TABLE,
    Refused,
    TorchEmit,
    Unsupported,
    _const_ast,
    axes_arg,
    call,
    cast,
    const,
    dtype_of,
    entry,
    method,
    ndim,
    op_dtype,
    out_dtype,
    runtime_call,
    tensor,
)
from myia.infer.abstract import AScalar, ATuple
from myia.prim.emitting import copy_tree, template
from myia.prim.registry import REGISTRY


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
    TABLE[_name] = TorchEmit(_operator(_text), name=_name)


@entry("pow", "builtin.pow")
def _pow(e, args):
    d = op_dtype(e)
    return ast.BinOp(cast(e, args, 0, d), ast.Pow(), cast(e, args, 1, d))


for _name in ("eq", "ne", "lt", "le", "gt", "ge", "not_", "truth", "len", "switch"):
    TABLE[_name] = SHARED

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
    "arccosh": "acosh",
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
    TABLE[_name] = TorchEmit(_unary(f"torch.{_fn}"), name=f"torch.{_fn}")


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
    TABLE[_name] = TorchEmit(_predicate(f"torch.{_name}"), name=f"torch.{_name}")


def _polygamma_of_order(n: int):
    def emit(e, args):
        return call("torch.special.polygamma", [ast.Constant(n), cast(e, args, 0, op_dtype(e))])

    return emit


for _name, _n in [("trigamma", 1), ("tetragamma", 2), ("pentagamma", 3)]:
    TABLE[_name] = TorchEmit(_polygamma_of_order(_n), name=_name)


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
    TABLE[_name] = TorchEmit(_binary(f"torch.{_fn}"), name=f"torch.{_fn}")


def _logical(fn: str):
    def emit(e, args):
        return call(fn, [tensor(e, args, 0, np.bool_), tensor(e, args, 1, np.bool_)])

    return emit


for _name in ("logical_and", "logical_or"):
    TABLE[_name] = TorchEmit(_logical(f"torch.{_name}"), name=_name)


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


TABLE["pow_log"] = TorchEmit(runtime_call(runtime.pow_log), name="pow_log")
TABLE["logaddexp_weight"] = TorchEmit(runtime_call(runtime.logaddexp_weight), name="logaddexp")


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


TABLE["sum"] = TorchEmit(_reduction("torch.sum", ("axis", "dtype", "keepdims"), True), name="sum")
TABLE["mean"] = TorchEmit(
    _reduction("torch.mean", ("axis", "dtype", "keepdims"), True), name="mean"
)
TABLE["prod"] = TorchEmit(
    _reduction("torch.prod", ("axis", "dtype", "keepdims"), True, single_dim=True), name="prod"
)
TABLE["var"] = TorchEmit(
    _reduction("torch.var", ("axis", "dtype", "ddof", "keepdims"), True), name="var"
)
TABLE["std"] = TorchEmit(
    _reduction("torch.std", ("axis", "dtype", "ddof", "keepdims"), True), name="std"
)
TABLE["max"] = TorchEmit(_reduction("torch.amax", ("axis", "keepdims"), False), name="max")
TABLE["min"] = TorchEmit(_reduction("torch.amin", ("axis", "keepdims"), False), name="min")
TABLE["all"] = TorchEmit(_reduction("torch.all", ("axis", "keepdims"), False), name="all")
TABLE["any"] = TorchEmit(_reduction("torch.any", ("axis", "keepdims"), False), name="any")


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
    TABLE[_name] = TorchEmit(_linalg(f"torch.linalg.{_name}"), name=_name)


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


TABLE["cofactor"] = TorchEmit(runtime_call(runtime.cofactor), name="cofactor")
TABLE["cofactor_pairs"] = TorchEmit(runtime_call(runtime.cofactor_pairs), name="cofactor_pairs")


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
    "grad_mask",
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
    TABLE[_name] = SHARED

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
    "eig": "is computed by NumPy only (its results are complex): use the NumPy backend",
    "eigvals": "is computed by NumPy only (its results are complex): use the NumPy backend",
}.items():
    TABLE[_name] = Refused(_why)

# `record_call` is rewritten by the specializer into a call of the method, `call_keywords`
# into a positional call of the function value; the primitives whose canonical form
# (`Primitive.canon`) replaces them are refused the same way (`table`): code generation
# never meets them.
TABLE["record_call"] = Refused(_REMOVED)
TABLE["call_keywords"] = Refused(_REMOVED)

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
    TABLE[_name] = Refused(_NUMBERS)


def register() -> None:
    """Put the torch entries in the registry (`Primitive.emitters["torch"]`). A primitive
    the table does not name has none, and is refused on arrays like a `Refused` one
    (`tests/backend/test_torch.py` checks that the table names every primitive)."""
    for name, torch_entry in table().items():
        REGISTRY.by_name[name].emitters["torch"] = torch_entry


def table() -> dict:
    """The torch entry of each primitive named, by name (emitters, SHARED, Refused): those
    of `TABLE`, and a refusal for each other primitive a canonical form replaces."""
    REGISTRY.load()
    rewritten = {
        name: Refused(_REMOVED) for name, p in REGISTRY.by_name.items() if p.canon is not None
    }
    return {**rewritten, **{n: e for n, e in TABLE.items() if n in REGISTRY.by_name}}
