"""The optimizer's rewrites: small, named, local patterns over the IR.

Each rewrite is a function `(opt, node) -> Node | None`: given an Apply node it returns the
node to use instead, or None when it does not apply. `opt` is the running `Optimizer`
(manager, analyses). They are registered in `REWRITES`, in the order they are tried.

Example (the `getitem_of_tuple` rewrite):
    getitem(make_tuple(a, b), 1)   ==>   b
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

import numpy as np

from myia.infer import (
    UNKNOWN,
    AArray,
    AScalar,
    ATop,
    ATuple,
    is_float_kind,
    is_integral,
    is_number_or_array,
)
from myia.ir.clone import inline_clone
from myia.ir.nodes import Apply, Constant, Graph, Node, Parameter, prim_of
from myia.opt.specialize import specialize
from myia.prim import lookup as P
from myia.prim.registry import Primitive
from myia.prim.sens import ZERO
from myia.prim.tape import EFFECTS

REWRITES: list[tuple[str, Callable]] = []

_getitem = P("getitem")
_make_tuple = P("make_tuple")
_sens_get = P("sens_get")
_sens_at = P("sens_at")
_switch = P("switch")
_gadd = P("gadd")
_gadd_numbers = P("gadd_numbers")
_GADDS = (_gadd, _gadd_numbers)
_is_zero = P("is_zero")
_truth = P("truth")
_unpack_seq = P("unpack_seq")
_BOOLS = (_truth, P("is_"), P("is_not"), P("not_"))
_mul = P("mul")
_truediv = P("truediv")
_neg = P("neg")
# Operations whose result is a new value, never one of their inputs.
_ARITHMETIC = frozenset(P(n) for n in ("add", "sub", "mul", "truediv", "neg", "ieee_pow", "matmul"))
_ieee_pow = P("ieee_pow")

# Primitives never folded at compile time: they raise, depend on run time, or are large.
_NO_FOLD = {"raise_", "grad_of", "apply", "return_", "unit_sens", "grad_output", *EFFECTS}


def rewrite(
    fn: Callable | None = None,
    *,
    before: str | None = None,
    prims: tuple[str, ...] | None = None,
    adjoint_only: bool = False,
):
    """Register a rewrite under its function name (tried before the rewrite named
    `before`, when given, else after those registered so far). `prims`: the names of the
    primitives whose applications it can rewrite, when it is only those (the optimizer
    then tries it on those only). `adjoint_only`: a rewrite that may change results by
    rounding, or takes x - x to be zero, used on gradient programs only."""
    if fn is None:
        return lambda f: rewrite(f, before=before, prims=prims, adjoint_only=adjoint_only)
    fn.prims = None if prims is None else frozenset(P(n) for n in prims)
    fn.adjoint_only = adjoint_only
    names = [name for name, _ in REWRITES]
    REWRITES.insert(names.index(before) if before in names else len(REWRITES), (fn.__name__, fn))
    return fn


def const(node: Node):
    """(True, value) for a Constant node, else (False, None)."""
    if isinstance(node, Constant):
        return True, node.value
    return False, None


def _is_tuple_of(node: Node, prim: Primitive) -> bool:
    return prim_of(node) is prim


_ZERO_SOURCES: dict[Primitive, bool] = {}


def may_return_zero(prim: Primitive) -> bool:
    """Whether a primitive can return the symbolic ZERO (structure and sensitivity ops)."""
    hit = _ZERO_SOURCES.get(prim)
    if hit is None:
        if prim.name in ("getitem", "switch", "apply", "return_", "stop_gradient"):
            hit = True
        else:
            try:
                hit = "ZERO" in inspect.getsource(prim.impl)
            except (OSError, TypeError):
                hit = True
        _ZERO_SOURCES[prim] = hit
    return hit


def may_be_zero(node: Node) -> bool:
    """Conservative: False only when `node` can never be the symbolic ZERO."""
    ok, v = const(node)
    if ok:
        return v is ZERO
    prim = prim_of(node)
    if prim is not None:
        return may_return_zero(prim)
    return True


# Structures ---------------------------------------------------------------------------------


@rewrite(prims=("unpack_seq",))
def unpack_of_tuple(opt, node):
    """unpack_seq(make_tuple(a1, ..., an), n) => the tuple (`x, y = a, b` checks nothing)."""
    if prim_of(node) is not _unpack_seq:
        return None
    seq = node.inputs[1]
    if _is_tuple_of(seq, _make_tuple) and const(node.inputs[2]) == (True, len(seq.inputs) - 1):
        return seq
    return None


# Rewrites that only take apart what the program itself built: run on a primal program
# before it is differentiated (the adjoint of the simpler program is simpler).
STRUCTURAL = ("unpack_of_tuple", "getitem_of_tuple")


@rewrite(prims=("getitem",))
def getitem_of_tuple(opt, node):
    """getitem(make_tuple(a0, ..., an), i) => ai;  getitem(constant, i) => constant."""
    if prim_of(node) is not _getitem:
        return None
    seq, idx = node.inputs[1], node.inputs[2]
    ok, i = const(idx)
    if not ok or not isinstance(i, int):
        return None
    if _is_tuple_of(seq, _make_tuple):
        items = seq.inputs[1:]
        if -len(items) <= i < len(items):
            return items[i]
    ok, v = const(seq)
    if ok and isinstance(v, tuple) and -len(v) <= i < len(v):
        return Constant(v[i], node.loc)
    return None


@rewrite(prims=("sens_get",))
def sens_get_of_structure(opt, node):
    """sens_get(make_tuple(...), i) => element;  sens_get(ZERO, i) => ZERO;
    sens_get(sens_at(like, i, v), j) => v if i == j else ZERO."""
    if prim_of(node) is not _sens_get:
        return None
    s, idx = node.inputs[1], node.inputs[2]
    ok, i = const(idx)
    if not ok:
        return None
    ok_s, sv = const(s)
    if ok_s and sv is ZERO:
        return Constant(ZERO, node.loc)
    if ok_s and isinstance(sv, tuple) and isinstance(i, int) and -len(sv) <= i < len(sv):
        return Constant(sv[i], node.loc)
    if _is_tuple_of(s, _make_tuple) and isinstance(i, int):
        items = s.inputs[1:]
        if -len(items) <= i < len(items):
            return items[i]
    if prim_of(s) is _sens_at:
        ok_j, j = const(s.inputs[2])
        if ok_j and type(j) is type(i) and isinstance(i, (int, str)):
            return s.inputs[3] if i == j else Constant(ZERO, node.loc)
    return None


@rewrite(prims=("gadd", "gadd_numbers"))
def gadd_zero(opt, node):
    """gadd(ZERO, x) => x;  gadd(x, ZERO) => x (and the same of gadd_numbers)."""
    if prim_of(node) not in _GADDS:
        return None
    a, b = node.inputs[1], node.inputs[2]
    if const(a) == (True, ZERO):
        return b
    if const(b) == (True, ZERO):
        return a
    return None


@rewrite(prims=("gadd", "gadd_numbers"))
def gadd_of_numbers(opt, node):
    """gadd_numbers(a, b) => a + b when neither can be ZERO; the same of gadd(a, b) when
    types say `a` is a float or a float array (no structure to add elementwise)."""
    prim = prim_of(node)
    if prim not in _GADDS:
        return None
    a, b = node.inputs[1:]
    if prim is _gadd and not is_float_kind(opt.abstract(a)):
        return None
    if not (never_zero(opt, a, 8) and never_zero(opt, b, 8)):
        return None
    return Apply([Constant(_add), a, b], node.graph, node.loc)


@rewrite(prims=("is_zero",))
def is_zero_fold(opt, node):
    """is_zero(x) => False when x can never be ZERO; => True on the constant ZERO."""
    if prim_of(node) is not _is_zero:
        return None
    x = node.inputs[1]
    ok, v = const(x)
    if ok:
        return Constant(v is ZERO, node.loc)
    if not may_be_zero(x) or never_zero(opt, x, 8):
        return Constant(False, node.loc)
    # A ZERO guard's result: is_zero(switch(is_zero(y), () -> ZERO, () -> v)()) => is_zero(y)
    # when v is never ZERO.
    guard = zero_guard(x)
    if guard is not None and never_zero(opt, guard[1], 8):
        return x.inputs[0].inputs[1]
    return None


def never_zero(opt, node, depth: int) -> bool:
    """Whether `node` is never ZERO: produced by a primitive that never returns it, or by
    `sum_to`/`broadcast_like` of such a value onto a float (as types say), or `gadd` of one."""
    if depth <= 0:
        return False
    ok, v = const(node)
    if ok:
        return v is not ZERO
    if isinstance(node, Parameter):  # of the root: its abstract value is the argument's
        a = opt.abstract(node)
        return a is not None and is_number_or_array(a)
    prim = prim_of(node)
    if prim is None:
        return False
    if not may_return_zero(prim):
        return True
    if prim is _sum_to or prim is _broadcast_like:
        return is_float_kind(opt.abstract(node.inputs[2])) and never_zero(
            opt, node.inputs[1], depth - 1
        )
    if prim is _unreduce:  # fails on ZERO, and is ZERO only for an integral `a`
        return is_float_kind(opt.abstract(node.inputs[2]))
    if prim in _GADDS:
        return never_zero(opt, node.inputs[1], depth - 1) or never_zero(
            opt, node.inputs[2], depth - 1
        )
    return False


# Control ------------------------------------------------------------------------------------


@rewrite(prims=("switch",))
def switch_of_constant(opt, node):
    """switch(True, a, b) => a;  switch(False, a, b) => b;  switch(c, a, a) => a."""
    if prim_of(node) is not _switch:
        return None
    c, a, b = node.inputs[1:]
    ok, v = const(c)
    if ok and isinstance(v, bool):
        return a if v else b
    if a is b:
        return a
    return None


def _switch_of_values(node: Node, computed: bool = False):
    """(c, va, vb) when `node` is `switch(c, () -> va, () -> vb)()`, a call of one of two
    graphs without parameters; unless `computed`, only when the graphs return values
    without computing them (constants or free variables)."""
    if (
        not isinstance(node, Apply)
        or len(node.inputs) != 1
        or prim_of(node.inputs[0]) is not _switch
    ):
        return None
    c, a, b = node.inputs[0].inputs[1:]
    outs = []
    for g in (a, b):
        if not (isinstance(g, Constant) and isinstance(g.value, Graph)) or g.value.parameters:
            return None
        out = g.value.output
        if out is None or (out.graph is g.value and not computed):
            return None
        outs.append(out)
    return c, outs[0], outs[1]


def zero_guard(node: Node):
    """(x, v) when `node` is a rule's ZERO guard `switch(is_zero(x), () -> ZERO, () -> v)()`
    (`v` may be computed in its branch)."""
    sw = _switch_of_values(node, computed=True)
    if sw is None:
        return None
    c, va, vb = sw
    if prim_of(c) is not _is_zero or const(va) != (True, ZERO):
        return None
    return c.inputs[1], vb


@rewrite
def switch_call_of_values(opt, node):
    """switch(c, () -> v, () -> v)() => v;  switch(is_zero(x), () -> ZERO, () -> x)() => x
    (the ZERO guard of a rule that passes its sensitivity on)."""
    sw = _switch_of_values(node)
    if sw is None:
        return None
    _, va, vb = sw
    ka, ca = const(va)
    kb, cb = const(vb)
    if va is vb or (ka and kb and ca is cb):
        return va
    guard = zero_guard(node)
    if guard is not None and guard[0] is guard[1]:
        return vb
    return None


@rewrite(prims=("truth",))
def truth_of_comparison(opt, node):
    """truth(x) => x when x is already a Python bool: `truth`, `is`, `is not` and `not`
    of anything (a comparison of scalars is not known to be one without types)."""
    if prim_of(node) is not _truth:
        return None
    x = node.inputs[1]
    if prim_of(x) in _BOOLS:
        return x
    return None


@rewrite
def run_chain_unroll(opt, node):
    """run_chain((b, rest), d) => run_chain(rest, b(d));  run_chain(None, d) => d."""
    f = node.inputs[0] if isinstance(node, Apply) else None
    if not (
        isinstance(f, Constant) and isinstance(f.value, Graph) and f.value.flags.get("run_chain")
    ):
        return None
    chain, d = node.inputs[1], node.inputs[2]
    if const(chain) == (True, None):
        return d
    if _is_tuple_of(chain, _make_tuple) and len(chain.inputs) == 3:
        b, rest = chain.inputs[1], chain.inputs[2]
        step = Apply([b, d], node.graph, node.loc)
        if const(rest) == (True, None):
            return step
        return Apply([f, rest, step], node.graph, node.loc)
    return None


@rewrite
def inline(opt, node):
    """Replace a call of a known graph by a copy of its body (beta reduction), for graphs
    that are not recursive and either used once, small, or rules of primitives."""
    if not isinstance(node, Apply):
        return None
    f = node.inputs[0]
    if not (isinstance(f, Constant) and isinstance(f.value, Graph)):
        return None
    g = f.value
    if len(g.parameters) != len(node.inputs) - 1 or g.return_ is None:
        return None
    if not opt.inlinable(g):
        return None
    return inline_clone(g, node.graph, node.inputs[1:], opt.mng, node.loc)


@rewrite
def specialized_call(opt, node):
    """A call of a recursive graph with constant ints (or bools) where it tests them => a
    call of a copy of the graph with those bound, so that the recursion unrolls
    (`myia.opt.specialize`)."""
    if not isinstance(node, Apply):
        return None
    return specialize(opt, node)


@rewrite
def constant_fold(opt, node):
    """A pure primitive applied to constants => the constant result (small values only)."""
    prim = prim_of(node)
    if prim is None or prim.name in _NO_FOLD:
        return None
    values = []
    for inp in node.inputs[1:]:
        ok, v = const(inp)
        if not ok or isinstance(v, Graph):
            return None
        values.append(v)
    try:
        result = prim.impl(*values)
    except Exception:
        return None
    if not _small_constant(result):
        return None
    return Constant(result, node.loc)


def _small_constant(v) -> bool:
    if v is None or v is ZERO or isinstance(v, (bool, int, float, str, slice, type)):
        return True
    if isinstance(v, tuple):
        return len(v) <= 16 and all(_small_constant(x) for x in v)
    return False


_getitem_sens = P("getitem_sens")


@rewrite(prims=("getitem_sens", "sens_at"))
def sens_of_tuple_element(opt, node):
    """getitem_sens(make_tuple(x0, ..., xn), i, v)  ==>  make_tuple(ZERO, .., v, .., ZERO)
    (and the same for sens_at): the sensitivity of one element of a built tuple."""
    prim = prim_of(node)
    if prim is not _getitem_sens and prim is not _sens_at:
        return None
    seq, idx, v = node.inputs[1:]
    ok, i = const(idx)
    if not ok or not isinstance(i, int) or not _is_tuple_of(seq, _make_tuple):
        return None
    n = len(seq.inputs) - 1
    if not -n <= i < n:
        return None
    items: list[Node] = [Constant(ZERO, node.loc) for _ in range(n)]
    items[i] = v
    return Apply([Constant(_make_tuple), *items], node.graph, node.loc)


# Rewrites that use types (abstract values from inference) ----------------------------------

_FOLD_KNOWN = {
    "builtin.isinstance",
    "len",
    "is_",
    "is_not",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "not_",
    "attr.ndim",
    "attr.shape",
    "np.ndim",
    "np.shape",
}


def _known_value(a):
    """The Python value an abstract value pins down (a scalar or tuple of them), or MISSING."""
    if isinstance(a, AScalar) and a.value is not UNKNOWN:
        return a.value
    if isinstance(a, ATuple):
        items = [_known_value(x) for x in a.items]
        if all(x is not _MISSING for x in items):
            return tuple(items)
    return _MISSING


_MISSING = object()


@rewrite
def known_value(opt, node):
    """A test, length or shape that inference knows => its value (`is_zero(x)` where `x`
    cannot be ZERO, `isinstance(x, (tuple, list))` of an array, `len` of a tuple...)."""
    prim = prim_of(node)
    if prim is None or prim.name not in _FOLD_KNOWN:
        return None
    v = _known_value(opt.abstract(node))
    if v is _MISSING or not _small_constant(v):
        return None
    return Constant(v, node.loc)


def _same_kind(a, b) -> bool:
    """Two abstract values of exactly the same type, dtype and (fully known) shape."""
    if isinstance(a, AScalar) and isinstance(b, AScalar):
        return a.kind is b.kind and a.kind in (float, np.float64, np.float32)
    if isinstance(a, AArray) and isinstance(b, AArray):
        return (
            a.dtype == b.dtype and a.shape == b.shape and all(isinstance(d, int) for d in a.shape)
        )
    return False


_sum_to = P("sum_to")
_np_sum = P("np.sum")
_np_reshape = P("np.reshape")
_broadcast_like = P("broadcast_like")
_check_differentiable = P("check_differentiable")
_grad_output = P("grad_output")
_unit_sens = P("unit_sens")
_unreduce = P("unreduce")
_add = P("add")
_LAST_AXES_SWAPS = (P("matrix_transpose"), P("swap_last_axes"))
_attr_T = P("attr.T")


def _all_ones(node: Node, depth: int = 4) -> bool:
    """Whether `node` is 1 everywhere: the constant 1, `x ** 0`, or 1 put back in the
    shape of a reduction (`unreduce`)."""
    ok, v = const(node)
    if ok:
        return type(v) in (int, float, np.float64, np.float32) and v == 1
    prim = prim_of(node)
    if prim is _ieee_pow:
        return const(node.inputs[2]) == (True, 0)
    if prim is _unreduce and depth > 0:
        return _all_ones(node.inputs[1], depth - 1)
    return False


def _may_stand_for(opt, x: Node, node: Node) -> bool:
    """Whether `x` may replace `node`: the same type, dtype and shape, and not an argument
    array that could come out as a result (the caller's own array, not a new one): an
    argument may stand for `node` only where arithmetic consumes `node`."""
    a = opt.abstract(x)
    if not _same_kind(a, opt.abstract(node)):
        return False
    if not (isinstance(x, Parameter) and isinstance(a, AArray)):
        return True
    uses = opt.mng.uses.get(node, ())
    return bool(uses) and all(i > 0 and prim_of(user) in _ARITHMETIC for user, i in uses)


def _spreads_onto(x, out) -> bool:
    """Whether a product with an array of the abstract value `x` has `out`'s shape and a
    dtype no wider than out's: x is a float array of out's shape and dtype, or a bool
    array of out's shape (the other factor then has out's dtype, see `_kept`)."""
    if not (isinstance(x, AArray) and isinstance(out, AArray) and x.shape == out.shape):
        return False
    return all(isinstance(n, int) for n in x.shape) and x.dtype in (out.dtype, np.dtype(bool))


def _kept(opt, spread: Apply) -> Node | None:
    """For `unreduce(d, like, axis, keepdims)`: `d` in the shape the reduction has with
    keepdims (so that it broadcasts against `like`), or None when shapes are not known."""
    d, like, axis, keepdims = spread.inputs[1:]
    ok_axis, ax = const(axis)
    ok_keep, keep = const(keepdims)
    a, b = opt.abstract(d), opt.abstract(like)
    if not (ok_axis and ok_keep and isinstance(b, AArray)) or not all(
        isinstance(n, int) for n in b.shape
    ):
        return None
    same_dtype = (isinstance(a, AScalar) and a.kind is float) or getattr(
        a, "dtype", getattr(a, "kind", None)
    ) == b.dtype
    if not same_dtype:
        return None  # d * x would not have the dtype unreduce gives
    if ax is None:
        return d if isinstance(a, AScalar) or (isinstance(a, AArray) and keep) else None
    if keep:
        return d
    if not isinstance(a, AArray) or not isinstance(ax, int):
        return None
    kept = tuple(1 if i == ax % len(b.shape) else n for i, n in enumerate(b.shape))
    return Apply([Constant(_np_reshape), d, Constant(kept)], spread.graph, spread.loc)


def _product_abstract(opt, spread: Apply, x: Node, node: Apply):
    """The abstract value of `node`, `spread * x` or `spread / x`: from inference, or from
    the shapes of `unreduce`'s `like` and of `x` when the node is newer than the types."""
    out = opt.abstract(node)
    if out is not None and out is not ATop:
        return out
    like, a = opt.abstract(spread.inputs[2]), opt.abstract(x)
    if not (isinstance(like, AArray) and isinstance(a, AArray) and like.dtype == a.dtype):
        return None
    if not all(isinstance(n, int) for n in (*like.shape, *a.shape)):
        return None
    try:
        return AArray(a.dtype, np.broadcast_shapes(like.shape, a.shape))
    except ValueError:
        return None


