"""The shape of a generated loop: `for` and `while <test>` where the code allows them.

Code generation writes a loop header as `while True:` around the `if` of its test, one
side running the next iteration (its last statement `continue`), the other leaving the
loop (`break`, or `return`). When that is all the loop is, `loop_statement` writes it as
people do:

- `for i in range(start, stop):` when the test is `i < stop` on an int `i` that the next
  iteration increments by one and nothing else changes, `stop` does not change in the
  loop, and the code after the loop does not read `i`;
- `while <test>:` (or `while not <test>:`) otherwise;

with the code that leaves the loop written after it; the assignments before the `if` that
only its test reads are written into the test (`t = n == 0; u = not t; if u:` is
`while n != 0:`). It declines (None) when the loop
leaves from anywhere else (a `break` or `return` inside the iteration), which only
`while True:` expresses.

Example:
    >>> loop_statement(body, init, {"i", "n"}, loc)     # doctest: +SKIP
"""

from __future__ import annotations

import ast

from myia.backend.source import Block, Line


def loop_statement(body: list, init: Line | None, ints: set[str], loc):
    """(the new assignment of the loop's variables, or None when none is left; the
    statements of the loop and of its exit) for the body of a `while True:` loop whose
    variables `init` assigns, or None when the loop keeps that form (see the module)."""
    body = _folded_test(body)
    if len(body) != 1 or not isinstance(body[0], Block) or body[0].header != "if":
        return None
    test, then, orelse = body[0].head, body[0].body, body[0].orelse or []
    if _ends_with(then, ast.Continue) and _clean_iteration(then):
        back, exit_, negate = then, orelse, False
    elif _ends_with(orelse, ast.Continue) and _clean_iteration(orelse):
        back, exit_, negate = orelse, then, True
    else:
        return None
    after = _exit_code(exit_)
    if after is None:
        return None
    iteration = back[:-1]
    counted = None if negate else _counted(test, iteration, after, init, ints)
    if counted is not None:
        new_init, head, iteration = counted
        return new_init, [Block("for", head, iteration, None, loc), *after]
    cond = _negated(test) if negate else _simplified(test)
    return init, [Block("while", cond, iteration, None, loc), *after]


def _folded_test(body: list) -> list:
    """`body` with the assignments before its final `if` that only its test reads (each
    name read once, there) written into the test: `t = n == 0; u = not t; if u:` is
    `if n != 0:`. They run where the test does, at the start of each iteration."""
    if not body or not isinstance(body[-1], Block) or body[-1].header != "if":
        return body
    *lines, last = body
    if not all(isinstance(x, Line) and _assigned_name(x.stmt) for x in lines):
        return body
    test = last.head
    for line in reversed(lines):
        name, value = _assigned_name(line.stmt)
        rest = [Block("if", test, last.body, last.orelse, last.loc)]
        reads = [n for n in _nodes(rest) if isinstance(n, ast.Name) and n.id == name]
        in_test = [n for n in ast.walk(test) if isinstance(n, ast.Name) and n.id == name]
        if len(reads) != 1 or len(in_test) != 1 or not isinstance(in_test[0].ctx, ast.Load):
            return body
        test = _simplified(_Substitute(name, value).visit(test))
    return [Block("if", test, last.body, last.orelse, last.loc)]


def _assigned_name(stmt) -> tuple[str, ast.expr] | None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        if isinstance(target, ast.Name):
            return target.id, stmt.value
    return None


class _Substitute(ast.NodeTransformer):
    def __init__(self, name: str, value: ast.expr):
        self.name, self.value = name, value

    def visit_Name(self, node: ast.Name):
        return self.value if node.id == self.name else node


_INVERSE = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is}


