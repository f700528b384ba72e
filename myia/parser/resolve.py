"""Resolution of the names a user function reads that are not its own variables.

Globals, closure cells and built-ins of a Python function are resolved lazily, when the
parser meets them: user functions are parsed too (once, cached), `math`/`numpy`/built-in
names map to primitives, module constants (`np.pi`) become constants, and objects that know
their own graph (`myia.jit` functions, `custom_vjp` rules) hand it over.
"""

from __future__ import annotations

import builtins
import functools
import os
import types
from typing import Any

import numpy as np

from myia.errors import Location, MyiaNameError
from myia.parser.deps import Dependencies
from myia.prim.registry import REGISTRY

CONSTANT_TYPES = (
    bool,
    int,
    float,
    complex,
    str,
    bytes,
    type(None),
    np.ndarray,
    np.generic,
    np.dtype,
    type,
    slice,
    type(Ellipsis),
)

MISSING = object()


class Namespace:
    """The names a function sees besides its locals: closure cells, globals, built-ins.
    Every read is recorded in `deps` (see `deps.py`), so that the parse can be checked
    against the program later, but for globals bound to a library's module (`np`) and the
    attributes of those, taken as fixed.

    Example:
        >>> ns = Namespace(f, Dependencies(f))      # doctest: +SKIP
        >>> ns.lookup("np") is np                   # doctest: +SKIP
        True
    """

    def __init__(self, fn: types.FunctionType, deps: Dependencies):
        self.globals = fn.__globals__
        self.cells = dict(zip(fn.__code__.co_freevars, enumerate(fn.__closure__ or ())))
        self.deps = deps

    def lookup(self, name: str) -> Any:
        """`name` in the closure cells, then the globals, then the built-ins; MISSING when
        absent."""
        if name in self.cells:
            i, cell = self.cells[name]
            try:
                value = cell.cell_contents
            except ValueError:
                return MISSING
            self.deps.record((("c", i),), value)
            return value
        if name in self.globals:
            value = self.globals[name]
            if not (isinstance(value, types.ModuleType) and _is_library_module(value)):
                self.deps.record((("g", name),), value)
            return value
        self.deps.record((("b", name),), None)
        b = self.globals.get("__builtins__", builtins)
        if isinstance(b, dict):
            return b.get(name, MISSING)
        return getattr(b, name, MISSING)

    def root(self, name: str) -> tuple | None:
        """The path a name is read at (None for a built-in)."""
        if name in self.cells:
            return (("c", self.cells[name][0]),)
        return (("g", name),) if name in self.globals else None

    def attribute(self, path: tuple | None, base: Any, attr: str) -> tuple[Any, tuple | None]:
        """`base.attr` (`base` read at `path`), recorded when `base` is a module of the
        user's program (those of installed libraries are taken as fixed)."""
        value = getattr(base, attr)
        if path is None or not isinstance(base, types.ModuleType) or _is_library_module(base):
            return value, None
        path = (*path, ("a", attr))
        self.deps.record(path, value)
        return value, path


def function_namespace(fn: types.FunctionType) -> Namespace:
    """The names `fn` sees, for an analysis that reads them without compiling what it reads
    (the aliasing rule reads callees): its reads are recorded nowhere that is checked."""
    return Namespace(fn, Dependencies(fn))


def lookup_name(ns: Namespace, name: str) -> Any:
    """`name` in a function's namespace, then in built-ins; MISSING when absent."""
    return ns.lookup(name)


def describe(obj: Any, what: str = "") -> str:
    """What `obj`, which the user spelled `what`, is, for a message.

    Example:
        >>> describe(len), describe(np.frompyfunc(abs, 1, 1), "sp.f")
        ('the built-in `len`', 'the compiled function `abs (vectorized)` of sp')
    """
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    mod = getattr(obj, "__module__", None)
    if name and mod and mod != "builtins":
        return f"{mod}.{name}"
    if name and mod is None:  # a ufunc of a library (`scipy.special.expit`)
        module = what.rpartition(".")[0] or "an installed library"
        return f"the compiled function `{name}` of {module}"
    if name:
        return f"the built-in `{name}`"
    return repr(obj)


