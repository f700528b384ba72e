"""The reference evaluator: runs any graph directly, slow and obviously right.

Each graph is compiled once into a flat list of instructions over numbered slots. Calls
between graphs never use the Python stack: frames live on an explicit list, and a call in
tail position replaces the caller's frame, so loops (tail calls) run in constant memory and
recursion is limited only by memory. Closures are flat: a closure value carries the values
of its graph's free variables, in the order the manager gives them.

This is the oracle every optimization and every backend is tested against.

Example:
    >>> from myia.parser import parse
    >>> def f(x):
    ...     return x * 2.0
    >>> run_graph(parse(f), (3.0,))        # doctest: +SKIP
    6.0
"""

from __future__ import annotations

import weakref
from typing import Any

from myia.errors import annotate_runtime_error
from myia.ir.manager import Manager, mutation_count
from myia.ir.nodes import Apply, Constant, Graph, Node, Parameter, toposort
from myia.prim.registry import Primitive
from myia.prim.structures import apply as apply_prim

SLOT, CONST, FV, CLOSURE = 0, 1, 2, 3


class Closure:
    """A graph with the values of its free variables: a function value of the VM."""

    __slots__ = ("graph", "env", "vm")

    def __init__(self, graph: Graph, env: tuple, vm: VM):
        self.graph = graph
        self.env = env
        self.vm = vm

    def __call__(self, *args):
        return self.vm.call(self, args)

    def __repr__(self) -> str:
        return f"<closure {self.graph.name}>"


class Code:
    """A graph compiled for the VM."""

    __slots__ = ("graph", "nparams", "nslots", "instrs", "output", "defaults", "argnames")

    def __init__(self, graph, nparams, nslots, instrs, output):
        self.graph = graph
        self.nparams = nparams
        self.nslots = nslots
        self.instrs = instrs
        self.output = output
        self.defaults = graph.flags.get("defaults") or {}
        self.argnames = graph.flags.get("argnames") or [p.name for p in graph.parameters]


class Frame:
    __slots__ = ("code", "slots", "env", "pc", "ret")

    def __init__(self, code: Code, slots: list, env: tuple):
        self.code = code
        self.slots = slots
        self.env = env
        self.pc = 0
        self.ret = 0


