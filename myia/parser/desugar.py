"""Rewrites of the `ast` before lowering: `for` loops into `while` loops, and the
syntactic facts the lowering needs about statement lists (which names they assign, whether
they fall through, which early exits leave them).

`for target in range(a, b, s)` counts (`target = i; i += s`, tested with `<` or `>` by the
sign of a constant step); `for target in xs` indexes `xs` (a tuple, list or the first axis
of an array; the keys of a dict), `enumerate` and `zip` iterate in step.
"""

from __future__ import annotations

import ast
import itertools

from myia.parser.children import child_nodes

_internal_ids = itertools.count()


def fresh(prefix: str) -> str:
    return f".{prefix}{next(_internal_ids)}"


_SCOPES = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Lambda,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)


def assigned_names(body: list[ast.stmt], args: ast.arguments | None = None) -> set[str]:
    """The names a statement list binds (not looking into nested scopes)."""
    out: set[str] = set()
    if args is not None:
        out |= {a.arg for a in args.posonlyargs + args.args}
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
            continue
        if isinstance(node, _SCOPES):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            root = node.value
            while isinstance(root, ast.Subscript):
                root = root.value
            if isinstance(root, ast.Name):
                out.add(root.id)  # `x[i] = v` rebinds `x` to an updated copy
        stack.extend(child_nodes(node))
    return out


def falls_through(stmts: list[ast.stmt]) -> bool:
    """Whether running `stmts` can reach their end."""
    for s in stmts:
        if isinstance(s, (ast.Return, ast.Break, ast.Continue, ast.Raise)):
            return False
        if isinstance(s, ast.If) and not falls_through(s.body) and not falls_through(s.orelse):
            return False
    return True


def early_exits(stmts: list[ast.stmt]) -> set[str]:
    """The kinds of exit ("return", "break", "continue") that can leave `stmts` before
    their end; break and continue only when they leave an enclosing loop."""
    out: set[str] = set()
    stack: list[tuple[ast.AST, bool]] = [(s, False) for s in stmts]
    while stack:
        node, in_loop = stack.pop()
        if isinstance(node, _SCOPES):
            continue
        if isinstance(node, ast.Return):
            out.add("return")
        elif isinstance(node, ast.Break) and not in_loop:
            out.add("break")
        elif isinstance(node, ast.Continue) and not in_loop:
            out.add("continue")
        inner = in_loop or isinstance(node, (ast.While, ast.For))
        for child in child_nodes(node):
            if isinstance(child, ast.stmt):
                stack.append((child, inner))
    return out


def _name(n: str, ctx=ast.Load) -> ast.Name:
    return ast.Name(n, ctx())


def _call(fn: str, *args) -> ast.Call:
    return ast.Call(_name(fn), list(args), [])


def _iteration(it: ast.expr, index: ast.expr, pre: list[ast.stmt]) -> tuple[ast.expr, ast.expr]:
    """(length, item at `index`) for iterating over `it`; appends set-up statements to
    `pre`. `enumerate(...)` and `zip(...)` iterate their arguments in step."""
    is_call = isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and not it.keywords
    if is_call and it.func.id == "enumerate" and len(it.args) == 1:
        length, item = _iteration(it.args[0], index, pre)
        return length, ast.Tuple([index, item], ast.Load())
    if is_call and it.func.id == "zip" and it.args:
        parts = [_iteration(a, index, pre) for a in it.args]
        length = parts[0][0]
        for other, _ in parts[1:]:
            length = _call(".min", length, other)
        return length, ast.Tuple([item for _, item in parts], ast.Load())
    seq = fresh("seq")
    pre.append(ast.Assign([_name(seq, ast.Store)], _call(".iterable", it)))
    return _call(".len", _name(seq)), ast.Subscript(_name(seq), index, ast.Load())


