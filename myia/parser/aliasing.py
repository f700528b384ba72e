"""The aliasing rule of in-place updates, which the fence (`fence.py`) applies to each function.

myia compiles `x[i] = v` (and `x[i] += v`) as a functional update that rebinds `x` to an updated copy, and `x += v` as
`x = x + v`; Python instead writes into the object `x` names, which every other name,
container, closure or caller holding that object sees. The rule refuses an update whenever
that difference could show, with a syntactic and conservative analysis of the function that
holds the update (sharings made after the update, outside its loops, see the new value and
do not count). It follows values, not names: each binding of a name starts a version of it
(`versions`), and a sharing counts only for the version the update (or a later read) sees,
so rebinding a name to a fresh value, or a swap `a, b = b, a`, ends what the name shared
(and a name rebound before any read after the update does not show it, `forgotten`):

- `x[i] = v` / `x[i] += v` is refused when `x` is a parameter (unless rebound on every path
  before the update), is not assigned in the function (a global or enclosing variable), is
  another name or a view of something (`x = y`, `x = y.T`, `x = y[1:]`, `x = np.reshape(y,
  s)`, `for x in ys`, ...), is itself shared (`y = x`, `y = x.T`, `t = (x, 1)`, `for r in
  x`, `out[i] = x`, ...) or is read by a nested def, lambda or comprehension. Writes into an
  element (`x[i][j] = v`, `x[i] += v`) are also refused when `x` holds named objects
  (`x = [w, w]`, `x[k] = w` on a list) or repeats one (`x = [np.zeros(3)] * 2`); for
  `x[i] += v` that refusal is left to the specializer, which raises it where `x[i]` is an
  array or a list (a number is rebound in its slot: `y[0] = s; y[0] += 1.0` on a float).
- `x += v` on a name is refused when `x` shares its object with another name, container or
  loop variable that is read after the update (or in its loop, or by a nested function), or
  with an object from outside the function (a parameter not rebound before, a global or an
  enclosing variable, what a call may return from outside). `x += v` is right on numbers
  and tuples, so these refusals are left on the statement for the specializer, which
  raises them where `x` is an array or a list (`prim/guards.py`).

A call's value shares what the callee may return of its arguments and captures (`calls.py`):
a user function, a nested def or a lambda is read (its returns, through its own assignments
and calls); a function value myia cannot read here (a parameter, an item, the result of a
call) may return any of its arguments or captures. A finished list, set or dict
comprehension holds what its element expression returns (`[v for v in y]` the rows of `y`,
`[v * 2.0 for v in y]` new arrays) and reads its names where it stands; a generator
expression, a def or a lambda holds its captures; a join of lists with a display
(`xs + [w]`, what `xs.append(w)` becomes) holds `w` and the elements of `xs`, not `xs`
itself: a write into a slot of `xs` does not show through it, a write into an element does.
What a value shares is read by `sharing.py`. Everything else (fresh arrays from
`np.zeros`, `np.array`, `x.copy()`, arithmetic, NumPy functions, gradients) is fresh.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from myia.parser.ast_rules import (
    _LOOPS,
    _NESTED_SCOPES,
    _OPS,
    _SKIPPED_FIELDS,
    _code,
    _free_reads,
    _iter_own,
    _param_names,
    _repeats_an_object,
    _subscript_root,
    _target_names,
)
from myia.parser.children import child_nodes
from myia.parser.sharing import _EAGER, _ValueSharing

if TYPE_CHECKING:
    from myia.parser.fence import _Fence

# The aliasing rule -----------------------------------------------------------------------------


@dataclass
class _Edge:
    """Two names whose objects may be shared, recorded where one is built from the other.

    `target` is bound from (or, for a `store`, is a container updated with) an expression
    whose value may be or contain the object of `source`. `container` means `target` is a new
    container holding that object (`t = (x, 1)`, `t = list(x)`): updating the container's
    slots is safe, updating what is inside it is not.
    """

    target: str
    source: str
    stmt: ast.stmt
    store: bool = False
    container: bool = False
    closure: bool = False  # `target` is a def or lambda capturing `source`
    binds: bool = False  # `stmt` binds `target` (not a store into it)
    binds_source: bool = False  # `stmt` binds `source` too (`a = b = v`)
    # `target` is a new list or tuple holding the elements of `source`, not its object
    # (`ys = xs + [w]`): a write into a slot of `source` does not show through `target`.
    elements: bool = False
    # The versions of the two names the edge links (`_AliasCheck.versions`), set by `run`.
    target_versions: frozenset = frozenset()
    source_versions: frozenset = frozenset()


@dataclass
class _Update:
    kind: str  # "subscript" (`x[i] = v`, `x[i] op= v`) or "augmented" (`x op= v`)
    stmt: ast.stmt
    target: ast.expr
    name: str
    # `x[i][j] = v` and `x[i] += v` write into the object `x[i]` (in place, when it is an
    # array held by a list): whatever else holds that object would see it.
    inner: bool
    path: tuple


def _dominates(before: tuple, after: tuple) -> bool:
    """Whether the statement at path `before` runs before the one at `after` on every path.

    A path lists (block, index) from the function body down to the statement: `before`
    dominates when it sits earlier in a block that encloses `after` (or holds it).
    """
    n = len(before)
    if n > len(after) or before[: n - 1] != after[: n - 1]:
        return False
    (block_b, index_b), (block_a, index_a) = before[n - 1], after[n - 1]
    return block_b == block_a and index_b < index_a


def _own_parts(stmt: ast.stmt) -> list[ast.AST]:
    """The expressions of a statement, without its nested blocks and annotations."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt]
    parts: list[ast.AST] = []
    for field, value in ast.iter_fields(stmt):
        if field in _SKIPPED_FIELDS:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, ast.AST) and not isinstance(item, _BLOCK_ITEMS):
                parts.append(item)
    return parts


