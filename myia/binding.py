"""The binding of a call's arguments to the parameters of the function it calls, with the
errors Python gives for a wrong call.

A compiled function binds its arguments before compiling anything: keywords and defaults
become positional arguments, and a wrong call (a missing argument, one too many, an
unknown keyword) raises the `TypeError` Python raises for the user's own function, in
Python's words. The message is Python's own: the call is made to a stub, a function with
the same parameters and an empty body, built as `ast` nodes (no text of the user's) and
compiled.

Example:
    >>> def g(x, y=1.0):
    ...     return x * y
    >>> bind(g, (2.0,), {})
    (2.0, 1.0)
    >>> bind(g, (), {"z": 2.0})
    Traceback (most recent call last):
    TypeError: g() got an unexpected keyword argument 'z'
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_KINDS = inspect.Parameter


def bind(fn: Callable, args: tuple, kwargs: dict) -> tuple:
    """The arguments of the call `fn(*args, **kwargs)`, keywords and defaults included, as
    one positional tuple in the order of `fn`'s parameters; a wrong call raises Python's
    `TypeError` for it."""
    try:
        sig = inspect.signature(fn, follow_wrapped=False)  # a decorator: its wrapper
    except (TypeError, ValueError):  # a callable without a signature: binds as it is called
        if kwargs:
            raise TypeError(f"{_name(fn)}() takes no keyword arguments here") from None
        return args
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError:
        raise TypeError(python_message(fn, sig, args, kwargs)) from None
    bound.apply_defaults()
    return tuple(bound.arguments.values())


def vararg_position(fn) -> int | None:
    """The position of the `*args` parameter of the Python function `fn` (the number of
    positional parameters before it), None where it has none.

    Example:
        >>> vararg_position(lambda x, *rest: x), vararg_position(lambda x: x)
        (1, None)
    """
    code = getattr(fn, "__code__", None)
    if code is None or not code.co_flags & inspect.CO_VARARGS:
        return None
    return code.co_argcount


def spread(args: tuple, at: int) -> tuple:
    """Bound arguments (`bind`) whose item `at`, the last, packs the extra positional
    arguments of a `*args` parameter, as the call passed them: one positional argument
    each (the numbering of JAX's `argnums`, and the arguments of a gradient program).

    Example:
        >>> spread((1.0, (2.0, 3.0)), 1)
        (1.0, 2.0, 3.0)
    """
    return (*args[:at], *args[at])


@dataclass(frozen=True)
class Default:
    """A parameter the call leaves out, bound to its default `value`."""

    value: Any


def bind_parameters(name: str, names: list, defaults: dict, args: list, kwargs: dict) -> list:
    """The arguments of a call of the compiled function `name` (parameters `names`, with
    the defaults `defaults` by name) on the positional arguments `args` and the keyword
    arguments `kwargs`, in the order of the parameters, a parameter left out as
    `Default(value)`; a wrong call raises `TypeError`. The parser binds a call of a
    function known when compiling with it, the specializer a call of a function value.

    Example:
        >>> bind_parameters("g", ["x", "y", "z"], {"z": 1.0}, ["a"], {"y": "b"})
        ['a', 'b', Default(value=1.0)]
        >>> bind_parameters("g", ["x"], {}, [], {"y": "b"})
        Traceback (most recent call last):
        TypeError: `g` got an unexpected keyword argument `y`
    """
    if len(args) > len(names):
        raise TypeError(
            f"`{name}` takes {len(names)} positional arguments but {len(args)} were given"
        )
    bound = dict(zip(names, args))
    for k, v in kwargs.items():
        if k not in names:
            raise TypeError(f"`{name}` got an unexpected keyword argument `{k}`")
        if k in bound:
            raise TypeError(f"`{name}` got multiple values for argument `{k}`")
        bound[k] = v
    out = []
    for n in names:
        if n in bound:
            out.append(bound[n])
        elif n in defaults:
            out.append(Default(defaults[n]))
        else:
            raise TypeError(f"`{name}` is missing the argument `{n}`")
    return out


def python_message(fn: Callable, sig: inspect.Signature, args: tuple, kwargs: dict) -> str:
    """The message of the `TypeError` Python raises for the wrong call `fn(*args,
    **kwargs)` (`sig`: `fn`'s signature)."""
    stub = _stub(sig, getattr(fn, "__name__", None) or "function")
    stub.__qualname__ = getattr(fn, "__qualname__", None) or stub.__name__
    try:
        stub(*args, **kwargs)
    except TypeError as e:
        return str(e)
    raise AssertionError(f"the call binds: {sig}")  # only called for calls that do not


def _stub(sig: inspect.Signature, name: str) -> Callable:
    posonly, plain, kwonly, kw_defaults, defaults = [], [], [], [], []
    vararg = kwarg = None
    for p in sig.parameters.values():
        arg = ast.arg(p.name)
        if p.kind is _KINDS.POSITIONAL_ONLY:
            posonly.append(arg)
        elif p.kind is _KINDS.POSITIONAL_OR_KEYWORD:
            plain.append(arg)
        elif p.kind is _KINDS.VAR_POSITIONAL:
            vararg = arg
        elif p.kind is _KINDS.KEYWORD_ONLY:
            kwonly.append(arg)
            kw_defaults.append(None if p.default is _KINDS.empty else ast.Constant(None))
        else:
            kwarg = arg
        if p.kind in (_KINDS.POSITIONAL_ONLY, _KINDS.POSITIONAL_OR_KEYWORD):
            if p.default is not _KINDS.empty:
                defaults.append(ast.Constant(None))
    arguments = ast.arguments(posonly, plain, vararg, kwonly, kw_defaults, kwarg, defaults)
    tree = ast.Module([ast.FunctionDef("stub", arguments, [ast.Pass()], [], None)], [])
    namespace: dict = {}
    exec(compile(ast.fix_missing_locations(tree), "<myia-call-stub>", "exec"), namespace)
    stub = namespace["stub"]
    stub.__name__ = name
    return stub


def _name(fn) -> str:
    return getattr(fn, "__name__", None) or type(fn).__name__
