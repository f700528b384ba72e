"""Building typed nodes: every node made after specialization gets its type as it is made.

`Builder(graph)` creates applications in `graph` and types them with the shape and dtype
rule of their primitive (`Primitive.infer`); when every input is a known constant and the
primitive is foldable, it folds the application into a constant. Rules that build code
(canonical forms, backpropagators, rewrites) use it, so nothing is inferred again later.

Example:
    >>> b = Builder(graph)                                   # doctest: +SKIP
    >>> y = b.apply(lookup("mul"), x, 2.0)                   # doctest: +SKIP
    >>> y.abstract                                           # doctest: +SKIP
    AArray(float64, (3,))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from myia.errors import Location, MyiaError, MyiaTypeError
from myia.infer.abstract import (
    BOTTOM,
    AbstractValue,
    AEnv,
    AFunction,
    AZero,
    GraphFn,
    abstract_of_value,
)
from myia.infer.walks import constant_value, is_constant
from myia.ir.nodes import Apply, Constant, Graph, Node
from myia.prim.array_like import operand_types
from myia.prim.registry import Primitive
from myia.prim.structures import ZERO, Env, Unbound

# Folding a constant whose value would be larger than this many elements is not worth it.
FOLD_MAX_SIZE = 64


def type_of(node: Node) -> AbstractValue:
    """The type of a typed node (constants are typed by their value)."""
    a = node.abstract
    if a is None and isinstance(node, Constant):
        a = constant_type(node.value)
        node.abstract = a
    if a is None:
        raise MyiaError(f"internal error: untyped node {node!r} in {node.graph!r}")
    return a


def never_returns(node: Node) -> bool:
    """Whether `node` is a computation of type BOTTOM: it raises (`raise_`, a call of a
    graph that does), so a transform that drops its value keeps it as an effect of its
    graph, to raise as the program does (a gradient does not use the primal's value).

    Example:
        >>> # if k < 0: return raise_(...)    -> the raise_ of the side: True
    """
    return isinstance(node, Apply) and type_of(node) is BOTTOM


_PRIMITIVE_TYPES: dict[Primitive, AbstractValue] = {}  # the type of each primitive, made once


def constant_type(value: Any) -> AbstractValue:
    if isinstance(value, Graph):
        return AFunction([GraphFn(value, None)])
    if isinstance(value, Primitive):
        t = _PRIMITIVE_TYPES.get(value)
        if t is None:
            t = _PRIMITIVE_TYPES[value] = AFunction([value])
        return t
    if isinstance(value, Unbound):
        return BOTTOM
    if value is ZERO:
        return AZero
    if isinstance(value, Env):
        return AEnv
    return abstract_of_value(value)


def typed_constant(value: Any, loc: Location | None = None) -> Constant:
    c = Constant(value, loc)
    c.abstract = constant_type(value)
    return c


def infer_apply(prim: Primitive, types: list[AbstractValue], loc: Location | None = None):
    """The output type of `prim` on inputs of `types` (its rule), errors at `loc`."""
    if prim.infer is None:
        raise MyiaError(f"internal error: primitive {prim.name} has no shape rule")
    try:
        return prim.infer(*operand_types(prim, types))
    except MyiaTypeError as e:
        if e.loc is None and loc is not None:
            raise type(e)(str(e), loc) from None
        raise


def try_fold(prim: Primitive, types: list[AbstractValue]):
    """(True, value) when `prim` on constants of `types` folds to a small constant."""
    if not prim.foldable or prim.effect or not all(is_constant(t) for t in types):
        return False, None
    return _fold(prim, [constant_value(t) for t in types])


def fold_nodes(prim: Primitive, nodes: list[Node]):
    """(True, value) when `prim` on `nodes` folds to a small constant: each is a constant
    node (an array too) or of a type with one value."""
    if not prim.foldable or prim.effect:
        return False, None
    args = []
    for n in nodes:
        if type_of(n) is AZero:  # the placeholder of a static zero is read by type only
            return False, None
        if isinstance(n, Constant) and not isinstance(n.value, Graph):
            args.append(n.value)
        elif is_constant(type_of(n)):
            args.append(constant_value(type_of(n)))
        else:
            return False, None
    return _fold(prim, args)


def _fold(prim: Primitive, args: list):
    if any(isinstance(a, (Graph, Unbound)) for a in args):
        return False, None  # an unbound variable raises where the program reads it
    try:
        value = prim.impl(*args)
    except (ArithmeticError, ValueError, TypeError, IndexError, KeyError):
        return False, None  # raised when run, with the user's line
    if isinstance(value, (list, dict)) or (
        isinstance(value, np.ndarray) and value.size > FOLD_MAX_SIZE
    ):
        return False, None
    return True, value


class Builder:
    """Makes typed applications in `graph`, at the source location `loc`. With
    `np_floats` (the builder of backpropagators), a Python float constant is a NumPy float:
    sensitivities follow NumPy's arithmetic (`0.5 / sqrt(0.0)` is inf, not an error)."""

    def __init__(
        self, graph: Graph, loc: Location | None = None, fold: bool = True, np_floats=False
    ):
        self.graph = graph
        self.loc = loc
        self.fold = fold
        self.np_floats = np_floats

    def node(self, x: Any) -> Node:
        """`x` itself when it is a node, else a typed constant."""
        if isinstance(x, Node):
            return x
        if self.np_floats and type(x) is float:
            x = np.float64(x)
        return typed_constant(x, self.loc)

    def apply(self, prim: Primitive, *args: Any) -> Node:
        """`prim(*args)`, typed by its rule (a constant when it folds)."""
        nodes = [self.node(a) for a in args]
        if prim.simplify is not None:
            same = prim.simplify(nodes)
            if same is not None:
                return same
        types = [type_of(n) for n in nodes]
        if self.fold:
            ok, value = fold_nodes(prim, nodes)
            if ok:
                c = typed_constant(value, self.loc)
                return c
        out = infer_apply(prim, types, self.loc)
        node = Apply([typed_constant(prim, self.loc), *nodes], self.graph, self.loc)
        node.abstract = out
        return node

    def call(self, fn, args: list, out: AbstractValue) -> Apply:
        """A call of the function `fn` (a graph, a primitive or a node) returning a value of
        type `out`."""
        f = fn if isinstance(fn, Node) else typed_constant(fn, self.loc)
        node = Apply([f, *[self.node(a) for a in args]], self.graph, self.loc)
        node.abstract = out
        return node

    def at(self, graph: Graph) -> Builder:
        return Builder(graph, self.loc, self.fold, self.np_floats)
