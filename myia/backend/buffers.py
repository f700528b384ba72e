"""Buffer reuse: which array operations may write their result into an operand's memory.

`a + b` allocates a new array. When `a` is an array the program made itself and uses
nowhere else, the sum can go into `a`'s memory instead: `np.add(a, b, out=a)`. For arrays
of tens of kilobytes the allocation (and the page faults of touching new memory) costs as
much as the arithmetic; in a loop that accumulates a weight gradient it is most of the
difference with a hand-written `dW += ...`.

An operation `op(a, ...)` (elementwise arithmetic, a NumPy ufunc, or the addition of two
sensitivities) writes into `a` when:

- `a` is *fresh*: computed by an operation whose result is always new memory (elementwise
  arithmetic, a NumPy ufunc, a matrix product), never a view, a parameter or a constant;
- `op` is `a`'s only user, in the same graph (so it runs once for each `a` computed: a use
  inside a loop body of a value computed before the loop does not qualify);
- the result has `a`'s shape and dtype (and is an array, not a NumPy scalar): inference
  says so, or, for the sum of a matrix product and another value (the accumulation of a
  weight gradient in a loop, whose types the tape hides), `add_into` checks it when it
  runs.

Example (the code generator's view):
    t = x @ w                 # fresh, used once
    u = t + b                 # => np.add(t, b, out=t)    (types known)
    acc = t2 + acc            # => add_into(t2, acc)      (t2 = h.T @ d; types not known)
"""

from __future__ import annotations

import ast
from collections.abc import Callable

import numpy as np

from myia.backend.emit import emit_template
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node, prim_of
from myia.prim import lookup as P
from myia.prim.registry import Primitive
from myia.prim.sens import ZERO

_UFUNCS = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "true_divide"}


def add_into(a, b):
    """`a + b`, computed into `a` when that gives the same result: `a` and `b` arrays of
    the same shape and dtype. The caller owns `a` and no longer needs it."""
    if (
        type(a) is np.ndarray
        and type(b) is np.ndarray
        and a.ndim
        and a.shape == b.shape
        and a.dtype == b.dtype
    ):
        return np.add(a, b, out=a)
    return a + b


def _result_expr(prim: Primitive) -> ast.expr | None:
    """The expression of `prim`'s template that makes its result (the last branch of a
    conditional expression, where ZERO guards come first), or None."""
    t = emit_template(prim)
    if t is None:
        return None
    expr = t.expr
    while isinstance(expr, ast.IfExp):
        expr = expr.orelse
    return expr


def _is_ufunc_call(expr: ast.expr, cells: dict[str, str]) -> bool:
    """Whether `expr` calls a NumPy ufunc of one output on its arguments only (`np.tanh(x)`,
    or a name the template's closure binds to one)."""
    if not (isinstance(expr, ast.Call) and not expr.keywords):
        return False
    f = expr.func
    if isinstance(f, ast.Name) and cells.get(f.id, "").startswith("np."):
        path = cells[f.id]
    elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "np":
        path = f"np.{f.attr}"
    else:
        return False
    fn = getattr(np, path[3:], None)
    return isinstance(fn, np.ufunc) and fn.nin == len(expr.args) and fn.nout == 1


def _fresh(node: Node) -> bool:
    """Whether `node`'s value, when it is an array, is always new memory."""
    prim = prim_of(node)
    t = emit_template(prim) if prim is not None else None
    if t is None or isinstance(t.expr, ast.IfExp):
        return False  # a conditional may give one of its operands back
    e = t.expr
    if isinstance(e, ast.BinOp):
        return isinstance(e.op, (*_UFUNCS, ast.MatMult))
    if isinstance(e, ast.UnaryOp):
        return isinstance(e.op, ast.USub)
    return _is_ufunc_call(e, t.cells)


def _made_by_matmul(node: Node) -> bool:
    prim = prim_of(node)
    t = emit_template(prim) if prim is not None else None
    return t is not None and isinstance(t.expr, ast.BinOp) and isinstance(t.expr.op, ast.MatMult)


_switch = P("switch")


def _guarded_results(mng: Manager, node: Node) -> list[Node] | None:
    """For a ZERO guard `switch(c, T, F)()` (each branch a graph used only there, whose
    output is ZERO or a node used only as that output): those nodes; else None."""
    if not (isinstance(node, Apply) and len(node.inputs) == 1):
        return None
    sw = node.inputs[0]
    if prim_of(sw) is not _switch:
        return None
    out = []
    for branch in sw.inputs[2:]:
        g = branch.value if isinstance(branch, Constant) else None
        if not isinstance(g, Graph) or g.parameters:
            return None
        r = g.output
        if isinstance(r, Constant) and r.value is ZERO:
            continue
        if mng.graph_use_count(g) != 1 or not (
            isinstance(r, Apply) and r.graph is g and len(mng.uses.get(r, ())) == 1
        ):
            return None
        out.append(r)
    return out


