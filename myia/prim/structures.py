"""Primitives of data structures and control: tuples, lists, dicts, indexing, `switch`,
`truth`, `len`, the stacks of loop adjoints, and the markers the parser emits (`raise_`).

`ZERO` is the run-time placeholder of a sensitivity that is statically zero (type
`AZero`): code reads the type and never the placeholder, so it is never tested.
"""

from __future__ import annotations

import ast
import operator

import numpy as np

from myia.errors import (
    Location,
    MyiaIndexError,
    MyiaKeyError,
    MyiaShapeError,
    MyiaTypeError,
    annotate_runtime_error,
)
from myia.infer.abstract import (
    BOTTOM,
    NONE,
    UNKNOWN,
    AArray,
    AConst,
    ADict,
    AFunction,
    AList,
    AOpaque,
    AResidual,
    AScalar,
    ASlice,
    AStack,
    ATuple,
    ATupleSeq,
    AUnion,
    AZero,
    describe,
    join,
)
from myia.infer.walks import is_constant
from myia.prim.emitting import template
from myia.prim.indexing import index_type
from myia.prim.jvp import linear, linear_all, no_tangent
from myia.prim.registry import REGISTRY, primitive
from myia.prim.typing import const_int, union_map
from myia.sentinels import Sentinel


class Zero(Sentinel):
    """The type of `ZERO`, the placeholder of a statically absent sensitivity."""

    text = "ZERO"

    def __bool__(self):
        raise TypeError("the placeholder of a zero sensitivity has no truth value")


ZERO = Zero()


class Env(dict):
    """An environment: the sensitivity of a function value (see `adjoint`), a dict from
    the tags of closures to the sensitivities of what they capture; `EMPTY_ENV` when
    nothing reached it. Environments are never modified once made."""


EMPTY_ENV = Env()


class Unbound:
    """The value of a local variable read before any assignment reaches it: any use of
    it raises `UnboundLocalError`, as Python does at the read."""

    def __init__(self, name: str, loc: Location | None = None):
        self.name = name
        self.loc = loc

    def __repr__(self) -> str:
        return f"<unbound local {self.name!r}>"

    def _fail(self, *args, **kwargs):
        err = UnboundLocalError(
            f"cannot access local variable {self.name!r} where it is not associated with a value"
        )
        annotate_runtime_error(err, self.loc)
        raise err

    __bool__ = __float__ = __int__ = __index__ = __len__ = __iter__ = __call__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _fail
    __pow__ = __rpow__ = __matmul__ = __rmatmul__ = __neg__ = __pos__ = __abs__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = __getitem__ = __array__ = __array_ufunc__ = _fail
    __hash__ = object.__hash__


def _is_node_apply(node, prim) -> bool:
    fn = getattr(node, "inputs", None)
    return bool(fn) and getattr(node.inputs[0], "value", None) is prim


# ---------------------------------------------------------------------------------------
# Tuples, lists, dicts


@primitive("make_tuple", elementwise=False)
def make_tuple(*xs):
    """`(x0, x1, ...)`."""
    return xs


@make_tuple.definfer
def _infer_make_tuple(*xs):
    return ATuple(xs)


@make_tuple.defsimplify
def _simplify_make_tuple(nodes):
    """`make_tuple(getitem(t, 0), ..., getitem(t, n - 1))` is `t`, a tuple of `n >= 2`
    items of those types (the tuple rebuilt from all its items, in order: an `if`
    statement's variables returned as they are). A tuple of one item is left to
    `opt.unwrap`, which takes it off where one item is live (grad of grad of a program
    whose closure returns from an `if` crashed when both applied)."""
    if len(nodes) < 2 or not all(_is_node_apply(x, getitem) for x in nodes):
        return None
    whole = nodes[0].inputs[1]
    t = getattr(whole, "abstract", None)
    if type(t) is not ATuple or len(t.items) != len(nodes):
        return None
    for k, x in enumerate(nodes):
        i = x.inputs[2]
        if x.inputs[1] is not whole or type(i).__name__ != "Constant":
            return None
        if type(i.value) is not int or i.value != k or x.abstract != t.items[k]:
            return None
    return whole


