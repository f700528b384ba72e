"""The checks the fence tests share (tests/test_fence.py, tests/test_fence_supported.py,
tests/test_fence_aliasing.py): each snippet is the dedented source of one function,
checked as if it started at line 11 of `user.py` (line_offset 10): an error on line N of a
snippet must report line N + 10.
"""

from __future__ import annotations

import ast
import textwrap

import pytest

from myia.errors import MyiaError, MyiaSyntaxError
from myia.parser.fence import check_function

OFFSET = 10


def fence(src: str) -> None:
    tree = ast.parse(textwrap.dedent(src))
    check_function(tree.body[0], "user.py", OFFSET)


def refused(src: str, line: int, *words: str) -> MyiaSyntaxError:
    """Check that `src` is refused at its `line` with a message holding each of `words`."""
    with pytest.raises(MyiaSyntaxError) as info:
        fence(src)
    err = info.value
    assert isinstance(err, SyntaxError) and isinstance(err, MyiaError)
    assert err.filename == "user.py"
    assert err.lineno == line + OFFSET, str(err)
    for word in words:
        assert word in err.msg, f"{word!r} not in {err.msg!r}"
    return err


def refused_if_mutable(src: str, line: int, *words: str) -> str:
    """Check that `src` passes the fence with its augmented assignment at `line` left to be
    refused where its target is an array or a list, with a message holding each of `words`."""
    tree = ast.parse(textwrap.dedent(src))
    check_function(tree.body[0], "user.py", OFFSET)
    marked = [
        (n.lineno, n._myia_mutable_refusal)
        for n in ast.walk(tree)
        if isinstance(n, ast.AugAssign) and hasattr(n, "_myia_mutable_refusal")
    ]
    assert [lineno for lineno, _ in marked] == [line], marked
    message = marked[0][1]
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    return message
