"""Which applications of primitives may raise at run time, from the types of their inputs.

The optimizer drops a statement whose value is unused only when running it cannot raise
(`myia.opt.optimize`): Python raises on `x / y` with `y == 0`, on `math.sqrt(x)` with
`x < 0`, on `t[i]` out of range, so such a statement must still run. Each primitive says it
with `Primitive.total`, a predicate on the abstract values of its inputs that is true when
no input of those types makes it raise. By default a primitive may raise; this module
declares the total ones, by family:

- structure and compiler primitives (tuples, records, tapes, sensitivities, `switch`):
  total on the types inference gave them;
- NumPy operations on arrays and on NumPy or Python scalars: total when every array input
  has a shape known when compiling (inference then checked broadcasting, the inner
  dimensions of a product, a reshape), as NumPy warns and gives inf or NaN where Python
  raises. Python `float` arithmetic follows Python: `+`, `-`, `*` and comparisons never
  raise on floats, but `/`, `//` and `%` by a Python number raise `ZeroDivisionError` (by a
  NumPy float they give inf: the type decides), and `**` on Python numbers may overflow;
  a Python int mixed with a float may be too large to convert;
- `math` functions raise on domain errors and overflow (`math.sin(inf)` included), but
  `math.tanh`, `math.fabs`, `math.erf` and `math.atan2` are total;
- `x[i]` is total when the container is a tuple, record, dict or list indexed by a constant
  (inference checked it), or an array of known shape indexed by constants in range,
  slices of known non-zero step, `None` and `...`; `cast` is total where no conversion can
  fail (`int(nan)` raises, `float(10 ** 400)` too).

Example:
    >>> from myia.infer.abstract import AScalar
    >>> REGISTRY.lookup("truediv").may_raise([AScalar(float), AScalar(float)])
    True
    >>> REGISTRY.lookup("truediv").may_raise([AScalar(float), AScalar(float, np=True)])
    False
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from myia.infer.abstract import (
    AArray,
    AbstractValue,
    AConst,
    ADict,
    AList,
    AScalar,
    ASlice,
    ATuple,
)
from myia.prim.registry import REGISTRY
from myia.prim.special import scipy as _SCIPY

_PY_NUMBERS = (bool, int, float, complex)


def _leaves(args: Iterable) -> Iterable:
    """The abstract values in `args`, tuples and lists opened (iteratively)."""
    stack = list(args)
    while stack:
        a = stack.pop()
        if isinstance(a, ATuple) or (isinstance(a, AList) and a.items is not None):
            stack.extend(a.items)
        else:
            yield a


def known_shapes(args: list) -> bool:
    """No input is untyped or an array with a dimension known only at run time.

    Example:
        >>> known_shapes([AArray(float, (3, None))])
        False
    """
    return all(
        a is not None and not (isinstance(a, AArray) and not a.known_shape) for a in _leaves(args)
    )


def _python_number(a) -> bool:
    return isinstance(a, AScalar) and a.kind in _PY_NUMBERS and not a.np


def _python_division(args: list) -> bool:
    """Python's `/`, `//` or `%` of two Python numbers, by one that may be zero."""
    if len(args) < 2 or not (_python_number(args[0]) and _python_number(args[1])):
        return False
    d = args[1]
    return not (d.known and d.value != 0 and d.kind is not int)


def _mixed_int_float(args: list) -> bool:
    """A Python int that may be too large for a float (`1.5 * 10 ** 400` raises), with a
    Python float or complex."""
    kinds = {a.kind for a in args if _python_number(a)}
    if not (int in kinds and kinds & {float, complex}):
        return False
    return any(
        _python_number(a) and a.kind is int and not (a.known and abs(a.value) < 2**1000)
        for a in args
    )


def _arithmetic(args: list) -> bool:
    return known_shapes(args) and not _mixed_int_float(args)


def _division(args: list) -> bool:
    return _arithmetic(args) and not _python_division(args)


def _known_int(a, low: int) -> bool:
    return isinstance(a, AScalar) and a.kind in (bool, int) and a.known and a.value >= low


def _power(args: list) -> bool:
    if len(args) < 2 or not known_shapes(args):
        return False
    base, exp = args[0], args[1]
    if _python_number(base) and _python_number(exp):
        # Python's `**`: 0.0 ** -1 and 10.0 ** 400 raise; an int to a known power >= 0 does not.
        return base.kind in (bool, int) and _known_int(exp, 0)
    int_base = (isinstance(base, AArray) and base.dtype.kind in "iu") or (
        isinstance(base, AScalar) and base.kind not in _PY_NUMBERS and base.dtype.kind in "iu"
    )
    # NumPy integers to negative integer powers raise; everything else warns.
    return not int_base or _known_int(exp, 0) or (isinstance(exp, AArray) and exp.dtype.kind == "f")


