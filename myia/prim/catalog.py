"""Every family of primitives (importing a module registers its primitives)."""

from myia.prim import (  # noqa: F401
    adjoint,
    arith,
    arrays,
    builtins,
    constructors,
    cumulative,
    dicts,
    elementwise,
    gathering,
    joining,
    linalg,
    np_linalg,
    reductions,
    shapes,
    special,
    structures,
)
