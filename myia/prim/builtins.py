"""Python's built-in functions `max`, `min`, `sum`, `round`, `isinstance`, `tuple`,
`list`, `range`, `zip`, `enumerate`, and NumPy's rounding (`np.round`, `np.around`,
`x.round(...)`, `np.trunc`, `np.rint`). The rest of the `math` module is in
`myia.prim.special`.

Tuple lengths are known when compiling, so the sensitivities of tuples and lists of known
length are built item by item from typed nodes; the private `seq_*` primitives at the end
handle lists whose length is known only at run time (comprehensions, `list(range(n))`).

Conventions (docs/numerics.md): tied arguments of `max`/`min` share the sensitivity
equally (two ties one half each, three one third each); `round`, `np.round`,
`np.trunc` and `np.rint` have no gradient. `zip(...)` and `enumerate(...)` used as values
are tuples of tuples (their lengths are known when compiling); `tuple(range(a, b))` with
bounds known only at run time is a tuple of ints of unknown length (`AOpaque(tuple)`).
"""

from __future__ import annotations

import ast
import types

import numpy as np

from myia.errors import MyiaShapeError, MyiaTypeError
from myia.infer.abstract import (
    BOTTOM,
    UNKNOWN,
    AArray,
    AConst,
    ADict,
    AFunction,
    AList,
    AOpaque,
    AScalar,
    ASlice,
    ATuple,
    AZero,
    GraphFn,
    abstract_of_value,
    describe,
    join,
)
from myia.infer.build import FOLD_MAX_SIZE, type_of
from myia.infer.sensitivity import sens_type
from myia.infer.walks import constant_value, is_constant
from myia.ir.nodes import Apply
from myia.prim import arith as O
from myia.prim import arrays as A
from myia.prim import elementwise as E
from myia.prim import reductions as R
from myia.prim import structures as S
from myia.prim.emitting import template
from myia.prim.registry import REGISTRY, Primitive, primitive
from myia.prim.sens import zeros_of
from myia.prim.special import sens_like
from myia.prim.typing import (
    const_value,
    is_none,
    scalar_of_dtype,
    union_map,
)


def _is_int_like(t) -> bool:
    return isinstance(t, AScalar) and np.dtype(t.kind).kind in "biu"


def _const_items(t):
    """The items of a constant range or string, or the keys of a dict; else None."""
    if isinstance(t, ADict):
        return list(t.keys)
    if isinstance(t, AConst) and isinstance(t.value, (range, str)):
        return list(t.value)
    return None


def _items_of(t, what: str):
    """The item types of iterating over a value of type `t` when their number is known
    when compiling; None for a list (or array) whose length is known only at run time."""
    if isinstance(t, (ATuple, AList)):
        return t.items
    if isinstance(t, AArray):
        if not t.ndim:
            raise MyiaTypeError(f"{what}: iteration over a 0-d array")
        if t.shape[0] is None:
            return None
        return tuple(S.getitem.infer(t, AScalar(int, i)) for i in range(t.shape[0]))
    values = _const_items(t)
    if values is not None:
        return tuple(abstract_of_value(x) for x in values)
    if isinstance(t, AOpaque) and t.pytype is range:
        return None
    raise MyiaTypeError(f"{what} needs a tuple, list, array or range, not {describe(t)}")


def _elem_of(t):
    """The type of every item of a list or array whose length is known at run time."""
    if isinstance(t, AList):
        return t.elem
    if isinstance(t, AArray):
        return S.getitem.infer(t, AScalar(int))
    return AScalar(int)  # a range


def _item_nodes(b, node, what: str) -> list:
    """The nodes of the items of `node` (a sequence of known length)."""
    t = type_of(node)
    items = _items_of(t, what)
    if items is None:
        raise MyiaTypeError(f"{what} needs sequences whose length is known when compiling")
    values = _const_items(t)
    if values is not None:
        return [b.node(x) for x in values]
    return [b.apply(S.getitem, node, i) for i in range(len(items))]


# ---------------------------------------------------------------------------------------
# max and min


