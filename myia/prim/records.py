"""Primitives of records (namedtuples and model objects, `ARecord`): building one
(`Params(w, b)`, a gradient with respect to one), reading an attribute (`p.w`,
`self.w`), and calling a method (`self.layer(x)`).

Compiled code holds a record as the tuple of its dynamic fields (see `myia/trees.py`), so
each primitive here has a canonical form made of tuples, `getitem` and constants, except
`make_record`, which keeps the record's type on the tuple it builds (so that the value
leaves compiled code as an object of its class). `record_call` is typed by the
specializer (`infer/interpret.py`), which parses the method it calls.

Example:
    >>> from collections import namedtuple
    >>> import myia
    >>> P = namedtuple("P", "w b")
    >>> myia.grad(lambda p, x: p.w * x + p.b)(P(2.0, 1.0), 3.0)
    P(w=3.0, b=1.0)
"""

from __future__ import annotations

import inspect

from myia.errors import MyiaTypeError
from myia.infer.abstract import ARecord, ATuple, abstract_of_value, describe
from myia.infer.walks import constant_value
from myia.prim.jvp import linear
from myia.prim.registry import primitive
from myia.prim.structures import getitem, make_tuple
from myia.trees import is_namedtuple_class

# The classes of records, by the key `record_spec` gives them: the constant argument of
# `make_record` is a literal (strings and the static values), so that the generated code
# holds no object for it.
_CLASSES: dict[str, type] = {}


def record_spec(cls: type, names: tuple, static: tuple = ()) -> tuple:
    """The constant argument of `make_record` for records of class `cls` with the dynamic
    fields `names` and the static attributes `static` ((name, value) pairs).

    Example:
        >>> from collections import namedtuple
        >>> record_spec(namedtuple("P", "w b"), ("w", "b"))[1:]
        (('w', 'b'), ())
    """
    key = f"{cls.__module__}.{cls.__qualname__}@{id(cls):x}"
    _CLASSES[key] = cls
    return (key, tuple(names), tuple(static))


def spec_of(t: ARecord) -> tuple:
    """The `record_spec` of the record type `t`."""
    return record_spec(t.cls, t.names, t.static)


@primitive("make_record", foldable=False)
def make_record(spec, values):
    """The record of class `spec.cls` with the dynamic fields `values` (a tuple), as
    compiled code holds it: the tuple itself."""
    return values


@make_record.definfer
def _infer_make_record(spec, values):
    key, names, static = constant_value(spec)
    cls = _CLASSES[key]
    if not isinstance(values, ATuple) or len(values.items) != len(names):
        raise MyiaTypeError(
            f"`{cls.__name__}` takes {len(names)} fields ({', '.join(names)}), not "
            f"{describe(values)}"
        )
    return ARecord(cls, names, values.items, static)


@make_record.defvjp
def _vjp_make_record(r):
    return [None, r.dout]


@make_record.defemit
def _emit_make_record(e, args):
    return args[1]


make_record.defjvp(linear(1))


@primitive("record_attr", foldable=False)
def record_attr(x, name):
    """`x.name` of a record `x`."""
    return getattr(x, name)


# The fields of NumPy's result tuples, which NumPy before 2.0 returns as plain tuples
# (`prim/decompositions.py` types them as NumPy's result records where NumPy has them).
_RESULT_FIELDS = {
    "eigenvalues": "w, v = np.linalg.eigh(a)",
    "eigenvectors": "w, v = np.linalg.eigh(a)",
    "sign": "sign, logabsdet = np.linalg.slogdet(a)",
    "logabsdet": "sign, logabsdet = np.linalg.slogdet(a)",
    "Q": "q, r = np.linalg.qr(a)",
    "R": "q, r = np.linalg.qr(a)",
    "U": "u, s, vh = np.linalg.svd(a, full_matrices=False)",
    "S": "u, s, vh = np.linalg.svd(a, full_matrices=False)",
    "Vh": "u, s, vh = np.linalg.svd(a, full_matrices=False)",
}


def _record(x, what: str) -> ARecord:
    if not isinstance(x, ARecord):
        hint = _RESULT_FIELDS.get(what) if isinstance(x, ATuple) else None
        hint = f"; unpack the result instead: `{hint}`" if hint else ""
        raise MyiaTypeError(
            f"attribute `.{what}` of {describe(x)} is not supported (arrays have .T, .shape, "
            f".ndim, .dtype, .size; namedtuples and model objects have their fields){hint}"
        )
    return x


