"""What the value of a call may share with its arguments and captures, for the aliasing rule
(`aliasing.py`): the callee is read where it can be (a user function from its source, a
nested def or lambda, a function of an enclosing function bound once there), through its
own assignments and calls; a function value that cannot be read may return any of its
arguments or captures.

Example:
    >>> check.callee(ast.parse("ident(v)", mode="eval").body.func)     # doctest: +SKIP
    _Returns(params=['a'], returned={'a'}, free=set(), outside=False, anything=False)
"""

from __future__ import annotations

import ast
import types
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from myia.errors import MyiaError
from myia.parser.ast_rules import _bindings, _code, _local_names, _param_names
from myia.parser.resolve import MISSING, _is_library_code, function_namespace, lookup_name
from myia.parser.source import source_tree


@dataclass
class _Returns:
    """What a function's value may share: its parameters `params` (in order) of which it may
    return (part of) those in `returned`, the names of the enclosing function it may
    return (`free`, for a nested def or lambda), and whether it may return an object from
    elsewhere (`outside`: a global, a default, what a function value returns)."""

    params: list[str]
    returned: set[str] = field(default_factory=set)
    free: set[str] = field(default_factory=set)
    outside: bool = False
    anything: bool = False  # not read: it may return any of its arguments and captures


_UNKNOWN = _Returns([], anything=True, outside=True)


def _may_be_mutable(namespace: dict[str, Any], name: str) -> bool:
    """Whether a global a function returns may be an array or a list (or hold one)."""
    obj = lookup_name(namespace, name)
    return obj is MISSING or isinstance(obj, (np.ndarray, list, dict, tuple))


