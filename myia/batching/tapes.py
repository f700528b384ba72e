"""The tapes of reverse mode in batched programs.

A tape (`stack_push`, `stack_pop`: the residual of each run of a loop, see
`myia.ad.loops`) of batched residuals is one stack whose entries hold every example. Where
the loop's test varies from example to example, the forward loop runs until every example
is done (`myia.batching.control`): an example that is done runs the body again on its
frozen state, and that run's residual is pushed too. Such a tape is *masked*: each entry
is `(mask, residual)`, the mask the loop's test at that run (which examples really ran it).
Tapes are told apart by their types (the optimizer unboxes residuals): a tape of the type
of a masked one, pushed by a loop whose test is the same for every example, has masks
that are all true.
The backward loop pops every entry, and where the mask is false leaves the sensitivities
it carries as they were (`np.where(mask, new, old)` at its back edge), as the forward loop
left the state: so each example's gradient is that of its own iterations.

Two sides of a branch on a varying condition that both go on with the loop push their
residuals onto the same tape: the entry pushed is the residuals selected (`select`).
Every entry pushed has the type of the tape's entries: the slots a run leaves empty in
its residual (those of a side of a branch it did not take, of type BOTTOM there) are
zeros, so that the tape has one type, which `np.where` can select part by part.

The gradient of a stack the primal program keeps (a recursion run as two loops, whose
sensitivity is popped by `sens_pop`) is refused where its values vary, with the
recursion's line (`stack_sens_rule`).

Example:
    >>> # while x < c: x = f(x)        (x varies)
    >>> # forward:  tape = stack_push(tape, (x < c, residual))
    >>> # backward: (mask, r), tape = stack_pop(tape); d = np.where(mask, f'(r) * d, d)
"""

from __future__ import annotations

import numpy as np

from myia.batching import specs as S
from myia.errors import MyiaTypeError
from myia.infer.abstract import AScalar, AStack, ATuple
from myia.infer.build import Builder, typed_constant
from myia.ir.nodes import Node, Parameter
from myia.prim.registry import lookup

_getitem = lookup("getitem")
_make_tuple = lookup("make_tuple")
_push = lookup("stack_push")
_pop = lookup("stack_pop")


def entry_type(t: AStack, masked) -> object:
    """The per-example type of an entry of the tape type `t` (with its mask where the
    tape is masked)."""
    if t in masked:
        return ATuple((AScalar(bool), t.elem))
    return t.elem


def push_rule(r):
    """`stack_push(tape, residual)`: the residual given the batch axis and the type of
    the tape's entries (zeros in the slots of the residual this run leaves empty: those
    of a side of a branch it did not take, BOTTOM in its type), with the loop's test where
    the tape is masked (see the module)."""
    elem = r.node.abstract.elem
    value = r.bt.bound(r.b, r.moved(1), r.types[1], elem, S.fit(True, elem))
    if r.node.abstract in r.bt.masked:
        value = r.apply(_make_tuple, mask_of(r, r.node.inputs[1]), value)
    return r.apply(r.prim, r.moved(0), value)


def mask_of(r, tape: Node) -> Node:
    """The batched test of the forward loop whose tape parameter is `tape` (all true
    where that test is the same for every example); in a loop examples may leave, the
    examples still in it where the push is (`myia.batching.breaks.state_at`)."""
    from myia.batching.breaks import state_at
    from myia.batching.control import loop_test

    header = tape.graph if isinstance(tape, Parameter) else None
    if header is not None and header in r.bt.breaking:
        return state_at(r.bt, r.node.graph, header)[0]
    if header in r.bt.loops:  # (its test, for the examples that run it: `control.running`)
        return r.bt.loops[header]
    test = loop_test(r.bt, header.output) if header is not None else None
    if test is None:
        return typed_constant(np.ones(r.size, dtype=bool), r.node.loc)
    return r.bt.value(test)


def pop_rule(r):
    """`stack_pop(tape)`: (residual, rest); the mask of a masked tape is kept for the
    back edge of the backward loop that pops it (`Batcher.call_graph`)."""
    popped = r.apply(r.prim, r.x(0))
    if r.types[0] not in r.bt.masked:
        return popped
    top = r.apply(_getitem, popped, 0)
    r.bt.pop_masks[r.node.inputs[1]] = r.apply(_getitem, top, 0)
    return r.apply(_make_tuple, r.apply(_getitem, top, 1), r.apply(_getitem, popped, 1))


def back_edge_mask(bt, header, node) -> Node | None:
    """The mask of the entry the backward loop `header` popped before its back edge
    `node` (None when `header` pops no masked tape)."""
    for p in header.parameters:
        if isinstance(p.abstract, AStack) and p.abstract in bt.masked:
            mask = bt.pop_masks.get(p)
            if mask is None:
                raise MyiaTypeError(
                    "vmap cannot batch the derivative of a loop whose number of runs varies "
                    "from example to example when a second loop reads back what it stacked "
                    "(a recursion, written as loops, whose depth varies); map the function "
                    "inside the loss and differentiate that (grad of a sum of vmap), or "
                    "make the depth the same for every example (in_axes=None)",
                    node.loc,
                )
            return mask
    return None


def select(bt, b: Builder, c: Node, t: AStack, tv: Node, fv: Node) -> Node:
    """`np.where(c, ...)` of two tapes the sides of a branch give: the same tape with one
    entry pushed on each side; the entries selected, pushed on the tape."""
    from myia.batching.control import where_parts

    elem = entry_type(t, bt.masked)
    spec = S.fit(True, elem)
    top_t = b.apply(_getitem, b.apply(_pop, tv), 0)
    low = b.apply(_pop, fv)
    top_f = b.apply(_getitem, low, 0)
    top = where_parts(bt, b, c, elem, top_t, top_f, spec, spec, spec)
    return b.apply(_push, b.apply(_getitem, low, 1), top)


def stack_sens_rule(r):
    """`sens_pop`, `stack_add` (the sensitivity of a stack the primal program keeps: a
    recursion that calls itself once, which myia runs as two loops, the second reading
    back what the first stacked, `myia.infer.recursion`) on values that vary: refused,
    at the line of the recursive call, with the ways round."""
    raise MyiaTypeError(
        "vmap cannot batch the gradient of this recursion on values that vary from example "
        "to example (myia runs a function that calls itself once as two loops, the second "
        "reading back what the first stacked, and the gradient of that stack is not "
        "batched); write the recursion as a loop (a while loop carrying its state), "
        "differentiate the sum of the mapped function instead (myia.grad of np.sum of "
        "myia.vmap), or loop over the examples",
        r.node.loc,
    )


def register() -> None:
    """Register the rules of this module."""
    _pop.defbatch(pop_rule)
    _push.defbatch(push_rule)
    lookup("sens_pop").defbatch(stack_sens_rule)
    lookup("stack_add").defbatch(stack_sens_rule)
