"""The rewrites of typed graphs written as patterns: `before -> after`, in one table.

A pattern is a tuple `(primitive, *patterns)`, a variable (`X`, `Y`, `C`, ...) or a test
of a constant (`ONE`, `ZERO`, `TRUE`, ...). A replacement is a variable or a tuple of the
same form, built with typed nodes; a guard `when(match)` says where the rewrite is sound
(the replacement has the type of the node it replaces). Every rewrite here is exact (the
graph computes the same values after it) but those marked `adjoint_only`: they regroup
products and sums (exact up to rounding) or drop the sign of a zero, which a gradient's
value does not depend on, and run only on the programs reverse mode made.

Example:
    >>> rule = RULES[0]
    >>> rule.text
    'mul(X, 1) -> X'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from myia.errors import MyiaTypeError
from myia.infer.abstract import AArray, AScalar
from myia.infer.build import Builder, type_of
from myia.infer.walks import same_kind
from myia.ir.nodes import Apply, Constant, Node, prim_of
from myia.prim.registry import lookup as P
from myia.prim.structures import EMPTY_ENV


class Var:
    """A pattern variable: matches any node (the same node where it appears twice)."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


class Const:
    """A pattern matching a constant whose value passes `test`."""

    def __init__(self, text: str, test: Callable[[Any], bool]):
        self.text = text
        self.test = test

    def __repr__(self) -> str:
        return self.text


def _scalar_equal(v, k) -> bool:
    if isinstance(v, (bool, np.bool_)):
        return False
    if isinstance(v, (int, float, np.number)):
        return v == k
    if isinstance(v, np.ndarray) and v.size and v.dtype.kind in "iuf":
        return bool(np.all(v == k))
    return False


