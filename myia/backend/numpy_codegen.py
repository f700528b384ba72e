"""Code generation: a graph in, the source of a Python module calling NumPy out.

Graphs become Python functions; closures become nested `def`s that bind the values they
capture as keyword-only defaults (`def bprop(dout, *, x=x)`), so a closure made in a loop
keeps the values of its own iteration. Control flow is rebuilt from the IR's tail calls:

- `switch(c, T, F)()` becomes `if c: ... else: ...`, with the branch graphs written inline;
- a block that every branch of an `if` jumps to (a join point) is written after the `if`;
- a graph that calls itself in tail position from its own body (a loop header, a
  tail-recursive function) becomes `while True:`, its self calls `continue`, and the block it
  leaves to becomes the code after the loop (`break`); a loop that counts (an int counter
  tested with `<` against an int bound made outside it, stepping by 1, or the backward
  loop of a tape counting down) becomes `for counter in range(...)`;
- with the types of the nodes, an elementwise operation may write into an operand the
  program no longer needs (`myia.backend.buffers`);
- other calls stay calls.

Primitives are emitted as their implementation's expression when it is a single `return`
(`a + b`, `np.tanh(x)`), otherwise as a call of the implementation; a value used once on
its own source line is written inside the expression that uses it (see `inlined`). Every statement
remembers the user's source line: `Module.text` carries it as a comment, `Module.line_map`
maps generated lines back for error messages.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from myia.backend.buffers import BufferReuse, add_into, write_into
from myia.backend.emit import emit_primitive, emit_template
from myia.errors import Location
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node, Parameter, prim_of, toposort
from myia.prim import lookup as P
from myia.prim.registry import Primitive
from myia.prim.tape import EFFECTS

_switch = P("switch")
_apply = P("apply")
_make_tuple = P("make_tuple")
_make_list = P("make_list")
_truth = P("truth")
# Primitives written as statements: they have effects, or raise.
_STATEMENTS = {"raise_", "grad_of", "unit_sens", "grad_output", "switch", *EFFECTS}
_lt = P("lt")
_tape_push = P("tape_push")
_tape_get = P("tape_get")  # reads a list at an index it made: cannot raise
_eq = P("eq")
_sub = P("sub")
_add = P("add")
_RESERVED = set(keyword.kwlist) | set(dir(builtins)) | {"np", "math", "ZERO", "add_into"}


@dataclass
class Line:
    text: str
    loc: Location | None = None


@dataclass
class Block:
    header: str
    body: list
    loc: Location | None = None
    orelse: list | None = None


@dataclass
class Ctx:
    """Where the code being written sits: the loop it is in and its exits, pending joins,
    closures already defined in enclosing blocks, and where an expression's value goes."""

    loop: Graph | None = None
    loop_exit: Graph | None = None
    joins: tuple = ()  # pending joins, innermost last
    closures: dict = field(default_factory=dict)
    target: str | None = None  # assign the region's value to this name instead of returning
    counter: Parameter | None = None  # the loop's `for` variable (see `counted_loop`)
    hoisted: tuple = ()  # loop parameters assigned after a `for` loop, not in it

    def child(self, **kw) -> Ctx:
        base = dict(
            loop=self.loop,
            loop_exit=self.loop_exit,
            joins=self.joins,
            closures=dict(self.closures),
            target=self.target,
            counter=self.counter,
            hoisted=self.hoisted,
        )
        base.update(kw)
        return Ctx(**base)


@dataclass
class Counted:
    """A loop written as `for var in range(*range_args):` (see `Codegen.counted_loop`):
    `param`, the loop parameter the `for` statement steps (not bound by the body's jump
    back); `tests`, the nodes of the header's test, whose value is `test_in_body` in the
    body; `skip`, the nodes the `for` statement computes instead."""

    var: Node
    param: Parameter
    range_args: tuple
    tests: set
    body: Graph
    exit_branch: Graph
    test_in_body: bool
    skip: list
    constants: dict = field(default_factory=dict)  # parameter -> the constant each jump binds


@dataclass
class Module:
    """Generated code: its text, the name of the entry function, the constants it needs and
    the map from generated line numbers to the user's source locations."""

    text: str
    entry: str
    namespace: dict[str, Any]
    line_map: dict[int, Location]