@rewrite(prims=("neg", "np.reshape", "broadcast_like"))
def unreduce_forms(opt, node):
    """Arrays filled with one number, written one way (`unreduce(d, like, None, False)`)
    so that they merge and products and quotients see them (`multiplicative_identity`):
    -unreduce(d, like, axis, keepdims) => unreduce(-d, like, axis, keepdims);
    np.reshape(unreduce(d, like, None, False), shape) => unreduce(d, shape_of(shape), None,
    False); broadcast_like(d, like) => unreduce(d, like, None, False) for a number d of
    like's dtype."""
    spread = node.inputs[1]
    if prim_of(node) is _broadcast_like:
        a, b = opt.abstract(spread), opt.abstract(node.inputs[2])
        if not (
            isinstance(a, AScalar)
            and isinstance(b, AArray)
            and a.kind in (float, np.float64, np.float32)
        ):
            return None
        if np.dtype(a.kind if a.kind is not float else np.float64) != np.dtype(b.dtype):
            return None
        return Apply(
            [Constant(_unreduce), spread, node.inputs[2], Constant(None), Constant(False)],
            node.graph,
            node.loc,
        )
    if prim_of(spread) is not _unreduce:
        return None
    d, like, axis, keepdims = spread.inputs[1:]
    if prim_of(node) is _neg:
        neg_d = Apply([Constant(_neg), d], node.graph, node.loc)
        return Apply([Constant(_unreduce), neg_d, like, axis, keepdims], node.graph, node.loc)
    ok, shape = const(node.inputs[2])
    a = opt.abstract(like)
    if not (ok and isinstance(shape, tuple) and all(type(n) is int and n >= 0 for n in shape)):
        return None
    if not (
        const(axis) == (True, None) and const(keepdims) == (True, False) and isinstance(a, AArray)
    ):
        return None
    if not all(isinstance(n, int) for n in a.shape) or math.prod(shape) != math.prod(a.shape):
        return None
    w = shape_witness(AArray(a.dtype, shape))
    return Apply([Constant(_unreduce), d, Constant(w), axis, keepdims], node.graph, node.loc)


