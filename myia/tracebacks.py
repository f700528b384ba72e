"""Short tracebacks: an error raised while compiled code runs (or a refusal raised while
compiling) reaches the user with their own frames and the generated lines, not the
frames of myia's machinery.

At the boundary of the public API (`Compiled.__call__`), the traceback of the exception is
rebuilt without the frames of files under the `myia` package (the frames of the
generated code, `<myia-generated-...>`, stay); the call of the API itself stays as the
one entry frame. The note naming the user's source line (`errors.annotate_runtime_error`)
is kept. Set the environment variable `MYIA_FULL_TRACEBACK=1` for the whole traceback
and the chain of exceptions behind it.

Example:
    >>> import myia
    >>> try:
    ...     myia.jit(lambda x: 1.0 / x)(0.0)
    ... except ZeroDivisionError as e:
    ...     files = [f.tb_frame.f_code.co_filename for f in walk(e.__traceback__)]
    >>> sum("myia/api.py" in f for f in files)   # the entry frame only
    1
"""

from __future__ import annotations

import os
import types
from collections.abc import Iterator

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def full() -> bool:
    """Whether the user asked for whole tracebacks (`MYIA_FULL_TRACEBACK=1`)."""
    return os.environ.get("MYIA_FULL_TRACEBACK", "") not in ("", "0")


def walk(tb: types.TracebackType | None) -> Iterator[types.TracebackType]:
    """The entries of a traceback, outermost first."""
    while tb is not None:
        yield tb
        tb = tb.tb_next


def internal(tb: types.TracebackType) -> bool:
    """Whether a traceback entry is a frame of myia's own code."""
    return os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(_PACKAGE)


def shortened(exc: BaseException) -> BaseException:
    """`exc` with the frames of myia's code left out of its traceback and the exceptions
    behind it hidden (as they are, under `MYIA_FULL_TRACEBACK=1`)."""
    if full():
        return exc
    kept = [tb for tb in walk(exc.__traceback__) if not internal(tb)]
    tb = None
    for entry in reversed(kept):
        tb = types.TracebackType(tb, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    exc.__suppress_context__ = True
    return exc.with_traceback(tb)
