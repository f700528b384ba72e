"""What the fence (`fence.py`) and the aliasing rule (`aliasing.py`) know of Python's syntax: the
words of their messages and hints, the constructs accepted as they are, and the facts about
names, views and calls they read from an `ast`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from myia.parser.children import child_nodes

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
    "AsyncFunctionDef": "write a plain `def` (myia compiles numeric code, not coroutines)",
    "AsyncFor": "write a plain `for` loop",
    "AsyncWith": "call the functions directly",
    "Await": "call the function directly",
    "TypeAlias": "define the alias outside the compiled function",
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
        stack.extend(child_nodes(node)[::-1])


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


def _bindings(scope: ast.AST, name: str) -> list[ast.AST | None]:
    """What `name` is bound to in the function `scope`, binding by binding (a def, the value
    of a plain assignment, or None for any other binding)."""
    body = scope.body if isinstance(scope.body, list) else [scope.body]
    nodes = list(_iter_own(body))
    plain = {id(t): n.value for n in nodes if isinstance(n, ast.Assign) for t in n.targets}
    out: list[ast.AST | None] = [None] if name in _param_names(scope.args) else []
    for node in nodes:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out += [node] if node.name == name else []
        elif isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            out.append(plain.get(id(node)))  # None: a loop target, `a, b = ...`, `x += v`, ...
    return out


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
