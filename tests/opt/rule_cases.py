"""What the tests of `myia.opt.patterns` share (tests/opt/test_patterns.py: the rules fire
and are exact; tests/opt/test_pattern_guards.py: they do not fire where their guards say
no): the Hypothesis settings, the strategies of argument tuples by signature, the
hand-built typed programs (`switch` on constants, the environments of closures), and
`Case`, a rule with a program and its signatures, with `pair`, the program before and
after optimization (made once per signature).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from myia.infer.abstract import AArray, AList, AScalar
from myia.infer.build import Builder
from myia.ir.nodes import Graph
from myia.opt.optimize import Optimizer
from myia.opt.patterns import RULES
from myia.prim.registry import lookup as P
from myia.prim.structures import EMPTY_ENV
from tests.opt.oracle import typed_pair

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def rule(text: str):
    """The rule of RULES whose text is `text` (`before -> after`), or starts with it when
    `text` ends with '->' (the replacement of some rules is a function)."""
    found = [
        r
        for r in RULES
        if r.text == text or (text.endswith("->") and r.text.startswith(text + " "))
    ]
    assert len(found) == 1, (text, [r.text for r in found])
    return found[0]


IMPLIED = "implied operand"
CANONICAL_AXIS = "canonical axis"  # (a reduction's axes, sorted and non-negative)
GATHER = "gather constants"  # (the number constants of a product, one factor: opt/factors.py)


def fired(opt: Optimizer, name: str) -> int:
    key = name if name in (IMPLIED, CANONICAL_AXIS, GATHER) else rule(name).text
    return opt.counts.get(key, 0)


# Strategies of argument tuples (each one signature: one compile) --------------------------

FLOATS = st.floats(allow_nan=True, allow_infinity=True)
FLOATS_NO_NEG_ZERO = FLOATS.filter(lambda v: not (v == 0.0 and np.signbit(v)))
F32_NO_NEG_ZERO = st.floats(width=32).filter(lambda v: not (v == 0.0 and np.signbit(v)))
MODERATE = st.one_of(st.just(0.0), st.floats(1e-300, 1e300), st.floats(-1e300, -1e-300))
_LO32, _HI32 = float(np.float32(1e-30)), float(np.float32(1e30))
MODERATE32 = st.one_of(
    st.just(0.0), st.floats(_LO32, _HI32, width=32), st.floats(-_HI32, -_LO32, width=32)
)


def nonzero_sum(strategy):
    """Arrays whose sum is not exactly zero (`sum(-x)` and `-sum(x)` differ in the sign
    of an exact zero: see test_sum_of_negation_keeps_the_sign_of_zero)."""
    return strategy.filter(lambda a: bool(np.all(np.sum(a, axis=-1) != 0)))


SMALL = st.floats(-1e3, 1e3)
BIG = (8, 9)  # more elements than the folder folds (a broadcast of a constant stays one)


def f64(shape, elements=FLOATS):
    return hnp.arrays(np.float64, shape, elements=elements)


def f32(shape, elements=None):
    return hnp.arrays(
        np.float32,
        shape,
        elements=st.floats(width=32, allow_nan=True) if elements is None else elements,
    )


def i64(shape):
    return hnp.arrays(np.int64, shape, elements=st.integers(-(2**62), 2**62))


def args(*strategies):
    return st.tuples(*strategies)


def np32(elements=None):
    return (st.floats(width=32) if elements is None else elements).map(np.float32)


def np64(elements=FLOATS):
    return elements.map(np.float64)


SCALAR_SIGS = {
    "float": FLOATS,
    "f64[3]": f64(3),
    "f64[2,3]": f64((2, 3)),
    "f32[2,3]": f32((2, 3)),
    "np.float32": np32(),
}


def unary_sigs(*names, **extra):
    out = {n: args(SCALAR_SIGS[n]) for n in names}
    out.update({k: args(v) for k, v in extra.items()})
    return out


def binary_sigs(*names, **extra):
    out = {n: args(SCALAR_SIGS[n], SCALAR_SIGS[n]) for n in names}
    out.update(extra)
    return out


ALL = ("float", "f64[3]", "f64[2,3]", "f32[2,3]", "np.float32")


# Hand-built typed graphs: switch on constants, environments ------------------------------

F = AScalar(float, np=True)  # the sensitivities' NumPy float
B = AScalar(bool)
I = AScalar(int)
V3 = AArray(np.float64, (3,))
mt = P("make_tuple")


def hand(name: str, types: list, body) -> Graph:
    """A typed graph with parameters of `types`, whose output `body(builder, *params)`
    builds (typed, nothing folded)."""
    g = Graph(name)
    params = []
    for i, t in enumerate(types):
        p = g.add_parameter(f"p{i}")
        p.abstract = t
        params.append(p)
    g.output = body(Builder(g, fold=False), *params)
    return g


class Hand:
    """A hand-built program: `build()` makes a fresh copy of it each time."""

    def __init__(self, name, types, body):
        self.__name__ = name
        self.types = types
        self.body = body

    def build(self) -> Graph:
        return hand(self.__name__, self.types, self.body)


def _switch_true(b, x, y):
    return b.apply(P("switch"), True, x, y)


def _switch_false(b, x, y):
    return b.apply(P("switch"), False, x, y)


def _switch_same(b, c, x):
    return b.apply(P("switch"), c, x, x)


def _env_same_tag(b, x, y):
    env = b.apply(P("env_single"), 7, b.apply(mt, x, y))
    return b.apply(P("env_get"), env, 7, b.apply(mt, x, y))


def _env_other_tag(b, x, y):
    env = b.apply(P("env_single"), 7, b.apply(mt, x, y))
    return b.apply(P("env_get"), env, 8, b.apply(mt, x, y))


def _env_empty(b, x, y):
    return b.apply(P("env_get"), EMPTY_ENV, 7, b.apply(mt, x, y))


def _env_added(b, x, y, u, v):
    e1 = b.apply(P("env_single"), 7, b.apply(mt, x, y))
    e2 = b.apply(P("env_single"), 7, b.apply(mt, u, v))
    e3 = b.apply(P("env_single"), 8, b.apply(mt, v, u))
    both = b.apply(P("env_add"), b.apply(P("env_add"), e1, e2), e3)
    return b.apply(P("env_get"), both, 7, b.apply(mt, x, y))


def _env_add_empty(b, x, y):
    return b.apply(P("env_add"), b.apply(P("env_single"), 7, b.apply(mt, x, y)), EMPTY_ENV)


def _env_empty_add(b, x, y):
    return b.apply(P("env_add"), EMPTY_ENV, b.apply(P("env_single"), 7, b.apply(mt, x, y)))


def _env_runtime_tag(b, k, x):
    env = b.apply(P("env_single"), k, b.apply(mt, x))
    return b.apply(P("env_get"), env, 7, b.apply(mt, x))


def _env_other_type(b, x, v):
    env = b.apply(P("env_single"), 7, b.apply(mt, x))
    return b.apply(P("env_get"), env, 7, b.apply(mt, v))


def _index_sens_of_broadcast(index, shape):
    def body(b, x):
        # the sensitivity of `v[index]` (v of shape (3,)) for a number broadcast
        d = b.apply(P("broadcast_to"), x, shape)
        return b.apply(P("index_sens"), (3,), np.dtype(np.float64), index, d)

    return body


def _plus_onehot(index, onehot_first: bool):
    def body(b, a, d):
        # a list sensitivity plus the one-hot sensitivity of `a[index]`
        onehot = b.apply(P("seq_onehot"), a, index, d)
        pair = (onehot, a) if onehot_first else (a, onehot)
        return b.apply(P("sens_add"), *pair)

    return body


NPF = np64()
NPV3 = f64(3)

switch_true = Hand("switch_true", [F, F], _switch_true)
switch_false = Hand("switch_false", [F, F], _switch_false)
switch_same = Hand("switch_same", [B, V3], _switch_same)
env_same_tag = Hand("env_same_tag", [F, F], _env_same_tag)
env_other_tag = Hand("env_other_tag", [F, F], _env_other_tag)
env_empty = Hand("env_empty", [F, V3], _env_empty)
env_added = Hand("env_added", [F, F, F, F], _env_added)
env_add_empty = Hand("env_add_empty", [F, V3], _env_add_empty)
env_empty_add = Hand("env_empty_add", [F, V3], _env_empty_add)
env_runtime_tag = Hand("env_runtime_tag", [I, F], _env_runtime_tag)
env_other_type = Hand("env_other_type", [F, V3], _env_other_type)
index_of_broadcast = Hand(
    "index_of_broadcast", [F], _index_sens_of_broadcast((slice(None), None), (3, 1))
)
LV3 = AList(None, V3)  # a list of run-time length of arrays of 3 floats
plus_onehot = Hand("plus_onehot", [LV3, V3], _plus_onehot(-1, False))
onehot_plus = Hand("onehot_plus", [LV3, V3], _plus_onehot(1, True))
plus_onehot_slice = Hand("plus_onehot_slice", [LV3, LV3], _plus_onehot(slice(1, None), False))
strided_index_of_broadcast = Hand(  # (every other element: the others stay zeros)
    "strided_index_of_broadcast", [F], _index_sens_of_broadcast(slice(None, None, 2), (2,))
)


class Case:
    def __init__(self, rule_name, fn, sigs, adjoint=False, rtol=None, ids="", atol=1e-300):
        self.atol = atol  # with rtol: the absolute part of the tolerance
        self.rule = rule_name
        self.fn = fn
        self.sigs = sigs
        self.adjoint = adjoint
        self.rtol = rtol  # None: exact
        self.id = ids or fn.__name__


INT = st.integers()


def params(cases):
    out = []
    for c in cases:
        for sig, strategy in c.sigs.items():
            out.append(pytest.param(c, strategy, id=f"{c.rule}|{c.id}|{sig}"))
    return out


_PAIRS: dict = {}


def pair(case: Case, sample: tuple):
    """(before, after, optimizer) of the case's program for the signature of `sample`
    (made once per signature)."""
    key = (case.id, case.rule, case.adjoint, tuple(_sig(a) for a in sample))
    if key not in _PAIRS:
        if isinstance(case.fn, Hand):
            before, after = case.fn.build(), case.fn.build()
            opt = Optimizer(after, case.adjoint)
            opt.run()
            _PAIRS[key] = (before, after, opt)
        else:
            _PAIRS[key] = typed_pair(case.fn, sample, case.adjoint)
    return _PAIRS[key]


def _sig(a):
    if isinstance(a, np.ndarray):
        return (np.ndarray, a.dtype, a.shape)
    if isinstance(a, bool):
        return (bool, a)
    return type(a)


# A program both tables use ---------------------------------------------------------------


def broadcast_zero_plus(x):
    return np.broadcast_to(0.0, x.shape) + x