@rewrite(prims=("mul", "ieee_pow", "truediv"))
def multiplicative_identity(opt, node):
    """x * 1 => x, 1 * x => x (where the 1 may be all ones in the shape of a reduction,
    or x ** 0), and x ** 1 => x, when x has the result's type, dtype and shape;
    unreduce(d, like, axis, keepdims) * x => d * x and unreduce(...) / x => d / x for an
    x of the result's shape (broadcasting spreads d, in the shape with keepdims)."""
    prim = prim_of(node)
    if prim is _mul or prim is _truediv:
        if prim is _mul:
            for one, x in ((node.inputs[1], node.inputs[2]), (node.inputs[2], node.inputs[1])):
                if _all_ones(one) and _may_stand_for(opt, x, node):
                    return x
        pairs = [(node.inputs[1], node.inputs[2])]
        if prim is _mul:
            pairs.append((node.inputs[2], node.inputs[1]))
        for spread, x in pairs:
            if prim_of(spread) is _unreduce and _spreads_onto(
                opt.abstract(x), _product_abstract(opt, spread, x, node)
            ):
                d = _kept(opt, spread)
                if d is not None:
                    return Apply([Constant(prim), d, x], node.graph, node.loc)
    elif prim is _ieee_pow and const(node.inputs[2]) == (True, 1):
        if _may_stand_for(opt, node.inputs[1], node):
            return node.inputs[1]
    return None


