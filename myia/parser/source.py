"""Reading a function's source: the `ast` of its definition (or of its lambda), with the file
name and the offsets that give every node the user's line and column.

The source is read from the function's file, which may have been edited since Python
compiled the code it runs. `source_tree` checks the file against the code object: each
instruction of the code (and of its nested code) records the line and columns of the
source it was compiled from, so the text at those places in the file as it is now must
still be the constant an instruction loads and the name it reads or writes
(`_check_matches`). Where one is not, it refuses with a `MyiaSourceError`: myia compiles
from source, so it asks for the module to be reloaded. (Instructions whose place holds
other text, such as constants Python folded or code an import hook made, like pytest's
rewritten asserts, which carry the place of the whole statement, decide nothing.) A
comparison of the code with a compile of the text would refuse the code such hooks make.

Example:
    >>> node, filename, line_offset, indent = source_tree(f)     # doctest: +SKIP
"""

from __future__ import annotations

import ast
import dis
import inspect
import keyword
import linecache
import re
import textwrap
import types

from myia.errors import Location, MyiaSourceError, MyiaSyntaxError

# Sources given by the user (`myia.jit(f, source=TEXT)`) for code whose file Python did not
# keep (a plain REPL, `python -c`, an `exec`'d string): the texts given for each file name.
_GIVEN: dict[str, list[str]] = {}
# The code objects a text was given for (whose missing definition is an error of the text).
_GIVEN_FOR: set[types.CodeType] = set()


def give_source(fn, text: str) -> None:
    """Record `text` as source of `fn` and of the other functions it defines (its
    helpers), for when Python kept no source for `fn`'s file.

    Example:
        >>> ns, text = {}, "def sq(x): return x * x"
        >>> exec(text, ns)
        >>> give_source(ns["sq"], text)
        >>> source_tree(ns["sq"])[0].name
        'sq'
    """
    code = getattr(fn, "__code__", None)
    if code is None or not isinstance(text, str):
        raise TypeError(
            f"source= needs a Python function and its source text (a str), not {text!r}"
        )
    texts = _GIVEN.setdefault(code.co_filename, [])
    if text not in texts:
        texts.append(text)
    _GIVEN_FOR.add(code)


def source_tree(fn: types.FunctionType) -> tuple[ast.AST, str, int, int]:
    """The `ast` of the code `fn` runs, its file name, line offset and indentation.

    The source is read from `fn.__code__`, never through `__wrapped__`: a function that a
    `functools.wraps` decorator returned is its wrapper, whose source this is. Where
    Python kept no source, a text given with `give_source` for the function's file is
    read.

    Example:
        >>> node, filename, line_offset, indent = source_tree(f)     # doctest: +SKIP
    """
    code = fn.__code__
    if code.co_filename in _GIVEN and not linecache.getlines(code.co_filename):
        found = _given_tree(fn)
        if found is not None:
            return found
    filename = inspect.getsourcefile(fn) or code.co_filename
    linecache.checkcache(filename)  # the text of the file as it is now
    _check_matches(fn, filename)
    return _tree(fn, filename)


def _tree(fn: types.FunctionType, filename: str) -> tuple[ast.AST, str, int, int]:
    code = fn.__code__
    try:
        lines, first = _source_lines(fn, filename)
    except (OSError, TypeError) as e:
        raise MyiaSyntaxError(
            f"cannot read the source of `{fn.__qualname__}` ({e}): Python keeps no source for "
            f"code typed at a plain REPL, run with `python -c` or exec'd from a string "
            f"({code.co_filename}). myia compiles functions from their source: define them in "
            "a file (or an IPython/Jupyter cell), or give the text: "
            "myia.jit(f, source=TEXT) (also on grad, value_and_grad, jvp, vjp)",
            Location(code.co_filename, code.co_firstlineno),
        ) from None
    src = "".join(lines)
    dedented = textwrap.dedent(src)
    indent = len(lines[0]) - len(lines[0].lstrip()) if lines else 0
    if code.co_name == "<lambda>":  # the code's own name: `__name__` may have been set
        return _lambda_tree(fn, dedented, filename, first, indent)
    tree = ast.parse(dedented)
    line_offset = max(first, 1) - 1
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == code.co_name:
            return node, filename, line_offset, indent
    raise MyiaSyntaxError(
        f"cannot find the source of `{fn.__qualname__}`", Location(filename, code.co_firstlineno)
    )