@make_tuple.defvjp
def _vjp_make_tuple(r):
    return [r.b.apply(getitem, r.dout, i) for i in range(r.nargs)]


@make_tuple.defemit
def _emit_make_tuple(e, args):
    return ast.Tuple(list(args), ast.Load())


@primitive("make_list", fresh=True)
def make_list(*xs):
    """`[x0, x1, ...]`."""
    return list(xs)


@make_list.definfer
def _infer_make_list(*xs):
    return AList(xs)


@make_list.defvjp
def _vjp_make_list(r):
    return [r.b.apply(getitem, r.dout, i) for i in range(r.nargs)]


@make_list.defemit
def _emit_make_list(e, args):
    return ast.List(list(args), ast.Load())


def _sequence_item(seq, index, kind: str):
    """The type of `seq[index]` for a tuple or list type."""
    items = seq.items
    if isinstance(index, AConst) and isinstance(index.value, slice):
        if items is None:
            return seq
        part = items[index.value]
        return ATuple(part) if kind == "tuple" else AList(part)
    if isinstance(index, (ASlice, AOpaque)):
        if isinstance(seq, AList):
            return seq.of(seq.elem)
        return ATupleSeq(None, _join_all(items))
    if not (isinstance(index, AScalar) and np.dtype(index.kind).kind in "iub"):
        raise MyiaTypeError(f"{kind} indices must be integers or slices, not {describe(index)}")
    if items is None:
        return seq.elem
    if index.known:
        i = int(index.value)
        if not -len(items) <= i < len(items):
            raise MyiaIndexError(f"{kind} index {i} out of range (length {len(items)})")
        return items[i]
    return _join_all(items)


def _join_all(items):
    out = BOTTOM
    for it in items:
        out = join(out, it)
    return out


@primitive("getitem", py=[operator.getitem])
def getitem(x, i):
    """`x[i]`: tuples, lists, dicts, ranges, strings and arrays (basic and advanced)."""
    return x[i]


def _infer_getitem_one(x, i):
    if x is AZero:
        return AZero
    if isinstance(x, ATuple):
        if isinstance(i, AConst) and isinstance(i.value, slice):
            return ATuple(x.items[i.value])
        return _sequence_item(x, i, "tuple")
    if isinstance(x, AList):
        return _sequence_item(x, i, "list")
    if isinstance(x, ADict):
        if not is_constant(i):
            raise MyiaTypeError("dict keys must be constants known when compiling")
        from myia.infer.walks import constant_value

        key = constant_value(i)
        k = x.index(key)
        if k is None:
            raise MyiaKeyError(f"{key!r} is not a key of the dict (its keys: {list(x.keys)})")
        return x.values[k]
    if isinstance(x, AArray):
        return index_type(x, i)
    if isinstance(x, AConst) and isinstance(x.value, (str, range)):
        if is_constant(i):
            return _const_of(x.value[i.value])
        return AOpaque(str) if isinstance(x.value, str) else AScalar(int)
    if isinstance(x, AOpaque) and x.pytype in (str, range):
        return AOpaque(str) if x.pytype is str else AScalar(int)
    if isinstance(x, AStack):
        return x
    if isinstance(x, AResidual):
        return x.items[int(i.value)]
    raise MyiaTypeError(f"{describe(x)} is not subscriptable")


def _const_of(v):
    from myia.infer.abstract import abstract_of_value

    return abstract_of_value(v)


@getitem.definfer
def _infer_getitem(x, i):
    return union_map(_infer_getitem_one, x, i)