class _CallSharing:
    """The methods of the aliasing rule (`aliasing._AliasCheck`) that read calls: they use
    its `sources`, `bound`, `visible`, `namespace`, `memo`, `local_fns` and `enclosing`."""

    def resolved(self, name: str) -> Any:
        """The object a name the function does not bind stands for (None: unknown)."""
        if name in self.bound or name in self.visible or self.namespace is None:
            return None
        obj = lookup_name(self.namespace, name)
        return None if obj is MISSING else obj

    def dotted(self, node: ast.expr) -> Any:
        """The object a dotted name (`helpers.ident`) rooted at a global stands for, or None."""
        path = []
        while isinstance(node, ast.Attribute):
            path.append(node.attr)
            node = node.value
        obj = self.resolved(node.id) if isinstance(node, ast.Name) else None
        for attr in reversed(path):
            if not isinstance(obj, types.ModuleType):
                return None
            obj = getattr(obj, attr, None)
        return obj

    def callee(self, func: ast.expr) -> _Returns | None:
        """What a call of `func` may return of its arguments, or None for a call the rules
        by name describe (NumPy functions, methods, built-ins, classes, gradients)."""
        if isinstance(func, ast.Lambda):
            return self.returns_of(func, self.namespace, self.visible | self.bound)
        if isinstance(func, ast.Attribute):  # a method, or a function of a module
            obj = self.dotted(func)
            user = isinstance(obj, types.FunctionType) and not _is_library_code(obj)
            return self.returns_of_function(obj) if user else None
        if isinstance(func, ast.Call):  # `myia.grad(f)(x)`: a gradient, fresh; else unknown
            inner = func.func
            return None if isinstance(inner, ast.Attribute) and self.is_module(inner) else _UNKNOWN
        if not isinstance(func, ast.Name):
            return _UNKNOWN  # an item, a conditional expression, ...
        name = func.id
        if name in self.bound:
            fn = self.local_fns.get(name)
            if fn is None:
                return _UNKNOWN  # a function value: a parameter, an item, a closure made elsewhere
            return self.returns_of(fn, self.namespace, self.visible | self.bound)
        if name in self.visible:
            return self.enclosing_callee(name)
        obj = self.resolved(name)
        if obj is None:
            return None if self.namespace is not None else _UNKNOWN
        while hasattr(obj, "__myia_node__") or hasattr(obj, "__myia_graph__"):
            if hasattr(obj, "argnums") or not hasattr(obj, "fn"):
                return None  # a gradient (fresh), or a primitive's graph
            obj = obj.fn  # a `myia.jit` or `custom_vjp` function: the function it compiles
        if isinstance(obj, types.FunctionType):
            return None if _is_library_code(obj) else self.returns_of_function(obj)
        return None

    def enclosing_callee(self, name: str) -> _Returns:
        """What a def or lambda of an enclosing function (bound once there) may return; the
        variables of the enclosing functions it returns are outside this function."""
        for depth in range(len(self.enclosing) - 1, -1, -1):
            scope = self.enclosing[depth]
            if name not in _local_names(scope):
                continue
            bindings = _bindings(scope, name)
            if len(bindings) != 1 or not isinstance(bindings[0], (ast.FunctionDef, ast.Lambda)):
                return _UNKNOWN
            visible = set().union(*(_local_names(f) for f in self.enclosing[: depth + 1]))
            out = self.returns_of(
                bindings[0], self.namespace, visible, enclosing=self.enclosing[: depth + 1]
            )
            if out.free:
                out = _Returns(out.params, out.returned, set(), True, out.anything)
            return out
        return _UNKNOWN

    def returns_of_function(self, fn: types.FunctionType) -> _Returns:
        """What a user function may return of its arguments (read from its source)."""
        key = fn.__code__
        if key not in self.memo:
            self.memo[key] = _UNKNOWN  # a recursive call: not known yet
            try:
                node = source_tree(fn)[0]
            except MyiaError:
                return _UNKNOWN
            self.memo[key] = self.returns_of(
                node, function_namespace(fn), set(), cache=False, enclosing=[]
            )
        return self.memo[key]

    def returns_of(
        self, fn: ast.AST, namespace, visible: set[str], cache=True, enclosing=None
    ) -> _Returns:
        """What the def or lambda `fn` may return of its parameters and captures (`visible`:
        the names of the functions around it, `enclosing`)."""
        if cache and id(fn) in self.memo:
            return self.memo[id(fn)][1]
        if cache:
            self.memo[id(fn)] = (fn, _UNKNOWN)  # keeps `fn` alive while its id is a key
        check = type(self)(self.fence, fn, visible, namespace, self.memo)
        check.enclosing = [*self.enclosing, self.fn] if enclosing is None else enclosing
        if isinstance(fn, ast.Lambda):
            check.returns.append(fn.body)
        else:
            check.block(fn.body, (id(fn), "body"), (), ())
        # What the returned values are, or were bound or built from (assignments, stores).
        made_of: dict[str, set[str]] = defaultdict(set)
        for edge in check.edges:
            made_of[edge.target].add(edge.source)
        reached: set[str] = set()
        stack = [n.id for value in check.returns for n, _ in check.sources(value)]
        while stack:
            name = stack.pop()
            if name not in reached:
                reached.add(name)
                stack.extend(made_of[name])
        out = _Returns(_param_names(fn.args))
        for name in reached:
            if name in check.params:
                out.returned.add(name)
            elif name.startswith("<"):
                out.outside = True
            elif name not in check.bound:
                if name in visible:
                    out.free.add(name)
                elif namespace is None or _may_be_mutable(namespace, name):
                    out.outside = True
        if cache:
            self.memo[id(fn)] = (fn, out)
        return out

    def returned_by(self, call: ast.Call, callee: _Returns) -> list[tuple[ast.Name, bool]]:
        """The names whose objects `call`'s value may be (part of), all as direct sources."""
        direct = lambda args: [(n, True) for a in args for n, _ in self.sources(a)]
        outside = ast.copy_location(ast.Name(f"<{_code(call.func, 30)}(...)>", ast.Load()), call)
        args, keywords = call.args, call.keywords
        if (
            callee.anything
            or any(isinstance(a, ast.Starred) for a in args)
            or any(k.arg is None for k in keywords)
        ):
            out = direct([*args, *(k.value for k in keywords), call.func])
            return out + ([(outside, True)] if callee.outside else [])
        params = callee.params
        chosen = [a for i, a in enumerate(args) if i < len(params) and params[i] in callee.returned]
        chosen += [k.value for k in keywords if k.arg in callee.returned]
        passed = set(params[: len(args)]) | {k.arg for k in keywords}
        out = direct(chosen)
        out += [(ast.copy_location(ast.Name(n, ast.Load()), call), True) for n in callee.free]
        if callee.outside or callee.returned - passed:  # a default is shared by every call
            out.append((outside, True))
        return out
