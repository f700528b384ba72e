"""A corpus of small functions covering every line of shared/SUBSET.md.

This package owns the corpus: module-level functions written in the supported subset, by
topic (`control.py`, `functions.py`, `subscripts.py`, `arrays.py`, `programs.py`; each with
the `CASES` of its functions, and `values.py` with `Case` and the arrays the cases share),
and `CASES`, every topic's, a list of `Case(fn, args, grad)`. `tests/test_corpus.py` checks
that `myia.jit(fn)(*args)` equals `fn(*args)` (value and type); gradient tests reuse the
cases marked `grad=True`.

`grad=True` means: `fn(*args)` returns a float scalar (Python float or NumPy floating
scalar) that is differentiable with respect to every float argument (floats, float arrays,
and tuples/lists/dicts of those) at the given `args`, with every kink, tie and branch
boundary at least 1e-2 away from the args (float32 cases: further), so central finite
differences are valid. Int arguments are loop counts or indices, str/None/bool arguments
select behaviour; none of them is differentiated.

Arrays are small and deterministic (built from `np.sin` of an arange: no ties, no zeros),
float64 unless the case is about float32. No function mutates its arguments: subscript
assignment only updates local arrays.
"""

from __future__ import annotations

from tests.corpus import arrays, control, functions, programs, subscripts

CASES = [
    *control.CASES,
    *functions.CASES,
    *subscripts.CASES,
    *arrays.CASES,
    *programs.CASES,
]
