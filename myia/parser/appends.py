"""`xs.append(v)` on a list the function owns, rewritten to `xs = xs + [v]` before the fence.

Python's `append` changes the list object, which every other name holding it sees; myia's
lists are values. The two agree when no other holder of the object can see the change, so
the rewrite applies to a statement `xs.append(v)` only when, in the function that runs it:

- every assignment of `xs` makes a new list (`xs = []`, `xs = [a, b]`, `xs = [e for ...]`,
  `xs = ys + zs`, `xs = list(ys)`) and `xs` is not a parameter (a caller's list) nor a
  variable of an enclosing function;
- `xs` is not shared before an append: besides indexing it (`xs[i]`), iterating over it,
  arithmetic and comparisons (`xs + [v]`), reductions and NumPy functions (`sum(xs)`,
  `len(xs)`, `np.stack(xs)`), any use of the list object itself (`ys = xs`, `(xs, 1)`,
  `g(xs)`) must come after every append, outside their loops.

An append that does not qualify is refused with the reason; anything else the fence sees as
before (`xs.extend(...)` stays refused). The closures that read `xs` are checked by
`scoping.py` against the rebinding the rewrite makes.

Example:
    >>> import ast
    >>> tree = ast.parse("def f(x):\\n    hs = []\\n    hs.append(x)\\n    return hs").body[0]
    >>> rewrite_appends(tree, "user.py", 0)
    >>> print(ast.unparse(tree.body[1]))
    hs = hs + [x]
"""

from __future__ import annotations

import ast

from myia.errors import Location, MyiaSyntaxError
from myia.parser.ast_rules import _param_names
from myia.parser.children import child_nodes

