"""The primitives: the registry (`registry.py`) and every operation of the supported
subset, one module per family (importing `myia.next.prim.catalog` registers them all; the
registry's lookups do it on first use)."""
