"""The abstract interpreter: types, shapes and constants through graphs, by a worklist pass.

A graph is analysed once per *context*: the graph, the context its free variables are
read in (for a closure: the context that made it), and the tuple of its arguments'
abstract values. Results are memoized per context. The driver keeps an explicit stack of
contexts, like the VM keeps frames: a call to a context not yet analysed suspends the
caller and analyses the callee first, so a program without recursion is analysed in one
pass; a call to a context in progress (recursion, loops: tail calls between graphs) uses its
current approximation, bottom at first, and the caller is analysed again when that result
grows. Nothing recurses in Python in proportion to the program.

Termination: a number's known value is dropped when it enters a graph (a loop counter is
just an int, so a loop's header is analysed in one context, not once per iteration); and
when a graph is entered again from inside one of its own contexts through the blocks of
one function (a loop, a recursion) with arguments that are not smaller, they are widened
with everything that entered that loop before (`abstract.widen`: array dimensions that
change become unknown, lists get unknown length, chains that grow become `ACons`, closures
of one graph made in different contexts merge into `ANY`), and given up (ATop) if they keep
changing.

Adjoints: the J graphs of the grad transform take the caller's backpropagator chain `k`,
which they only pass on. They are analysed for the symbolic chain `CHAIN` and the caller
substitutes its own in the result, so J graphs have as few contexts as the primal ones.
Calls whose arguments are unions of chains are analysed per option, so that a branch's
chain and the sensitivity its backpropagators compute stay together.

Example:
    >>> import numpy as np, myia                          # doctest: +SKIP
    >>> def f(x, y):
    ...     return x @ y + 1.0
    >>> infer(myia.ir(f), (np.ones((2, 3)), np.ones((3, 4)))).output   # doctest: +SKIP
    AArray(float64, (2, 4))
"""

from __future__ import annotations

import itertools
import os
from collections import defaultdict
from typing import Any

from myia.errors import (
    InheritedLocation,
    Location,
    MyiaShapeError,
    MyiaTypeError,
)
from myia.infer.abstract import (
    ANY,
    CHAIN,
    JOINS,
    AbstractValue,
    AConst,
    ADict,
    AFunction,
    AList,
    ATop,
    ATuple,
    AUnion,
    GraphClosure,
    ValueEnv,
    abstract_of_value,
    drop_numbers,
    forget_closure_contexts,
    is_smaller,
    join,
    limit_chains,
    substitute_chain,
    widen,
)
from myia.infer.rules import Evaluator, PythonCallable, ShapeMismatch, UserTypeError, generic
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Constant, Graph, Node, toposort
from myia.prim.registry import Primitive
from myia.prim.structures import apply as apply_prim

SLOT, CONST, FV, CLOSURE, PRIM = range(5)
NEW, RUNNING, DONE = range(3)

MAX_PASSES = 60  # analyses of one context before its result is given up (ATop)
MAX_CONTEXTS_PER_GRAPH = 400  # beyond this, new contexts of a graph merge their arguments
CHAIN_LINKS = 96  # links of a backpropagator chain kept exact (the rest: an ACons)
MAX_SPLIT = 8  # a call with unions of chains is analysed per combination up to this many
MAX_NESTING = 8  # nested runs of one graph (not a loop) before its arguments are widened
MAX_WIDENINGS = 3  # widenings of a loop's changing arguments (then: ATop)
MAX_SHRINKING = 256  # re-entries exempt from widening because an argument shrinks
MAX_JOINS = 300_000  # joins of abstract values, in all, before inference gives up (see below)

_SUSPEND = object()
_MYIA_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class InferenceBudgetExceeded(Exception):
    """Inference of a program gave up: its callers go on without types (the optimizer
    folds less, the compiled code checks at run time). It happens on large programs
    of closures and chains (gradients of gradients of branching code), whose analysis
    would cost more than it gives."""


