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

It also owns the aliasing rule of in-place updates. myia compiles `x[i] = v` (and
`x[i] += v`) as a functional update that rebinds `x` to an updated copy, and `x += v` as
`x = x + v`; Python instead writes into the object `x` names, which every other name,
container, closure or caller holding that object sees. The rule refuses an update whenever
that difference could show, with a syntactic and conservative analysis of the function that
holds the update (sharings made after the update, outside its loops, see the new value and
do not count):

- `x[i] = v` / `x[i] += v` is refused when `x` is a parameter (unless rebound on every path
  before the update), is not assigned in the function (a global or enclosing variable), is
  another name or a view of something (`x = y`, `x = y.T`, `x = y[1:]`, `x = np.reshape(y,
  s)`, `for x in ys`, ...), is itself shared (`y = x`, `y = x.T`, `t = (x, 1)`, `for r in
  x`, `out[i] = x`, ...) or is read by a nested def, lambda or comprehension. Writes into an
  element (`x[i][j] = v`, `x[i] += v`) are also refused when `x` holds named objects
  (`x = [w, w]`, `x[k] = w` on a list) or repeats one (`x = [np.zeros(3)] * 2`).
- `x += v` on a name is refused when `x` shares its object with another name, container or
  loop variable that is read after the update (or in its loop, or by a nested function).

Everything else (fresh arrays from `np.zeros`, `np.array`, `x.copy()`, arithmetic, any other
call) is accepted.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from myia.errors import Location, MyiaSyntaxError

__all__ = ["check_function"]


