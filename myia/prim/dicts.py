"""Functional updates of dicts: `d[k] = v` on a local dict, with a key known when
compiling, rebinds `d` to a new dict (as `x[i] = v` does for arrays and lists).

The type of the update is that of the new dict (the key replaced, or added at the end as
Python does); its canonical form is the new dict built from the items of the old one, so
reverse mode, the optimizer and the backends only ever see `make_dict` and `getitem`.

Example:
    >>> import myia
    >>> def f(x):
    ...     d = {"a": 1.0, "b": 2.0}
    ...     d["a"] = x
    ...     return d["a"] * d["b"]
    >>> myia.grad(f)(3.0)                      # doctest: +SKIP
    2.0
"""

from __future__ import annotations

from myia.errors import MyiaTypeError
from myia.infer.abstract import ADict, constant_value, is_constant
from myia.infer.build import type_of
from myia.prim import structures as S

_sequence_rule = S.setitem.infer


def _key(i):
    if not is_constant(i):
        raise MyiaTypeError(
            "a dict item can be assigned only with a key known when compiling (a constant "
            "string or number)"
        )
    return constant_value(i)


@S.setitem.definfer
def _infer_setitem(x, i, v):
    if not isinstance(x, ADict):
        return _sequence_rule(x, i, v)
    key = _key(i)
    keys, values = list(x.keys), list(x.values)
    if key in keys:
        values[keys.index(key)] = v
    else:
        keys.append(key)
        values.append(v)
    return ADict(keys, values)


@S.setitem.defcanon
def _canon_setitem(b, args):
    x, i, v = args
    t = type_of(x)
    if not isinstance(t, ADict):
        return b.apply(S.setitem, x, i, v)
    key = _key(type_of(i))
    keys = t.keys if key in t.keys else (*t.keys, key)
    items = [v if k == key else b.apply(S.getitem, x, b.node(k)) for k in keys]
    return b.apply(S.make_dict, b.node(keys), b.apply(S.make_tuple, *items))