def _index_total(container: AbstractValue, index: AbstractValue) -> bool:
    if isinstance(container, (ATuple, ADict)) or (
        isinstance(container, AList) and container.items is not None
    ):
        return (isinstance(index, AScalar) and index.known) or isinstance(index, AConst)
    if not isinstance(container, AArray) or not container.known_shape:
        return False
    parts = list(index.items) if isinstance(index, ATuple) else [index]
    ellipsis = any(isinstance(p, AConst) and p.value is Ellipsis for p in parts)
    dims = list(container.shape)
    for p in parts:
        if isinstance(p, AConst) and (p.value is None or p.value is Ellipsis):
            continue
        if not dims:
            return False  # too many indices
        d = dims.pop(0)
        if isinstance(p, AConst) and isinstance(p.value, slice):
            if p.value.step == 0:
                return False
        elif isinstance(p, ASlice):
            step = p.step
            known = isinstance(step, AScalar) and step.known and step.value != 0
            if not (isinstance(step, AConst) or known):
                return False
        elif isinstance(p, AScalar) and p.kind is int and p.known and not ellipsis:
            if not -d <= p.value < d:
                return False
        else:
            return False
    return True


def _getitem(args: list) -> bool:
    return len(args) == 2 and _index_total(args[0], args[1])


def _cast(args: list) -> bool:
    if len(args) != 2 or not isinstance(args[1], AConst):
        return False
    x, to = args[0], args[1].value
    if isinstance(x, AArray):
        return True  # NumPy casts arrays with a warning, never raises
    if not isinstance(x, AScalar) or not isinstance(to, type):
        return False
    if to is bool:
        return True
    if x.kind is int:  # float(10 ** 400) and np.float32(10 ** 400) raise OverflowError
        return to is int
    if to is int or (to.__module__ == "numpy" and issubclass(to, np.integer)):
        return x.kind is bool or (x.kind not in _PY_NUMBERS and x.dtype.kind in "iu")  # int(nan)
    return True


def _truth(args: list) -> bool:
    return len(args) == 1 and isinstance(args[0], (AScalar, ATuple, AList, ADict, AConst))


def _always(args: list) -> bool:
    return True


STRUCTURAL = """make_tuple make_list make_dict make_record make_slice switch return_
stop_gradient is_ is_not is_missing not_ len attr.T attr.dtype attr.ndim attr.shape attr.size
record_attr record_replace dict_items dict_keys dict_values builtin.isinstance env_add
env_get env_single sens_add seq_add_at sens_pop stack_add stack_push stack_pop tree_vdot zeros_like_sens
zeros_at index_sens along_axis_sens diag_sens clear_at seq_fill seq_total seq_weighted
seq_wsum seq_onehot seq_ties rows_stack unstack unconcat refuse_mutable grad_of""".split()

# NumPy operations that raise only on shapes that do not fit (checked when they are known).
NUMPY_SHAPED = """abs arccos arcsin arcsinh arctan arctan2 arctanh ceil clip cos cosh exp exp2
expm1 floor fmax fmin hypot ieee_power isfinite isnan log log10 log1p log2 logaddexp
logaddexp_weight logical_and logical_not logical_or maximum minimum np.add np.divide
np.equal np.greater np.greater_equal np.less np.less_equal np.mod np.multiply np.negative
np.not_equal np.power np.square np.subtract pow_log reciprocal rint sign sin sinh sqrt tan
tanh trunc where digamma trigamma tetragamma pentagamma scipy.special.digamma
scipy.special.erf scipy.special.erfc scipy.special.expit scipy.special.gammaln
scipy.special.logit scipy.special.ndtr scipy.special.xlogy scipy.special.logsumexp
scipy.stats.norm.cdf scipy.stats.norm.logpdf scipy.stats.norm.pdf
matmul dot inner outer tensordot contract einsum kron cross sum mean prod all any std var
sum_masked mean_masked prod_masked cumsum cumprod reverse_cumsum sort argsort reshape
broadcast_to concatenate stack hstack vstack squeeze expand_dims transpose swapaxes moveaxis
flip fliplr flipud rot90 trace diagonal diag tril triu full_like ones_like zeros_like astype
copy flatten ravel atleast_1d atleast_2d atleast_3d det slogdet qr np.round""".split()

PYTHON_ARITHMETIC = "add sub mul neg pos builtin.abs square".split()
COMPARISONS = "eq ne lt le gt ge".split()
MATH_TOTAL = "math.tanh math.fabs math.erf math.atan2".split()


def _declare(names: list[str], rule) -> None:
    for name in names:
        if name.startswith("scipy.") and _SCIPY is None:
            continue  # SciPy's primitives exist where SciPy is installed (prim/special.py)
        REGISTRY.lookup(name).deftotal(rule)


_declare(STRUCTURAL, _always)
_declare(NUMPY_SHAPED, known_shapes)
_declare(COMPARISONS, known_shapes)
_declare(PYTHON_ARITHMETIC, _arithmetic)
_declare(MATH_TOTAL, known_shapes)
_declare(["truediv", "floordiv", "mod"], _division)
_declare(["pow", "builtin.pow"], _power)
_declare(["getitem"], _getitem)
_declare(["cast"], _cast)
_declare(["truth"], _truth)
