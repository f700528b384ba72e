"""Lowering of Python expressions to applications (a mixin of the function lowerer).

Every expression becomes nodes of the graph of the region being lowered; `and`, `or`,
chained comparisons and conditional expressions become a `switch` between two branch
graphs whose call returns the value (`switch(c, T, F)()`), as `if` statements do.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from myia.binding import Default, bind_parameters
from myia.errors import MyiaSyntaxError, MyiaTypeError
from myia.ir.nodes import Apply, Constant, Graph, Node
from myia.parser.desugar import fresh
from myia.parser.resolve import classify, lookup_name
from myia.prim.arrays import LiveArray
from myia.prim.registry import REGISTRY, Primitive

_BINOPS = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "truediv",
    ast.FloorDiv: "floordiv",
    ast.Mod: "mod",
    ast.Pow: "pow",
    ast.MatMult: "matmul",
}
_UNARY = {ast.USub: "neg", ast.UAdd: "pos", ast.Not: "not_"}
_COMPARE = {
    ast.Eq: "eq",
    ast.NotEq: "ne",
    ast.Lt: "lt",
    ast.LtE: "le",
    ast.Gt: "gt",
    ast.GtE: "ge",
    ast.Is: "is_",
    ast.IsNot: "is_not",
}
# Positional arguments from this index on are packed into one tuple argument.
_PACK_FROM = {"einsum": 1, "reshape": 1, "transpose": 1}


def pack_start(name: str, n: int) -> int | None:
    """The index from which the `n` positional arguments of a call of the primitive `name`
    are packed into one tuple (the operands of `np.einsum`, the sizes of `x.reshape(2, 3)`),
    or None.

    Example:
        >>> pack_start("einsum", 3), pack_start("reshape", 2), pack_start("sum", 2)
        (1, None, None)
    """
    k = _PACK_FROM.get(name)
    return k if k is not None and (name == "einsum" or n > k + 1) else None


_INTERNAL = {
    ".len": "len",
    ".min": "builtin.min",
    ".list_append": "list_append",
    ".iterable": "iterable",
    ".raise_": "raise_",
}


def _plain_constant(obj: Any) -> bool:
    """A tuple of numbers, strings and None (usable as one constant)."""
    if isinstance(obj, tuple):
        return all(_plain_constant(x) for x in obj)
    return obj is None or isinstance(obj, (bool, int, float, complex, str))


class ExpressionLowerer:
    """Expression lowering; the class using it provides `session`, `namespace`, `name`,
    `nested_function`, `read_name` and `is_local_anywhere`."""

    # Node helpers -----------------------------------------------------------------------------

    def apply(self, region, inputs: list, loc) -> Apply:
        nodes = [x if isinstance(x, Node) else Constant(x, loc) for x in inputs]
        return Apply(nodes, region.graph, loc)

    def prim(self, region, name: str, args: list, loc) -> Apply:
        return self.apply(region, [REGISTRY.lookup(name), *args], loc)

    def branch(self, region, cond: Node, on_true, on_false, loc, label: str) -> Node:
        """`switch(cond, T, F)()` where T and F compute the value of each side."""
        t = region.child(f"{self.name}:{label}_true", loc)
        f = region.child(f"{self.name}:{label}_false", loc)
        t.graph.output = on_true(t)
        f.graph.output = on_false(f)
        return self.switch_call(region, cond, t.graph, f.graph, loc)

    def switch_call(self, region, cond, t: Graph, f: Graph, loc) -> Apply:
        sw = self.prim(region, "switch", [cond, Constant(t, loc), Constant(f, loc)], loc)
        return self.apply(region, [sw], loc)

    # Names ------------------------------------------------------------------------------------

    def global_node(self, region, name: str, loc) -> Node:
        return self.object_node(region, lookup_name(self.namespace, name), loc, name)

    def object_node(self, region, obj: Any, loc, what: str) -> Node:
        if isinstance(obj, (tuple, list)) and not _plain_constant(obj):
            items = [self.object_node(region, x, loc, f"{what}[{i}]") for i, x in enumerate(obj)]
            return self.prim(
                region, "make_tuple" if isinstance(obj, tuple) else "make_list", items, loc
            )
        if isinstance(obj, list):
            return self.prim(region, "make_list", [Constant(x, loc) for x in obj], loc)
        if isinstance(obj, dict) and all(isinstance(k, (str, int, float, bool)) for k in obj):
            values = [self.object_node(region, v, loc, f"{what}[{k!r}]") for k, v in obj.items()]
            tup = self.prim(region, "make_tuple", values, loc)
            return self.prim(region, "make_dict", [Constant(tuple(obj), loc), tup], loc)
        kind, value = classify(obj, loc, what)
        if kind == "prim":
            prim, fixed = value
            if isinstance(obj, type):
                return Constant(obj, loc)  # a type as a value (a dtype, isinstance's argument)
            if fixed:
                raise MyiaTypeError(f"`{what}` must be called, not used as a value", loc)
            return Constant(prim, loc)
        if kind == "function":
            return Constant(self.session.parse_function(value), loc)
        if kind == "graph":
            if hasattr(value, "__myia_node__"):
                return value.__myia_node__(self, region, loc)
            return Constant(value.__myia_graph__(), loc)
        if kind == "module":
            raise MyiaTypeError(f"module `{what}` cannot be used as a value", loc)
        if kind == "macro":
            raise MyiaTypeError(f"`{what}` must be called, not used as a value", loc)
        return self.value_node(region, value, loc)

    def static_value(self, expr: ast.expr) -> tuple[bool, Any]:
        """The Python object `expr` names when it is a global or an attribute of one."""
        ok, value, _ = self._static(expr)
        return ok, value

    def _static(self, expr: ast.expr) -> tuple[bool, Any, tuple | None]:
        """`static_value`, with the path it was read at (see `deps.py`), if recorded."""
        if isinstance(expr, ast.Name):
            if self.is_local_anywhere(expr.id) or expr.id.startswith("."):
                return False, None, None
            return True, lookup_name(self.namespace, expr.id), self.namespace.root(expr.id)
        if isinstance(expr, ast.Attribute):
            ok, base, path = self._static(expr.value)
            if ok and hasattr(base, expr.attr) and not hasattr(base, "__myia_graph__"):
                return True, *self.namespace.attribute(path, base, expr.attr)
        return False, None, None

    def value_node(self, region, value: Any, loc) -> Node:
        """A node of a value of the program: an array is read when the code runs (it may
        change in place), anything else is a constant."""
        if isinstance(value, np.ndarray):
            return self.prim(region, "live_array", [Constant(LiveArray(value), loc)], loc)
        return Constant(value, loc)

    # Expressions ------------------------------------------------------------------------------

    def lower_expr(self, region, expr: ast.expr) -> Node:
        method = getattr(self, "expr_" + type(expr).__name__, None)
        loc = self.session.loc(expr)
        if method is None:
            raise MyiaSyntaxError(f"`{type(expr).__name__}` expressions are not supported", loc)
        return method(region, expr, loc)

    def expr_Constant(self, region, expr, loc):
        return Constant(expr.value, loc)

    def expr_JoinedStr(self, region, expr, loc):
        # The fence lets through only f-strings whose parts are constants.
        value = eval(compile(ast.Expression(expr), "<f-string>", "eval"), {})  # noqa: S307
        return Constant(value, loc)

    def expr_Name(self, region, expr, loc):
        if expr.id == ".AssertionError":
            return Constant(AssertionError, loc)
        if expr.id in _INTERNAL:
            return Constant(REGISTRY.lookup(_INTERNAL[expr.id]), loc)
        return self.read_name(region, expr.id, loc)

    def expr_BinOp(self, region, expr, loc):
        op = _BINOPS.get(type(expr.op))
        if op is None:
            raise MyiaSyntaxError(f"operator `{type(expr.op).__name__}` is not supported", loc)
        return self.prim(
            region,
            op,
            [self.lower_expr(region, expr.left), self.lower_expr(region, expr.right)],
            loc,
        )

    def expr_UnaryOp(self, region, expr, loc):
        op = _UNARY.get(type(expr.op))
        if op is None:
            raise MyiaSyntaxError(f"operator `{type(expr.op).__name__}` is not supported", loc)
        return self.prim(region, op, [self.lower_expr(region, expr.operand)], loc)

    def expr_Compare(self, region, expr, loc):
        left = self.lower_expr(region, expr.left)
        return self._compare_chain(region, left, list(zip(expr.ops, expr.comparators)), loc)

    def _compare_chain(self, region, left, rest, loc):
        op, right_expr = rest[0]
        name = _COMPARE.get(type(op))
        if name is None:
            raise MyiaSyntaxError(f"comparison `{type(op).__name__}` is not supported", loc)
        right = self.lower_expr(region, right_expr)
        result = self.prim(region, name, [left, right], loc)
        if len(rest) == 1:
            return result
        cond = self.prim(region, "truth", [result], loc)
        return self.branch(
            region,
            cond,
            lambda r: self._compare_chain(r, right, rest[1:], loc),
            lambda r: result,
            loc,
            "compare",
        )

    def expr_BoolOp(self, region, expr, loc):
        return self._boolop(region, isinstance(expr.op, ast.And), expr.values, loc)

    def _boolop(self, region, is_and, values, loc):
        first = self.lower_expr(region, values[0])
        if len(values) == 1:
            return first
        cond = self.prim(region, "truth", [first], loc)
        rest = lambda r: self._boolop(r, is_and, values[1:], loc)  # noqa: E731
        keep = lambda r: first  # noqa: E731
        if is_and:
            return self.branch(region, cond, rest, keep, loc, "and")
        return self.branch(region, cond, keep, rest, loc, "or")

    def expr_IfExp(self, region, expr, loc):
        cond = self.prim(region, "truth", [self.lower_expr(region, expr.test)], loc)
        return self.branch(
            region,
            cond,
            lambda r: self.lower_expr(r, expr.body),
            lambda r: self.lower_expr(r, expr.orelse),
            loc,
            "ifexp",
        )

    def expr_Tuple(self, region, expr, loc):
        return self._sequence(region, expr.elts, "make_tuple", loc)

    def expr_List(self, region, expr, loc):
        return self._sequence(region, expr.elts, "make_list", loc)

    def _sequence(self, region, elts, maker, loc):
        if any(isinstance(e, ast.Starred) for e in elts):
            parts = self._starred_parts(region, elts, loc)
            return (
                parts if maker == "make_tuple" else self.prim(region, "builtin.list", [parts], loc)
            )
        return self.prim(region, maker, [self.lower_expr(region, e) for e in elts], loc)

    def _starred_parts(self, region, elts, loc) -> Node:
        """A tuple node holding `elts`, where `*t` elements are spliced in."""
        acc: Node | None = None
        run: list[Node] = []

        def flush(acc):
            if not run:
                return acc
            t = self.prim(region, "make_tuple", list(run), loc)
            run.clear()
            return t if acc is None else self.prim(region, "add", [acc, t], loc)

        for e in elts:
            if isinstance(e, ast.Starred):
                acc = flush(acc)
                t = self.prim(region, "builtin.tuple", [self.lower_expr(region, e.value)], loc)
                acc = t if acc is None else self.prim(region, "add", [acc, t], loc)
            else:
                run.append(self.lower_expr(region, e))
        acc = flush(acc)
        return acc if acc is not None else self.prim(region, "make_tuple", [], loc)

    def expr_Dict(self, region, expr, loc):
        keys = []
        for k in expr.keys:
            if not isinstance(k, ast.Constant):
                raise MyiaSyntaxError("dict keys must be constants (strings or numbers)", loc)
            keys.append(k.value)
        values = self.prim(
            region, "make_tuple", [self.lower_expr(region, v) for v in expr.values], loc
        )
        return self.prim(region, "make_dict", [Constant(tuple(keys), loc), values], loc)

    def expr_Subscript(self, region, expr, loc):
        if isinstance(expr.value, ast.Attribute):
            ok, obj = self.static_value(expr.value)
            if ok and (obj is np.r_ or obj is np.c_):
                return self.index_trick(region, obj is np.c_, expr.slice, loc)
        value = self.lower_expr(region, expr.value)
        return self.prim(region, "getitem", [value, self.lower_index(region, expr.slice)], loc)

    def index_trick(self, region, columns: bool, index: ast.expr, loc) -> Node:
        """`np.r_[a, b, i:j]`: `np.concatenate` of the pieces as vectors (`np.arange(i, j,
        k)` for a slice); `np.c_[a, b]`: of the pieces as columns, along the last axis."""
        pieces = index.elts if isinstance(index, ast.Tuple) else [index]
        nodes = []
        for p in pieces:
            if isinstance(p, ast.Constant) and isinstance(p.value, str):
                raise MyiaSyntaxError(
                    "a directive string in `np.r_[...]`/`np.c_[...]` is not supported; "
                    "write the np.concatenate call",
                    loc,
                )
            if isinstance(p, ast.Slice):
                if p.upper is None or isinstance(getattr(p.step, "value", None), complex):
                    raise MyiaSyntaxError(
                        "a slice in `np.r_[...]` needs a stop and a real step (`np.linspace` "
                        "for a complex one)",
                        loc,
                    )
                bounds = [p.lower or ast.Constant(0), p.upper, p.step or ast.Constant(1)]
                items = [self.lower_expr(region, q) for q in bounds]
                p_node = self.prim(region, "arange", [*items, Constant(None, loc)], loc)
            else:
                p_node = self.lower_expr(region, p)
            nodes.append(self.prim(region, "column" if columns else "atleast_1d", [p_node], loc))
        joined = self.prim(region, "make_tuple", nodes, loc)
        return self.prim(region, "concatenate", [joined, Constant(-1 if columns else 0, loc)], loc)

    def lower_index(self, region, index: ast.expr) -> Node:
        loc = self.session.loc(index)
        if isinstance(index, ast.Slice):
            return self.slice_node(region, (index.lower, index.upper, index.step), loc)
        if isinstance(index, ast.Tuple):
            items = [self.lower_index(region, e) for e in index.elts]
            if all(isinstance(p, Constant) for p in items):
                return Constant(tuple(p.value for p in items), loc)
            return self.prim(region, "make_tuple", items, loc)
        return self.lower_expr(region, index)

    def slice_node(self, region, bounds, loc) -> Node:
        """The slice of the expressions `bounds` (start, stop, step; None where absent): a
        constant when they are constants, a `make_slice` otherwise."""
        parts = [Constant(None, loc) if p is None else self.lower_expr(region, p) for p in bounds]
        if all(isinstance(p, Constant) for p in parts):
            return Constant(slice(*(p.value for p in parts)), loc)
        return self.prim(region, "make_slice", parts, loc)

    def slice_call(self, region, args, kwargs, loc) -> Node:
        """`slice(stop)`, `slice(start, stop)`, `slice(start, stop, step)`, as the
        subscript `x[start:stop:step]` makes it."""
        if kwargs or any(isinstance(a, ast.Starred) for a in args) or not 1 <= len(args) <= 3:
            raise MyiaTypeError(
                "`slice(...)` takes 1 to 3 positional arguments: slice(stop), "
                "slice(start, stop) or slice(start, stop, step)",
                loc,
            )
        bounds = [None, args[0], None] if len(args) == 1 else [*args, None][:3]
        return self.slice_node(region, bounds, loc)

    def expr_Attribute(self, region, expr, loc):
        ok, obj = self.static_value(expr)
        if ok:
            return self.object_node(region, obj, loc, ast.unparse(expr))
        ok, base = self.static_value(expr.value)
        if ok and not hasattr(base, "__myia_graph__"):
            raise MyiaTypeError(f"`{ast.unparse(expr.value)}` has no attribute `{expr.attr}`", loc)
        value = self.lower_expr(region, expr.value)
        try:
            prim = REGISTRY.lookup("attr." + expr.attr)
        except KeyError:  # a field of a record (typed by the specializer)
            return self.prim(region, "record_attr", [value, Constant(expr.attr, loc)], loc)
        return self.apply(region, [prim, value], loc)

    def expr_Lambda(self, region, expr, loc):
        return Constant(self.nested_function(region, expr, f"{self.name}:lambda"), loc)

    def expr_ListComp(self, region, expr, loc):
        acc = fresh("acc")
        stmt: ast.stmt = ast.Assign(
            targets=[ast.Name(acc, ast.Store())],
            value=ast.Call(
                ast.Name(".list_append", ast.Load()), [ast.Name(acc, ast.Load()), expr.elt], []
            ),
        )
        for gen in reversed(expr.generators):
            if gen.is_async:
                raise MyiaSyntaxError("async comprehensions are not supported", loc)
            for cond in reversed(gen.ifs):
                stmt = ast.If(test=cond, body=[stmt], orelse=[])
            stmt = ast.For(target=gen.target, iter=gen.iter, body=[stmt], orelse=[])
        fn = ast.FunctionDef(
            name="<listcomp>",
            args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
            body=[
                ast.Assign(targets=[ast.Name(acc, ast.Store())], value=ast.List([], ast.Load())),
                stmt,
                ast.Return(ast.Name(acc, ast.Load())),
            ],
            decorator_list=[],
        )
        for n in ast.walk(fn):
            if not hasattr(n, "lineno") or n.lineno is None:
                ast.copy_location(n, expr)
        ast.copy_location(fn, expr)
        graph = self.nested_function(region, fn, f"{self.name}:listcomp")
        return self.apply(region, [Constant(graph, loc)], loc)

    # Calls ------------------------------------------------------------------------------------

    def expr_Call(self, region, expr, loc):
        ok, obj = self.static_value(expr.func)
        kwargs = {}
        for kw in expr.keywords:
            if kw.arg is None:
                raise MyiaSyntaxError(
                    "`**kwargs` in calls is not supported; pass keywords explicitly", loc
                )
            kwargs[kw.arg] = kw.value
        if ok and isinstance(expr.func, ast.Attribute):
            static_base, base = self.static_value(expr.func.value)
            if static_base and isinstance(base, (np.ndarray, np.generic)):
                ok = False  # a method of a constant array: the same primitive as on a variable
        if ok and obj is slice:
            return self.slice_call(region, expr.args, kwargs, loc)
        if ok:
            kind, value = classify(obj, loc, ast.unparse(expr.func))
            if kind == "macro":
                return value.__myia_macro__(self, region, expr, loc)
            if kind == "prim":
                prim, fixed = value
                if prim.name == "builtin.dict":
                    return self.dict_call(region, expr.args, kwargs, loc)
                return self.call_prim(region, prim, expr.args, kwargs, loc, fixed=fixed, packs=True)
            fn = self.object_node(region, obj, loc, ast.unparse(expr.func))
            return self.call_node(region, fn, expr.args, kwargs, loc)
        if isinstance(expr.func, ast.Attribute):
            ok, base = self.static_value(expr.func.value)
            if not ok or isinstance(base, (np.ndarray, np.generic)):
                method = REGISTRY.method_for(expr.func.attr)
                if method is not None:
                    prim, fixed = method
                    self_node = self.lower_expr(region, expr.func.value)
                    return self.call_prim(
                        region,
                        prim,
                        expr.args,
                        kwargs,
                        loc,
                        first=self_node,
                        fixed=fixed,
                        packs=True,
                    )
                return self.method_call(region, expr, kwargs, loc)
        fn = self.lower_expr(region, expr.func)
        return self.call_node(region, fn, expr.args, kwargs, loc)

    def method_call(self, region, expr: ast.Call, kwargs, loc):
        """`obj.m(args)` for a method that is not an array method: a method of a record
        (a model object), typed by the specializer (`prim/records.py`)."""
        attr = expr.func.attr
        jax = _jax_update(expr)
        if jax is not None:
            raise MyiaSyntaxError(jax, loc)
        if attr == "_replace" and kwargs and not expr.args:  # `p._replace(w=v)` of a record
            names = tuple(kwargs)
            values = [self.lower_expr(region, v) for v in kwargs.values()]
            return self.prim(
                region,
                "record_replace",
                [
                    self.lower_expr(region, expr.func.value),
                    Constant(names, loc),
                    self.prim(region, "make_tuple", values, loc),
                ],
                loc,
            )
        if kwargs or any(isinstance(a, ast.Starred) for a in expr.args):
            raise MyiaSyntaxError(
                f"method `.{attr}()` is not an array method (sum, mean, reshape, transpose, dot, "
                "astype, ...); a method of a model object takes positional arguments only",
                loc,
            )
        nodes = [self.lower_expr(region, expr.func.value), Constant(attr, loc)]
        nodes += [self.lower_expr(region, a) for a in expr.args]
        return self.prim(region, "record_call", nodes, loc)

    def call_prim(
        self,
        region,
        prim: Primitive,
        args,
        kwargs,
        loc,
        first: Node | None = None,
        fixed=None,
        packs=True,
    ):
        if any(isinstance(a, ast.Starred) for a in args):
            raise MyiaSyntaxError(f"`*` unpacking in a call to `{prim.name}` is not supported", loc)
        nodes = [self.lower_expr(region, a) for a in args]
        if first is not None:
            nodes = [first] + nodes
        if prim.name in ("builtin.max", "builtin.min") and len(nodes) > 2:
            nodes = [self.prim(region, "make_tuple", nodes, loc)]
        k = pack_start(prim.name, len(nodes)) if packs else None
        if k is not None:
            nodes = nodes[:k] + [self.prim(region, "make_tuple", nodes[k:], loc)]
        kw_nodes = {k: self.lower_expr(region, v) for k, v in kwargs.items()}
        for name, value in (fixed or {}).items():
            kw_nodes[name] = Constant(value, loc)
        try:
            inputs = prim.bind(nodes, kw_nodes, lambda name, default: Constant(default, loc))
        except TypeError as e:
            raise MyiaTypeError(f"bad call to `{prim.name}`: {e}", loc) from None
        for i, name in enumerate(prim.signature.parameters):
            if name in ("dtype", "class_or_tuple", "to"):
                inputs[i] = _as_type_constant(inputs[i], loc)
        return self.apply(region, [prim, *inputs], loc)

    def dict_call(self, region, args, kwargs, loc):
        """`dict(a=x, b=y)`, a dict display with the keys "a" and "b"; `dict(d, a=x)` is
        `dict(d)` with the item "a" set."""
        if len(args) > 1 or any(isinstance(a, ast.Starred) for a in args):
            raise MyiaTypeError(
                "`dict(...)` takes at most one positional argument (a dict or (key, value) "
                "pairs) besides its keywords",
                loc,
            )
        values = [self.lower_expr(region, v) for v in kwargs.values()]
        if not args:
            items = self.prim(region, "make_tuple", values, loc)
            return self.prim(region, "make_dict", [Constant(tuple(kwargs), loc), items], loc)
        out = self.prim(region, "builtin.dict", [self.lower_expr(region, args[0])], loc)
        for key, value in zip(kwargs, values):
            out = self.prim(region, "setitem", [out, Constant(key, loc), value], loc)
        return out

    def call_node(self, region, fn: Node, args, kwargs, loc):
        if any(isinstance(a, ast.Starred) for a in args):
            if kwargs:
                raise MyiaSyntaxError(
                    "`*args` together with keyword arguments is not supported", loc
                )
            packed = self._starred_parts(region, args, loc)
            return self.prim(region, "apply", [fn, packed], loc)
        nodes = [self.lower_expr(region, a) for a in args]
        if (
            isinstance(fn, Constant)
            and isinstance(fn.value, Graph)
            and "argnames" in fn.value.flags
        ):
            nodes = self.bind_graph_args(region, fn.value, nodes, kwargs, loc)
        elif kwargs and isinstance(fn, Constant) and isinstance(fn.value, type):
            raise MyiaSyntaxError(
                f"`{fn.value.__name__}(...)` with keyword arguments is not supported; pass "
                "the arguments by position",
                loc,
            )
        elif kwargs:  # a function value: bound when its type is known (`prim/keywords.py`)
            values = [self.lower_expr(region, v) for v in kwargs.values()]
            names = Constant(tuple(kwargs), loc)
            return self.prim(region, "call_keywords", [fn, names, *nodes, *values], loc)
        return self.apply(region, [fn, *nodes], loc)

    def bind_graph_args(self, region, graph: Graph, nodes, kwargs, loc):
        values = {k: self.lower_expr(region, v) for k, v in kwargs.items()}
        names, defaults = graph.flags["argnames"], graph.flags["defaults"]
        vararg = graph.flags.get("vararg")  # `*args`: the extra positional arguments, packed
        extra = nodes[len(names) :] if vararg else []
        nodes = nodes[: len(names)] if vararg else nodes
        try:
            bound = bind_parameters(graph.name, names, defaults, nodes, values)
        except TypeError as e:
            raise MyiaTypeError(str(e), loc) from None
        out = [
            self.default_node(region, name, x.value, loc) if isinstance(x, Default) else x
            for name, x in zip(names, bound)
        ]
        if vararg:
            out.append(self.prim(region, "make_tuple", extra, loc))
        return out

    def default_node(self, region, name: str, value, loc) -> Node:
        """The node of the default `value` of the parameter `name`."""
        if callable(value) and not isinstance(value, type):  # `nonlinearity=np.tanh`
            return self.object_node(region, value, loc, f"the default of `{name}`")
        return self.value_node(region, value, loc)


# JAX's functional updates `x.at[i].<method>(v)` and the array update that computes each.
_AT_UPDATES = {
    "set": "y[{i}] = {v}",
    "add": "y[{i}] += {v}",
    "multiply": "y[{i}] *= {v}",
    "divide": "y[{i}] /= {v}",
    "power": "y[{i}] **= {v}",
    "min": "y[{i}] = np.minimum(y[{i}], {v})",
    "max": "y[{i}] = np.maximum(y[{i}], {v})",
}


def _jax_update(call: ast.Call) -> str | None:
    """The refusal of JAX's functional update `x.at[i].set(v)` (or `.add(v)`, ...), with the
    array update to write instead; None for another method call.

    Example:
        >>> print(_jax_update(ast.parse("x.at[0].set(v)", mode="eval").body))
        JAX's functional update `x.at[0].set(v)` is not supported; write the array update `y = x.copy(); y[0] = v` (myia compiles it as a functional update)
    """
    method, receiver = call.func.attr, call.func.value
    at = isinstance(receiver, ast.Subscript) and isinstance(receiver.value, ast.Attribute)
    if at and receiver.value.attr == "at" and method in _AT_UPDATES and len(call.args) == 1:
        x, i = ast.unparse(receiver.value.value), ast.unparse(receiver.slice)
        update = _AT_UPDATES[method].format(i=i, v=ast.unparse(call.args[0]))
        return (
            f"JAX's functional update `{ast.unparse(call)}` is not supported; write the array "
            f"update `y = {x}.copy(); {update}` (myia compiles it as a functional update)"
        )
    return None


def _as_type_constant(node: Node, loc) -> Node:
    """A dtype or isinstance argument naming types (`float`, `(tuple, list)`) as a constant
    of Python types, not of the primitives those names call."""
    if isinstance(node, Constant):
        return node
    if isinstance(node, Apply) and node.is_apply(REGISTRY.lookup("make_tuple")):
        items = [_as_type_constant(x, loc) for x in node.inputs[1:]]
        if all(isinstance(x, Constant) for x in items):
            return Constant(tuple(x.value for x in items), loc)
    return node
