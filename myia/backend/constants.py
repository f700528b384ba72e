"""The constants of a generated module, written out so that its text runs by itself.

`definition(name, value)` is the statement that makes a constant at the top of the module:
a folded array as `np.array([...], dtype=...)`, the marker of a variable read before
assignment as `Unbound(...)`, and the imports they need. A value that has no such text (an
array of the program, read at each call from a global, a cell or a default; an object of
the user's) is bound when the module is loaded, and the module says so in a comment.

`box_result(value, spec)` gives the floats of a result the Python types its type says
(`spec`: a literal description of that type, see `box_spec`).

Example:
    >>> import numpy as np, ast
    >>> stmt, imports = definition("steps", np.arange(3.0))
    >>> ast.unparse(stmt)
    "steps = np.array([0.0, 1.0, 2.0], dtype=np.float64)"
"""

from __future__ import annotations

import ast
import math
from typing import Any

import numpy as np

from myia.errors import Location
from myia.infer.abstract import ADict, AList, AScalar, ATuple
from myia.prim.structures import EMPTY_ENV, Unbound

# Arrays up to this many elements are written as lists (the optimizer folds no larger one).
LITERAL_MAX = 64


def definition(name: str, value: Any) -> tuple[ast.stmt | None, list[str]]:
    """The statement `name = <value>` and the imports it needs; (None, []) for a value
    that has no text."""
    expr, imports = _expr(value)
    if expr is None:
        return None, []
    return ast.Assign([ast.Name(name, ast.Store())], expr, lineno=0), imports


def constant_name(value) -> str:
    """The base of the name of a constant: what it is (`float64_array_3x4`)."""
    array = getattr(value, "array", None)
    if type(value).__name__ == "LiveArray" and isinstance(array, np.ndarray):
        return f"program_{array.dtype.name}_array_" + "x".join(map(str, array.shape))
    if isinstance(value, Unbound):
        return f"unbound_{value.name}"
    if isinstance(value, np.ndarray):
        return f"{value.dtype.name}_array_" + "x".join(map(str, value.shape))
    return "const_" + type(value).__name__.lower()


def described(value) -> str:
    """A constant in words, for the comment of one that is not written out."""
    if type(value).__name__ == "LiveArray":
        return (
            f"the {value.array.dtype.name} array of shape {value.array.shape} the program "
            "reads (a global, a closure cell or a default; `.array` is read at each call)"
        )
    if isinstance(value, np.ndarray):
        return f"a {value.dtype.name} array of shape {value.shape}"
    return f"a {type(value).__name__}"


def _expr(value: Any):
    if isinstance(value, Unbound):
        loc = value.loc
        args: list[ast.expr] = [ast.Constant(value.name)]
        imports = ["from myia.prim.structures import Unbound"]
        if isinstance(loc, Location):
            kind = type(loc).__name__
            args.append(
                ast.Call(
                    ast.Name(kind, ast.Load()),
                    [ast.Constant(loc.filename), ast.Constant(loc.lineno), ast.Constant(loc.col)],
                    [],
                )
            )
            imports.append(f"from myia.errors import {kind}")
        return ast.Call(ast.Name("Unbound", ast.Load()), args, []), imports
    if value is EMPTY_ENV:
        return ast.Name("EMPTY_ENV", ast.Load()), ["from myia.prim.structures import EMPTY_ENV"]
    if isinstance(value, np.ndarray) and _literal(value):
        return _array(value), []
    return None, []


def constant_key(value: Any):
    """What names a constant of a module: its id, or for an array written as a literal (a
    snapshot, `definition`), its value, so that equal ones are one constant."""
    if isinstance(value, np.ndarray) and _literal(value):
        return (value.dtype.str, value.shape, value.tobytes())
    return id(value)


def _literal(a: np.ndarray) -> bool:
    return a.dtype.kind in "biuf" and a.size <= LITERAL_MAX


def _array(a: np.ndarray) -> ast.expr:
    dtype = ast.parse(f"np.{a.dtype.name}", mode="eval").body
    if a.size == 0:
        return _np("zeros", [ast.Constant(a.shape)], dtype)
    return _np("array", [_nested(a.tolist(), a.ndim)], dtype)


def _np(fn: str, args: list, dtype: ast.expr) -> ast.Call:
    return ast.Call(ast.parse(f"np.{fn}", mode="eval").body, args, [ast.keyword("dtype", dtype)])


def _nested(x, depth: int) -> ast.expr:
    if depth == 0:
        return _scalar(x)
    return ast.List([_nested(v, depth - 1) for v in x], ast.Load())


def _scalar(v) -> ast.expr:
    if isinstance(v, float) and (math.isinf(v) or math.isnan(v)):
        text = "math.nan" if math.isnan(v) else ("math.inf" if v > 0 else "-math.inf")
        return ast.parse(text, mode="eval").body
    return ast.Constant(v)


def box_spec(t):
    """A literal description of where the type `t` has floats of a given Python type:
    "float" or "np.float64" for a float, ("tuple" | "list", items), ("dict", keys, values),
    None for a value left as it is."""
    if isinstance(t, AScalar):
        return ("np.float64" if t.np else "float") if t.kind is float else None
    if isinstance(t, (ATuple, AList)) and t.items is not None:
        return ("tuple" if isinstance(t, ATuple) else "list", tuple(box_spec(x) for x in t.items))
    if isinstance(t, ADict):
        return ("dict", tuple(t.keys), tuple(box_spec(x) for x in t.values))
    return None


def box_result(value, spec):
    """`value` with its floats of the Python types `spec` (see `box_spec`) says."""
    if spec is None:
        return value
    if spec == "float":
        return float(value)
    if spec == "np.float64":
        return np.float64(value)
    if spec[0] == "dict":
        _, keys, values = spec
        return {k: box_result(value[k], s) for k, s in zip(keys, values)}
    items = [box_result(v, s) for v, s in zip(value, spec[1])]
    return tuple(items) if spec[0] == "tuple" else items
