"""Python's operators: `+ - * / // % **`, unary `- + not`, comparisons.

They work on Python numbers (with Python's semantics), NumPy scalars and arrays (with
NumPy's broadcasting and promotion), and `+`/`*` concatenate and repeat tuples, lists and
strings. The NumPy spellings (`np.add`, `np.multiply`, ...) are canonicalized to these
operators when their operands are numbers or arrays (`myia.prim.elementwise`).
"""

from __future__ import annotations

import operator

import numpy as np

from myia.errors import MyiaTypeError
from myia.infer.abstract import (
    UNKNOWN,
    AArray,
    AConst,
    AList,
    AOpaque,
    AScalar,
    ATuple,
    ATupleSeq,
    AZero,
    describe,
    join,
    tuple_elements,
    tuple_like,
)
from myia.infer.build import type_of
from myia.prim.emitting import template
from myia.prim.jvp import bilinear, linear, tangent_sum
from myia.prim.registry import primitive
from myia.prim.sens import unbroadcast
from myia.prim.typing import (
    all_python,
    number_or_array,
    python_number_kind,
    ufunc_type,
    union_map,
)


def _numeric(op: str, ufunc, a, b):
    what = f"`{_SYMBOLS[op]}`"
    number_or_array(a, what)
    number_or_array(b, what)
    if all_python([a, b]):
        return AScalar(python_number_kind(op, [a.kind, b.kind]))
    return ufunc_type(ufunc, [a, b])


_SYMBOLS = {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "truediv": "/",
    "floordiv": "//",
    "mod": "%",
    "pow": "**",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
    "eq": "==",
    "ne": "!=",
}


def _is_seq(t) -> bool:
    return isinstance(t, (ATuple, AList)) or (isinstance(t, (AConst, AOpaque)) and _is_str(t))


def _is_str(t) -> bool:
    return (isinstance(t, AConst) and isinstance(t.value, str)) or (
        isinstance(t, AOpaque) and t.pytype is str
    )


def _binary_rule(op: str, ufunc):
    def one(a, b):
        if isinstance(a, (AArray, AScalar)) and isinstance(b, (AArray, AScalar)):
            return _numeric(op, ufunc, a, b)  # numbers and arrays, the common case
        if op == "add" and _is_seq(a) and _is_seq(b):
            if isinstance(a, ATuple) and isinstance(b, ATuple):
                return ATuple(a.items + b.items)
            if tuple_like(a) and tuple_like(b):
                return join(a, b)  # of run-time length
            if isinstance(a, AList) and isinstance(b, AList):
                if a.items is not None and b.items is not None:
                    return AList(a.items + b.items)
                return AList(None, join(a.elem, b.elem))
            if _is_str(a) and _is_str(b):
                return AOpaque(str)
        if op == "mul" and (_is_seq(a) or _is_seq(b)):
            seq, n = (a, b) if _is_seq(a) else (b, a)
            if isinstance(seq, ATuple) and isinstance(n, AScalar) and n.known:
                return ATuple(seq.items * int(n.value))
            if tuple_like(seq):
                return ATupleSeq(None, tuple_elements(seq))
            if isinstance(seq, AList):
                if seq.items is not None and isinstance(n, AScalar) and n.known:
                    return AList(seq.items * int(n.value))
                return AList(None, seq.elem)
            if _is_str(seq):
                return AOpaque(str)
        if op in ("eq", "ne", "lt", "le", "gt", "ge") and (_is_seq(a) or _is_seq(b)):
            return AScalar(bool)  # Python compares sequences item by item
        if _is_seq(a) or _is_seq(b):
            raise MyiaTypeError(
                f"unsupported operand types for {_SYMBOLS[op]}: {describe(a)} and {describe(b)}"
            )
        return _numeric(op, ufunc, a, b)

    return lambda a, b: union_map(one, a, b)


