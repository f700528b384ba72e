"""Big programs compile (issue 13, item 11): no pass recurses in proportion to the size
of the program, and none is quadratic in it.

Each program is generated into a file (myia reads sources), compiled with Python's default
recursion limit, and checked against plain Python and central finite differences.
"""

from __future__ import annotations

import importlib.util
import sys
import time

import pytest

import myia
from myia.errors import MyiaNestingError
from tests.checks import check_grad


def _load(tmp_path, name: str, text: str):
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(f"big_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def straight_line(n: int) -> str:
    body = "".join(
        f"    v{i + 1} = np.sin(v{i}) * 0.5 + v{i} * 0.5 + {i % 7} * 0.001\n" for i in range(n)
    )
    return f"import numpy as np\n\n\ndef f(x):\n    v0 = x\n{body}    return v{n}\n"


def nested(depth: int) -> str:
    # Python's own parser refuses 200 nested parentheses: this is as deep as a line gets.
    expr = "x"
    for i in range(depth):
        expr = f"np.sin({expr})" if i % 10 == 0 else f"({expr} * 0.9 + {i % 3}.0)"
    return f"import numpy as np\n\n\ndef g(x):\n    return {expr}\n"


@pytest.fixture
def default_recursion_limit():
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    yield
    sys.setrecursionlimit(before)


def _check(fn, x):
    assert myia.jit(fn)(x) == pytest.approx(fn(x), rel=1e-12)
    check_grad(fn, (x,), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("n", [200, pytest.param(600, marks=pytest.mark.slow)])
def test_straight_line_programs_compile_and_differentiate(tmp_path, default_recursion_limit, n):
    _check(_load(tmp_path, "f", straight_line(n)), 0.3)


@pytest.mark.slow
def test_a_straight_line_program_of_2000_statements(tmp_path, default_recursion_limit):
    f = _load(tmp_path, "f", straight_line(2000))
    start = time.perf_counter()
    df = myia.grad(f)
    df(0.3)
    assert time.perf_counter() - start < 60.0  # 210 s before; a few s on an idle machine
    _check(f, 0.3)


@pytest.mark.parametrize("depth", [60, 190])
def test_deeply_nested_expressions(tmp_path, default_recursion_limit, depth):
    _check(_load(tmp_path, "g", nested(depth)), 0.3)


def test_nested_expressions_are_written_in_bounded_depth(tmp_path):
    g = _load(tmp_path, "g", nested(190))
    text = myia.source(g, 0.3)
    code = [line.split("  # line")[0] for line in text.splitlines()]
    assert max(line.count("(") for line in code) <= 40


def test_compile_time_grows_linearly(tmp_path):
    """Four times the statements take well under 16 times as long (the quadratic passes
    there were took 200 s for 2,000 lines)."""
    times = []
    for n in (100, 400):
        f = _load(tmp_path, f"f{n}", straight_line(n).replace("def f(", f"def f{n}("))
        start = time.process_time()  # CPU time: other processes' load does not count
        myia.grad(f)(0.3)
        times.append(time.process_time() - start)
    assert times[1] < 10 * times[0] + 1.0, times  # quadratic: 16x


def elif_chain(n: int, returning_every: int = 0) -> str:
    """A chain of `n + 2` branches; every `returning_every`-th of them returns."""
    arms = "".join(
        f"    elif n == {i + 1}:\n        "
        + ("return x" if returning_every and i % returning_every == 0 else "y = x")
        + f" * {i}.0\n"
        for i in range(n)
    )
    return (
        f"def f(x, n):\n    if n == 0:\n        y = x\n{arms}"
        "    else:\n        y = -x\n    return y * x\n"
    )


def test_an_elif_chain_compiles(tmp_path, default_recursion_limit):
    f = _load(tmp_path, "f", elif_chain(30))
    for n in (0, 7, 31):
        assert myia.jit(f)(0.5, n) == f(0.5, n)
        check_grad(f, (0.5, n))


@pytest.mark.parametrize("transform", [myia.jit, myia.grad], ids=["jit", "grad"])
def test_an_elif_chain_too_long_is_refused_clearly(tmp_path, default_recursion_limit, transform):
    """A long chain is written flat (tests/test_long_chains.py) unless some of its branches
    return and others do not: then its branches nest (each `elif` is inside the `else`
    before it), and past Python's limits it is refused with a MyiaError naming the
    function, not a bare RecursionError."""
    f = _load(tmp_path, "f", elif_chain(150, returning_every=3))
    with pytest.raises(MyiaNestingError, match=r"`f` nests too deeply.*elif") as info:
        transform(f)(0.5, 3)
    assert info.value.loc.filename.endswith("f.py") and info.value.loc.lineno == 1
    assert isinstance(info.value, RecursionError) and isinstance(info.value, myia.MyiaError)
