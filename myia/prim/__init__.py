"""The primitives: the registry (`registry.py`) and every operation of the supported
subset, one module per family (importing `myia.prim.catalog` registers them all; the
registry's lookups do it on first use)."""

from myia.prim.registry import REGISTRY, Primitive, lookup, primitive, primitive_for

__all__ = ["REGISTRY", "Primitive", "lookup", "primitive", "primitive_for"]