def _binary(op: str, fn, ufunc, **flags):
    impl = lambda a, b: fn(a, b)  # noqa: E731
    impl.__name__ = impl.__qualname__ = op
    impl.__doc__ = f"`a {_SYMBOLS[op]} b`."
    prim = primitive(op, py=[fn], elementwise=True, **flags)(impl)
    prim.definfer(_binary_rule(op, ufunc))
    prim.defemit(template("{0} " + _SYMBOLS[op] + " {1}"))
    return prim


add = _binary("add", operator.add, np.add, commutative=True)
sub = _binary("sub", operator.sub, np.subtract)
mul = _binary("mul", operator.mul, np.multiply, commutative=True)
truediv = _binary("truediv", operator.truediv, np.true_divide)
floordiv = _binary("floordiv", operator.floordiv, np.floor_divide, nondiff=True)
mod = _binary("mod", operator.mod, np.remainder)
pow_ = _binary("pow", operator.pow, np.power)
lt = _binary("lt", operator.lt, np.less, nondiff=True)
le = _binary("le", operator.le, np.less_equal, nondiff=True)
gt = _binary("gt", operator.gt, np.greater, nondiff=True)
ge = _binary("ge", operator.ge, np.greater_equal, nondiff=True)
eq = _binary("eq", operator.eq, np.equal, nondiff=True)
ne = _binary("ne", operator.ne, np.not_equal, nondiff=True)


def _seq_split(r):
    """The sensitivities of two concatenated tuples or lists."""
    from myia.prim.registry import lookup
    from myia.prim.structures import getitem, make_slice

    a, b = r.types[0], r.b
    if a.items is not None:
        return [
            b.apply(getitem, r.dout, slice(0, len(a.items))),
            b.apply(getitem, r.dout, slice(len(a.items), None)),
        ]
    n = b.apply(lookup("len"), r.x(0))  # a sequence of run-time length
    return [
        b.apply(getitem, r.dout, b.apply(make_slice, None, n, None)),
        b.apply(getitem, r.dout, b.apply(make_slice, n, None, None)),
    ]


@add.defvjp
def _vjp_add(r):
    if _is_seq(r.types[0]):
        return _seq_split(r)
    return [
        unbroadcast(r.b, r.dout, r.types[0]) if r.wants(0) else None,
        unbroadcast(r.b, r.dout, r.types[1]) if r.wants(1) else None,
    ]


@sub.defvjp
def _vjp_sub(r):
    b = r.b
    return [
        unbroadcast(b, r.dout, r.types[0]) if r.wants(0) else None,
        unbroadcast(b, b.apply(neg, r.dout), r.types[1]) if r.wants(1) else None,
    ]


@mul.defvjp
def _vjp_mul(r):
    b = r.b
    if _is_seq(r.types[0]) or _is_seq(r.types[1]):
        return _seq_repeat(r)
    return [
        unbroadcast(b, b.apply(mul, r.dout, r.x(1)), r.types[0]) if r.wants(0) else None,
        unbroadcast(b, b.apply(mul, r.x(0), r.dout), r.types[1]) if r.wants(1) else None,
    ]


def _seq_repeat(r):
    """The sensitivity of a tuple or list repeated a known number of times: each item's,
    summed over its copies."""
    from myia.prim.sens import sens_sum
    from myia.prim.structures import ZERO, getitem, make_list, make_tuple

    k = 0 if _is_seq(r.types[0]) else 1
    seq, out = r.types[k], r.out_type
    if not (isinstance(out, (ATuple, AList)) and out.items is not None and seq.items is not None):
        raise MyiaTypeError(
            "the gradient of repeating a sequence (`seq * n`) needs `n` known when compiling"
        )
    m = len(seq.items)
    items = []
    for i, t in enumerate(seq.items):
        parts = [r.b.apply(getitem, r.dout, j) for j in range(i, len(out.items), m)]
        parts = [p for p in parts if type_of(p) is not AZero]
        items.append(sens_sum(r.b, parts, t) if parts else r.b.node(ZERO))
    d = r.b.apply(make_tuple if isinstance(seq, ATuple) else make_list, *items)
    return [d, None] if k == 0 else [None, d]