class Code:
    """A graph prepared for analysis: its applies in order, over numbered slots."""

    __slots__ = (
        "graph",
        "nparams",
        "nslots",
        "instrs",
        "output",
        "exported",
        "slot_of",
        "argnames",
        "defaults",
        "chain_parameter",
    )

    def __init__(self, graph, nparams, nslots, instrs, output, exported, slot_of):
        self.graph = graph
        self.nparams = nparams
        self.nslots = nslots
        self.instrs = instrs
        self.output = output
        self.exported = exported
        self.slot_of = slot_of
        self.argnames = graph.flags.get("argnames") or [p.name for p in graph.parameters]
        self.defaults = graph.flags.get("defaults") or {}
        # The J graphs of the grad transform take the backpropagator chain `k` first.
        self.chain_parameter = (
            graph.name.startswith("J:") and nparams > 0 and graph.parameters[0].name == "k"
        )


class Context:
    """One analysis of a graph: its closure context, its arguments, its nodes' values."""

    __slots__ = (
        "graph",
        "closure",
        "args",
        "code",
        "values",
        "output",
        "state",
        "pc",
        "callers",
        "readers",
        "read",
        "created_by",
        "created_at",
        "call_loc",
        "rerun",
        "passes",
        "fv_changed",
        "fv_filled",
        "early_readers",
        "id",
    )

    def __init__(self, code: Code, closure, args: tuple, created_by, created_at, call_loc, ident):
        self.graph = code.graph
        self.code = code
        self.closure = closure
        self.args = args
        self.values: list = list(args) + [None] * (code.nslots - len(args))
        self.output = None
        self.state = NEW
        self.pc = 0
        self.callers: dict[Context, bool] = {}  # contexts that read this one's output
        self.readers: dict[Context, bool] = {}  # contexts that read its nodes as free variables
        self.early_readers: dict[Context, bool] = {}  # ... and found no value yet
        self.read: set[Context] = set()  # contexts whose output this pass has read
        self.created_by = created_by
        self.created_at = created_at
        self.call_loc = call_loc
        self.rerun = False
        self.passes = 0
        self.fv_changed = False  # a value read as a free variable changed in this pass
        self.fv_filled = False  # a value read as a free variable was first computed
        self.id = ident

    def __repr__(self) -> str:
        return f"<{self.graph.name}#{self.id}>"


def _is_block(graph: Graph) -> bool:
    """A block of a function (the body of a loop, a branch), or the J of one."""
    if graph.flags.get("block"):
        return True
    j_of = graph.flags.get("j_of")
    return j_of is not None and bool(j_of[0].flags.get("block"))


def _union_of_structures(a, depth: int = 0) -> bool:
    """Whether `a` holds a union of tuples, lists or dicts."""
    if depth > 6:
        return False
    if isinstance(a, AUnion):
        return any(isinstance(o, (ATuple, AList, ADict)) for o in a.options)
    if isinstance(a, ATuple):
        return any(_union_of_structures(x, depth + 1) for x in a.items)
    return False


def _holds_function(a, depth: int = 0) -> bool:
    if isinstance(a, AFunction):
        return True
    if isinstance(a, ATuple) and depth < 3:
        return any(_holds_function(x, depth + 1) for x in a.items)
    return False


def _union_of_chains(a) -> bool:
    """Whether `a` is a union of tuples holding functions (backpropagator chains)."""
    return isinstance(a, AUnion) and any(
        isinstance(o, ATuple) and _holds_function(o) for o in a.options
    )


def _primal_of_j_rule(ctx: Context, node: Node) -> bool:
    """Whether `node` is the primitive call of the J graph of a primitive: the user's own
    operation (its error is the user's, at the line that called the J graph)."""
    graph = ctx.graph
    return bool(graph.flags.get("j_rule")) and node.inputs[1:] == graph.parameters[1:]


def _is_user_loc(loc: Location | None) -> bool:
    return loc is not None and not os.path.abspath(loc.filename).startswith(_MYIA_DIR + os.sep)


