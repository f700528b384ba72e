"""The generator of random programs that the differential tests compile and compare.

This module owns `_Gen`, which writes one random program as source text, the two ways it
draws its choices (`HypothesisChoices`, so that Hypothesis can shrink a failing program,
and `SeededChoices`, so that program number k of a large suite is the same on every run),
`programs()` (the Hypothesis strategy), `seeded_program()` (one program and its
arguments from a seed) and `load_function()`, which writes a program to a real `.py` file
and imports it so that `inspect.getsource` works.

A generated program is one module-level function `f_random(x0, ..., n)` of float arguments
and one int argument `n` (the runtime bound of its loops). It uses float arithmetic
(`+ - *` only, and `math.tanh`/`math.sin`/`math.cos`), nested `if`/`elif`/`else` on
comparisons (also chained, `and`/`or`/`not`), conditional expressions, `while` loops and
`for` loops over `range(...)` of `n`, `break`/`continue` under conditions, closures (and
lambdas) defined in the function and called right after, and early returns. Every
assignment bounds its value (through `tanh`, `sin` or a clip with `min`/`max`), so no
overflow and no NaN can occur: the function always returns a float.

With `extended=True` programs also use NumPy functions on floats (`np.sin`, `np.tanh`,
`np.arctan`, `** 2`, a division by `1 + e * e`), a float array argument `w` (of shape
(3,), read through `np.sum`, `np.dot` and `np.mean`), module-level helper functions with
early returns, closures over the arguments defined once and called in loops and branches,
tuples (built, indexed, unpacked, swapped), a list grown by `append` (in loops too, so its
length is known only at run time) and read by index, `sum` and iteration, and a dict
updated by key.

With `rich=True` (which implies `extended`; a program stream of its own: seed k gives
another program than with `extended` alone) programs also take a pytree argument `pt`, a
`Pair` namedtuple or a dict of a float `s` and an array `u` of shape (3,), read by field
or key; keep a local array `u`, a copy of `w`, updated functionally (`u[i] = ...`, also
at an index computed from a loop variable, and `u = np.where(...)`) and read through
`np.sum` and by index; assign into the list (`xs[0] = ...`, `xs[-1] = ...`, in programs
that do not iterate over it); and, in
about one program in 30, a closure whose captured variable is assigned again before the
call, which myia refuses (`LATE_CAPTURE` marks those programs).
"""

from __future__ import annotations

import collections
import importlib.util
import itertools
import random
import sys
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

FN_NAME = "f_random"
ARRAY_ARG = "w"
_MODULE_IDS = itertools.count()
TREE_ARG = "pt"
LATE_CAPTURE = "# late capture: myia refuses this program"
_CONSTANTS = [0.5, 1.0, 2.0, -1.5, 0.25, 3.0, -0.75]

Pair = collections.namedtuple("Pair", ["s", "u"])  # the pytree argument of rich programs


class HypothesisChoices:
    """Choices drawn by Hypothesis' `draw` (so that failing programs shrink)."""

    def __init__(self, draw):
        self.draw = draw

    def pick(self, options):
        return self.draw(st.sampled_from(options))

    def integer(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))

    def flip(self) -> bool:
        return self.draw(st.booleans())