@record_attr.definfer
def _infer_record_attr(x, name):
    t = _record(x, name.value)
    k = t.field(name.value)
    if k is not None:
        return t.items[k]
    for n, v in t.static:
        if n == name.value and callable(v):
            raise MyiaTypeError(
                f"the function in `{t.cls.__name__}.{n}` is read as a value, which is not "
                f"supported: call it where it is read (`self.{n}(...)`)"
            )
        if n == name.value:
            return abstract_of_value(v)
    if callable(getattr(t.cls, name.value, None)):
        raise MyiaTypeError(
            f"the method `{t.cls.__name__}.{name.value}` as a value is not supported: call it "
            f"(`obj.{name.value}(...)`)"
        )
    raise MyiaTypeError(f"`{t.cls.__name__}` object has no attribute `{name.value}`")


@record_attr.defcanon
def _canon_record_attr(b, args):
    x, name = args
    t = x.abstract
    k = t.field(name.abstract.value)
    if k is not None:
        return b.apply(getitem, x, k)
    return b.node(dict(t.static)[name.abstract.value])


@primitive("record_replace", foldable=False)
def record_replace(x, names, values):
    """`x._replace(**dict(zip(names, values)))` of a namedtuple `x`."""
    return x._replace(**dict(zip(names, values)))


def _replaced(t: ARecord, base: list, names: tuple, values) -> list:
    """`base` (the fields of a record of type `t`, types or nodes) with the fields `names`
    replaced by `values`."""
    out = list(base)
    for n, v in zip(names, values):
        k = t.field(n)
        if k is None:
            raise MyiaTypeError(f"`{t.cls.__name__}._replace` got the unknown field `{n}`")
        out[k] = v
    return out


@record_replace.definfer
def _infer_record_replace(x, names, values):
    t = _record(x, "_replace")
    if not is_namedtuple_class(t.cls):
        raise MyiaTypeError(
            f"`._replace` is a method of namedtuples; `{t.cls.__name__}` is a model object"
        )
    return t.rebuilt(_replaced(t, t.items, constant_value(names), values.items))


@record_replace.defcanon
def _canon_record_replace(b, args):
    x, names, values = args
    t = x.abstract
    fields = [b.apply(getitem, x, k) for k in range(len(t.items))]
    names = constant_value(names.abstract)
    news = [b.apply(getitem, values, k) for k in range(len(names))]
    items = _replaced(t, fields, names, news)
    return b.apply(make_record, spec_of(t), b.apply(make_tuple, *items))


@primitive("record_call", foldable=False)
def record_call(x, name, *args):
    """`x.name(*args)`: the method `name` of the record `x`'s class called on `x`, or, when
    `x.name` is a field holding a callable model, that model's `__call__`."""
    return getattr(x, name)(*args)


def method_target(x, name: str):
    """(the function `x.name(...)` calls, what it is called on: "self" for `x` itself, the
    index of the field holding the model whose `__call__` it is, or None for a function
    held in a static attribute, called on the arguments alone), for a record type `x`; a
    MyiaTypeError where there is none."""
    t = _record(x, name)
    k = t.field(name)
    if name == "__call__":
        fn = _call_method(t.cls)
        if fn is None:
            raise MyiaTypeError(f"`{t.cls.__name__}` objects are not callable (no `__call__`)")
        return fn, "self"
    if k is not None:
        inner = t.items[k]
        fn = _call_method(inner.cls) if isinstance(inner, ARecord) else None
        if fn is None:
            raise MyiaTypeError(
                f"`{t.cls.__name__}.{name}` is {describe(inner)}, which is not callable"
            )
        return fn, k
    static = dict(t.static)
    if name in static and callable(static[name]):
        return static[name], None
    fn = getattr(t.cls, name, None)
    if fn is None or not callable(fn):
        raise MyiaTypeError(f"`{t.cls.__name__}` object has no method `{name}`")
    if isinstance(inspect.getattr_static(t.cls, name), (staticmethod, classmethod)):
        raise MyiaTypeError(
            f"`{t.cls.__name__}.{name}` is a static or class method, which is not supported "
            "in compiled code: make it a plain function"
        )
    return fn, "self"


def _call_method(cls: type):
    """The `__call__` a class defines (or inherits from a class of the program), or None
    (`getattr(cls, "__call__")` would be the constructor, from the metaclass)."""
    return next((c.__dict__["__call__"] for c in cls.__mro__ if "__call__" in c.__dict__), None)


def method_arguments(b, args: list) -> list:
    """The arguments of the function a typed `record_call(obj, name, *rest)` calls: the
    object it is called on (obj, or its field; none for a static function), then `rest`."""
    obj, name, *rest = args
    _, on = method_target(obj.abstract, name.abstract.value)
    if on is None:
        return rest
    return [obj if on == "self" else b.apply(getitem, obj, on), *rest]