@getitem.defsimplify
def _simplify_getitem(nodes):
    x, i = nodes
    c = getattr(i, "value", None) if type(i).__name__ == "Constant" else None
    if (
        isinstance(c, int)
        and not isinstance(c, bool)
        and (_is_node_apply(x, make_tuple) or _is_node_apply(x, make_list))
    ):
        items = x.inputs[1:]
        if -len(items) <= c < len(items):
            return items[c]
    if _is_node_apply(x, REGISTRY.lookup("make_dict")):
        keys, values = x.inputs[1:]
        if type(i).__name__ == "Constant" and _is_node_apply(values, make_tuple):
            for k, v in zip(getattr(keys, "value", ()), values.inputs[1:]):
                if type(k) is type(c) and k == c:
                    return v  # (`{'W': w, 'b': b}['W']` is w)
    return None


@getitem.defvjp
def _vjp_getitem(r):
    x, i = r.types
    b = r.b
    if isinstance(x, (ATuple, AList, AResidual)) and x.items is not None and is_constant(i):
        n = len(x.items)
        maker = make_list if isinstance(x, AList) else make_tuple
        slots = [ZERO] * n
        if isinstance(i.value, slice):
            for k, j in enumerate(range(*i.value.indices(n))):
                slots[j] = b.apply(getitem, r.dout, k)
        else:
            slots[int(i.value)] = r.dout
        return [b.apply(maker, *slots), None]
    if isinstance(x, ADict):
        from myia.infer.walks import constant_value

        slots = [ZERO] * len(x.keys)
        slots[x.index(constant_value(i))] = r.dout
        from myia.prim.dicts import make_dict

        return [b.apply(make_dict, x.keys, b.apply(make_tuple, *slots)), None]
    if isinstance(x, (ATuple, AList)):
        return [b.apply(seq_onehot, r.x(0), r.x(1), r.dout), None]
    if isinstance(x, AArray):
        return [b.apply(index_sens, _shape_arg(r, 0), x.dtype, r.x(1), r.dout), None]
    return [None, None]


def _shape_arg(r, k):
    """The shape of primal input `k` as a constant when known, else read at run time."""
    t = r.types[k]
    if isinstance(t, AArray) and t.known_shape:
        return t.shape
    from myia.prim.arrays import attr_shape

    return r.b.apply(attr_shape, r.x(k))


def _index_ast(e, k, value):
    """A constant index as subscript syntax (`1:3, None`), or None."""

    def one(v):
        if isinstance(v, slice):
            parts = [None if p is None else ast.Constant(p) for p in (v.start, v.stop, v.step)]
            return ast.Slice(*parts)
        if v is Ellipsis:
            return ast.Constant(Ellipsis)
        if v is None or isinstance(v, (int, str)):
            return ast.Constant(v)
        return None

    if isinstance(value, tuple):
        items = [one(v) for v in value]
        return None if any(x is None for x in items) else ast.Tuple(items, ast.Load())
    return one(value)


@getitem.defemit
def _emit_getitem(e, args):
    ok, value = e.const(1)
    index = _index_ast(e, 1, value) if ok else None
    return ast.Subscript(args[0], index if index is not None else args[1], ast.Load())


@primitive("seq_onehot")
def seq_onehot(like, i, d):
    """The sensitivity of a homogeneous tuple or list `like` when `like[i]` (a run-time
    index, or a slice: then `d` holds the sensitivity of each item taken) has sensitivity
    `d`: `d` at `i`, zeros of `d`'s type elsewhere."""
    from myia.prim.zeros import numpy_zeros, onehot

    return onehot(like, i, d, numpy_zeros)


@seq_onehot.definfer
def _infer_seq_onehot(like, i, d):
    if isinstance(i, ASlice) or (isinstance(i, AConst) and isinstance(i.value, slice)):
        d = d.elem if isinstance(d, AList) else _join_all(d.items)
    if isinstance(like, ATuple):
        return ATuple([d] * len(like.items))
    if like.items is not None:
        return AList([d] * len(like.items))
    return like.of(d)