class Engine:
    """The state of one inference: contexts, their dependencies and the work left."""

    def __init__(self, root: Graph):
        self.mng = Manager(root)
        self.max_joins: int | None = None  # None: MAX_JOINS
        self.codes: dict[Graph, Code] = {}
        self.contexts: dict[tuple, Context] = {}
        self.by_graph: dict[Graph, list[Context]] = defaultdict(list)
        self.any_readers: dict[Graph, dict[Context, bool]] = defaultdict(dict)
        self.evaluate = Evaluator()
        self.dirty: dict[Context, bool] = {}
        self.stack: list[Context] = []
        self._pending: Context | None = None
        self._closures: dict = {}  # (graph, context) -> the AFunction of that closure
        self._merged: dict = {}  # graph -> merged arguments (MAX_CONTEXTS_PER_GRAPH)
        self._loops: dict = {}  # loop entry context -> (arguments so far, widenings)
        self._substituted: dict = {}  # (J graph result, chain) -> result with that chain
        self._dropped: dict = {}  # abstract -> what a graph parameter receives for it
        self._fvs_total = None
        self._options = 1  # > 1 while calling one of several possible functions
        self.errors: dict[tuple[Context, Node], MyiaTypeError] = {}

    # Preparing graphs -------------------------------------------------------------------------

    def code(self, graph: Graph) -> Code:
        code = self.codes.get(graph)
        if code is None:
            code = self._compile(graph)
            self.codes[graph] = code
        return code

    def _free_variables(self) -> dict:
        if self._fvs_total is None:
            self._fvs_total = self.mng.free_variables_total
        return self._fvs_total

    def _compile(self, graph: Graph) -> Code:
        if graph not in self.mng.graphs:
            self.mng.add_root(graph)  # a graph made during inference (grad_of)
            self._fvs_total = None
        fvs = self._free_variables()
        order = toposort(
            graph.output,
            lambda n: n.graph is graph,
            lambda g: [n for n in fvs.get(g, ()) if n.graph is graph],
        )
        slots: dict[Node, int] = {p: i for i, p in enumerate(graph.parameters)}
        applies = [n for n in order if isinstance(n, Apply) and n.graph is graph]
        for n in applies:
            slots[n] = len(slots)
        uses = self.mng.uses
        exported = frozenset(
            i for n, i in slots.items() if any(u.graph is not graph for u, _ in uses.get(n, ()))
        )

        def operand(n: Node, fn_position: bool = False):
            if n in slots:
                return (SLOT, slots[n])
            if isinstance(n, Constant):
                v = n.value
                if isinstance(v, Primitive) and fn_position:
                    return (PRIM, v)
                if isinstance(v, Graph):
                    if v not in self.mng.graphs:
                        self.mng.add_root(v)
                        self._fvs_total = None
                    total = self._free_variables().get(v, ())
                    if total:
                        return (CLOSURE, (v, frozenset(x.graph for x in total)))
                    return (CONST, AFunction((v,)))
                return (CONST, abstract_of_value(v))
            if n.graph is not None and n.graph is not graph:
                return (FV, n)
            return (CONST, ATop)

        instrs = []
        for n in applies:
            instrs.append(
                (slots[n], operand(n.inputs[0], True), [operand(x) for x in n.inputs[1:]], n)
            )
        return Code(
            graph, len(graph.parameters), len(slots), instrs, operand(graph.output), exported, slots
        )

    # Values of operands -----------------------------------------------------------------------

    def _fetch(self, op, ctx: Context):
        kind, data = op
        if kind == SLOT:
            return ctx.values[data]
        if kind == CONST:
            return data
        if kind == FV:
            return self._free_variable(ctx, data)
        if kind == PRIM:
            return AFunction((data,))
        graph, owners = data
        c = ctx
        while type(c) is Context and c.graph not in owners:
            c = c.closure
        if type(c) is not Context and not isinstance(c, ValueEnv):
            c = ANY
        key = (graph, c)
        f = self._closures.get(key)
        if f is None:
            f = self._closures[key] = AFunction((GraphClosure(graph, c),))
        return f

    def _free_variable(self, ctx: Context, node: Node):
        c = ctx.closure
        while type(c) is Context:
            if c.graph is node.graph:
                slot = c.code.slot_of.get(node)
                value = None if slot is None else c.values[slot]
                if value is None:
                    c.early_readers[ctx] = True
                else:
                    c.readers[ctx] = True
                return value
            c = c.closure
        if isinstance(c, ValueEnv):
            return c.lookup(node)
        # Widened closure (ANY): the join over every context of the variable's graph.
        self.any_readers[node.graph][ctx] = True
        out = None
        for c in self.by_graph.get(node.graph, ()):
            slot = c.code.slot_of.get(node)
            if slot is not None:
                out = join(out, c.values[slot])
        return out

    # Calls ------------------------------------------------------------------------------------

    def _error_loc(self, ctx: Context, node: Node) -> Location | None:
        if _is_user_loc(node.loc):
            return node.loc
        return ctx.call_loc or node.loc

    def _primitive(self, ctx: Context, node: Node, prim: Primitive, args: list):
        if prim is apply_prim:
            if len(args) != 2:
                return None
            fn, packed = args
            if packed is None or fn is None:
                return None
            if isinstance(packed, ATuple):
                return self._call_value(ctx, node, fn, list(packed.items))
            if isinstance(packed, AUnion):
                out = None
                for o in packed.ordered:
                    r = (
                        self._call_value(ctx, node, fn, list(o.items))
                        if isinstance(o, ATuple)
                        else ATop
                    )
                    if r is _SUSPEND:
                        return r
                    out = join(out, r)
                return out
            return ATop
        try:
            return self.evaluate(prim, tuple(args), in_union=self._options > 1)
        except (ShapeMismatch, UserTypeError) as e:
            if (isinstance(node.loc, InheritedLocation) or node.loc is None) and not (
                node.loc is None and _primal_of_j_rule(ctx, node)
            ):
                # myia's own code inlined at a user's line (a backpropagator's branch for
                # other shapes): not the user's error; the run-time check stays.
                return ATop
            # Raised once the fixpoint is reached, if the node still fails then: an
            # intermediate approximation may be narrower than the final one.
            kind = MyiaShapeError if isinstance(e, ShapeMismatch) else MyiaTypeError
            self.errors[(ctx, node)] = kind(str(e), self._error_loc(ctx, node))
            return None

    def _call_value(self, ctx: Context, node: Node, f, args: list):
        if f is None:
            return None
        if isinstance(f, AFunction):
            options = f.ordered
        elif isinstance(f, AUnion):
            options = [o for fo in f.ordered if isinstance(fo, AFunction) for o in fo.ordered]
        elif f is ATop:
            return ATop
        elif isinstance(f, AConst) and callable(f.value):
            return self._python_call(ctx, node, f.value, args)
        else:
            return None  # calling a value that is not a function raises
        outer = self._options
        self._options = max(outer, len(options))
        try:
            return self._call_options(ctx, node, options, args)
        finally:
            self._options = outer

    def _call_options(self, ctx: Context, node: Node, options, args: list):
        out = None
        for opt in options:
            if isinstance(opt, Primitive):
                r = self._primitive(ctx, node, opt, args)
            elif isinstance(opt, GraphClosure):
                r = self._call_graph(ctx, node, opt.graph, opt.context, args)
            elif isinstance(opt, Graph):
                r = self._call_graph(ctx, node, opt, None, args)
            else:
                r = ATop
            if r is _SUSPEND:
                return r
            out = join(out, r)
        return out

    def _python_call(self, ctx: Context, node: Node, fn, args: list):
        """A call of a Python callable held as a constant (`zip(...)`, a class)."""
        if any(a is None for a in args):
            return None
        if any(isinstance(a, AUnion) for a in args):
            return ATop
        return generic(PythonCallable(fn), tuple(args), strict_errors=False)

    def _drop(self, a):
        """What a graph parameter receives for `a`: no numbers' values, chains limited."""
        r = self._dropped.get(a)
        if r is None:
            r = self._dropped[a] = limit_chains(drop_numbers(a), CHAIN_LINKS)
        return r

    def _bind(self, code: Code, args: list):
        """Arguments completed with the graph's defaults; None when the call cannot bind."""
        n = code.nparams
        if len(args) == n:
            return args
        if len(args) > n:
            return None
        missing = code.argnames[len(args) :]
        if not all(m in code.defaults for m in missing):
            return None
        return list(args) + [abstract_of_value(code.defaults[m]) for m in missing]

    def _call_graph(self, ctx: Context, node: Node, graph: Graph, closure, args: list):
        code = self.code(graph)
        bound = self._bind(code, args)
        if bound is None:
            return None  # TypeError at run time
        if any(a is None for a in bound):
            return None
        args = tuple(self._drop(a) for a in bound)
        if any(_union_of_chains(a) for a in args) and self._reentry(ctx, graph)[0] is None:
            # One context per combination of the options of unions of tuples holding
            # functions (while they are few): a backpropagator chain stays apart from
            # another's, and so does the sensitivity it computes.
            choices = [a.ordered if type(a) is AUnion else (a,) for a in args]
            count = 1
            for c in choices:
                count *= len(c)
            if count <= MAX_SPLIT:
                out = None
                for combo in itertools.product(*choices):
                    r = self._enter_context(ctx, node, code, closure, combo)
                    if r is _SUSPEND:
                        return r
                    out = join(out, r)
                return out
        return self._enter_context(ctx, node, code, closure, args)

    def _enter_context(self, ctx: Context, node: Node, code: Code, closure, args: tuple):
        if code.chain_parameter:
            # A J graph: analysed for any chain `k`, its result is then given the caller's.
            chain = args[0]
            r = self._enter_context_of(ctx, node, code, closure, (CHAIN, *args[1:]))
            if r is _SUSPEND or r is None or chain is CHAIN:
                return r
            key = (r, chain)
            out = self._substituted.get(key)
            if out is None:
                out = self._substituted[key] = substitute_chain(r, chain)
            return out
        return self._enter_context_of(ctx, node, code, closure, args)

    def _enter_context_of(self, ctx: Context, node: Node, code: Code, closure, args: tuple):
        graph = code.graph
        callee = self.contexts.get((graph, closure, args))
        if callee is None:
            callee = self._new_context(ctx, node, code, closure, args)
        if callee.state == NEW:
            self._pending = callee
            return _SUSPEND
        callee.callers[ctx] = True
        ctx.read.add(callee)
        return callee.output

    def _new_context(self, ctx, node, code: Code, closure, args: tuple) -> Context:
        graph = code.graph
        args = self._widen_reentry(ctx, graph, args)
        others = self.by_graph[graph]
        if len(others) >= MAX_CONTEXTS_PER_GRAPH:
            # Too many signatures: from now on, one context joining them all.
            merged = self._merged.get(graph)
            if merged is None or len(merged) != len(args):
                merged = args
                for o in others:
                    if len(o.args) == len(args):
                        merged = tuple(widen(m, a) for m, a in zip(merged, o.args))
            merged = tuple(forget_closure_contexts(widen(m, a)) for m, a in zip(merged, args))
            self._merged[graph] = args = merged
        key = (graph, closure, args)
        existing = self.contexts.get(key)
        if existing is not None:
            return existing
        loc = node.loc if node is not None and _is_user_loc(node.loc) else None
        if loc is None and ctx is not None:
            loc = ctx.call_loc
        c = Context(code, closure, args, ctx, node, loc, len(self.contexts))
        self.contexts[key] = c
        others.append(c)
        return c

    def _reentry(self, ctx: Context | None, graph: Graph):
        """How a call of `graph` from `ctx` re-enters `graph`. Returns `(entry, nearest,
        count)`: `entry` is the outermost context of `graph` reached from `ctx` through
        blocks of one function only (a loop: tail calls between the blocks of its body; a
        recursion through its `if` blocks), None if there is none; `nearest` the nearest
        context of `graph` at all; `count` how many runs of `graph` `ctx` is nested in.
        Nested uses of one graph through other functions (a `run_chain` inside a
        backpropagator run by `run_chain`) are not re-entries, unless they nest deeply."""
        entry = nearest = None
        count = 0
        through_blocks = crossed = True
        c = ctx
        while c is not None:
            if c.graph is graph:
                if nearest is None:
                    nearest = c
                if through_blocks:
                    entry = c
                if crossed:  # one more run of `graph` (its loop iterations count once)
                    count += 1
                    crossed = False
            elif not _is_block(c.graph):
                through_blocks = False
                crossed = True
            c = c.created_by
        return entry, nearest, count

    def _widen_reentry(self, ctx, graph: Graph, args: tuple) -> tuple:
        """`args` widened at a re-entry (see `_reentry`) with everything that entered the
        same loop before, unless one of them shrinks (a chain being consumed, a shorter
        tuple: that terminates by itself)."""
        entry, nearest, count = self._reentry(ctx, graph)
        if entry is None and count > MAX_NESTING:
            entry = nearest
        if entry is None or len(entry.args) != len(args):
            return args
        if count < MAX_SHRINKING and any(is_smaller(o, a) for o, a in zip(nearest.args, args)):
            return args
        state, widenings = self._loops.get(entry, (entry.args, 0))
        out = []
        for o, a in zip(state, args):
            w = forget_closure_contexts(widen(o, a))
            if w != o and (widenings >= MAX_WIDENINGS or _union_of_structures(w)):
                # Still changing after a few widenings, or a mix of structures (the
                # sensitivities of a backward loop whose chain is an ACons): give up on it.
                w = ATop
            out.append(w)
        out = tuple(out)
        if out != state:
            self._loops[entry] = (out, widenings + 1)
        return out

    # The driver -------------------------------------------------------------------------------

    def enter(self, graph: Graph, args: tuple) -> Context:
        """The context of a call of `graph` on `args` from outside."""
        code = self.code(graph)
        bound = self._bind(code, list(args))
        if bound is None:
            raise MyiaTypeError(
                f"{graph.name}() takes {code.nparams} positional arguments but {len(args)} were "
                "given",
                graph.loc,
            )
        closure = ANY if self._free_variables().get(graph) else None
        ctx = self._new_context(None, None, code, closure, tuple(bound))
        return ctx

    def solve(self, root: Context) -> None:
        """Analyse `root` and everything it reaches to a fixpoint."""
        if root.state == NEW:
            root.state = RUNNING
            self.stack.append(root)
        stack = self.stack
        dirty = self.dirty
        limit = MAX_JOINS if self.max_joins is None else self.max_joins
        budget = JOINS[0] + limit
        while stack or dirty:
            if JOINS[0] > budget:
                raise InferenceBudgetExceeded(f"inference took more than {limit} joins")
            if not stack:
                ctx, _ = dirty.popitem()
                ctx.pc = 0
                ctx.read.clear()
                ctx.state = RUNNING
                stack.append(ctx)
            ctx = stack[-1]
            callee = self._run(ctx)
            if callee is not None:
                callee.state = RUNNING
                callee.pc = 0
                stack.append(callee)
                continue
            stack.pop()
            self._finish(ctx)
        if self.errors:
            raise next(iter(self.errors.values()))

    def _run(self, ctx: Context) -> Context | None:
        """Analyse `ctx` from its pc; the callee to analyse first when it must wait."""
        values = ctx.values
        instrs = ctx.code.instrs
        exported = ctx.code.exported
        n = len(instrs)
        pc = ctx.pc
        fetch = self._fetch
        while pc < n:
            slot, fop, aops, node = instrs[pc]
            args = [
                values[d] if k == SLOT else d if k == CONST else fetch((k, d), ctx) for k, d in aops
            ]
            if self.errors:
                self.errors.pop((ctx, node), None)
            if fop[0] == PRIM:
                r = self._primitive(ctx, node, fop[1], args)
            else:
                r = self._call_value(ctx, node, fetch(fop, ctx), args)
            if r is _SUSPEND:
                ctx.pc = pc
                return self._pending
            old = values[slot]
            if r is not old and r != old:
                values[slot] = r
                if slot in exported:
                    if old is None:
                        ctx.fv_filled = True
                    else:
                        ctx.fv_changed = True
            pc += 1
        ctx.pc = n
        return None

    def _finish(self, ctx: Context) -> None:
        ctx.passes += 1
        new = self._fetch(ctx.code.output, ctx)
        old = ctx.output
        if ctx.passes > MAX_PASSES:
            out = ATop
        elif old is None:
            out = limit_chains(new, CHAIN_LINKS)
        else:
            out = limit_chains(widen(old, new), CHAIN_LINKS)
        ctx.state = DONE
        if out is not old and out != old:
            ctx.output = out
            for c in ctx.callers:
                if ctx in c.read:
                    self._mark(c)
        if ctx.fv_changed or ctx.fv_filled:
            # Closures that read a free variable before it had a value, or (when a value
            # changed) any closure that read one, must be analysed again.
            for c in ctx.early_readers:
                self._mark(c)
            ctx.early_readers.clear()
            if ctx.fv_changed:
                for c in ctx.readers:
                    self._mark(c)
            for c in self.any_readers.get(ctx.graph, ()):
                self._mark(c)
            ctx.fv_changed = ctx.fv_filled = False
        if ctx.rerun:
            ctx.rerun = False
            self.dirty[ctx] = True

    def _mark(self, c: Context) -> None:
        if c.state == RUNNING:
            c.rerun = True
        elif c.state == DONE:
            self.dirty[c] = True


