"""Primitives of the programs the reverse transform and the gradient API build: the
stacks (tapes) of loop adjoints, the sums of list sensitivities, the environments of
function values, the markers of gradients taken inside compiled code, and `tree_vdot`
(the directional derivative of `check_grads`); and their tangent rules, through which
forward mode runs over reverse mode (`jvp(grad(f))`, Hessian-vector products).
"""

from __future__ import annotations

from itertools import repeat
from operator import is_

import numpy as np

from myia.errors import MyiaTypeError
from myia.infer.abstract import (
    NONE,
    ADict,
    AEnv,
    AList,
    AScalar,
    AStack,
    ATuple,
    AZero,
    describe,
    join,
)
from myia.prim.emitting import template
from myia.prim.jvp import bilinear, linear
from myia.prim.registry import primitive
from myia.prim.structures import ZERO, Env, getitem
from myia.prim.zeros import env_sens, numpy_zeros

# ---------------------------------------------------------------------------------------
# Stacks: the tapes of loop adjoints. A stack is None or a pair (top, rest).


@primitive("stack_push")
def stack_push(stack, value):
    """The stack `stack` with `value` on top."""
    return (value, stack)


@stack_push.definfer
def _infer_stack_push(stack, value):
    if stack == NONE:
        return AStack(value)
    if isinstance(stack, AStack):
        return AStack(join(stack.elem, value))
    raise MyiaTypeError(f"internal error: push onto {describe(stack)}")


@stack_push.defvjp
def _vjp_stack_push(r):
    from myia.prim.sens import zeros_of

    zeros = zeros_of(r.b, r.out_type.elem, r.x(1))  # what was pushed, nothing reaching it
    top = r.b.apply(sens_pop, r.dout, zeros)
    return [r.b.apply(getitem, top, 1), r.b.apply(getitem, top, 0)]


stack_push.defemit(template("({1}, {0})"))


@primitive("stack_pop")
def stack_pop(stack):
    """The pair (top value, rest of the stack)."""
    return stack


@stack_pop.definfer
def _infer_stack_pop(stack):
    if not isinstance(stack, AStack):
        raise MyiaTypeError(f"internal error: pop from {describe(stack)}")
    return ATuple((stack.elem, stack))


@stack_pop.defvjp
def _vjp_stack_pop(r):
    return [_push_sens(r, r.types[0].elem, lambda: r.b.apply(getitem, r.out(), 0))]


def _push_sens(r, elem, top):
    """The sensitivity of a stack of `elem` from that of the pair (top, rest) popped from
    it (`top()`, the value popped, shapes the zeros of a top nothing reached)."""
    from myia.prim.sens import materialize

    b = r.b
    d_rest = b.apply(getitem, r.dout, 1)
    d_top = materialize(b, b.apply(getitem, r.dout, 0), elem, top)
    return b.apply(stack_push, None if d_rest.abstract is AZero else d_rest, d_top)


stack_pop.defemit(template("{0}"))


@primitive("sens_pop")
def sens_pop(stack, zeros):
    """The pair (top, rest) of the sensitivity of a stack. The sensitivity of a stack may
    be shorter than the stack: the values nothing reached are at its bottom, and read as
    `zeros`."""
    return (zeros, None) if stack is None else stack


@sens_pop.definfer
def _infer_sens_pop(stack, zeros):
    elem = join(stack.elem, zeros) if isinstance(stack, AStack) else zeros
    return ATuple((elem, AStack(elem)))


@sens_pop.defvjp
def _vjp_sens_pop(r):
    return [_push_sens(r, r.out_type.items[0], lambda: r.x(1)), None]


sens_pop.defemit(lambda e, args: e.helper_call("sens_pop", args))


@primitive("stack_add")
def stack_add(a, b):
    """The sum of two sensitivities of a stack, element by element from the top (None:
    the empty stack, the sensitivity of a tape nothing reached; see `sens_pop`; ZERO, the
    sensitivity `zeros_at` gives a slot of a residual that the path that ran left
    unfilled, is that empty stack too)."""
    if a is None or a is ZERO:
        return b
    if b is None or b is ZERO:
        return a
    tops = []
    while a is not None and b is not None:
        tops.append(_add_sens(a[0], b[0]))
        a, b = a[1], b[1]
    out = a if a is not None else b  # the rest of the longer one (see `sens_pop`)
    for x in reversed(tops):
        out = (x, out)
    return out


