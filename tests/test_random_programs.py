"""Random programs, generated as source text, compiled by myia and compared with Python.

This file owns the program generator `programs()` (a Hypothesis strategy, reusable by the
gradient tests) and `load_function()`, which writes a program to a real `.py` file and
imports it so that `inspect.getsource` works, and the test that `myia.jit(f)(*args)`
equals `f(*args)` on random programs and random inputs.

A generated program is one module-level function `f_random(x0, ..., n)` of float arguments
and one int argument `n` (the runtime bound of its loops). It uses float arithmetic
(`+ - *` only, and `math.tanh`/`math.sin`/`math.cos`), nested `if`/`elif`/`else` on
comparisons (also chained, `and`/`or`/`not`), conditional expressions, `while` loops and
`for` loops over `range(...)` of `n`, `break`/`continue` under conditions, closures (and
lambdas) defined in the function and called right after, and early returns. Every
assignment bounds its value (through `tanh`, `sin` or a clip with `min`/`max`), so no
overflow, no division and no NaN can occur: the function always returns a Python float.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia

FN_NAME = "f_random"
_MODULE_IDS = itertools.count()


class _Gen:
    """Draws one program. `draw` is Hypothesis' draw function."""

    def __init__(self, draw, n_floats: int, n_locals: int, max_depth: int):
        self.draw = draw
        self.args = [f"x{i}" for i in range(n_floats)]
        self.locals = [f"v{i}" for i in range(n_locals)]
        self.max_depth = max_depth
        self.lines: list[str] = []
        self.names = itertools.count()
        self.budget = 14  # statements left to generate (bounds the program size)

    # expressions ------------------------------------------------------------------------

    def leaf(self, scope) -> str:
        kind = self.draw(st.sampled_from(["var", "var", "var", "const", "loopvar"]))
        if kind == "loopvar" and scope["loopvars"]:
            k = self.draw(st.sampled_from(scope["loopvars"]))
            return self.draw(st.sampled_from([f"float({k})", f"({k} * 0.5)"]))
        if kind == "const":
            return repr(self.draw(st.sampled_from([0.5, 1.0, 2.0, -1.5, 0.25, 3.0, -0.75])))
        return self.draw(st.sampled_from(scope["floats"]))

    def expr(self, scope, depth: int = 0) -> str:
        if depth >= 3 or self.draw(st.integers(0, 9)) < 3 + 2 * depth:
            return self.leaf(scope)
        kind = self.draw(st.sampled_from(["bin", "bin", "bin", "unary", "ifexp", "call"]))
        if kind == "call" and scope["closures"]:
            h = self.draw(st.sampled_from(scope["closures"]))
            return f"{h}({self.expr(scope, depth + 1)})"
        if kind == "unary":
            fn = self.draw(st.sampled_from(["math.tanh", "math.sin", "math.cos", "-"]))
            inner = self.expr(scope, depth + 1)
            return f"(-{inner})" if fn == "-" else f"{fn}({inner})"
        if kind == "ifexp":
            return (
                f"({self.expr(scope, depth + 1)} if {self.cond(scope, depth + 1)} "
                f"else {self.expr(scope, depth + 1)})"
            )
        op = self.draw(st.sampled_from(["+", "-", "*"]))
        return f"({self.expr(scope, depth + 1)} {op} {self.expr(scope, depth + 1)})"

    def bounded(self, scope) -> str:
        e = self.expr(scope)
        wrap = self.draw(st.sampled_from(["tanh", "sin", "clip", "scaled"]))
        if wrap == "tanh":
            return f"math.tanh({e})"
        if wrap == "sin":
            return f"math.sin({e})"
        if wrap == "clip":
            return f"min(max({e}, -4.0), 4.0)"
        return f"2.0 * math.tanh({e} * 0.5)"

    def cond(self, scope, depth: int = 0) -> str:
        kind = self.draw(st.sampled_from(["cmp", "cmp", "cmp", "chain", "and", "or", "not"]))
        if depth < 2 and kind in ("and", "or"):
            return f"({self.cond(scope, depth + 1)} {kind} {self.cond(scope, depth + 1)})"
        if depth < 2 and kind == "not":
            return f"(not {self.cond(scope, depth + 1)})"
        if kind == "chain":
            return f"({self.leaf(scope)} < {self.leaf(scope)} <= {self.leaf(scope)})"
        op = self.draw(st.sampled_from(["<", ">", "<=", ">="]))
        return f"({self.expr(scope, 1)} {op} {self.leaf(scope)})"

    # statements -------------------------------------------------------------------------

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def block(self, scope, indent: int, depth: int) -> None:
        """At least one statement at `indent`."""
        count = self.draw(st.integers(1, 3))
        for _ in range(count):
            self.stmt(scope, indent, depth)
            if self.budget <= 0:
                break

    def stmt(self, scope, indent: int, depth: int) -> None:
        self.budget -= 1
        kinds = ["assign", "assign", "aug"]
        if depth < self.max_depth and self.budget > 0:
            kinds += ["if", "if", "for", "while", "closure"]
        if depth > 0:
            kinds += ["return"]
        if scope["loopvars"]:
            kinds += ["break", "continue"]
        kind = self.draw(st.sampled_from(kinds))
        var = self.draw(st.sampled_from(self.locals))
        if kind == "assign":
            self.emit(indent, f"{var} = {self.bounded(scope)}")
        elif kind == "aug":
            op = self.draw(st.sampled_from(["+=", "-=", "*="]))
            if op == "*=":  # a factor below 1 in magnitude: no growth in loops
                self.emit(indent, f"{var} *= math.tanh({self.expr(scope)})")
            else:
                self.emit(indent, f"{var} {op} {self.bounded(scope)}")
        elif kind == "return":
            self.emit(indent, f"if {self.cond(scope)}:")
            self.emit(indent + 1, f"return {self.expr(scope)}")
        elif kind in ("break", "continue"):
            self.emit(indent, f"if {self.cond(scope)}:")
            self.emit(indent + 1, kind)
        elif kind == "if":
            self.emit(indent, f"if {self.cond(scope)}:")
            self.block(scope, indent + 1, depth + 1)
            for _ in range(self.draw(st.integers(0, 1))):
                self.emit(indent, f"elif {self.cond(scope)}:")
                self.block(scope, indent + 1, depth + 1)
            if self.draw(st.booleans()):
                self.emit(indent, "else:")
                self.block(scope, indent + 1, depth + 1)
        elif kind == "for":
            k = f"k{next(self.names)}"
            bounds = self.draw(
                st.sampled_from(["n", "1, n", "n, 0, -1", "0, n + 1, 2", "2", "n - 1"])
            )
            self.emit(indent, f"for {k} in range({bounds}):")
            inner = dict(scope, loopvars=scope["loopvars"] + [k])
            self.block(inner, indent + 1, depth + 1)
        elif kind == "while":
            j = f"j{next(self.names)}"
            self.emit(indent, f"{j} = 0")
            self.emit(indent, f"while {j} < n:")
            # The counter moves first, so `continue` cannot loop forever.
            self.emit(indent + 1, f"{j} += 1")
            inner = dict(scope, loopvars=scope["loopvars"] + [j])
            self.block(inner, indent + 1, depth + 1)
        else:
            self.closure(scope, indent, var)

    def closure(self, scope, indent: int, var: str) -> None:
        """Define a closure over the current variables and call it at once.

        The call is the very next statement: the captured variables cannot change between
        the definition and the call (myia binds them when the closure is defined).
        """
        h = f"h{next(self.names)}"
        a = f"a{next(self.names)}"
        inner = dict(scope, floats=scope["floats"] + [a], closures=scope["closures"])
        if self.draw(st.booleans()):
            self.emit(indent, f"{h} = lambda {a}: {self.bounded(inner)}")
        else:
            self.emit(indent, f"def {h}({a}):")
            if self.draw(st.booleans()):
                self.emit(indent + 1, f"if {self.cond(inner)}:")
                self.emit(indent + 2, f"return {self.bounded(inner)}")
            t = f"t{next(self.names)}"
            self.emit(indent + 1, f"{t} = {self.bounded(inner)}")
            inner_t = dict(inner, floats=inner["floats"] + [t])
            self.emit(indent + 1, f"return {self.bounded(inner_t)}")
        call_scope = dict(scope, closures=[h])
        self.emit(indent, f"{var} = {h}({self.bounded(scope)}) + {self.bounded(call_scope)}")

    def program(self) -> str:
        self.emit(0, f"def {FN_NAME}({', '.join(self.args + ['n'])}):")
        for i, v in enumerate(self.locals):
            self.emit(1, f"{v} = {self.args[i % len(self.args)]} * {0.5 + i * 0.25!r}")
        scope = {"floats": self.args + self.locals, "loopvars": [], "closures": []}
        self.block(scope, 1, 0)
        while self.budget > 0 and self.draw(st.booleans()):
            self.stmt(scope, 1, 0)
        self.emit(1, f"return {self.expr(scope)}")
        return "\n".join(self.lines) + "\n"


