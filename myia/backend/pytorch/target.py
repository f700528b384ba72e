"""The `Target` of PyTorch code: what `codegen.py` needs to write a module of torch code.

An application whose inputs and result hold no array is host code: Python numbers,
tuples and lists, written by the NumPy emitter (with the NumPy backend's scalar fast
code). One that touches an array is written by the primitive's torch entry
(`emitters.py`); where its result is a scalar, the tensor it computes is converted to the
number the typed program says (`x.item()`, `np.float32(x.item())`), so that every scalar
of torch code is a host number, like every array is a tensor on the target's device. A
refused primitive, or a form of one torch code cannot write, raises `MyiaBackendError` at
the user's line when the code is generated.

Example:
    >>> target = torch_target("cpu")
    >>> target.prelude[-1]
    'import torch'
"""

from __future__ import annotations

import ast

import numpy as np
import torch

from myia.backend.pytorch.emitters import register
from myia.backend.pytorch.forms import (
    SHARED,
    Refused,
    TorchEmit,
    Unsupported,
    call,
    device,
    host,
    torch_dtype,
)
from myia.backend.targets import Target
from myia.errors import MyiaBackendError
from myia.infer.abstract import AArray, ADict, AList, AScalar, AStack, ATuple

_TARGETS: dict[str, TorchTarget] = {}


class TorchTarget(Target):
    """PyTorch code for `device` (a `torch.device`)."""

    name = "torch"

    def __init__(self, device: torch.device):
        super().__init__()
        register()
        self.device = device
        self.prelude = ["import math", "", "import numpy as np", "import torch"]
        self.namespace.update(torch=torch, device=device)
        self.reserved = self.reserved | {"torch", "device"}

    def emitter(self, e, prim):
        arrays_in = any(has_array(t) for t in e.types)
        if not arrays_in and not has_array(e.out):
            return prim.emit
        if not arrays_in and prim.elementwise and isinstance(e.out, AArray):
            return lambda e, args: self.on_device(prim, e, args)  # a NumPy 0-d result
        item = prim.emitters.get("torch")
        if item is SHARED:
            return prim.emit
        if isinstance(item, TorchEmit):
            return lambda e, args: self.write(prim, item, e, args)
        reason = item.reason if isinstance(item, Refused) else "it has no PyTorch entry"
        raise refusal(prim.name, reason, e.node.loc)

    def on_device(self, prim, e, args) -> ast.expr:
        """The host computation of an elementwise application of numbers whose result
        NumPy makes a 0-d array, as a tensor on the device."""
        value = prim.emit(e, args) if prim.emit is not None else e.helper_call(prim.name, args)
        return call("torch.as_tensor", [value], dtype=torch_dtype(e.out.dtype), device=device())

    def write(self, prim, item: TorchEmit, e, args) -> ast.expr:
        """The expression `item` writes for the application `e` of `prim`."""
        try:
            out = item(e, args)
        except Unsupported as u:
            raise refusal(prim.name, f"PyTorch code cannot write {u}", e.node.loc) from None
        if item.host and isinstance(e.out, AScalar):
            return host(out, e.out)
        return out

    def define(self, name: str, value):
        stmt, imports, bound = super().define(name, value)
        if isinstance(value, np.ndarray):
            bound = torch.as_tensor(
                value if value.flags.c_contiguous else value.copy(), device=self.device
            )
            if stmt is not None:
                stmt.value = call("torch.as_tensor", [stmt.value], device=device())
        return stmt, imports, bound


def torch_target(device) -> TorchTarget:
    """The target of torch code for `device` ("cpu", "cuda", "cuda:1", a torch.device)."""
    key = str(torch.device(device))
    target = _TARGETS.get(key)
    if target is None:
        target = _TARGETS[key] = TorchTarget(torch.device(key))
    return target


def refusal(prim: str, reason: str, loc) -> MyiaBackendError:
    return MyiaBackendError(
        f"backend='torch' cannot run `{prim}` on arrays: {reason}; compile this function "
        "with backend='numpy', or write the operation with NumPy functions the torch "
        "backend has (docs/api.md, 'Backends')",
        loc,
    )


def has_array(t) -> bool:
    """Whether a value of type `t` is or holds an array (a tensor in torch code)."""
    if isinstance(t, AArray):
        return True
    if isinstance(t, (ATuple, AList)):
        items = t.items if t.items is not None else [t.elem]
        return any(has_array(x) for x in items)
    if isinstance(t, ADict):
        return any(has_array(x) for x in t.values)
    if isinstance(t, AStack):
        return has_array(t.elem)
    return False
