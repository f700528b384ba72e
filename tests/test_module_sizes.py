"""The size of the code base: no module over 800 lines, and the table of the reverse-mode
machinery in `docs/architecture.md` ("What reverse mode costs") true to the code.

A row of that table is `| <path> | <job> | <code lines> | <lines> |`: code lines are the
lines that hold code (not blank, not only a comment, not part of a docstring), lines are all
the lines of the file (`wc -l`). Its last row is the total. When a change makes a row wrong,
the failure prints the row as it should be.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLE_TITLE = "#### What reverse mode costs"
ROW = re.compile(r"^\| `(myia/[\w/]+\.py)` \|.*\| (\d+) \| (\d+) \|$")
TOTAL = re.compile(r"^\| total \|.*\| (\d+) \| (\d+) \|$")


def code_lines(source: str) -> int:
    """The number of lines of `source` that hold code (docstrings, comments and blank
    lines excluded).

    Example:
        >>> code_lines("x = 1  # one\\n\\n# a note\\ny = [\\n    2,\\n]\\n")
        4
    """
    lines: set[int] = set()
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in skip and tok.type != tokenize.ENDMARKER:
            lines.update(range(tok.start[0], tok.end[0] + 1))
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                if isinstance(first.value.value, str):
                    lines.difference_update(range(first.lineno, first.end_lineno + 1))
    return len(lines)


def test_no_module_over_800_lines():
    long = [
        f"{p.relative_to(ROOT)}: {n}"
        for p in sorted((ROOT / "myia").rglob("*.py"))
        if (n := p.read_text().count("\n")) > 800
    ]
    assert not long, f"modules over 800 lines: {long}"


def _table() -> list[str]:
    text = (ROOT / "docs" / "architecture.md").read_text().splitlines()
    start = text.index(TABLE_TITLE)
    rows = []
    for line in text[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("| `myia/") or line.startswith("| total |"):
            rows.append(line)
    return rows


def test_reverse_mode_table_is_true_to_the_code():
    rows = _table()
    assert len(rows) > 2 and TOTAL.match(rows[-1]), "the table or its total row is missing"
    wrong, code_total, lines_total = [], 0, 0
    for row in rows[:-1]:
        m = ROW.match(row)
        assert m, f"a row of the table is not `| path | job | code | lines |`: {row}"
        source = (ROOT / m[1]).read_text()
        code, lines = code_lines(source), source.count("\n")
        code_total += code
        lines_total += lines
        if (int(m[2]), int(m[3])) != (code, lines):
            wrong.append(re.sub(r"\| \d+ \| \d+ \|$", f"| {code} | {lines} |", row))
    total = TOTAL.match(rows[-1])
    if (int(total[1]), int(total[2])) != (code_total, lines_total):
        wrong.append(re.sub(r"\| \d+ \| \d+ \|$", f"| {code_total} | {lines_total} |", rows[-1]))
    assert not wrong, "rows of docs/architecture.md to write so:\n" + "\n".join(wrong)