class InferenceResult:
    """What inference found: the output's abstract value and every node's.

    Example:
        >>> res = infer(graph, (1.0,))        # doctest: +SKIP
        >>> res.output, res.abstract(node)    # doctest: +SKIP
    """

    def __init__(self, engine: Engine, root: Context):
        self.engine = engine
        self.root = root

    @property
    def output(self) -> AbstractValue:
        """The abstract value of the analysed graph's output (None: it never returns)."""
        return self.root.output

    def contexts(self, graph: Graph) -> list[Context]:
        """The contexts `graph` was analysed in."""
        return list(self.engine.by_graph.get(graph, ()))

    def graph_contexts(self, graph: Graph) -> list[tuple]:
        """The argument signatures `graph` was analysed with (each once)."""
        out = []
        for c in self.engine.by_graph.get(graph, ()):
            if c.args not in out:
                out.append(c.args)
        return out

    def abstract(self, node: Node) -> AbstractValue:
        """The abstract value of `node`, joined over every context of its graph; ATop when
        nothing is known (a node never analysed, or one that never produces a value)."""
        if isinstance(node, Constant):
            v = node.value
            if isinstance(v, Graph):
                if self.engine._free_variables().get(v):
                    return AFunction((GraphClosure(v, ANY),))
                return AFunction((v,))
            return abstract_of_value(v)
        graph = node.graph
        out = None
        for c in self.engine.by_graph.get(graph, ()):
            if node is graph.return_:
                out = join(out, c.output)
                continue
            slot = c.code.slot_of.get(node)
            if slot is not None:
                out = join(out, c.values[slot])
        return ATop if out is None else out

    def annotate(self) -> None:
        """Store each analysed node's abstract value in its `abstract` field."""
        for graph in list(self.engine.by_graph):
            code = self.engine.codes[graph]
            for node in code.slot_of:
                node.abstract = self.abstract(node)
            if graph.return_ is not None:
                graph.return_.abstract = self.abstract(graph.return_)


def infer(graph: Graph, args: tuple | list, *, max_joins: int | None = None) -> InferenceResult:
    """Abstract interpretation of `graph` called on `args` (concrete values, or abstract
    values for what is not known). Concrete numbers enter as their type only, as every
    graph parameter does; abstract arguments are taken as given. Past `max_joins` joins
    (default `MAX_JOINS`) it gives up with `InferenceBudgetExceeded`.

    Raises `MyiaTypeError` (naming the user's line) for shape errors certain to happen.

    Example:
        >>> import numpy as np, myia                                  # doctest: +SKIP
        >>> infer(myia.ir(np.tanh), (np.ones(3),)).output              # doctest: +SKIP
        AArray(float64, (3,))
    """
    abstract_args = tuple(
        a if isinstance(a, AbstractValue) else drop_numbers(abstract_of_value(a)) for a in args
    )
    engine = Engine(graph)
    engine.max_joins = max_joins
    root = engine.enter(graph, abstract_args)
    engine.solve(root)
    return InferenceResult(engine, root)


def infer_value(graph: Graph, args: tuple | list) -> Any:
    """Shorthand: the abstract value of `graph`'s output on `args`."""
    return infer(graph, args).output