@stack_add.definfer
def _infer_stack_add(a, b):
    if a == NONE:
        return b
    if b == NONE:
        return a
    return join(a, b)


@stack_add.defvjp
def _vjp_stack_add(r):
    return [r.dout, r.dout]


stack_add.defemit(lambda e, args: e.helper_call("stack_add", args))


@primitive("sens_add")
def sens_add(a, b):
    """The sum of two sensitivities of a list of run-time length, element by element (one
    may be the placeholder ZERO: a list of functions starts with no sensitivity)."""
    return _add_sens(a, b)


def _add_sens(x, y):
    if x is ZERO:
        return y
    if y is ZERO:
        return x
    if isinstance(x, Env):
        return env_add(x, y)
    if isinstance(x, (tuple, list)):
        return type(x)(_add_sens(u, v) for u, v in zip(x, y))
    if isinstance(x, dict):
        return {k: _add_sens(x[k], y[k]) for k in x}
    return x + y


@primitive("seq_add_at")
def seq_add_at(a, like, i, d):
    """`sens_add(a, seq_onehot(like, i, d))`: the sensitivity `a` of the sequence `like`
    with `d` added at the index (or slice) `i` only, one addition where the sum with a
    one-hot sensitivity is one per item (the backward pass of `hs[-1]` in a loop that
    appends to `hs`). A sensitivity with placeholders is summed with the one-hot one."""
    return add_at(a, like, i, d, numpy_zeros)


def add_at(a, like, i, d, array_zeros):
    """`seq_add_at` with the zeros of `array_zeros` (those of the backend)."""
    from myia.prim.zeros import onehot

    if a is ZERO or any(map(is_, a, repeat(ZERO))):  # (`ZERO in a` compares arrays)
        return _add_sens(a, onehot(like, i, d, array_zeros))
    out = list(a)
    if isinstance(i, slice):
        for k, j in enumerate(range(len(like))[i]):
            out[j] = _add_sens(out[j], d[k])
    else:
        out[i] = _add_sens(out[i], d)
    return tuple(out) if isinstance(a, tuple) else out


@sens_add.definfer
def _infer_sens_add(a, b):
    return join(a, b)


@seq_add_at.definfer
def _infer_seq_add_at(a, like, i, d):
    from myia.prim.structures import seq_onehot

    return join(a, seq_onehot.infer(like, i, d))


@seq_add_at.defvjp
def _vjp_seq_add_at(r):
    from myia.infer.walks import is_constant
    from myia.prim.sens import materialize

    dout = r.dout if is_constant(r.types[2]) else materialize(r.b, r.dout, r.out_type, r.out)
    return [r.dout, None, None, r.b.apply(getitem, dout, r.x(2))]


@seq_add_at.defemit
def _emit_seq_add_at(e, args):
    return e.helper_call("seq_add_at", args)


@sens_add.defvjp
def _vjp_sens_add(r):
    return [r.dout, r.dout]


@sens_add.defemit
def _emit_sens_add(e, args):
    return e.helper_call("sens_add", args)


# ---------------------------------------------------------------------------------------
# Environments: the sensitivity of a function value. A closure is a graph and the values it
# captures; the sensitivity of one is the tuple of the sensitivities of those values. A
# function value may be one of several closures, so its sensitivity maps the tag of each
# closure reached (an int the reverse transform gives each graph) to that tuple: a dict,
# EMPTY_ENV when nothing reached it. Environments are never modified.


@primitive("env_single", foldable=False)
def env_single(tag, captured):
    """The environment of the closure `tag` whose captured values have the sensitivities
    `captured`."""
    return Env({tag: captured})


env_single.definfer(lambda tag, captured: AEnv)
env_single.defemit(lambda e, args: e.helper_call("env_single", args))


@env_single.defvjp
def _vjp_env_single(r):
    return [None, r.b.apply(env_get, r.dout, r.x(0), r.x(1))]