class Number:
    """A pattern variable matching a constant Python or NumPy number (not a bool)."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


X, Y, Z, C = Var("X"), Var("Y"), Var("Z"), Var("C")
K1 = Number("K1")
ONE = Const("1", lambda v: _scalar_equal(v, 1))
ZERO_ = Const(
    "0", lambda v: _scalar_equal(v, 0) and not (isinstance(v, float) and str(v).startswith("-"))
)
MINUS_ONE = Const("-1", lambda v: _scalar_equal(v, -1))
TRUE = Const("True", lambda v: v is True or v is np.True_)
FALSE = Const("False", lambda v: v is False or v is np.False_)
NONE = Const("None", lambda v: v is None)


class Rule:
    """`before -> after` where `when(match)` holds."""

    def __init__(self, before, after, when: Callable | None = None, adjoint_only: bool = False):
        self.before = before
        self.after = after
        self.when = when
        self.adjoint_only = adjoint_only
        self.prim = before[0]
        self.operands = tuple(_operand_kind(q) for q in before[1:])
        self.text = f"{_text(before)} -> {_text(after)}"

    def apply(self, node: Apply, mng=None) -> Node | None:
        """The replacement of `node`, or None where the rule does not apply (`mng`, the
        manager of the graph, for the guards that count uses)."""
        m: dict = {}
        if not _match(self.before, node, m):
            return None
        m["node"] = node
        m["mng"] = mng
        if self.when is not None and not self.when(m):
            return None
        return _build(self.after, m, Builder(node.graph, node.loc))


def _operand_kind(p):
    """What the pattern `p` of an operand asks of its node at first sight: an application
    of the primitive `p[0]`, a `Constant`, or nothing (None: a variable)."""
    if isinstance(p, tuple):
        return p[0]
    return Constant if isinstance(p, (Const, Number)) else None


def _node_kind(node: Node):
    return Constant if isinstance(node, Constant) else prim_of(node)


class RuleTable:
    """The rules that may apply to a node, by its primitive and what its operands are
    (constants, applications of which primitives): a node is tried only with the rules
    whose patterns' operands it could match, found once per such shape.

    Example:
        >>> from myia.ir.nodes import Graph
        >>> g = Graph("f")
        >>> x = g.add_parameter("x")
        >>> [r.text for r in RuleTable(RULES).candidates(mul, g.apply(mul, x, 1.0))][:2]
        ['mul(X, 1) -> X', 'mul(X, -1) -> neg(X)']
    """

    def __init__(self, rules: list[Rule]):
        self.by_prim: dict = {}
        for r in rules:
            self.by_prim.setdefault(r.prim, []).append(r)
        self.shapes: dict[tuple, tuple[Rule, ...]] = {}

    def candidates(self, prim, node: Apply) -> tuple[Rule, ...]:
        shape = (prim, *map(_node_kind, node.inputs[1:]))
        found = self.shapes.get(shape)
        if found is None:
            kinds = shape[1:]
            found = self.shapes[shape] = tuple(
                r
                for r in self.by_prim.get(prim, ())
                if len(r.operands) == len(kinds)
                and all(want is None or want is k for want, k in zip(r.operands, kinds))
            )
        return found


def _text(p) -> str:
    if isinstance(p, tuple):
        return f"{p[0].name}({', '.join(_text(x) for x in p[1:])})"
    if callable(p) and not isinstance(p, (Var, Const)):  # a replacement built by a function
        return getattr(p, "__qualname__", p.__name__).split(".<locals>")[0] + "(...)"
    return repr(p)


def _match(p, node: Node, m: dict) -> bool:
    if isinstance(p, Number):
        v = getattr(node, "value", None) if isinstance(node, Constant) else None
        if isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(
            v, (bool, np.bool_)
        ):
            m[p.name] = node
            return True
        return False
    if isinstance(p, Var):
        if p.name in m:
            return m[p.name] is node
        m[p.name] = node
        return True
    if isinstance(p, Const):
        return isinstance(node, Constant) and p.test(node.value)
    if not (isinstance(node, Apply) and node.is_apply(p[0]) and len(node.inputs) == len(p)):
        return False
    return all(_match(q, x, m) for q, x in zip(p[1:], node.inputs[1:]))


def _build(p, m: dict, b: Builder) -> Node:
    if isinstance(p, (Var, Number)):
        return m[p.name]
    if callable(p) and not isinstance(p, tuple):
        return p(m, b)
    return b.apply(p[0], *[_build(q, m, b) for q in p[1:]])


# Guards -------------------------------------------------------------------------------------


def same_type(var: str = "X") -> Callable:
    """The bound node has exactly the type of the node it replaces (dtype, shape, box)."""

    def when(m):
        a, t = type_of(m[var]), m["node"].abstract
        if isinstance(t, AScalar) and isinstance(a, AScalar):
            return a.kind is t.kind and a.np == t.np  # a NumPy float stays one
        return a == t

    return when


def boxed_only(var: str = "X") -> Callable:
    """The bound node is a Python float where the node is a NumPy float (a Python float
    times `np.float64(1.0)`, the seed of a gradient): the same value, boxed."""

    def when(m):
        a, t = type_of(m[var]), m["node"].abstract
        return (
            isinstance(a, AScalar)
            and isinstance(t, AScalar)
            and a.kind is float
            and t.kind is float
            and t.np
            and not a.np
        )

    return when


def boxed(var: str) -> Callable:
    """`np.float64(m[var])`, which the fast code does not write (its floats are Python's)."""
    return lambda m, b: b.apply(cast, m[var], np.float64)


def zeros_(var: str) -> Callable:
    """The bound node is a zero (+0.0): `np.zeros(s)`, `broadcast_to(0.0, s)`, or a
    constant, an array of zeros or the float 0.0."""

    def when(m):
        n = m[var]
        if isinstance(n, Constant):
            v = n.value
            if isinstance(v, (float, np.floating)):
                return v == 0.0 and not np.signbit(v)
            return (
                isinstance(v, np.ndarray) and v.size > 0 and not v.any() and not np.signbit(v).any()
            )
        if not isinstance(n, Apply):
            return False
        if n.is_apply(zeros):
            return True
        z = n.inputs[1] if n.is_apply(broadcast_to) else None
        return isinstance(z, Constant) and ZERO_.test(z.value)

    return when


def is_array_or_number(var: str = "X") -> Callable:
    return lambda m: isinstance(type_of(m[var]), (AArray, AScalar))


def both(*guards: Callable) -> Callable:
    return lambda m: all(g(m) for g in guards)


def negatable(var: str = "X") -> Callable:
    """A signed number or array (floats, complex, signed ints): `x * -1` is `-x`, and `-k`
    a constant of its type (bools do not negate; unsigned ints refuse `* -1`)."""

    def signed(t) -> bool:
        if isinstance(t, AArray):
            return np.dtype(t.dtype).kind in "fci"
        return isinstance(t, AScalar) and t.kind is not bool and np.dtype(t.kind).kind in "fci"

    return lambda m: signed(type_of(m[var])) and signed(m["node"].abstract)


add, sub, mul, truediv, neg = P("add"), P("sub"), P("mul"), P("truediv"), P("neg")
cast = P("cast")
switch, transpose, not_ = P("switch"), P("transpose"), P("not_")
logical_not = P("logical_not")
env_single, env_get, env_add = P("env_single"), P("env_get"), P("env_add")
zeros_like_sens = P("zeros_like_sens")
EMPTY = Const("EMPTY_ENV", lambda v: v is EMPTY_ENV)
T, L = Var("T"), Var("L")


def same_tag(equal: bool) -> Callable:
    """The tags `K` (of the environment) and `C` (asked for) are equal (or differ)."""

    def when(m):
        k, c = m["K"], m["C"]
        if not (isinstance(k, Constant) and isinstance(c, Constant)):
            return False
        return (k.value == c.value) is equal and (
            not equal or same_kind(type_of(m["T"]), m["node"].abstract)
        )

    return when


sum_, broadcast_to = P("sum"), P("broadcast_to")
reshape, expand_dims, index_sens = P("reshape"), P("expand_dims"), P("index_sens")
zeros, matmul = P("zeros"), P("matmul")
sens_add, seq_onehot, seq_add_at = P("sens_add"), P("seq_onehot"), P("seq_add_at")
A, D, S, IX = Var("A"), Var("D"), Var("S"), Var("I")


def invariant_along_sum(var: str) -> Callable:
    """`m[var]`, a factor of the product summed by the node, is the same along every summed
    axis (a number, or an array of size 1 there): it can leave the sum."""

    def when(m):
        node = m["node"]
        axis, dtype, keepdims = node.inputs[2:]
        if not all(isinstance(c, Constant) for c in (dtype, keepdims)):
            return False
        if dtype.value is not None or keepdims.value is not True:
            return False
        t = type_of(m[var])
        whole = type_of(node.inputs[1])
        if not isinstance(axis, Constant) or not isinstance(whole, AArray):
            return False
        if isinstance(t, AScalar):
            return True
        if not isinstance(t, AArray) or t.ndim > whole.ndim:
            return False
        n = whole.ndim
        axes = range(n) if axis.value is None else np.atleast_1d(axis.value) % max(n, 1)
        shape = (1,) * (n - t.ndim) + t.shape
        return all(shape[int(k)] == 1 for k in axes)

    return when


def broadcast_like_node(value: str) -> Callable:
    """`broadcast_to(m[value], the node's shape)` (a number the node's shape repeats)."""

    def build(m, b: Builder) -> Node:
        t = m["node"].abstract
        if isinstance(t, AScalar):
            return m[value]
        return b.apply(broadcast_to, m[value], t.shape)

    return build


def shape_known(m) -> bool:
    """The matched node is a number or an array whose shape is known when compiling (the
    shape `broadcast_like_node` and `zero_like_node` write)."""
    t = m["node"].abstract
    return isinstance(t, AScalar) or isinstance(t, AArray) and t.known_shape


def zero_like_node(m, b: Builder) -> Node:
    """Zeros of the node's type (a number, or a number broadcast to its shape)."""
    t = m["node"].abstract
    zero = np.float64(0.0) if not isinstance(t, AArray) else t.dtype.type(0)
    if isinstance(t, AScalar):
        return b.node(t.pytype(0) if not t.np else zero)
    return b.apply(broadcast_to, zero, t.shape)


def is_scalar(var: str) -> Callable:
    return lambda m: isinstance(type_of(m[var]), AScalar)


def operand_used_once(m) -> bool:
    """The node's operand has no other user: moving the node inside it computes the
    operand's operation once, not twice."""
    mng = m["mng"]
    return mng is not None and len(mng.uses.get(m["node"].inputs[1], ())) == 1


def expands_reduced(m) -> bool:
    """`expand_dims(sum(X, A, D, False), A2)` gives back the axes `A` the sum reduced
    (each at its place): it is the sum with `keepdims`."""
    t = type_of(m["X"])
    a, a2 = m["A"], m["A2"]
    if not (isinstance(t, AArray) and isinstance(a, Constant) and isinstance(a2, Constant)):
        return False
    n = t.ndim
    reduced = range(n) if a.value is None else np.atleast_1d(a.value) % max(n, 1)
    given = np.atleast_1d(a2.value) % max(n, 1)
    return n > 0 and sorted(int(k) for k in reduced) == sorted(int(k) for k in given)


def kept_sum(m, b: Builder) -> Node:
    """`sum(X, A, D, True)`."""
    return b.apply(sum_, m["X"], m["A"], m["D"], True)


def full_view(var: str) -> Callable:
    """The constant index `m[var]` takes every element once, in its place: full slices,
    `None` and `...` only."""

    def when(m):
        i = m[var]
        if not isinstance(i, Constant):
            return False
        items = i.value if isinstance(i.value, tuple) else (i.value,)
        return all(k is None or k is Ellipsis or k == slice(None) for k in items)

    return when


def env_parts(m, b: Builder) -> Node:
    """`env_get(X, C, L) + env_get(Y, C, L)`, item by item."""
    from myia.prim.sens import sens_sum

    parts = [b.apply(env_get, m[v], m["C"], m["L"]) for v in ("X", "Y")]
    return sens_sum(b, parts, type_of(m["L"]))


RULES = [
    Rule((mul, X, ONE), X, when=same_type()),
    Rule((mul, ONE, X), X, when=same_type()),
    # x * 1.0 is x for a float x (-0.0, inf and NaN included), boxed where the 1.0 is a
    # NumPy float.
    Rule((mul, X, ONE), boxed("X"), when=boxed_only()),
    Rule((mul, ONE, X), boxed("X"), when=boxed_only()),
    Rule((truediv, X, ONE), X, when=same_type()),
    # x + 0.0 is +0.0 at x = -0.0: exact but for the sign of a zero (adjoints only).
    Rule((add, X, ZERO_), X, when=same_type(), adjoint_only=True),
    Rule((add, ZERO_, X), X, when=same_type(), adjoint_only=True),
    Rule((sub, X, ZERO_), X, when=same_type()),
    Rule((mul, X, MINUS_ONE), (neg, X), when=both(same_type(), negatable())),
    Rule((mul, MINUS_ONE, X), (neg, X), when=both(same_type(), negatable())),
    Rule((neg, (neg, X)), X, when=same_type()),
    Rule((sub, X, (neg, Y)), (add, X, Y), when=is_array_or_number()),
    Rule((add, X, (neg, Y)), (sub, X, Y), when=is_array_or_number()),
    Rule((add, (neg, X), Y), (sub, Y, X), when=is_array_or_number("Y")),
    # A negation leaves a product (exactly: the product of -a and b is -(a b)), so that
    # a sum of it is a difference.
    Rule((mul, X, (neg, Y)), (neg, (mul, X, Y)), when=both(same_type(), is_array_or_number())),
    Rule((mul, (neg, X), Y), (neg, (mul, X, Y)), when=both(same_type(), is_array_or_number())),
    Rule((switch, TRUE, X, Y), X),
    Rule((switch, FALSE, X, Y), Y),
    Rule((switch, C, X, X), X),
    Rule((transpose, (transpose, X, NONE), NONE), X, when=same_type()),
    Rule((not_, (not_, X)), X, when=same_type()),
    Rule((logical_not, (logical_not, X)), X, when=same_type()),
    # Environments (the sensitivities of function values) of closures made where they are
    # called: read where they were made.
    Rule((env_get, (env_single, Var("K"), T), C, L), T, when=same_tag(True)),
    Rule((env_get, (env_single, Var("K"), T), C, L), (zeros_like_sens, L), when=same_tag(False)),
    Rule((env_get, EMPTY, C, L), (zeros_like_sens, L)),
    Rule(
        (env_get, (env_add, X, Y), C, L), env_parts, adjoint_only=True
    ),  # zeros of other tags: +0.0
    Rule((env_add, X, EMPTY), X),
    Rule((env_add, EMPTY, X), X),
    Rule((neg, (mul, K1, X)), (mul, (neg, K1), X), when=negatable()),
    Rule((neg, (mul, X, K1)), (mul, X, (neg, K1)), when=negatable()),
    # Broadcasts and sums of broadcasts: a number broadcast is the number (the operation
    # broadcasts it itself: see `implied_operand`), so arithmetic moves inside.
    Rule((neg, (broadcast_to, X, S)), (broadcast_to, (neg, X), S)),
    Rule((add, Y, (broadcast_to, X, S)), (broadcast_to, (add, Y, X), S), when=is_scalar("Y")),
    Rule((add, (broadcast_to, X, S), Y), (broadcast_to, (add, X, Y), S), when=is_scalar("Y")),
    Rule((sub, Y, (broadcast_to, X, S)), (broadcast_to, (sub, Y, X), S), when=is_scalar("Y")),
    Rule((sub, (broadcast_to, X, S), Y), (broadcast_to, (sub, X, Y), S), when=is_scalar("Y")),
    Rule((mul, Y, (broadcast_to, X, S)), (broadcast_to, (mul, Y, X), S), when=is_scalar("Y")),
    Rule((mul, (broadcast_to, X, S), Y), (broadcast_to, (mul, X, Y), S), when=is_scalar("Y")),
    Rule((sum_, (neg, X), A, D, C), (neg, (sum_, X, A, D, C)), adjoint_only=True),
    # Linear algebra of adjoints, exact up to rounding (and to what inf and NaN would
    # give): a factor constant along the summed axes leaves the sum; k * x / x and k / x * x
    # are k; a zero times anything is a zero.
    Rule(
        (sum_, (mul, X, Y), A, D, C),
        (mul, X, (sum_, Y, A, D, C)),
        when=invariant_along_sum("X"),
        adjoint_only=True,
    ),
    Rule(
        (sum_, (mul, Y, X), A, D, C),
        (mul, (sum_, Y, A, D, C), X),
        when=invariant_along_sum("X"),
        adjoint_only=True,
    ),
    Rule(
        (sum_, (truediv, Y, X), A, D, C),
        (truediv, (sum_, Y, A, D, C), X),
        when=invariant_along_sum("X"),
        adjoint_only=True,
    ),
    Rule(
        (truediv, (mul, K1, X), X), broadcast_like_node("K1"), when=shape_known, adjoint_only=True
    ),
    Rule(
        (truediv, (mul, X, K1), X), broadcast_like_node("K1"), when=shape_known, adjoint_only=True
    ),
    Rule(
        (mul, (truediv, K1, X), X), broadcast_like_node("K1"), when=shape_known, adjoint_only=True
    ),
    Rule(
        (mul, X, (truediv, K1, X)), broadcast_like_node("K1"), when=shape_known, adjoint_only=True
    ),
    # A zero times anything is a zero; a zero added is nothing (adjoints: NaN and inf
    # aside, and the sign of a zero). Zeros are written `broadcast_to(0.0, s)` by the rules,
    # `np.zeros(s)` where an absent tangent is passed to a call, and folded constants.
    Rule((mul, Z, X), zero_like_node, when=both(zeros_("Z"), shape_known), adjoint_only=True),
    Rule((mul, X, Z), zero_like_node, when=both(zeros_("Z"), shape_known), adjoint_only=True),
    Rule((matmul, Z, X), zero_like_node, when=both(zeros_("Z"), shape_known), adjoint_only=True),
    Rule((matmul, X, Z), zero_like_node, when=both(zeros_("Z"), shape_known), adjoint_only=True),
    Rule((add, X, Z), X, when=both(zeros_("Z"), same_type()), adjoint_only=True),
    Rule((add, Z, X), X, when=both(zeros_("Z"), same_type()), adjoint_only=True),
    Rule((sub, X, Z), X, when=both(zeros_("Z"), same_type()), adjoint_only=True),
    # A number broadcast, reshaped, given axes or transposed is that number broadcast to
    # the new shape (a zero through the backward pass of `m[:, None]` stays a zero).
    *(
        Rule(
            (shape_op, (broadcast_to, X, S), Y),
            broadcast_like_node("X"),
            when=both(is_scalar("X"), shape_known),
        )
        for shape_op in (reshape, expand_dims, transpose)
    ),
    Rule(
        (index_sens, S, T, IX, (broadcast_to, X, Var("S2"))),
        broadcast_like_node("X"),
        when=both(is_scalar("X"), full_view("I"), shape_known),
    ),
    # New axes go inside a product or a quotient by a number, and given back to a sum
    # that reduced them they are its `keepdims`: the sensitivity of a sum without
    # `keepdims`, expanded, meets the sum with it of the same array.
    Rule(
        (expand_dims, (mul, Y, X), A),
        (mul, Y, (expand_dims, X, A)),
        when=both(is_scalar("Y"), operand_used_once),
    ),
    Rule(
        (expand_dims, (mul, X, Y), A),
        (mul, (expand_dims, X, A), Y),
        when=both(is_scalar("Y"), operand_used_once),
    ),
    Rule(
        (expand_dims, (truediv, Y, X), A),
        (truediv, Y, (expand_dims, X, A)),
        when=both(is_scalar("Y"), operand_used_once),
    ),
    Rule(
        (expand_dims, (truediv, X, Y), A),
        (truediv, (expand_dims, X, A), Y),
        when=both(is_scalar("Y"), operand_used_once),
    ),
    Rule(
        (expand_dims, (sum_, X, A, D, FALSE), Var("A2")),
        kept_sum,
        when=expands_reduced,
    ),
    # A sensitivity plus a one-hot one is `d` added at its index: one addition, not one
    # per item (`hs[-1]` read in a loop that appends to `hs`).
    Rule((sens_add, X, (seq_onehot, L, IX, D)), (seq_add_at, X, L, IX, D), adjoint_only=True),
    Rule((sens_add, (seq_onehot, L, IX, D), X), (seq_add_at, X, L, IX, D), adjoint_only=True),
]

# The reductions over an `axis` (their second operand) that may be a tuple of axes.
AXIS_REDUCTIONS = frozenset(
    P(n) for n in ("sum", "mean", "prod", "var", "std", "max", "min", "all", "any")
)


def canonical_axis(node: Apply) -> Node | None:
    """A reduction over a constant `axis` (an int or a tuple) of an array, with the axis
    in its canonical form when it is not: the tuple of the reduced axes, non-negative and
    increasing (`np.sum(x, axis=-1)` of a matrix is `np.sum(x, (1,))`, so that it is the
    sum over `(1,)` a backward pass makes, for common subexpressions). NumPy reduces over
    the same set of axes alike, whatever order or sign they are written in."""
    axis = node.inputs[2]
    t = type_of(node.inputs[1])
    if not isinstance(axis, Constant) or axis.value is None or not isinstance(t, AArray):
        return None
    items = axis.value if isinstance(axis.value, tuple) else (axis.value,)
    n = t.ndim
    if not n or not all(isinstance(a, (int, np.integer)) and -n <= a < n for a in items):
        return None  # (an axis out of range raises where it is run)
    canon = tuple(sorted(int(a) % n for a in items))
    if len(set(canon)) != len(canon):
        return None  # (so does an axis given twice)
    if canon == axis.value and type(axis.value) is tuple:
        return None
    return replace_operand(node, 1, Builder(node.graph, node.loc).node(canon))


def replace_operand(node: Apply, i: int, new: Node) -> Node | None:
    """`node` with input `i` replaced by `new`, when its type stays the same."""
    prim = node.inputs[0].value
    args = list(node.inputs[1:])
    args[i] = new
    try:
        t = prim.infer(*[type_of(a) for a in args])
    except (MyiaTypeError, TypeError, ValueError):
        return None
    if t != node.abstract and not (
        isinstance(t, AScalar)
        and isinstance(node.abstract, AScalar)
        and t.kind is node.abstract.kind
    ):
        return None
    out = Apply([node.inputs[0], *args], node.graph, node.loc, node.name)
    out.abstract = node.abstract
    return out


def implied_operand(node: Apply) -> Node | None:
    """An operand of an elementwise operation written more simply: `broadcast_to(x, s)`
    whose broadcasting the operation does itself, a constant array that repeats one number
    (a folded `broadcast_to`, of one element or more) that number (same result type and
    shape in both cases)."""
    for i, x in enumerate(node.inputs[1:]):
        if isinstance(x, Apply) and x.is_apply(P("broadcast_to")):
            out = replace_operand(node, i, x.inputs[1])
            if out is not None:
                return out
        if isinstance(x, Constant) and _repeats_one_number(x.value):
            first = x.value.reshape(-1)[0]
            v = first.item() if x.value.dtype == np.float64 else first
            out = replace_operand(node, i, Builder(node.graph, node.loc).node(v))
            if out is not None:
                return out
    return None


def _repeats_one_number(v) -> bool:
    """Whether `v` is an array of numbers all equal to its first, to the bit (a zero's sign
    included, no NaN)."""
    if not isinstance(v, np.ndarray) or v.size == 0 or v.dtype.kind not in "biuf":
        return False
    flat = v.reshape(-1)
    return bool(np.all(flat == flat[0]) and np.all(np.signbit(flat) == np.signbit(flat[0])))
