"""Every family of primitives (importing a module registers its primitives)."""

from myia.prim import (  # noqa: F401
    adjoint,
    arith,
    arrays,
    builtins,
    constructors,
    cumulative,
    defaults,
    dicts,
    elementwise,
    gathering,
    guards,
    joining,
    linalg,
    masked,
    np_linalg,
    reductions,
    shapes,
    special,
    spellings,
    structures,
)