def _extremum(name: str, fn, greater: bool):
    def impl(a, b=None):
        if b is None:
            return fn(a)
        return fn(a, b)

    impl.__name__ = impl.__qualname__ = f"builtin_{name}"
    impl.__doc__ = (
        f"`{name}(a, b)`, or `{name}(a)` of a tuple, list or 1-d array `a` when `b` is None "
        "(the parser packs three or more arguments into one tuple); tied arguments share "
        "the sensitivity equally."
    )
    prim = primitive(f"builtin.{name}", py=[fn])(impl)
    cmp = O.gt if greater else O.lt

    def check(x, y):
        S.truth.infer(cmp.infer(x, y))

    @prim.definfer
    def infer(a, b):
        def one(a, b):
            if is_none(b):
                items = _items_of(a, f"{name}()")
                if items is not None and not items:
                    raise MyiaShapeError(f"{name}() arg is an empty sequence")
                out = BOTTOM
                items = items if items is not None else (_elem_of(a),)
                for it in items:
                    check(items[0], it)
                    out = join(out, it)
                return out
            check(a, b)
            return join(a, b)

        return union_map(one, a, b)

    @prim.defvjp
    def vjp(r):
        b = r.b
        if not is_none(r.types[1]):
            return [
                sens_like(b, b.apply(O.mul, r.dout, w), r.types[k]) if r.wants(k) else None
                for k, w in enumerate(pair_shares(r, cmp))
            ]
        return [_seq_extremum_sens(r), None]

    @prim.defemit
    def emit(e, args):
        if is_none(e.types[1]):
            return template(f"{name}({{0}})")(e, args)
        return template(f"{name}({{0}}, {{1}})")(e, args)

    return prim


def pair_shares(r, cmp):
    """The shares of `a` and `b` in `max(a, b)` (`cmp` O.gt) or `min(a, b)` (O.lt): 1 for
    the one chosen, one half each at a tie."""
    b = r.b
    x, y = r.x(0), r.x(1)
    tie = b.apply(O.mul, b.apply(O.eq, x, y), 0.5)
    return [
        b.apply(O.add, b.apply(O.mul, b.apply(cmp, p, q), 1.0), tie) for p, q in ((x, y), (y, x))
    ]


def seq_shares(r):
    """The shares of the items of the sequence `a` in `max(a)`/`min(a)` (the k items equal
    to the result 1/k each): an array for an array, a list (`seq_ties`) for a list of
    run-time length, else one per item (None for an item without sensitivity)."""
    b = r.b
    a = r.types[0]
    out = r.out()
    if isinstance(a, AArray):
        hit = b.apply(O.eq, r.x(0), out)
        return b.apply(O.truediv, hit, b.apply(R.sum_, hit, None, None, False))
    if a.items is None:
        return b.apply(seq_ties, r.x(0), out)
    hits = [
        b.apply(O.mul, b.apply(O.eq, b.apply(S.getitem, r.x(0), i), out), 1.0)
        for i in range(len(a.items))
    ]
    count = hits[0]
    for h in hits[1:]:
        count = b.apply(O.add, count, h)
    return [
        None if sens_type(t) is AZero else b.apply(O.truediv, h, count)
        for h, t in zip(hits, a.items)
    ]


def _seq_extremum_sens(r):
    """The sensitivity of the sequence `a` of `max(a)`/`min(a)`: `dout` shared among the
    items equal to the result."""
    b = r.b
    a = r.types[0]
    w = seq_shares(r)
    if isinstance(a, AArray):
        return sens_like(b, b.apply(O.mul, r.dout, w), a)
    if a.items is None:
        return b.apply(seq_weighted, w, sens_like(b, r.dout, a.elem))
    slots = [
        S.ZERO if s is None else sens_like(b, b.apply(O.mul, r.dout, s), t)
        for s, t in zip(w, a.items)
    ]
    return b.apply(S.make_tuple if isinstance(a, ATuple) else S.make_list, *slots)


builtin_max = _extremum("max", max, True)
builtin_min = _extremum("min", min, False)


# ---------------------------------------------------------------------------------------
# sum


@primitive("builtin.sum", py=[sum])
def builtin_sum(iterable, start=0):
    """`sum(iterable, start)`: `start + x0 + x1 + ...` over a tuple, list or array (whose
    rows are the items); arrays among the items broadcast together."""
    return sum(iterable, start)


@builtin_sum.definfer
def _infer_sum(seq, start):
    def one(seq, start):
        items = _items_of(seq, "sum()")
        acc = start
        if items is not None:
            for it in items:
                acc = O.add.infer(acc, it)
            return acc
        # A run-time length: the type after one or more items (an empty sequence gives
        # `start`, of the same type when `start` is a number like the items).
        elem = _elem_of(seq)
        acc = O.add.infer(start, elem)
        for _ in range(4):
            nxt = join(acc, O.add.infer(acc, elem))
            if nxt == acc:
                break
            acc = nxt
        return acc

    return union_map(one, seq, start)


