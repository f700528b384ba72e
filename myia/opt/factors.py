"""The number constants of a product, multiplied together: one factor.

A backward pass multiplies the sensitivity by the constants of each rule it goes
through (`0.5 * d * (2.0 * x)` for `sqrt(x ** 2)`, `-(0.25 * (1.0 / (1.0 + t)) * t)` for
a mean of `log1p(exp(...))`). A *product tree* is a product, quotient or negation whose
operands, when they are products, quotients or negations of its type used nowhere else,
belong to it too; its *leaves* are the other operands. `gather_constants` writes a tree
whose number constants (a negation is a factor -1) take more operations than one factor
as its leaves' product, times the product of its constants (on the smallest leaf),
divided by the leaves it divided by: `0.5 * d * (2.0 * x)` is `d * x`, `c * (1.0 / a)` is
`c / a`. Products may be regrouped in the programs reverse mode made (exact up to
rounding); a tree is one floating dtype, and only NumPy divides (a quotient of numbers,
which may be Python's division, is a leaf); masks and counts (bool, uint8) meet a float
before they meet each other.

Example:
    >>> gather_constants(node, mng)                 # doctest: +SKIP
"""

from __future__ import annotations

import math

import numpy as np

from myia.infer.abstract import AArray, AScalar
from myia.infer.build import Builder, type_of
from myia.ir.nodes import Apply, Constant, Node
from myia.prim.registry import lookup as P

_MUL, _DIV, _NEG = P("mul"), P("truediv"), P("neg")
PRODUCT_TREE = (_MUL, _DIV, _NEG)
_COUNTS = (np.dtype(bool), np.dtype(np.uint8))


def _prim(n: Node):
    f = n.inputs[0] if isinstance(n, Apply) else None
    return next((p for p in PRODUCT_TREE if isinstance(f, Constant) and f.value is p), None)


def _scaling(n: Apply):
    """(k, x) where `n` is `k * x`, `x * k` (k a number constant) or `-x`, else None."""
    prim = _prim(n)
    if prim is _NEG:
        return -1.0, n.inputs[1]
    if prim is _MUL:
        a, b = n.inputs[1:]
        for k, x in ((a, b), (b, a)):
            if isinstance(k, Constant) and _is_number(k.value) and not isinstance(x, Constant):
                return k.value, x
    return None


def _kind(t) -> np.dtype | None:
    """The floating dtype of a tree whose root has type `t` (None: not a tree)."""
    if isinstance(t, AArray):
        return t.dtype if t.dtype.kind == "f" else None
    return np.dtype(np.float64) if isinstance(t, AScalar) and t.kind is float else None


def _is_number(v) -> bool:
    return (
        isinstance(v, (int, float, np.integer, np.floating))
        and not isinstance(v, (bool, np.bool_))
        and math.isfinite(v)
    )


class _Tree:
    """The leaves (multiplied, divided by) and constants of the product tree at `root`."""

    def __init__(self, root: Apply, mng):
        self.type = root.abstract
        self.array = isinstance(self.type, AArray)
        self.graph = root.graph
        self.mng = mng
        self.num: list[Node] = []
        self.den: list[Node] = []
        self.constants: list = []  # (value, divides)
        self.ops = 0
        self.ok = True
        self.walk(root, False, top=True)

    def inner(self, n: Node) -> bool:
        return n.graph is self.graph and _inside(n, self.type)

    def walk(self, n: Node, divides: bool, top: bool = False) -> None:
        if self.inner(n) and (top or len(self.mng.uses.get(n, ())) == 1):
            self.ops += 1
            prim = _prim(n)
            if prim is _NEG:
                self.constants.append((-1.0, False))
            self.walk(n.inputs[1], divides)
            if prim is not _NEG:
                self.walk(n.inputs[2], divides != (prim is _DIV))
        elif self.inner(n) and _scaling(n) is not None:
            k, x = _scaling(n)  # (a number times a value, used elsewhere too: it stays)
            self.constants.append((k, divides))
            self.leaf(x, divides)
        elif isinstance(n, Constant) and _is_number(n.value):
            self.constants.append((n.value, divides))
        else:
            self.leaf(n, divides)

    def leaf(self, n: Node, divides: bool) -> None:
        if self.leaf_ok(type_of(n)):
            (self.den if divides else self.num).append(n)
        else:
            self.ok = False

    def leaf_ok(self, t) -> bool:
        if isinstance(t, AScalar):
            return t.kind is float or (self.array and t.kind is int)
        return self.array and isinstance(t, AArray) and t.dtype in (self.type.dtype, *_COUNTS)

    def is_float(self, n: Node) -> bool:
        t = type_of(n)
        return (
            isinstance(t, AScalar)
            and t.kind is float
            or (isinstance(t, AArray) and t.dtype == getattr(self.type, "dtype", None))
        )

    def factor(self) -> float:
        c = 1.0
        for v, divides in self.constants:
            c = c / float(v) if divides else c * float(v)
        return c


