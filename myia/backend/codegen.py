"""Code generation: a typed graph in, the source of a Python module calling NumPy (or
another library a `targets.Target` describes: PyTorch) out.

The structure of the code is the structure of the graphs (which graph is written where is
`layout.Layout`'s):

- a `switch(c, T, F)()` becomes `if c: ... else: ...`, the branch graphs written inline;
  its value, when the code goes on after it, is assigned to the names its users take apart;
- a loop header (a graph that calls itself in tail position) called from one place becomes
  `while True:` there: a call of itself is the assignment of its parameters and
  `continue`, its other results leave the loop;
- a graph used as a value is a nested `def` (it binds the values it captures as
  keyword-only defaults, so a function made in a loop keeps those of its iteration), and a
  graph without free variables called from several places a module-level function.

Each primitive writes its own expression (`Primitive.emit`) from the types of its inputs;
a value used once, in the same graph, by a primitive is written inside that expression.
In *fast* code a float64 scalar is any Python float (`math.sin(x)` for `np.sin(x)`);
results leave the generated function with the type Python would give them. In *exact*
code each number has the type Python gives it (see `compiled.CompiledFunction`).
"""

from __future__ import annotations

import ast
import builtins
import itertools
import keyword
import math
from typing import Any

import numpy as np

from myia.backend.constants import box_result, box_spec, constant_key, constant_name, described
from myia.backend.layout import Layout, use_order
from myia.backend.loops import loop_statement
from myia.backend.nesting import taken_apart, written_inside
from myia.backend.source import (
    Block,
    Line,
    assign,
    comment_line,
    identifier,
    name,
    names_read,
    render,
    same_line,
    used_imports,
)
from myia.backend.targets import NUMPY, Target
from myia.branches import unshare_branches
from myia.infer.abstract import ADict, AList, AResidual, AScalar, ATuple
from myia.infer.build import type_of
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node, Parameter, toposort
from myia.prim.registry import REGISTRY, Primitive
from myia.prim.structures import ZERO

_SWITCH = REGISTRY.lookup("switch")
_GETITEM = REGISTRY.lookup("getitem")
_MAKE_TUPLE = REGISTRY.lookup("make_tuple")
_CAST = REGISTRY.lookup("cast")
_RESERVED = set(keyword.kwlist) | set(dir(builtins))


class Finish:
    """What the end of a region does with its value: return it, or assign it to
    `targets` (then `break` out of the loop being written, with `breaks`); a call of
    `loop` (the loop being written) is its next iteration."""

    def __init__(
        self,
        kind: str,
        targets: list[str] | None = None,
        loop: Graph | None = None,
        breaks: bool = False,
        root: bool = False,
        unpack: bool = False,
    ):
        self.kind = kind
        self.targets = targets
        self.unpack = unpack  # the value is a tuple whose items go to `targets`
        self.loop = loop
        self.breaks = breaks
        self.root = root


class Module:
    """Generated code: its text, the entry function, the values its names refer to, and
    the map from generated line numbers to the user's source."""

    def __init__(self, text: str, entry: str, namespace: dict, line_map: dict):
        self.text = text
        self.entry = entry
        self.namespace = namespace
        self.line_map = line_map


class Emit:
    """What an emitter sees of the application it writes."""

    def __init__(self, gen: Codegen, node: Apply):
        self.gen = gen
        self.node = node
        self.types = [type_of(x) for x in node.inputs[1:]]
        self.out = node.abstract
        self.fast = gen.fast

    def const(self, i: int) -> tuple[bool, Any]:
        x = self.node.inputs[1 + i]
        return (True, x.value) if isinstance(x, Constant) else (False, None)

    def fast_scalar(self, i: int) -> bool:
        """Whether input `i` is a float64 (or int) scalar written as a Python float: in
        fast code always, in exact code where Python gives a Python float (`math.sin`)."""
        t = self.types[i]
        if not (isinstance(t, AScalar) and t.kind in (float, int, bool)):
            return False
        out = self.out
        return self.fast or (isinstance(out, AScalar) and out.kind is float and not out.np)

    def helper_call(self, helper: str, args: list) -> ast.expr:
        prim = REGISTRY.lookup(helper)
        return ast.Call(name(self.gen.helper(prim)), list(args), [])

    def function_call(self, fn, args: list) -> ast.expr:
        """A call of the module-level function `fn` (imported by the module)."""
        return ast.Call(name(self.gen.function(fn)), list(args), [])