@builtin_sum.defvjp
def _vjp_sum(r):
    b = r.b
    seq, start = r.types
    d_start = sens_like(b, r.dout, start) if r.wants(1) else None
    if not r.wants(0):
        return [None, d_start]
    if not isinstance(start, (AScalar, AArray)):
        raise MyiaTypeError("the gradient of sum() of tuples or lists is not supported")
    if isinstance(seq, AArray):
        row = _elem_of(seq)
        shape = seq.shape if seq.known_shape else b.apply(A.attr_shape, r.x(0))
        return [b.apply(A.broadcast_to, sens_like(b, r.dout, row), shape), d_start]
    if seq.items is None:
        return [b.apply(seq_fill, r.x(0), sens_like(b, r.dout, seq.elem)), d_start]
    slots = [S.ZERO if sens_type(t) is AZero else sens_like(b, r.dout, t) for t in seq.items]
    maker = S.make_tuple if isinstance(seq, ATuple) else S.make_list
    return [b.apply(maker, *slots), d_start]


@builtin_sum.defemit
def _emit_sum(e, args):
    ok, start = e.const(1)
    if ok and type(start) is int and start == 0:
        return template("sum({0})")(e, args)
    return template("sum({0}, {1})")(e, args)


# ---------------------------------------------------------------------------------------
# round, np.round, np.trunc, np.rint


@primitive("builtin.round", py=[round], nondiff=True)
def builtin_round(number, ndigits=None):
    """`round(number, ndigits)`: an int without `ndigits`, else the type of `number`
    (halves round to even); no gradient."""
    return round(number, ndigits)


@builtin_round.definfer
def _infer_round(x, nd):
    def one(x, nd):
        if isinstance(x, AArray):
            raise MyiaTypeError("type numpy.ndarray doesn't define __round__ method; use np.round")
        if not isinstance(x, AScalar) or np.dtype(x.kind).kind not in "biuf" or x.kind is np.bool_:
            raise MyiaTypeError(f"type {describe(x)} doesn't define __round__ method")
        if not (is_none(nd) or _is_int_like(nd)):
            raise MyiaTypeError(f"round(): ndigits must be an int, not {describe(nd)}")
        if is_none(nd) or x.kind in (bool, int):
            return AScalar(int)
        return AScalar(x.kind, UNKNOWN, x.np)

    return union_map(one, x, nd)


@builtin_round.defemit
def _emit_round(e, args):
    if is_none(e.types[1]):
        return template("round({0})")(e, args)
    return template("round({0}, {1})")(e, args)


@primitive("np.round", py=[np.round, np.around], nondiff=True, fresh=True)
def np_round(a, decimals=0):
    """`np.round(a, decimals)` (also `np.around` and `a.round(decimals)`): halves round to
    even, the dtype is kept; no gradient."""
    return np.round(a, decimals)


REGISTRY.method("round", np_round)


@np_round.definfer
def _infer_np_round(x, decimals):
    def one(x):
        if not isinstance(x, (AScalar, AArray)) or x.dtype.kind not in "biuf":
            raise MyiaTypeError(f"np.round does not support {describe(x)}")
        dt = x.dtype
        if dt.kind == "b":
            if isinstance(x, AScalar) or const_value(decimals, "decimals") != 0:
                raise MyiaTypeError("np.round does not support booleans")
            dt = np.dtype(np.float16)  # what NumPy gives
        if not _is_int_like(decimals):
            raise MyiaTypeError(f"np.round: decimals must be an int, not {describe(decimals)}")
        return AArray(dt, x.shape) if isinstance(x, AArray) else scalar_of_dtype(dt)

    return union_map(one, x)


@np_round.defemit
def _emit_np_round(e, args):
    ok, d = e.const(1)
    if ok and d == 0:
        return template("np.round({0})")(e, args)
    return template("np.round({0}, {1})")(e, args)


trunc = E.unary("trunc", np.trunc, nondiff=True)
rint = E.unary("rint", np.rint, nondiff=True)


# ---------------------------------------------------------------------------------------
# isinstance


@primitive("builtin.isinstance", py=[isinstance], nondiff=True)
def builtin_isinstance(obj, class_or_tuple):
    """`isinstance(obj, class_or_tuple)`; it folds to a constant from the static type of
    `obj`. The primitives that stand for `bool`, `tuple`, `list` and `range` are accepted
    for those types."""
    return isinstance(obj, _as_type(class_or_tuple))