class SeededChoices:
    """Choices drawn from `random.Random(seed)`: the same program for the same seed."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def pick(self, options):
        return self.rng.choice(list(options))

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def flip(self) -> bool:
        return self.rng.random() < 0.5


class _Gen:
    """Draws one program through `choices` (a `HypothesisChoices` or `SeededChoices`)."""

    def __init__(
        self,
        choices,
        n_floats: int,
        n_locals: int,
        max_depth: int,
        extended: bool,
        rich: bool = False,
    ):
        self.c = choices
        self.args = [f"x{i}" for i in range(n_floats)]
        self.locals = [f"v{i}" for i in range(n_locals)]
        self.max_depth = max_depth
        self.extended = extended or rich
        self.rich = rich
        # The pytree argument: a `Pair` (read by field) or a dict (read by key).
        self.tree_is_dict = rich and self.c.flip()
        # A rich program iterates over `xs` or stores into it, not both: myia's aliasing
        # rule is syntactic and refuses `xs[0] = v` where `for e in xs` shares `xs` (its
        # elements are numbers here, but the rule does not know it; docs/api.md).
        self.list_stores = rich and self.c.flip()
        self.lines: list[str] = []
        self.helpers: list[str] = []  # source lines of module-level helper functions
        self.helper_names: list[str] = []
        self.names = itertools.count()
        self.budget = 14  # statements left to generate (bounds the program size)

    # expressions ------------------------------------------------------------------------

    def leaf(self, scope) -> str:
        kinds = ["var", "var", "var", "const", "loopvar"]
        if self.extended:
            kinds += ["item", "array", "container"]
        if self.rich:
            kinds += ["tree", "local_array"]
        kind = self.c.pick(kinds)
        if kind == "tree" and scope["array"]:
            return self.tree_leaf(scope)
        if kind == "local_array" and scope["containers"]:
            e = self.c.pick(scope["floats"])
            return self.c.pick([f"np.sum(np.sin(u * {e}))", f"u[{self.c.pick(['0', '1', '-1'])}]"])
        if kind == "loopvar" and scope["loopvars"]:
            k = self.c.pick(scope["loopvars"])
            return self.c.pick([f"float({k})", f"({k} * 0.5)"])
        if kind == "const":
            return repr(self.c.pick(_CONSTANTS))
        if kind == "item" and scope["tuples"]:
            return f"{self.c.pick(scope['tuples'])}[{self.c.integer(0, 1)}]"
        if kind == "array" and scope["array"]:
            e = self.c.pick(scope["floats"])
            return self.c.pick(
                [
                    f"np.sum(np.sin({ARRAY_ARG} * {e}))",
                    f"np.dot({ARRAY_ARG}, np.tanh({ARRAY_ARG} + {e}))",
                    f"(np.mean({ARRAY_ARG} * {ARRAY_ARG}) * {e})",
                ]
            )
        if kind == "container" and scope["containers"]:
            return self.c.pick(["xs[-1]", "xs[0]", "(sum(xs) * 0.125)", 'd["a"]', 'd["b"]'])
        return self.c.pick(scope["floats"])

    def field(self, name: str) -> str:
        """Field `name` of the pytree argument."""
        return f'{TREE_ARG}["{name}"]' if self.tree_is_dict else f"{TREE_ARG}.{name}"

    def tree_leaf(self, scope) -> str:
        e = self.c.pick(scope["floats"])
        return self.c.pick(
            [
                self.field("s"),
                f"({self.field('s')} * {e})",
                f"np.sum(np.tanh({self.field('u')} * {e}))",
                f"np.dot({self.field('u')}, np.sin({ARRAY_ARG} + {e}))",
            ]
        )

    def expr(self, scope, depth: int = 0) -> str:
        if depth >= 3 or self.c.integer(0, 9) < 3 + 2 * depth:
            return self.leaf(scope)
        kinds = ["bin", "bin", "bin", "unary", "ifexp", "call"]
        if self.extended:
            kinds += ["np", "square", "ratio", "helper"]
        kind = self.c.pick(kinds)
        if kind == "call" and scope["closures"]:
            h = self.c.pick(scope["closures"])
            return f"{h}({self.expr(scope, depth + 1)})"
        if kind == "helper" and self.helper_names:
            helper = self.c.pick(self.helper_names)
            return f"{helper}({self.expr(scope, depth + 1)}, {self.leaf(scope)})"
        if kind == "np":
            fn = self.c.pick(["np.sin", "np.cos", "np.tanh", "np.arctan"])
            return f"{fn}({self.expr(scope, depth + 1)})"
        if kind == "square":
            return f"({self.expr(scope, depth + 1)} ** 2)"
        if kind == "ratio":
            e = self.expr(scope, depth + 1)
            return f"({self.expr(scope, depth + 1)} / (1.0 + {e} * {e}))"
        if kind == "unary":
            fn = self.c.pick(["math.tanh", "math.sin", "math.cos", "-"])
            inner = self.expr(scope, depth + 1)
            return f"(-{inner})" if fn == "-" else f"{fn}({inner})"
        if kind == "ifexp":
            return (
                f"({self.expr(scope, depth + 1)} if {self.cond(scope, depth + 1)} "
                f"else {self.expr(scope, depth + 1)})"
            )
        op = self.c.pick(["+", "-", "*"])
        return f"({self.expr(scope, depth + 1)} {op} {self.expr(scope, depth + 1)})"

    def bounded(self, scope) -> str:
        e = self.expr(scope)
        wrap = self.c.pick(["tanh", "sin", "clip", "scaled"])
        if wrap == "tanh":
            return f"math.tanh({e})"
        if wrap == "sin":
            return f"math.sin({e})"
        if wrap == "clip":
            return f"min(max({e}, -4.0), 4.0)"
        return f"2.0 * math.tanh({e} * 0.5)"

    def cond(self, scope, depth: int = 0) -> str:
        kind = self.c.pick(["cmp", "cmp", "cmp", "chain", "and", "or", "not"])
        if depth < 2 and kind in ("and", "or"):
            return f"({self.cond(scope, depth + 1)} {kind} {self.cond(scope, depth + 1)})"
        if depth < 2 and kind == "not":
            return f"(not {self.cond(scope, depth + 1)})"
        if kind == "chain":
            return f"({self.leaf(scope)} < {self.leaf(scope)} <= {self.leaf(scope)})"
        op = self.c.pick(["<", ">", "<=", ">="])
        return f"({self.expr(scope, 1)} {op} {self.leaf(scope)})"

    # statements -------------------------------------------------------------------------

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def block(self, scope, indent: int, depth: int) -> None:
        """At least one statement at `indent`; the names it defines stay in the block."""
        scope = dict(scope)
        for _ in range(self.c.integer(1, 3)):
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
        if self.extended:
            kinds += ["tuple", "swap"]
            if scope["containers"]:
                kinds += ["append", "store"]
                if depth < self.max_depth and self.budget > 0 and not self.list_stores:
                    kinds += ["iterate"]
                if self.rich:
                    kinds += ["array_store", "where"] + (["list_store"] if self.list_stores else [])
        kind = self.c.pick(kinds)
        var = self.c.pick(self.locals)
        if kind == "assign":
            self.emit(indent, f"{var} = {self.bounded(scope)}")
        elif kind == "aug":
            op = self.c.pick(["+=", "-=", "*="])
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
            for _ in range(self.c.integer(0, 1)):
                self.emit(indent, f"elif {self.cond(scope)}:")
                self.block(scope, indent + 1, depth + 1)
            if self.c.flip():
                self.emit(indent, "else:")
                self.block(scope, indent + 1, depth + 1)
        elif kind == "for":
            k = f"k{next(self.names)}"
            bounds = self.c.pick(["n", "1, n", "n, 0, -1", "0, n + 1, 2", "2", "n - 1"])
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
        elif kind == "tuple":
            t = f"t{next(self.names)}"
            self.emit(indent, f"{t} = ({self.bounded(scope)}, {self.bounded(scope)})")
            scope["tuples"] = scope["tuples"] + [t]
            if self.c.flip():
                a, b = self.c.pick(self.locals), self.c.pick(self.locals)
                if a != b:
                    self.emit(indent, f"{a}, {b} = {t}")
        elif kind == "swap":
            a, b = self.c.pick(self.locals), self.c.pick(self.locals)
            self.emit(indent, f"{a}, {b} = {b}, {self.bounded(scope)}")
        elif kind == "append":
            self.emit(indent, f"xs.append({self.bounded(scope)})")
        elif kind == "store":
            self.emit(indent, f'd["{self.c.pick("ab")}"] = {self.bounded(scope)}')
        elif kind == "array_store":
            indices = ["0", "1", "2", "-1"] + [f"{k} % 3" for k in scope["loopvars"]]
            self.emit(indent, f"u[{self.c.pick(indices)}] = {self.bounded(scope)}")
        elif kind == "where":
            a, b = self.leaf(scope), self.leaf(scope)
            self.emit(indent, f"u = np.where(u > {a}, np.tanh(u * {b}), np.sin(u))")
        elif kind == "list_store":
            self.emit(indent, f"xs[{self.c.pick(['0', '-1'])}] = {self.bounded(scope)}")
        elif kind == "iterate":
            item = f"e{next(self.names)}"
            self.emit(indent, f"for {item} in xs:")
            inner = dict(scope, floats=scope["floats"] + [item], containers=False)
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
        # The body reads no container: a later update of one it read would be refused.
        inner = dict(scope, floats=scope["floats"] + [a], containers=False)
        if self.c.flip():
            self.emit(indent, f"{h} = lambda {a}: {self.bounded(inner)}")
        else:
            self.emit(indent, f"def {h}({a}):")
            if self.c.flip():
                self.emit(indent + 1, f"if {self.cond(inner)}:")
                self.emit(indent + 2, f"return {self.bounded(inner)}")
            t = f"t{next(self.names)}"
            self.emit(indent + 1, f"{t} = {self.bounded(inner)}")
            inner_t = dict(inner, floats=inner["floats"] + [t])
            self.emit(indent + 1, f"return {self.bounded(inner_t)}")
        call_scope = dict(scope, closures=scope["closures"] + [h])
        self.emit(indent, f"{var} = {h}({self.bounded(scope)}) + {self.bounded(call_scope)}")

    def late_capture(self, scope) -> None:
        """A closure whose captured variable is assigned again before the call (Python reads
        the new value; myia refuses the program, see docs/api.md)."""
        h, a = f"h{next(self.names)}", f"a{next(self.names)}"
        var = self.c.pick(self.locals)
        self.emit(1, LATE_CAPTURE)
        self.emit(1, f"{h} = lambda {a}: math.tanh({a} * {var})")
        self.emit(1, f"{var} = {self.bounded(scope)}")
        self.emit(1, f"{self.c.pick(self.locals)} = {h}({self.args[0]}) * 0.5")

    def helper(self) -> None:
        """A module-level function of two floats with an early return."""
        name = f"helper{len(self.helper_names)}"
        scope = _scope(["p", "q"])
        lines = [f"def {name}(p, q):", f"    if {self.cond(scope)}:"]
        lines.append(f"        return {self.bounded(scope)}")
        lines.append(f"    r = {self.bounded(scope)}")
        lines.append(f"    return {self.bounded(_scope(['p', 'q', 'r']))}")
        self.helpers += lines + ["", ""]
        self.helper_names.append(name)

    def program(self) -> str:
        if self.extended:
            for _ in range(self.c.integer(0, 2)):
                self.helper()
        params = self.args + ([ARRAY_ARG] if self.extended else [])
        params += ([TREE_ARG] if self.rich else []) + ["n"]
        self.emit(0, f"def {FN_NAME}({', '.join(params)}):")
        for i, v in enumerate(self.locals):
            self.emit(1, f"{v} = {self.args[i % len(self.args)]} * {0.5 + i * 0.25!r}")
        extended = self.extended
        scope = _scope(self.args + self.locals, array=extended, containers=extended)
        if self.extended:
            self.emit(1, f"xs = [{self.args[0]} * 0.5]")
            self.emit(1, f'd = {{"a": {self.args[-1]}, "b": 0.5}}')
            for _ in range(self.c.integer(0, 2)):
                # A closure over the arguments only (never reassigned), called anywhere.
                g = f"g{next(self.names)}"
                a = f"a{next(self.names)}"
                inner = _scope(self.args + [a], array=True)
                self.emit(1, f"def {g}({a}):")
                self.emit(2, f"if {self.cond(inner)}:")
                self.emit(3, f"return {self.bounded(inner)}")
                self.emit(2, f"return {self.bounded(inner)}")
                scope["closures"] = scope["closures"] + [g]
        if self.rich:
            self.emit(1, f"u = {ARRAY_ARG}.copy()")
            if self.c.integer(0, 29) == 0:
                self.late_capture(scope)
        self.block(scope, 1, 0)
        while self.budget > 0 and self.c.flip():
            self.stmt(scope, 1, 0)
        self.emit(1, f"return {self.expr(scope)}")
        return "\n".join(self.helpers + self.lines) + "\n"


def _scope(floats: list[str], array: bool = False, containers: bool = False) -> dict:
    """The names an expression may read: floats, loop variables, closures, tuples, and
    whether the array argument and the list `xs` and dict `d` are in scope."""
    return {
        "floats": list(floats),
        "loopvars": [],
        "closures": [],
        "tuples": [],
        "array": array,
        "containers": containers,
    }


_HEADER = "import math\n\nimport numpy as np\n\n\n"


@st.composite
def programs(draw, max_depth: int = 3, max_n: int = 4):
    """A random program: `(source, fn_name, arg_strategy)`.

    `source` is the text of a module (it imports `math`) defining `fn_name`;
    `arg_strategy` draws a tuple of arguments: floats in [-3, 3], then the int `n` in
    [0, max_n]. The function returns a Python float for every such input.
    """
    choices = HypothesisChoices(draw)
    gen = _Gen(choices, choices.integer(1, 3), choices.integer(1, 3), max_depth, False)
    source = _HEADER + gen.program()
    floats = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)
    arg_strategy = st.tuples(*([floats] * len(gen.args)), st.integers(0, max_n))
    return source, FN_NAME, arg_strategy


def seeded_program(seed: int, max_depth: int = 3, max_n: int = 4, rich: bool = False):
    """Program number `seed` of the extended generator (of the rich one if `rich`):
    `(source, fn_name, args)`.

    `args` are floats in [-3, 3], a float64 array `w` of shape (3,) in [-1, 1], with
    `rich` the pytree `pt` (a `Pair` or a dict of a float in [-3, 3] and an array like
    `w`), then `n` in [0, max_n]. The same seed gives the same program and arguments on
    every run.

    Example:
        >>> source, name, args = seeded_program(7)
        >>> source == seeded_program(7)[0] and name == "f_random"
        True
    """
    choices = SeededChoices(seed)
    gen = _Gen(choices, choices.integer(1, 3), choices.integer(1, 3), max_depth, True, rich)
    source = _HEADER + gen.program()
    rng = choices.rng
    floats = tuple(round(rng.uniform(-3.0, 3.0), 6) for _ in gen.args)
    array = np.array([round(rng.uniform(-1.0, 1.0), 6) for _ in range(3)])
    if not rich:
        return source, FN_NAME, (*floats, array, rng.randint(0, max_n))
    s = round(rng.uniform(-3.0, 3.0), 6)
    u = np.array([round(rng.uniform(-1.0, 1.0), 6) for _ in range(3)])
    tree = {"s": s, "u": u} if gen.tree_is_dict else Pair(s, u)
    return source, FN_NAME, (*floats, array, tree, rng.randint(0, max_n))


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
