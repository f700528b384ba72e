"""Abstract interpretation: types, dtypes, shapes and constants flowing through graphs.

`infer(graph, args)` analyses a graph called on arguments (concrete values or abstract
values) and returns an `InferenceResult`: `.output`, `.abstract(node)`,
`.graph_contexts(graph)`. Abstract values and `join` live in `abstract.py`, the rules of
primitives in `rules.py`, the worklist driver in `engine.py`.

Example:
    >>> import numpy as np, myia                       # doctest: +SKIP
    >>> def f(w, x):
    ...     return np.tanh(x @ w)
    >>> infer(myia.ir(f), (np.ones((3, 2)), np.ones((4, 3)))).output   # doctest: +SKIP
    AArray(float64, (4, 2))
"""

from myia.infer.abstract import (
    ANY,
    UNKNOWN,
    AArray,
    AbstractValue,
    ACons,
    AConst,
    ADict,
    AFunction,
    AList,
    AScalar,
    ASlice,
    ATop,
    ATuple,
    AUnion,
    AZero,
    GraphClosure,
    abstract_of_value,
    is_definitely_zero,
    is_float_kind,
    is_integral,
    is_number_or_array,
    join,
    known_array,
    may_be_zero,
    widen,
)
from myia.infer.engine import InferenceResult, infer, infer_value

__all__ = [
    "ANY",
    "UNKNOWN",
    "AArray",
    "AbstractValue",
    "ACons",
    "AConst",
    "ADict",
    "AFunction",
    "AList",
    "AScalar",
    "ASlice",
    "ATop",
    "ATuple",
    "AUnion",
    "AZero",
    "GraphClosure",
    "InferenceResult",
    "abstract_of_value",
    "infer",
    "infer_value",
    "is_definitely_zero",
    "is_float_kind",
    "is_integral",
    "is_number_or_array",
    "join",
    "known_array",
    "may_be_zero",
    "widen",
]