def _inside(n: Node, root) -> bool:
    """Whether `n` is an operation of a product tree whose root has type `root`: of its
    dtype, or a product of float numbers (a quotient of numbers is a leaf)."""
    prim, t = _prim(n), getattr(n, "abstract", None)
    if prim is None:
        return False
    if isinstance(t, AScalar):
        return t.kind is float and prim is not _DIV
    return isinstance(root, AArray) and isinstance(t, AArray) and t.dtype == root.dtype


def gather_constants(node: Apply, mng) -> Node | None:
    """`node`, the root of a product tree (see the module), with its number constants
    multiplied together, where that takes fewer operations; else None."""
    if _prim(node) is None or _kind(node.abstract) is None or _absorbed(node, mng):
        return None
    tree = _Tree(node, mng)
    if not tree.ok or (not tree.num and not tree.den):
        return None
    c = tree.factor()
    if c == 0.0 or not math.isfinite(c):
        return None
    ops = max(len(tree.num) - 1, 0) + len(tree.den) + (c != 1.0 and bool(tree.num))
    if ops > tree.ops or (ops == tree.ops and len(tree.constants) < 2):
        return None  # (as many operations: still one factor for constants read apart)
    b = Builder(node.graph, node.loc)
    constant = np.float64(c) if any(isinstance(v, np.floating) for v, _ in tree.constants) else c
    floats = [x for x in tree.num if tree.is_float(x)]
    counts = [x for x in tree.num if not tree.is_float(x)]
    if floats:
        k = min(range(len(floats)), key=lambda i: _size(floats[i]))
        if c == -1.0:
            floats[k] = b.apply(_NEG, floats[k])
        elif c != 1.0:
            floats[k] = b.apply(_MUL, constant, floats[k])
        leaves = floats + counts
    else:  # (a constant first: masks meet a float before each other)
        leaves = [b.node(constant), *counts] if c != 1.0 or not counts else counts
    out = leaves[0]
    for x in leaves[1:]:
        out = b.apply(_MUL, out, x)
    for x in tree.den:
        out = b.apply(_DIV, out, x)
    t, want = type_of(out), node.abstract
    same = (
        t == want
        if tree.array
        else (isinstance(t, AScalar) and t.kind is float and t.np == want.np)
    )
    return out if same else None


def _size(n: Node) -> float:
    t = type_of(n)
    if isinstance(t, AArray):
        return t.size if t.size is not None else math.inf
    return 1


def _absorbed(node: Apply, mng) -> bool:
    """Whether `node` is inside the product tree of its one user (that tree is rewritten
    whole)."""
    uses = mng.uses.get(node, ())
    if len(uses) != 1:
        return False
    ((user, _),) = uses
    return (
        user.graph is node.graph
        and _inside(user, user.abstract)
        and _inside(node, user.abstract)
        and _kind(user.abstract) is not None
    )
