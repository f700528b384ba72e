"""Primitives of the programs the reverse transform and the gradient API build: the
stacks (tapes) of loop adjoints, the sum of list sensitivities, the markers of gradients
taken inside compiled code, and `tree_vdot` (the directional derivative of `check_grads`).
"""

from __future__ import annotations

import numpy as np

from myia.errors import MyiaTypeError
from myia.next.infer.abstract import (
    NONE,
    ADict,
    AList,
    AScalar,
    AStack,
    ATuple,
    AZero,
    describe,
    join,
)
from myia.next.prim.emitting import template
from myia.next.prim.registry import primitive
from myia.next.prim.structures import ZERO, getitem

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
    top = r.b.apply(stack_pop, r.dout)
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
    b = r.b
    d_rest = b.apply(getitem, r.dout, 1)
    d_top = b.apply(getitem, r.dout, 0)
    if d_rest.abstract is AZero:
        d_rest = None
    return [b.apply(stack_push, d_rest if d_rest is not None else None, d_top)]


stack_pop.defemit(template("{0}"))


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
    if isinstance(x, (tuple, list)):
        return type(x)(_add_sens(u, v) for u, v in zip(x, y))
    if isinstance(x, dict):
        return {k: _add_sens(x[k], y[k]) for k in x}
    return x + y


@sens_add.definfer
def _infer_sens_add(a, b):
    return join(a, b)


@sens_add.defvjp
def _vjp_sens_add(r):
    return [r.dout, r.dout]


@sens_add.defemit
def _emit_sens_add(e, args):
    return e.helper_call("sens_add", args)


# ---------------------------------------------------------------------------------------
# Gradients taken inside compiled code (`myia.grad(h)(x)`): the specializer types them and
# a pass before reverse mode replaces them by gradient programs (`myia.next.ad.expand`).


@primitive("grad_of", foldable=False)
def grad_of(fn, spec):
    """The gradient function of `fn` (`spec`: argnums, has_aux, with_value)."""
    raise MyiaTypeError("internal error: grad_of is expanded when compiling")


@grad_of.definfer
def _infer_grad_of(fn, spec):
    from myia.next.infer.abstract import AGradient, constant_value

    return AGradient(fn, constant_value(spec))


@primitive("grad_call", foldable=False)
def grad_call(spec, fn, *args):
    """A call of the gradient of the typed graph `fn` (replaced by its gradient program)."""
    raise MyiaTypeError("internal error: grad_call is expanded when compiling")


@grad_call.definfer
def _infer_grad_call(spec, fn, *args):
    raise MyiaTypeError("internal error: grad_call is typed by the specializer")


def _leaves(x):
    if isinstance(x, (tuple, list)):
        for e in x:
            yield from _leaves(e)
    elif isinstance(x, dict):
        for k in x:
            yield from _leaves(x[k])
    else:
        yield x


@primitive("tree_vdot")
def tree_vdot(a, b):
    """The sum over matching leaves of two structures of `sum(a_leaf * b_leaf)` (leaves of
    `b` that are None count for nothing)."""
    total = 0.0
    for x, y in zip(_leaves(a), _leaves(b)):
        if y is not None and x is not ZERO:
            total = total + float(np.sum(np.multiply(x, y, dtype=np.float64)))
    return total


@tree_vdot.definfer
def _infer_tree_vdot(a, b):
    return AScalar(float)


@tree_vdot.defvjp
def _vjp_tree_vdot(r):
    """The sensitivity of `a` only (`b` is a direction, a constant of the check)."""
    from myia.next.prim.arith import mul
    from myia.next.prim.sens import unbroadcast

    b = r.b

    def scale(ta, tb, x, y):
        if isinstance(ta, (ATuple, AList, ADict)) and not (
            isinstance(ta, AList) and ta.items is None
        ):
            keys = ta.keys if isinstance(ta, ADict) else range(len(ta.items))
            items = ta.values if isinstance(ta, ADict) else ta.items
            titems = tb.values if isinstance(tb, ADict) else tb.items
            parts = [
                scale(t, u, b.apply(getitem, x, k), b.apply(getitem, y, k))
                for k, t, u in zip(keys, items, titems)
            ]
            parts = [p if p is not None else ZERO for p in parts]
            from myia.next.prim.structures import make_dict, make_list, make_tuple

            if isinstance(ta, ADict):
                return b.apply(make_dict, ta.keys, b.apply(make_tuple, *parts))
            return b.apply(make_list if isinstance(ta, AList) else make_tuple, *parts)
        if tb == NONE or ta is AZero:
            return None
        return unbroadcast(b, b.apply(mul, y, r.dout), ta)

    return [scale(r.types[0], r.types[1], r.x(0), r.x(1)), None]


tree_vdot.defemit(lambda e, args: e.helper_call("tree_vdot", args))
