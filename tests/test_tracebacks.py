"""Short tracebacks: an error raised while compiled code runs (or a refusal while
compiling) shows the user's frames and the generated line, with at most one frame of
myia (the entry point); `MYIA_FULL_TRACEBACK=1` shows everything."""

from __future__ import annotations

import os
import traceback

import numpy as np
import pytest

import myia

MYIA_DIR = os.path.dirname(os.path.abspath(myia.__file__)) + os.sep


def singular(a):
    return np.sum(np.linalg.inv(a) @ a)


def divide(x, y):
    return x / y


def pick(x, i):
    return x[i] * 2.0


def bad_shapes(a, b):
    return np.sum(a @ b)


CASES = [
    (myia.grad(singular), (np.zeros((2, 2)),), np.linalg.LinAlgError, "singular"),
    (myia.jit(divide), (1.0, 0.0), ZeroDivisionError, "divide"),
    (myia.jit(pick), (np.ones(3), 5), IndexError, "pick"),
    (myia.jit(bad_shapes), (np.ones((2, 3)), np.ones((2, 3))), myia.MyiaShapeError, "bad_shapes"),
]


def _raise(fn, args, exc):
    with pytest.raises(exc) as info:
        fn(*args)
    return info.value


@pytest.mark.parametrize("fn, args, exc, name", CASES, ids=[c[3] for c in CASES])
def test_traceback_shows_the_users_frames_not_myias(fn, args, exc, name):
    e = _raise(fn, args, exc)
    frames = traceback.extract_tb(e.__traceback__)
    ours = [f for f in frames if os.path.abspath(f.filename).startswith(MYIA_DIR)]
    assert len(ours) <= 1, [f"{f.filename}:{f.lineno}" for f in ours]
    assert frames[0].filename == __file__  # the user's call
    text = "".join(traceback.format_exception(e))
    assert __file__ in text  # the note (or the refusal) names the user's line
    if not isinstance(e, myia.MyiaError):
        assert any(f.filename.startswith("<myia-generated") for f in frames)
        assert f"myia: raised at {__file__}" in e.__notes__[0]


def test_full_traceback_on_request(monkeypatch):
    monkeypatch.setenv("MYIA_FULL_TRACEBACK", "1")
    myia.clear_caches()
    e = _raise(myia.jit(pick), (np.ones(3), 7), IndexError)
    frames = traceback.extract_tb(e.__traceback__)
    assert sum(os.path.abspath(f.filename).startswith(MYIA_DIR) for f in frames) >= 2


def test_an_internal_error_of_myia_keeps_its_traceback(monkeypatch):
    from myia import api

    def broken(self, args):
        raise RuntimeError("internal")

    monkeypatch.setattr(api.JitFunction, "program", broken)
    myia.clear_caches()
    e = _raise(myia.jit(lambda x: x + 1.0), (1.0,), RuntimeError)
    frames = traceback.extract_tb(e.__traceback__)
    assert frames[-1].name == "broken"


def test_refusals_of_ir_and_source_are_short():
    def outside(x):
        with open(x) as fh:
            return fh.read()

    for show in (lambda: myia.source(outside, "f"), lambda: myia.ir(outside)):
        with pytest.raises(myia.MyiaSyntaxError) as info:
            show()
        frames = traceback.extract_tb(info.value.__traceback__)
        assert sum(os.path.abspath(f.filename).startswith(MYIA_DIR) for f in frames) <= 1
