"""The language fence: every construct outside myia's Python subset is refused here, up front.

This module owns the syntactic check that the parser runs on the AST of each user function
before lowering it (in the style of Tangent's `fence.py`): one visitor walks the function,
its nested defs, lambdas and comprehensions, and refuses what shared/SUBSET.md leaves out
(`try`, `with`, `yield`, `global`, `del`, star-assignment, walrus, set literals, f-strings
with runtime values, `raise`, `in`, bitwise operators, `class`, `import`, `*args`, in-place
methods such as `xs.append(v)`, `out=` arguments, ...) with
a `MyiaSyntaxError` that names the construct, suggests the supported form and points at the
user's file and line. When a function breaks several rules, the first one in source order
is reported.

The aliasing rule of in-place updates is `aliasing.py`; the words of the messages and the
facts both read from an `ast` are `ast_rules.py`.
"""

from __future__ import annotations

import ast

from myia.errors import Location, MyiaSyntaxError
from myia.parser.aliasing import _AliasCheck
from myia.parser.ast_rules import (
    _ALLOWED,
    _BITWISE,
    _BITWISE_HINT,
    _DESCRIPTIONS,
    _HINTS,
    _MODULES,
    _MUTATING_METHODS,
    _SILENT,
    _SKIPPED_FIELDS,
    _code,
    _constant_fstring,
    _is_none,
    _local_names,
    _subscript_root,
    _unsupported,
)

__all__ = ["check_function"]