@seq_onehot.defvjp
def _vjp_seq_onehot(r):
    from myia.prim.sens import materialize

    # The sensitivity of the tuple or list made, read at a run-time index: with real zeros
    # in its absent items, or `[ZERO, d]` read at `i` is typed as `d` and is ZERO at 0.
    dout = r.dout if is_constant(r.types[1]) else materialize(r.b, r.dout, r.out_type, r.out)
    return [None, None, r.b.apply(getitem, dout, r.x(1))]


@primitive("index_sens", fresh=True)
def index_sens(shape, dtype, i, d):
    """Zeros of `shape` and `dtype` with `d` added at the index `i` (the sensitivity of
    an array when `x[i]` has sensitivity `d`; repeated integer indices accumulate)."""
    out = np.zeros(shape, dtype=dtype)
    if _basic(i):
        out[i] = d
    else:
        np.add.at(out, i, d)
    return out


def _basic(i) -> bool:
    items = i if isinstance(i, tuple) else (i,)
    return not any(
        isinstance(k, (list, np.ndarray)) and np.asarray(k).dtype.kind in "iu" for k in items
    )


@index_sens.definfer
def _infer_index_sens(shape, dtype, i, d):
    from myia.prim.typing import tuple_of_ints

    dims = tuple_of_ints(shape)
    return AArray(dtype.value, dims)


@index_sens.defvjp
def _vjp_index_sens(r):
    return [None, None, None, r.b.apply(getitem, r.dout, r.x(2))]


@index_sens.defemit
def _emit_index_sens(e, args):
    return e.helper_call("index_sens", args)


@primitive("setitem", fresh=True)
def setitem(x, i, v):
    """A copy of the array or list `x` with `x[i] = v` (a functional update)."""
    if isinstance(x, list):
        out = list(x)
        out[i] = v
        return out
    out = np.array(x, copy=True)
    out[i] = v
    return out


@setitem.definfer
def _infer_setitem(x, i, v):
    if isinstance(x, AArray):
        index_type(x, i)
        return x
    if isinstance(x, AList):
        if x.items is not None and is_constant(i) and isinstance(i.value, int):
            items = list(x.items)
            items[i.value] = v
            return AList(items)
        return AList(None, join(x.elem, v))
    if isinstance(x, ADict):
        from myia.prim.dicts import dict_set_type

        return dict_set_type(x, i, v)
    raise MyiaTypeError(f"{describe(x)} does not support item assignment")


@setitem.defvjp
def _vjp_setitem(r):
    x, i, v = r.types
    b = r.b
    dx = b.apply(clear_at, r.dout, r.x(1))
    dv = b.apply(getitem, r.dout, r.x(1))
    from myia.prim.sens import unbroadcast

    return [dx, None, unbroadcast(b, dv, v)]


@setitem.defemit
def _emit_setitem(e, args):
    return e.helper_call("setitem", args)


@primitive("clear_at", fresh=True)
def clear_at(x, i):
    """A copy of the array or list `x` with zeros at `i`."""
    if isinstance(x, list):
        out = list(x)
        d = out[i]
        out[i] = np.zeros_like(d) if isinstance(d, np.ndarray) else 0.0
        return out
    out = np.array(x, copy=True)
    out[i] = 0
    return out


@clear_at.definfer
def _infer_clear_at(x, i):
    from myia.infer.walks import drop_values

    return drop_values(x)  # the value at `i` changes


@clear_at.defvjp
def _vjp_clear_at(r):
    return [r.b.apply(clear_at, r.dout, r.x(1)), None]


@clear_at.defemit
def _emit_clear_at(e, args):
    return e.helper_call("clear_at", args)


@primitive("list_append", fresh=True)
def list_append(xs, v):
    """`xs + [v]`: the functional append list comprehensions are built with."""
    return xs + [v]


@list_append.definfer
def _infer_list_append(xs, v):
    if not isinstance(xs, AList):
        raise MyiaTypeError(f"cannot append to {describe(xs)}")
    if xs.items is not None:
        return AList([*xs.items, v])
    return AList(None, join(xs.elem, v))