@rewrite
def same_shape_identity(opt, node):
    """sum_to(x, like) => ZERO when like is an int, a bool or an array of them;
    sum_to(x, like) and broadcast_like(x, like) => x when x already has like's type,
    dtype and shape; grad_output(s, x, seed) => s and check_differentiable(x) => x when the
    types say there is nothing to check or fill in."""
    prim = prim_of(node)
    if prim is _sum_to and is_integral(opt.abstract(node.inputs[2])):
        return Constant(ZERO, node.loc)
    if prim is _sum_to or prim is _broadcast_like or prim is _grad_output:
        x, like = node.inputs[1], node.inputs[2]
        if _same_kind(opt.abstract(x), opt.abstract(like)):
            return x
    elif prim is _check_differentiable:
        if is_float_kind(opt.abstract(node.inputs[1])):
            return node.inputs[1]
    return None


class ShapeWitness(np.ndarray):
    """A read-only array of zeros (of no memory: its strides are 0) standing for a value
    of which a primitive reads only the type, dtype and shape."""

    def __repr__(self) -> str:
        return f"shape_of({self.dtype}{list(self.shape)})"

    __str__ = __repr__


_WITNESSES: dict[tuple, object] = {}


def shape_witness(a) -> object | None:
    """A constant with the type, dtype and shape that the abstract value `a` pins down
    (a `ShapeWitness` for an array, 0.0 of its type for a float), or None."""
    if isinstance(a, AScalar) and a.kind in (float, np.float64, np.float32):
        return a.kind(0.0)
    if not (
        isinstance(a, AArray) and a.dtype is not None and all(isinstance(n, int) for n in a.shape)
    ):
        return None
    key = (np.dtype(a.dtype).str, tuple(a.shape))
    w = _WITNESSES.get(key)
    if w is None:
        w = np.broadcast_to(np.zeros((), a.dtype), a.shape).view(ShapeWitness)
        _WITNESSES[key] = w
    return w


