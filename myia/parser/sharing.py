"""What the value of an expression may share with the names it reads, for the aliasing rule
(`aliasing.py`): the names whose object it may be or view (`y`, `y.T`, `y[1:]`), contain
(`(y, 1)`, `[v for v in y]`, a closure over `y`) or hold the elements of (`y + [w]`, what
`y.append(w)` becomes), and what a name bound by an assignment or a loop may share. Calls
are read by `calls.py`.

Example:
    >>> check.sources(ast.parse("(a, b.T)", mode="eval").body)   # doctest: +SKIP
    [(Name(id='a'), False), (Name(id='b'), False)]
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator

from myia.parser.ast_rules import (
    _ALL_ARGS_VIEW_FUNCS,
    _ARRAY_MAKERS,
    _CONTAINER_BUILTINS,
    _ELEMENT_BUILTINS,
    _FRESH_ATTRS,
    _MODULES,
    _VIEW_ATTRS,
    _VIEW_FUNCS,
    _free_reads,
    _target_names,
)
from myia.parser.calls import _CallSharing

# Comprehensions that run where they stand (a generator expression runs when it is consumed).
_EAGER = (ast.ListComp, ast.SetComp, ast.DictComp)
_SEQUENCES = (ast.List, ast.Tuple, ast.ListComp)


def _concatenation(e: ast.AST) -> bool:
    """Whether `e` joins or repeats lists or tuples (`xs + [v]`, `[w] * 2`): one side is
    written as one (`xs.append(v)` is rewritten to `xs = xs + [v]`)."""
    return (
        isinstance(e, ast.BinOp)
        and isinstance(e.op, (ast.Add, ast.Mult))
        and any(isinstance(side, _SEQUENCES) for side in (e.left, e.right))
    )


class _ValueSharing(_CallSharing):
    """The methods of the aliasing rule (`aliasing._AliasCheck`) that read what a value may
    share: they use its `visible` and the call methods of `_CallSharing`."""

    def pairs(self, target: ast.expr, value: ast.expr) -> Iterator[tuple[ast.Name, list]]:
        """(name bound, sources of its value) for each name of an assignment target."""
        if isinstance(target, ast.Name):
            yield target, self.sources(value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            elts = target.elts
            if (
                isinstance(value, (ast.Tuple, ast.List))
                and len(value.elts) == len(elts)
                and not any(isinstance(e, ast.Starred) for e in [*elts, *value.elts])
            ):
                for t, v in zip(elts, value.elts):
                    yield from self.pairs(t, v)
            else:  # each name is an element of the value
                sources = [(src, True) for src, _ in self.sources(value)]
                for name in _target_names(target):
                    yield name, sources
        elif isinstance(target, ast.Starred):
            yield from self.pairs(target.value, value)

    def element_pairs(self, target: ast.expr, it: ast.expr) -> Iterator[tuple[ast.Name, list]]:
        """(name bound, names it may share data with) for each name of a loop target."""
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and not it.keywords:
            fn, args = it.func.id, it.args
            elts = target.elts if isinstance(target, (ast.Tuple, ast.List)) else None
            if fn == "range":
                for name in _target_names(target):
                    yield name, []
                return
            if fn == "enumerate" and len(args) == 1 and elts is not None and len(elts) == 2:
                for name in _target_names(elts[0]):
                    yield name, []
                yield from self.element_pairs(elts[1], args[0])
                return
            if fn == "zip" and elts is not None and len(elts) == len(args):
                if not any(isinstance(e, ast.Starred) for e in [*elts, *args]):
                    for elt, arg in zip(elts, args):
                        yield from self.element_pairs(elt, arg)
                    return
        sources = [src for src, _ in self.sources(it)]
        for name in _target_names(target):
            yield name, sources

    def makes_array(self, value: ast.AST) -> bool:
        """Whether `value` is a new ndarray made by NumPy (`np.zeros(3)`, `np.array(x)`) or
        by arithmetic that lists and tuples do not support (`m * 1.0`, `a - b`, `x @ w`)."""
        if isinstance(value, ast.BinOp):
            if isinstance(
                value.op, (ast.Sub, ast.Div, ast.FloorDiv, ast.Pow, ast.MatMult, ast.Mod)
            ):
                return True
            if isinstance(value.op, (ast.Add, ast.Mult)):
                return any(
                    isinstance(side, ast.Constant) and isinstance(side.value, float)
                    for side in (value.left, value.right)
                )
        return (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr in _ARRAY_MAKERS
            and self.is_module(value.func.value)
            and not any(k.arg == "copy" for k in value.keywords)
        )

    def is_module(self, node: ast.AST) -> bool:
        while isinstance(node, ast.Attribute):
            node = node.value
        return isinstance(node, ast.Name) and node.id in _MODULES and node.id not in self.visible

    def sources(self, e: ast.AST) -> list[tuple[ast.Name, bool]]:
        """The names whose object the value of `e` may be, view or (direct=False) contain."""
        if isinstance(e, ast.Name):
            return [(e, True)]
        if isinstance(e, (ast.Starred, ast.NamedExpr)):
            return self.sources(e.value)
        if isinstance(e, ast.Subscript):  # an element, or a view by basic slicing
            return [(n, True) for n, _ in self.sources(e.value)]
        if isinstance(e, ast.Attribute):
            if e.attr in _VIEW_ATTRS:
                return [(n, True) for n, _ in self.sources(e.value)]
            if e.attr in _FRESH_ATTRS or self.is_module(e.value):
                return []
            return [(n, True) for n, _ in self.sources(e.value)]
        if isinstance(e, (ast.Tuple, ast.List, ast.Set)):
            return [(n, False) for elt in e.elts for n, _ in self.sources(elt)]
        if isinstance(e, ast.Dict):
            return [(n, False) for v in e.values for n, _ in self.sources(v)]
        if _concatenation(e):  # a new list or tuple holding the elements of both sides
            return [(n, False) for side in (e.left, e.right) for n, _ in self.sources(side)]
        if isinstance(e, ast.IfExp):
            return self.sources(e.body) + self.sources(e.orelse)
        if isinstance(e, ast.BoolOp):
            return [s for v in e.values for s in self.sources(v)]
        if isinstance(e, _EAGER):
            return [(n, False) for n in self.comprehension_sources(e)]
        if isinstance(e, (ast.GeneratorExp, ast.Lambda)):
            return [(n, False) for n in _free_reads(e)]
        if isinstance(e, ast.Call):
            return self.call_sources(e)
        return []

    def joined_elements(self, e: ast.AST) -> set[int]:
        """The ids of the names of `sources(e)` whose elements, not objects, the value of `e`
        holds: a side of a join with a display that is (a view of) a name (`xs` in `xs + [w]`,
        in either branch of `a if c else b`); a name inside the display is held itself.

        Example: for `ys = xs + [w]`, `xs` (its elements are in `ys`) but not `w`.
        """
        if _concatenation(e):
            sides = [side for side in (e.left, e.right) if not isinstance(side, _SEQUENCES)]
            return {id(n) for side in sides for n, direct in self.sources(side) if direct}
        if isinstance(e, ast.IfExp):
            return self.joined_elements(e.body) | self.joined_elements(e.orelse)
        if isinstance(e, ast.BoolOp):
            return {i for v in e.values for i in self.joined_elements(v)}
        return set()

    def comprehension_sources(self, comp: ast.ListComp | ast.SetComp | ast.DictComp) -> list:
        """The names whose objects the elements of a finished comprehension may be, view or
        contain: those its element expression returns, a loop variable standing for the
        elements of its iterable (`[v for v in y]` holds views of the rows of `y`,
        `[v * 2.0 for v in y]` new values)."""
        elements: dict[str, list[ast.Name]] = {}  # a loop variable: what its values may share
        expand = lambda n: elements.get(n.id, [n])
        for gen in comp.generators:
            for name, sources in self.element_pairs(gen.target, gen.iter):
                elements[name.id] = [m for src in sources for m in expand(src)]
        values = [comp.key, comp.value] if isinstance(comp, ast.DictComp) else [comp.elt]
        return [m for value in values for n, _ in self.sources(value) for m in expand(n)]

    def call_sources(self, call: ast.Call) -> list[tuple[ast.Name, bool]]:
        func = call.func
        callee = self.callee(func)
        if callee is not None:
            return self.returned_by(call, callee)
        if isinstance(func, ast.Attribute):
            name, method = func.attr, not self.is_module(func.value)
        elif isinstance(func, ast.Name):
            name, method = func.id, False
            if self.resolved(name) is functools.partial:  # holds its function and arguments
                args = [*call.args, *(k.value for k in call.keywords)]
                return [(n, False) for a in args for n, _ in self.sources(a)]
        else:
            return []
        receiver = self.sources(func.value) if method else []
        direct = lambda args: [(n, True) for a in args for n, _ in self.sources(a)]
        no_copy = any(
            k.arg == "copy" and isinstance(k.value, ast.Constant) and k.value.value is False
            for k in call.keywords
        )
        if no_copy:  # np.array(x, copy=False), x.astype(t, copy=False)
            return receiver + direct(call.args)
        if name in _VIEW_FUNCS:
            if method:  # x.reshape(3, 4): a view of the receiver
                return receiver
            args = call.args if name in _ALL_ARGS_VIEW_FUNCS else call.args[:1]
            keywords = [k.value for k in call.keywords if k.arg in ("a", "arr", "ary", "m", "x")]
            return direct([*args, *keywords])
        if name in _CONTAINER_BUILTINS:
            return [(n, False) for n, _ in receiver + direct(call.args)]
        if name in _ELEMENT_BUILTINS:
            return receiver + direct(call.args)
        return []
