"""Reading a function's source: the `ast` of its definition (or of its lambda), with the file
name and the offsets that give every node the user's line and column.

Example:
    >>> node, filename, line_offset, indent = source_tree(f)     # doctest: +SKIP
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
import types

from myia.errors import Location, MyiaSyntaxError


def source_tree(fn: types.FunctionType) -> tuple[ast.AST, str, int, int]:
    """The `ast` of the code `fn` runs, its file name, line offset and indentation.

    The source is read from `fn.__code__`, never through `__wrapped__`: a function that a
    `functools.wraps` decorator returned is its wrapper, whose source this is.

    Example:
        >>> node, filename, line_offset, indent = source_tree(f)     # doctest: +SKIP
    """
    code = fn.__code__
    filename = inspect.getsourcefile(code) or code.co_filename
    try:
        lines, first = inspect.getsourcelines(code)
    except (OSError, TypeError) as e:
        raise MyiaSyntaxError(
            f"cannot read the source of `{fn.__qualname__}` ({e}); myia compiles functions from "
            "their source, so define them in a file (or a notebook cell)",
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