class Codegen:
    """Generates the module for one (optimized) root graph."""

    def __init__(self, root: Graph, types=None):
        self.root = root
        self.mng = Manager(root)
        self.types = types
        self.reuse = BufferReuse(self.mng, types.array if types is not None else None)
        self.names: dict[Any, str] = {}
        self.used_names: set[str] = set(_RESERVED)
        self.next_suffix: dict[str, int] = {}
        self.namespace: dict[str, Any] = {"np": np, "math": math, "add_into": add_into}
        self.const_names: dict[int, str] = {}
        self.toplevel: list = []
        self.emitted_toplevel: set[Graph] = set()
        self._uses = self._graph_uses()
        self._exits: dict[Graph, Counter] = {}
        self.skipped: set[Apply] = set()  # nodes a `for` statement computes instead
        self._inlined: dict[Apply, bool] = {}  # see `inlined`

    # Names --------------------------------------------------------------------------------

    def fresh(self, base: str) -> str:
        base = re.sub(r"\W", "_", base or "t").strip("_") or "t"
        if base[0].isdigit():
            base = "_" + base
        name = base
        i = self.next_suffix.get(base, 1)
        while name in self.used_names:
            i += 1
            name = f"{base}_{i}"
        self.next_suffix[base] = i
        self.used_names.add(name)
        return name

    def name(self, node: Node) -> str:
        n = self.names.get(node)
        if n is None:
            base = node.name or ("p" if isinstance(node, Parameter) else "t")
            n = self.fresh(base)
            self.names[node] = n
        return n

    def graph_name(self, g: Graph) -> str:
        key = ("graph", g)
        if key not in self.names:
            self.names[key] = self.fresh(g.name.replace(":", "_").replace(".", "_"))
        return self.names[key]

    def constant(self, value: Any) -> ast.expr:
        if value is None or isinstance(value, (bool, str)):
            return ast.Constant(value)
        if isinstance(value, (int, float)) and type(value) in (int, float):
            if isinstance(value, float) and not math.isfinite(value):
                return self._named_constant(value, "inf" if value > 0 else "nan")
            if value < 0:
                return ast.UnaryOp(ast.USub(), ast.Constant(-value))
            return ast.Constant(value)
        if isinstance(value, tuple) and all(
            v is None or type(v) in (int, float, bool, str) for v in value
        ):
            return ast.Tuple([self.constant(v) for v in value], ast.Load())
        if isinstance(value, slice):
            return ast.Call(
                ast.Name("slice", ast.Load()),
                [self.constant(value.start), self.constant(value.stop), self.constant(value.step)],
                [],
            )
        if isinstance(value, Primitive):
            return self._named_constant(value.impl, value.name.replace(".", "_"))
        return self._named_constant(value, _const_base(value))

    def _named_constant(self, value: Any, base: str) -> ast.expr:
        key = id(value)
        name = self.const_names.get(key)
        if name is None:
            name = self.fresh("_" + base)
            self.const_names[key] = name
            self.namespace[name] = value
        return ast.Name(name, ast.Load())

    # Analyses -----------------------------------------------------------------------------

    def _graph_uses(self) -> dict[Graph, list[tuple[Apply, int]]]:
        uses: dict[Graph, list[tuple[Apply, int]]] = {}
        for node in self.mng.all_nodes:
            if isinstance(node, Constant) and isinstance(node.value, Graph):
                for user, i in self.mng.uses.get(node, ()):
                    if user.graph in self.mng.graphs:
                        uses.setdefault(node.value, []).append((user, i))
        return uses

    def use_count(self, g: Graph) -> int:
        return len(self._uses.get(g, ()))

    def switch_call(self, node: Node):
        """(cond, T, F, args) when `node` is `switch(c, @T, @F)(*args)` with both branches
        used only there (so they can be written inline), else None."""
        if not isinstance(node, Apply):
            return None
        sw = node.inputs[0]
        if not (isinstance(sw, Apply) and sw.is_apply(_switch)):
            return None
        if len(self.mng.uses.get(sw, ())) != 1:
            return None
        c, t, f = sw.inputs[1:]
        if not (isinstance(t, Constant) and isinstance(t.value, Graph)):
            return None
        if not (isinstance(f, Constant) and isinstance(f.value, Graph)):
            return None
        tg, fg = t.value, f.value
        if tg is fg or not self.writable_inline(tg) or not self.writable_inline(fg):
            return None
        args = node.inputs[1:]
        if len(tg.parameters) != len(args) or len(fg.parameters) != len(args):
            return None
        return c, tg, fg, args

    def writable_inline(self, g: Graph) -> bool:
        """Whether a branch graph can be written inline: used once, or computing nothing
        (its output a constant or a parameter, like the shared zero branch of a rule)."""
        if self.use_count(g) == 1:
            return True
        out = g.output
        return isinstance(out, Constant) or (isinstance(out, Parameter) and out.graph is g)

    def tail_call(self, g: Graph):
        """(callee graph, args) when `g` ends with a direct call of a known graph."""
        out = g.output
        if isinstance(out, Apply) and out.graph is g and isinstance(out.inputs[0], Constant):
            callee = out.inputs[0].value
            if isinstance(callee, Graph) and len(callee.parameters) == len(out.inputs) - 1:
                return callee, out.inputs[1:]
        return None

    def exits(self, g: Graph, visiting: frozenset = frozenset()) -> Counter:
        """The graphs the region written for `g` leaves to by tail calls (with counts)."""
        if g in self._exits:
            return self._exits[g]
        if g in visiting:
            return Counter()
        visiting = visiting | {g}
        out: Counter = Counter()
        sc = self.switch_call(g.output) if g.output is not None and g.output.graph is g else None
        tc = self.tail_call(g)
        if sc is not None:
            _, t, f, _ = sc
            out = self.exits(t, visiting) + self.exits(f, visiting)
            join = self.find_join(out, g)
            if join is not None:
                del out[join]
                out += self.exits(join, visiting)
        elif tc is not None:
            callee = tc[0]
            if self.use_count(callee) == 1 and callee is not self.root:
                out = Counter(self.exits(callee, visiting))
            else:
                out[callee] += 1
        self._exits[g] = out
        return out

    def find_join(self, exits: Counter, owner: Graph) -> Graph | None:
        """The graph all of whose uses are the tail calls counted in `exits` (an if's join)."""
        cands = [
            j
            for j, n in exits.items()
            if n == self.use_count(j)
            and n >= 1
            and j is not owner
            and j is not self.root
            and not self.is_loop(j)
        ]
        return cands[0] if len(cands) == 1 else None

    def is_loop(self, g: Graph) -> bool:
        return self.exits(g).get(g, 0) > 0

    # Expressions --------------------------------------------------------------------------

    def ref(self, node: Node, ctx: Ctx, out: list) -> ast.expr:
        """An expression for the value of `node` (defining closures as needed): its
        variable, or its own expression when it is written where it is used."""
        if isinstance(node, Constant):
            v = node.value
            if isinstance(v, Graph):
                return ast.Name(self.function_value(v, ctx, out), ast.Load())
            return self.constant(v)
        if isinstance(node, Apply) and self.inlined(node):
            return self.apply_expr(node, ctx, out)
        return ast.Name(self.name(node), ast.Load())

    def inlined(self, node: Apply) -> bool:
        """Whether `node` is written inside the expression of its only user, as a person
        writes `x * 0.9 + math.sin(x) * 0.1`, instead of as a statement of its own: a
        primitive without effects, used once, on the same source line, by an operation
        that reads each of its arguments once (or an `if`, a call, a tuple, a jump), and
        whose array it does not write into (`myia.backend.buffers`)."""
        hit = self._inlined.get(node)
        if hit is None:
            hit = self._inlinable(node)
            self._inlined[node] = hit
        return hit

    @staticmethod
    def _same_line(a: Node, b: Node) -> bool:
        return (
            a.loc is not None
            and b.loc is not None
            and (a.loc.filename, a.loc.lineno) == (b.loc.filename, b.loc.lineno)
        )

    def _inlinable(self, node: Apply) -> bool:
        prim = prim_of(node)
        t = emit_template(prim) if prim is not None and prim.name not in _STATEMENTS else None
        if t is None or isinstance(t.expr, ast.IfExp) or node in self.reuse.targets:
            return False
        uses = self.mng.uses.get(node, ())
        if len(uses) != 1:
            return False
        user, i = next(iter(uses))
        if user.graph is not node.graph or user is user.graph.return_:
            return False
        # A jump's binding takes the line of what it computes, when that is one line.
        jump = (
            user is user.graph.output
            and prim_of(user) is None
            and all(
                not isinstance(a, Apply)
                or a.graph is not node.graph
                or a is node
                or a in self.skipped
                or self._same_line(a, node)
                for a in user.inputs[1:]
            )
        )
        if not (jump or prim is _tape_get or self._same_line(node, user)):
            return False  # an error names the line of the statement that raises
        up = prim_of(user)
        if up is None or up in (_make_tuple, _make_list):
            return True  # a call, a jump (bound to parameters) or a tuple
        if up is _switch:
            return i == 1 and len(self.mng.uses.get(user, ())) == 1  # the test of an `if`
        ut = emit_template(up)
        if ut is None or i > len(ut.params):
            return False
        name = ut.params[i - 1]
        if name in ut.identity_params:
            return False  # `x is ZERO` needs a name
        return sum(isinstance(n, ast.Name) and n.id == name for n in ast.walk(ut.expr)) == 1

    def function_value(self, g: Graph, ctx: Ctx, out: list) -> str:
        """The name of a Python function for graph `g`, defining it here if needed."""
        if not self.mng.ordered_free_variables(g):
            if g not in self.emitted_toplevel:
                self.emitted_toplevel.add(g)
                self.toplevel.append(self.function_def(g, Ctx()))
            return self.graph_name(g)
        name = ctx.closures.get(g)
        if name is None:
            name = self.graph_name(g)
            ctx.closures[g] = name
            out.append(self.function_def(g, ctx))
        return name

    def function_def(self, g: Graph, outer: Ctx) -> Block:
        """`def` of graph `g`; closures visible where it is defined stay visible inside."""
        params = [self.name(p) for p in g.parameters]
        defaults = g.flags.get("defaults") or {}
        argnames = g.flags.get("argnames") or []
        if defaults and len(argnames) == len(params):
            k = len(params)
            while k > 0 and argnames[k - 1] in defaults:
                k -= 1
            for j in range(k, len(params)):
                value = ast.unparse(self.constant(defaults[argnames[j]]))
                params[j] = f"{params[j]}={value}"
        fvs = [n for n in self.mng.ordered_free_variables(g) if not isinstance(n, Constant)]
        sig = ", ".join(params)
        if fvs:
            binds = ", ".join(f"{self.name(n)}={self.name(n)}" for n in fvs)
            sig = f"{sig}, *, {binds}" if sig else f"*, {binds}"
        ctx = Ctx(closures={**outer.closures, g: self.graph_name(g)})
        body = self.loop_block(g, ctx) if self.is_loop(g) else self.region(g, ctx)
        return Block(f"def {self.graph_name(g)}({sig})", body or [Line("pass")], g.loc)

    def loop_exit(self, g: Graph) -> Graph | None:
        """The block a loop header's `if` leads out to (written after the loop)."""
        sc = self.switch_call(g.output) if g.output is not None and g.output.graph is g else None
        if sc is None:
            return None
        _, t, f, _ = sc
        return self.find_join(self.exits(t) + self.exits(f), g)

    def loop_block(self, g: Graph, ctx: Ctx) -> list:
        """`while True:` around the region of loop header `g` (or a `for` loop, see
        `counted_loop`), then the loop's exit block."""
        exit_ = self.loop_exit(g)
        counted = self.counted_loop(g)
        if counted is not None:
            return self.for_block(g, counted, exit_, ctx)
        body = self.region(g, ctx.child(loop=g, loop_exit=exit_))
        out: list = [Block("while True", body, g.loc)]
        if exit_ is not None:
            out.extend(self.region(exit_, ctx))
        return out

    def counted_loop(self, g: Graph) -> Counted | None:
        """How loop header `g` is written as a `for` loop, if it is a counted loop: it
        computes nothing but `counter < bound` (an int parameter, an int bound made
        outside the loop) and branches on it, to a body that comes back with
        `counter + 1` through straight-line blocks, and the counter is read only in the
        header and the body: `for counter in range(counter, bound):`. The backward loop
        of a tape counts down instead (see `_tape_countdown`)."""
        if self.types is None or g.output is None or g.output.graph is not g:
            return None
        sc = self.switch_call(g.output)
        if sc is None or sc[3]:
            return None
        cond, then, orelse, _ = sc
        test = cond.inputs[1] if prim_of(cond) is _truth else cond
        if not self._only_the_test(g, test, cond):
            return None
        if prim_of(test) is _eq and g.flags.get("tape_backward"):
            return self._tape_countdown(g, test, cond, then, orelse)
        if prim_of(test) is not _lt:
            return None
        counter, bound = test.inputs[1:]
        if not (
            isinstance(counter, Parameter) and counter.graph is g and self.types.is_int(counter)
        ):
            return None
        if isinstance(bound, Constant):
            if type(bound.value) is not int:
                return None
        elif bound.graph in self.mng.scope(g) or not self.types.is_int(bound):
            return None
        tail = self._tail_to(then, g)
        if tail is None:
            return None
        step = tail.inputs[1 + g.parameters.index(counter)]
        if not (
            prim_of(step) is _add and step.inputs[1] is counter and self._is_int(step.inputs[2], 1)
        ):
            return None
        after = self.mng.scope(orelse)
        if any(user.graph in after for user, _ in self.mng.uses.get(counter, ())):
            return None
        skip = [step] if [u for u, _ in self.mng.uses.get(step, ())] == [tail] else []
        return Counted(counter, counter, (counter, bound), {test, cond}, then, orelse, True, skip)

    def _only_the_test(self, g: Graph, test: Node, cond: Node) -> bool:
        """Whether loop header `g` computes its test and the branch on it, and nothing else."""
        header = {n for n in self.mng.nodes[g] if isinstance(n, Apply)} - {g.return_}
        return header == {test, cond, g.output.inputs[0], g.output}

    def _tape_countdown(self, g: Graph, test: Apply, cond: Node, done: Graph, body: Graph):
        """The backward loop of a tape (`myia.ad.tape`): `while i != 0: j = i - k; ...;
        i = j`, where `i` is a multiple of `k` (the tape holds k values per iteration), as
        `for j in range(i - k, -1, -k):`."""
        counter, zero = test.inputs[1:]
        if not (isinstance(counter, Parameter) and counter.graph is g and self._is_int(zero, 0)):
            return None
        tail = self._tail_to(body, g)
        if tail is None:
            return None
        step = tail.inputs[1 + g.parameters.index(counter)]
        if not (
            prim_of(step) is _sub
            and step.inputs[1] is counter
            and isinstance(step.inputs[2], Constant)
        ):
            return None
        k = step.inputs[2].value
        if (
            type(k) is not int
            or k < 1
            or {u for u, _ in self.mng.uses.get(counter, ())} != {test, step}
        ):
            return None
        start = Apply([Constant(_sub), counter, Constant(k)], g, g.loc)
        # Parameters every iteration sets to the same constant (the sensitivities of what
        # the iterations do not differentiate): set once, after the loop, if it ran.
        inside = self.mng.scope(body)
        constants = {
            p: a
            for p, a in zip(g.parameters, tail.inputs[1:])
            if isinstance(a, Constant)
            and p is not counter
            and not any(u.graph in inside for u, _ in self.mng.uses.get(p, ()))  # read after only
        }
        return Counted(
            step,
            counter,
            (start, Constant(-1), Constant(-k)),
            {test, cond},
            body,
            done,
            False,
            [step],
            constants,
        )

    def _is_int(self, node: Node, value: int) -> bool:
        return isinstance(node, Constant) and type(node.value) is int and node.value == value

    def _tail_to(self, start: Graph, g: Graph) -> Apply | None:
        """The tail call of `g` that straight-line blocks from `start` end with (each
        block used once), or None."""
        h = start
        for _ in range(64):
            tc = self.tail_call(h)
            if tc is None:
                return None
            if tc[0] is g:
                return h.output
            if self.use_count(tc[0]) != 1 or tc[0] is self.root:
                return None
            h = tc[0]
        return None

    def for_block(self, g: Graph, c: Counted, exit_: Graph | None, ctx: Ctx) -> list:
        """`for var in range(...):` with the body's region, then the exit branch and the
        loop's exit block. The test's value, where something other than the branch reads
        it, is assigned in the body and after the loop."""
        self.skipped.update(c.skip)
        out: list = []
        bounds = ", ".join(
            self._inline(n, ctx, out)
            if isinstance(n, Apply) and n not in self.mng.all_nodes
            else ast.unparse(self.ref(n, ctx, out))
            for n in c.range_args
        )
        inside = self.mng.scope(c.body)
        switch = g.output.inputs[0]
        readers = {
            t: [u for u, _ in self.mng.uses.get(t, ()) if u is not switch and u not in c.tests]
            for t in c.tests
        }
        inner = ctx.child(loop=g, loop_exit=exit_, counter=c.param, hoisted=tuple(c.constants))
        statements = [
            Line(f"{self.name(t)} = {c.test_in_body}", g.loc)
            for t, us in readers.items()
            if any(u.graph in inside for u in us)
        ]
        statements += self.branch(c.body, [], inner)
        out.append(Block(f"for {self.name(c.var)} in range({bounds})", statements, g.loc))
        if c.constants:  # the loop ran when the tape is not empty
            names = ", ".join(self.name(p) for p in c.constants)
            values = ", ".join(ast.unparse(self.ref(a, ctx, out)) for a in c.constants.values())
            out.append(
                Block(f"if {self.name(c.param)} > 0", [Line(f"{names} = {values}", g.loc)], g.loc)
            )
        out.extend(
            Line(f"{self.name(t)} = {not c.test_in_body}", g.loc)
            for t, us in readers.items()
            if any(u.graph not in inside for u in us)
        )
        after = ctx.child(joins=ctx.joins + ((exit_,) if exit_ is not None else ()))
        out.extend(self.branch(c.exit_branch, [], after))
        if exit_ is not None:
            out.extend(self.region(exit_, ctx))
        return out

    def _inline(self, node: Apply, ctx: Ctx, out: list) -> str:
        """The expression of a node made only for a `for` statement (`i - k`)."""
        return ast.unparse(self.apply_expr(node, ctx, out))

    def apply_expr(self, node: Apply, ctx: Ctx, out: list) -> ast.expr:
        fn = node.inputs[0]
        args = node.inputs[1:]
        if isinstance(fn, Constant) and isinstance(fn.value, Primitive):
            prim = fn.value
            arg_exprs = [self.ref(a, ctx, out) for a in args]
            if prim is _apply:
                return ast.Call(arg_exprs[0], [ast.Starred(arg_exprs[1], ast.Load())], [])
            if prim is _make_tuple:
                return ast.Tuple(arg_exprs, ast.Load())
            if prim is _make_list:
                return ast.List(arg_exprs, ast.Load())
            expr = emit_primitive(prim, arg_exprs, self.constant)
            if expr is not None and not _subscripts_a_number(expr):
                reuse = self.reuse.target(node)
                if reuse is not None:
                    expr = write_into(expr, self.name(reuse[0]), reuse[1])
                return expr
            return ast.Call(self.constant(prim), arg_exprs, [])
        f = self.ref(fn, ctx, out)
        return ast.Call(f, [self.ref(a, ctx, out) for a in args], [])

    # Statements ---------------------------------------------------------------------------

    def assign(self, target: str, expr: ast.expr, loc) -> Line:
        return Line(f"{target} = {ast.unparse(expr)}", loc)

    def bind_params(self, g: Graph, args: list[Node], ctx: Ctx, out: list) -> None:
        """Assign `g`'s parameters (leaving out those that already hold their value)."""
        pairs = []
        loc = g.loc
        for p, a in zip(g.parameters, args):
            if g is ctx.loop and (p is ctx.counter or p in ctx.hoisted):
                continue  # the `for` statement steps it, or it is set after the loop
            rhs = ast.unparse(self.ref(a, ctx, out))
            if rhs != self.name(p):
                pairs.append((self.name(p), rhs))
                if loc is g.loc and isinstance(a, Apply) and self.inlined(a) and a.loc is not None:
                    loc = a.loc  # what is computed here is the user's line
        if pairs:
            lhs, rhs = zip(*pairs)
            out.append(Line(f"{', '.join(lhs)} = {', '.join(rhs)}", loc))

    def alias_params(self, g: Graph, args: list[Node]) -> None:
        """Name the parameters of a branch written once by the variables they are bound
        to: they are never reassigned while the branch runs (only loop and join
        parameters are, and only when jumping)."""
        if self.use_count(g) != 1 or self.is_loop(g):
            return
        for p, a in zip(g.parameters, args):
            if (
                p not in self.names
                and not isinstance(a, Constant)
                and not (isinstance(a, Apply) and self.inlined(a))
            ):
                self.names[p] = self.name(a)

    def region(self, g: Graph, ctx: Ctx) -> list:
        """The statements computing graph `g`'s nodes and leaving with its output."""
        out: list = []
        fvs = self.mng.free_variables_total
        # What the branches read from `g` comes before them, in a fixed order (`fvs` are sets).
        order = toposort(
            g.output,
            lambda n: n.graph is g,
            lambda h: sorted((n for n in fvs[h] if n.graph is g), key=lambda n: n.id),
        )
        tail = g.output if isinstance(g.output, Apply) and g.output.graph is g else None
        inline_switches = {
            n.inputs[0]
            for n in order
            if isinstance(n, Apply) and n.graph is g and self.switch_call(n) is not None
        }
        for node in order:
            if isinstance(node, Apply) and node.graph is g and node is not tail:
                if (
                    node not in inline_switches
                    and node not in self.skipped
                    and not self.inlined(node)
                ):
                    self.statement(node, ctx, out)
        self.leave(g, tail, ctx, out)
        return out

    def statement(self, node: Apply, ctx: Ctx, out: list) -> None:
        sc = self.switch_call(node)
        if sc is not None:
            c, t, f, args = sc
            target = self.name(node)
            cond = ast.unparse(self.ref(c, ctx, out))
            sub = ctx.child(target=target, loop=None, loop_exit=None, joins=())
            body = self.branch(t, args, sub.child())
            orelse = self.branch(f, args, sub.child())
            out.append(Block(f"if {cond}", body, node.loc, orelse))
            return
        if prim_of(node) is _tape_push and node not in self.names:
            # `tape.append(v)`: the tape is the same list after the push, so its variable
            # stands for the push's result too.
            tape, value = node.inputs[1:]
            name = ast.unparse(self.ref(tape, ctx, out))
            if name.isidentifier():
                out.append(
                    Line(f"{name}.append({ast.unparse(self.ref(value, ctx, out))})", node.loc)
                )
                self.names[node] = name
                return
        out.append(self.assign(self.name(node), self.apply_expr(node, ctx, out), node.loc))

    def leave(self, g: Graph, tail: Apply | None, ctx: Ctx, out: list) -> None:
        """End a region: return (or assign) the output, or jump."""
        if tail is None:
            value = self.ref(g.output, ctx, out)
            out.append(self.finish(value, ctx, g.loc))
            return
        sc = self.switch_call(tail)
        if sc is not None:
            c, t, f, args = sc
            cond = ast.unparse(self.ref(c, ctx, out))
            join = None
            if ctx.target is None:
                join = self.find_join(self.exits(t) + self.exits(f), g)
                if join is not None and join is ctx.loop_exit:
                    join = None  # leaving the loop: `break`, written after the loop
            inner = ctx.child(joins=ctx.joins + ((join,) if join is not None else ()))
            body = self.branch(t, args, inner.child())
            orelse = self.branch(f, args, inner.child())
            out.append(Block(f"if {cond}", body, tail.loc, orelse))
            if join is not None:
                out.extend(self.region(join, ctx))
            return
        tc = self.tail_call(g)
        if tc is not None and ctx.target is None:
            callee, args = tc
            if callee is ctx.loop:
                self.bind_params(callee, args, ctx, out)
                if ctx.counter is None:  # a `for` loop goes on by itself
                    out.append(Line("continue", tail.loc))
                return
            if callee is ctx.loop_exit:
                self.bind_params(callee, args, ctx, out)
                out.append(Line("break", tail.loc))
                return
            if ctx.joins and callee is ctx.joins[-1]:
                # The innermost pending join is written right after this `if`: falling
                # through reaches it. (An outer one is called below: code of inner joins
                # stands between.)
                self.bind_params(callee, args, ctx, out)
                return
            if (
                callee is not self.root
                and self.use_count(callee) - self.exits(callee).get(callee, 0) == 1
            ):
                self.alias_params(callee, args)
                self.bind_params(callee, args, ctx, out)
                if self.is_loop(callee):
                    out.extend(self.loop_block(callee, ctx))
                else:
                    out.extend(self.region(callee, ctx))
                return
        value = self.apply_expr(tail, ctx, out)
        out.append(self.finish(value, ctx, tail.loc))

    def branch(self, g: Graph, args: list[Node], ctx: Ctx) -> list:
        """A branch of an `if`: bind the branch graph's parameters, then its region."""
        out: list = []
        self.alias_params(g, args)
        self.bind_params(g, args, ctx, out)
        return out + self.region(g, ctx)

    def finish(self, value: ast.expr, ctx: Ctx, loc) -> Line:
        if ctx.target is not None:
            return self.assign(ctx.target, value, loc)
        return Line(f"return {ast.unparse(value)}", loc)

    # Module -------------------------------------------------------------------------------

    def generate(self) -> Module:
        entry = self.function_def(self.root, Ctx())
        self.emitted_toplevel.add(self.root)
        blocks = [*self.toplevel, entry]
        lines: list[str] = []
        line_map: dict[int, Location] = {}
        origin = self.root.loc.filename if self.root.loc else None
        for b in blocks:
            _render(b, 0, lines, line_map, origin)
            lines.append("")
        header = [f"# Generated by myia from {origin or '<unknown>'}: `{self.root.name}`.", ""]
        shifted = {k + len(header): v for k, v in line_map.items()}
        return Module(
            "\n".join(header + lines), self.graph_name(self.root), self.namespace, shifted
        )