# What `inspect.findsource` takes for the first line of a definition.
_DEF_LINE = re.compile(r"^(\s*def\s)|(\s*async\s+def\s)|(.*(?<!\w)lambda(:|\s))|^(\s*@)")


def _source_lines(fn: types.FunctionType, filename: str) -> tuple[list[str], int]:
    """The lines of the definition `fn.__code__` runs and the number of the first, as
    `inspect.getsourcelines(fn.__code__)` gives them, without its search of every loaded
    module for the one of the file (on a process's first call, a thousand modules' paths
    resolved: tens of ms). The file is read with the function's globals, its module's
    (what an import hook's loader needs). Where the code's first line does not start a
    definition, `inspect` looks for it."""
    code = fn.__code__
    lines = linecache.getlines(filename, fn.__globals__)
    start = code.co_firstlineno - 1
    if 0 <= start < len(lines) and _DEF_LINE.match(lines[start]):
        return inspect.getblock(lines[start:]), start + 1
    return inspect.getsourcelines(code)


def _given_tree(fn: types.FunctionType) -> tuple[ast.AST, str, int, int] | None:
    """The tree of `fn` from the texts given for its file: the definition of its name and
    parameters (the one at its first line, if several), its lines shifted to where
    Python numbers them; None where no text defines it and none was given for it."""
    code = fn.__code__
    params = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    found = []
    for text in reversed(_GIVEN[code.co_filename]):
        try:
            tree = ast.parse(textwrap.dedent(text))
        except SyntaxError as e:
            raise MyiaSyntaxError(
                f"the source given for `{fn.__qualname__}` does not parse: {e.msg} (line "
                f"{e.lineno} of the text)",
                Location(code.co_filename, code.co_firstlineno),
            ) from None
        for node in ast.walk(tree):
            if _defines(node, code.co_name, params):
                found.append(node)
    if not found and code not in _GIVEN_FOR:
        return None  # a function of the same file no text was given for: `_tree` refuses
    if not found:
        raise MyiaSyntaxError(
            f"the source given for `{fn.__qualname__}` has no definition of "
            f"`{code.co_name}({', '.join(params)})`: give the text that defines it",
            Location(code.co_filename, code.co_firstlineno),
        )
    node = next((n for n in found if _first_line(n) == code.co_firstlineno), found[0])
    offset = code.co_firstlineno - _first_line(node)
    if offset:
        for n in ast.walk(node):
            if hasattr(n, "lineno"):
                n.lineno += offset
                if getattr(n, "end_lineno", None) is not None:
                    n.end_lineno += offset
    return node, code.co_filename, 0, 0


def _defines(node: ast.AST, name: str, params: list[str]) -> bool:
    """Whether `node` defines the function `name` (or is a lambda) with `params`."""
    if isinstance(node, ast.Lambda):
        ok = name == "<lambda>"
    else:
        ok = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name
    a = node.args if ok else None
    return ok and [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs)] == params


def _first_line(node: ast.AST) -> int:
    """The line Python numbers a function from (its first decorator's, for a def)."""
    decorators = getattr(node, "decorator_list", None)
    return min([node.lineno, *(d.lineno for d in decorators)]) if decorators else node.lineno


def _shift(tree: ast.AST, line: int, col: int) -> None:
    """Move the locations of a tree parsed from a fragment to where the fragment starts."""
    for n in ast.walk(tree):
        if hasattr(n, "lineno"):
            if n.lineno == 1:
                n.col_offset += col
            if getattr(n, "end_lineno", None) == 1:
                n.end_col_offset += col
            n.lineno += line
            if getattr(n, "end_lineno", None) is not None:
                n.end_lineno += line