def _as_type(cls):
    if isinstance(cls, tuple):
        return tuple(_as_type(c) for c in cls)
    if isinstance(cls, Primitive):
        t = _TYPE_OF_PRIMITIVE.get(cls.name)
        if t is None:
            raise MyiaTypeError(
                f"isinstance() arg 2 must be a type or a tuple of types, not `{cls.name}`"
            )
        return t
    if not isinstance(cls, type):
        raise MyiaTypeError(
            f"isinstance() arg 2 must be a type, a tuple of types, or a union, not {cls!r}"
        )
    return cls


_TYPE_OF_PRIMITIVE = {
    "truth": bool,
    "builtin.tuple": tuple,
    "builtin.list": list,
    "builtin.range": range,
    "builtin.dict": dict,
}


def _pytype(a):
    """The Python type of the values of `a` (None: it depends on the value)."""
    if isinstance(a, AScalar):
        return a.pytype
    if isinstance(a, AArray):
        return np.ndarray
    for abstract, t in ((ATuple, tuple), (AList, list), (ADict, dict), (ASlice, slice)):
        if isinstance(a, abstract):
            return t
    if isinstance(a, AConst):
        return type(a.value)
    if isinstance(a, AOpaque):
        return a.pytype
    if isinstance(a, AFunction) and all(isinstance(o, GraphFn) for o in a.options):
        return types.FunctionType
    return None


def _class_value(cls):
    if isinstance(cls, AFunction) and isinstance(cls.single, Primitive):
        return cls.single
    if isinstance(cls, ATuple):
        return tuple(_class_value(c) for c in cls.items)
    return const_value(cls, "the class of isinstance()")


@builtin_isinstance.definfer
def _infer_isinstance(obj, cls):
    want = _as_type(_class_value(cls))

    def one(obj):
        t = _pytype(obj)
        if t is None:
            return AScalar(bool)
        return AScalar(bool, issubclass(t, want))

    return union_map(one, obj)


builtin_isinstance.defemit(template("isinstance({0}, {1})"))


# ---------------------------------------------------------------------------------------
# tuple, list, range, zip, enumerate


def _converter(name: str, fn, abstract):
    def impl(iterable=()):
        return fn(iterable)

    impl.__name__ = impl.__qualname__ = f"builtin_{name}"
    impl.__doc__ = (
        f"`{name}(iterable)` of a tuple, list, array (its rows), range, str or dict (its "
        "keys); the sensitivity goes back converted to the type of `iterable` (the rows of "
        "an array stacked back into an array)."
    )
    prim = primitive(f"builtin.{name}", py=[fn])(impl)

    @prim.definfer
    def infer(x):
        def one(x):
            values = _const_items(x)
            if values is not None:
                return abstract_of_value(fn(values))
            items = _items_of(x, f"{name}()")
            if items is not None:
                return abstract(items)
            if abstract is AList:
                return AList(None, _elem_of(x))
            if isinstance(x, AOpaque):
                return AOpaque(tuple)  # ints only: nothing to differentiate
            raise MyiaTypeError(
                "tuple() of a list whose length is known only at run time: tuples have a "
                "length known when compiling; keep the list"
            )

        return union_map(one, x)

    return prim


builtin_tuple = _converter("tuple", tuple, ATuple)
builtin_list = _converter("list", list, AList)
_CONVERTERS = {builtin_tuple: (ATuple, S.make_tuple), builtin_list: (AList, S.make_list)}


def _canon_converter(prim):
    abstract, maker = _CONVERTERS[prim]
    other = S.make_list if maker is S.make_tuple else S.make_tuple

    def canon(b, args):
        (x,) = args
        t = type_of(x)
        if type(t) is abstract:
            return x  # tuple(t), list(lst): the same value (lists are values here)
        if isinstance(x, Apply) and getattr(x.inputs[0], "value", None) is other:
            return b.apply(maker, *x.inputs[1:])  # list((a, b)) is [a, b]
        values = _const_items(t)
        if values is None and isinstance(t, (ATuple, AList)) and is_constant(t):
            values = constant_value(t)
        if values is not None and len(values) <= FOLD_MAX_SIZE:
            return b.apply(maker, *[b.node(v) for v in values])
        return b.apply(prim, x)

    return canon


builtin_tuple.defcanon(_canon_converter(builtin_tuple))
builtin_list.defcanon(_canon_converter(builtin_list))


