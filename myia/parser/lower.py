"""Lowering of Python `ast` to the graph IR, with SSA built as Braun et al. (2013) describe.

Each basic block is a `Graph`; a variable with several reaching definitions becomes a block
parameter (a phi), and jumps between blocks are tail calls that pass those parameters. A
block with a single predecessor reads its predecessor's variables as free variables, so
branches and loop bodies are closures. `if` is a `switch` between two branch closures
followed by a call; `while` is a header block that calls itself through the body. `for`,
comprehensions and `assert` are first rewritten into `while`, nested functions and `if`.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable
from typing import Any

from myia.errors import Location, MyiaSyntaxError, MyiaTypeError, annotate_runtime_error
from myia.ir.nodes import Apply, Constant, Graph, Node, Parameter
from myia.parser.resolve import classify, lookup_name
from myia.prim import lookup as P
from myia.prim.registry import python_object_of

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
_PACK_FROM = {"np.einsum": 1, "method.reshape": 0, "method.transpose": 0}
_internal_ids = itertools.count()


def _plain_constant(obj: Any) -> bool:
    """A tuple of numbers, strings and None (usable as one constant)."""
    if isinstance(obj, tuple):
        return all(_plain_constant(x) for x in obj)
    return obj is None or isinstance(obj, (bool, int, float, complex, str))


class Unbound:
    """The value of a local variable read before any assignment reaches it: any use of
    it raises `UnboundLocalError`, as Python does at the read."""

    def __init__(self, name: str, loc: Location | None = None):
        self.name = name
        self.loc = loc

    def __repr__(self) -> str:
        return f"<unbound local {self.name!r}>"

    def _fail(self, *args, **kwargs):
        err = UnboundLocalError(
            f"cannot access local variable {self.name!r} where it is not associated with a value"
        )
        annotate_runtime_error(err, self.loc)
        raise err

    __bool__ = __float__ = __int__ = __index__ = __len__ = __iter__ = __call__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _fail
    __pow__ = __rpow__ = __matmul__ = __rmatmul__ = __neg__ = __pos__ = __abs__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = __getitem__ = __array__ = __array_ufunc__ = _fail
    __hash__ = object.__hash__


def _fresh(prefix: str) -> str:
    return f".{prefix}{next(_internal_ids)}"


def assigned_names(body: list[ast.stmt], args: ast.arguments | None = None) -> set[str]:
    """The names a function body binds (its locals), not looking into nested scopes."""
    out: set[str] = set()
    if args is not None:
        out |= {a.arg for a in args.posonlyargs + args.args}
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
            continue
        if isinstance(
            node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
        ):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return out


class Block:
    """A basic block under construction: its graph, variables, predecessors and phis."""

    def __init__(self, fn: FunctionLowerer, name: str, preds: list[Block] | None, loc):
        self.fn = fn
        self.graph = Graph(name, loc)
        self.graph.flags["block"] = True
        self.variables: dict[str, Node] = {}
        self.preds: list[Block] = list(preds) if preds is not None else []
        self.matured = preds is not None
        self.incomplete: list[tuple[str, Parameter]] = []
        self.jumps: dict[Block, Apply] = {}
        fn.session.blocks.append(self)

    def write(self, name: str, node: Node) -> None:
        self.variables[name] = node

    def read(self, name: str, loc: Location | None) -> Node:
        if name in self.variables:
            return self.variables[name]
        if not self.matured:
            p = self._phi(name)
            self.incomplete.append((name, p))
            return p
        if len(self.preds) == 1:
            v = self.preds[0].read(name, loc)
        elif not self.preds:
            v = self.fn.read_outer(name, loc)
        else:
            v = self._phi(name)
            self._fill_phi(name, v, loc)
        self.variables[name] = v
        return v

    def _phi(self, name: str) -> Parameter:
        p = self.graph.add_parameter(name.lstrip("."), self.graph.loc)
        self.variables[name] = p
        self.fn.session.phis.append((self, p))
        return p

    def _fill_phi(self, name: str, p: Parameter, loc) -> None:
        for pred in self.preds:
            pred.jumps[self].inputs.append(pred.read(name, loc))

    def jump(self, target: Block, loc) -> None:
        """End this block with a tail call to `target` (its phis are filled as they appear)."""
        node = self.fn.apply(self, [Constant(target.graph, loc)], loc)
        self.jumps[target] = node
        self.graph.output = node
        if target.matured:
            raise AssertionError("jump to a matured block")
        target.preds.append(self)

    def mature(self) -> None:
        self.matured = True
        for name, p in self.incomplete:
            self._fill_phi(name, p, None)
        self.incomplete = []


class Session:
    """Everything built while lowering one top-level function and its nested functions."""

    def __init__(self, parse_function: Callable, filename: str, line_offset: int, col_offset: int):
        self.parse_function = parse_function
        self.filename = filename
        self.line_offset = line_offset
        self.col_offset = col_offset
        self.blocks: list[Block] = []
        self.phis: list[tuple[Block, Parameter]] = []
        self.applies: list[Apply] = []
        # Expansions to run once the graphs are complete: callables taking an Apply node and
        # returning the node to use instead (or None), e.g. `myia.grad` of a known function.
        self.late_expansions: list = []

    def loc(self, node: ast.AST) -> Location:
        return Location(
            self.filename,
            getattr(node, "lineno", 1) + self.line_offset,
            getattr(node, "col_offset", 0) + self.col_offset,
        )

    def finalize(self) -> None:
        """Remove trivial phis (Braun et al., section 3.1) to a fixed point, then run the
        late expansions on the finished graphs."""
        self._remove_trivial_phis()
        repl: dict[Node, Node] = {}
        for node, expand in self.late_expansions:
            new = expand(node)
            if new is not None:
                repl[node] = new
        if repl:
            for a in self.applies:
                a.inputs = [repl.get(x, x) for x in a.inputs]
            for b in self.blocks:
                if b.graph.return_ is not None:
                    b.graph.return_.inputs = [repl.get(x, x) for x in b.graph.return_.inputs]

    def _remove_trivial_phis(self) -> None:
        repl: dict[Node, Node] = {}

        def resolve(n: Node) -> Node:
            while n in repl:
                n = repl[n]
            return n

        index = {(b, p): i for b in self.blocks for i, p in enumerate(b.graph.parameters)}
        live = [(b, p) for b, p in self.phis if b.preds]
        changed = True
        while changed:
            changed = False
            for b, p in live:
                if p in repl:
                    continue
                i = index[(b, p)]
                ops = {resolve(pred.jumps[b].inputs[1 + i]) for pred in b.preds} - {p}
                if len(ops) == 1:
                    repl[p] = ops.pop()
                    changed = True
        if not repl:
            return
        for a in self.applies:
            a.inputs = [resolve(x) for x in a.inputs]
        for b in self.blocks:
            if b.graph.return_ is not None:
                b.graph.return_.inputs = [resolve(x) for x in b.graph.return_.inputs]
            keep = [i for i, p in enumerate(b.graph.parameters) if p not in repl]
            if len(keep) == len(b.graph.parameters) or not b.preds:
                continue
            for pred in b.preds:
                j = pred.jumps[b]
                j.inputs = [j.inputs[0]] + [j.inputs[1 + i] for i in keep]
            b.graph.parameters = [b.graph.parameters[i] for i in keep]
        for b in self.blocks:
            for name, v in list(b.variables.items()):
                b.variables[name] = resolve(v)


class FunctionLowerer:
    """Lowers one Python function (a `def`, `lambda` or comprehension) into graphs."""

    def __init__(
        self,
        session: Session,
        namespace: dict[str, Any],
        name: str,
        node: ast.AST,
        outer: Block | None,
        graph: Graph | None = None,
    ):
        self.session = session
        self.namespace = namespace
        self.name = name
        self.node = node
        self.outer = outer
        self.loops: list[tuple[Block, Block]] = []
        if isinstance(node, ast.Lambda):
            body: list[ast.stmt] = [
                ast.Return(node.body, lineno=node.lineno, col_offset=node.col_offset)
            ]
        else:
            body = node.body
        self.body = body
        self.locals = assigned_names(body, node.args)
        self.def_graphs = _single_defs(body, node.args)
        self.entry = Block(self, name, [], session.loc(node))
        if graph is not None:
            self.entry.graph = graph
        self.graph = self.entry.graph
        self.graph.name = name
        self.graph.loc = session.loc(node)

    # Names ------------------------------------------------------------------------------------

    def owner_of(self, name: str) -> FunctionLowerer | None:
        """The innermost function (this one or an enclosing one) where `name` is local."""
        fn: FunctionLowerer | None = self
        while fn is not None:
            if name in fn.locals:
                return fn
            fn = fn.outer.fn if fn.outer is not None else None
        return None

    def is_local_anywhere(self, name: str) -> bool:
        return self.owner_of(name) is not None

    def read_outer(self, name: str, loc: Location | None) -> Node:
        if name.startswith(".") and name in _INTERNAL:
            return Constant(P(_INTERNAL[name]), loc)
        if name in self.locals:
            return Constant(Unbound(name, loc), loc)
        if self.outer is not None and self.outer.fn.is_local_anywhere(name):
            v = self.outer.read(name, loc)
            if isinstance(v, Constant) and isinstance(v.value, Unbound):
                raise MyiaSyntaxError(
                    f"`{self.name}` uses `{name}` before the enclosing function assigns it; "
                    "myia captures the values of enclosing variables when the nested function is "
                    f"defined: assign `{name}` (or define that function) before this one",
                    loc,
                )
            return v
        return self.global_node(name, loc)

    def global_node(self, name: str, loc: Location | None) -> Node:
        return self.object_node(lookup_name(self.namespace, name), loc, name)

    def object_node(
        self, obj: Any, loc: Location | None, what: str, block: Block | None = None
    ) -> Node:
        if isinstance(obj, (tuple, list)) and not _plain_constant(obj):
            items = [self.object_node(x, loc, f"{what}[{i}]") for i, x in enumerate(obj)]
            maker = "make_tuple" if isinstance(obj, tuple) else "make_list"
            return Apply([Constant(P(maker), loc), *items], self.entry.graph, loc)
        if isinstance(obj, list):
            return Apply(
                [Constant(P("make_list"), loc), *[Constant(x, loc) for x in obj]],
                self.entry.graph,
                loc,
            )
        if isinstance(obj, dict) and all(isinstance(k, (str, int, float, bool)) for k in obj):
            values = [self.object_node(v, loc, f"{what}[{k!r}]") for k, v in obj.items()]
            tup = Apply([Constant(P("make_tuple"), loc), *values], self.entry.graph, loc)
            return Apply(
                [Constant(P("make_dict"), loc), Constant(tuple(obj), loc), tup],
                self.entry.graph,
                loc,
            )
        kind, value = classify(obj, loc, what)
        if kind == "prim":
            return Constant(value, loc)
        if kind == "function":
            return Constant(self.session.parse_function(value), loc)
        if kind == "graph":
            return Constant(value.__myia_graph__(), loc)
        if kind == "module":
            raise MyiaTypeError(f"module `{what}` cannot be used as a value", loc)
        if kind == "macro":
            raise MyiaTypeError(f"`{what}` must be called, not used as a value", loc)
        return Constant(value, loc)

    def static_value(self, block: Block, expr: ast.expr) -> tuple[bool, Any]:
        """The Python object `expr` names when it is a global or an attribute of one."""
        if isinstance(expr, ast.Name):
            if self.is_local_anywhere(expr.id) or expr.id.startswith("."):
                return False, None
            return True, lookup_name(self.namespace, expr.id)
        if isinstance(expr, ast.Attribute):
            ok, base = self.static_value(block, expr.value)
            if ok and hasattr(base, expr.attr) and not hasattr(base, "__myia_graph__"):
                return True, getattr(base, expr.attr)
        return False, None

    # Node helpers -----------------------------------------------------------------------------

    def apply(self, block: Block, inputs: list, loc: Location | None) -> Apply:
        nodes = [x if isinstance(x, Node) else Constant(x, loc) for x in inputs]
        a = Apply(nodes, block.graph, loc)
        self.session.applies.append(a)
        return a

    def prim(self, block: Block, name: str, args: list, loc) -> Apply:
        return self.apply(block, [P(name), *args], loc)

    def branch(
        self,
        block: Block,
        cond: Node,
        on_true: Callable[[Block], Node],
        on_false: Callable[[Block], Node],
        loc,
        label: str,
    ) -> Node:
        """`switch(cond, T, F)()` where T and F are closures computing each side."""
        t = Block(self, f"{self.name}:{label}_true", [block], loc)
        f = Block(self, f"{self.name}:{label}_false", [block], loc)
        t.graph.output = on_true(t)
        f.graph.output = on_false(f)
        sw = self.prim(block, "switch", [cond, Constant(t.graph, loc), Constant(f.graph, loc)], loc)
        return self.apply(block, [sw], loc)

    # Functions --------------------------------------------------------------------------------

    def lower(self, defaults: dict[str, Any]) -> Graph:
        args = self.node.args
        params = args.posonlyargs + args.args
        for a in params:
            p = self.graph.add_parameter(a.arg, self.session.loc(a))
            self.entry.write(a.arg, p)
        self.graph.flags["argnames"] = [a.arg for a in params]
        self.graph.flags["defaults"] = defaults
        end = self.lower_stmts(self.entry, self.body)
        if end is not None:
            end.graph.output = Constant(None, self.graph.loc)
        return self.graph

    def nested_function(self, block: Block, node: ast.FunctionDef | ast.Lambda, name: str) -> Graph:
        defaults: dict[str, Any] = {}
        args = node.args
        params = args.posonlyargs + args.args
        for a, d in zip(params[len(params) - len(args.defaults) :], args.defaults):
            v = self.lower_expr(block, d)
            if not isinstance(v, Constant) or isinstance(v.value, Graph):
                raise MyiaSyntaxError(
                    f"the default value of parameter `{a.arg}` of nested function `{name}` must "
                    "be a constant (a number, string, None or a tuple of those)",
                    self.session.loc(d),
                )
            defaults[a.arg] = v.value
        graph = Graph(name, self.session.loc(node))
        if isinstance(node, ast.FunctionDef):
            graph = self.def_graphs.get(node.name, graph)
            block.write(node.name, Constant(graph, self.session.loc(node)))
        sub = FunctionLowerer(self.session, self.namespace, name, node, block, graph)
        return sub.lower(defaults)

    # Statements -------------------------------------------------------------------------------

    def lower_stmts(self, block: Block | None, stmts: list[ast.stmt]) -> Block | None:
        for stmt in stmts:
            if block is None:
                break
            block = self.lower_stmt(block, stmt)
        return block

    def lower_stmt(self, block: Block, stmt: ast.stmt) -> Block | None:
        loc = self.session.loc(stmt)
        method = getattr(self, "stmt_" + type(stmt).__name__, None)
        if method is None:
            raise MyiaSyntaxError(f"`{type(stmt).__name__}` statements are not supported", loc)
        return method(block, stmt, loc)

    def stmt_Expr(self, block, stmt, loc):
        if not isinstance(stmt.value, ast.Constant):
            self.lower_expr(block, stmt.value)
        return block

    def stmt_Pass(self, block, stmt, loc):
        return block

    def stmt_Return(self, block, stmt, loc):
        value = Constant(None, loc) if stmt.value is None else self.lower_expr(block, stmt.value)
        block.graph.output = value
        return None

    def stmt_Assign(self, block, stmt, loc):
        value = self.lower_expr(block, stmt.value)
        for target in stmt.targets:
            self.assign(block, target, value, loc)
        return block

    def stmt_AnnAssign(self, block, stmt, loc):
        if stmt.value is not None:
            self.assign(block, stmt.target, self.lower_expr(block, stmt.value), loc)
        return block

    def stmt_AugAssign(self, block, stmt, loc):
        op = _BINOPS.get(type(stmt.op))
        if op is None:
            raise MyiaSyntaxError(
                f"augmented operator `{type(stmt.op).__name__}` is not supported", loc
            )
        load = _as_load(stmt.target)
        value = self.prim(
            block, op, [self.lower_expr(block, load), self.lower_expr(block, stmt.value)], loc
        )
        self.assign(block, stmt.target, value, loc)
        return block

    def assign(self, block: Block, target: ast.expr, value: Node, loc) -> None:
        if isinstance(target, ast.Name):
            if value.name is None and not isinstance(value, Constant):
                value.name = target.id
            block.write(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            n = len(target.elts)
            seq = self.prim(block, "unpack_seq", [value, Constant(n, loc)], loc)
            for i, elt in enumerate(target.elts):
                item = self.prim(block, "getitem", [seq, Constant(i, loc)], loc)
                self.assign(block, elt, item, loc)
        elif isinstance(target, ast.Subscript):
            container = self.lower_expr(block, _as_load(target.value))
            index = self.lower_index(block, target.slice)
            updated = self.prim(block, "setitem", [container, index, value], loc)
            self.assign(block, target.value, updated, loc)
        else:
            raise MyiaSyntaxError(
                f"assignment to `{ast.unparse(target)}` is not supported; assign to a name", loc
            )

    def stmt_FunctionDef(self, block, stmt, loc):
        self.nested_function(block, stmt, stmt.name)
        return block

    def stmt_If(self, block, stmt, loc):
        cond = self.prim(block, "truth", [self.lower_expr(block, stmt.test)], loc)
        t = Block(self, f"{self.name}:if_true", [block], loc)
        f = Block(self, f"{self.name}:if_false", [block], loc)
        sw = self.prim(block, "switch", [cond, Constant(t.graph, loc), Constant(f.graph, loc)], loc)
        block.graph.output = self.apply(block, [sw], loc)
        ends = [self.lower_stmts(t, stmt.body), self.lower_stmts(f, stmt.orelse)]
        ends = [b for b in ends if b is not None]
        if not ends:
            return None
        after = Block(self, f"{self.name}:if_after", None, loc)
        for b in ends:
            b.jump(after, loc)
        after.mature()
        return after

    def stmt_While(self, block, stmt, loc):
        header = Block(self, f"{self.name}:while_header", None, loc)
        block.jump(header, loc)
        cond = self.prim(header, "truth", [self.lower_expr(header, stmt.test)], loc)
        body = Block(self, f"{self.name}:while_body", [header], loc)
        exit_ = Block(self, f"{self.name}:while_exit", [header], loc)
        sw = self.prim(
            header, "switch", [cond, Constant(body.graph, loc), Constant(exit_.graph, loc)], loc
        )
        header.graph.output = self.apply(header, [sw], loc)
        after = Block(self, f"{self.name}:while_after", None, loc)
        self.loops.append((header, after))
        end = self.lower_stmts(body, stmt.body)
        self.loops.pop()
        if end is not None:
            end.jump(header, loc)
        exit_.jump(after, loc)
        header.mature()
        after.mature()
        return after

    def stmt_Break(self, block, stmt, loc):
        block.jump(self.loops[-1][1], loc)
        return None

    def stmt_Continue(self, block, stmt, loc):
        block.jump(self.loops[-1][0], loc)
        return None

    def stmt_For(self, block, stmt, loc):
        return self.lower_stmts(block, desugar_for(stmt))

    def stmt_Assert(self, block, stmt, loc):
        fail = ast.Raise(
            exc=ast.Call(
                func=ast.Name(".raise_", ast.Load()),
                args=[ast.Name(".AssertionError", ast.Load()), stmt.msg or ast.Constant(None)],
                keywords=[],
            ),
            cause=None,
        )
        test = ast.UnaryOp(ast.Not(), stmt.test)
        new = ast.If(test=test, body=[fail], orelse=[])
        for n in ast.walk(new):
            ast.copy_location(n, stmt)
        return self.lower_stmt(block, new)

    def stmt_Raise(self, block, stmt, loc):
        block.graph.output = self.lower_expr(block, stmt.exc)
        return None

    # Expressions ------------------------------------------------------------------------------

    def lower_expr(self, block: Block, expr: ast.expr) -> Node:
        method = getattr(self, "expr_" + type(expr).__name__, None)
        loc = self.session.loc(expr)
        if method is None:
            raise MyiaSyntaxError(f"`{type(expr).__name__}` expressions are not supported", loc)
        return method(block, expr, loc)

    def expr_Constant(self, block, expr, loc):
        return Constant(expr.value, loc)

    def expr_JoinedStr(self, block, expr, loc):
        # The fence lets through only f-strings whose parts are constants.
        value = eval(compile(ast.Expression(expr), "<f-string>", "eval"), {})  # noqa: S307
        return Constant(value, loc)

    def expr_Name(self, block, expr, loc):
        if expr.id == ".AssertionError":
            return Constant(AssertionError, loc)
        owner = self.owner_of(expr.id)
        if owner is not None and expr.id in owner.def_graphs:
            return Constant(owner.def_graphs[expr.id], loc)
        if owner is not None or expr.id.startswith("."):
            return block.read(expr.id, loc)
        return self.global_node(expr.id, loc)

    def expr_BinOp(self, block, expr, loc):
        op = _BINOPS.get(type(expr.op))
        if op is None:
            raise MyiaSyntaxError(f"operator `{type(expr.op).__name__}` is not supported", loc)
        return self.prim(
            block, op, [self.lower_expr(block, expr.left), self.lower_expr(block, expr.right)], loc
        )

    def expr_UnaryOp(self, block, expr, loc):
        op = _UNARY.get(type(expr.op))
        if op is None:
            raise MyiaSyntaxError(f"operator `{type(expr.op).__name__}` is not supported", loc)
        return self.prim(block, op, [self.lower_expr(block, expr.operand)], loc)

    def expr_Compare(self, block, expr, loc):
        left = self.lower_expr(block, expr.left)
        return self._compare_chain(block, left, list(zip(expr.ops, expr.comparators)), loc)

    def _compare_chain(self, block, left, rest, loc):
        op, right_expr = rest[0]
        name = _COMPARE.get(type(op))
        if name is None:
            raise MyiaSyntaxError(f"comparison `{type(op).__name__}` is not supported", loc)
        right = self.lower_expr(block, right_expr)
        result = self.prim(block, name, [left, right], loc)
        if len(rest) == 1:
            return result
        cond = self.prim(block, "truth", [result], loc)
        return self.branch(
            block,
            cond,
            lambda b: self._compare_chain(b, right, rest[1:], loc),
            lambda b: result,
            loc,
            "compare",
        )

    def expr_BoolOp(self, block, expr, loc):
        return self._boolop(block, isinstance(expr.op, ast.And), expr.values, loc)

    def _boolop(self, block, is_and, values, loc):
        first = self.lower_expr(block, values[0])
        if len(values) == 1:
            return first
        cond = self.prim(block, "truth", [first], loc)
        rest = lambda b: self._boolop(b, is_and, values[1:], loc)
        keep = lambda b: first
        if is_and:
            return self.branch(block, cond, rest, keep, loc, "and")
        return self.branch(block, cond, keep, rest, loc, "or")

    def expr_IfExp(self, block, expr, loc):
        cond = self.prim(block, "truth", [self.lower_expr(block, expr.test)], loc)
        return self.branch(
            block,
            cond,
            lambda b: self.lower_expr(b, expr.body),
            lambda b: self.lower_expr(b, expr.orelse),
            loc,
            "ifexp",
        )

    def expr_Tuple(self, block, expr, loc):
        return self._sequence(block, expr.elts, "make_tuple", loc)

    def expr_List(self, block, expr, loc):
        return self._sequence(block, expr.elts, "make_list", loc)

    def _sequence(self, block, elts, maker, loc):
        if any(isinstance(e, ast.Starred) for e in elts):
            parts = self._starred_parts(block, elts, loc)
            return (
                parts if maker == "make_tuple" else self.prim(block, "builtin.list", [parts], loc)
            )
        return self.prim(block, maker, [self.lower_expr(block, e) for e in elts], loc)

    def _starred_parts(self, block, elts, loc) -> Node:
        """A tuple node holding `elts`, where `*t` elements are spliced in."""
        acc: Node | None = None
        run: list[Node] = []

        def flush(acc):
            if not run:
                return acc
            t = self.prim(block, "make_tuple", list(run), loc)
            run.clear()
            return t if acc is None else self.prim(block, "add", [acc, t], loc)

        for e in elts:
            if isinstance(e, ast.Starred):
                acc = flush(acc)
                t = self.prim(block, "builtin.tuple", [self.lower_expr(block, e.value)], loc)
                acc = t if acc is None else self.prim(block, "add", [acc, t], loc)
            else:
                run.append(self.lower_expr(block, e))
        acc = flush(acc)
        return acc if acc is not None else self.prim(block, "make_tuple", [], loc)

    def expr_Dict(self, block, expr, loc):
        keys = []
        for k in expr.keys:
            if not isinstance(k, ast.Constant):
                raise MyiaSyntaxError("dict keys must be constants (strings or numbers)", loc)
            keys.append(k.value)
        values = self.prim(
            block, "make_tuple", [self.lower_expr(block, v) for v in expr.values], loc
        )
        return self.prim(block, "make_dict", [Constant(tuple(keys), loc), values], loc)

    def expr_Subscript(self, block, expr, loc):
        value = self.lower_expr(block, expr.value)
        return self.prim(block, "getitem", [value, self.lower_index(block, expr.slice)], loc)

    def lower_index(self, block, index: ast.expr) -> Node:
        loc = self.session.loc(index)
        if isinstance(index, ast.Slice):
            parts = [
                Constant(None, loc) if p is None else self.lower_expr(block, p)
                for p in (index.lower, index.upper, index.step)
            ]
            if all(isinstance(p, Constant) for p in parts):
                return Constant(slice(*(p.value for p in parts)), loc)
            return self.prim(block, "make_slice", parts, loc)
        if isinstance(index, ast.Tuple):
            items = [self.lower_index(block, e) for e in index.elts]
            if all(isinstance(p, Constant) for p in items):
                return Constant(tuple(p.value for p in items), loc)
            return self.prim(block, "make_tuple", items, loc)
        return self.lower_expr(block, index)

    def expr_Attribute(self, block, expr, loc):
        ok, obj = self.static_value(block, expr)
        if ok:
            return self.object_node(obj, loc, ast.unparse(expr))
        ok, base = self.static_value(block, expr.value)
        if ok and not hasattr(base, "__myia_graph__"):
            raise MyiaTypeError(f"`{ast.unparse(expr.value)}` has no attribute `{expr.attr}`", loc)
        value = self.lower_expr(block, expr.value)
        try:
            prim = P("attr." + expr.attr)
        except KeyError:
            raise MyiaSyntaxError(
                f"attribute `.{expr.attr}` is not supported (supported: .T, .shape, .ndim, "
                ".dtype, .size)",
                loc,
            ) from None
        return self.apply(block, [prim, value], loc)

    def expr_Lambda(self, block, expr, loc):
        return Constant(self.nested_function(block, expr, f"{self.name}:lambda"), loc)

    def expr_ListComp(self, block, expr, loc):
        acc = _fresh("acc")
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
        graph = self.nested_function(block, fn, f"{self.name}:listcomp")
        return self.apply(block, [Constant(graph, loc)], loc)

    def expr_Call(self, block, expr, loc):
        ok, obj = self.static_value(block, expr.func)
        kwargs = {}
        for kw in expr.keywords:
            if kw.arg is None:
                raise MyiaSyntaxError(
                    "`**kwargs` in calls is not supported; pass keywords explicitly", loc
                )
            kwargs[kw.arg] = kw.value
        if ok:
            kind, value = classify(obj, loc, ast.unparse(expr.func))
            if kind == "macro":
                return value.__myia_macro__(self, block, expr, loc)
            if kind == "prim":
                packs = value is not obj  # called as np.einsum(...), not as the primitive
                return self.call_prim(block, value, expr.args, kwargs, loc, packs=packs)
            fn = self.object_node(obj, loc, ast.unparse(expr.func))
            return self.call_node(block, fn, expr.args, kwargs, loc)
        if isinstance(expr.func, ast.Attribute):
            ok, base = self.static_value(block, expr.func.value)
            if not ok:
                try:
                    prim = P("method." + expr.func.attr)
                except KeyError:
                    prim = None
                if prim is not None:
                    self_node = self.lower_expr(block, expr.func.value)
                    return self.call_prim(block, prim, expr.args, kwargs, loc, first=self_node)
                raise MyiaSyntaxError(
                    f"method `.{expr.func.attr}()` is not supported; see the supported methods in "
                    "the subset (sum, mean, reshape, transpose, dot, astype, ...)",
                    loc,
                )
        fn = self.lower_expr(block, expr.func)
        return self.call_node(block, fn, expr.args, kwargs, loc)

    def call_prim(self, block, prim, args, kwargs, loc, first: Node | None = None, packs=True):
        if any(isinstance(a, ast.Starred) for a in args):
            raise MyiaSyntaxError(f"`*` unpacking in a call to `{prim.name}` is not supported", loc)
        nodes = [self.lower_expr(block, a) for a in args]
        if prim.name in ("builtin.max", "builtin.min") and len(nodes) > 2:
            nodes = [self.prim(block, "make_tuple", nodes, loc)]
        k = _PACK_FROM.get(prim.name) if packs else None
        if k is not None and (prim.name == "np.einsum" or len(nodes) > 1):
            nodes = nodes[:k] + [self.prim(block, "make_tuple", nodes[k:], loc)]
        if first is not None:
            nodes = [first] + nodes
        kw_nodes = {k: self.lower_expr(block, v) for k, v in kwargs.items()}
        try:
            inputs = prim.bind(nodes, kw_nodes, lambda name, default: Constant(default, loc))
        except TypeError as e:
            raise MyiaTypeError(f"bad call to `{prim.name}`: {e}", loc) from None
        for i, name in enumerate(prim.signature.parameters):
            if name in ("dtype", "class_or_tuple"):
                inputs[i] = _as_type_constant(inputs[i], loc)
        return self.apply(block, [prim, *inputs], loc)

    def call_node(self, block, fn: Node, args, kwargs, loc):
        if any(isinstance(a, ast.Starred) for a in args):
            if kwargs:
                raise MyiaSyntaxError(
                    "`*args` together with keyword arguments is not supported", loc
                )
            packed = self._starred_parts(block, args, loc)
            return self.prim(block, "apply", [fn, packed], loc)
        nodes = [self.lower_expr(block, a) for a in args]
        if (
            isinstance(fn, Constant)
            and isinstance(fn.value, Graph)
            and "argnames" in fn.value.flags
        ):
            nodes = self.bind_graph_args(fn.value, nodes, kwargs, block, loc)
        elif kwargs:
            raise MyiaSyntaxError(
                "keyword arguments need a callee known when compiling (a function defined in "
                "the code, not a function passed as a value)",
                loc,
            )
        return self.apply(block, [fn, *nodes], loc)

    def bind_graph_args(self, graph: Graph, nodes, kwargs, block, loc):
        names = graph.flags["argnames"]
        defaults = graph.flags["defaults"]
        if len(nodes) > len(names):
            raise MyiaTypeError(
                f"`{graph.name}` takes {len(names)} positional arguments but {len(nodes)} were given",
                loc,
            )
        bound: dict[str, Node] = dict(zip(names, nodes))
        for k, v in kwargs.items():
            if k not in names:
                raise MyiaTypeError(f"`{graph.name}` got an unexpected keyword argument `{k}`", loc)
            if k in bound:
                raise MyiaTypeError(f"`{graph.name}` got multiple values for argument `{k}`", loc)
            bound[k] = self.lower_expr(block, v)
        out = []
        for name in names:
            if name in bound:
                out.append(bound[name])
            elif name in defaults:
                out.append(Constant(defaults[name], loc))
            else:
                raise MyiaTypeError(f"`{graph.name}` is missing the argument `{name}`", loc)
        return out


def _as_type_constant(node: Node, loc) -> Node:
    """A dtype or isinstance argument naming types (`float`, `(tuple, list)`) as a constant of
    Python types, not of the primitives those names call."""
    if isinstance(node, Constant):
        return Constant(python_object_of(node.value), loc)
    if isinstance(node, Apply) and node.is_apply(P("make_tuple")):
        items = [_as_type_constant(x, loc) for x in node.inputs[1:]]
        if all(isinstance(x, Constant) for x in items):
            return Constant(tuple(x.value for x in items), loc)
    return node


def _single_defs(body: list[ast.stmt], args: ast.arguments) -> dict[str, Graph]:
    """Nested functions defined once, at the top level of `body`, and never rebound: their
    name means their graph everywhere in the function (so siblings may call each other in
    any order, as Python allows once both are defined)."""
    counts: dict[str, int] = {a.arg: 1 for a in args.posonlyargs + args.args}
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            counts[node.name] = counts.get(node.name, 0) + 1
            continue
        if isinstance(
            node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
        ):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            counts[node.id] = counts.get(node.id, 0) + 1
        stack.extend(ast.iter_child_nodes(node))
    return {
        stmt.name: Graph(stmt.name)
        for stmt in body
        if isinstance(stmt, ast.FunctionDef) and counts.get(stmt.name) == 1
    }


def _as_load(target: ast.expr) -> ast.expr:
    """A copy of an assignment target usable as an expression."""
    new = ast.parse(ast.unparse(target), mode="eval").body
    for a, b in zip(ast.walk(new), ast.walk(target)):
        ast.copy_location(a, b)
    return new


def _iteration(it: ast.expr, index: ast.expr, pre: list[ast.stmt]) -> tuple[ast.expr, ast.expr]:
    """(length, item at `index`) for iterating over `it`; appends set-up statements to `pre`.

    `enumerate(...)` and `zip(...)` iterate their arguments in step (and nest); anything
    else is indexed along its first axis.
    """
    is_call = isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and not it.keywords
    if is_call and it.func.id == "enumerate" and len(it.args) == 1:
        length, item = _iteration(it.args[0], index, pre)
        return length, ast.Tuple([index, item], ast.Load())
    if is_call and it.func.id == "zip" and it.args:
        parts = [_iteration(a, index, pre) for a in it.args]
        length = parts[0][0]
        for other, _ in parts[1:]:
            length = ast.Call(ast.Name(".min", ast.Load()), [length, other], [])
        return length, ast.Tuple([item for _, item in parts], ast.Load())
    seq = _fresh("seq")
    pre.append(ast.Assign([ast.Name(seq, ast.Store())], it))
    length = ast.Call(ast.Name(".len", ast.Load()), [ast.Name(seq, ast.Load())], [])
    return length, ast.Subscript(ast.Name(seq, ast.Load()), index, ast.Load())


def desugar_for(stmt: ast.For) -> list[ast.stmt]:
    """Rewrite `for target in it: body` into an indexed `while` loop."""
    n, i = _fresh("n"), _fresh("i")
    pre: list[ast.stmt] = []
    length, item = _iteration(stmt.iter, ast.Name(i, ast.Load()), pre)
    pre += [
        ast.Assign([ast.Name(n, ast.Store())], length),
        ast.Assign([ast.Name(i, ast.Store())], ast.Constant(0)),
    ]
    body = [
        ast.Assign([stmt.target], item),
        ast.Assign(
            [ast.Name(i, ast.Store())],
            ast.BinOp(ast.Name(i, ast.Load()), ast.Add(), ast.Constant(1)),
        ),
        *stmt.body,
    ]
    test = ast.Compare(ast.Name(i, ast.Load()), [ast.Lt()], [ast.Name(n, ast.Load())])
    out = pre + [ast.While(test=test, body=body, orelse=[])]
    _fix_locations(out, stmt)
    return out


def _fix_locations(nodes, ref):
    for s in nodes:
        for node in ast.walk(s):
            if isinstance(node, (ast.expr, ast.stmt)) and getattr(node, "lineno", None) is None:
                ast.copy_location(node, ref)


_INTERNAL = {
    ".len": "len",
    ".min": "builtin.min",
    ".list_append": "list_append",
    ".raise_": "raise_",
}
