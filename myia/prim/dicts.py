"""Primitives of dicts with constant keys: building one (a display, `dict(d)`,
`dict(pairs)`), `d[k] = v` on a local dict (a functional update), iteration (`for k in d` goes over the keys) and `.keys()`,
`.values()`, `.items()`.

The keys of a dict are known when compiling (they are part of its type, `ADict`), so
every primitive here has a canonical form made of `make_dict`, `make_tuple`, `getitem`
and constants: nothing of them is left for reverse mode or the backend to handle.

Example:
    >>> import myia
    >>> def f(p):
    ...     q = {}
    ...     for k, v in p.items():
    ...         q[k] = v * 2.0
    ...     return q["a"] + q["b"]
    >>> myia.grad(f)({"a": 1.0, "b": 2.0})
    {'a': 2.0, 'b': 2.0}
"""

from __future__ import annotations

import ast

from myia.errors import MyiaTypeError
from myia.infer.abstract import ADict, AList, ATuple, abstract_of_value, describe
from myia.infer.walks import constant_value, is_constant
from myia.prim.emitting import template
from myia.prim.jvp import linear
from myia.prim.registry import REGISTRY, primitive
from myia.prim.structures import getitem, make_tuple, setitem


@primitive("make_dict")
def make_dict(keys, values):
    """`dict(zip(keys, values))` for a tuple of constant keys."""
    return dict(zip(keys, values))


@make_dict.definfer
def _infer_make_dict(keys, values):
    if not is_constant(keys) or not isinstance(values, ATuple):
        raise MyiaTypeError("dict keys must be constants")
    return ADict(constant_value(keys), values.items)


@make_dict.defvjp
def _vjp_make_dict(r):
    keys = constant_value(r.types[0])
    return [None, r.b.apply(make_tuple, *[r.b.apply(getitem, r.dout, k) for k in keys])]


@make_dict.defemit
def _emit_make_dict(e, args):
    ok, keys = e.const(0)
    vals = args[1]
    if isinstance(vals, ast.Tuple):
        return ast.Dict([ast.Constant(k) for k in keys], list(vals.elts))
    return template("dict(zip({0}, {1}))")(e, args)


make_dict.defjvp(linear(1))


@primitive("builtin.dict", py=[dict])
def builtin_dict(source=()):
    """`dict(source)` of a dict (a copy: dicts are values in compiled code) or of (key,
    value) pairs whose keys are known when compiling (a tuple of pairs, `zip(keys,
    values)`, `d.items()`); a later pair of the same key replaces the earlier one. The
    keyword form `dict(a=x)` is a dict display (`parser/expressions.py`).

    Example:
        >>> import myia
        >>> myia.grad(lambda x: dict((("a", x), ("b", 2.0)))["a"] * 3.0)(1.5)
        3.0
    """
    return dict(source)


def _pairs(source) -> list[tuple]:
    """(key, index of its pair, type of its value) of the pairs `dict(source)` keeps, in
    the order of its keys."""
    from myia.prim.builtins import _items_of

    items = _items_of(source, "dict()")
    if items is None:
        raise MyiaTypeError(
            "dict() of a list whose length is known only at run time: the keys of a dict "
            "must be known when compiling; write a dict display {'k': v, ...}"
        )
    keep: dict = {}
    for i, pair in enumerate(items):
        parts = pair.items if isinstance(pair, (ATuple, AList)) else None
        if parts is None and is_constant(pair):
            parts = tuple(abstract_of_value(x) for x in constant_value(pair))
        if parts is None or len(parts) != 2:
            raise MyiaTypeError(
                f"dict(): item {i} must be a (key, value) pair, not {describe(pair)}"
            )
        key = _key_of(parts[0], "dict() of pairs")
        keep[key] = (i, parts[1])
    return [(k, i, t) for k, (i, t) in keep.items()]


@builtin_dict.definfer
def _infer_builtin_dict(source):
    if isinstance(source, ADict):
        return source
    pairs = _pairs(source)
    return ADict(tuple(k for k, _, _ in pairs), tuple(t for _, _, t in pairs))


