"""Values the same for every example (a weight, `in_axes=None`) that a graph run for some
examples only combines with values that vary: a side of a branch on a varying
condition, the body of a loop whose test varies or that examples leave
(`control.find_sides`). vmap computes the graph for every example, and its derivatives
for the examples that do not run it may be nan or infinite (`np.sqrt(w - x)` where the
side is not taken); the sensitivity of the weight, a sum over the examples, must be that
of the examples running the graph only (not 0 * nan from the others). So:

- a product (`matmul`, `contract`: every `@`, `np.dot`, `np.einsum`) of the weight with
  values that vary is computed on those values with zeros for the other examples
  (`np.where(mask, x, 0)`), and its result read through `grad_mask` by them
  (`zeroed_product`): each term of the weight's sensitivity, the product of the
  sensitivity of the result and the other operands for one example, is then zero for
  the others, and the weight is not copied (the product stays one product);
- any other application (elementwise arithmetic, reductions, indexing) reads the weight
  per example (`shared_reads`, `read_per_example`): broadcast along the batch axis (a
  view), through `grad_mask` by those examples, so that its sensitivity is summed over
  them only.

Example:
    >>> # if x > 0.0: np.sqrt(w - x) * np.log(x)    -> np.sqrt(grad_mask(w[None], x > 0.0) - x)
"""

from __future__ import annotations

from myia.batching import specs as S
from myia.batching.control import _callers, _inexact, masked
from myia.errors import MyiaError
from myia.infer.abstract import AArray
from myia.infer.build import Builder
from myia.ir.nodes import Apply, Constant, Node
from myia.prim.registry import Primitive, lookup

_where = lookup("where")
_and = lookup("logical_and")
_expand_dims = lookup("expand_dims")
# Primitives that read their inputs as they are (no arithmetic on them).
_AS_THEY_ARE = {
    lookup(n) for n in ("switch", "make_tuple", "make_list", "make_dict", "make_record")
}
# Products: linear in each operand (see the module).
_PRODUCTS = {lookup("matmul"), lookup("contract")}


def _weights(bt, node: Apply, specs: list) -> list[int]:
    """The inputs of `node` (of specs `specs`) that are the same for every example, float
    numbers or arrays computed by the program, where `node` is a primitive's application
    combining them with a value that varies in a graph run for some examples only."""
    if not bt.sides or all(s is False for s in specs):
        return []
    fn = node.inputs[0]
    if not (isinstance(fn, Constant) and isinstance(fn.value, Primitive)):
        return []
    if fn.value in _AS_THEY_ARE or not any(h in bt.sides for h in _callers(bt, node.graph)):
        return []
    return [
        i
        for i, (x, s) in enumerate(zip(node.inputs[1:], specs))
        if s is False and not isinstance(x, Constant) and _inexact(x.abstract)
    ]


def shared_reads(bt, node: Apply, specs: list) -> list[int]:
    """The inputs of `node` read per example (`read_per_example`): the weights it combines
    with values that vary in a graph run for some examples only, but in a product
    (`zeroed_product`).

    Example:
        >>> # if x > 0.0: np.sqrt(w - x)    -> [0]: sub reads w per example
    """
    fn = node.inputs[0]
    if isinstance(fn, Constant) and fn.value in _PRODUCTS:
        return []
    return _weights(bt, node, specs)


def read_per_example(bt, b: Builder, x: Node, v: Node) -> Node:
    """The value `v` of `x` (the same for every example) read per example
    (`shared_reads`): broadcast along the batch axis (a view), through `grad_mask` by the
    examples running each graph run for some examples only that the graph being
    rewritten is in."""
    spec = S.fit(True, x.abstract)
    v = bt.broadcast(b, v, x.abstract, False, spec)
    for h in _callers(bt, bt.reader):
        if h in bt.taken:
            v = masked(b, v, x.abstract, spec, bt.taken[h][0])
    return v


def running_mask(bt, b: Builder) -> Node | None:
    """The examples that run the graph being rewritten (`bt.reader`), where it is run for
    some examples only (those of every graph in `bt.sides` it is run from); None where
    every example runs it."""
    mask = None
    for h in _callers(bt, bt.reader):
        if h not in bt.sides:
            continue
        if h not in bt.taken:
            raise MyiaError(f"internal error: no mask of the examples running {h!r}")
        m = bt.taken[h][0]
        mask = m if mask is None else b.apply(_and, mask, m)
    return mask


def zeroed_product(bt, b: Builder, node: Apply) -> Node | None:
    """The mask by which the product `node` zeroes its operands that vary and reads its
    result (see the module), where it multiplies a weight by values that vary in a graph
    run for some examples only; None elsewhere."""
    fn = node.inputs[0]
    if not (isinstance(fn, Constant) and fn.value in _PRODUCTS):
        return None
    if not _weights(bt, node, [bt.spec_of(x) for x in node.inputs[1:]]):
        return None
    return running_mask(bt, b)


def zeroed(b: Builder, v: Node, t, mask: Node) -> Node:
    """The batched operand `v` (per-example type `t`) with zeros for the examples out of
    `mask`: `np.where(mask, v, 0)`, the mask aligned on the batch axis."""
    rank = t.ndim if isinstance(t, AArray) else 0
    m = b.apply(_expand_dims, mask, tuple(range(1, rank + 1))) if rank else mask
    return b.apply(_where, m, v, 0)
