"""`Params(w, b)` inside compiled code, for a namedtuple class `Params`: the record built
from its fields (`make_record`, see `prim/records.py`); keywords and the class's field
defaults are bound here, as the class would bind them.

Example:
    >>> from collections import namedtuple
    >>> import myia
    >>> P = namedtuple("P", "w b", defaults=(0.0,))
    >>> myia.jit(lambda x: P(x * 2.0))(1.5)
    P(w=3.0, b=0.0)
"""

from __future__ import annotations

import ast

from myia.errors import MyiaSyntaxError, MyiaTypeError
from myia.ir.nodes import Constant
from myia.prim.records import record_spec


class NamedTupleConstructor:
    """The macro lowering a call of the namedtuple class `cls`."""

    def __init__(self, cls: type):
        self.cls = cls

    def __myia_macro__(self, lowerer, region, expr: ast.Call, loc):
        cls = self.cls
        fields = cls._fields
        if any(isinstance(a, ast.Starred) for a in expr.args):
            raise MyiaSyntaxError(
                f"`*` unpacking in a call to `{cls.__name__}` is not supported", loc
            )
        values: dict = dict(zip(fields, expr.args))
        if len(expr.args) > len(fields):
            raise MyiaTypeError(
                f"`{cls.__name__}` takes {len(fields)} fields ({', '.join(fields)}), "
                f"{len(expr.args)} given",
                loc,
            )
        for kw in expr.keywords:
            if kw.arg not in fields or kw.arg in values:
                raise MyiaTypeError(
                    f"`{cls.__name__}` got an unexpected or repeated field `{kw.arg}`", loc
                )
            values[kw.arg] = kw.value
        items = []
        for f in fields:
            if f in values:
                items.append(lowerer.lower_expr(region, values[f]))
            elif f in cls._field_defaults:
                items.append(Constant(cls._field_defaults[f], loc))
            else:
                raise MyiaTypeError(f"`{cls.__name__}` is missing the field `{f}`", loc)
        spec = Constant(record_spec(cls, fields), loc)
        return lowerer.prim(
            region, "make_record", [spec, lowerer.prim(region, "make_tuple", items, loc)], loc
        )