def _emit_converter(name):
    def emit(e, args):
        ok, v = e.const(0)
        if ok and isinstance(v, range):
            return ast.Call(ast.Name(name, ast.Load()), [_range_ast(v)], [])
        return template(f"{name}({{0}})")(e, args)

    return emit


def _range_ast(v: range) -> ast.expr:
    parts = [v.stop] if v.start == 0 and v.step == 1 else [v.start, v.stop]
    if v.step != 1:
        parts.append(v.step)
    return ast.Call(ast.Name("range", ast.Load()), [ast.Constant(p) for p in parts], [])


builtin_tuple.defemit(_emit_converter("tuple"))
builtin_list.defemit(_emit_converter("list"))


def _vjp_converter(r):
    b = r.b
    x = r.types[0]
    if isinstance(x, (ATuple, AList)):
        back = builtin_tuple if isinstance(x, ATuple) else builtin_list
        return [b.apply(back, r.dout)]
    if not isinstance(x, AArray):
        return [None]
    dt = type_of(r.dout)
    if dt.items is None:
        return [b.apply(rows_stack, r.dout, r.x(0))]
    if not any(item is AZero for item in dt.items):
        return [b.apply(A.asarray, r.dout, x.dtype)]
    rows = []
    for i, item in enumerate(dt.items):
        if item is AZero:
            rows.append(zeros_of(b, _elem_of(x), b.apply(S.getitem, r.x(0), i)))
        else:
            rows.append(b.apply(S.getitem, r.dout, i))
    return [b.apply(A.asarray, b.apply(S.make_tuple, *rows), x.dtype)]


builtin_tuple.defvjp(_vjp_converter)
builtin_list.defvjp(_vjp_converter)


@primitive("builtin.range", py=[range], nondiff=True)
def builtin_range(start, stop=None, step=1):
    """`range(stop)` (when `stop` is None) or `range(start, stop, step)`."""
    if stop is None:
        return range(start)
    return range(start, stop, step)


@builtin_range.definfer
def _infer_range(start, stop, step):
    for k, t in enumerate((start, stop, step)):
        if not (k == 1 and is_none(t)) and not _is_int_like(t):
            raise MyiaTypeError(f"{describe(t)} cannot be interpreted as an integer (range)")
    if all(is_constant(t) for t in (start, stop, step)):
        return AConst(builtin_range.impl(*(constant_value(t) for t in (start, stop, step))))
    return AOpaque(range)


@builtin_range.defemit
def _emit_range(e, args):
    if is_none(e.types[1]):
        return template("range({0})")(e, args)
    ok, step = e.const(2)
    if ok and step == 1:
        return template("range({0}, {1})")(e, args)
    return template("range({0}, {1}, {2})")(e, args)


@primitive("builtin.zip", py=[zip])
def builtin_zip(a=None, b=None, c=None, d=None, e=None, f=None):
    """`tuple(zip(a, b, ...))` (up to six sequences of lengths known when compiling; the
    unused parameters are None): the tuples of their items, as long as the shortest."""
    return tuple(zip(*[s for s in (a, b, c, d, e, f) if s is not None]))


@builtin_zip.definfer
def _infer_zip(*seqs):
    cols = [_items_of(s, "zip()") for s in seqs if not is_none(s)]
    if any(c is None for c in cols):
        raise MyiaTypeError("zip() used as a value needs sequences of lengths known when compiling")
    n = min((len(c) for c in cols), default=0)
    return ATuple(ATuple(c[i] for c in cols) for i in range(n))


@builtin_zip.defcanon
def _canon_zip(b, args):
    used = [x for x in args if not is_none(type_of(x))]
    cols = [_item_nodes(b, x, "zip()") for x in used]
    n = min((len(c) for c in cols), default=0)
    return b.apply(S.make_tuple, *[b.apply(S.make_tuple, *[c[i] for c in cols]) for i in range(n)])


builtin_zip.defemit(lambda e, args: e.helper_call("builtin.zip", args))


@primitive("builtin.enumerate", py=[enumerate])
def builtin_enumerate(iterable, start=0):
    """`tuple(enumerate(iterable, start))` of a sequence of length known when compiling."""
    return tuple(enumerate(iterable, start))


@builtin_enumerate.definfer
def _infer_enumerate(x, start):
    items = _items_of(x, "enumerate()")
    if items is None:
        raise MyiaTypeError("enumerate() used as a value needs a length known when compiling")
    if not _is_int_like(start):
        raise MyiaTypeError(f"enumerate(): start must be an int, not {describe(start)}")
    k = int(start.value) if start.known else None
    return ATuple(
        ATuple((AScalar(int, UNKNOWN if k is None else k + i), t)) for i, t in enumerate(items)
    )