def check_function(tree: ast.FunctionDef | ast.Lambda, filename: str, line_offset: int) -> None:
    """Refuse, with a `MyiaSyntaxError`, any construct of `tree` outside the supported subset.

    `tree` is the parsed (dedented) source of one user function; its nested defs, lambdas
    and comprehensions are checked too. The decorators of `tree` itself are not looked at
    (they are how the user asked for compilation). The error points at
    `filename:node.lineno + line_offset` of the first offending node in source order.

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
    fence = _Fence(filename, line_offset)
    fence.check(tree)
    if fence.errors:
        lineno, col, _, message = min(fence.errors)
        raise MyiaSyntaxError(message, Location(filename, lineno + line_offset, col))


# Words and hints -------------------------------------------------------------------------------

_SUFFIX = " is not supported by myia"

_BITWISE = {
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
}
_BITWISE_HINT = "use np.logical_and/np.logical_or/np.logical_not or `and`/`or`/`not`"

_OPS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.MatMult: "@",
    **_BITWISE,
}

_DESCRIPTIONS = {
    "Try": "`try`/`except`/`finally`",
    "TryStar": "`try`/`except*`",
    "With": "`with` statement",
    "AsyncWith": "`async with` (`async`/`await`)",
    "AsyncFor": "`async for` (`async`/`await`)",
    "AsyncFunctionDef": "`async def` (`async`/`await`)",
    "Await": "`await` (`async`/`await`)",
    "Raise": "`raise`",
    "Global": "`global` declaration",
    "Nonlocal": "`nonlocal` declaration",
    "Delete": "`del`",
    "ClassDef": "`class` definition inside a compiled function",
    "Import": "`import` inside a compiled function",
    "ImportFrom": "`import` (`from ... import`) inside a compiled function",
    "Match": "`match` statement",
    "Yield": "`yield` (generator)",
    "YieldFrom": "`yield from` (generator)",
    "GeneratorExp": "generator expression",
    "NamedExpr": "walrus `:=` (assignment expression)",
    "Set": "set literal `{...}`",
    "SetComp": "set comprehension (dict/set comprehensions)",
    "DictComp": "dict comprehension (dict/set comprehensions)",
    "TypeAlias": "`type` alias statement",
}

_HINTS = {
    "Try": "check conditions with `if` and `assert cond, 'message'` instead",
    "TryStar": "check conditions with `if` and `assert cond, 'message'` instead",
    "With": "call the functions directly",
    "Raise": "use `assert cond, 'message'`",
    "Global": "pass the value as an argument and return the new value",
    "Nonlocal": "pass the value as an argument and return the new value",
    "Delete": "rebind the name instead",
    "ClassDef": "define the class outside the compiled function",
    "Import": "import at module level",
    "ImportFrom": "import at module level",
    "Match": "use `if`/`elif`/`else`",
    "Yield": "use a list comprehension or build and return a list",
    "YieldFrom": "use a list comprehension or build and return a list",
    "GeneratorExp": "use a list comprehension: `[e for x in xs]`",
    "NamedExpr": "assign on its own line first",
    "Set": "use a tuple",
    "SetComp": "use a list comprehension",
    "DictComp": "use a list comprehension or write the dict literal with constant keys",
}

# Names assumed to be modules when they are not local variables (np.reshape, math.pi, ...).
_MODULES = frozenset({"np", "numpy", "math", "myia", "jnp", "onp", "scipy"})

# Methods that change their receiver in place. Calling them on a module (np.sort, np.put) is
# a different, pure function, hence the receiver test in `_Fence.visit_Call`.
_MUTATING_METHODS = frozenset(
    {
        "append", "extend", "insert", "remove", "pop", "popitem", "clear", "update",
        "setdefault", "sort", "reverse", "fill", "itemset", "put", "resize", "setflags",
        "partition",
    }
)  # fmt: skip

# Attributes that are views of the array (share its memory) and those that are fresh values.
_VIEW_ATTRS = frozenset({"T", "mT", "real", "imag", "flat", "base"})
_FRESH_ATTRS = frozenset({"shape", "ndim", "size", "dtype", "itemsize", "nbytes", "strides"})

# Functions and methods whose result may share memory with their (first) argument or receiver.
_VIEW_FUNCS = frozenset(
    {
        "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "rollaxis", "squeeze",
        "expand_dims", "broadcast_to", "broadcast_arrays", "flip", "fliplr", "flipud", "rot90",
        "diag", "diagonal", "view", "asarray", "asanyarray", "ascontiguousarray",
        "asfortranarray", "asarray_chkfinite", "require", "atleast_1d", "atleast_2d",
        "atleast_3d", "split", "array_split", "hsplit", "vsplit", "dsplit", "real", "imag",
        "as_strided", "sliding_window_view", "stop_gradient", "get",
    }
)  # fmt: skip
_ALL_ARGS_VIEW_FUNCS = frozenset(
    {"broadcast_arrays", "atleast_1d", "atleast_2d", "atleast_3d", "stop_gradient"}
)
# Builtins returning a new container whose elements are the argument's elements.
_CONTAINER_BUILTINS = frozenset(
    {"tuple", "list", "dict", "sorted", "reversed", "zip", "enumerate", "iter", "values", "items"}
)
_ELEMENT_BUILTINS = frozenset({"next", "getattr"})
# NumPy functions that always return a new ndarray: `x[i] = y` on their result copies `y`.
_ARRAY_MAKERS = frozenset(
    {
        "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like",
        "array", "copy", "arange", "linspace", "eye", "identity", "concatenate", "stack",
        "hstack", "vstack", "tile",
    }
)  # fmt: skip

_FUNCTION_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_NESTED_SCOPES = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.Lambda,
    ast.ClassDef,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)

# Nodes accepted as they are (their children are still checked).
_ALLOWED = (
    ast.Return,
    ast.Expr,
    ast.Pass,
    ast.Break,
    ast.Continue,
    ast.If,
    ast.BoolOp,
    ast.IfExp,
    ast.Name,
    ast.List,
    ast.Tuple,
    ast.Slice,
    ast.arguments,
    ast.arg,
    ast.keyword,
    ast.comprehension,
)
# Operators and contexts: checked by their parent node.
_SILENT = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
# Fields never checked: annotations are not evaluated by myia (`x: int | None = v` is fine).
_SKIPPED_FIELDS = frozenset({"annotation", "returns", "type_comment"})


def _unsupported(what: str, hint: str | None = None) -> str:
    return what + _SUFFIX + (f"; {hint}" if hint else "")


def _code(node: ast.AST, limit: int = 50) -> str:
    """Short source text of `node`, for messages."""
    try:
        if isinstance(node, (ast.For, ast.AsyncFor)):
            text = f"for {ast.unparse(node.target)} in {ast.unparse(node.iter)}"
        else:
            text = ast.unparse(node)
    except RecursionError:  # a huge expression: the line number in the message will do
        text = "..."
    text = text.splitlines()[0] if text else text
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _param_names(args: ast.arguments) -> list[str]:
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return names


def _target_names(target: ast.AST) -> list[ast.Name]:
    """The names an assignment target binds (not those inside subscripts or attributes)."""
    if isinstance(target, ast.Name):
        return [target]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in _target_names(elt)]
    return []


def _subscript_root(node: ast.Subscript) -> ast.expr:
    """`x` for `x[i]`, `x[i][j]`, ...: the value under a chain of subscripts."""
    value = node.value
    while isinstance(value, ast.Subscript):
        value = value.value
    return value


def _iter_own(roots: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """Every node under `roots` in their scope; nested scopes are yielded but not entered."""
    stack = list(roots)[::-1]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _NESTED_SCOPES):
            continue
        stack.extend(list(ast.iter_child_nodes(node))[::-1])


def _local_names(scope: ast.AST) -> set[str]:
    """The names a function or comprehension binds itself (its locals)."""
    if isinstance(scope, _FUNCTION_SCOPES):
        out = set(_param_names(scope.args))
        roots = scope.body if isinstance(scope.body, list) else [scope.body]
    elif isinstance(scope, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return {n.id for g in scope.generators for n in _target_names(g.target)}
    else:
        out, roots = set(), getattr(scope, "body", [])
    for node in _iter_own(roots):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            out.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ExceptHandler) and node.name:
            out.add(node.name)
    return out


def _reads(exprs: Iterable[ast.AST]) -> list[ast.Name]:
    """The names read by `exprs`, including the free names of the scopes nested in them."""
    out: list[ast.Name] = []
    for node in _iter_own(exprs):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            out.append(node)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            out.append(node.target)
        elif isinstance(node, _NESTED_SCOPES):
            out += _free_reads(node)
    return out


def _free_reads(scope: ast.AST) -> list[ast.Name]:
    """The reads, in a nested scope, of names of the scopes around it (its captures).

    The defaults and decorators of a nested function are included: they are evaluated where
    the function is defined and hold on to the objects they name.
    """
    outer: list[ast.AST]
    if isinstance(scope, _FUNCTION_SCOPES):
        roots = scope.body if isinstance(scope.body, list) else [scope.body]
        a = scope.args
        outer = [*a.defaults, *(d for d in a.kw_defaults if d is not None)]
        outer += getattr(scope, "decorator_list", [])
    elif isinstance(scope, ast.ClassDef):
        roots = scope.body
        outer = [*scope.bases, *(k.value for k in scope.keywords), *scope.decorator_list]
    else:  # a comprehension: its first iterable is evaluated outside (`[y for y in y]`)
        first, *rest = scope.generators
        elts = [scope.key, scope.value] if isinstance(scope, ast.DictComp) else [scope.elt]
        roots = [*elts, first.target, *first.ifs, *rest]
        outer = [first.iter]
    local = _local_names(scope)
    inner = [n for n in _reads(roots) if n.id not in local]
    return inner + _reads(outer)


def _repeats_an_object(value: ast.AST) -> bool:
    """Whether `value` repeats a mutable object: `[np.zeros(3)] * 2`, `[[0.0] * 3] * 2`."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            stack += [node.left, node.right]
        elif node is not value and isinstance(node, (ast.List, ast.Tuple)):
            if not all(isinstance(e, ast.Constant) for e in node.elts):
                return True
    return False