def _subscripts_a_number(expr: ast.expr) -> bool:
    """`1.0[i]`: valid but warned about by Python (code of a branch types rule out)."""
    return isinstance(expr, ast.Subscript) and isinstance(expr.value, (ast.Constant, ast.UnaryOp))


def _const_base(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return "array"
    if isinstance(value, type) or callable(value):
        return getattr(value, "__name__", "function").lstrip("_") or "function"
    return type(value).__name__.lower()


def _comment(loc: Location | None, origin: str | None) -> str:
    if loc is None:
        return ""
    where = (
        f"line {loc.lineno}" if loc.filename == origin else f"{_short(loc.filename)}:{loc.lineno}"
    )
    text = loc.line_text()
    return f"  # {where}: {text}" if text else f"  # {where}"


def _short(filename: str) -> str:
    parts = filename.replace("\\", "/").split("/")
    return "/".join(parts[-2:])


def _render(item, depth: int, lines: list[str], line_map: dict, origin) -> None:
    pad = "    " * depth
    if isinstance(item, Line):
        lines.append(pad + item.text + _comment(item.loc, origin))
        if item.loc is not None:
            line_map[len(lines)] = item.loc
        return
    lines.append(
        f"{pad}{item.header}:"
        + (_comment(item.loc, origin) if item.header.startswith(("if", "while", "for")) else "")
    )
    if item.loc is not None:
        line_map[len(lines)] = item.loc
    for sub in item.body or [Line("pass")]:
        _render(sub, depth + 1, lines, line_map, origin)
    if item.orelse is not None:
        lines.append(f"{pad}else:")
        for sub in item.orelse or [Line("pass")]:
            _render(sub, depth + 1, lines, line_map, origin)


def generate(root: Graph, types=None) -> Module:
    """The Python module computing `root` (see the module docstring). `types`, what
    inference knows of the nodes (`types.array(node)`: (shape, dtype) of an array of known
    shape; `types.is_int(node)`: an int), lets operations reuse buffers
    (`myia.backend.buffers`) and counted loops be `for` loops."""
    return Codegen(root, types).generate()