# The argument each primitive reads only for its type, dtype and shape.
_SHAPE_ONLY = {
    P(name): i
    for name, i in (
        ("unreduce", 2),
        ("expand_reduced", 2),
        ("sum_to", 2),
        ("broadcast_like", 2),
        ("reduced_count", 1),
        ("getitem_sens", 1),
    )
}


@rewrite(
    prims=(
        "unreduce",
        "expand_reduced",
        "sum_to",
        "broadcast_like",
        "reduced_count",
        "getitem_sens",
    )
)
def known_shape_argument(opt, node):
    """f(..., like, ...) => f(..., shape_of(like), ...) for an argument that `f` reads only
    for its type, dtype and shape (`unreduce(d, like, axis, keepdims)`, `sum_to(x, like)`,
    `reduced_count(like, axis)`...) when inference knows them: the computation of `like`
    is no longer needed when nothing else uses it (a loss computed only to be
    differentiated), and `reduced_count` becomes a constant."""
    i = _SHAPE_ONLY.get(prim_of(node))
    if i is None or not isinstance(node.inputs[i], Apply):
        return None
    w = shape_witness(opt.abstract(node.inputs[i]))
    if w is None:
        return None
    inputs = list(node.inputs)
    inputs[i] = Constant(w, node.inputs[i].loc)
    return Apply(inputs, node.graph, node.loc)