@truediv.defvjp
def _vjp_truediv(r):
    b = r.b
    da = unbroadcast(b, b.apply(truediv, r.dout, r.x(1)), r.types[0]) if r.wants(0) else None
    db = None
    if r.wants(1):
        db = unbroadcast(
            b, b.apply(neg, b.apply(truediv, b.apply(mul, r.dout, r.out()), r.x(1))), r.types[1]
        )
    return [da, db]


@mod.defvjp
def _vjp_mod(r):
    b = r.b
    db = None
    if r.wants(1):
        q = b.apply(floordiv, r.x(0), r.x(1))
        db = unbroadcast(b, b.apply(neg, b.apply(mul, r.dout, q)), r.types[1])
    return [unbroadcast(b, r.dout, r.types[0]), db]


@pow_.defvjp
def _vjp_pow(r):
    from myia.prim import elementwise as E

    b = r.b
    base, expo = r.types
    x = r.x(0)
    da = None
    if r.wants(0):
        if isinstance(expo, AScalar) and expo.known:
            e = expo.value
            if e == 0:
                da = None
            elif e == 1:
                da = r.dout
            else:
                da = b.apply(mul, r.dout, b.apply(mul, e, _power(b, x, e - 1)))
        else:
            # b * x ** (b - 1), with the exponent 1 where b == 0: 0 ** 0 gives 0, not 0 * inf.
            y = r.x(1)
            if isinstance(base, AScalar) and isinstance(expo, AScalar) and expo.kind is int:
                # numbers: a conditional expression (np.where would make a 0-d array)
                from myia.prim.structures import switch

                safe = b.apply(switch, b.apply(eq, y, 0), 1, b.apply(sub, y, 1))
            else:
                safe = b.apply(E.where_, b.apply(eq, y, 0), 1.0, b.apply(sub, y, 1))
            da = b.apply(mul, r.dout, b.apply(mul, y, b.apply(E.ieee_power, x, safe)))
        da = unbroadcast(b, da, base)
    db = None
    if r.wants(1):
        db = unbroadcast(
            b, b.apply(mul, r.dout, b.apply(mul, r.out(), b.apply(E.pow_log, x))), expo
        )
    return [da, db]


# Tangents (forward mode): an operand without a tangent contributes nothing; `fit`
# broadcasts a tangent to the shape of the output.


@add.defjvp
def _jvp_add(r):
    if _is_seq(r.types[0]):
        return r.b.apply(add, r.full(0), r.full(1))  # the tangents, concatenated
    return tangent_sum(r.b, [r.t(0), r.t(1)])


@sub.defjvp
def _jvp_sub(r):
    t1 = r.t(1)
    return tangent_sum(r.b, [r.t(0), None if t1 is None else r.b.apply(neg, t1)])


_jvp_mul_numbers = bilinear(0, 1)


@mul.defjvp
def _jvp_mul(r):
    if _is_seq(r.types[0]) or _is_seq(r.types[1]):
        k = 0 if _is_seq(r.types[0]) else 1
        return r.b.apply(mul, r.full(k), r.x(1 - k))  # the tangent, repeated
    return _jvp_mul_numbers(r)


@truediv.defjvp
def _jvp_truediv(r):
    b = r.b
    t0, t1 = r.t(0), r.t(1)
    parts = [None if t0 is None else b.apply(truediv, t0, r.x(1))]
    if t1 is not None:
        parts.append(b.apply(neg, b.apply(truediv, b.apply(mul, r.out(), t1), r.x(1))))
    return tangent_sum(b, parts)


@mod.defjvp
def _jvp_mod(r):
    b = r.b
    t1 = r.t(1)
    if t1 is not None:
        t1 = b.apply(neg, b.apply(mul, b.apply(floordiv, r.x(0), r.x(1)), t1))
    return tangent_sum(b, [r.t(0), t1])