def check_function(
    tree: ast.FunctionDef | ast.Lambda,
    filename: str,
    line_offset: int,
    namespace: dict | None = None,
) -> None:
    """Refuse, with a `MyiaSyntaxError`, any construct of `tree` outside the supported subset.

    `tree` is the parsed (dedented) source of one user function; its nested defs, lambdas
    and comprehensions are checked too. The decorators of `tree` itself are not looked at
    (they are how the user asked for compilation). The error points at
    `filename:node.lineno + line_offset` of the first offending node in source order.
    `namespace` (the function's globals and closure cells) lets the aliasing rule read the
    user functions it calls; without it, a call may return any of its arguments.

    An augmented assignment `x += v` that Python would run in place where that shows (an
    array or a list seen elsewhere) is right on numbers: it is not refused here but gets
    the refusal as its `_myia_mutable_refusal`, which the specializer raises where `x` is
    an array or a list (`prim/guards.py`).

    Example:
        >>> import ast
        >>> check_function(ast.parse("def g(x):\\n    return x * 2").body[0], "user.py", 0)
        >>> tree = ast.parse("def f(x):\\n    with open(x) as fh:\\n        return fh\\n")
        >>> try:
        ...     check_function(tree.body[0], "user.py", 10)
        ... except MyiaSyntaxError as err:
        ...     print(err.filename, err.lineno, err.msg)
        user.py 12 `with` statement is not supported by myia; call the functions directly
    """
    if not isinstance(tree, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        raise TypeError(f"check_function expects an ast.FunctionDef or ast.Lambda, not {tree!r}")
    fence = _Fence(filename, line_offset, namespace)
    fence.check(tree)
    if fence.errors:
        lineno, col, _, message = min(fence.errors)
        raise MyiaSyntaxError(message, Location(filename, lineno + line_offset, col))


# The visitor -----------------------------------------------------------------------------------


class _Fence(ast.NodeVisitor):
    """Collects every refusal of a function as (lineno, col, sequence, message).

    The walk keeps its own stack (no recursion proportional to the size of the code):
    `visit` schedules a node, `check` runs the schedule, and callables in it mark where a
    scope is entered and left.
    """

    def __init__(self, filename: str, line_offset: int, namespace: dict | None = None):
        self.filename = filename
        self.line_offset = line_offset
        self.namespace = namespace
        self.memo: dict = {}  # what the callees the aliasing rule read return (`_Returns`)
        self.errors: list[tuple[int, int, int, str]] = []
        self.locals: list[set[str]] = []  # the names bound by each enclosing scope
        self.functions: list[ast.AST] = []  # the enclosing defs and lambdas, innermost last
        self.allowed_stores: set[int] = set()  # ids of subscript targets in a valid position
        self.todo: list[tuple[object, ast.AST | None]] = []
        self.pending: list[tuple[object, ast.AST | None]] = []
        self.where: ast.AST | None = None  # the closest node with a position

    def check(self, tree: ast.AST) -> None:
        self.where = tree
        self.visit_function(tree, is_root=True)
        while self.pending or self.todo:
            self.todo.extend(reversed(self.pending))
            self.pending = []
            item, where = self.todo.pop()
            if isinstance(item, ast.AST):
                self.where = item if hasattr(item, "lineno") else where
                self.dispatch(item)
            else:
                item()

    def refuse(self, node: ast.AST, message: str) -> None:
        if not hasattr(node, "lineno"):
            node = self.where
        self.errors.append((node.lineno, node.col_offset, len(self.errors), message))

    def user_line(self, node: ast.AST) -> int:
        return node.lineno + self.line_offset

    def is_local(self, name: str) -> bool:
        return any(name in scope for scope in self.locals)

    def is_module(self, node: ast.AST) -> bool:
        """Whether `node` is a dotted name rooted at a module (`np`, `np.linalg`)."""
        while isinstance(node, ast.Attribute):
            node = node.value
        return isinstance(node, ast.Name) and node.id in _MODULES and not self.is_local(node.id)

    def visit(self, node: ast.AST) -> None:
        if not isinstance(node, _SILENT):
            self.pending.append((node, self.where))

    def then(self, action) -> None:
        """Run `action` once what is scheduled so far has been checked."""
        self.pending.append((action, None))

    def dispatch(self, node: ast.AST) -> None:
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is not None:
            method(node)
        elif isinstance(node, _ALLOWED):
            self.generic_visit(node)
        else:
            name = type(node).__name__
            what = _DESCRIPTIONS.get(name, f"`{name}`")
            self.refuse(node, _unsupported(what, _HINTS.get(name)))
            self.generic_visit(node)

    def generic_visit(self, node: ast.AST) -> None:
        for field, value in ast.iter_fields(node):
            if field in _SKIPPED_FIELDS:
                continue
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    # Functions -----------------------------------------------------------------------------

    def visit_function(self, node: ast.AST, is_root: bool = False) -> None:
        kind = "lambda" if isinstance(node, ast.Lambda) else "def"
        if isinstance(node, ast.AsyncFunctionDef):
            self.refuse(
                node, _unsupported(_DESCRIPTIONS["AsyncFunctionDef"], _HINTS["AsyncFunctionDef"])
            )
        if not is_root:
            for deco in getattr(node, "decorator_list", []):
                self.refuse(
                    deco,
                    _unsupported(
                        f"decorator `@{_code(deco)}` on nested function `{node.name}`",
                        f"apply it explicitly after the definition: "
                        f"`{node.name} = {_code(deco)}({node.name})`",
                    ),
                )
        if getattr(node, "type_params", None):
            self.refuse(node, _unsupported("type parameters `[T]` on a function"))
        self.check_arguments(node.args, kind)
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        scope = _local_names(node)
        self.then(lambda: (self.locals.append(scope), self.functions.append(node)))
        for stmt in [node.body] if isinstance(node, ast.Lambda) else node.body:
            self.visit(stmt)
        self.then(lambda: self.leave_function(node))

    def leave_function(self, node: ast.AST) -> None:
        if not isinstance(node, ast.Lambda):
            visible = set().union(*self.locals)
            check = _AliasCheck(self, node, visible, self.namespace, self.memo)
            check.enclosing = self.functions[:-1]
            check.run()
        self.locals.pop()
        self.functions.pop()

    def check_arguments(self, args: ast.arguments, kind: str) -> None:
        hint = "use positional parameters with defaults"
        for a in args.kwonlyargs:
            self.refuse(a, _unsupported(f"keyword-only parameter `{a.arg}` in a {kind}", hint))
        if args.kwarg is not None:
            what = f"`**{args.kwarg.arg}` parameter in a {kind} (`**kwargs`)"
            self.refuse(args.kwarg, _unsupported(what, hint))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.visit_function(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit_function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.refuse(
            node, _unsupported(_DESCRIPTIONS["AsyncFunctionDef"], _HINTS["AsyncFunctionDef"])
        )

    # Statements ----------------------------------------------------------------------------

    def refuse_block(self, node: ast.AST) -> None:
        """Refuse a whole construct; what it contains cannot come earlier in the source."""
        name = type(node).__name__
        self.refuse(node, _unsupported(_DESCRIPTIONS[name], _HINTS.get(name)))

    visit_Try = visit_TryStar = visit_With = visit_AsyncWith = visit_AsyncFor = refuse_block
    visit_Global = visit_Nonlocal = visit_ClassDef = visit_Match = refuse_block
    visit_Import = visit_ImportFrom = visit_TypeAlias = visit_Delete = visit_Raise = refuse_block

    def visit_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript):
            self.allowed_stores.add(id(node.targets[0]))
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        op = type(node.op)
        if op in _BITWISE:
            what = f"bitwise operator `{_BITWISE[op]}=` (augmented assignment)"
            self.refuse(node, _unsupported(what, _BITWISE_HINT))
        if isinstance(node.target, ast.Subscript):
            self.allowed_stores.add(id(node.target))
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if not isinstance(node.target, ast.Name):
            what = f"annotated assignment to `{_code(node.target)}`"
            self.refuse(node, _unsupported(what, "annotate only plain names: `x: T = v`"))
        elif node.value is None:
            what = f"annotation without a value `{_code(node)}`"
            self.refuse(node, _unsupported(what, "assign a value: `x: T = v`"))
        if node.value is not None:
            self.visit(node.value)

    def visit_For(self, node: ast.For) -> None:
        if node.orelse:
            what = "`else` clause on a `for` loop (`for`/`else`)"
            self.refuse(node, _unsupported(what, "use a flag variable set before `break`"))
        self.check_iterated(node.iter)
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self.check_iterated(node.iter)
        self.generic_visit(node)

    def check_iterated(self, it: ast.expr) -> None:
        """`zip(*t)` or `enumerate(*t)` iterated: the sequences must be written out."""
        if (
            isinstance(it, ast.Call)
            and isinstance(it.func, ast.Name)
            and it.func.id in ("zip", "enumerate")
            and any(isinstance(a, ast.Starred) for a in it.args)
        ):
            what = f"iterating over `{it.func.id}(*...)` (a `*` argument)"
            hint = f"write the sequences out: `{it.func.id}(t[0], t[1], t[2])`"
            self.refuse(it, _unsupported(what, hint))

    def visit_While(self, node: ast.While) -> None:
        if node.orelse:
            what = "`else` clause on a `while` loop (`while`/`else`)"
            self.refuse(node, _unsupported(what, "use a flag variable set before `break`"))
        self.generic_visit(node)

    def visit_Assert(self, node: ast.Assert) -> None:
        if isinstance(node.test, ast.Tuple) and node.test.elts:
            what = "`assert (cond, message)` (an always-true tuple)"
            self.refuse(node, _unsupported(what, "write `assert cond, 'message'`"))
        self.generic_visit(node)

    # Expressions ---------------------------------------------------------------------------

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, ast.Store):
            code = _code(node)
            if id(node) not in self.allowed_stores:
                what = f"assignment to `{code}` inside a tuple, chained or loop target"
                hint = "assign the subscript in a statement of its own: `x[i] = v`"
                self.refuse(node, _unsupported(what, hint))
            elif not isinstance(_subscript_root(node), ast.Name):
                what = f"assignment to `{code}` (a subscript of something other than a variable)"
                hint = "bind the container to a name, update it, and rebuild the outer value"
                self.refuse(node, _unsupported(what, hint))
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, ast.Store):
            what = f"assignment to an attribute `{_code(node)} = ...`"
            hint = "objects cannot be changed in place: build a new value and bind it to a name"
            self.refuse(node, _unsupported(what, hint))
        self.generic_visit(node)

    def visit_Starred(self, node: ast.Starred) -> None:
        if isinstance(node.ctx, ast.Store):
            what = f"star-assignment `*{_code(node.value)}` (as in `a, *b = t`)"
            self.refuse(node, _unsupported(what, "index the tuple: `a, b = t[0], t[1:]`"))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        for kw in node.keywords:
            if kw.arg is None:
                what = f"`**{_code(kw.value)}` in a call (`**kwargs` unpacking)"
                self.refuse(kw, _unsupported(what, "pass the keyword arguments explicitly"))
            elif kw.arg == "out" and isinstance(func, ast.Attribute) and not _is_none(kw.value):
                what = "the `out=` argument (writing into an existing array)"
                hint = "use the returned value: `y = np.add(a, b)`"
                self.refuse(kw, _unsupported(what, hint))
        if (
            isinstance(func, ast.Attribute)
            and func.attr in _MUTATING_METHODS
            and not self.is_module(func.value)
        ):
            what = f"in-place method `{_code(func)}(...)` (`.{func.attr}` changes its object)"
            hint = "build a new value instead, e.g. `xs = xs + [v]` rather than `xs.append(v)`"
            self.refuse(node, _unsupported(what, hint))
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        op = type(node.op)
        if op in _BITWISE:
            self.refuse(node, _unsupported(f"bitwise operator `{_BITWISE[op]}`", _BITWISE_HINT))
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Invert):
            self.refuse(node, _unsupported("bitwise operator `~` (invert)", _BITWISE_HINT))
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        left = node.left
        for op, right in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)):
                word = "in" if isinstance(op, ast.In) else "not in"
                what = f"membership test `{word}` (`in`/`not in`)"
                hint = "compare explicitly, e.g. `x == a or x == b`"
                self.refuse(node, _unsupported(what, hint))
            elif isinstance(op, (ast.Is, ast.IsNot)) and not (_is_none(left) or _is_none(right)):
                word = "is" if isinstance(op, ast.Is) else "is not"
                what = f"identity test `{word}` with something other than `None`"
                hint = "use `==`/`!=` (myia supports `is None` and `is not None`)"
                self.refuse(node, _unsupported(what, hint))
            left = right
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, bytes):
            self.refuse(node, _unsupported("bytes literal", "use a str"))
        elif isinstance(node.value, complex):
            self.refuse(node, _unsupported("complex number literal"))

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        if not _constant_fstring(node):
            what = "f-string with runtime values"
            self.refuse(
                node,
                _unsupported(
                    what,
                    "only constant strings are supported: format the string outside the "
                    "compiled function",
                ),
            )

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values):
            if key is None:
                what = f"`**{_code(value)}` unpacking in a dict literal"
                hint = "write the keys out: `{'a': d['a'], 'b': d['b']}`"
                self.refuse(value, _unsupported(what, hint))
            elif not isinstance(key, ast.Constant):
                what = f"dict key `{_code(key)}` that is not a constant"
                self.refuse(key, _unsupported(what, "use constant keys: `{'w': w, 'b': b}`"))
        self.generic_visit(node)

    def visit_ListComp(self, node: ast.ListComp) -> None:
        for gen in node.generators:
            if gen.is_async:
                what = "`async for` in a comprehension (`async`/`await`)"
                self.refuse(gen.target, _unsupported(what))
        scope = _local_names(node)
        self.then(lambda: self.locals.append(scope))
        self.generic_visit(node)
        self.then(self.locals.pop)