def _constant_fstring(node: ast.AST) -> bool:
    """Whether an f-string holds only constants (`f"abc"`, `f"{1:>4}"`)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(_constant_fstring(v) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        spec = node.format_spec
        return isinstance(node.value, ast.Constant) and (spec is None or _constant_fstring(spec))
    return False


# The visitor -----------------------------------------------------------------------------------


class _Fence(ast.NodeVisitor):
    """Collects every refusal of a function as (lineno, col, sequence, message).

    The walk keeps its own stack (no recursion proportional to the size of the code):
    `visit` schedules a node, `check` runs the schedule, and callables in it mark where a
    scope is entered and left.
    """

    def __init__(self, filename: str, line_offset: int):
        self.filename = filename
        self.line_offset = line_offset
        self.errors: list[tuple[int, int, int, str]] = []
        self.locals: list[set[str]] = []  # the names bound by each enclosing scope
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
            self.refuse(node, _unsupported(_DESCRIPTIONS["AsyncFunctionDef"]))
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
        self.then(lambda: self.locals.append(scope))
        for stmt in [node.body] if isinstance(node, ast.Lambda) else node.body:
            self.visit(stmt)
        self.then(lambda: self.leave_function(node))

    def leave_function(self, node: ast.AST) -> None:
        if not isinstance(node, ast.Lambda):
            _AliasCheck(self, node, set().union(*self.locals)).run()
        self.locals.pop()

    def check_arguments(self, args: ast.arguments, kind: str) -> None:
        hint = "use positional parameters with defaults"
        if args.vararg is not None:
            what = f"`*{args.vararg.arg}` parameter in a {kind} (`*args`)"
            self.refuse(args.vararg, _unsupported(what, hint))
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
        self.refuse(node, _unsupported(_DESCRIPTIONS["AsyncFunctionDef"]))

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
        self.generic_visit(node)

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
            self.refuse(node, _unsupported(what, "only constant strings are supported"))

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


# The aliasing rule -----------------------------------------------------------------------------


@dataclass
class _Edge:
    """Two names whose objects may be shared, recorded where one is built from the other.

    `target` is bound from (or, for a `store`, is a container updated with) an expression
    whose value may be or contain the object of `source`. `container` means `target` is a new
    container holding that object (`t = (x, 1)`, `t = list(x)`): updating the container's
    slots is safe, updating what is inside it is not.
    """

    target: str
    source: str
    stmt: ast.stmt
    store: bool = False
    container: bool = False


@dataclass
class _Update:
    kind: str  # "subscript" (`x[i] = v`, `x[i] op= v`) or "augmented" (`x op= v`)
    stmt: ast.stmt
    target: ast.expr
    name: str
    # `x[i][j] = v` and `x[i] += v` write into the object `x[i]` (in place, when it is an
    # array held by a list): whatever else holds that object would see it.
    inner: bool
    path: tuple


def _dominates(before: tuple, after: tuple) -> bool:
    """Whether the statement at path `before` runs before the one at `after` on every path.

    A path lists (block, index) from the function body down to the statement: `before`
    dominates when it sits earlier in a block that encloses `after` (or holds it).
    """
    n = len(before)
    if n > len(after) or before[: n - 1] != after[: n - 1]:
        return False
    (block_b, index_b), (block_a, index_a) = before[n - 1], after[n - 1]
    return block_b == block_a and index_b < index_a


def _own_parts(stmt: ast.stmt) -> list[ast.AST]:
    """The expressions of a statement, without its nested blocks and annotations."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt]
    parts: list[ast.AST] = []
    for field, value in ast.iter_fields(stmt):
        if field in _SKIPPED_FIELDS:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, ast.AST) and not isinstance(item, _BLOCK_ITEMS):
                parts.append(item)
    return parts