def _range_args(it: ast.expr, is_builtin_range) -> list[ast.expr] | None:
    if (
        isinstance(it, ast.Call)
        and isinstance(it.func, ast.Name)
        and it.func.id == "range"
        and not it.keywords
        and 1 <= len(it.args) <= 3
        and not any(isinstance(a, ast.Starred) for a in it.args)
        and is_builtin_range()
    ):
        return list(it.args)
    return None


def desugar_for(stmt: ast.For, is_builtin_range) -> tuple[list[ast.stmt], str, list[str]]:
    """`for` as set-up statements and a `while` loop; also the names of the loop's
    counter and of the sequences it indexes (none for a range)."""
    i = fresh("i")
    pre: list[ast.stmt] = []
    args = _range_args(stmt.iter, is_builtin_range)
    seqs: list[str] = []
    if args is not None:
        start, stop, step = (
            (ast.Constant(0), args[0], ast.Constant(1))
            if len(args) == 1
            else (args[0], args[1], args[2] if len(args) == 3 else ast.Constant(1))
        )
        stop_n, step_n = fresh("stop"), fresh("step")
        pre += [
            ast.Assign([_name(i, ast.Store)], start),
            ast.Assign([_name(stop_n, ast.Store)], stop),
            ast.Assign([_name(step_n, ast.Store)], step),
        ]
        up = ast.Compare(_name(i), [ast.Lt()], [_name(stop_n)])
        down = ast.Compare(_name(i), [ast.Gt()], [_name(stop_n)])
        if isinstance(step, ast.Constant) and isinstance(step.value, int):
            test = up if step.value > 0 else down
        else:
            positive = ast.Compare(_name(step_n), [ast.Gt()], [ast.Constant(0)])
            test = ast.IfExp(positive, up, down)
        item = _name(i)
        advance = ast.BinOp(_name(i), ast.Add(), _name(step_n))
    else:
        n = fresh("n")
        length, item = _iteration(stmt.iter, _name(i), pre)
        pre += [
            ast.Assign([_name(n, ast.Store)], length),
            ast.Assign([_name(i, ast.Store)], ast.Constant(0)),
        ]
        seqs = [s.targets[0].id for s in pre if s.targets[0].id.startswith(".seq")]
        test = ast.Compare(_name(i), [ast.Lt()], [_name(n)])
        advance = ast.BinOp(_name(i), ast.Add(), ast.Constant(1))
    body = [
        ast.Assign([stmt.target], item),
        ast.Assign([_name(i, ast.Store)], advance),
        *stmt.body,
    ]
    for a in [*pre, body[0], body[1]]:
        a._myia_counter = True  # not an effect: the counter and the item it indexes, in range
    loop = ast.While(test=test, body=body, orelse=[])
    out = pre + [loop]
    fix_locations(out, stmt)
    return out, i, seqs


def fix_locations(nodes, ref):
    for s in nodes:
        for node in ast.walk(s):
            if isinstance(node, (ast.expr, ast.stmt)) and getattr(node, "lineno", None) is None:
                ast.copy_location(node, ref)


def single_defs(body: list[ast.stmt], args: ast.arguments) -> set[str]:
    """Nested functions defined once, at the top level of `body`, and never rebound: their
    name means their graph everywhere in the function (siblings may call each other in
    any order, as Python allows once both are defined)."""
    counts: dict[str, int] = {a.arg: 1 for a in args.posonlyargs + args.args}
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            counts[node.name] = counts.get(node.name, 0) + 1
            continue
        if isinstance(
            node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
        ):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            counts[node.id] = counts.get(node.id, 0) + 1
        stack.extend(child_nodes(node))
    return {
        stmt.name
        for stmt in body
        if isinstance(stmt, ast.FunctionDef) and counts.get(stmt.name) == 1
    }


def as_load(target: ast.expr) -> ast.expr:
    """A copy of an assignment target usable as an expression."""
    new = ast.parse(ast.unparse(target), mode="eval").body
    for a, b in zip(ast.walk(new), ast.walk(target)):
        ast.copy_location(a, b)
    return new