_BLOCK_ITEMS = (ast.stmt, ast.excepthandler, ast.match_case)


def _late_reads(scope: ast.AST) -> set[int]:
    """The ids of the names that the nested scope `scope` reads later than where it stands:
    all its reads for a def, a lambda or a generator expression; for a list, set or dict
    comprehension, which runs at once, only those of the functions and generators it makes.
    """
    if not isinstance(scope, _EAGER):
        return {id(n) for n in _free_reads(scope)}
    out: set[int] = set()
    for node in _iter_own(child_nodes(scope)):
        if isinstance(node, _NESTED_SCOPES):
            out |= _late_reads(node)
    return out


class _AliasCheck(_ValueSharing):
    """The aliasing rule of in-place updates, for one function (see the module docstring).

    `namespace` resolves the names the function does not bind (None: every callee is a
    function value it cannot read); `memo` holds the `_Returns` of the callees read so far.
    """

    def __init__(
        self,
        fence: _Fence,
        fn: ast.FunctionDef | ast.Lambda,
        visible: set[str],
        namespace: dict[str, Any] | None = None,
        memo: dict | None = None,
    ):
        self.fence = fence
        self.fn = fn
        self.visible = visible
        self.namespace = namespace
        self.memo = {} if memo is None else memo
        self.local_fns: dict[str, ast.AST | None] = {}  # name: its def or lambda (None: rebound)
        self.enclosing: list[ast.AST] = []  # the functions around `fn`, innermost last
        self.returns: list[ast.expr] = []
        self.params = set(_param_names(fn.args))
        self.bound = set(self.params)
        # The statements binding each name: a version of it starts at each (the parameters'
        # version, 0, at the entry), so that the rule follows values rather than names.
        self.defs: dict[str, list[ast.stmt]] = defaultdict(list)
        self.paths: dict[int, tuple] = {}  # id(statement): its path (see `_dominates`)
        self.reaching_memo: dict[tuple, frozenset] = {}
        self.edges: list[_Edge] = []
        # A position is (order of the statement, ids of the loops around it); None stands for
        # a read by a nested function, which may run at any time.
        self.where: dict[int, tuple[int, tuple]] = {}  # id(statement): position
        self.reads: dict[str, list[tuple[ast.Name, tuple | None, ast.stmt]]] = defaultdict(list)
        self.captures: list[tuple[ast.Name, tuple]] = []  # reads by nested functions
        self.updates: list[_Update] = []
        self.repeats: dict[str, list[ast.stmt]] = defaultdict(list)  # x = [np.zeros(3)] * 2
        # Names only ever bound to new ndarrays (`np.zeros(...)`): storing into them copies.
        self.arrays: dict[str, bool] = dict.fromkeys(self.params, False)

    def run(self) -> None:
        self.block(self.fn.body, (id(self.fn), "body"), (), ())
        for edge in self.edges:
            own = frozenset({id(edge.stmt)})
            edge.target_versions = own if edge.binds else self.versions(edge.target, edge.stmt)
            edge.source_versions = (
                own if edge.binds_source else self.versions(edge.source, edge.stmt)
            )
        for update in self.updates:
            if update.kind == "subscript":
                self.check_subscript(update)
            else:
                self.check_augmented(update)

    def may_see(self, position: tuple, update: _Update) -> bool:
        """Whether what runs at `position` may come before `update`: earlier, or in its loop."""
        order, loops = position
        update_order, update_loops = self.where[id(update.stmt)]
        return order <= update_order or not set(loops).isdisjoint(update_loops)

    def may_follow(self, position: tuple | None, update: _Update) -> bool:
        """Whether what runs at `position` may come after `update`: later, or in its loop."""
        if position is None:
            return True
        order, loops = position
        update_order, update_loops = self.where[id(update.stmt)]
        return order >= update_order or not set(loops).isdisjoint(update_loops)

    def versions(self, name: str, stmt: ast.stmt, position: tuple | None = None) -> frozenset:
        """The versions of `name` (ids of its binding statements, 0 for its value at the
        entry) that `stmt` may read, before its own bindings; `position`: where the read
        runs, when not at the statement's own (the test of a `while` runs in its loop)."""
        position = self.where[id(stmt)] if position is None else position
        key = (name, id(stmt), position)
        if key not in self.reaching_memo:
            self.reaching_memo[key] = frozenset(
                v
                for v, where in self.bindings(name)
                if self.reaches(name, v, where, stmt, position)
            )
        return self.reaching_memo[key]

    def bindings(self, name: str) -> list[tuple[int, tuple]]:
        entry = (0, (-1, ()))
        return [entry, *((id(d), self.where[id(d)]) for d in self.defs.get(name, []))]

    def reaches(
        self, name: str, version: int, where: tuple, stmt: ast.stmt, position: tuple
    ) -> bool:
        """Whether the binding `version` of `name` (at position `where`) may be what `stmt`
        reads at `position`: it runs before (or in a loop around both), and no other
        binding of `name` runs, on every path, between the two."""
        order_v, loops_v = where
        order_s, loops_s = position
        shared = set(loops_v) & set(loops_s)
        if order_v >= order_s and not shared:
            return False
        for other in self.defs.get(name, []):
            if id(other) == version or not _dominates(self.paths[id(other)], self.paths[id(stmt)]):
                continue
            order_o, loops_o = self.where[id(other)]
            if order_o < order_v < order_s:
                continue  # `version` may run after `other`, before `stmt`
            if shared <= set(loops_o):
                return False  # every way from `version` to `stmt` goes through `other`
        return True

    def define(self, name: str, stmt: ast.stmt) -> None:
        self.bound.add(name)
        if stmt not in self.defs[name]:
            self.defs[name].append(stmt)

    # Facts -------------------------------------------------------------------------------

    def block(self, stmts: list[ast.stmt], key: tuple, path: tuple, loops: tuple) -> None:
        for i, stmt in enumerate(stmts):
            self.statement(stmt, (*path, (key, i)), loops)

    def statement(self, stmt: ast.stmt, path: tuple, loops: tuple) -> None:
        order = len(self.where)
        self.where[id(stmt)] = (order, loops)
        self.paths[id(stmt)] = path
        # The test of a `while` runs again after each iteration: it is inside its loop.
        inside = (*loops, id(stmt)) if isinstance(stmt, ast.While) else loops
        for node in _iter_own(_own_parts(stmt)):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                self.reads[node.id].append((node, (order, inside), stmt))
            elif isinstance(node, _NESTED_SCOPES):
                late = _late_reads(node)
                for name in _free_reads(node):
                    if id(name) in late:
                        self.captures.append((name, (order, inside)))
                        self.reads[name.id].append((name, None, stmt))
                    else:  # read by a comprehension, which runs here
                        self.reads[name.id].append((name, (order, inside), stmt))
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                self.bind(target, stmt.value, stmt, path)
            names = [n.id for t in stmt.targets for n in _target_names(t)]
            if len(stmt.targets) > 1:  # `a = b = v`: one object, several names
                for a, b in zip(names, names[1:]):
                    self.edges.append(_Edge(a, b, stmt, binds=True, binds_source=True))
            for target in stmt.targets:
                if isinstance(target, ast.Subscript):
                    self.subscript_update(stmt, target, stmt.value, path)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.bind(stmt.target, stmt.value, stmt, path)
        elif isinstance(stmt, ast.AugAssign):
            target = stmt.target
            if isinstance(target, ast.Name):
                self.reads[target.id].append((target, (order, loops), stmt))
                self.updates.append(_Update("augmented", stmt, target, target.id, False, path))
                for src, direct in self.sources(stmt.value):  # `xs += [x]` stores `x`
                    if not direct and src.id != target.id:
                        self.edges.append(_Edge(target.id, src.id, stmt, store=True))
            elif isinstance(target, ast.Subscript):
                self.subscript_update(stmt, target, stmt.value, path)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            for name, sources in self.element_pairs(stmt.target, stmt.iter):
                self.arrays[name.id] = False
                self.define(name.id, stmt)
                for src in sources:  # the loop variable is an element of the iterable
                    self.edges.append(_Edge(name.id, src.id, stmt, binds=True))
            inner = (*loops, id(stmt))
            self.block(stmt.body, (id(stmt), "body"), path, inner)
            self.block(stmt.orelse, (id(stmt), "orelse"), path, inner)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.define(stmt.name, stmt)
            self.local_fn(stmt.name, stmt)
            for name in _free_reads(stmt):  # a closure holds what it captures
                self.edges.append(
                    _Edge(stmt.name, name.id, stmt, container=True, closure=True, binds=True)
                )
        elif isinstance(stmt, ast.Return):
            if stmt.value is not None:
                self.returns.append(stmt.value)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for a in stmt.names:
                self.define((a.asname or a.name).split(".")[0], stmt)
        else:
            inner = (*loops, id(stmt)) if isinstance(stmt, _LOOPS) else loops
            for field in ("body", "orelse", "finalbody"):
                stmts = getattr(stmt, field, None)
                if isinstance(stmts, list):
                    self.block(stmts, (id(stmt), field), path, inner)
            for part in [*getattr(stmt, "handlers", []), *getattr(stmt, "cases", [])]:
                self.block(part.body, (id(part), "body"), path, inner)
            for item in getattr(stmt, "items", []):  # `with ... as x`
                if item.optional_vars is not None:
                    for n in _target_names(item.optional_vars):
                        self.define(n.id, stmt)

    def bind(self, target: ast.expr, value: ast.expr, stmt: ast.stmt, path: tuple) -> None:
        if isinstance(target, ast.Name) and _repeats_an_object(value):
            self.repeats[target.id].append(stmt)
        for name, sources in self.pairs(target, value):
            self.local_fn(name.id, value if name is target else None)
            is_array = name is target and self.makes_array(value)
            self.arrays[name.id] = self.arrays.get(name.id, True) and is_array
            self.define(name.id, stmt)
            closure = isinstance(value, ast.Lambda) and name is target
            joined = self.joined_elements(value) if name is target else set()
            for src, direct in sources:
                edge = _Edge(name.id, src.id, stmt, container=not direct, closure=closure)
                edge.binds, edge.elements = True, id(src) in joined
                self.edges.append(edge)

    def local_fn(self, name: str, value: ast.AST | None) -> None:
        """Record that `name` is bound to `value`: a def or lambda when it is its only binding."""
        fn = value if isinstance(value, (ast.FunctionDef, ast.Lambda)) else None
        self.local_fns[name] = fn if name not in self.local_fns else None

    def subscript_update(
        self, stmt: ast.stmt, target: ast.Subscript, value: ast.expr, path: tuple
    ) -> None:
        root = _subscript_root(target)
        if not isinstance(root, ast.Name):
            return  # refused by the visitor
        inner = isinstance(target.value, ast.Subscript) or isinstance(stmt, ast.AugAssign)
        self.updates.append(_Update("subscript", stmt, target, root.id, inner, path))
        for src, _ in self.sources(value):  # in a list, `xs[i] = y` stores `y` itself
            if src.id != root.id:
                self.edges.append(_Edge(root.id, src.id, stmt, store=True))

    def copies_into(self, edge: _Edge) -> bool:
        """Whether `edge` stores into a name that is always an ndarray (a copy, not a link)."""
        return edge.store and self.arrays.get(edge.target, False)

    # Checks ------------------------------------------------------------------------------

    def line(self, node: ast.AST) -> int:
        return self.fence.user_line(node)

    def refuse(self, node: ast.AST, message: str) -> None:
        self.fence.refuse(node, message)

    def check_subscript(self, u: _Update) -> None:
        x = u.name
        op = _OPS.get(type(u.stmt.op), "") if isinstance(u.stmt, ast.AugAssign) else ""
        what = (
            f"in-place update `{_code(u.target)} {op}= ...` of `{x}` at line {self.line(u.target)}"
        )
        copy_fix = (
            f"copy it first, `{x} = {x}.copy()`, or create the array locally "
            "with np.zeros/np.ones/np.array/..."
        )
        reason = fix = None
        element_only = False
        if x not in self.bound:
            reason = (
                f"`{x}` is not assigned in this function (it is a global or a variable of an "
                "enclosing function), so Python would change it for everyone holding it"
            )
            fix = (
                f"update a local copy, e.g. `{x}_new = {x}.copy()`, or create the array "
                "locally with np.zeros/np.ones/np.array/..."
            )
        elif x in self.params and 0 in self.versions(x, u.stmt):
            reason = (
                f"`{x}` is a parameter of `{self.fn.name}`, so Python would change the "
                "caller's array"
            )
            fix = copy_fix
        else:
            edge, inner_only = self.first_alias_edge(u)
            captured = next(
                (name for name, pos in self.captures if name.id == x and self.may_see(pos, u)),
                None,
            )
            current = self.versions(x, u.stmt)
            repeat = next((st for st in self.repeats.get(x, []) if id(st) in current), None)
            # `x[i] += v` only writes into what `x` holds where `x[i]` is an array or a list
            # (a number is rebound in its slot): the specializer decides (`prim/guards.py`).
            element_only = (
                captured is None
                and (edge is None or inner_only)
                and isinstance(u.stmt, ast.AugAssign)
                and isinstance(u.target.value, ast.Name)
            )
            if u.inner and repeat is not None and edge is None:
                reason = (
                    f"`{x}` holds the same object several times (`{_code(repeat)}` at line "
                    f"{self.line(repeat)}), so Python would change every copy of it"
                )
                fix = (
                    "build the container with a list comprehension, "
                    "e.g. `[np.zeros(3) for i in range(n)]`"
                )
            elif edge is not None:
                where = f"`{_code(edge.stmt)}` at line {self.line(edge.stmt)}"
                if edge.target == x and edge.store:
                    reason = f"`{x}` holds `{edge.source}` ({where}), which Python would change too"
                    fix = f"store a copy instead: `{edge.source}.copy()`"
                elif edge.target == x and edge.container:
                    reason = f"`{x}` holds `{edge.source}` ({where}), which Python would change too"
                    fix = "build the container from copies (`.copy()`) or fresh arrays"
                elif edge.target == x and edge.source == x:
                    reason = (
                        f"`{x}` is a view of, or the same object as, what `{x}` held before "
                        f"({where}), so Python would change that array too"
                    )
                    value = getattr(edge.stmt, "value", None)
                    fix = f"copy it, `{x} = {_code(value, 30)}.copy()`" if value else copy_fix
                elif edge.target == x and edge.source.startswith("<"):
                    reason = (
                        f"`{x}` may be an object `{edge.source[1:-1]}` returns from outside "
                        f"this function ({where}), which Python would change too"
                    )
                    value = getattr(edge.stmt, "value", None)
                    fix = f"copy it, `{x} = {_code(value, 30)}.copy()`" if value else copy_fix
                elif edge.target == x:
                    reason = (
                        f"`{x}` is another name for, or a view of, `{edge.source}` ({where}), "
                        f"so Python would change `{edge.source}` too"
                    )
                    fix = (
                        f"make `{x}` a copy (`... .copy()` on the right-hand side) or create it "
                        "locally with np.zeros/np.ones/np.array/..."
                    )
                else:
                    kind = "holds" if edge.store or edge.container else "shares the data of"
                    reason = (
                        f"`{edge.target}` {kind} `{x}` ({where}), so Python would change "
                        f"`{edge.target}` too"
                    )
                    fix = f"give `{edge.target}` its own copy, `{x}.copy()`, or {copy_fix}"
            elif captured is not None:
                reason = (
                    f"`{x}` is read by a nested function, lambda or comprehension at line "
                    f"{self.line(captured)}, which Python would let see the update"
                )
                fix = f"build the nested values from a copy, `{x}.copy()`, or {copy_fix}"
        if reason is None:
            return
        message = (
            f"{what}: {reason}, while myia compiles the update as a functional update that "
            f"rebinds `{x}` to an updated copy; {fix}"
        )
        if element_only:
            self.defer(u.stmt, message)
            return
        self.refuse(u.target, message)

    def first_alias_edge(self, u: _Update) -> tuple[_Edge | None, bool]:
        """The first sharing of the object `u.name` names at the update that the update could
        show through another name (sharings of the objects it named before do not count), and
        whether it only shows through an object `u.name` holds (`x[i][j] = v`, `x[i] += v`);
        sharings of `u.name` itself come first."""
        edges = sorted(  # then what `x` holds besides its own elements (`xs = xs + [w]`)
            self.alias_edges(u), key=lambda e: (e[1], e[1] and e[0].source == e[0].target)
        )
        return (edges or [(None, False)])[0]

    def alias_edges(self, u: _Update) -> list[tuple[_Edge, bool]]:
        """The sharings of the object `u.name` names at the update, each with whether it is
        one of an object that `u.name` only holds."""
        x = u.name
        current = self.versions(x, u.stmt)
        out = []
        for edge in self.edges:
            if edge.stmt is u.stmt or not self.may_see(self.where[id(edge.stmt)], u):
                continue  # made by or after the update, outside its loops: sees the new value
            if self.copies_into(edge) or edge.closure:
                continue  # `x[i] = y` with `x = np.zeros(...)` copies the data of `y`; a
                # closure's captures are the reads of a nested function (`check_subscript`)
            is_target = edge.target == x and not current.isdisjoint(edge.target_versions)
            is_source = edge.source == x and not current.isdisjoint(edge.source_versions)
            if edge.elements and not u.inner:
                continue  # `ys = x + [w]` holds what `x` holds, not `x`: `x[i] = v` rebinds a slot
            if is_source and not is_target and not self.forgotten(edge, u):
                out.append((edge, False))  # another name, view or container holds `x`
            elif is_target and not edge.store and not edge.container:
                out.append((edge, False))  # `x` is another name or a view
            elif is_target and u.inner:
                out.append((edge, True))  # `x[i][j] = v` writes into an object `x` holds
        return out

    def forgotten(self, edge: _Edge, u: _Update) -> bool:
        """Whether the name `edge` bound to (a view of) the object of `u.name` is rebound
        before anything may read it after the update `u`, and passed it to nothing else
        (`z = y; z = z * 2.0; y[0] = 1.0`): no other name can show the update. Only for an
        update of a slot of `u.name` by another name for it: what `z` made without a sharing
        the rule records (`zz = z + z` of lists holds the elements) may hold those elements."""
        if u.inner or not edge.binds or edge.closure or edge.container or edge.store:
            return False
        holder = edge.target
        for other in self.edges:
            if other.source == holder and not edge.target_versions.isdisjoint(
                other.source_versions
            ):
                return False  # passed on (`w = z`), or stored (`z` in a container)
        return not any(
            self.may_follow(position, u)
            and not edge.target_versions.isdisjoint(self.versions(holder, stmt, position))
            for _, position, stmt in self.reads.get(holder, [])
        )

    def check_augmented(self, u: _Update) -> None:
        x = u.name
        op = _OPS.get(type(u.stmt.op), "?")
        what = f"augmented assignment `{x} {op}= ...` at line {self.line(u.stmt)}"
        fix = f"write `{x} = {x} {op} ...` instead"
        if x not in self.bound:
            self.refuse(
                u.stmt,
                f"{what}: `{x}` is not assigned in this function before (Python raises "
                f"UnboundLocalError, or it is a global or an enclosing variable); assign `{x}` "
                "first or pass it as an argument and return the new value",
            )
            return
        # Every version of a name that may show the object of `x`: names sharing it and
        # containers of it, linked before the update (or in its loop); one of them read after
        # it would differ, and so would one from outside the function.
        links: dict[tuple, list[tuple[tuple, _Edge]]] = defaultdict(list)
        for edge in self.edges:
            if not self.may_see(self.where[id(edge.stmt)], u) or self.copies_into(edge):
                continue
            if edge.elements:  # `ys = x + [w]` shares the elements of `x`, not its object
                continue
            for source in edge.source_versions:
                for target in edge.target_versions:
                    links[edge.source, source].append(((edge.target, target), edge))
                    if not edge.store:
                        links[edge.target, target].append(((edge.source, source), edge))
        current = {(x, v) for v in self.versions(x, u.stmt)}
        via: dict[tuple, _Edge | None] = dict.fromkeys(current)
        stack = list(current)
        while stack:
            node = stack.pop()
            for other, edge in links[node]:
                if other not in via:
                    via[other] = edge
                    stack.append(other)
        in_place = f"{what}: for an array or a list this updates `{x}` in place"
        for (name, version), edge in via.items():
            if edge is None:
                continue
            for read, position, stmt in self.reads.get(name, []):
                if not self.may_follow(position, u):
                    continue
                if version not in self.versions(name, stmt, position):
                    continue
                self.defer(
                    u.stmt,
                    f"{in_place}, and `{x}` shares its object with `{name}` (`{_code(edge.stmt)}` "
                    f"at line {self.line(edge.stmt)}), used at line {self.line(read)}: Python "
                    f"would change `{name}` too, myia would not; {fix}",
                )
                return
        for (name, version), edge in via.items():
            outside = self.from_outside(name) if version == 0 else None
            if outside is None:
                continue
            shares = (
                f"`{x}`"
                if edge is None
                else f"`{x}` shares its object with `{name}` (`{_code(edge.stmt)}` at "
                f"line {self.line(edge.stmt)}) and `{name}`"
            )
            self.defer(
                u.stmt,
                f"{in_place}, and {shares} {outside}: Python would change that object outside "
                f"`{self.fn.name}` too, myia would not; {fix} (or copy it first, "
                f"`{x} = {x}.copy()`)",
            )
            return

    def from_outside(self, name: str) -> str | None:
        """How the object `name` holds at the entry of the function may come from outside it
        (None: it is the function's own)."""
        if name.startswith("<"):
            return f"may be what `{name[1:-1]}` returns of its captures, globals or defaults"
        if name in self.params:
            return f"is a parameter of `{self.fn.name}`"
        if name not in self.bound and not self.is_module(ast.Name(name, ast.Load())):
            return "is a global or a variable of an enclosing function"
        return None

    def defer(self, stmt: ast.AugAssign, message: str) -> None:
        """Refuse `stmt` where its target is an array or a list (see `prim/guards.py`)."""
        if not hasattr(stmt, "_myia_mutable_refusal"):
            stmt._myia_mutable_refusal = message