@builtin_dict.defcanon
def _canon_builtin_dict(b, args):
    (source,) = args
    if isinstance(source.abstract, ADict):
        return source
    from myia.prim.builtins import _item_nodes

    nodes = _item_nodes(b, source, "dict()")
    pairs = _pairs(source.abstract)
    values = [b.apply(getitem, nodes[i], 1) for _, i, _ in pairs]
    return b.apply(make_dict, tuple(k for k, _, _ in pairs), b.apply(make_tuple, *values))


def _key_of(i, what: str):
    if not is_constant(i):
        raise MyiaTypeError(
            f"{what}: the key must be a constant known when compiling (a string or a number "
            f"written in the code, or a key of a dict being iterated), not {describe(i)}"
        )
    return constant_value(i)


def dict_set_type(d: ADict, i, v) -> ADict:
    """The type of `d` after `d[i] = v`: the value of an existing key replaced, a new key
    added at the end (as Python orders a dict's keys)."""
    key = _key_of(i, "dict item assignment")
    k = d.index(key)
    if k is None:
        return ADict((*d.keys, key), (*d.values, v))
    values = list(d.values)
    values[k] = v
    return ADict(d.keys, values)


@setitem.defcanon
def _canon_setitem(b, args):
    x, i, v = args
    d = x.abstract
    if not isinstance(d, ADict):
        return b.apply(setitem, x, i, v)
    out = dict_set_type(d, i.abstract, v.abstract)
    target = constant_value(i.abstract)
    values = [v if _same(k, target) else b.apply(getitem, x, k) for k in out.keys]
    return b.apply(make_dict, out.keys, b.apply(make_tuple, *values))


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b


def _dict_type(d, what: str) -> ADict:
    if not isinstance(d, ADict):
        raise MyiaTypeError(f"`{what}` needs a dict, not {describe(d)}")
    return d


@primitive("dict_keys")
def dict_keys(d):
    """`tuple(d.keys())`: the constant keys."""
    return tuple(d.keys())


@dict_keys.definfer
def _infer_dict_keys(d):
    return abstract_of_value(tuple(_dict_type(d, ".keys()").keys))


@dict_keys.defcanon
def _canon_dict_keys(b, args):
    return b.node(tuple(args[0].abstract.keys))


@primitive("dict_values")
def dict_values(d):
    """`tuple(d.values())`."""
    return tuple(d.values())


@dict_values.definfer
def _infer_dict_values(d):
    return ATuple(_dict_type(d, ".values()").values)


@dict_values.defcanon
def _canon_dict_values(b, args):
    (d,) = args
    return b.apply(make_tuple, *[b.apply(getitem, d, k) for k in d.abstract.keys])


@primitive("dict_items")
def dict_items(d):
    """`tuple(d.items())`: pairs of a constant key and its value."""
    return tuple(d.items())


@dict_items.definfer
def _infer_dict_items(d):
    t = _dict_type(d, ".items()")
    return ATuple(ATuple((abstract_of_value(k), v)) for k, v in zip(t.keys, t.values))


@dict_items.defcanon
def _canon_dict_items(b, args):
    (d,) = args
    pairs = [b.apply(make_tuple, b.node(k), b.apply(getitem, d, k)) for k in d.abstract.keys]
    return b.apply(make_tuple, *pairs)


@primitive("iterable")
def iterable(x):
    """What a `for` loop indexes to iterate over `x`: the keys of a dict, `x` itself
    otherwise."""
    return tuple(x.keys()) if isinstance(x, dict) else x


@iterable.definfer
def _infer_iterable(x):
    if isinstance(x, ADict):
        return abstract_of_value(tuple(x.keys))
    return x


@iterable.defcanon
def _canon_iterable(b, args):
    (x,) = args
    if isinstance(x.abstract, ADict):
        return b.node(tuple(x.abstract.keys))
    return x


REGISTRY.method("keys", dict_keys)
REGISTRY.method("values", dict_values)
REGISTRY.method("items", dict_items)
