"""Every family of primitives (importing a module registers its primitives)."""

from myia.next.prim import (  # noqa: F401
    arith,
    arrays,
    elementwise,
    linalg,
    reductions,
    structures,
)