def _simplified(test: ast.expr) -> ast.expr:
    """`a != b` for `not a == b` (and `is`, `is not`: the comparisons whose negation is
    exact; `not a < b` is not `a >= b` for a NaN)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = test.operand
        if (
            isinstance(inner, ast.Compare)
            and len(inner.ops) == 1
            and type(inner.ops[0]) in _INVERSE
        ):
            return ast.Compare(inner.left, [_INVERSE[type(inner.ops[0])]()], inner.comparators)
    return test


def _ends_with(stmts: list, kind) -> bool:
    return bool(stmts) and isinstance(stmts[-1], Line) and isinstance(stmts[-1].stmt, kind)


def _clean_iteration(stmts: list) -> bool:
    """An iteration that leaves only by its last `continue`."""
    return not any(_jumps(item) for item in stmts[:-1])


def _jumps(item) -> bool:
    """Whether `item` continues, breaks or returns (outside loops nested in it)."""
    if isinstance(item, Line):
        return isinstance(item.stmt, (ast.Continue, ast.Break, ast.Return))
    if item.header in ("while", "for", "def"):
        return False
    return any(_jumps(x) for x in (*item.body, *(item.orelse or [])))


def _exit_code(stmts: list) -> list | None:
    """The code that leaves the loop, written after it (its final `break` dropped), or
    None when it also jumps from inside."""
    if _ends_with(stmts, ast.Break):
        stmts = stmts[:-1]
    elif not _ends_with(stmts, ast.Return):
        return None
    if any(_breaks(item) for item in stmts):
        return None
    return list(stmts)


def _breaks(item) -> bool:
    if isinstance(item, Line):
        return isinstance(item.stmt, (ast.Break, ast.Continue))
    if item.header in ("while", "for", "def"):
        return False
    return any(_breaks(x) for x in (*item.body, *(item.orelse or [])))


def _negated(test: ast.expr) -> ast.expr:
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], (ast.Is, ast.IsNot))
    ):
        op = ast.IsNot() if isinstance(test.ops[0], ast.Is) else ast.Is()
        return ast.Compare(test.left, [op], test.comparators)
    return ast.UnaryOp(ast.Not(), test)


def _counted(test, iteration: list, after: list, init: Line | None, ints: set[str]):
    """(the assignment of the other variables, the `for` target and range, the iteration
    without the counter's increment) when the loop counts (see the module), else None."""
    if not (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Lt)
        and isinstance(test.left, ast.Name)
        and test.left.id in ints
        and init is not None
    ):
        return None
    i, stop = test.left.id, test.comparators[0]
    if not _int_value(stop, ints) or (isinstance(stop, ast.Name) and stop.id == i):
        return None
    if not iteration or not isinstance(iteration[-1], Line):
        return None
    step = _assigned(iteration[-1].stmt)
    if step is None or i not in step or not _is_increment(step[i], i):
        return None
    stores = _stored(iteration[:-1]) | {n for n in step if n != i}
    if i in stores or (isinstance(stop, ast.Name) and (stop.id in stores or stop.id in step)):
        return None
    if i in _loaded(after):
        return None
    start = _assigned(init.stmt)
    if start is None or i not in start or not _int_value(start[i], ints):
        return None
    rest_init = _assignment({n: v for n, v in start.items() if n != i})
    rest_step = _assignment({n: v for n, v in step.items() if n != i})
    bounds = [stop] if _is_zero(start[i]) else [start[i], stop]
    head = (ast.Name(i, ast.Store()), ast.Call(ast.Name("range", ast.Load()), bounds, []))
    body = [*iteration[:-1], *([Line(rest_step, iteration[-1].loc)] if rest_step else [])]
    return (Line(rest_init, init.loc) if rest_init else None), head, body


def _assigned(stmt) -> dict | None:
    """{name: value} of an assignment of names (a tuple of them to a tuple of values)."""
    if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
        return None
    target, value = stmt.targets[0], stmt.value
    if isinstance(target, ast.Name):
        return {target.id: value}
    if (
        isinstance(target, ast.Tuple)
        and isinstance(value, ast.Tuple)
        and len(target.elts) == len(value.elts)
        and all(isinstance(t, ast.Name) for t in target.elts)
    ):
        return {t.id: v for t, v in zip(target.elts, value.elts)}
    return None


def _assignment(pairs: dict) -> ast.stmt | None:
    if not pairs:
        return None
    names = [ast.Name(n, ast.Store()) for n in pairs]
    values = list(pairs.values())
    if len(names) == 1:
        return ast.Assign(names, values[0], lineno=0)
    return ast.Assign([ast.Tuple(names, ast.Store())], ast.Tuple(values, ast.Load()), lineno=0)


def _is_increment(value, i: str) -> bool:
    return (
        isinstance(value, ast.BinOp)
        and isinstance(value.op, ast.Add)
        and isinstance(value.left, ast.Name)
        and value.left.id == i
        and isinstance(value.right, ast.Constant)
        and type(value.right.value) is int
        and value.right.value == 1
    )


def _int_value(e, ints: set[str]) -> bool:
    if isinstance(e, ast.Constant):
        return type(e.value) is int
    return isinstance(e, ast.Name) and e.id in ints


def _is_zero(e) -> bool:
    return isinstance(e, ast.Constant) and type(e.value) is int and e.value == 0


def _stored(items: list) -> set[str]:
    return {n.id for n in _nodes(items) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _loaded(items: list) -> set[str]:
    return {n.id for n in _nodes(items) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _nodes(items: list):
    for item in items:
        if isinstance(item, Line):
            yield from ast.walk(item.stmt)
            continue
        head = item.head
        if isinstance(head, tuple):
            for h in head:
                yield from ast.walk(h)
        elif isinstance(head, ast.AST):
            yield from ast.walk(head)
        elif isinstance(head, str) and item.header == "def":
            # a nested function's defaults name the values it captures
            yield from ast.walk(ast.parse(f"def {head}: pass").body[0])
        yield from _nodes([*item.body, *(item.orelse or [])])
