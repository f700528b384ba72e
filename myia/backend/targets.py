"""What the code generator needs to know of the library it writes code for: a `Target`.

One code generator (`codegen.py`) writes every backend's module; a target supplies what
differs: the imports the module may start with and the names they bind, the emitter of each
primitive application, and how a constant array is written. `NUMPY` is the NumPy backend;
the PyTorch backend's target is made by `myia.backend.torch.target` for a device.

Example:
    >>> NUMPY.name, NUMPY.prelude
    ('numpy', ['import math', '', 'import numpy as np'])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from myia.backend.constants import definition


class Target:
    """The NumPy backend's description; a subclass overrides what its library changes.

    `prelude`: the imports the module starts with (those of them whose names its text
    reads: `source.used_imports`); `namespace`: the values of the names those lines bind
    (the module is run in it, not imported); `reserved`: those names."""

    name = "numpy"

    def __init__(self):
        self.prelude = ["import math", "", "import numpy as np"]
        self.namespace: dict[str, Any] = {"np": np, "math": math}
        self.reserved = {"np", "math"}

    def emitter(self, e, prim) -> Callable | None:
        """The emitter of the application `e` (an `Emit`) of `prim`; None: a call of
        the primitive's implementation."""
        return prim.emit

    def define(self, name: str, value: Any):
        """(statement defining `name` as `value` at the top of the module or None, the
        imports it needs, the value `name` is bound to when the module is loaded)."""
        stmt, imports = definition(name, value)
        return stmt, imports, value


NUMPY = Target()