@primitive("env_add", foldable=False)
def env_add(a, b):
    """The sum of two environments (the closures of both, their sensitivities added)."""
    if not a:
        return b
    if not b:
        return a
    out = Env(a)
    for k, v in b.items():
        out[k] = _add_sens(out[k], v) if k in out else v
    return out


env_add.definfer(lambda a, b: AEnv)
env_add.defemit(lambda e, args: e.helper_call("env_add", args))


@env_add.defvjp
def _vjp_env_add(r):
    return [r.dout, r.dout]


@primitive("env_get", foldable=False)
def env_get(env, tag, like):
    """The sensitivities of the values the closure `tag` captures, from the environment
    `env`; zeros shaped like `like` (those values, ZERO for one without a sensitivity)
    when `env` has none for it."""
    return env_sens(env, tag, like, numpy_zeros)


@env_get.definfer
def _infer_env_get(env, tag, like):
    from myia.infer.sensitivity import sens_type

    if env is not AEnv:
        raise MyiaTypeError(f"internal error: env_get of {describe(env)}")
    return sens_type(like)


env_get.defemit(lambda e, args: e.helper_call("env_get", args))


@env_get.defvjp
def _vjp_env_get(r):
    return [r.b.apply(env_single, r.x(1), r.dout), None, None]


# ---------------------------------------------------------------------------------------
# Gradients taken inside compiled code (`myia.grad(h)(x)`): the specializer types them and
# a pass before reverse mode replaces them by gradient programs (`myia.ad.expand`).


@primitive("grad_of", foldable=False)
def grad_of(fn, spec):
    """The gradient function of `fn` (`spec`: argnums, has_aux, with_value)."""
    raise MyiaTypeError("internal error: grad_of is expanded when compiling")


@grad_of.definfer
def _infer_grad_of(fn, spec):
    from myia.infer.abstract import AGradient
    from myia.infer.walks import constant_value

    return AGradient(fn, constant_value(spec))


@primitive("grad_call", foldable=False)
def grad_call(spec, fn, *args):
    """A call of the gradient of the typed graph `fn` (replaced by its gradient program)."""
    raise MyiaTypeError("internal error: grad_call is expanded when compiling")


@grad_call.definfer
def _infer_grad_call(spec, fn, *args):
    raise MyiaTypeError("internal error: grad_call is typed by the specializer")


def leaves_of(x) -> list:
    """The leaves of a value of tuples, lists and dicts, in the order of the program's
    (dict values in their order; `ad.jacobian.float_leaves` flattens types so).

    Example:
        >>> leaves_of((1.0, {"b": [2.0, 3.0], "a": 4.0}))
        [1.0, 2.0, 3.0, 4.0]
    """
    if isinstance(x, (tuple, list)):
        return [y for v in x for y in leaves_of(v)]
    if isinstance(x, dict):
        return [y for v in x.values() for y in leaves_of(v)]
    return [x]


@primitive("tree_vdot")
def tree_vdot(a, b):
    """The sum over matching leaves of two structures of `sum(a_leaf * b_leaf)` (leaves of
    `b` that are None count for nothing)."""
    return leaf_vdot_sum(a, b, _numpy_vdot)


def _numpy_vdot(x, y) -> float:
    return float(np.sum(np.multiply(x, y, dtype=np.float64)))


def leaf_vdot_sum(a, b, vdot) -> float:
    """The sum of `vdot(a_leaf, b_leaf)` over the matching leaves of two structures whose
    leaf of `b` is not None and leaf of `a` not ZERO (`tree_vdot` with the library's
    `vdot`).

    Example:
        >>> leaf_vdot_sum((2.0, [3.0]), (4.0, [None]), lambda x, y: x * y)
        8.0
    """
    total = 0.0
    for x, y in zip(leaves_of(a), leaves_of(b)):
        if y is not None and x is not ZERO:
            total = total + vdot(x, y)
    return total


@tree_vdot.definfer
def _infer_tree_vdot(a, b):
    return AScalar(float)


