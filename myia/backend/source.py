"""The layout of generated source: statements with the user's line they come from.

Code is built as a tree of `Line` (one `ast` statement) and `Block` (`if`, `while`,
`for`, `def` with their bodies), then rendered as text with each line commented with the
user's file and line. Everything inside a line is an `ast` node turned into text by
`ast.unparse`; the comments are sanitized (no control characters), so no text of the
user's files (paths, source lines) can become code.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from myia.errors import Location


@dataclass
class Line:
    stmt: ast.stmt
    loc: Location | None = None


@dataclass
class Block:
    header: str  # "if", "while", "for", "def"
    head: ast.AST | str  # the test, the `for` target and iterable, or the def's signature
    body: list = field(default_factory=list)
    orelse: list | None = None
    loc: Location | None = None


def _clean(text: str) -> str:
    return "".join(c if c.isprintable() else " " for c in text)


def comment(loc: Location | None, origin: str | None) -> str:
    if loc is None:
        return ""
    where = (
        f"line {loc.lineno}" if loc.filename == origin else f"{_short(loc.filename)}:{loc.lineno}"
    )
    text = loc.line_text()
    return _clean(f"  # {where}: {text}" if text else f"  # {where}")


def _short(filename: str) -> str:
    parts = filename.replace("\\", "/").split("/")
    return "/".join(parts[-2:])


def render(
    items: list, lines: list[str], line_map: dict, origin: str | None, depth: int = 0
) -> None:
    pad = "    " * depth
    for item in items:
        if isinstance(item, Line):
            lines.append(pad + ast.unparse(item.stmt) + comment(item.loc, origin))
            if item.loc is not None:
                line_map[len(lines)] = item.loc
            continue
        if item.header == "def":
            head = f"def {item.head}:"
        elif item.header == "for":
            target, it = item.head
            head = f"for {ast.unparse(target)} in {ast.unparse(it)}:"
        elif item.header == "while" and item.head is True:
            head = "while True:"
        else:
            head = f"{item.header} {ast.unparse(item.head)}:"
        lines.append(pad + head + (comment(item.loc, origin) if item.header != "def" else ""))
        if item.loc is not None:
            line_map[len(lines)] = item.loc
        render(item.body or [Line(ast.Pass())], lines, line_map, origin, depth + 1)
        if item.orelse:
            lines.append(pad + "else:")
            render(item.orelse, lines, line_map, origin, depth + 1)


def name(n: str) -> ast.Name:
    return ast.Name(n, ast.Load())


def store(n: str) -> ast.Name:
    return ast.Name(n, ast.Store())


def assign(targets: list[str], value: ast.expr) -> ast.stmt:
    if len(targets) == 1:
        return ast.Assign([store(targets[0])], value, lineno=0)
    return ast.Assign([ast.Tuple([store(t) for t in targets], ast.Store())], value, lineno=0)
