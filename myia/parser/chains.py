"""Long `if/elif/.../else` chains, rewritten as a flat sequence of `if`s before the fence.

Python nests an `elif` inside the `else` of the `if` before it, and so does the IR (an
`if` is a switch between two branch graphs): a chain of hundreds of branches would nest
graphs, generated blocks and the compiler's walks hundreds deep (Python allows 100 nested
blocks). A chain of at least `FLAT_FROM` branches is therefore written as one `if` per
branch at the same level, guarded by a flag that says no branch has run yet:

    if c0:                          pending = True
        B0                          if c0:
    elif c1:                            pending = False
        B1              ->              B0
    else:                           if pending and c1:
        E                               pending = False
                                        B1
                                    if pending:
                                        E

Each condition is evaluated only where Python evaluates it (after every earlier one was
false), and each body runs where Python runs it, so the two are the same program. A chain
whose branches return is rewritten too when every branch (and the `else`, or the
statements after the chain, which are then its `else`) ends with its only `return`: each
`return e` becomes an assignment of the result, returned after the chain. Other chains
with a `return` inside are left as they are (a `return` under an `if` nests the rest of
the function in the `if`'s sides).

Example:
    >>> import ast
    >>> src = "def f(x):\\n" + "".join(
    ...     f"    {'el' if i else ''}if x < {i}:\\n        x = {i}\\n" for i in range(30))
    >>> tree = ast.parse(src).body[0]
    >>> flatten_chains(tree)
    >>> print(ast.unparse(tree.body[2]))
    if _myia_pending_2 and x < 1:
        _myia_pending_2 = False
        x = 1
"""

from __future__ import annotations

import ast

from myia.parser.children import child_nodes

FLAT_FROM = 24  # branches; far below Python's 100 nested blocks, above everyday chains

_BLOCK_FIELDS = ("body", "orelse", "finalbody")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def flatten_chains(fn: ast.FunctionDef) -> None:
    """Rewrite, in place, every chain of at least `FLAT_FROM` branches in `fn` (and in the
    functions it defines) as a flat sequence of `if`s (see the module's docstring)."""
    stack = [fn]
    while stack:
        node = stack.pop()
        for name in _BLOCK_FIELDS:
            stmts = getattr(node, name, None)
            if isinstance(stmts, list) and stmts and isinstance(stmts[0], ast.stmt):
                setattr(node, name, _flatten_block(stmts))
        stack.extend(child_nodes(node))


def _flatten_block(stmts: list[ast.stmt]) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for i, s in enumerate(stmts):
        if isinstance(s, ast.If):
            branches, last = _chain(s)
            if len(branches) >= FLAT_FROM:
                rest = stmts[i + 1 :]
                flat = _flat(s, branches, last, rest)
                if flat is not None:
                    return out + _flatten_block(flat)  # the statements after, too
        out.append(s)
    return out


def _chain(node: ast.If) -> tuple[list[tuple[ast.expr, list[ast.stmt]]], list[ast.stmt]]:
    """The (condition, body) pairs of the chain starting at `node`, and its final `else`."""
    branches = []
    while True:
        branches.append((node.test, node.body))
        if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
            node = node.orelse[0]
        else:
            return branches, node.orelse


def _flat(node, branches, last, rest) -> list[ast.stmt] | None:
    """The flat form of the chain and of the statements after it (None: left nested)."""
    bodies = [body for _, body in branches] + [last]
    tag = f"{node.lineno}"
    pending = f"_myia_pending_{tag}"
    result = None
    if any(_returns(b) for b in bodies):
        if not last:
            bodies[-1] = last = rest
            rest = []
        if not all(_ends_with_only_return(b) for b in bodies):
            return None
        result = f"_myia_result_{tag}"
        bodies = [b[:-1] + [_assign(result, _value(b[-1]), b[-1])] for b in bodies]

    def at(new):
        return ast.fix_missing_locations(ast.copy_location(new, node))

    out = [at(_assign(pending, ast.Constant(True), node))]
    for k, (test, _) in enumerate(branches):
        guard = test if k == 0 else ast.BoolOp(ast.And(), [_name(pending), test])
        body = [at(_assign(pending, ast.Constant(False), test)), *bodies[k]]
        out.append(at(ast.If(ast.copy_location(guard, test), body, [])))
    if bodies[-1]:
        out.append(at(ast.If(_name(pending), bodies[-1], [])))
    if result is not None:
        out.append(at(ast.Return(_name(result))))
    return out + rest


def _assign(target: str, value: ast.expr, where: ast.AST) -> ast.Assign:
    a = ast.Assign([ast.Name(target, ast.Store())], value)
    return ast.fix_missing_locations(ast.copy_location(a, where))


def _value(ret: ast.Return) -> ast.expr:
    return ret.value if ret.value is not None else ast.Constant(None)


def _name(n: str) -> ast.Name:
    return ast.Name(n, ast.Load())


def _returns(stmts: list[ast.stmt]) -> bool:
    """Whether a `return` of this function is among `stmts` (not in functions they define)."""
    stack = list(stmts)
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Return):
            return True
        if not isinstance(n, _SCOPES):
            stack.extend(child_nodes(n))
    return False


def _ends_with_only_return(stmts: list[ast.stmt]) -> bool:
    return bool(stmts) and isinstance(stmts[-1], ast.Return) and not _returns(stmts[:-1])
