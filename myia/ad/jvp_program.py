"""The program of `myia.jvp`: the primal values and their tangents in, the value and its
tangent out, with exactly the structure, shape and dtype of the value.

Example:
    >>> g = jvp_program(typed_root, tangent_types)        # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from myia.ad.forward import fit, tangent_type, value_and_tangent
from myia.ad.gradient import as_input, check_differentiable, copy_parameters
from myia.errors import MyiaTypeError
from myia.infer.abstract import AArray, ADict, AList, AScalar, ATuple, AZero, describe
from myia.infer.build import Builder
from myia.infer.walks import drop_values
from myia.ir.nodes import Graph
from myia.prim.registry import lookup

_make_tuple = lookup("make_tuple")


def jvp_program(primal: Graph, tangent_types: list) -> Graph:
    """The typed program computing `(f(x), J_f(x) t)` for the typed program `primal` of `f`:
    its parameters, then one tangent per parameter (of the same type: the same structure,
    shape and dtype; those of ints and bools are ignored)."""
    for p, t in zip(primal.parameters, tangent_types):
        check_tangent(p, t, primal)
    g = primal.derive("jvp")
    params = copy_parameters(g, primal)
    tangents = []
    for p, t in zip(primal.parameters, tangent_types):
        q = g.add_parameter(f"t_{p.name or 'p'}", p.loc)
        q.abstract = t
        tangents.append(q)
    b = Builder(g, primal.loc)
    args = [*params]
    for p, q, x in zip(primal.parameters, tangents, params):
        if tangent_type(p.abstract) is not AZero:
            args.append(fit(b, q, p.abstract, x))
    value, t_out = value_and_tangent(b, primal, args)
    g.output = b.apply(_make_tuple, value, as_input(b, t_out, value))
    return g


def check_tangent(p, t, primal: Graph) -> None:
    """A tangent must have the type of its primal value (ints' and bools' are ignored)."""
    want = drop_values(p.abstract)
    got = drop_values(t)
    if tangent_type(want) is AZero:
        return
    _check_real(want, f"argument `{p.name}`", primal.loc)
    if not _same_structure(want, got):
        raise MyiaTypeError(
            f"the tangent of `{p.name}` must have its structure, shape and dtype: "
            f"{describe(want)}, not {describe(got)}",
            primal.loc,
        )


def _check_real(t, where: str, loc) -> None:
    """Refuse complex numbers (tangents are for real numbers) where `t` has a tangent."""
    items = getattr(t, "items", None) if isinstance(t, (ATuple, AList)) else None
    if items is not None:
        for i, x in enumerate(items):
            _check_real(x, f"{where}[{i}]", loc)
    elif isinstance(t, ADict):
        for k, x in zip(t.keys, t.values):
            _check_real(x, f"{where}[{k!r}]", loc)
    elif tangent_type(t) is not AZero:
        check_differentiable(t, where, loc)


def _same_structure(a, b) -> bool:
    """Whether a tangent of type `b` goes with a value of type `a`: the same structure,
    dtypes and shapes (a dimension known only at run time matches any; a NumPy float goes
    with a 0-d array, as compiled code returns one for the other), anything where `a` has
    no tangent (ints, None)."""
    if tangent_type(a) is AZero:
        return True
    if isinstance(a, AArray) and a.shape == () and isinstance(b, AScalar):
        return np.dtype(b.kind) == a.dtype
    if isinstance(a, AArray) or isinstance(b, AArray):
        return (
            isinstance(a, AArray)
            and isinstance(b, AArray)
            and a.dtype == b.dtype
            and a.shape is not None
            and b.shape is not None
            and len(a.shape) == len(b.shape)
            and all(m is None or n is None or m == n for m, n in zip(a.shape, b.shape))
        )
    items_a, items_b = getattr(a, "items", None), getattr(b, "items", None)
    if items_a is not None or items_b is not None:
        return (
            type(a) is type(b)
            and items_a is not None
            and items_b is not None
            and len(items_a) == len(items_b)
            and all(_same_structure(x, y) for x, y in zip(items_a, items_b))
        )
    values_a, values_b = getattr(a, "values", None), getattr(b, "values", None)
    if values_a is not None or values_b is not None:
        return (
            type(a) is type(b)
            and a.keys == b.keys
            and all(_same_structure(x, y) for x, y in zip(values_a, values_b))
        )
    return tangent_type(b) is not AZero


def tangent_output_type(t):
    """The type of the tangent `myia.jvp` returns for a value of type `t` (what
    `gradient.as_input` makes of it): the value's structure, shape and dtype, with `AZero`
    for the parts that have no tangent."""
    if isinstance(t, (ATuple, AList)) and t.items is not None:
        return type(t)([tangent_output_type(x) for x in t.items])
    if isinstance(t, ADict):
        return ADict(t.keys, [tangent_output_type(x) for x in t.values])
    return AZero if tangent_type(t) is AZero else drop_values(t)


def zero_tangent(x):
    """The zero tangent of a value (its structure, shape and dtype; an int, a bool or a
    string is its own: the programs ignore the tangents of those)."""
    if isinstance(x, tuple):
        return tuple(zero_tangent(v) for v in x)
    if isinstance(x, list):
        return [zero_tangent(v) for v in x]
    if isinstance(x, dict):
        return {k: zero_tangent(v) for k, v in x.items()}
    if isinstance(x, np.ndarray):
        return np.zeros_like(x)
    if isinstance(x, (float, np.floating)):
        return type(x)(0.0)
    return x
