"""The text of `myia.source` runs by itself: every name it uses is defined or imported in
it (constants at the top, myia's runtime helpers imported by name), and executing the text
alone, in a fresh namespace or a fresh interpreter, gives the compiled function's result.
Text that reaches the module from the user's files (paths, source lines) stays in
comments and string literals."""

from __future__ import annotations

import ast
import builtins
import copy
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import myia
from myia.api import _compiled_of
from myia.backend.compiled import compile_graph
from tests.ad.fd import float_argnums
from tests.corpus import CASES
from tests.opt.oracle import assert_outcomes, python_outcome
from tests.test_corpus import REFUSED


def _module(fn, args):
    return compile_graph(_compiled_of(fn).program(tuple(args))).module


def undefined_names(text: str) -> set[str]:
    tree = ast.parse(text)
    defined = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.FunctionDef):
            defined.add(node.name)
            a = node.args
            defined.update(x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
    return {
        n.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in defined
    }


def unused_imports(text: str) -> set[str]:
    """The names the imports of `text` bind that it never reads."""
    tree = ast.parse(text)
    bound = {
        (a.asname or a.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for a in node.names
    }
    return bound - {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _programs():
    out = []
    for case in CASES:
        fn, args = case[0], case[1]
        if fn.__name__ in REFUSED:
            continue
        out.append(pytest.param(myia.jit(fn), args, id=f"jit-{fn.__name__}"))
        nums = float_argnums(args)
        if nums:
            out.append(pytest.param(myia.grad(fn, argnums=nums[0]), args, id=f"grad-{fn.__name__}"))
    return out


@pytest.mark.parametrize("fn, args", _programs())
def test_the_text_alone_computes_the_result(fn, args):
    try:
        module = _module(fn, args)
    except myia.MyiaError:
        pytest.skip("refused when compiling (tested in the corpus suites)")
    # The arrays the program reads (globals, cells, defaults) are the user's, read at each
    # call: the module names them in a comment and binds them when it is loaded.
    bound = {
        line.split(":")[0][2:]
        for line in module.text.splitlines()
        if line.startswith("# ") and line.endswith("bound when the module is loaded")
    }
    assert undefined_names(module.text) <= bound, module.text
    assert not unused_imports(module.text), module.text
    if bound:
        return
    namespace: dict = {}
    exec(compile(module.text, "<myia-source>", "exec"), namespace)
    entry = namespace[module.entry]
    expected = python_outcome(fn, args)
    got = python_outcome(entry, copy.deepcopy(args))
    if expected[0] == "raise" or got[0] == "raise":
        # fast code that raises a float error is run again as exact code by myia
        return
    assert_outcomes(got, expected, rtol=1e-12, atol=1e-300)


BIG = np.linspace(0.0, 1.0, 200)


def with_constants(x):
    steps = np.arange(5.0) * 0.5
    return np.sum(np.sin(x * steps)) * x


def test_a_fresh_interpreter_runs_the_gradient_text(tmp_path):
    x = 0.7
    text = myia.source(myia.grad(with_constants), x)
    path = tmp_path / "generated.py"
    path.write_text(text + f"\nprint(repr(float(grad_with_constants({x!r}))))\n")
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert float(proc.stdout) == pytest.approx(myia.grad(with_constants)(x), rel=1e-15)


def float_only(x):
    return x * x + 1.0


def with_math(x):
    return math.sin(x) * x


def test_the_module_imports_what_it_uses():
    assert myia.source(myia.grad(float_only), 0.7).startswith("def grad_float_only(x):")
    text = myia.source(myia.grad(with_math), 0.7)
    assert text.startswith("import math\n\n\ndef grad_with_math(x):"), text
    text = myia.source(myia.grad(with_constants), 0.7)
    imports = [line for line in text.splitlines() if line.startswith(("import", "from"))]
    assert imports == ["import numpy as np"], text


def scaled_big(x):
    return BIG * x


def test_constants_are_named_and_written_out():
    text = myia.source(myia.grad(with_constants), 0.7)
    assert "float64_array_5 = np.array([0.0, 0.5, 1.0, 1.5, 2.0], dtype=np.float64)" in text, text
    # A global array is the program's: read at each call, named in a comment, not copied.
    text = myia.source(myia.jit(scaled_big), 0.7)
    assert "# program_float64_array_200: the float64 array of shape (200,)" in text, text
    assert "program_float64_array_200.array * x" in text, text


def maybe_unbound(x, c):
    if c:
        y = x * 2.0
    return y


def test_an_unbound_variable_is_a_readable_constant():
    text = myia.source(myia.jit(maybe_unbound), 1.0, False)
    assert "Unbound('y'" in textwrap.dedent(text), text
    with pytest.raises(UnboundLocalError):
        myia.jit(maybe_unbound)(1.0, False)