@builtin_enumerate.defcanon
def _canon_enumerate(b, args):
    x, start = args
    if type_of(start).kind not in (int, bool):
        start = b.apply(A.cast, start, int)  # the counts are Python ints
    items = _item_nodes(b, x, "enumerate()")
    return b.apply(
        S.make_tuple,
        *[b.apply(S.make_tuple, b.apply(O.add, start, i), v) for i, v in enumerate(items)],
    )


builtin_enumerate.defemit(lambda e, args: e.helper_call("builtin.enumerate", args))


# ---------------------------------------------------------------------------------------
# Sensitivities of lists whose length is known only at run time, in adjoint pairs so
# that they differentiate again.


def _zero_like(v):
    if isinstance(v, np.ndarray):
        return np.zeros_like(v)
    return type(v)(0)


@primitive("seq_fill")
def seq_fill(like, v):
    """The list of `len(like)` times `v` (the sensitivity of a list whose items all have
    the sensitivity `v`)."""
    return [v] * len(like)


@seq_fill.definfer
def _infer_seq_fill(like, v):
    return AList(None, v)


@seq_fill.defvjp
def _vjp_seq_fill(r):
    return [None, r.b.apply(seq_total, r.dout, r.x(1))]


seq_fill.defemit(template("[{1}] * len({0})"))


@primitive("seq_total")
def seq_total(s, like):
    """The sum of the items of the list `s`, of the type of `like` (its zero when empty)."""
    acc = _zero_like(like)
    for e in s:
        acc = acc + e
    return _as_type_of(acc, like)


def _as_type_of(v, like):
    if isinstance(like, np.ndarray):
        return np.asarray(v, dtype=like.dtype)
    return type(like)(v)


@seq_total.definfer
def _infer_seq_total(s, like):
    return like


@seq_total.defvjp
def _vjp_seq_total(r):
    return [r.b.apply(seq_fill, r.x(0), r.dout), None]


seq_total.defemit(lambda e, args: e.helper_call("seq_total", args))


@primitive("seq_ties", nondiff=True)
def seq_ties(seq, best):
    """The share of each item of `seq` in the sensitivity of `max(seq)` or `min(seq)`
    equal to `best`: 1/k for each of the k items equal to it, 0.0 elsewhere."""
    hits = [bool(e == best) for e in seq]
    n = sum(hits)
    return [h / n for h in hits]


seq_ties.definfer(lambda seq, best: AList(None, AScalar(float)))
seq_ties.defemit(lambda e, args: e.helper_call("seq_ties", args))


@primitive("seq_weighted")
def seq_weighted(w, v):
    """The list `[w_i * v for w_i in w]` (of the type of `v`)."""
    return [_as_type_of(k * v, v) for k in w]


seq_weighted.definfer(lambda w, v: AList(None, v))


@seq_weighted.defvjp
def _vjp_seq_weighted(r):
    return [None, r.b.apply(seq_wsum, r.x(0), r.dout, r.x(1))]


seq_weighted.defemit(lambda e, args: e.helper_call("seq_weighted", args))


@primitive("seq_wsum")
def seq_wsum(w, s, like):
    """`sum(w_i * s_i)` over the lists `w` and `s`, of the type of `like`."""
    acc = _zero_like(like)
    for k, e in zip(w, s):
        acc = acc + k * e
    return _as_type_of(acc, like)


seq_wsum.definfer(lambda w, s, like: like)


@seq_wsum.defvjp
def _vjp_seq_wsum(r):
    return [None, r.b.apply(seq_weighted, r.x(0), r.dout), None]


seq_wsum.defemit(lambda e, args: e.helper_call("seq_wsum", args))


@primitive("rows_stack", fresh=True)
def rows_stack(rows, like):
    """The array of the list `rows` stacked (zeros like the array `like` when empty):
    the sensitivity of an array from that of the list of its rows."""
    if not len(rows):
        return np.zeros_like(like)
    return np.asarray(np.stack(rows), dtype=like.dtype)


rows_stack.definfer(lambda rows, like: like)


@rows_stack.defvjp
def _vjp_rows_stack(r):
    return [r.b.apply(builtin_list, r.dout), None]


rows_stack.defemit(lambda e, args: e.helper_call("rows_stack", args))


from myia.prim import builtins_jvp  # noqa: E402, F401  (the tangent rules of this family)
