"""Arguments into compiled torch code and results out of it.

`placement(args, device)` gives what the compiler is told of the arguments (each tensor
stands as a NumPy array of its dtype and shape, made without copying it) and the device the
code runs on: `device` when given, else that of the first tensor argument, else the CPU.
`TorchFunction` runs the compiled code: NumPy arrays are moved to the device, tensors are
kept (moved where `device` says otherwise), and results come back as NumPy arrays when no
argument was a tensor, as tensors otherwise.

Example:
    >>> import numpy as np, torch
    >>> typed, device = placement((torch.ones(2, 3),), None)
    >>> typed[0].shape, typed[0].dtype, device
    ((2, 3), dtype('float32'), 'cpu')
"""

from __future__ import annotations

import numpy as np
import torch

from myia.errors import MyiaBackendError
from myia.trees import tree_leaves, tree_map

_NP_DTYPES: dict[torch.dtype, np.dtype] = {}


def numpy_dtype(dtype: torch.dtype) -> np.dtype:
    d = _NP_DTYPES.get(dtype)
    if d is None:
        d = _NP_DTYPES[dtype] = torch.empty(0, dtype=dtype).numpy().dtype
    return d


def _stand_in(t: torch.Tensor) -> np.ndarray:
    """A NumPy array of the dtype and shape of `t` (a broadcast view: no memory)."""
    return np.broadcast_to(np.zeros((), numpy_dtype(t.dtype)), tuple(t.shape))


def _tensors(x) -> list:
    return [v for v in tree_leaves(x) if isinstance(v, torch.Tensor)]


def placement(args: tuple, device) -> tuple[tuple, str]:
    """(the arguments as the compiler types them, the device the code runs on)."""
    tensors = _tensors(args)
    if device is None:
        device = tensors[0].device if tensors else "cpu"
    device = _checked_device(device)
    if not tensors:
        return args, device
    return tree_map(lambda x: _stand_in(x) if isinstance(x, torch.Tensor) else x, args), device


def _checked_device(device) -> str:
    """`device` as torch names it; refuses a device torch does not know or cannot reach."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as e:
        raise MyiaBackendError(
            f"device={device!r} is not a torch device: give 'cpu', 'cuda' or 'cuda:N' ({e})"
        ) from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise MyiaBackendError(
            f"device={device!r}: this torch ({torch.__version__}) has no CUDA device "
            "(torch.cuda.is_available() is False); use device='cpu', or install a CUDA "
            "build of torch on a machine with a GPU"
        )
    return str(dev)


class TorchFunction:
    """Compiled torch code (`compiled`, a `CompiledFunction`) run on `device`."""

    def __init__(self, compiled, device: str):
        self.compiled = compiled
        self.device = torch.device(device)
        self.source = compiled.source

    def to_device(self, x):
        if isinstance(x, np.ndarray):
            return torch.as_tensor(x if x.flags.c_contiguous else x.copy(), device=self.device)
        if isinstance(x, torch.Tensor) and x.device != self.device:
            return x.to(self.device)
        return x

    def fn(self, *args):
        moved = tree_map(self.to_device, args)
        out = self.compiled(*moved)  # (its errors name the user's line: `recover`)
        return out if _tensors(args) else tree_map(_to_numpy, out)

    def recover(self, exc: Exception, args: tuple):
        """`fn` handled the errors of the compiled code already."""
        raise exc


def _to_numpy(x):
    """A tensor as NumPy gives it: an array, a NumPy scalar for a 0-d one (as NumPy's
    operations on 0-d arrays give)."""
    if isinstance(x, torch.Tensor):
        a = x.detach().cpu().numpy()
        return a[()] if a.ndim == 0 else a
    return x
