"""Functions whose source Python did not keep (`python -c`, `exec`, a plain REPL): the
refusal says so and suggests `source=`; with it, they compile, their helpers included,
and errors name their lines."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import myia

TEXT = """
def helper(v):
    return np.sin(v) * v

def loss(w, x):
    return np.sum(helper(w * x))
"""


def _namespace():
    ns = {"np": np}
    exec(TEXT, ns)
    return ns


def test_exec_without_source_is_refused_with_the_way_forward():
    ns = _namespace()
    with pytest.raises(myia.MyiaSyntaxError, match=r"source=TEXT") as e:
        myia.grad(ns["loss"])(np.ones(3), np.ones(3))
    assert "exec'd from a string" in str(e.value)


def test_exec_with_source_matches_finite_differences():
    ns = _namespace()
    w, x = np.array([0.3, -1.2, 2.0]), np.array([1.5, 0.5, -0.7])
    g = myia.grad(ns["loss"], source=TEXT)(w, x)
    eps = 1e-6
    fd = [(ns["loss"](w + eps * e, x) - ns["loss"](w - eps * e, x)) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(g, fd, rtol=1e-6)
    assert myia.jit(ns["loss"], source=TEXT)(w, x) == pytest.approx(ns["loss"](w, x))
    out, t = myia.jvp(ns["helper"], (0.5,), (1.0,), source=TEXT)
    assert t == pytest.approx(np.cos(0.5) * 0.5 + np.sin(0.5))


def test_a_source_that_does_not_define_the_function_is_refused():
    ns = {}
    exec("def other(q):\n    return q\n", ns)
    with pytest.raises(myia.MyiaSyntaxError, match=r"has no definition of `other\(q\)`"):
        myia.jit(ns["other"], source="def other(x, y):\n    return x\n")(1.0)


def test_python_dash_c_with_source():
    program = (
        "import numpy as np, myia\n"
        "src = 'def f(x):\\n    return np.sum(x ** 3) / x.size\\n'\n"
        "exec(src)\n"
        "try:\n"
        "    myia.grad(f)(np.array([1.0, 2.0]))\n"
        "except myia.MyiaSyntaxError as e:\n"
        "    print('refused' if 'source=' in str(e) else 'other')\n"
        "print(myia.grad(f, source=src)(np.array([1.0, 2.0])))\n"
        "def g(x):\n"
        "    return 1.0 / (x - x)\n"
        "try:\n"
        "    myia.jit(g, source=src + 'def g(x):\\n    return 1.0 / (x - x)\\n')(1.0)\n"
        "except ZeroDivisionError as e:\n"
        "    print(e.__notes__[0])\n"
    )
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(myia.__file__)))
    out = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "refused"
    assert lines[1] == "[1.5 6. ]"  # 3 x^2 / 2
    assert lines[2].startswith("myia: raised at <string>:10")