@list_append.defvjp
def _vjp_list_append(r):
    xs = r.types[0]
    b = r.b
    if xs.items is not None:
        n = len(xs.items)
        return [
            b.apply(make_list, *[b.apply(getitem, r.dout, k) for k in range(n)]),
            b.apply(getitem, r.dout, n),
        ]
    return [b.apply(getitem, r.dout, slice(None, -1)), b.apply(getitem, r.dout, -1)]


@list_append.defemit
def _emit_list_append(e, args):
    return template("{0} + [{1}]")(e, args)


@primitive("unpack_seq")
def unpack_seq(x, n):
    """`x`, after checking it unpacks into exactly `n` values."""
    got = len(x)
    if got != n:
        word = "many" if got > n else "enough"
        raise ValueError(f"too {word} values to unpack (expected {n}, got {got})")
    return x


@unpack_seq.definfer
def _infer_unpack_seq(x, n):
    want = const_int(n, "the number of targets")
    got = None
    if isinstance(x, (ATuple, AList)) and x.items is not None:
        got = len(x.items)
    elif isinstance(x, AArray) and x.ndim and x.shape[0] is not None:
        got = x.shape[0]
    elif isinstance(x, AArray) and not x.ndim:
        raise MyiaTypeError("cannot unpack a 0-d array")
    if got is not None and got != want:
        word = "many" if got > want else "enough"
        raise MyiaShapeError(f"too {word} values to unpack (expected {want}, got {got})")
    return x


@unpack_seq.defvjp
def _vjp_unpack_seq(r):
    return [r.dout, None]


@unpack_seq.defsimplify
def _simplify_unpack(nodes):
    x, n = nodes
    a = x.abstract
    if isinstance(a, (ATuple,)) or (isinstance(a, AList) and a.items is not None):
        return x  # the rule checked the length already
    return None


@unpack_seq.defemit
def _emit_unpack_seq(e, args):
    return e.helper_call("unpack_seq", args)


@primitive("len", py=[len], nondiff=True)
def len_(x):
    """`len(x)`."""
    return len(x)


@len_.definfer
def _infer_len(x):
    def one(x):
        if isinstance(x, (ATuple, ADict)):
            return AScalar(int, len(x.items if isinstance(x, ATuple) else x.keys))
        if isinstance(x, AList):
            return AScalar(int, len(x.items)) if x.items is not None else AScalar(int)
        if isinstance(x, AArray):
            if not x.ndim:
                raise MyiaTypeError("len() of unsized object (a 0-d array)")
            return AScalar(int, x.shape[0]) if x.shape[0] is not None else AScalar(int)
        if isinstance(x, AConst) and isinstance(x.value, (str, range)):
            return AScalar(int, len(x.value))
        if isinstance(x, AOpaque) and x.pytype in (str, range):
            return AScalar(int)
        raise MyiaTypeError(f"object of type {describe(x)} has no len()")

    return union_map(one, x)


len_.defemit(template("len({0})"))


# ---------------------------------------------------------------------------------------
# Control


@primitive("switch", foldable=False)
def switch(cond, a, b):
    """`a if cond else b` on computed values (the branches of `if` are graphs)."""
    return a if cond else b


@switch.definfer
def _infer_switch(c, a, b):
    if isinstance(c, AScalar) and c.known:
        return a if c.value else b
    return join(a, b)


switch.defemit(template("{1} if {0} else {2}"))


@primitive("truth", py=[bool], nondiff=True)
def truth(x):
    """`bool(x)`, as `if` and `while` test their condition."""
    return bool(x)


@truth.definfer
def _infer_truth(x):
    def one(x):
        if isinstance(x, AScalar):
            return AScalar(bool, bool(x.value) if x.known else UNKNOWN)
        if isinstance(x, AArray):
            if x.size is not None and x.size != 1:
                raise MyiaShapeError(
                    f"the truth value of an array with more than one element ({describe(x)}) "
                    "is ambiguous: use np.any(...) or np.all(...)"
                )
            return AScalar(bool)
        if isinstance(x, AConst):
            return AScalar(bool, bool(x.value))
        if isinstance(x, (ATuple, ADict)) or (isinstance(x, AList) and x.items is not None):
            return AScalar(bool, bool(x.items if not isinstance(x, ADict) else x.keys))
        if isinstance(x, AFunction):
            return AScalar(bool, True)
        return AScalar(bool)

    return union_map(one, x)