@rewrite(prims=("sum_to",))
def sum_to_of_known_shapes(opt, node):
    """sum_to(x, like) => np.sum(x, axis=leading axes) when types say x is an array of
    like's dtype whose shape is like's with leading axes added (the broadcast of a bias
    undone), or np.sum(x, axis=..., keepdims=True) over the axes where like has 1 (a
    broadcast column); x is never ZERO."""
    if prim_of(node) is not _sum_to:
        return None
    x, like = node.inputs[1], node.inputs[2]
    a, b = opt.abstract(x), opt.abstract(like)
    if not (isinstance(a, AArray) and isinstance(b, AArray) and a.dtype == b.dtype):
        return None
    if not all(isinstance(d, int) for d in (*a.shape, *b.shape)) or not never_zero(opt, x, 4):
        return None
    lead = len(a.shape) - len(b.shape)
    if lead > 0 and tuple(a.shape[lead:]) == tuple(b.shape):
        axis = 0 if lead == 1 else tuple(range(lead))
        return Apply([Constant(_np_sum), x, Constant(axis), Constant(False)], node.graph, node.loc)
    if lead == 0 and a.shape != b.shape:
        kept = [i for i, (m, n) in enumerate(zip(a.shape, b.shape)) if n == 1 and m != 1]
        if all(m == n for i, (m, n) in enumerate(zip(a.shape, b.shape)) if i not in kept):
            axis = kept[0] if len(kept) == 1 else tuple(kept)
            return Apply(
                [Constant(_np_sum), x, Constant(axis), Constant(True)], node.graph, node.loc
            )
    return None


@rewrite(prims=("matrix_transpose", "swap_last_axes"))
def transpose_of_matrix(opt, node):
    """matrix_transpose(x), swap_last_axes(x) => x.T when x is known to be a 2-d array."""
    if prim_of(node) not in _LAST_AXES_SWAPS:
        return None
    a = opt.abstract(node.inputs[1])
    if isinstance(a, AArray) and len(a.shape) == 2:
        return Apply([Constant(_attr_T), node.inputs[1]], node.graph, node.loc)
    return None


@rewrite(prims=("unit_sens",))
def unit_seed(opt, node):
    """unit_sens(out) => the constant 1.0 when `out` is known to be a float scalar (of
    its type: a Python float or a NumPy float)."""
    if prim_of(node) is not _unit_sens:
        return None
    a = opt.abstract(node.inputs[1])
    if isinstance(a, AScalar) and a.kind in (float, np.float64, np.float32):
        return Constant(a.kind(1.0), node.loc)
    return None
