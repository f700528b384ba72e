"""What a parsed function read besides its arguments, and the check that it is unchanged.

The parser reads a function's globals, closure cells, defaults and the attributes of the
user modules it names once, when it parses, and bakes what it reads into the graph (a
helper function's graph, a number). `Dependencies` records each read: where it was read (a
path of steps from the function: `("g", name)` a global, `("b", name)` a built-in, so a
name absent from the globals, `("c", i)` the i-th closure cell, `("a", name)` an
attribute of a module), the object it gave, and the dependencies of the parsed functions
the graph calls. `guard(deps)` makes one function that checks that every read of `deps`
and of the functions it calls, transitively, gives the same object now: the parse caches
and compiled code are used only while it returns True (API "Caches").

Values are compared by identity (an equal float rebound recompiles once). Arrays are not
baked into code (the parser reads them at each call, `live_array`), so only rebinding
them counts; lists and dicts, whose items the parser bakes, are compared item by item.
Functions are held weakly, so that a cache never keeps a closure alive. The modules of
installed libraries (`np`) and their attributes (`np.sin`) are taken as fixed and not
recorded; so most functions of NumPy code have nothing to check but their helpers.

The check is generated Python (one expression of `is` tests, a few tens of nanoseconds
each), built only from names it makes itself and from `repr` of the keys it reads.

Example:
    >>> deps = Dependencies(f)                 # doctest: +SKIP
    >>> deps.record((("g", "SCALE"),), 2.0)    # doctest: +SKIP
    >>> guard(deps)()                          # doctest: +SKIP
    True
"""

from __future__ import annotations

import types
import weakref
from collections.abc import Callable
from typing import Any


class Dependencies:
    """The reads of one parsed function (see the module)."""

    def __init__(self, fn: types.FunctionType):
        self.fn = weakref.ref(fn)
        self.globals = fn.__globals__
        self.defaults = fn.__defaults__
        self.reads: dict[tuple, Any] = {}
        self.callees: list[Dependencies] = []
        self._check: Callable[[], bool] | None = None

    def record(self, path: tuple, value: Any) -> None:
        """Note that following `path` from the function gave `value`."""
        self.reads.setdefault(path, _held(value))

    def calls(self, other: Dependencies) -> None:
        """Note that the graph calls (or holds) the graph of another parsed function."""
        if other is not self and all(o is not other for o in self.callees):
            self.callees.append(other)

    def check(self) -> Callable[[], bool] | None:
        """The check of this function's reads and of those it calls (`guard`), made once."""
        if self._check is None:
            self._check = guard(self) or _unchanged
        return None if self._check is _unchanged else self._check

    def valid(self) -> bool:
        """Whether every read of this function and of those it calls is unchanged."""
        check = self.check()
        return check is None or check()


def _unchanged() -> bool:
    return True


class _Weak:
    """An expected value held weakly (a function, a compiled function)."""

    __slots__ = ("ref",)

    def __init__(self, value):
        self.ref = weakref.ref(value)


def _held(value):
    if isinstance(value, types.FunctionType) or hasattr(value, "__myia_node__"):
        try:
            return _Weak(value)
        except TypeError:
            return value
    return value


def closure(deps: Dependencies) -> list[Dependencies]:
    """`deps` and the dependencies of every function it calls, transitively, each once."""
    seen: dict[int, Dependencies] = {}
    stack = [deps]
    while stack:
        d = stack.pop()
        if id(d) not in seen:
            seen[id(d)] = d
            stack.extend(reversed(d.callees))
    return list(seen.values())


class _Names:
    """The values a generated check reads, each under a name of its own; a function held
    weakly whose reads are checked too is read once, into its variable `F<i>`."""

    def __init__(self):
        self.values: dict[str, Any] = {}
        self._ids: dict[int, str] = {}
        self.functions: dict[int, str] = {}  # id of a weak reference -> its variable

    def name(self, value: Any, prefix: str = "E") -> str:
        if value is None:
            return "None"
        if isinstance(value, _Weak):
            f = self.functions.get(id(value.ref))
            return f if f is not None else self.name(value.ref, "R") + "()"
        n = self._ids.get(id(value))
        if n is None:
            n = self._ids[id(value)] = f"{prefix}{len(self._ids)}"
            self.values[n] = value
        return n


def _conditions(expr: str, value: Any, names: _Names) -> list[str]:
    """The tests that `expr` still gives `value` (and, for a list or dict, its items)."""
    out = [f"{expr} is {names.name(value)}"]
    if type(value) is list or type(value) is dict:
        out.append(f"len({expr}) == {len(value)}")
        if type(value) is dict:
            out.append(f"tuple({expr}) == {names.name(tuple(value))}")
        items = value.items() if type(value) is dict else enumerate(value)
        for k, v in items:
            out.extend(_conditions(f"{expr}[{k!r}]", v, names))
    elif type(value) is tuple:
        for i, v in enumerate(value):
            if type(v) in (list, dict, tuple):
                out.extend(_conditions(f"{expr}[{i}]", v, names))
    return out


def _path_conditions(fn_name: str, globs: str, path: tuple, value: Any, names: _Names):
    kind, key = path[0]
    if kind == "b":
        return [f"{key!r} not in {globs}"]
    expr = (
        f"{globs}[{key!r}]" if kind == "g" else f"{fn_name}.__closure__[{int(key)}].cell_contents"
    )
    for step, attr in path[1:]:
        if step != "a" or not attr.isidentifier():
            raise ValueError(f"internal error: bad dependency path {path!r}")
        expr += "." + attr
    return _conditions(expr, value, names)


def guard(deps: Dependencies) -> Callable[[], bool] | None:
    """A function of no arguments: whether every read recorded in `deps` and in the
    dependencies of the functions it calls gives the same object now (None when nothing
    they read can change)."""
    names = _Names()
    conds: dict[str, None] = {}
    all_deps = closure(deps)
    # A function is read (weakly) into its variable only when its defaults or cells are
    # tested; a graph that called it without an argument it has no default for was refused.
    own = [d.defaults is not None or any(p[0][0] == "c" for p in d.reads) for d in all_deps]
    for i, d in enumerate(all_deps):
        if own[i]:
            conds[f"(F{i} := {names.name(d.fn, 'R')}()) is not None"] = None
            names.functions[id(d.fn)] = f"F{i}"
    for i, d in enumerate(all_deps):
        f = f"F{i}"
        globs = names.name(d.globals, "G")
        if d.defaults is not None:
            conds[f"{f}.__defaults__ is {names.name(d.defaults)}"] = None
        for path, value in d.reads.items():
            for c in _path_conditions(f, globs, path, value, names):
                conds[c] = None
    if not conds:
        return None
    params = ", ".join(names.values)
    text = (
        f"def make({params}):\n"
        "    def check():\n"
        "        try:\n"
        f"            return ({' and '.join(conds)})\n"
        "        except (KeyError, IndexError, ValueError, AttributeError, TypeError):\n"
        "            return False\n"
        "    return check\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(text, "<myia-dependency-check>", "exec"), namespace)  # noqa: S102
    return namespace["make"](**names.values)
