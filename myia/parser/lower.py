"""Lowering of Python statements to the graph IR, as structured regions.

A function is a graph; a region of code (the body of a branch or of a loop) is a graph
nested in it, which reads the variables around it as free variables. Control flow keeps
the structure of the source:

- `if c: ... else: ...` whose branches both go on is `t = switch(c, T, F)()`: each
  branch returns the tuple of the variables it may assign, and the statements after the
  `if` read them from `t`, in the same graph (the same join as `a if c else b`);
- an `if` with a branch that returns (or breaks, or continues) puts the rest of the code
  in the other branch, so the switch is in tail position (`assert` is such an `if`);
  when both branches may go on and one may also leave early, the branches return an exit
  code with the variables and a switch on the code follows;
- `while` is a header graph `H(state)` called with the initial values of the variables
  the loop assigns: it tests the condition and either runs the body, which ends with the
  call `H(new state)` in tail position (`continue` too), or returns the state tuple
  (`break` too). `return` inside a loop sets the flag `.ret` and the value `.retval` in
  the state and breaks; a switch on the flag follows the loop. `for` loops are `while`
  loops over a counter (see `desugar`).

A local variable read where no assignment reaches it is the constant `Unbound(name)`,
whose use raises `UnboundLocalError` as Python does. Expression statements, assigned
values, joined `if`s and loops are kept as *effects* of their graph (extra inputs of its
return node), so that they still run (and raise: an `assert`, `x / 0.0`) when their values
are not used; the optimizer drops those that cannot raise (`myia.opt.effects`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from myia.errors import Location, MyiaSyntaxError
from myia.ir.nodes import Apply, Constant, Graph, Node
from myia.parser.desugar import (
    as_load,
    assigned_names,
    desugar_for,
    early_exits,
    falls_through,
    fix_locations,
    single_defs,
)
from myia.parser.expressions import _BINOPS, ExpressionLowerer
from myia.prim.defaults import MISSING
from myia.prim.registry import REGISTRY
from myia.prim.structures import Unbound

_CODES = {"fall": 0, "return": 1, "break": 2, "continue": 3}


class Region:
    """Where statements are being lowered: a graph and the current values of variables."""

    def __init__(self, fn: FunctionLowerer, graph: Graph, env: dict[str, Node]):
        self.fn = fn
        self.graph = graph
        self.env = dict(env)
        self.effects: list[Node] = []
        self.returned_at = None  # the line of the `return` that ends the region, if any

    def child(self, name: str, loc, kind: str = "branch") -> Region:
        g = Graph(name, loc)
        g.flags[kind] = True
        self.fn.session.graphs.append(g)
        return Region(self.fn, g, self.env)

    def read(self, name: str, loc) -> Node:
        return self.fn.read_name(self, name, loc)

    def write(self, name: str, node: Node) -> None:
        if name and not name.startswith(".") and isinstance(node, Apply) and node.name is None:
            node.name = name
        self.env[name] = node

    def finish(self, output: Node) -> Graph:
        self.graph.output = output
        if self.returned_at is not None:
            self.graph.return_.loc = self.returned_at
        if self.effects:
            live = [e for e in self.effects if e is not output]
            self.graph.return_.inputs.extend(live)
        return self.graph


class Ctx:
    """What the end of a statement list, `return`, `break` and `continue` do where the
    statements are lowered (each a function of the region and makes its output)."""

    def __init__(
        self,
        fall: Callable,
        ret: Callable | None = None,
        brk: Callable | None = None,
        cont: Callable | None = None,
    ):
        self.fall = fall
        self.ret = ret
        self.brk = brk
        self.cont = cont


class Session:
    """Everything built while lowering one top-level function and its nested functions."""

    def __init__(self, parse_function: Callable, filename: str, line_offset: int, col_offset: int):
        self.parse_function = parse_function
        self.filename = filename
        self.line_offset = line_offset
        self.col_offset = col_offset
        self.graphs: list[Graph] = []
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
        """Run the late expansions on the finished graphs."""
        repl: dict[Node, Node] = {}
        for node, expand in self.late_expansions:
            new = expand(node)
            if new is not None:
                repl[node] = new
        if repl:
            for a in self.applies:
                a.inputs = [repl.get(x, x) for x in a.inputs]
            for g in self.graphs:
                if g.return_ is not None:
                    g.return_.inputs = [repl.get(x, x) for x in g.return_.inputs]

    def called_graphs(self) -> list[Graph]:
        """The graphs of other parses (user functions, compiled functions) these graphs
        call or hold, in the order they appear."""
        own = {id(g) for g in self.graphs}
        found: dict[int, Graph] = {}
        nodes = [x for a in self.applies for x in a.inputs]
        nodes += [x for g in self.graphs if g.return_ is not None for x in g.return_.inputs]
        for x in nodes:
            if isinstance(x, Constant) and isinstance(x.value, Graph) and id(x.value) not in own:
                found.setdefault(id(x.value), x.value)
        return list(found.values())


class FunctionLowerer(ExpressionLowerer):
    """Lowers one Python function (a `def`, `lambda` or comprehension) into graphs."""

    def __init__(
        self,
        session: Session,
        namespace: dict[str, Any],
        name: str,
        node: ast.AST,
        outer: Region | None,
        graph: Graph | None = None,
    ):
        self.session = session
        self.namespace = namespace
        self.name = name
        self.node = node
        self.outer = outer
        if isinstance(node, ast.Lambda):
            body: list[ast.stmt] = [
                ast.Return(node.body, lineno=node.lineno, col_offset=node.col_offset)
            ]
        else:
            body = node.body
        self.body = body
        self.locals = assigned_names(body, node.args)
        self.def_graphs = {n: Graph(n) for n in single_defs(body, node.args)}
        self.graph = graph if graph is not None else Graph(name)
        self.graph.name = name
        self.graph.loc = session.loc(node)
        session.graphs.append(self.graph)
        session.graphs.extend(self.def_graphs.values())

    # Names ------------------------------------------------------------------------------------

    def is_local_anywhere(self, name: str) -> bool:
        if name in self.locals:
            return True
        return self.outer is not None and self.outer.fn.is_local_anywhere(name)

    def read_name(self, region: Region, name: str, loc) -> Node:
        if name in region.env:
            return region.env[name]
        if name in self.def_graphs:
            return Constant(self.def_graphs[name], loc)
        if name in self.locals or name.startswith("."):
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
        return self.global_node(region, name, loc)

    def carried(self, region: Region, name: str, loc) -> Node:
        """The value of `name` passed on by a region (a branch's result, a loop's state): an
        unassigned local is an `Unbound` without a line, so that the error of its use names
        the line of the use."""
        if (
            name not in region.env
            and name not in self.def_graphs
            and (name in self.locals or name.startswith("."))
        ):
            return Constant(Unbound(name.lstrip("."), None), loc)
        return self.read_name(region, name, loc)

    def is_builtin_range(self) -> bool:
        if self.is_local_anywhere("range"):
            return False
        from myia.parser.resolve import lookup_name

        return lookup_name(self.namespace, "range") is range

    def apply(self, region, inputs: list, loc) -> Apply:
        a = super().apply(region, inputs, loc)
        self.session.applies.append(a)
        return a

    # Functions --------------------------------------------------------------------------------

    def lower(self, defaults: dict[str, Any], computed: dict[str, Node] | None = None) -> Graph:
        """Lower the function with its `defaults` (constants); a parameter in `computed`
        defaults to that node of the enclosing function (its value at the definition)."""
        args = self.node.args
        params = args.posonlyargs + args.args
        entry = Region(self, self.graph, {})
        for a in params:
            p = self.graph.add_parameter(a.arg, self.session.loc(a))
            entry.env[a.arg] = p
            if computed and a.arg in computed:
                loc = self.session.loc(a)
                missing = self.prim(entry, "is_missing", [p], loc)
                entry.env[a.arg] = self.prim(entry, "switch", [missing, computed[a.arg], p], loc)
        if args.vararg is not None:  # `*args`: the tuple of the extra positional arguments
            name = args.vararg.arg
            entry.env[name] = self.graph.add_parameter(name, self.session.loc(args.vararg))
            self.graph.flags["vararg"] = name
        self.graph.flags["argnames"] = [a.arg for a in params]
        self.graph.flags["defaults"] = defaults
        ctx = Ctx(
            fall=lambda r: Constant(None, self.graph.loc),
            ret=lambda r, value: value,
        )
        entry.finish(self.lower_seq(entry, self.body, ctx))
        return self.graph

    def nested_function(
        self, region: Region, node: ast.FunctionDef | ast.Lambda, name: str
    ) -> Graph:
        defaults: dict[str, Any] = {}
        computed: dict[str, Node] = {}
        args = node.args
        params = args.posonlyargs + args.args
        for a, d in zip(params[len(params) - len(args.defaults) :], args.defaults):
            v = self.lower_expr(region, d)
            if isinstance(v, Apply) and v.is_apply(REGISTRY.lookup("live_array")):
                defaults[a.arg] = v.inputs[1].value.array  # read again where it is used
                continue
            if isinstance(v, Constant) and not isinstance(v.value, Graph):
                defaults[a.arg] = v.value
            else:
                defaults[a.arg] = MISSING
                computed[a.arg] = v
        graph = Graph(name, self.session.loc(node))
        if isinstance(node, ast.FunctionDef):
            graph = self.def_graphs.get(node.name, graph)
            region.write(node.name, Constant(graph, self.session.loc(node)))
        sub = FunctionLowerer(self.session, self.namespace, name, node, region, graph)
        return sub.lower(defaults, computed)

    # Statement lists --------------------------------------------------------------------------

    def lower_seq(self, region: Region, stmts: list[ast.stmt], ctx: Ctx) -> Node:
        """Lower `stmts` in `region`; returns the output of the region (what `ctx` makes of
        the end of the list, or of the `return`, `break` or `continue` that ends it)."""
        stmts = list(stmts)
        i = 0
        while i < len(stmts):
            stmt = stmts[i]
            loc = self.session.loc(stmt)
            rest = stmts[i + 1 :]
            if isinstance(stmt, ast.Return):
                value = (
                    Constant(None, loc)
                    if stmt.value is None
                    else self.lower_expr(region, stmt.value)
                )
                region.returned_at = loc
                return ctx.ret(region, value)
            if isinstance(stmt, ast.Break):
                return ctx.brk(region)
            if isinstance(stmt, ast.Continue):
                return ctx.cont(region)
            if isinstance(stmt, ast.Raise):
                return self.lower_expr(region, stmt.exc)
            if isinstance(stmt, ast.Assert):
                return self.lower_if(region, _assert_as_if(stmt), rest, ctx)
            if isinstance(stmt, ast.If):
                return self.lower_if(region, stmt, rest, ctx)
            if isinstance(stmt, ast.For):
                pre, counter, seqs = desugar_for(stmt, self.is_builtin_range)
                pre[-1]._myia_counter = counter
                pre[-1]._myia_seqs = seqs
                stmts[i : i + 1] = pre
                continue
            if isinstance(stmt, ast.While):
                if "return" in early_exits(stmt.body):
                    return self.lower_while(region, stmt, rest, ctx)
                self.lower_while(region, stmt, None, ctx)
            else:
                self.lower_simple(region, stmt, loc)
            i += 1
        return ctx.fall(region)

    def assigned(self, region: Region, expr: ast.expr) -> Node:
        """The value of an assignment, kept as an effect: Python computes it where it is not
        used (`t = x / y` raises for `y == 0.0`, a call may `assert`); the optimizer drops
        the effects that cannot raise."""
        value = self.lower_expr(region, expr)
        if not isinstance(expr, (ast.Name, ast.Constant, ast.Lambda)):  # a lambda cannot raise
            region.effects.append(value)
        return value

    def lower_simple(self, region: Region, stmt: ast.stmt, loc) -> None:
        if isinstance(stmt, ast.Expr):
            if not isinstance(stmt.value, ast.Constant):
                region.effects.append(self.lower_expr(region, stmt.value))
        elif isinstance(stmt, ast.Pass):
            pass
        elif isinstance(stmt, ast.Assign) and getattr(stmt, "_myia_counter", False):
            value = self.lower_expr(region, stmt.value)  # a `for` loop's (`desugar_for`)
            for target in stmt.targets:
                self.assign(region, target, value, loc)
        elif isinstance(stmt, ast.Assign):
            value = self.assigned(region, stmt.value)
            for target in stmt.targets:
                self.assign(region, target, value, loc)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.assign(region, stmt.target, self.assigned(region, stmt.value), loc)
        elif isinstance(stmt, ast.AugAssign):
            op = _BINOPS.get(type(stmt.op))
            if op is None:
                raise MyiaSyntaxError(
                    f"augmented operator `{type(stmt.op).__name__}` is not supported", loc
                )
            current = self.lower_expr(region, as_load(stmt.target))
            refusal = getattr(stmt, "_myia_mutable_refusal", None)
            if refusal is not None:  # refused if `x` is an array or a list (`prim/guards.py`)
                current = self.prim(region, "refuse_mutable", [current, Constant(refusal)], loc)
                region.effects.append(current)  # checked even where the new value is not used
            value = self.prim(region, op, [current, self.lower_expr(region, stmt.value)], loc)
            region.effects.append(value)  # runs where the new value is not used (`x /= 0.0`)
            self.assign(region, stmt.target, value, loc)
        elif isinstance(stmt, ast.FunctionDef):
            self.nested_function(region, stmt, stmt.name)
        else:
            raise MyiaSyntaxError(f"`{type(stmt).__name__}` statements are not supported", loc)

    def assign(self, region: Region, target: ast.expr, value: Node, loc) -> None:
        if isinstance(target, ast.Name):
            region.write(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            seq = self.prim(region, "unpack_seq", [value, Constant(len(target.elts), loc)], loc)
            for i, elt in enumerate(target.elts):
                self.assign(
                    region, elt, self.prim(region, "getitem", [seq, Constant(i, loc)], loc), loc
                )
        elif isinstance(target, ast.Subscript):
            container = self.lower_expr(region, as_load(target.value))
            index = self.lower_index(region, target.slice)
            updated = self.prim(region, "setitem", [container, index, value], loc)
            self.assign(region, target.value, updated, loc)
        else:
            raise MyiaSyntaxError(
                f"assignment to `{ast.unparse(target)}` is not supported; assign to a name", loc
            )

    # if ---------------------------------------------------------------------------------------

    def lower_if(self, region: Region, stmt: ast.If, rest: list[ast.stmt], ctx: Ctx) -> Node:
        loc = self.session.loc(stmt)
        cond = self.prim(region, "truth", [self.lower_expr(region, stmt.test)], loc)
        goes_t, goes_f = falls_through(stmt.body), falls_through(stmt.orelse)
        if not (goes_t and goes_f):
            # At most one branch goes on: the rest of the code is that branch's.
            t = region.child(f"{self.name}:if_true", loc)
            f = region.child(f"{self.name}:if_false", loc)
            t.finish(self.lower_seq(t, stmt.body + (rest if goes_t else []), ctx))
            f.finish(self.lower_seq(f, stmt.orelse + (rest if goes_f else []), ctx))
            return self.switch_call(region, cond, t.graph, f.graph, loc)
        exits = early_exits(stmt.body) | early_exits(stmt.orelse)
        live = sorted(assigned_names(stmt.body) | assigned_names(stmt.orelse))
        if exits:
            if "return" in exits and ".retval" not in region.env:
                region.env[".retval"] = Constant(Unbound("return value", loc), loc)
            live = live + [".exit"] + ([".retval"] if "return" in exits else [])
        branch_ctx = _exit_ctx(self, live, loc)
        t = region.child(f"{self.name}:if_true", loc)
        f = region.child(f"{self.name}:if_false", loc)
        t.finish(self.lower_seq(t, stmt.body, branch_ctx))
        f.finish(self.lower_seq(f, stmt.orelse, branch_ctx))
        joined = self.switch_call(region, cond, t.graph, f.graph, loc)
        region.effects.append(joined)
        for j, v in enumerate(live):
            region.write(v, self.prim(region, "getitem", [joined, Constant(j, loc)], loc))
        if not exits:
            return self.lower_seq(region, rest, ctx)
        cases = {"fall": lambda r: self.lower_seq(r, rest, ctx)}
        if "return" in exits:
            cases["return"] = lambda r: ctx.ret(r, r.read(".retval", loc))
        if "break" in exits:
            cases["break"] = ctx.brk
        if "continue" in exits:
            cases["continue"] = ctx.cont
        return self.dispatch(region, region.read(".exit", loc), cases, loc)

    def dispatch(self, region: Region, code: Node, cases: dict, loc) -> Node:
        """A tail switch on the exit code `code` between the `cases` (kind -> lowering)."""
        kinds = list(cases)
        if len(kinds) == 1:
            return cases[kinds[0]](region)
        first, others = kinds[0], {k: cases[k] for k in kinds[1:]}
        test = self.prim(region, "eq", [code, Constant(_CODES[first], loc)], loc)
        t = region.child(f"{self.name}:exit_{first}", loc)
        f = region.child(f"{self.name}:exit_other", loc)
        t.finish(cases[first](t))
        f.finish(self.dispatch(f, code, others, loc))
        return self.switch_call(region, test, t.graph, f.graph, loc)

    # while ------------------------------------------------------------------------------------

    def lower_while(
        self, region: Region, stmt: ast.While, rest: list[ast.stmt] | None, ctx: Ctx
    ) -> Node | None:
        loc = self.session.loc(stmt)
        returns = "return" in early_exits(stmt.body)
        state = sorted(assigned_names(stmt.body))
        if returns:
            state += [".ret", ".retval"]
        header = Graph(f"{self.name}:while", loc)
        header.flags["loop"] = True
        self.session.graphs.append(header)
        h = Region(self, header, region.env)
        for v in state:
            h.env[v] = header.add_parameter(v.lstrip("."), loc)
        counter = getattr(stmt, "_myia_counter", None)
        if counter in state:
            header.flags["counter"] = state.index(counter)
            header.flags["sequences"] = [region.env[s] for s in stmt._myia_seqs if s in region.env]
        cond = self.prim(h, "truth", [self.lower_expr(h, stmt.test)], loc)
        body = h.child(f"{self.name}:while_body", loc)
        exit_ = h.child(f"{self.name}:while_exit", loc)

        def again(r):
            return self.apply(
                r, [Constant(header, loc), *[self.carried(r, v, loc) for v in state]], loc
            )

        def leave(r):
            return self.prim(r, "make_tuple", [self.carried(r, v, loc) for v in state], loc)

        def ret(r, value):
            r.write(".ret", Constant(True, loc))
            r.write(".retval", value)
            return leave(r)

        body.finish(
            self.lower_seq(body, stmt.body, Ctx(fall=again, ret=ret, brk=leave, cont=again))
        )
        exit_.finish(leave(exit_))
        h.finish(self.switch_call(h, cond, body.graph, exit_.graph, loc))
        init = []
        for v in state:
            if v == ".ret":
                init.append(Constant(False, loc))
            elif v == ".retval":
                init.append(Constant(Unbound("return value", loc), loc))
            else:
                init.append(self.carried(region, v, loc))
        result = self.apply(region, [Constant(header, loc), *init], loc)
        region.effects.append(result)
        for j, v in enumerate(state):
            region.write(v, self.prim(region, "getitem", [result, Constant(j, loc)], loc))
        if not returns:
            return None
        flag = self.prim(region, "truth", [region.read(".ret", loc)], loc)
        t = region.child(f"{self.name}:returned", loc)
        f = region.child(f"{self.name}:after_loop", loc)
        t.finish(ctx.ret(t, t.read(".retval", loc)))
        f.finish(self.lower_seq(f, rest or [], ctx))
        return self.switch_call(region, flag, t.graph, f.graph, loc)


def _exit_ctx(fn: FunctionLowerer, live: list[str], loc) -> Ctx:
    """The context of the branches of a joined `if`: each returns the tuple of `live`
    (with the exit code `.exit` when the branches may also leave early)."""

    def out(kind):
        def make(r, value=None):
            if ".exit" in live:
                r.write(".exit", Constant(_CODES[kind], loc))
            if kind == "return":
                r.write(".retval", value)
            return fn.prim(r, "make_tuple", [fn.carried(r, v, loc) for v in live], loc)

        return make

    return Ctx(fall=out("fall"), ret=out("return"), brk=out("break"), cont=out("continue"))


def _assert_as_if(stmt: ast.Assert) -> ast.If:
    fail = ast.Raise(
        exc=ast.Call(
            func=ast.Name(".raise_", ast.Load()),
            args=[ast.Name(".AssertionError", ast.Load()), stmt.msg or ast.Constant(None)],
            keywords=[],
        ),
        cause=None,
    )
    new = ast.If(test=ast.UnaryOp(ast.Not(), stmt.test), body=[fail], orelse=[])
    fix_locations([new], stmt)
    for n in ast.walk(new):
        ast.copy_location(n, stmt)
    return new