def _lambda_tree(fn, src: str, filename: str, first: int, indent: int):
    """The `ast.Lambda` of `fn` within the lines that hold it (which need not parse alone,
    e.g. a lambda in the middle of a multi-line call)."""
    code = fn.__code__
    argnames = list(code.co_varnames[: code.co_argcount])
    found = []
    for m in re.finditer(r"\blambda\b", src):
        start = m.start()
        for end in range(len(src), start, -1):
            try:
                node = ast.parse(src[start:end].strip(), mode="eval").body
            except SyntaxError:
                continue
            if isinstance(node, ast.Lambda):
                if [a.arg for a in node.args.args] == argnames:
                    _shift(node, src.count("\n", 0, start), start - (src.rfind("\n", 0, start) + 1))
                    found.append((start, node))
                break
    if len(found) > 1 and hasattr(code, "co_positions"):
        # The body's instructions carry their columns: keep the lambda whose body holds them.
        spots = [(ln, c) for ln, _, c, _ in code.co_positions() if ln and c]
        if spots:
            ln, c = min(spots)
            here = (ln - max(first, 1), c - indent)
            found = [
                (st, nd)
                for st, nd in found
                if (nd.body.lineno - 1, nd.body.col_offset)
                <= here
                <= (nd.body.end_lineno - 1, nd.body.end_col_offset)
            ] or found
    if len(found) != 1:
        raise MyiaSyntaxError(
            "cannot tell which lambda of these lines to compile; bind it to a name on a "
            "line of its own (`f = lambda x: ...`)",
            Location(filename, code.co_firstlineno),
        )
    return found[0][1], filename, max(first, 1) - 1, indent


# Loads of names and numbers only: the stores, `None`s and strings the compiler adds itself
# (the cleanup of `except ... as e`, `with` exits, the pieces of a `"%s" % x` it rewrote)
# carry the place of another expression.
_NAME_OPS = frozenset(("LOAD_FAST", "LOAD_GLOBAL", "LOAD_DEREF", "LOAD_NAME"))
_SCALARS = (int, float, complex, bool)


def _segment(lines: list[str], pos) -> str | None:
    """The text of the file between the positions of an instruction (columns count UTF-8
    bytes), or None when the file no longer has those lines."""
    if None in (pos.lineno, pos.end_lineno, pos.col_offset, pos.end_col_offset):
        return ""
    if _outside(lines, pos):
        return None
    text = "".join(lines[pos.lineno - 1 : pos.end_lineno]).encode()
    end = len("".join(lines[pos.lineno - 1 : pos.end_lineno - 1]).encode()) + pos.end_col_offset
    return text[pos.col_offset : end].decode(errors="replace")


def _outside(lines: list[str], pos) -> bool:
    """Whether the file no longer has the lines of an instruction's known positions."""
    if None in (pos.lineno, pos.end_lineno, pos.col_offset, pos.end_col_offset):
        return False
    return pos.lineno < 1 or pos.end_lineno > len(lines)


def _tells(inst) -> bool:
    """Whether the source text at the place of `inst` can show that it was not compiled
    from it (`_differs`): a load of a number or of a name."""
    if inst.opname == "LOAD_CONST":
        return type(inst.argval) in _SCALARS
    return inst.opname in _NAME_OPS and not inst.argval.startswith((".", "__"))


def _differs(inst, text: str) -> bool:
    """Whether the source `text` at the place of `inst` shows that it was not compiled
    from it (False where the text decides nothing: an expression Python folded, a
    display whose items it loads as one constant, code an import hook wrote)."""
    if inst.opname == "LOAD_CONST" and type(inst.argval) in _SCALARS:
        if text == repr(inst.argval):
            return False
        try:
            lit = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return False
        return type(lit) in _SCALARS and (type(lit) is not type(inst.argval) or lit != inst.argval)
    if inst.opname in _NAME_OPS and not inst.argval.startswith((".", "__")):
        return text.isidentifier() and not keyword.iskeyword(text) and text != inst.argval
    return False


def _check_matches(fn: types.FunctionType, filename: str) -> None:
    """Refuse to read `fn` from `filename` when the file is no longer its source."""
    code = fn.__code__
    if not hasattr(code, "co_positions"):
        return  # Python 3.10: instructions know their lines only
    lines = linecache.getlines(filename)
    if not lines:
        return  # no source to read: `_tree` says so
    codes = [code]
    while codes:
        c = codes.pop()
        codes.extend(x for x in c.co_consts if isinstance(x, types.CodeType))
        for inst in dis.get_instructions(c):
            if _tells(inst):
                text = _segment(lines, inst.positions)
            elif _outside(lines, inst.positions):
                text = None
            else:
                continue
            if text is None or text and _differs(inst, text):
                raise MyiaSourceError(
                    f"the source of `{fn.__qualname__}` in {filename} is not the code Python "
                    "runs: the file was changed after it was imported. Reload the module "
                    "(importlib.reload) or restart, so that Python and myia read the same code",
                    Location(filename, inst.positions.lineno or code.co_firstlineno),
                )