_BLOCK_ITEMS = (ast.stmt, ast.excepthandler, ast.match_case)


class _AliasCheck:
    """The aliasing rule of in-place updates, for one function (see the module docstring)."""

    def __init__(self, fence: _Fence, fn: ast.FunctionDef, visible: set[str]):
        self.fence = fence
        self.fn = fn
        self.visible = visible
        self.params = set(_param_names(fn.args))
        self.bound = set(self.params)
        self.assigns: dict[str, list[tuple]] = defaultdict(list)
        self.edges: list[_Edge] = []
        # A position is (order of the statement, ids of the loops around it); None stands for
        # a read by a nested function, which may run at any time.
        self.where: dict[int, tuple[int, tuple]] = {}  # id(statement): position
        self.reads: dict[str, list[tuple[ast.Name, tuple | None]]] = defaultdict(list)
        self.captures: list[tuple[ast.Name, tuple]] = []  # reads by nested scopes
        self.updates: list[_Update] = []
        self.repeats: dict[str, list[ast.stmt]] = defaultdict(list)  # x = [np.zeros(3)] * 2
        # Names only ever bound to new ndarrays (`np.zeros(...)`): storing into them copies.
        self.arrays: dict[str, bool] = dict.fromkeys(self.params, False)

    def run(self) -> None:
        self.block(self.fn.body, (id(self.fn), "body"), (), ())
        for update in self.updates:
            if update.kind == "subscript":
                self.check_subscript(update)
            else:
                self.check_augmented(update)

    def may_see(self, position: tuple, update: _Update) -> bool:
        """Whether what runs at `position` may come before `update`: earlier, or in its loop."""
        order, loops = position
        update_order, update_loops = self.where[id(update.stmt)]
        return order <= update_order or not set(loops).isdisjoint(update_loops)

    def may_follow(self, position: tuple | None, update: _Update) -> bool:
        """Whether what runs at `position` may come after `update`: later, or in its loop."""
        if position is None:
            return True
        order, loops = position
        update_order, update_loops = self.where[id(update.stmt)]
        return order >= update_order or not set(loops).isdisjoint(update_loops)

    # Facts -------------------------------------------------------------------------------

    def block(self, stmts: list[ast.stmt], key: tuple, path: tuple, loops: tuple) -> None:
        for i, stmt in enumerate(stmts):
            self.statement(stmt, (*path, (key, i)), loops)

    def statement(self, stmt: ast.stmt, path: tuple, loops: tuple) -> None:
        order = len(self.where)
        self.where[id(stmt)] = (order, loops)
        # The test of a `while` runs again after each iteration: it is inside its loop.
        inside = (*loops, id(stmt)) if isinstance(stmt, ast.While) else loops
        for node in _iter_own(_own_parts(stmt)):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                self.reads[node.id].append((node, (order, inside)))
            elif isinstance(node, _NESTED_SCOPES):
                for name in _free_reads(node):
                    self.captures.append((name, (order, inside)))
                    self.reads[name.id].append((name, None))
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                self.bind(target, stmt.value, stmt, path)
            names = [n.id for t in stmt.targets for n in _target_names(t)]
            if len(stmt.targets) > 1:  # `a = b = v`: one object, several names
                for a, b in zip(names, names[1:]):
                    self.edges.append(_Edge(a, b, stmt))
            for target in stmt.targets:
                if isinstance(target, ast.Subscript):
                    self.subscript_update(stmt, target, stmt.value, path)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.bind(stmt.target, stmt.value, stmt, path)
        elif isinstance(stmt, ast.AugAssign):
            target = stmt.target
            if isinstance(target, ast.Name):
                self.reads[target.id].append((target, (order, loops)))
                self.updates.append(_Update("augmented", stmt, target, target.id, False, path))
                for src, direct in self.sources(stmt.value):  # `xs += [x]` stores `x`
                    if not direct and src.id != target.id:
                        self.edges.append(_Edge(target.id, src.id, stmt, store=True))
            elif isinstance(target, ast.Subscript):
                self.subscript_update(stmt, target, stmt.value, path)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            for name, sources in self.element_pairs(stmt.target, stmt.iter):
                self.arrays[name.id] = False
                self.bound.add(name.id)
                for src in sources:  # the loop variable is an element of the iterable
                    self.edges.append(_Edge(name.id, src.id, stmt))
            inner = (*loops, id(stmt))
            self.block(stmt.body, (id(stmt), "body"), path, inner)
            self.block(stmt.orelse, (id(stmt), "orelse"), path, inner)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.bound.add(stmt.name)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self.bound |= {(a.asname or a.name).split(".")[0] for a in stmt.names}
        else:
            inner = (*loops, id(stmt)) if isinstance(stmt, _LOOPS) else loops
            for field in ("body", "orelse", "finalbody"):
                stmts = getattr(stmt, field, None)
                if isinstance(stmts, list):
                    self.block(stmts, (id(stmt), field), path, inner)
            for part in [*getattr(stmt, "handlers", []), *getattr(stmt, "cases", [])]:
                self.block(part.body, (id(part), "body"), path, inner)
            for item in getattr(stmt, "items", []):  # `with ... as x`
                if item.optional_vars is not None:
                    self.bound |= {n.id for n in _target_names(item.optional_vars)}

    def bind(self, target: ast.expr, value: ast.expr, stmt: ast.stmt, path: tuple) -> None:
        if isinstance(target, ast.Name) and _repeats_an_object(value):
            self.repeats[target.id].append(stmt)
        for name, sources in self.pairs(target, value):
            is_array = name is target and self.makes_array(value)
            self.arrays[name.id] = self.arrays.get(name.id, True) and is_array
            self.bound.add(name.id)
            self.assigns[name.id].append(path)
            for src, direct in sources:
                self.edges.append(_Edge(name.id, src.id, stmt, container=not direct))

    def pairs(self, target: ast.expr, value: ast.expr) -> Iterator[tuple[ast.Name, list]]:
        """(name bound, sources of its value) for each name of an assignment target."""
        if isinstance(target, ast.Name):
            yield target, self.sources(value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            elts = target.elts
            if (
                isinstance(value, (ast.Tuple, ast.List))
                and len(value.elts) == len(elts)
                and not any(isinstance(e, ast.Starred) for e in [*elts, *value.elts])
            ):
                for t, v in zip(elts, value.elts):
                    yield from self.pairs(t, v)
            else:  # each name is an element of the value
                sources = [(src, True) for src, _ in self.sources(value)]
                for name in _target_names(target):
                    yield name, sources
        elif isinstance(target, ast.Starred):
            yield from self.pairs(target.value, value)

    def element_pairs(self, target: ast.expr, it: ast.expr) -> Iterator[tuple[ast.Name, list]]:
        """(name bound, names it may share data with) for each name of a loop target."""
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and not it.keywords:
            fn, args = it.func.id, it.args
            elts = target.elts if isinstance(target, (ast.Tuple, ast.List)) else None
            if fn == "range":
                for name in _target_names(target):
                    yield name, []
                return
            if fn == "enumerate" and len(args) == 1 and elts is not None and len(elts) == 2:
                for name in _target_names(elts[0]):
                    yield name, []
                yield from self.element_pairs(elts[1], args[0])
                return
            if fn == "zip" and elts is not None and len(elts) == len(args):
                if not any(isinstance(e, ast.Starred) for e in [*elts, *args]):
                    for elt, arg in zip(elts, args):
                        yield from self.element_pairs(elt, arg)
                    return
        sources = [src for src, _ in self.sources(it)]
        for name in _target_names(target):
            yield name, sources

    def subscript_update(
        self, stmt: ast.stmt, target: ast.Subscript, value: ast.expr, path: tuple
    ) -> None:
        root = _subscript_root(target)
        if not isinstance(root, ast.Name):
            return  # refused by the visitor
        inner = isinstance(target.value, ast.Subscript) or isinstance(stmt, ast.AugAssign)
        self.updates.append(_Update("subscript", stmt, target, root.id, inner, path))
        for src, _ in self.sources(value):  # in a list, `xs[i] = y` stores `y` itself
            if src.id != root.id:
                self.edges.append(_Edge(root.id, src.id, stmt, store=True))

    def makes_array(self, value: ast.AST) -> bool:
        """Whether `value` is a new ndarray made by NumPy (`np.zeros(3)`, `np.array(x)`) or
        by arithmetic that lists and tuples do not support (`m * 1.0`, `a - b`, `x @ w`)."""
        if isinstance(value, ast.BinOp):
            if isinstance(
                value.op, (ast.Sub, ast.Div, ast.FloorDiv, ast.Pow, ast.MatMult, ast.Mod)
            ):
                return True
            if isinstance(value.op, (ast.Add, ast.Mult)):
                return any(
                    isinstance(side, ast.Constant) and isinstance(side.value, float)
                    for side in (value.left, value.right)
                )
        return (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr in _ARRAY_MAKERS
            and self.is_module(value.func.value)
            and not any(k.arg == "copy" for k in value.keywords)
        )

    def copies_into(self, edge: _Edge) -> bool:
        """Whether `edge` stores into a name that is always an ndarray (a copy, not a link)."""
        return edge.store and self.arrays.get(edge.target, False)

    def is_module(self, node: ast.AST) -> bool:
        while isinstance(node, ast.Attribute):
            node = node.value
        return isinstance(node, ast.Name) and node.id in _MODULES and node.id not in self.visible

    def sources(self, e: ast.AST) -> list[tuple[ast.Name, bool]]:
        """The names whose object the value of `e` may be, view or (direct=False) contain."""
        if isinstance(e, ast.Name):
            return [(e, True)]
        if isinstance(e, (ast.Starred, ast.NamedExpr)):
            return self.sources(e.value)
        if isinstance(e, ast.Subscript):  # an element, or a view by basic slicing
            return [(n, True) for n, _ in self.sources(e.value)]
        if isinstance(e, ast.Attribute):
            if e.attr in _VIEW_ATTRS:
                return [(n, True) for n, _ in self.sources(e.value)]
            if e.attr in _FRESH_ATTRS or self.is_module(e.value):
                return []
            return [(n, True) for n, _ in self.sources(e.value)]
        if isinstance(e, (ast.Tuple, ast.List, ast.Set)):
            return [(n, False) for elt in e.elts for n, _ in self.sources(elt)]
        if isinstance(e, ast.Dict):
            return [(n, False) for v in e.values for n, _ in self.sources(v)]
        if isinstance(e, ast.IfExp):
            return self.sources(e.body) + self.sources(e.orelse)
        if isinstance(e, ast.BoolOp):
            return [s for v in e.values for s in self.sources(v)]
        if isinstance(e, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return [(n, False) for n in _free_reads(e)]
        if isinstance(e, ast.Call):
            return self.call_sources(e)
        return []

    def call_sources(self, call: ast.Call) -> list[tuple[ast.Name, bool]]:
        func = call.func
        if isinstance(func, ast.Attribute):
            name, method = func.attr, not self.is_module(func.value)
        elif isinstance(func, ast.Name):
            name, method = func.id, False
        else:
            return []
        receiver = self.sources(func.value) if method else []
        direct = lambda args: [(n, True) for a in args for n, _ in self.sources(a)]
        no_copy = any(
            k.arg == "copy" and isinstance(k.value, ast.Constant) and k.value.value is False
            for k in call.keywords
        )
        if no_copy:  # np.array(x, copy=False), x.astype(t, copy=False)
            return receiver + direct(call.args)
        if name in _VIEW_FUNCS:
            if method:  # x.reshape(3, 4): a view of the receiver
                return receiver
            args = call.args if name in _ALL_ARGS_VIEW_FUNCS else call.args[:1]
            keywords = [k.value for k in call.keywords if k.arg in ("a", "arr", "ary", "m", "x")]
            return direct([*args, *keywords])
        if name in _CONTAINER_BUILTINS:
            return [(n, False) for n, _ in receiver + direct(call.args)]
        if name in _ELEMENT_BUILTINS:
            return receiver + direct(call.args)
        return []

    # Checks ------------------------------------------------------------------------------

    def line(self, node: ast.AST) -> int:
        return self.fence.user_line(node)

    def refuse(self, node: ast.AST, message: str) -> None:
        self.fence.refuse(node, message)

    def check_subscript(self, u: _Update) -> None:
        x = u.name
        op = _OPS.get(type(u.stmt.op), "") if isinstance(u.stmt, ast.AugAssign) else ""
        what = (
            f"in-place update `{_code(u.target)} {op}= ...` of `{x}` at line {self.line(u.target)}"
        )
        copy_fix = (
            f"copy it first, `{x} = {x}.copy()`, or create the array locally "
            "with np.zeros/np.ones/np.array/..."
        )
        reason = fix = None
        if x not in self.bound:
            reason = (
                f"`{x}` is not assigned in this function (it is a global or a variable of an "
                "enclosing function), so Python would change it for everyone holding it"
            )
            fix = (
                f"update a local copy, e.g. `{x}_new = {x}.copy()`, or create the array "
                "locally with np.zeros/np.ones/np.array/..."
            )
        elif x in self.params and not any(_dominates(p, u.path) for p in self.assigns[x]):
            reason = (
                f"`{x}` is a parameter of `{self.fn.name}`, so Python would change the "
                "caller's array"
            )
            fix = copy_fix
        else:
            edge = self.first_alias_edge(u)
            captured = next(
                (name for name, pos in self.captures if name.id == x and self.may_see(pos, u)),
                None,
            )
            repeat = next(
                (st for st in self.repeats.get(x, []) if self.may_see(self.where[id(st)], u)),
                None,
            )
            if u.inner and repeat is not None and edge is None:
                reason = (
                    f"`{x}` holds the same object several times (`{_code(repeat)}` at line "
                    f"{self.line(repeat)}), so Python would change every copy of it"
                )
                fix = (
                    "build the container with a list comprehension, "
                    "e.g. `[np.zeros(3) for i in range(n)]`"
                )
            elif edge is not None:
                where = f"`{_code(edge.stmt)}` at line {self.line(edge.stmt)}"
                if edge.target == x and edge.store:
                    reason = f"`{x}` holds `{edge.source}` ({where}), which Python would change too"
                    fix = f"store a copy instead: `{edge.source}.copy()`"
                elif edge.target == x and edge.container:
                    reason = f"`{x}` holds `{edge.source}` ({where}), which Python would change too"
                    fix = "build the container from copies (`.copy()`) or fresh arrays"
                elif edge.target == x and edge.source == x:
                    reason = (
                        f"`{x}` is a view of, or the same object as, what `{x}` held before "
                        f"({where}), so Python would change that array too"
                    )
                    value = getattr(edge.stmt, "value", None)
                    fix = f"copy it, `{x} = {_code(value, 30)}.copy()`" if value else copy_fix
                elif edge.target == x:
                    reason = (
                        f"`{x}` is another name for, or a view of, `{edge.source}` ({where}), "
                        f"so Python would change `{edge.source}` too"
                    )
                    fix = (
                        f"make `{x}` a copy (`... .copy()` on the right-hand side) or create it "
                        "locally with np.zeros/np.ones/np.array/..."
                    )
                else:
                    kind = "holds" if edge.store or edge.container else "shares the data of"
                    reason = (
                        f"`{edge.target}` {kind} `{x}` ({where}), so Python would change "
                        f"`{edge.target}` too"
                    )
                    fix = f"give `{edge.target}` its own copy, `{x}.copy()`, or {copy_fix}"
            elif captured is not None:
                reason = (
                    f"`{x}` is read by a nested function, lambda or comprehension at line "
                    f"{self.line(captured)}, which Python would let see the update"
                )
                fix = f"build the nested values from a copy, `{x}.copy()`, or {copy_fix}"
        if reason is not None:
            self.refuse(
                u.target,
                f"{what}: {reason}, while myia compiles the update as a functional update that "
                f"rebinds `{x}` to an updated copy; {fix}",
            )

    def first_alias_edge(self, u: _Update) -> _Edge | None:
        """The first sharing of `u.name` that the update could show through another name."""
        x = u.name
        for edge in self.edges:
            if edge.stmt is u.stmt or not self.may_see(self.where[id(edge.stmt)], u):
                continue  # made by or after the update, outside its loops: sees the new value
            if self.copies_into(edge):
                continue  # `x[i] = y` with `x = np.zeros(...)` copies the data of `y`
            if edge.source == x and edge.target != x:
                return edge  # another name, view or container holds `x`
            if edge.target == x and not edge.store and not edge.container:
                return edge  # `x` is another name or a view
            if edge.target == x and u.inner:
                return edge  # `x[i][j] = v` writes into an object `x` only holds
        return None

    def check_augmented(self, u: _Update) -> None:
        x = u.name
        op = _OPS.get(type(u.stmt.op), "?")
        what = f"augmented assignment `{x} {op}= ...` at line {self.line(u.stmt)}"
        fix = f"write `{x} = {x} {op} ...` instead"
        if x not in self.bound:
            self.refuse(
                u.stmt,
                f"{what}: `{x}` is not assigned in this function before (Python raises "
                f"UnboundLocalError, or it is a global or an enclosing variable); assign `{x}` "
                "first or pass it as an argument and return the new value",
            )
            return
        # Every name that may show the object of `x`: names sharing it and containers of it,
        # linked before the update (or in its loop); one of them read after it would differ.
        links: dict[str, list[tuple[str, _Edge]]] = defaultdict(list)
        for edge in self.edges:
            if not self.may_see(self.where[id(edge.stmt)], u) or self.copies_into(edge):
                continue
            links[edge.source].append((edge.target, edge))
            if not edge.store:
                links[edge.target].append((edge.source, edge))
        via: dict[str, _Edge | None] = {x: None}
        stack = [x]
        while stack:
            name = stack.pop()
            for other, edge in links[name]:
                if other not in via:
                    via[other] = edge
                    stack.append(other)
        for name, edge in via.items():
            if edge is None:
                continue
            for read, position in self.reads.get(name, []):
                if not self.may_follow(position, u):
                    continue
                self.refuse(
                    u.stmt,
                    f"{what}: for an array or a list this updates `{x}` in place, and `{x}` "
                    f"shares its object with `{name}` (`{_code(edge.stmt)}` at line "
                    f"{self.line(edge.stmt)}), used at line {self.line(read)}: Python would "
                    f"change `{name}` too, myia would not; {fix}",
                )
                return
