"""How primitives are emitted as Python expressions.

A primitive whose implementation is a single `return EXPR` over its parameters and the
modules `np`/`math` (or a NumPy/math function it closes over, the symbolic `ZERO`, a helper
function of the primitives' modules) is emitted as that very expression, with the arguments substituted: `a + b`, `np.tanh(x)`, `np.sum(a, axis=axis,
keepdims=keepdims)`. The result is computed exactly as the implementation computes it. Other
primitives are emitted as a call of their implementation. The template is kept on the
registry entry (`prim.rules["emit"]`).
"""

from __future__ import annotations

import ast
import copy
import inspect
import math
import textwrap
import types
from dataclasses import dataclass

import numpy as np

from myia.prim.registry import Primitive
from myia.prim.sens import ZERO

_MODULES = {"np": np, "math": math}
_BUILTINS = {
    "bool",
    "len",
    "abs",
    "float",
    "int",
    "min",
    "max",
    "tuple",
    "list",
    "range",
    "slice",
    "round",
    "sum",
    "isinstance",
}


def _module_path(value) -> str | None:
    """`np.tanh` for numpy's tanh (a name reachable from `np` or `math`), else None."""
    name = getattr(value, "__name__", None)
    if name is None:
        return None
    for mod_name, mod in _MODULES.items():
        if getattr(mod, name, None) is value:
            return f"{mod_name}.{name}"
    if getattr(np.linalg, name, None) is value:
        return f"np.linalg.{name}"
    return None


_MISSING = object()


def _global_constant(value) -> bool:
    """A global a template may name: `ZERO`, a tuple of types, or a helper function of
    the primitives' own modules (bound in the generated module's namespace)."""
    if value is ZERO:
        return True
    if isinstance(value, tuple) and value and all(isinstance(t, type) for t in value):
        return True
    return isinstance(value, types.FunctionType) and value.__module__.startswith("myia.prim.")


def _template(prim: Primitive) -> ast.expr | None:
    impl = prim.impl
    if not isinstance(impl, types.FunctionType):
        return None
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(impl)))
    except (OSError, TypeError, SyntaxError):
        return None
    fn = tree.body[0]
    if not isinstance(fn, ast.FunctionDef):
        return None
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
        return None
    params = [a.arg for a in fn.args.args]
    if fn.args.vararg or fn.args.kwonlyargs or fn.args.kwarg:
        return None
    cells = {}
    if impl.__closure__:
        cells = dict(zip(impl.__code__.co_freevars, (c.cell_contents for c in impl.__closure__)))
    expr = body[0].value
    for node in ast.walk(expr):
        if isinstance(node, (ast.Lambda, ast.NamedExpr, ast.comprehension)):
            return None
        if isinstance(node, ast.Name):
            if node.id in params:
                continue
            if node.id in cells:
                if _module_path(cells[node.id]) is None:
                    return None
                continue
            if node.id in _MODULES and impl.__globals__.get(node.id) is _MODULES[node.id]:
                continue
            if node.id in _BUILTINS and node.id not in impl.__globals__:
                continue
            if _global_constant(impl.__globals__.get(node.id, _MISSING)):
                continue
            return None
    return expr


class _Substitute(ast.NodeTransformer):
    def __init__(self, mapping: dict[str, ast.expr], cells: dict[str, str], globals_, constant):
        self.mapping = mapping
        self.cells = cells
        self.globals_ = globals_
        self.constant = constant

    def visit_Name(self, node):
        if node.id in self.mapping:
            return self.mapping[node.id]
        if node.id in self.cells:
            return ast.parse(self.cells[node.id], mode="eval").body
        if node.id in self.globals_:
            return self.constant(self.globals_[node.id])
        return node


@dataclass(frozen=True)
class Template:
    """How a primitive is emitted: its expression over `params`, the module paths of the
    NumPy/math functions its implementation closes over (`cells`), the constants it names
    from its module (`constants`), and the parameters it tests for identity
    (`identity_params`: `x` in `x is ZERO`)."""

    expr: ast.expr
    params: list[str]
    cells: dict[str, str]
    constants: dict[str, object]
    identity_params: set


def emit_template(prim: Primitive) -> Template | None:
    """The emission template of `prim` (computed once, kept in `prim.rules["emit"]`)."""
    rules = prim.rules
    if "emit" not in rules:
        expr = _template(prim)
        if expr is None:
            rules["emit"] = None
        else:
            impl = prim.impl
            cells = {}
            if impl.__closure__:
                for name, cell in zip(impl.__code__.co_freevars, impl.__closure__):
                    path = _module_path(cell.cell_contents)
                    if path is not None:
                        cells[name] = path
            params = list(prim.signature.parameters)
            names = {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}
            constants = {
                n: impl.__globals__[n]
                for n in names - set(params) - set(cells)
                if _global_constant(impl.__globals__.get(n, _MISSING))
            }
            compared = {
                x.id
                for n in ast.walk(expr)
                if isinstance(n, ast.Compare)
                and any(isinstance(o, (ast.Is, ast.IsNot)) for o in n.ops)
                for x in (n.left, *n.comparators)
                if isinstance(x, ast.Name)
            }
            rules["emit"] = Template(expr, params, cells, constants, compared & set(params))
    return rules["emit"]


def _identity_operand(a: ast.expr) -> bool:
    """An expression Python lets `is` compare without a SyntaxWarning (not a literal)."""
    return isinstance(a, ast.Name) or (
        isinstance(a, ast.Constant) and any(a.value is v for v in (None, True, False))
    )


def emit_primitive(prim: Primitive, args: list[ast.expr], constant) -> ast.expr | None:
    """The expression computing `prim(*args)`, or None when it must be called;
    `constant(value)` gives the expression of a constant the template names (`ZERO`)."""
    t = emit_template(prim)
    if t is None:
        return None
    if any(not _identity_operand(a) for p, a in zip(t.params, args) if p in t.identity_params):
        return None  # `-1.0 is ZERO` would be a SyntaxWarning: call the implementation
    mapping = dict(zip(t.params, args))
    return _Substitute(mapping, t.cells, t.constants, constant).visit(copy.deepcopy(t.expr))