class Codegen:
    """Generates the module of one typed root graph."""

    def __init__(self, root: Graph, fast: bool = True, target: Target = NUMPY):
        self.root = root
        self.fast = fast
        self.target = target
        self.notes: dict[str, Any] = {}  # what the target remembers while writing the module
        self.mng = Manager(root)
        unshare_branches(self.mng)
        self.namespace: dict[str, Any] = dict(target.namespace)
        self.function_names: dict[Any, str] = {}  # module-level function -> its name
        self.imports: dict[str, str] = {}  # helper name -> "from module import impl as name"
        self.name_counts: dict[str, int] = {}
        self.nesting: dict[Node, int] = {}  # see `nesting.written_inside`
        self.used_names: set[str] = (
            set(_RESERVED)
            | target.reserved
            | {
                "box_result",
                "ZERO",
                "EMPTY_ENV",
                "Unbound",
                "Location",
                "InheritedLocation",
            }
        )
        self.names: dict[Node, str] = {}
        self.graph_names: dict[Graph, str] = {}
        self.constants: dict = {}  # by `constant_key`
        self.definitions: list = []  # the module-level statements (or comments) of constants
        self.functions: list = []
        self.defined: set[Graph] = set()  # the functions of the module
        self.local_defs: dict[Graph, set[Graph]] = {}  # the closures each function defines
        self.writing: list[Graph] = []  # the functions being written, the innermost last
        self.assigned: set[Node] = set()
        self.layout = Layout(root, self.mng)
        self.origin = root.loc.filename if root.loc else None

    # Names ------------------------------------------------------------------------------------

    def fresh(self, base: str) -> str:
        base = identifier(base)
        candidate, i = base, self.name_counts.get(base, 1)
        while candidate in self.used_names:
            i += 1
            candidate = f"{base}_{i}"
        self.name_counts[base] = i
        self.used_names.add(candidate)
        return candidate

    def var(self, node: Node) -> str:
        n = self.names.get(node)
        if n is None:
            n = self.names[node] = self.fresh(
                node.name or ("t" if isinstance(node, Apply) else "p")
            )
        return n

    def graph_name(self, g: Graph) -> str:
        """The name of a graph's function: the entry's says what it computes (`grad_f`),
        the others are named after the function they come from (`lambda`, `while`)."""
        n = self.graph_names.get(g)
        if n is None:
            base = g.name.replace(":", "_") if g is self.root else g.name.split(":")[-1]
            n = self.graph_names[g] = self.fresh(base)
        return n

    def helper(self, prim: Primitive) -> str:
        return self.function(prim.impl, f"_{prim.name.replace('.', '_')}")

    def function(self, fn, key: str | None = None) -> str:
        """The name of the module-level function `fn` in the module (imported)."""
        key = key or f"_{fn.__name__}"
        if key in self.namespace and self.namespace[key] is not fn:
            # Another function of that name (NumPy's `setitem` helper and the torch
            # runtime's, in one module): this one is imported under a name of its own.
            key = self.function_names.get(fn) or self._renamed(key)
        if key not in self.namespace:
            self.namespace[key] = fn
            self.imports[key] = f"from {fn.__module__} import {fn.__name__} as {key}"
            self.used_names.add(key)
            self.function_names[fn] = key
        return key

    def _renamed(self, key: str) -> str:
        """`key` (`_setitem`, taken) with a number: helpers keep their leading `_`."""
        taken = self.namespace.keys() | self.used_names
        return next(f"{key}_{i}" for i in itertools.count(2) if f"{key}_{i}" not in taken)

    # Constants --------------------------------------------------------------------------------

    def constant(self, value: Any, t=None) -> ast.expr:
        if value is None:
            return ast.Constant(None)
        if value is ZERO:
            self.imports["ZERO"] = "from myia.prim.structures import ZERO"
            self.namespace["ZERO"] = ZERO
            return name("ZERO")
        if (
            isinstance(value, bool)
            or isinstance(value, (int, str))
            and not isinstance(value, np.generic)
        ):
            return ast.Constant(value)
        if isinstance(value, float) and not isinstance(value, np.float64):
            return _float_literal(value)
        if isinstance(value, np.float64):
            lit = _float_literal(float(value))
            return lit if self.fast else _call("np.float64", [lit])
        if isinstance(value, np.generic) and np.ndim(value) == 0:
            return _call(f"np.{type(value).__name__}", [self.constant(value.item())])
        if isinstance(value, complex):
            return ast.Constant(value)
        if isinstance(value, tuple):
            return ast.Tuple([self.constant(v) for v in value], ast.Load())
        if isinstance(value, slice):
            return _call("slice", [self.constant(v) for v in (value.start, value.stop, value.step)])
        if value is Ellipsis:
            return ast.Constant(Ellipsis)
        if isinstance(value, type):
            if value.__module__ == "builtins":
                return name(value.__name__)
            if value.__module__ == "numpy":
                return ast.parse(f"np.{value.__name__}", mode="eval").body
        if isinstance(value, np.dtype):
            return _call("np.dtype", [ast.Constant(value.name)])
        if isinstance(value, Primitive):
            return name(self.helper(value))
        if isinstance(value, Graph):
            return name(self.graph_name(value))
        return name(self.named_constant(value))

    def named_constant(self, value: Any) -> str:
        """The name of a constant defined at the top of the module (`backend.constants`)."""
        key = constant_key(value)
        n = self.constants.get(key)
        if n is None:
            n = self.constants[key] = self.fresh(constant_name(value))
            stmt, imports, self.namespace[n] = self.target.define(n, value)
            for line in imports:
                self.imports[line] = line
            self.definitions.append(
                stmt
                if stmt is not None
                else comment_line(f"{n}: {described(value)}, bound when the module is loaded")
            )
        return n

    # Expressions ------------------------------------------------------------------------------

    def inlined(self, node: Node) -> bool:
        """Whether `node` is written inside the expression of its only user (`inlinable`,
        in an expression not too deep: `nesting.written_inside`)."""
        return self.inlinable(node) and written_inside(self.mng, self.nesting, node)

    def inlinable(self, node: Node) -> bool:
        """Whether `node` may be written inside the expression of its only user: a primitive
        application used once, in its own graph, by a primitive (or a call, or the output)
        that reads that argument once."""
        if not isinstance(node, Apply) or node in self.assigned:
            return False
        prim = _prim_of(node)
        if prim is None or prim.effect or prim is _SWITCH:
            return False
        uses = self.mng.uses.get(node, ())
        if len(uses) != 1:
            return False
        ((user, i),) = uses
        if user.graph is not node.graph or i == 0:
            return False
        if not (same_line(node, user) or self.moves_across_lines(node, prim, user)):
            return False
        if user is node.graph.return_:
            return i == 1
        up = _prim_of(user)
        if up is None:
            return isinstance(user.inputs[0], Constant) and isinstance(user.inputs[0].value, Graph)
        if up is _SWITCH:
            return i == 1  # the condition, written in the `if`
        if up.effect:
            return False
        return i - 1 not in getattr(up.emit, "repeats", ())

    def moves_across_lines(self, node: Apply, prim: Primitive, user: Apply) -> bool:
        """Whether `node` may be written in a user from another line: a read of a tuple
        item, or (in fast code) an elementwise value given to the next iteration of a loop
        or returned as an item of its graph's result (the variables a branch of an `if`
        statement hands on). Neither raises an error that a line would be reported for
        (fast code that raises a float error runs again as exact code, where each value
        keeps its line)."""
        if prim is _GETITEM:
            return isinstance(type_of(node.inputs[1]), (ATuple, AResidual))
        hands_on = self.next_iteration(user) or (
            user.is_apply(_MAKE_TUPLE) and user is user.graph.output
        )
        return self.fast and hands_on and self.quiet(node)

    def quiet(self, node: Apply) -> bool:
        """Whether the expression of `node` is elementwise arithmetic on values, reads of
        tuple items or boxes of floats (`np.float64(x)` of a float), all the way down (it
        raises no error but float errors)."""
        stack = [node]
        while stack:
            n = stack.pop()
            prim = _prim_of(n)
            if prim is _GETITEM and isinstance(type_of(n.inputs[1]), (ATuple, AResidual)):
                continue
            if prim is _CAST and _float_box(n):
                stack.extend(x for x in n.inputs[1:2] if isinstance(x, Apply) and self.inlined(x))
                continue
            if prim is None or not prim.elementwise:
                return False
            stack.extend(x for x in n.inputs[1:] if isinstance(x, Apply) and self.inlined(x))
        return True

    def next_iteration(self, node: Apply) -> bool:
        """Whether `node` is a loop header's call of itself: the assignment of the loop's
        variables that starts the next iteration (the values it is given are written in
        it, from whichever lines they come)."""
        f = node.inputs[0]
        return (
            isinstance(f, Constant)
            and isinstance(f.value, Graph)
            and self.mng.nested_in(node.graph, f.value)
            and self.layout.is_loop(f.value)
        )

    def ref(self, node: Node) -> ast.expr:
        if isinstance(node, Constant):
            return self.constant(node.value, node.abstract)
        if isinstance(node, Apply) and self.inlined(node):
            return self.expr(node)
        return name(self.var(node))

    def expr(self, node: Apply) -> ast.expr:
        prim = _prim_of(node)
        args = [self.ref(x) for x in node.inputs[1:]]
        if prim is None:
            return ast.Call(self.ref(node.inputs[0]), args, [])
        e = Emit(self, node)
        emit = self.target.emitter(e, prim)
        if emit is not None:
            return emit(e, args)
        return ast.Call(name(self.helper(prim)), args, [])

    # Regions ----------------------------------------------------------------------------------

    def region(self, g: Graph, finish: Finish) -> list:
        out: list = []
        fvs = self.mng.free_variables_total
        order = toposort(
            g.return_,
            lambda n: n.graph is g,
            lambda h: sorted((n for n in fvs.get(h, ()) if n.graph is g), key=_node_id),
        )
        tail = g.output
        # A tail that an effect of the graph reads too (`(math.sin(x), 1 / x)` as a statement
        # before `return math.sin(x)`; `xs[-1]` read after the `if` whose value is returned)
        # is assigned where it comes (an `if` or a loop as a statement), returned by name.
        shared = (
            isinstance(tail, Apply)
            and tail.graph is g
            and not self.next_iteration(tail)
            and any(u is not g.return_ for u, _ in self.uses(tail))
        )
        for node in order:
            if (
                not isinstance(node, Apply)
                or node.graph is not g
                or node is g.return_
                or (node is tail and not shared)
            ):
                continue
            if (
                node.is_apply(_SWITCH)
                and self.layout.called_switch(node)
                and self.layout.inline_switch(node)
            ):
                continue  # written as the `if` of its call
            self.closures_used(node, out)
            if node in self.assigned or self.inlined(node):
                continue
            self.statement(node, out)
            if node is tail:
                self.assigned.add(tail)
        self.closures_used(g.return_, out)
        if isinstance(tail, Apply) and tail.graph is g:
            self.closures_used(tail, out)
        self.leave(g, tail, finish, out)
        return out

    def closures_used(self, node: Apply, out: list) -> None:
        for x in node.inputs:
            if isinstance(x, Constant) and isinstance(x.value, Graph):
                g = x.value
                if (
                    not self.visible(g)
                    and not self.layout.branch_of(g)
                    and self.mng.free_variables_total.get(g)
                    and not (self.layout.inline_loop_of(g))
                ):
                    self.define_closure(g, out)

    def statement(self, node: Apply, out: list) -> None:
        loc = node.loc
        f = node.inputs[0]
        if (
            isinstance(f, Apply)
            and f.is_apply(_SWITCH)
            and len(node.inputs) == 1
            and self.layout.inline_switch(f)
        ):
            targets, unpack = self.destructure(node)
            self.if_block(f, Finish("assign", targets, unpack=unpack), loc, out)
            return
        loop = self.layout.inline_loop(node)
        if loop is not None:
            targets, unpack = self.destructure(node)
            out.extend(
                self.loop_block(
                    loop, node, Finish("assign", targets, loop=loop, breaks=True, unpack=unpack)
                )
            )
            return
        if not self.uses(node):
            out.append(Line(ast.Expr(self.expr(node)), loc))
            return
        expr = self.expr(node)
        if taken_apart(node, self.uses(node)):
            targets, _ = self.destructure(node)
            out.append(Line(assign(targets, expr), loc))
            return
        if isinstance(expr, ast.Name) and node not in self.names:
            self.names[node] = expr.id  # another name for a value (`stack_pop`): no copy
            return
        out.append(Line(assign([self.var(node)], expr), loc))

    def uses(self, node: Node) -> list:
        """The uses of `node`, but as an effect of its graph."""
        return [
            (u, i)
            for u, i in sorted(self.mng.uses.get(node, ()), key=use_order)
            if not (u is u.graph.return_ and i > 1)
        ]

    def destructure(self, node: Apply) -> tuple[list[str], bool]:
        """Names to assign the value of `node` to: those of the items its users take out
        when it is a tuple taken apart (and True), else its own (and False)."""
        t = node.abstract
        users = self.uses(node)
        if (
            isinstance(t, ATuple)
            and users
            and all(
                u.is_apply(_GETITEM)
                and i == 1
                and isinstance(u.inputs[2], Constant)
                and isinstance(u.inputs[2].value, int)
                and u.graph is node.graph
                for u, i in users
            )
        ):
            targets = ["_"] * len(t.items)
            for u, _ in users:
                k = u.inputs[2].value % len(t.items)
                if targets[k] == "_":
                    targets[k] = self.var(u)
                    self.assigned.add(u)
                else:
                    self.names[u] = targets[k]
                    self.assigned.add(u)
            return targets, True
        return [self.var(node)], False

    def if_block(self, sw: Apply, finish: Finish, loc, out: list) -> None:
        cond, t, f = sw.inputs[1:]
        self.hoist_closures([t.value, f.value], out)
        out.append(
            Block(
                "if",
                self.ref(cond),
                self.region(t.value, finish),
                self.region(f.value, finish),
                loc,
            )
        )

    def hoist_closures(self, graphs: list[Graph], out: list) -> None:
        """Define, before an `if` or a loop whose code `graphs` are, the
        closures made outside them that they use (defined where first used, a closure would
        be unknown on the other side of the `if`)."""
        inside = set().union(*(self.mng.scope(h) for h in graphs))
        parents = self.mng.parents
        found = set()
        for h in inside:
            for node in self.mng.nodes[h]:
                if isinstance(node, Apply):
                    for x in node.inputs:
                        if isinstance(x, Constant) and isinstance(x.value, Graph):
                            found.add(x.value)
        for c in sorted(found, key=lambda c: c.id):
            if (
                not self.visible(c)
                and parents.get(c) not in inside
                and parents.get(c) is not None
                and not self.layout.branch_of(c)
                and not self.layout.inline_loop_of(c)
            ):
                self.define_closure(c, out)

    def visible(self, c: Graph) -> bool:
        """Whether the code being written sees a `def` of the graph `c`: a function of the
        module, one being written (a recursion), or a closure defined earlier in the
        function being written. A closure defined in an enclosing function is defined again:
        read by name from there, it would be the one of the enclosing function's latest
        loop iteration when called later."""
        return (
            c in self.defined
            or c in self.writing
            or bool(self.writing)
            and c in self.local_defs.get(self.writing[-1], ())
        )

    def define_closure(self, c: Graph, out: list) -> None:
        """A nested `def` of `c` in the function being written."""
        self.local_defs.setdefault(self.writing[-1], set()).add(c)
        out.append(self.function_def(c, nested=True))

    def leave(self, g: Graph, value: Node, finish: Finish, out: list) -> None:
        loc = g.return_.loc or (value.loc if isinstance(value, Apply) else g.loc)
        if isinstance(value, Apply) and value.graph is g:
            f = value.inputs[0]
            if (
                isinstance(f, Apply)
                and f.is_apply(_SWITCH)
                and len(value.inputs) == 1
                and self.layout.inline_switch(f)
            ):
                self.if_block(f, finish, value.loc or loc, out)
                return
            if finish.loop is not None and isinstance(f, Constant) and f.value is finish.loop:
                params = [self.var(p) for p in finish.loop.parameters]
                values = [self.ref(a) for a in value.inputs[1:]]
                changed = [
                    (p, v)
                    for p, v in zip(params, values)
                    if not (isinstance(v, ast.Name) and v.id == p)
                ]
                if changed:
                    out.append(
                        Line(assign([p for p, _ in changed], _tuple([v for _, v in changed])), loc)
                    )
                out.append(Line(ast.Continue(), loc))
                return
            loop = self.layout.inline_loop(value)
            if loop is not None:
                if finish.kind == "return":
                    out.extend(
                        self.loop_block(loop, value, Finish("return", loop=loop, root=finish.root))
                    )
                    return
                tmp = self.var(value)
                out.extend(
                    self.loop_block(loop, value, Finish("assign", [tmp], loop=loop, breaks=True))
                )
                self.apply_finish(name(tmp), value.abstract, finish, loc, out)
                return
            if value in self.assigned:
                self.apply_finish(name(self.var(value)), value.abstract, finish, loc, out)
                return
            self.apply_finish(self.expr(value), value.abstract, finish, loc, out)
            return
        self.apply_finish(self.ref(value), type_of(value), finish, loc, out)

    def apply_finish(self, expr: ast.expr, t, finish: Finish, loc, out: list) -> None:
        if finish.kind == "return":
            out.append(Line(ast.Return(self.box(expr, t) if finish.root else expr), loc))
            return
        targets = finish.targets
        if finish.unpack and isinstance(expr, ast.Tuple) and len(expr.elts) == len(targets):
            pairs = [(tg, e) for tg, e in zip(targets, expr.elts) if tg != "_"]
            if pairs:
                out.append(Line(assign([p for p, _ in pairs], _tuple([e for _, e in pairs])), loc))
        elif finish.unpack and len(targets) == 1:
            out.append(
                Line(
                    ast.Assign(
                        [ast.Tuple([ast.Name(targets[0], ast.Store())], ast.Store())],
                        expr,
                        lineno=0,
                    ),
                    loc,
                )
            )
        else:
            out.append(Line(assign(targets, expr), loc))
        if finish.breaks:
            out.append(Line(ast.Break(), loc))

    def loop_block(self, loop: Graph, call: Apply, finish: Finish) -> list:
        params = [self.var(p) for p in loop.parameters]
        out: list = []
        self.hoist_closures([loop], out)
        if params:
            out.append(
                Line(assign(params, _tuple([self.ref(a) for a in call.inputs[1:]])), call.loc)
            )
        body = self.region(
            loop,
            Finish(
                finish.kind,
                finish.targets,
                loop=loop,
                breaks=finish.breaks,
                root=finish.root,
                unpack=finish.unpack,
            ),
        )
        shaped = loop_statement(body, out[-1] if params else None, self.int_names(loop), loop.loc)
        if shaped is None:
            out.append(Block("while", True, body, None, loop.loc))
            return out
        if params and not shaped[0]:
            out.pop()  # every loop variable is the counter of the `for`
        elif params:
            out[-1] = shaped[0]
        return out + shaped[1]

    def int_names(self, loop: Graph) -> set[str]:
        """The names of the loop's parameters and of the values around it that are ints
        (what a `for ... in range(...)` may count with)."""
        out = set()
        for node, n in self.names.items():
            t = node.abstract
            if isinstance(t, AScalar) and t.kind is int and not t.np:
                out.add(n)
        return out

    # Boxing of results ------------------------------------------------------------------------

    def box(self, expr: ast.expr, t) -> ast.expr:
        """`expr` with the Python type `t` says (fast code computes float64 scalars as
        Python floats: a NumPy float leaves as one)."""
        if not self.fast or not _needs_box(t):
            return expr
        if isinstance(t, AScalar):
            return _call("np.float64" if t.np else "float", [expr])
        if (
            isinstance(t, (ATuple, AList))
            and isinstance(expr, (ast.Tuple, ast.List))
            and len(expr.elts) == len(t.items)
        ):
            items = [self.box(e, x) for e, x in zip(expr.elts, t.items)]
            return (
                ast.Tuple(items, ast.Load())
                if isinstance(t, ATuple)
                else ast.List(items, ast.Load())
            )
        self.namespace["box_result"] = box_result
        self.imports["box_result"] = "from myia.backend.constants import box_result"
        return ast.Call(name("box_result"), [expr, self.constant(box_spec(t))], [])

    # Functions --------------------------------------------------------------------------------

    def function_def(self, g: Graph, nested: bool = False) -> Block:
        params = [self.var(p) for p in g.parameters]
        sig = ", ".join(params)
        if nested:
            fvs = sorted(self.mng.free_variables_total.get(g, ()), key=lambda n: n.id)
            # One default per name: a node written as another name for a value (`stack_pop`,
            # a `grad_mask` that vmap puts on what a branch reads, the identity) shares it.
            captured = list(
                dict.fromkeys(self.var(n) for n in fvs if isinstance(n, (Parameter, Apply)))
            )
            if captured:
                sig += (", " if sig else "") + "*, " + ", ".join(f"{c}={c}" for c in captured)
        self.writing.append(g)
        body = self.region(g, Finish("return", root=g is self.root))
        self.writing.pop()
        return Block("def", f"{self.graph_name(g)}({sig})", body, None, g.loc)

    def generate(self) -> Module:
        entry = self.graph_name(self.root)
        blocks = []
        pending = [self.root]
        done: set[Graph] = set()
        while pending:
            g = pending.pop()
            if g in done:
                continue
            done.add(g)
            self.defined.add(g)
            blocks.append(self.function_def(g))
            for h in sorted(self.mng.graphs, key=lambda h: h.id):
                if (
                    h not in done
                    and h not in self.defined
                    and not self.mng.free_variables_total.get(h)
                    and self.layout.graph_uses.get(h)
                    and not self.layout.branch_of(h)
                    and not self.layout.inline_loop_of(h)
                ):
                    pending.append(h)
        body: list[str] = [""]
        if self.definitions:
            body.append("")
            for d in self.definitions:
                body.append(d if isinstance(d, str) else ast.unparse(d))
            body.append("")
        body_map: dict = {}
        for block in reversed(blocks):
            body.append("")
            render([block], body, body_map, self.origin)
        imports = [*self.target.prelude, *sorted(set(self.imports.values()))]
        head = used_imports(imports, names_read([*self.definitions, *blocks]))
        lines = head + body if head else body[2:]
        line_map = {k + len(lines) - len(body): loc for k, loc in body_map.items()}
        text = "\n".join(lines) + "\n"
        return Module(text, entry, self.namespace, line_map)


