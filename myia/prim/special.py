"""`scipy.special` primitives: `gammaln`, `digamma` and `polygamma`, with backpropagators.

User code reaches them through the SciPy functions themselves (`scipy.special.gammaln(x)`,
or `gammaln(x)` after `from scipy.special import gammaln`). They are elementwise with NumPy
broadcasting; the result has the float type of `x` (float64 for Python numbers and integers,
a scalar for a scalar input). The derivatives chain up the polygamma functions:

- d gammaln(x) / dx = digamma(x)
- d digamma(x) / dx = polygamma(1, x)
- d polygamma(n, x) / dx = polygamma(n + 1, x); the order `n` is a nondifferentiable int.

so every order of derivative is available. The module registers nothing when SciPy is not
installed (SciPy is part of the `examples` extra).
"""

from __future__ import annotations

import numpy as np

from myia.prim.registry import primitive
from myia.prim.sens import ZERO, sum_to

try:
    import scipy.special
except ImportError:  # pragma: no cover - exercised only without SciPy
    scipy = None


def _float_like(r, x):
    """`r` with the float dtype of `x`: an array for an array `x`, else a NumPy scalar."""
    r = np.asarray(r, dtype=np.result_type(x, 1.0))
    return r if isinstance(x, np.ndarray) else r[()]


if scipy is not None:

    @primitive("scipy.special.gammaln", py=[scipy.special.gammaln])
    def special_gammaln(x):
        """`scipy.special.gammaln(x)`: log |Gamma(x)|, elementwise."""
        return _float_like(scipy.special.gammaln(x), x)

    @special_gammaln.defbprop
    def bprop_special_gammaln(x, out, dout):
        return (sum_to(dout * special_digamma(x), x),)

    @primitive("scipy.special.digamma", py=[scipy.special.digamma])
    def special_digamma(x):
        """`scipy.special.digamma(x)`: psi(x) = d log Gamma(x) / dx, elementwise."""
        return _float_like(scipy.special.digamma(x), x)

    @special_digamma.defbprop
    def bprop_special_digamma(x, out, dout):
        return (sum_to(dout * special_polygamma(1, x), x),)

    @primitive("scipy.special.polygamma", py=[scipy.special.polygamma])
    def special_polygamma(n, x):
        """`scipy.special.polygamma(n, x)`: the n-th derivative of digamma, elementwise."""
        return _float_like(scipy.special.polygamma(n, x), x)

    @special_polygamma.defbprop
    def bprop_special_polygamma(n, x, out, dout):
        return (ZERO, sum_to(dout * special_polygamma(n + 1, x), x))