def classify(obj: Any, loc: Location | None, what: str) -> tuple[str, Any]:
    """Decide how a Python object read by user code enters the IR.

    Returns ("prim", (primitive, fixed keyword arguments)), ("function", python_function), ("graph", graph_provider),
    ("macro", obj), ("module", module) or ("constant", value); raises MyiaNameError for
    objects myia cannot compile.
    """
    if obj is MISSING:
        raise MyiaNameError(f"name `{what}` is not defined", loc)
    binding = REGISTRY.binding_for(obj)
    if binding is not None:
        return "prim", binding
    if hasattr(obj, "__myia_macro__"):
        return "macro", obj
    if isinstance(obj, type) and issubclass(obj, tuple) and hasattr(obj, "_fields"):
        from myia.parser.records import NamedTupleConstructor

        return "macro", NamedTupleConstructor(obj)
    if obj is functools.partial:
        from myia.parser.partial import PARTIAL

        return "macro", PARTIAL
    if hasattr(obj, "__myia_node__") or hasattr(obj, "__myia_graph__"):
        return "graph", obj
    if isinstance(obj, types.FunctionType) and _is_myia_api(obj):
        named = f"`myia.{obj.__name__}`" + (
            "" if what == f"myia.{obj.__name__}" else f" (`{what}`)"
        )
        raise MyiaNameError(
            f"{named} cannot be called inside compiled code (`myia.grad`, "
            "`myia.value_and_grad`, `myia.jvp` and `myia.vmap` can); call it outside the "
            "compiled function (`myia.jit(myia.hessian(f))` compiles a whole Hessian)",
            loc,
        )
    if isinstance(obj, types.FunctionType):
        if _is_library_code(obj):
            raise MyiaNameError(
                f"`{what}` is {describe(obj, what)}, a function of an installed library that myia "
                "does not compile (it compiles the functions of your program and the NumPy/math "
                "primitives). Compute it outside the compiled function and pass the result in.",
                loc,
            )
        return "function", obj
    if isinstance(obj, types.ModuleType):
        return "module", obj
    if isinstance(obj, CONSTANT_TYPES):
        return "constant", obj
    if _constant_tuple(obj):
        return "constant", obj
    if callable(obj):
        raise MyiaNameError(
            f"`{what}` is {describe(obj, what)}, a function myia cannot see into: it is neither a "
            "Python function written in the supported subset nor a known NumPy/math primitive. "
            "Compute it outside the compiled function and pass the result as an argument, or "
            "rewrite it with supported operations.",
            loc,
        )
    if obj is np.r_ or obj is np.c_:
        raise MyiaNameError(
            f"`{what}` (NumPy's index trick) is compiled only where it is indexed, "
            f"`{what}[a, b]`; it cannot be used as a value",
            loc,
        )
    raise MyiaNameError(
        f"`{what}` is a {type(obj).__name__}, which compiled code cannot use; pass it as an "
        "argument or convert it to a number, array or tuple",
        loc,
    )


def _constant_tuple(obj) -> bool:
    """A tuple of constants (numbers, arrays, strings, None) and of such tuples."""
    return isinstance(obj, tuple) and all(
        isinstance(x, CONSTANT_TYPES) or _constant_tuple(x) for x in obj
    )


@functools.cache
def _library_dirs() -> tuple[str, ...]:
    import site
    import sysconfig

    dirs = {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"]}
    dirs.update(site.getsitepackages())
    return tuple(os.path.realpath(d) + os.sep for d in dirs if d)


@functools.cache
def _myia_dir() -> str:
    return os.path.dirname(os.path.dirname(os.path.realpath(__file__))) + os.sep


@functools.lru_cache(maxsize=4096)
def _real(filename: str) -> str:
    return os.path.realpath(filename)


def _is_library_code(fn: types.FunctionType) -> bool:
    """Whether `fn` is defined in the standard library or an installed package."""
    filename = _real(fn.__code__.co_filename)
    return filename.startswith(_library_dirs()) and not filename.startswith(_myia_dir())


def _is_library_module(module: types.ModuleType) -> bool:
    """Whether `module` is built in, of the standard library or of an installed package."""
    filename = getattr(module, "__file__", None)
    if filename is None:
        return True
    filename = _real(filename)
    return filename.startswith(_library_dirs()) or filename.startswith(_myia_dir())


def _is_myia_api(obj) -> bool:
    """`obj` is a function of myia's public API (`myia.hessian`), not a macro."""
    import myia

    module = obj.__module__ or ""
    return module.startswith("myia") and getattr(myia, obj.__name__, None) is obj