class VM:
    """Evaluates graphs managed by one manager (created on demand for each new root)."""

    def __init__(self):
        self._reset()

    def _reset(self) -> None:
        self._codes: weakref.WeakKeyDictionary[Graph, Code] = weakref.WeakKeyDictionary()
        self._managers: weakref.WeakKeyDictionary[Graph, Manager] = weakref.WeakKeyDictionary()
        self._fvs: weakref.WeakKeyDictionary[Graph, list[Node]] = weakref.WeakKeyDictionary()
        self._seen_mutations = mutation_count()

    # Compilation ------------------------------------------------------------------------------

    def _manager_for(self, graph: Graph) -> Manager:
        mng = self._managers.get(graph)
        if mng is None:
            mng = Manager(graph)
            for g in mng.graphs:
                self._managers.setdefault(g, mng)
                self._fvs[g] = mng.ordered_free_variables(g)
        return mng

    def free_variables(self, graph: Graph) -> list[Node]:
        if graph not in self._fvs:
            self._manager_for(graph)
        return self._fvs[graph]

    def code(self, graph: Graph) -> Code:
        code = self._codes.get(graph)
        if code is None:
            code = self._compile(graph)
            self._codes[graph] = code
        return code

    def _compile(self, graph: Graph) -> Code:
        fv_index = {n: i for i, n in enumerate(self.free_variables(graph))}
        order = toposort(
            graph.output,
            lambda n: n.graph is graph,
            lambda g: [n for n in self.free_variables(g) if n.graph is graph],
        )
        slots: dict[Node, int] = {p: i for i, p in enumerate(graph.parameters)}
        applies = [n for n in order if isinstance(n, Apply) and n.graph is graph]
        for n in applies:
            slots[n] = len(slots)

        def operand(n: Node):
            if n in slots:
                return (SLOT, slots[n])
            if n in fv_index:
                return (FV, fv_index[n])
            if isinstance(n, Constant):
                v = n.value
                if isinstance(v, Graph):
                    fvs = self.free_variables(v)
                    if fvs:
                        return (CLOSURE, (v, [operand(x) for x in fvs]))
                return (CONST, v)
            if isinstance(n, Parameter) or isinstance(n, Apply):
                raise ValueError(f"{n!r} of {n.graph!r} is not visible in {graph!r}")
            raise ValueError(f"unknown node {n}")

        instrs = []
        out_node = graph.output
        for n in applies:
            ops = [operand(x) for x in n.inputs]
            instrs.append((slots[n], ops[0], ops[1:], n, n is out_node))
        return Code(graph, len(graph.parameters), len(slots), instrs, operand(out_node))

    # Execution --------------------------------------------------------------------------------

    def call(self, fn: Any, args: tuple) -> Any:
        """Call a graph, closure or primitive with positional arguments."""
        if self._seen_mutations != mutation_count():
            self._reset()
        if isinstance(fn, (Graph, Closure)):
            return self._run(self._frame(fn, list(args), None))
        if isinstance(fn, Primitive):
            return fn.impl(*args)
        return fn(*args)

    def _frame(self, fn, args: list, node: Node | None) -> Frame:
        if isinstance(fn, Closure):
            code = self.code(fn.graph)
            env = fn.env
        else:
            code = self.code(fn)
            env = ()
        n = code.nparams
        if len(args) != n:
            args = self._complete_args(code, args, node)
        slots = args + [None] * (code.nslots - n)
        return Frame(code, slots, env)

    def _complete_args(self, code: Code, args: list, node: Node | None) -> list:
        n = code.nparams
        if len(args) < n:
            missing = code.argnames[len(args) :]
            if all(m in code.defaults for m in missing):
                return args + [code.defaults[m] for m in missing]
        err = TypeError(
            f"{code.graph.name}() takes {n} positional arguments but {len(args)} were given"
        )
        annotate_runtime_error(err, node.loc if node is not None else None)
        raise err

    def _run(self, frame: Frame) -> Any:
        stack: list[Frame] = []
        while True:
            code = frame.code
            slots = frame.slots
            env = frame.env
            instrs = code.instrs
            ninstr = len(instrs)
            pc = frame.pc
            called = None
            while pc < ninstr:
                out, fop, aops, node, tail = instrs[pc]
                f = self._fetch(fop, slots, env)
                args = [self._fetch(a, slots, env) for a in aops]
                if f is apply_prim:
                    f = args[0]
                    args = list(args[1])
                if isinstance(f, (Graph, Closure)):
                    called = self._frame(f, args, node)
                    break
                try:  # a primitive or a Python callable: its error names the user's line
                    slots[out] = f(*args)
                except Exception as e:
                    annotate_runtime_error(e, node.loc)
                    raise
                pc += 1
            if called is not None:
                if not tail:
                    frame.pc = pc
                    frame.ret = out
                    stack.append(frame)
                frame = called
                continue
            result = self._fetch(code.output, slots, env)
            if not stack:
                return result
            frame = stack.pop()
            frame.slots[frame.ret] = result
            frame.pc += 1

    def _fetch(self, op, slots, env):
        kind, data = op
        if kind == SLOT:
            return slots[data]
        if kind == CONST:
            return data
        if kind == FV:
            return env[data]
        graph, sources = data
        return Closure(graph, tuple(self._fetch(s, slots, env) for s in sources), self)


_DEFAULT_VM = VM()


def run_graph(graph: Graph, args: tuple) -> Any:
    """Evaluate `graph` on `args` with the shared reference VM."""
    return _DEFAULT_VM.call(graph, tuple(args))


def default_vm() -> VM:
    """The shared reference VM."""
    return _DEFAULT_VM
