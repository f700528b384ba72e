"""The layout of generated source: statements with the user's line they come from.

Code is built as a tree of `Line` (one `ast` statement) and `Block` (`if`, `while`,
`for`, `def` with their bodies), then rendered as text with each line commented with the
user's file and line. Everything inside a line is an `ast` node turned into text by
`ast.unparse` (strings written by `repr`); the two other ways text reaches the module pass
here: a comment (`comment`, `comment_line`) keeps printable characters only, so nothing
(a path, a source line, a type's name) can end it, and a name (`identifier`) is made of
characters that are valid in an identifier and unchanged by Python's NFKC normalization.

Example:
    >>> comment_line("x\\nimport os")
    '# x import os'
    >>> identifier("grad:f\\n"), identifier("2x"), identifier("\\ufb01"), identifier("lambda")
    ('grad_f', 'v2x', 'v', 'lambda_')
"""

from __future__ import annotations

import ast
import keyword
import unicodedata
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


def printable(text: str) -> str:
    """`text` with a space for each character that is not printable (line breaks, NUL)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else " " for c in text)


def comment_line(text: str) -> str:
    """A whole-line comment saying `text` (any text: what cannot stay in a comment is a
    space)."""
    return "# " + printable(text)


def identifier(text: str) -> str:
    """A Python identifier made from `text`: its characters valid in an identifier (and
    unchanged by the NFKC normalization Python applies to names), the others `_`; "v" in
    front where it would start with a digit or be empty, "_" after a keyword."""
    base = "".join(
        c if ("_" + c).isidentifier() and unicodedata.normalize("NFKC", c) == c else "_"
        for c in text or "v"
    ).strip("_")
    if not base or not base.isidentifier():
        base = "v" + base
    return base + "_" if keyword.iskeyword(base) else base


def comment(loc: Location | None, origin: str | None) -> str:
    if loc is None:
        return ""
    where = (
        f"line {loc.lineno}" if loc.filename == origin else f"{_short(loc.filename)}:{loc.lineno}"
    )
    text = loc.line_text()
    return printable(f"  # {where}: {text}" if text else f"  # {where}")


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


def names_read(items: list) -> set[str]:
    """The names read by `items`: `Line`s and `Block`s (their bodies too), `ast` statements
    and comments (strings, which read nothing). A walk without recursion: the code may nest
    deeper than Python would parse (it is refused when compiled, with a `MyiaError`).

    Example:
        >>> sorted(names_read([Line(assign(["y"], ast.parse("np.sin(x)").body[0].value))]))
        ['np', 'x']
    """
    out: set[str] = set()
    stack = list(items)
    while stack:
        item = stack.pop()
        nodes: list = []
        if isinstance(item, Line):
            nodes = [item.stmt]
        elif isinstance(item, Block):
            stack.extend(item.body or ())
            stack.extend(item.orelse or ())
            head = item.head
            if isinstance(head, str):
                nodes = [ast.parse(f"def {head}: pass")]
            elif isinstance(head, tuple):
                nodes = list(head)
            elif isinstance(head, ast.AST):
                nodes = [head]
        elif isinstance(item, ast.AST):
            nodes = [item]
        for n in nodes:
            out.update(x.id for x in ast.walk(n) if isinstance(x, ast.Name))
    return out


def used_imports(imports: list[str], read: set[str]) -> list[str]:
    """The lines of `imports` (import statements, and blank lines between groups) that bind
    a name of `read` (`names_read` of the module): a module imports only what it uses.

    Example:
        >>> used_imports(["import math", "", "import numpy as np"], {"np", "x"})
        ['import numpy as np']
    """
    out: list[str] = []
    for line in imports:
        if not line.strip():
            if out and out[-1]:
                out.append("")
            continue
        (stmt,) = ast.parse(line).body
        if any((a.asname or a.name).split(".")[0] in read for a in stmt.names):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def name(n: str) -> ast.Name:
    return ast.Name(n, ast.Load())


def store(n: str) -> ast.Name:
    return ast.Name(n, ast.Store())


def assign(targets: list[str], value: ast.expr) -> ast.stmt:
    if len(targets) == 1:
        return ast.Assign([store(targets[0])], value, lineno=0)
    return ast.Assign([ast.Tuple([store(t) for t in targets], ast.Store())], value, lineno=0)


def same_line(a, b) -> bool:
    """Whether two nodes come from one line of the user's source (a value is written inside
    the expression of its user only then: each generated line stands for one user line).

    Example: `t = v * t_2` of line 49 is written inside `return t + t_9` (the output) and
    inside the sum of a parameter's sensitivities located at `def f(x, v):`.
    """
    la, lb = a.loc, b.loc
    if lb is None or b is b.graph.return_ or is_header(la) or is_header(lb):
        return True
    return la is not None and la.filename == lb.filename and la.lineno == lb.lineno


def is_header(loc) -> bool:
    """Whether `loc` is the `def` line of a function: what the compiler adds at a function's
    parameters (the sum of the sensitivities of a parameter used twice) has no line of its
    own, so it is written inside the expressions of the lines around it.

    Example: `is_header(Location(__file__, 1))` is False for this module, whose first line
    is its docstring.
    """
    return loc is not None and loc.line_text().startswith(("def ", "async def "))