@pow_.defjvp
def _jvp_pow(r):
    from myia.prim import elementwise as E

    b = r.b
    expo = r.types[1]
    x, t0, t1 = r.x(0), r.t(0), r.t(1)
    parts = []
    if t0 is not None:
        if isinstance(expo, AScalar) and expo.known:
            e = expo.value
            if e != 0:
                parts.append(
                    t0 if e == 1 else b.apply(mul, t0, b.apply(mul, e, _power(b, x, e - 1)))
                )
        else:
            y = r.x(1)
            if isinstance(r.types[0], AScalar) and isinstance(expo, AScalar) and expo.kind is int:
                from myia.prim.structures import switch

                safe = b.apply(switch, b.apply(eq, y, 0), 1, b.apply(sub, y, 1))
            else:
                safe = b.apply(E.where_, b.apply(eq, y, 0), 1.0, b.apply(sub, y, 1))
            parts.append(b.apply(mul, t0, b.apply(mul, y, b.apply(E.ieee_power, x, safe))))
    if t1 is not None:
        parts.append(b.apply(mul, t1, b.apply(mul, r.out(), b.apply(E.pow_log, x))))
    return tangent_sum(b, parts)


def _power(b, x, e):
    """`x ** e` for a constant exponent, as the cheapest expression."""
    if e == 1:
        return x
    if e == 2:
        from myia.prim.elementwise import square

        return b.apply(square, x)
    return b.apply(pow_, x, e)


@pow_.defemit
def _emit_pow(e, args):
    t = e.types
    if (
        e.fast
        and isinstance(t[0], AScalar)
        and t[0].kind is float
        and (isinstance(t[1], AScalar) and t[1].kind in (int, float))
    ):
        # A negative base to a fractional power raises here, and the call runs again in
        # exact code (`backend/compiled.py`): nan for a NumPy float, a complex for a Python
        # float, as `**` gives them (fast code holds both as Python floats).
        return template("math.pow({0}, {1})")(e, args)
    return template("{0} ** {1}")(e, args)


# ---------------------------------------------------------------------------------------
# Unary operators


def _unary_rule(op: str, ufunc):
    def one(a):
        number_or_array(a, f"unary `{op}`")
        if all_python([a]):
            return AScalar(int if a.kind is bool else a.kind)
        return ufunc_type(ufunc, [a])

    return lambda a: union_map(one, a)


@primitive("neg", py=[operator.neg], elementwise=True)
def neg(a):
    """`-a`."""
    return -a


neg.definfer(_unary_rule("-", np.negative))
neg.defemit(template("-{0}"))
neg.defjvp(linear(0))


@neg.defvjp
def _vjp_neg(r):
    return [unbroadcast(r.b, r.b.apply(neg, r.dout), r.types[0])]


@primitive("pos", py=[operator.pos], elementwise=True)
def pos(a):
    """`+a`."""
    return +a


pos.definfer(_unary_rule("+", np.positive))
pos.defemit(template("+{0}"))
pos.defjvp(linear(0))


@pos.defvjp
def _vjp_pos(r):
    return [unbroadcast(r.b, r.dout, r.types[0])]


@primitive("not_", py=[operator.not_], nondiff=True)
def not_(a):
    """`not a`."""
    return not a


@not_.definfer
def _infer_not(a):
    from myia.prim.structures import truth

    t = truth.infer(a)
    return AScalar(bool, (not t.value) if t.known else UNKNOWN)


not_.defemit(template("not {0}"))


def is_array(t) -> bool:
    return isinstance(t, AArray)


# The built-in `pow(base, exp)` is `base ** exp`.


@primitive("builtin.pow", py=[pow])
def builtin_pow(base, exp, mod=None):
    """The built-in `pow(base, exp)` (`base ** exp`); `pow(base, exp, None)` is the same."""
    return pow(base, exp, mod)


@builtin_pow.definfer
def _infer_builtin_pow(base, exp, mod):
    if not (isinstance(mod, AConst) and mod.value is None):
        raise MyiaTypeError(
            "pow(base, exp, mod) with a modulus is not supported; write `base ** exp % mod`"
        )
    return pow_.infer(base, exp)


@builtin_pow.defcanon
def _canon_builtin_pow(b, args):
    return b.apply(pow_, args[0], args[1])
