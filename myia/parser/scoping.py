"""Closure capture checks: where Python's late binding would differ from myia's capture.

myia builds closures over the *values* enclosing variables have when a nested function
(`def`, `lambda`, comprehension) is defined; Python reads them when the function is
called. The two agree unless the variable changes between definition and call. This module
refuses, with the user's line, the two ways that can happen:

- the enclosing function assigns the variable again after the nested function's definition
  (a list, set or dict comprehension runs where it stands: only the functions it makes count);
- the nested function is defined in a loop that assigns the variable, and escapes the
  iteration (it is used as a value, not only called on the spot).
"""

from __future__ import annotations

import ast

from myia.errors import Location, MyiaSyntaxError
from myia.parser.children import child_nodes

_SCOPES = (ast.FunctionDef, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_LOOPS = (ast.While, ast.For)
_EAGER = (ast.ListComp, ast.SetComp, ast.DictComp)


def _params(node) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.Lambda)):
        a = node.args
        return {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs}
    return set()


def _children_in_scope(node):
    """Child nodes of `node` that belong to the same scope (nested scopes are yielded but
    not entered by callers that stop at `_SCOPES`)."""
    if isinstance(node, (ast.FunctionDef, ast.Lambda)):
        # (its defaults are read by the enclosing scope, when the function is defined)
        body = [node.body] if isinstance(node, ast.Lambda) else node.body
        yield from body
    elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
        yield node.elt
        yield from node.generators
    elif isinstance(node, ast.DictComp):
        yield node.key
        yield node.value
        yield from node.generators
    else:
        yield from child_nodes(node)


class _Scope:
    def __init__(self, node, parent: _Scope | None):
        self.node = node
        self.parent = parent
        self.locals: set[str] = set(_params(node))
        self.stores: list[tuple[str, int, list]] = []  # (name, line, enclosing loops)
        self.children: list[tuple[_Scope, list]] = []  # (scope, enclosing loops)
        self.loads: set[str] = set()
        self.value_uses: set[str] = set()
        self.load_lines: list[tuple[str, int, bool]] = []  # (name, line, called on the spot)
        self.bound_name: str | None = None
        self.top_defs: list[str] = []  # functions defined by a statement of the body itself
        self.escapes = False


def _build(node, parent: _Scope | None) -> _Scope:
    scope = _Scope(node, parent)
    if isinstance(node, ast.FunctionDef) and parent is not None:
        pass
    stack: list[tuple[ast.AST, list, ast.AST | None]] = [
        (c, [], node) for c in _children_in_scope(node)
    ]
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        stack = [(c, [node], node) for c in _children_in_scope(node)]
    while stack:
        n, loops, parent_ast = stack.pop()
        if isinstance(n, _SCOPES):
            if isinstance(n, ast.FunctionDef):
                scope.locals.add(n.name)
                scope.stores.append((n.name, n.lineno, loops))
                if parent_ast is node:
                    scope.top_defs.append(n.name)
            if isinstance(n, (ast.FunctionDef, ast.Lambda)):
                for d in n.args.defaults:
                    stack.append((d, loops, n))
            child = _build(n, scope)
            scope.children.append((child, loops))
            if isinstance(n, ast.FunctionDef):
                child.bound_name = n.name
            elif (
                isinstance(parent_ast, ast.Assign)
                and len(parent_ast.targets) == 1
                and isinstance(parent_ast.targets[0], ast.Name)
            ):
                child.bound_name = parent_ast.targets[0].id
            elif isinstance(n, ast.Lambda) and not (
                isinstance(parent_ast, ast.Call) and parent_ast.func is n
            ):
                child.escapes = True
            continue
        if isinstance(n, ast.Name):
            if isinstance(n.ctx, ast.Store):
                scope.locals.add(n.id)
                scope.stores.append((n.id, n.lineno, loops))
            else:
                scope.loads.add(n.id)
                called = isinstance(parent_ast, ast.Call) and parent_ast.func is n
                scope.load_lines.append((n.id, n.lineno, called))
                if not called:
                    scope.value_uses.add(n.id)
        if isinstance(n, ast.comprehension):
            for t in ast.walk(n.target):
                if isinstance(t, ast.Name):
                    scope.locals.add(t.id)
                    scope.stores.append((t.id, getattr(t, "lineno", 0), loops))
        inner = loops + [n] if isinstance(n, _LOOPS) or isinstance(n, ast.comprehension) else loops
        for c in child_nodes(n):
            stack.append((c, inner, n))
    return scope


