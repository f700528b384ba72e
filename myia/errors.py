"""The error classes of myia and the source locations they point at.

Every error about user code carries a `Location` (file, line, column) of the user's
source, so that messages name the line the user wrote, not the compiler's internals.
"""

from __future__ import annotations

import linecache
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A position in the user's source code.

    Example:
        >>> Location("model.py", 12, 4)
        Location(filename='model.py', lineno=12, col=4)
    """

    filename: str
    lineno: int
    col: int = 0

    def line_text(self) -> str:
        """The stripped text of the source line, or '' when unavailable."""
        return linecache.getline(self.filename, self.lineno).strip()

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}"


@dataclass(frozen=True)
class InheritedLocation(Location):
    """The user's line given to a node of myia's own code (a primitive's backpropagator, a
    J rule) inlined there: errors at run time name it, but the node is not user code."""


class MyiaError(Exception):
    """Base class of every error raised by myia (`.message`: the text without the
    location, `.loc`: the user's source location, or None; the message names the line)."""

    def __init__(self, msg: str, loc: Location | None = None):
        self.message = msg
        if loc is not None:
            msg = f"{msg}\n  at {loc}: {loc.line_text()}"
        super().__init__(msg)
        self.loc = loc


class MyiaSyntaxError(MyiaError, SyntaxError):
    """A construct outside the supported Python subset.

    `.filename` and `.lineno` point at the user's source.

    Example:
        >>> err = MyiaSyntaxError("`with` is not supported", Location("f.py", 3, 4))
        >>> (err.filename, err.lineno)
        ('f.py', 3)
    """

    def __init__(self, msg: str, loc: Location | None = None):
        if loc is None:
            SyntaxError.__init__(self, msg)
        else:
            text = linecache.getline(loc.filename, loc.lineno).rstrip("\n") or None
            SyntaxError.__init__(self, msg, (loc.filename, loc.lineno, loc.col + 1, text))
        self.message = msg
        self.loc = loc


class MyiaTypeError(MyiaError, TypeError):
    """Wrong argument types or shapes, a non-scalar differentiated output, and similar."""


class MyiaShapeError(MyiaTypeError, ValueError):
    """Operand shapes that cannot combine, found before running (also a `ValueError`, as
    NumPy's own error would be).

    Example:
        >>> issubclass(MyiaShapeError, ValueError) and issubclass(MyiaShapeError, MyiaTypeError)
        True
    """


class MyiaIndexError(MyiaTypeError, IndexError):
    """An index certain to be out of range, found before running (also an `IndexError`)."""


class MyiaKeyError(MyiaTypeError, KeyError):
    """A key certain to be missing from a dict, found before running (also a `KeyError`)."""

    def __str__(self) -> str:
        return Exception.__str__(self)


class MyiaNestingError(MyiaError, RecursionError):
    """A program that nests deeper than myia (or Python) can compile: a chain of hundreds
    of `elif`s, say. Also a `RecursionError`, which is what Python gives for it."""


class MyiaRecursionError(MyiaError, RecursionError):
    """A recursion that does not end: it never reaches its base case from the arguments
    it was given (found where its depth has a closed form, `infer/induction.py`). Also a
    `RecursionError`, which is what Python gives for it."""


class MyiaNameError(MyiaError, NameError):
    """A name in user code that cannot be resolved or compiled (an opaque function)."""


class MyiaBackendError(MyiaError):
    """A program the chosen backend cannot run (an operation it has no code for)."""


class MyiaSourceError(MyiaError):
    """The source of a function, as read from its file, is not the code Python runs (the
    file was edited after it was imported).

    Example:
        >>> issubclass(MyiaSourceError, MyiaError)
        True
    """


def annotate_runtime_error(exc: BaseException, loc: Location | None) -> None:
    """Attach the user's source line to an exception raised by compiled code."""
    if loc is None or getattr(exc, "_myia_located", False):
        return
    exc._myia_located = True
    note = f"myia: raised at {loc}: {loc.line_text()}"
    if hasattr(exc, "add_note"):
        exc.add_note(note)
    elif exc.args and isinstance(exc.args[0], str):
        exc.args = (f"{exc.args[0]}\n{note}",) + exc.args[1:]
    else:
        exc.args = exc.args + (note,)
