"""`np.linalg.eig` and `np.linalg.eigvals` of square matrices (stacks too): values only.

The eigenvalues of a real matrix are complex in general. NumPy returns a real array when
they all happen to be real and a complex one otherwise, so the type of its result depends
on the values, which a typed program cannot allow. myia does what JAX's `jnp.linalg.eig`
does: the result is always complex (complex128 for a float64 or integer matrix,
complex64 for a float32 one), holding the values NumPy computes, in NumPy's order.

Derivatives are refused: they would be complex, and myia differentiates real numbers. A
symmetric matrix has real eigenvalues, and `np.linalg.eigh` computes and differentiates
them (`decompositions.py`).

Example:
    >>> w, v = eig(np.array([[0.0, 1.0], [-1.0, 0.0]]))
    >>> w
    array([0.+1.j, 0.-1.j])
    >>> eigvals(np.array([[2.0, 0.0], [0.0, 3.0]]))
    array([2.+0.j, 3.+0.j])
"""

from __future__ import annotations

import numpy as np

from myia.errors import MyiaTypeError
from myia.infer.abstract import AArray
from myia.prim.decompositions import _named, _result_class
from myia.prim.np_linalg import _linalg_dtype, _square
from myia.prim.registry import primitive


def _complex(dtype) -> np.dtype:
    """The complex dtype of the eigenvalues of a matrix of `dtype`."""
    return np.result_type(dtype, np.complex64)


@primitive("eig", py=[np.linalg.eig], fresh=True)
def eig(a):
    """`np.linalg.eig(a)`, its eigenvalues and eigenvectors (columns) always complex."""
    w, v = np.linalg.eig(a)
    c = _complex(w.dtype)
    return _result_class(np.linalg.eig)(w.astype(c), v.astype(c))


@primitive("eigvals", py=[np.linalg.eigvals], fresh=True)
def eigvals(a):
    """`np.linalg.eigvals(a)`, always complex."""
    w = np.linalg.eigvals(a)
    return w.astype(_complex(w.dtype))


@eig.definfer
def _infer_eig(a):
    shape = _square(a, "np.linalg.eig").shape
    c = _complex(_linalg_dtype(a))
    return _named(np.linalg.eig, [AArray(c, shape[:-1]), AArray(c, shape)])


@eigvals.definfer
def _infer_eigvals(a):
    shape = _square(a, "np.linalg.eigvals").shape
    return AArray(_complex(_linalg_dtype(a)), shape[:-1])


def _refuse_derivative(prim):
    """The rules of `prim` (reverse and forward mode): a refusal naming the user's line."""

    def refuse(r):
        raise MyiaTypeError(
            f"the derivative of np.linalg.{prim.name} is not supported: its results are "
            "complex in general, and myia differentiates real numbers; for a symmetric "
            "matrix use np.linalg.eigh (real eigenvalues, differentiable), or compute "
            f"np.linalg.{prim.name} outside the differentiated function",
            r.node.loc,
        )

    prim.defvjp(refuse)
    prim.defjvp(refuse)


for _p in (eig, eigvals):
    _refuse_derivative(_p)
eig.defemit(lambda e, args: e.helper_call("eig", args))
eigvals.defemit(lambda e, args: e.helper_call("eigvals", args))
