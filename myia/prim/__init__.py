"""Primitive operations: the registry and every primitive of the supported subset."""

from myia.prim import (  # noqa: F401  (importing a module registers its primitives)
    elementwise,
    linalg,
    reductions,
    scalar,
    sens,
    shapes,
    special,
    structures,
    tape,
)
from myia.prim.registry import PRIMITIVES, Primitive, lookup, primitive, primitive_for
from myia.prim.sens import ZERO

__all__ = ["PRIMITIVES", "Primitive", "ZERO", "lookup", "primitive", "primitive_for"]