def _float_box(n: Apply) -> bool:
    """Whether `n` is a cast of a float scalar to a float scalar type (a box only)."""
    a, t = type_of(n.inputs[1]), n.abstract
    return isinstance(a, AScalar) and isinstance(t, AScalar) and a.kind is float and t.kind is float


def _needs_box(t) -> bool:
    if isinstance(t, AScalar):
        return t.kind is float
    if isinstance(t, (ATuple, AList)) and t.items is not None:
        return any(_needs_box(x) for x in t.items)
    if isinstance(t, ADict):
        return any(_needs_box(x) for x in t.values)
    return False


def _prim_of(node: Node) -> Primitive | None:
    if isinstance(node, Apply):
        f = node.inputs[0]
        if isinstance(f, Constant) and isinstance(f.value, Primitive):
            return f.value
    return None


def _float_literal(v: float) -> ast.expr:
    if math.isinf(v):
        return ast.parse("math.inf" if v > 0 else "-math.inf", mode="eval").body
    if math.isnan(v):
        return ast.parse("math.nan", mode="eval").body
    return ast.Constant(v)


def _call(fn: str, args: list) -> ast.Call:
    return ast.Call(ast.parse(fn, mode="eval").body, args, [])


def _tuple(items: list) -> ast.expr:
    return items[0] if len(items) == 1 else ast.Tuple(items, ast.Load())


def generate(root: Graph, fast: bool = True, target: Target = NUMPY) -> Module:
    """The Python module computing the typed graph `root` (see the module docstring), for
    the library `target` describes."""
    return Codegen(root, fast, target).generate()


def _node_id(n) -> int:
    return n.id  # a stable order (sets of nodes iterate in the order of their addresses)