def _free_names(scope: _Scope) -> set[str]:
    """Names `scope` (or scopes nested in it) reads that are not its own locals."""
    names = set(scope.loads)
    for child, _ in scope.children:
        names |= _free_names(child)
    return names - scope.locals


def _late_names(scope: _Scope) -> set[str]:
    """The names of the scopes around `scope` that it may read after it is defined: all of
    them for a def, a lambda or a generator expression; a list, set or dict comprehension
    runs at once, so only those of the functions and generators it makes."""
    if not isinstance(scope.node, _EAGER):
        return _free_names(scope)
    names: set[str] = set()
    for child, _ in scope.children:
        names |= _late_names(child)
    return names - scope.locals


def _name_of(scope: _Scope) -> str:
    node = scope.node
    if isinstance(node, ast.FunctionDef):
        return node.name
    if isinstance(node, ast.Lambda):
        return "<lambda>"
    return "<comprehension>"


def _used_after(scope: _Scope, child: _Scope, line: int) -> bool:
    """Whether the function `child` may be called after `line` (or escapes as a value)."""
    if child.bound_name is None:
        return child.escapes
    uses = [(ln, called) for n, ln, called in scope.load_lines if n == child.bound_name]
    return any(not called or ln > line for ln, called in uses)


def _check(scope: _Scope, filename: str, line_offset: int) -> None:
    for child, loops in scope.children:
        captured = _late_names(child) & scope.locals
        end = getattr(child.node, "end_lineno", child.node.lineno)
        for name in sorted(captured):
            if isinstance(child.node, ast.FunctionDef) and name == child.node.name:
                continue
            if scope.top_defs.count(name) == 1 and sum(n == name for n, _, _ in scope.stores) == 1:
                continue  # a nested function defined once: its name always means it
            later = [line for n, line, _ in scope.stores if n == name and line > end]
            if later and _used_after(scope, child, min(later)):
                raise MyiaSyntaxError(
                    f"`{_name_of(child)}` captures `{name}`, which is assigned again on line "
                    f"{later[0] + line_offset}, after `{_name_of(child)}` is defined: Python "
                    "would read the new value when the function is called, myia captures the "
                    f"value at the definition. Pass `{name}` as an argument instead, or give "
                    "the new value another name",
                    Location(filename, child.node.lineno + line_offset, child.node.col_offset),
                )
            escapes = child.escapes or child.bound_name in scope.value_uses
            in_loop = [
                loop for loop in loops if any(n == name and loop in ls for n, _, ls in scope.stores)
            ]
            if escapes and in_loop:
                raise MyiaSyntaxError(
                    f"`{_name_of(child)}` is defined in a loop that changes `{name}`, which it "
                    "captures, and is used as a value: Python would give every such function "
                    f"the last value of `{name}`, myia the value of its own iteration. Pass "
                    f"`{name}` as an argument instead",
                    Location(filename, child.node.lineno + line_offset, child.node.col_offset),
                )
        _check(child, filename, line_offset)


def check_captures(tree: ast.FunctionDef | ast.Lambda, filename: str, line_offset: int) -> None:
    """Refuse closures whose captured variables change before they may be called.

    Example:
        >>> import ast
        >>> src = "def f(x):\\n    a = x\\n    g = lambda: a\\n    a = 2.0\\n    return g()\\n"
        >>> check_captures(ast.parse(src).body[0], "f.py", 0)
        Traceback (most recent call last):
        ...
        myia.errors.MyiaSyntaxError: ...
    """
    _check(_build(tree, None), filename, line_offset)