@st.composite
def programs(draw, max_depth: int = 3, max_n: int = 4):
    """A random program: `(source, fn_name, arg_strategy)`.

    `source` is the text of a module (it imports `math`) defining `fn_name`;
    `arg_strategy` draws a tuple of arguments: floats in [-3, 3], then the int `n` in
    [0, max_n]. The function returns a Python float for every such input.
    """
    n_floats = draw(st.integers(1, 3))
    n_locals = draw(st.integers(1, 3))
    gen = _Gen(draw, n_floats, n_locals, max_depth)
    body = gen.program()
    source = "import math\n\n\n" + body
    floats = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)
    arg_strategy = st.tuples(*([floats] * n_floats), st.integers(0, max_n))
    return source, FN_NAME, arg_strategy


def load_function(source: str, fn_name: str, directory) -> object:
    """Write `source` to a new `.py` file under `directory`, import it, return `fn_name`."""
    name = f"myia_random_prog_{next(_MODULE_IDS)}"
    path = Path(directory) / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return getattr(module, fn_name)


@pytest.fixture(scope="module")
def program_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("random_programs")


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_random_program_matches_python(program_dir, data):
    source, fn_name, arg_strategy = data.draw(programs(), label="program")
    fn = load_function(source, fn_name, program_dir)
    for _ in range(3):
        args = data.draw(arg_strategy, label="args")
        expected = fn(*args)
        got = myia.jit(fn)(*args)
        assert type(got) is type(expected), f"{type(got)} != {type(expected)}\n{source}"
        assert got == expected or math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-12), (
            f"myia: {got!r}, Python: {expected!r} on {args}\n{source}"
        )


def test_generated_programs_are_valid_python():
    """The generator itself: programs compile and return floats (no myia involved)."""

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def check(data):
        source, fn_name, arg_strategy = data.draw(programs())
        namespace: dict = {}
        exec(compile(source, "<random program>", "exec"), namespace)
        out = namespace[fn_name](*data.draw(arg_strategy))
        assert isinstance(out, float) and math.isfinite(out), source

    check()