class BufferReuse:
    """The reuse plan of a program: for each operation that may overwrite an operand, the
    operand, and whether the fit must be checked when it runs (`add_into`).

    `array_type(node)` is (shape, dtype) when the node's value is known to be an array
    of that shape with at least one dimension (or ZERO), else None (see
    `myia.infer.known_array`); without it, only the checked additions are planned.
    """

    def __init__(self, mng: Manager, array_type: Callable[[Node], tuple | None] | None = None):
        self.mng = mng
        self.array_type = array_type or (lambda node: None)
        self.plan: dict[Apply, tuple[Node, bool]] = {}
        for node in mng.all_nodes:
            if isinstance(node, Apply):
                choice = self._choose(node)
                if choice is not None:
                    self.plan[node] = choice
        # The arrays written into: they must stay variables.
        self.targets = {operand for operand, _ in self.plan.values()}

    def _choose(self, node: Apply) -> tuple[Node, bool] | None:
        prim = prim_of(node)
        expr = _result_expr(prim) if prim is not None else None
        if expr is None:
            return None
        t = emit_template(prim)
        if isinstance(expr, ast.BinOp) and type(expr.op) in _UFUNCS:
            slots = [expr.left, expr.right]
        elif isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
            slots = [expr.operand]
        elif _is_ufunc_call(expr, t.cells):
            slots = list(expr.args)
        else:
            return None
        names = [s.id for s in slots if isinstance(s, ast.Name)]
        if len(names) != len(slots):
            return None
        args = dict(zip(t.params, node.inputs[1:]))
        out = self.array_type(node)
        for name in names:
            a = args.get(name)
            if a is None or not self._owned_by(a, node):
                continue
            if out is not None and self.array_type(a) == out:
                return a, False
            if (
                isinstance(expr, ast.BinOp)
                and isinstance(expr.op, ast.Add)
                and self._made(a, _made_by_matmul)
            ):
                return a, True
        return None

    def _made(self, a: Node, test) -> bool:
        """Whether `test` holds of what computes `a`: `a` itself, or each computed
        branch of the ZERO guard `a` is."""
        if test(a):
            return True
        results = _guarded_results(self.mng, a)
        return bool(results) and all(test(r) for r in results)

    def _owned_by(self, a: Node, node: Apply) -> bool:
        """`a` is fresh (or ZERO) and `node` is its only user, in the same graph."""
        if not isinstance(a, Apply) or a.graph is not node.graph or not self._made(a, _fresh):
            return False
        return all(user is node for user, _ in self.mng.uses.get(a, ()))

    def target(self, node: Node) -> tuple[Node, bool] | None:
        """(the operand `node` may overwrite, whether to check the fit when it runs)."""
        return self.plan.get(node)


def write_into(expr: ast.expr, target: str, checked: bool) -> ast.expr:
    """`expr` (an emitted operation) computing into the variable `target`: the operation
    that makes the result (after any ZERO guards) becomes a ufunc call with `out=`, or an
    `add_into` call when the fit is `checked` when it runs."""
    if isinstance(expr, ast.IfExp):
        expr.orelse = write_into(expr.orelse, target, checked)
        return expr
    out = [ast.keyword("out", ast.Name(target, ast.Load()))]
    if isinstance(expr, ast.BinOp):
        if checked:
            left, right = (
                (expr.left, expr.right) if _named(expr.left, target) else (expr.right, expr.left)
            )
            return ast.Call(ast.Name("add_into", ast.Load()), [left, right], [])
        fn = ast.Attribute(ast.Name("np", ast.Load()), _UFUNCS[type(expr.op)], ast.Load())
        return ast.Call(fn, [expr.left, expr.right], out)
    if isinstance(expr, ast.UnaryOp):
        fn = ast.Attribute(ast.Name("np", ast.Load()), "negative", ast.Load())
        return ast.Call(fn, [expr.operand], out)
    if isinstance(expr, ast.Call):
        return ast.Call(expr.func, expr.args, out)
    return expr


def _named(e: ast.expr, name: str) -> bool:
    return isinstance(e, ast.Name) and e.id == name
