"""Functions with a user-written backpropagator (`myia.custom_vjp`).

The specializer typed the rule `bprop(*inputs, out, dout)` for the inputs of each call
(`custom_bwd` of the function's typed copy). The forward of such a function is the
function itself, saving its inputs and output; its backward calls the rule, and each
sensitivity it returns is checked against its input (known shapes and dtypes, before
anything runs) and given its input's type.

Example:
    >>> f = rev.function(custom_graph)      # doctest: +SKIP
"""

from __future__ import annotations

from myia.ad.regions import Region
from myia.errors import MyiaShapeError, MyiaTypeError
from myia.infer.abstract import AArray, ADict, AList, AResidual, AScalar, ATuple, AZero, describe
from myia.infer.build import Builder, typed_constant
from myia.infer.sensitivity import sens_type
from myia.infer.walks import drop_values
from myia.ir.nodes import Graph
from myia.prim.registry import lookup
from myia.prim.sens import unbroadcast
from myia.prim.structures import ZERO

_getitem = lookup("getitem")
_make_tuple = lookup("make_tuple")


class CustomAD:
    """The forward and backward graphs of a function with a custom backpropagator."""

    def __init__(self, rev, graph: Graph):
        self.rev = rev
        self.graph = graph
        self.rule: Graph = graph.flags["custom_bwd"]
        self.region = Region([graph], "function", rev.mng)
        self.bwds: dict = {}
        self.out_types: dict = {}
        fwd = graph.derive("fwd")
        params = []
        for p in graph.parameters:
            q = fwd.add_parameter(p.name, p.loc)
            q.abstract = rev.values.fwd_type(p.abstract)
            params.append(q)
        b = Builder(fwd, graph.loc)
        out = b.call(graph, params, graph.output.abstract)
        res = b.apply(_make_tuple, *params, out)
        self.region.cell.items = tuple(x.abstract for x in (*params, out))
        fwd.output = b.call(
            _make_tuple, [out, res], ATuple((out.abstract, AResidual(self.region.cell)))
        )
        self.fwd = fwd

    def backward(self, dout_type) -> Graph:
        dout_type = drop_values(dout_type)
        bwd = self.bwds.get(dout_type)
        if bwd is not None:
            return bwd
        g, rule = self.graph, self.rule
        n = len(g.parameters)
        bwd = g.derive("bwd")
        res = bwd.add_parameter("res")
        res.abstract = AResidual(self.region.cell)
        dout = bwd.add_parameter("dout")
        dout.abstract = dout_type
        b = Builder(bwd, g.loc)
        items = [b.apply(_getitem, res, i) for i in range(n + 1)]
        want = rule.parameters[-1].abstract
        d = (
            dout
            if dout_type == want or dout_type is not AZero and _same_kind(dout_type, want)
            else None
        )
        if d is None:
            from myia.ad.gradient import as_input

            d = as_input(b, dout if dout_type is not AZero else None, items[n])
        result = b.call(rule, [*items, d], rule.output.abstract)
        t = rule.output.abstract
        if not (isinstance(t, ATuple) and len(t.items) == n):
            raise MyiaTypeError(
                f"the backpropagator of `{g.name}` must return a tuple with one sensitivity per "
                f"input ({n}), but it returns {describe(t)}",
                rule.loc,
            )
        outs = []
        for i, (item, p) in enumerate(zip(t.items, g.parameters)):
            _check(g, rule, i, item, p.abstract)
            s = b.apply(_getitem, result, i)
            s = unbroadcast(b, s, p.abstract) if sens_type(p.abstract) is not AZero else None
            outs.append(s if s is not None else typed_constant(ZERO))
        outs += [typed_constant(ZERO)] * len(self.rev.free_variables(g))
        bwd.output = b.apply(_make_tuple, *outs)
        self.bwds[dout_type] = bwd
        self.out_types[dout_type] = bwd.output.abstract
        return bwd


def _same_kind(a, b) -> bool:
    """Whether a sensitivity of type `a` is given as it is to a rule typed for `b`: the
    same structure, with every part present, and arrays of the same shape (a part no
    sensitivity reached is filled with zeros by `as_input`)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (ATuple, AList)):
        return (
            a.items is not None
            and b.items is not None
            and len(a.items) == len(b.items)
            and all(map(_same_kind, a.items, b.items))
        )
    if isinstance(a, ADict):
        return a.keys == b.keys and all(map(_same_kind, a.values, b.values))
    return not isinstance(a, AArray) or a.shape == b.shape


def _check(g, rule, i: int, got, like) -> None:
    """Refuse a sensitivity that is not of the input's type: the same structure, and arrays
    of the input's shape (a number may stand for a whole array or a 0-d array for a number,
    at the top level only, where `unbroadcast` makes it the input's type)."""
    s = sens_type(like)
    if s is AZero or got is AZero or got is ZERO:
        return
    if isinstance(s, AArray) and isinstance(got, AScalar):
        return
    if isinstance(s, AScalar) and isinstance(got, AArray) and got.shape == ():
        return
    why = _mismatch(got, s)
    if why is None:
        return
    error = MyiaShapeError if why.startswith("its shape") else MyiaTypeError
    raise error(
        f"the backpropagator of `{g.name}` returns {describe(got)} as the sensitivity of input "
        f"{i}, which is {describe(like)}: {why}; return a sensitivity of the input's type, "
        "structure and shape",
        rule.loc,
    )


def _mismatch(got, s) -> str | None:
    """Why `got` cannot be a sensitivity of type `s` (None: it can), item by item."""
    stack = [(got, s, "")]
    while stack:
        got, s, path = stack.pop()
        where = f" at {path}" if path else ""
        if s is AZero or got is AZero or got is ZERO:
            continue
        if isinstance(s, AArray):
            if not isinstance(got, AArray):
                return f"{describe(got)}{where} where an array is expected"
            if got.ndim != s.ndim or any(
                m != n and n is not None for n, m in zip(s.shape, got.shape)
            ):
                return f"its shape {_dims(got)}{where} is not the input's {_dims(s)}"
        elif isinstance(s, AScalar):
            if not isinstance(got, AScalar):
                return f"{describe(got)}{where} where a number is expected"
        elif isinstance(s, (ATuple, AList)) and s.items is not None:
            if type(got) not in (ATuple, AList) or got.items is None:
                return f"{describe(got)}{where} where a {_kind(s)} is expected"
            if len(got.items) != len(s.items):
                return f"{len(got.items)} items{where} where the input has {len(s.items)}"
            stack += [(a, b, f"{path}[{k}]") for k, (a, b) in enumerate(zip(got.items, s.items))]
        elif isinstance(s, ADict):
            if not isinstance(got, ADict) or set(got.keys) != set(s.keys):
                return f"{describe(got)}{where} where a dict with keys {list(s.keys)} is expected"
            mine = dict(zip(got.keys, got.values))
            stack += [(mine[k], v, f"{path}[{k!r}]") for k, v in zip(s.keys, s.values)]
        elif type(got) is not type(s):
            return f"{describe(got)}{where} where {describe(s)} is expected"
    return None


def _dims(a: AArray) -> str:
    dims = ", ".join("?" if d is None else str(d) for d in a.shape)
    return f"({dims}{',' if a.ndim == 1 else ''})"


def _kind(a) -> str:
    return "tuple" if isinstance(a, ATuple) else "list"
