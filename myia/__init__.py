"""myia: automatic differentiation of Python/NumPy programs by source transformation.

Example:
    >>> import numpy as np, myia
    >>> @myia.jit
    ... def f(x):
    ...     return np.sum(np.tanh(x))
"""

from myia.api import clear_caches, custom_vjp, grad, ir, jit, source, value_and_grad
from myia.errors import (
    MyiaError,
    MyiaNameError,
    MyiaShapeError,
    MyiaSourceError,
    MyiaSyntaxError,
    MyiaTypeError,
)
from myia.prim.structures import stop_gradient
from myia.transforms import hessian, jacfwd, jacrev, jvp, vjp
from myia.trees import tree_leaves, tree_map

__all__ = [
    "MyiaError",
    "MyiaSourceError",
    "MyiaNameError",
    "MyiaShapeError",
    "MyiaSyntaxError",
    "MyiaTypeError",
    "clear_caches",
    "ir",
    "jit",
    "stop_gradient",
    "grad",
    "hessian",
    "jacfwd",
    "jacrev",
    "jvp",
    "custom_vjp",
    "source",
    "tree_leaves",
    "tree_map",
    "value_and_grad",
    "vjp",
]
__version__ = "0.1.0"