@tree_vdot.defvjp
def _vjp_tree_vdot(r):
    """The sensitivity of `a` only (`b` is a direction, a constant of the check)."""
    from myia.prim.arith import mul
    from myia.prim.sens import unbroadcast

    b = r.b

    def scale(ta, tb, x, y):
        if isinstance(ta, (ATuple, AList, ADict)) and not (
            isinstance(ta, AList) and ta.items is None
        ):
            keys = ta.keys if isinstance(ta, ADict) else range(len(ta.items))
            items = ta.values if isinstance(ta, ADict) else ta.items
            titems = tb.values if isinstance(tb, ADict) else tb.items
            # The direction may hold a dict's values as a tuple (see `testing._frozen`).
            ykeys = tb.keys if isinstance(tb, ADict) else range(len(titems))
            parts = [
                scale(t, u, b.apply(getitem, x, k), b.apply(getitem, y, j))
                for k, j, t, u in zip(keys, ykeys, items, titems)
            ]
            parts = [p if p is not None else ZERO for p in parts]
            from myia.prim.dicts import make_dict
            from myia.prim.structures import make_list, make_tuple

            if isinstance(ta, ADict):
                return b.apply(make_dict, ta.keys, b.apply(make_tuple, *parts))
            return b.apply(make_list if isinstance(ta, AList) else make_tuple, *parts)
        if tb == NONE or ta is AZero:
            return None
        return unbroadcast(b, b.apply(mul, y, r.dout), ta)

    return [scale(r.types[0], r.types[1], r.x(0), r.x(1)), None]


tree_vdot.defemit(lambda e, args: e.helper_call("tree_vdot", args))


# ---------------------------------------------------------------------------------------
# Tangents (forward mode): the programs reverse mode builds are linear in the stacks, the
# environments and the sensitivities they carry, so the tangent of each is the same
# operation on the tangents (`jvp(grad(f))`, forward over reverse, runs through them). A
# tangent stack holds the tangents of the values pushed since it had one: it may be
# shorter than its stack (None, the empty stack, when absent), and `sens_pop` reads the
# missing tangents at its bottom as zeros.


def _sum_of(prim):
    """The tangent rule of a primitive adding its two inputs (`stack_add`, `sens_add`,
    `env_add`): an absent tangent adds nothing."""

    def rule(r):
        ta, tb = r.t(0), r.t(1)
        if ta is None or tb is None:
            return tb if ta is None else ta
        return r.b.apply(prim, ta, tb)

    return rule


def _tangent_stack(r, i: int):
    """The tangent of the stack input `i` (the empty stack when absent)."""
    t = r.t(i)
    return r.b.node(None) if t is None else t


@stack_push.defjvp
def _jvp_stack_push(r):
    from myia.ad.forward import fit

    return r.b.apply(stack_push, _tangent_stack(r, 0), fit(r.b, r.t(1), r.types[1], r.x(1)))


@stack_pop.defjvp
def _jvp_stack_pop(r):
    from myia.ad.forward import fit

    zeros = fit(r.b, None, r.types[0].elem, r.b.apply(getitem, r.out(), 0))
    return r.b.apply(sens_pop, r.t(0), zeros)


@sens_pop.defjvp
def _jvp_sens_pop(r):
    from myia.ad.forward import fit

    return r.b.apply(sens_pop, _tangent_stack(r, 0), fit(r.b, r.t(1), r.types[1], r.x(1)))


@env_get.defjvp
def _jvp_env_get(r):
    # The captured values' tangents are the environment's (`like` only shapes zeros). An
    # environment without a tangent is one forward mode did not carry (see
    # myia.ad.forward.tangent_type): its tangent is unknown, not zero.
    if r.t(0) is None:
        raise MyiaTypeError(
            "forward mode has no tangent for the environment `env_get` reads (the "
            "sensitivities of a closure's captured values, in the gradient of a function "
            "that calls a closure chosen or stored at run time); use myia.grad twice "
            "(reverse over reverse) for this function",
            r.node.loc,
        )
    return r.b.apply(env_get, r.t(0), r.x(1), r.x(2))


stack_add.defjvp(_sum_of(stack_add))
sens_add.defjvp(_sum_of(sens_add))
seq_add_at.defjvp(linear(0, 3))
env_add.defjvp(_sum_of(env_add))
env_single.defjvp(linear(1))
tree_vdot.defjvp(bilinear(0, 1))