@truth.defsimplify
def _simplify_truth(nodes):
    a = nodes[0].abstract
    if isinstance(a, AScalar) and a.kind is bool:
        return nodes[0]
    return None


@truth.defemit
def _emit_truth(e, args):
    t = e.types[0]
    if isinstance(t, AScalar) and t.kind in (bool, np.bool_):
        return args[0]
    return template("bool({0})")(e, args)


@primitive("is_", py=[operator.is_], nondiff=True)
def is_(a, b):
    """`a is b`."""
    return a is b


@primitive("is_not", py=[operator.is_not], nondiff=True)
def is_not(a, b):
    """`a is not b`."""
    return a is not b


def _identity_rule(negate):
    def infer(a, b):
        if a == NONE and b == NONE:
            return AScalar(bool, not negate)
        if (a == NONE) != (b == NONE) and (a == NONE or b == NONE):
            other = b if a == NONE else a
            if not (isinstance(other, AUnion) and NONE in other.options):
                return AScalar(bool, negate)
        return AScalar(bool)

    return infer


is_.definfer(_identity_rule(False))
is_not.definfer(_identity_rule(True))
is_.defemit(template("{0} is {1}"))
is_not.defemit(template("{0} is not {1}"))


@primitive("raise_", nondiff=True, effect=True)
def raise_(exc_type, msg):
    """Raise `exc_type(msg)` (or `exc_type()` when `msg` is None)."""
    if msg is None:
        raise exc_type()
    raise exc_type(msg)


@raise_.definfer
def _infer_raise(exc_type, msg):
    return BOTTOM


@raise_.defemit
def _emit_raise(e, args):
    return e.helper_call("raise_", args)


@primitive("return_")
def return_(x):
    """Marks a graph's output (the identity)."""
    return x


return_.definfer(lambda x: x)
return_.defvjp(lambda r: [r.dout])


@primitive("stop_gradient")
def stop_gradient(x):
    """The identity, whose gradient is zero.

    Example:
        >>> import myia
        >>> myia.grad(lambda x: x * myia.stop_gradient(x))(3.0)
        3.0
    """
    return x


@stop_gradient.definfer
def _infer_stop_gradient(x):
    return x


@stop_gradient.defvjp
def _vjp_stop_gradient(r):
    return [None]


stop_gradient.defemit(template("{0}"))


@primitive("make_slice", nondiff=True)
def make_slice(start, stop, step):
    """`slice(start, stop, step)` for subscripts."""
    return slice(start, stop, step)


@make_slice.definfer
def _infer_make_slice(start, stop, step):
    if all(is_constant(t) for t in (start, stop, step)):
        from myia.infer.walks import constant_value

        return AConst(slice(*(constant_value(t) for t in (start, stop, step))))
    return ASlice(start, stop, step)


make_slice.defemit(template("slice({0}, {1}, {2})"))


@primitive("apply")
def apply(fn, args):
    """`fn(*args)` (the specializer makes it a direct call)."""
    return fn(*args)


@apply.definfer
def _infer_apply(fn, args):
    raise MyiaTypeError("internal error: apply is typed by the specializer")


# Tangents (forward mode): structures are linear in the values they hold.
make_tuple.defjvp(linear_all)
make_list.defjvp(linear_all)
getitem.defjvp(linear(0))
seq_onehot.defjvp(linear(2))
index_sens.defjvp(linear(3))
setitem.defjvp(linear(0, 2))
clear_at.defjvp(linear(0))
list_append.defjvp(linear(0, 1))
unpack_seq.defjvp(linear(0))
switch.defjvp(linear(1, 2))
return_.defjvp(linear(0))
stop_gradient.defjvp(no_tangent)
