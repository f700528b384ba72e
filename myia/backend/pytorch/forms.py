"""The pieces the torch emitters (`emitters.py`) build code from: the kinds of entry
(`TorchEmit`, `SHARED`, `Refused`), `ast` builders of torch calls and the dtype rules
that give NumPy's promotion (`out_dtype`, `op_dtype`, `cast`, `tensor`).

Example:
    >>> import ast
    >>> ast.unparse(call("torch.sin", [expr("x")]))
    'torch.sin(x)'
"""

from __future__ import annotations

import ast
from collections.abc import Callable

import numpy as np

from myia.infer.abstract import AArray, AScalar

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

TABLE: dict[str, object] = {}  # the torch entry of each primitive, by name (emitters.py)


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
            TABLE[n] = TorchEmit(fn, host, n)
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


def runtime_call(fn: Callable, cast_all: bool = True):
    """The emitter of a call of the runtime function `fn` (`backend/pytorch/runtime.py`),
    its operands cast to the result's dtype first (all of them, with `cast_all`)."""

    def emit(e, args):
        d = dtype_of(e.out)
        items = [cast(e, args, i, d) for i in range(len(args))] if cast_all and d else args
        return e.function_call(fn, items)

    return emit