_FUNCTIONS = (ast.FunctionDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# Builtins whose result never is the list they are given.
_READING_BUILTINS = frozenset({"len", "sum", "min", "max", "any", "all", "sorted", "tuple", "list"})


def rewrite_appends(tree: ast.FunctionDef | ast.Lambda, filename: str, line_offset: int) -> None:
    """Rewrite, in place, each `xs.append(v)` statement of `tree` and of its nested
    functions into `xs = xs + [v]`; refuse (`MyiaSyntaxError`) one on a list the function
    does not own."""
    nodes = list(ast.walk(tree))
    if not any(isinstance(n, ast.Attribute) and n.attr == "append" for n in nodes):
        return
    for fn in [n for n in nodes if isinstance(n, ast.FunctionDef)]:
        _Function(fn, filename, line_offset).rewrite()


def _append_of(stmt: ast.stmt) -> str | None:
    """The name `xs` of a statement `xs.append(v)`."""
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return None
    call = stmt.value
    func = call.func
    if (
        isinstance(func, ast.Attribute)
        and func.attr == "append"
        and isinstance(func.value, ast.Name)
        and len(call.args) == 1
        and not isinstance(call.args[0], ast.Starred)
        and not call.keywords
    ):
        return func.value.id
    return None


def _own_nodes(fn: ast.FunctionDef):
    """(node, parent, enclosing loops) for every node of `fn`'s own scope; the first
    iterable of a comprehension belongs to this scope, the rest of it is a nested scope."""
    stack = [(s, fn, ()) for s in reversed(fn.body)]
    while stack:
        node, parent, loops = stack.pop()
        yield node, parent, loops
        if isinstance(node, _FUNCTIONS):
            children = list(node.args.defaults) + [d for d in node.args.kw_defaults if d]
        elif isinstance(node, _COMPREHENSIONS):
            children = [node.generators[0].iter]
        else:
            children = child_nodes(node)
        inner = loops + (node,) if isinstance(node, (ast.For, ast.While)) else loops
        stack.extend((c, node, inner) for c in reversed(children))


def _fresh_list(value: ast.expr) -> bool:
    if isinstance(value, (ast.List, ast.ListComp, ast.BinOp)):
        return True
    return (
        isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "list"
    )


class _Function:
    def __init__(self, fn: ast.FunctionDef, filename: str, line_offset: int):
        self.fn = fn
        self.filename = filename
        self.line_offset = line_offset
        self.nodes = list(_own_nodes(fn))
        self.params = set(_param_names(fn.args))
        self.locals = self.params | {
            n.id
            for n, _, _ in self.nodes
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
        }

    def fail(self, node: ast.AST, name: str, why: str, hint: str) -> None:
        loc = Location(self.filename, node.lineno + self.line_offset, node.col_offset)
        raise MyiaSyntaxError(f"`{name}.append(...)`: {why}; {hint}", loc)

    def rewrite(self) -> None:
        appends: dict[str, list[tuple[ast.Expr, tuple]]] = {}
        for node, _, loops in self.nodes:
            name = _append_of(node) if isinstance(node, ast.stmt) else None
            if name is not None:
                appends.setdefault(name, []).append((node, loops))
        for name, stmts in appends.items():
            self.check_owned(name, stmts)
        _Replacer({id(s) for ss in appends.values() for s, _ in ss}).visit(self.fn)

    def check_owned(self, name: str, stmts) -> None:
        first = stmts[0][0]
        copy_hint = f"append to a new list made in this function: `{name}2 = list({name})`"
        if name in self.params:
            self.fail(
                first, name, f"`{name}` is a parameter: the caller's list would change", copy_hint
            )
        bound = False
        for node, parent, loops in self.nodes:
            if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
                self.fail(first, name, f"`{name}` is not a variable of this function", copy_hint)
            if not (isinstance(node, ast.Name) and node.id == name):
                continue
            if isinstance(node.ctx, ast.Store):
                bound = True
                if not (
                    isinstance(parent, ast.Assign)
                    and parent.targets == [node]
                    and _fresh_list(parent.value)
                ) and not isinstance(parent, ast.AugAssign):
                    self.fail(
                        first,
                        name,
                        f"`{name}` may hold a list made elsewhere "
                        f"(`{ast.unparse(parent)}` at line "
                        f"{node.lineno + self.line_offset})",
                        copy_hint,
                    )
            elif not self.reads_only(node, parent) and self.before_an_append(node, loops, stmts):
                self.fail(
                    first,
                    name,
                    f"the list `{name}` is shared (`{ast.unparse(parent)}` "
                    f"at line {node.lineno + self.line_offset}) before it is appended to, "
                    "and the sharer would see the change",
                    f"share it after the last append, or share a copy: `list({name})`",
                )
        if not bound:
            self.fail(
                first,
                name,
                f"`{name}` is not a list made in this function "
                "(it belongs to an enclosing function or to the module)",
                copy_hint,
            )

    def reads_only(self, node: ast.Name, parent: ast.AST) -> bool:
        """Whether this read of the list cannot make another holder of its object."""
        if isinstance(parent, ast.Attribute):
            return parent.attr == "append"
        if isinstance(parent, ast.For):
            return parent.iter is node
        if isinstance(parent, (ast.Subscript, ast.BinOp, ast.Compare)):
            return True
        if isinstance(parent, _COMPREHENSIONS):
            return True  # iterated over
        if isinstance(parent, ast.Call) and node in parent.args:
            func = parent.func
            if isinstance(func, ast.Name):
                return func.id in _READING_BUILTINS and func.id not in self.locals
            return (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and (func.value.id not in self.locals)
            )
        return False

    def before_an_append(self, node: ast.Name, loops: tuple, stmts) -> bool:
        for stmt, stmt_loops in stmts:
            if stmt.lineno >= node.lineno or any(loop in stmt_loops for loop in loops):
                return True
        return False


class _Replacer(ast.NodeTransformer):
    """Turns the statements `xs.append(v)` with the given ids into `xs = xs + [v]`."""

    def __init__(self, ids: set[int]):
        self.ids = ids

    def visit_Expr(self, stmt: ast.Expr) -> ast.stmt:
        if id(stmt) not in self.ids:
            return stmt
        name = stmt.value.func.value.id
        value = stmt.value.args[0]
        new = ast.Assign(
            targets=[ast.Name(name, ast.Store())],
            value=ast.BinOp(ast.Name(name, ast.Load()), ast.Add(), ast.List([value], ast.Load())),
        )
        for n in ast.walk(new):
            if n is not value and not hasattr(n, "lineno"):
                ast.copy_location(n, stmt)
        return new
