"""Every rewrite of `myia.opt.patterns` is exact, and fires only where its guard allows.

For each rule of `RULES` (and for `implied_operand`), a small typed program whose optimized
form uses it: a Python function written so that the rule fires (or, for the rules of
values no Python spelling reaches before specialization folds them, `switch` on a constant
and the environments of closures, a typed graph built by hand with `Builder`). The test
checks that the rule fired (the optimizer's counts), then evaluates the program before and
after optimization with the reference evaluator on random inputs (Hypothesis: Python
floats with infinities and NaN, ints, float64 and float32 arrays of a few shapes) and
compares the results exactly: same type, same bits (signs of zeros included), or the same
exception. The rules marked `adjoint_only` reassociate constants: they are compared up to
rounding, run with `adjoint=True`, and checked not to fire on a `jit` program.

The guard tests give a rule the shape of its pattern with types that differ (an int times
`1.0`, a vector times a matrix of ones, a bool negated twice...): the rule must not fire,
and the values must still agree. The strict xfails at the end are bugs of the rules.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from myia.infer.abstract import AArray, AScalar
from myia.infer.build import Builder
from myia.ir.nodes import Graph
from myia.opt.optimize import Optimizer
from myia.opt.patterns import RULES
from myia.prim.registry import lookup as P
from myia.prim.structures import EMPTY_ENV
from tests.opt.oracle import assert_outcomes, evaluate, python_outcome, typed_pair

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Constants the programs below read (module numbers become constants of the graph; module
# arrays are read when the code runs, so no rule sees their values).
ONES23 = np.ones((2, 3))
ZEROS23 = np.zeros((2, 3))
ONE64 = np.float64(1.0)
ZERO64 = np.float64(0.0)
MINUS_ONE64 = np.float64(-1.0)


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


def fired(opt: Optimizer, name: str) -> int:
    key = name if name == IMPLIED else rule(name).text
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


# The Python functions -------------------------------------------------------------------


def mul_one(x):
    return x * 1.0


def mul_ones_array(x):
    return x * np.ones(3)


def one_mul(x):
    return 1.0 * x


def mul_np_one(x):
    return x * ONE64


def np_one_mul(x):
    return ONE64 * x


def div_one(x):
    return x / 1.0


def add_zero(x):
    return x + 0.0


def zero_add(x):
    return 0.0 + x


def sub_zero(x):
    return x - 0.0


def int_mul_one(n):
    return n * 1


def int_add_zero(n):
    return n + 0


def mul_minus_one(x):
    return x * -1.0


def minus_one_mul(x):
    return -1.0 * x


def int_mul_minus_one(n):
    return n * -1


def neg_neg(x):
    return -(-x)  # noqa: B002  (a double negation, not a decrement)


def sub_neg(x, y):
    return x - (-y)


def add_neg(x, y):
    return x + (-y)


def neg_add(x, y):
    return -x + y


def transpose_twice(x):
    return x.T.T


def np_transpose_twice(x):
    return np.transpose(np.transpose(x))


def not_not(x, y):
    b = x > y
    return not (not b)


def neg_const_mul(x):
    return -(3.0 * x)


def neg_mul_const(x):
    return -(x * 3.0)


def k_kx(x):
    return 3.0 * (0.1 * x)


def k_xk(x):
    return 3.0 * (x * 0.1)


def kx_k(x):
    return (0.1 * x) * 3.0


def xk_k(x):
    return (x * 0.1) * 3.0


def add_broadcast(x, y):
    return x + np.broadcast_to(y, x.shape)


def mul_one_element64(x):
    return x * np.array([2.5])


def mul_one_element32(x):
    return x * np.array([2.5], dtype=np.float32)


def neg_broadcast(y):
    return -np.broadcast_to(y, (2, 3))


def scalar_plus_broadcast(k, y):
    return k + np.broadcast_to(y, (2, 3))


def broadcast_plus_scalar(k, y):
    return np.broadcast_to(y, (2, 3)) + k


def scalar_minus_broadcast(k, y):
    return k - np.broadcast_to(y, (2, 3))


def broadcast_minus_scalar(k, y):
    return np.broadcast_to(y, (2, 3)) - k


def scalar_times_broadcast(k, y):
    return k * np.broadcast_to(y, (2, 3))


def broadcast_times_scalar(k, y):
    return np.broadcast_to(y, (2, 3)) * k


def plus_broadcast_zero(x):
    return x + np.broadcast_to(0.0, x.shape)


def broadcast_zero_plus(x):
    return np.broadcast_to(0.0, x.shape) + x


def sum_of_negation(x):
    return np.sum(-x)


def sum_of_negation_axis(x):
    return np.sum(-x, axis=1, keepdims=True)


def sum_scalar_times(k, y):
    return np.sum(k * y, axis=1, keepdims=True)


def sum_times_row(y, k):
    return np.sum(y * k, axis=0, keepdims=True)


def times_reciprocal_times(x):
    return (2.0 * (1.0 / x)) * x


def times_times_reciprocal(x):
    return x * (2.0 * (1.0 / x))


def broadcast_zero_times(x):
    return np.broadcast_to(0.0, x.shape) * x


def times_broadcast_zero(x):
    return x * np.broadcast_to(0.0, x.shape)


def mul_neg(x, y):
    return x * (-y)


def neg_mul(x, y):
    return (-x) * y


def zeros_times(x):
    return np.zeros((8, 9)) * x


def times_zeros(x):
    return x * np.zeros((8, 9))


def zeros_matmul(x):
    return np.zeros((8, 9)) @ x


def matmul_zeros(x):
    return x @ np.zeros((9, 9))


def broadcast_zero_matmul(x):
    return np.broadcast_to(0.0, (8, 9)) @ x


def matmul_broadcast_zero(x):
    return x @ np.broadcast_to(0.0, (9, 9))


def plus_zeros(x):
    return x + np.zeros((8, 9))


def zeros_plus(x):
    return np.zeros((8, 9)) + x


def minus_zeros(x):
    return x - np.zeros((8, 9))


def minus_broadcast_zero(x):
    return x - np.broadcast_to(0.0, x.shape)


def times_zero_constant(x):
    return x * np.zeros((2, 3))  # folded into a constant


def zero_constant_matmul(x):
    return np.zeros((2, 3)) @ x  # folded into a constant


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


# The table: (rule, program, signatures, options) -----------------------------------------


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

FIRES = [
    Case("mul(X, 1) -> X", mul_one, unary_sigs(*ALL)),
    Case("mul(X, 1) -> X", mul_ones_array, unary_sigs("f64[3]")),
    Case("mul(X, 1) -> X", int_mul_one, {"int": args(INT), "i64[3]": args(i64(3))}),
    Case("mul(1, X) -> X", one_mul, unary_sigs(*ALL)),
    # A Python float times np.float64(1.0): the float as a NumPy float (signs of zeros,
    # infinities and NaN kept).
    Case("mul(X, 1) -> boxed(...)", mul_np_one, unary_sigs("float")),
    Case("mul(1, X) -> boxed(...)", np_one_mul, unary_sigs("float")),
    Case("truediv(X, 1) -> X", div_one, unary_sigs(*ALL)),
    # -0.0 + 0.0 is +0.0: adjoints only (see test_add_zero_keeps_the_sign_of_zero).
    Case(
        "add(X, 0) -> X",
        add_zero,
        {
            "float": args(FLOATS_NO_NEG_ZERO),
            "f64[2,3]": args(f64((2, 3), FLOATS_NO_NEG_ZERO)),
            "f32[2,3]": args(f32((2, 3), F32_NO_NEG_ZERO)),
        },
        adjoint=True,
    ),
    Case("add(X, 0) -> X", int_add_zero, {"int": args(INT), "i64[3]": args(i64(3))}, adjoint=True),
    Case(
        "add(0, X) -> X",
        zero_add,
        {"float": args(FLOATS_NO_NEG_ZERO), "f64[3]": args(f64(3, FLOATS_NO_NEG_ZERO))},
        adjoint=True,
    ),
    Case("sub(X, 0) -> X", sub_zero, unary_sigs(*ALL)),
    Case("mul(X, -1) -> neg(X)", mul_minus_one, unary_sigs(*ALL)),
    Case("mul(X, -1) -> neg(X)", int_mul_minus_one, {"int": args(INT), "i64[3]": args(i64(3))}),
    Case("mul(-1, X) -> neg(X)", minus_one_mul, unary_sigs(*ALL)),
    Case("neg(neg(X)) -> X", neg_neg, unary_sigs(*ALL, int=INT)),
    Case(
        "sub(X, neg(Y)) -> add(X, Y)",
        sub_neg,
        binary_sigs(
            *ALL,
            **{"f64[2,3],float": args(f64((2, 3)), FLOATS), "int,float": args(INT, FLOATS)},
        ),
    ),
    Case(
        "add(X, neg(Y)) -> sub(X, Y)",
        add_neg,
        binary_sigs(*ALL, **{"float,f64[3]": args(FLOATS, f64(3))}),
    ),
    Case(
        "add(neg(X), Y) -> sub(Y, X)",
        neg_add,
        binary_sigs(*ALL, **{"f64[3],f64[2,3]": args(f64(3), f64((2, 3)))}),
    ),
    Case("switch(True, X, Y) -> X", switch_true, {"np.float64": args(NPF, NPF)}),
    Case("switch(False, X, Y) -> Y", switch_false, {"np.float64": args(NPF, NPF)}),
    Case("switch(C, X, X) -> X", switch_same, {"bool,f64[3]": args(st.booleans(), NPV3)}),
    Case(
        "transpose(transpose(X, None), None) -> X",
        transpose_twice,
        {"f64[2,3]": args(f64((2, 3))), "f32[2,3,4]": args(f32((2, 3, 4))), "f64[3]": args(f64(3))},
    ),
    Case(
        "transpose(transpose(X, None), None) -> X",
        np_transpose_twice,
        {"f64[2,3]": args(f64((2, 3))), "f32[2,3]": args(f32((2, 3)))},
    ),
    Case("not_(not_(X)) -> X", not_not, {"float": args(FLOATS, FLOATS)}),
    Case(
        "mul(K1, mul(K2, X)) ->",
        k_kx,
        {"float": args(MODERATE), "f32[2,3]": args(f32((2, 3), MODERATE32))},
        adjoint=True,
        rtol=1e-15,
    ),
    Case("mul(K1, mul(X, K2)) ->", k_xk, {"float": args(MODERATE)}, adjoint=True, rtol=1e-15),
    Case(
        "mul(mul(K2, X), K1) ->", kx_k, {"f64[3]": args(f64(3, MODERATE))}, adjoint=True, rtol=1e-15
    ),
    Case(
        "mul(mul(X, K2), K1) ->",
        xk_k,
        {"float": args(MODERATE), "f32[2,3]": args(f32((2, 3), MODERATE32))},
        adjoint=True,
        rtol=1e-15,
    ),
    Case("env_get(env_single(K, T), C, L) -> T", env_same_tag, {"np.float64": args(NPF, NPF)}),
    Case(
        "env_get(env_single(K, T), C, L) -> zeros_like_sens(L)",
        env_other_tag,
        {"np.float64": args(NPF, NPF)},
    ),
    Case(
        "env_get(EMPTY_ENV, C, L) -> zeros_like_sens(L)",
        env_empty,
        {"np.float64,f64[3]": args(NPF, NPV3)},
    ),
    # The other tags read as zeros: -0.0 + 0.0 is +0.0 (environments exist in adjoints only).
    Case(
        "env_get(env_add(X, Y), C, L) ->",
        env_added,
        {"np.float64": args(NPF, NPF, NPF, NPF)},
        adjoint=True,
        rtol=1e-15,
    ),
    Case("env_add(X, EMPTY_ENV) -> X", env_add_empty, {"np.float64,f64[3]": args(NPF, NPV3)}),
    Case("env_add(EMPTY_ENV, X) -> X", env_empty_add, {"np.float64,f64[3]": args(NPF, NPV3)}),
    Case("neg(mul(K1, X)) -> mul(neg(K1), X)", neg_const_mul, unary_sigs(*ALL)),
    Case("neg(mul(X, K1)) -> mul(X, neg(K1))", neg_mul_const, unary_sigs(*ALL)),
    Case(
        "neg(broadcast_to(X, S)) -> broadcast_to(neg(X), S)",
        neg_broadcast,
        unary_sigs("float", "f64[3]", "f32[2,3]"),
    ),
    Case(
        "add(Y, broadcast_to(X, S)) -> broadcast_to(add(Y, X), S)",
        scalar_plus_broadcast,
        {"float,f64[3]": args(FLOATS, f64(3)), "np.float32,f32[2,3]": args(np32(), f32((2, 3)))},
    ),
    Case(
        "add(broadcast_to(X, S), Y) -> broadcast_to(add(X, Y), S)",
        broadcast_plus_scalar,
        {"float,f64[3]": args(FLOATS, f64(3)), "float,float": args(FLOATS, FLOATS)},
    ),
    Case(
        "sub(Y, broadcast_to(X, S)) -> broadcast_to(sub(Y, X), S)",
        scalar_minus_broadcast,
        {"float,f64[3]": args(FLOATS, f64(3)), "float,f32[1,3]": args(FLOATS, f32((1, 3)))},
    ),
    Case(
        "sub(broadcast_to(X, S), Y) -> broadcast_to(sub(X, Y), S)",
        broadcast_minus_scalar,
        {"float,f64[3]": args(FLOATS, f64(3))},
    ),
    Case(
        "mul(Y, broadcast_to(X, S)) -> broadcast_to(mul(Y, X), S)",
        scalar_times_broadcast,
        {
            "float,f64[3]": args(FLOATS, f64(3)),
            "int,f64[2,3]": args(st.integers(-5, 5), f64((2, 3))),
        },
    ),
    Case(
        "mul(broadcast_to(X, S), Y) -> broadcast_to(mul(X, Y), S)",
        broadcast_times_scalar,
        {"float,f64[3]": args(FLOATS, f64(3))},
    ),
    # -0.0 + 0.0 is +0.0 here too: adjoints only.
    Case(
        "add(X, Z) -> X",
        plus_broadcast_zero,
        {"f64[8,9]": args(f64(BIG, FLOATS_NO_NEG_ZERO))},
        adjoint=True,
    ),
    Case(
        "add(Z, X) -> X",
        broadcast_zero_plus,
        {"f64[8,9]": args(f64(BIG, FLOATS_NO_NEG_ZERO))},
        adjoint=True,
    ),
    Case(
        "sum(neg(X), A, D, C) -> neg(sum(X, A, D, C))",
        sum_of_negation,
        {"f64[3]": args(nonzero_sum(f64(3))), "f32[2,3]": args(nonzero_sum(f32((2, 3))))},
        adjoint=True,
    ),
    Case(
        "sum(neg(X), A, D, C) -> neg(sum(X, A, D, C))",
        sum_of_negation_axis,
        {"f64[2,3]": args(nonzero_sum(f64((2, 3))))},
        adjoint=True,
    ),
    Case(
        "sum(mul(X, Y), A, D, C) ->",
        sum_scalar_times,
        {"float,f64[2,3]": args(SMALL, f64((2, 3), SMALL))},
        adjoint=True,
        rtol=1e-13,
        atol=1e-8,  # sums that cancel: errors of the size of the terms' rounding
    ),
    Case(
        "sum(mul(Y, X), A, D, C) ->",
        sum_times_row,
        {"f64[2,3],f64[1,3]": args(f64((2, 3), SMALL), f64((1, 3), SMALL))},
        adjoint=True,
        rtol=1e-13,
        atol=1e-8,
    ),
    Case(
        "mul(mul(K1, truediv(1, X)), X) ->",
        times_reciprocal_times,
        {"float": args(MODERATE.filter(bool)), "f64[3]": args(f64(3, MODERATE.filter(bool)))},
        adjoint=True,
        rtol=1e-15,
    ),
    Case(
        "mul(X, mul(K1, truediv(1, X))) ->",
        times_times_reciprocal,
        {"float": args(MODERATE.filter(bool))},
        adjoint=True,
        rtol=1e-15,
    ),
    Case(
        "mul(Z, X) ->",
        broadcast_zero_times,
        {"f64[8,9]": args(f64(BIG, MODERATE))},
        adjoint=True,
        rtol=1e-15,
    ),
    Case(
        "mul(X, Z) ->",
        times_broadcast_zero,
        {"f64[8,9]": args(f64(BIG, MODERATE))},
        adjoint=True,
        rtol=1e-15,
    ),
    Case("mul(X, neg(Y)) -> neg(mul(X, Y))", mul_neg, binary_sigs(*ALL)),
    Case("mul(neg(X), Y) -> neg(mul(X, Y))", neg_mul, binary_sigs(*ALL)),
    *(
        Case(name, fn, {"f64[8,9]": args(f64(BIG, MODERATE))}, adjoint=True, rtol=1e-15)
        for name, fn in (
            ("mul(Z, X) ->", zeros_times),
            ("mul(X, Z) ->", times_zeros),
            ("add(X, Z) -> X", plus_zeros),
            ("add(Z, X) -> X", zeros_plus),
            ("sub(X, Z) -> X", minus_zeros),
            ("sub(X, Z) -> X", minus_broadcast_zero),
            ("matmul(X, Z) ->", matmul_zeros),
            ("matmul(X, Z) ->", matmul_broadcast_zero),
        )
    ),
    Case(
        "mul(X, Z) ->",
        times_zero_constant,
        {"f64[2,3]": args(f64((2, 3), MODERATE))},
        adjoint=True,
        rtol=1e-15,
    ),
    Case(
        "matmul(Z, X) ->",
        zero_constant_matmul,
        {"f64[3,4]": args(f64((3, 4), MODERATE))},
        adjoint=True,
        rtol=1e-15,
    ),
    *(
        Case(name, fn, {"f64[9,4]": args(f64((9, 4), MODERATE))}, adjoint=True, rtol=1e-15)
        for name, fn in (
            ("matmul(Z, X) ->", zeros_matmul),
            ("matmul(Z, X) ->", broadcast_zero_matmul),
        )
    ),
    Case(
        IMPLIED,
        add_broadcast,
        {
            "f64[2,3],float": args(f64((2, 3)), FLOATS),
            "f64[2,3],f64[3]": args(f64((2, 3)), f64(3)),
            "f32[2,3],f32[1,3]": args(f32((2, 3)), f32((1, 3))),
        },
    ),
    Case(IMPLIED, mul_one_element64, {"f64[3]": args(f64(3)), "f64[2,3]": args(f64((2, 3)))}),
    Case(IMPLIED, mul_one_element32, {"f32[2,3]": args(f32((2, 3)))}),
]


def _params(cases):
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


@pytest.mark.parametrize("case, strategy", _params(FIRES))
@SETTINGS
@given(data=st.data())
def test_rule_fires_and_is_exact(case, strategy, data):
    sample = data.draw(strategy, label="args")
    before, after, opt = pair(case, sample)
    assert fired(opt, case.rule) >= 1, f"{case.rule} did not fire: {opt.counts}\n{after}"
    got, expected = evaluate(after, sample), evaluate(before, sample)
    rtol = _rounding(case.rtol, sample)
    assert_outcomes(got, expected, rtol, case.atol if rtol else 0.0, str(after))
    if not isinstance(case.fn, Hand):
        # The program before optimization is the oracle; it computes what Python does.
        assert_outcomes(expected, python_outcome(case.fn, sample), None, 0.0, "python")


def _rounding(rtol, sample):
    """The tolerance of a reassociation: a few units in the last place of the narrowest
    float type among the arguments."""
    if rtol is None:
        return None
    if any(getattr(a, "dtype", None) == np.float32 for a in sample):
        return 4 * float(np.finfo(np.float32).eps)
    return rtol


def test_every_rule_has_a_case():
    covered = {rule(c.rule).text for c in FIRES if c.rule != IMPLIED}
    missing = [r.text for r in RULES if r.text not in covered]
    assert not missing, missing
    assert any(c.rule == IMPLIED for c in FIRES)


@pytest.mark.parametrize("case, strategy", _params([c for c in FIRES if c.adjoint]))
@settings(SETTINGS, max_examples=5)
@given(data=st.data())
def test_adjoint_only_rules_do_not_fire_on_jit_programs(case, strategy, data):
    sample = data.draw(strategy, label="args")
    jit_case = Case(case.rule, case.fn, {}, adjoint=False)
    before, after, opt = pair(jit_case, sample)
    assert fired(opt, case.rule) == 0, opt.counts
    assert_outcomes(evaluate(after, sample), evaluate(before, sample), what=str(after))


# Guards: the pattern with types that differ ---------------------------------------------


def int_times_float_one(n):
    return n * 1.0


def vector_times_ones_matrix(x):
    return x * ONES23


def vector_plus_zeros_matrix(x):
    return x + ZEROS23


def f32_times_np_one(x):
    return x * ONE64


def bool_plus_zero(b):
    return b + 0


def bool_neg_neg(b):
    return -(-b)  # noqa: B002  (a double negation, not a decrement)


def int_div_one(n):
    return n / 1


def float_not_not(x):
    return not (not x)


def f32_plus_broadcast_float(x, y):
    return x + np.broadcast_to(y, x.shape)


def broadcast_times_two(y):
    return np.broadcast_to(y, (2, 3)) * 2.0


def f32_times_one_element64(x):
    return x * np.array([2.5])


def float_times_one_element(x):
    return x * np.array([2.5])


GUARDED = [
    Case("mul(X, 1) -> X", int_times_float_one, {"int": args(INT)}),
    Case("mul(X, 1) -> X", vector_times_ones_matrix, {"f64[3]": args(f64(3))}),
    Case("mul(X, 1) -> X", f32_times_np_one, {"f32[3]": args(f32(3))}),
    Case("mul(X, 1) -> boxed(...)", f32_times_np_one, {"np.float32": args(np32())}),
    Case("mul(X, 1) -> boxed(...)", f32_times_np_one, {"int": args(INT)}),
    Case("mul(X, 1) -> boxed(...)", f32_times_np_one, {"np.float64": args(np64())}),
    Case(
        "add(X, 0) -> X",
        vector_plus_zeros_matrix,
        {"f64[3]": args(f64(3, FLOATS_NO_NEG_ZERO))},
        adjoint=True,
    ),
    Case("add(X, 0) -> X", bool_plus_zero, {"bool": args(st.booleans())}, adjoint=True),
    Case("neg(neg(X)) -> X", bool_neg_neg, {"bool": args(st.booleans())}),
    Case("truediv(X, 1) -> X", int_div_one, {"int": args(st.integers(-(2**60), 2**60))}),
    Case("not_(not_(X)) -> X", float_not_not, {"float": args(FLOATS)}),
    Case(
        "env_get(env_single(K, T), C, L) -> T",
        env_runtime_tag,
        {"int,np.float64": args(st.sampled_from([6, 7, 8]), NPF)},
    ),
    Case(
        "env_get(env_single(K, T), C, L) -> zeros_like_sens(L)",
        env_runtime_tag,
        {"int,np.float64": args(st.sampled_from([6, 7, 8]), NPF)},
    ),
    Case(
        "env_get(env_single(K, T), C, L) -> T",
        env_other_type,
        {"np.float64,f64[3]": args(NPF, NPV3)},
    ),
    # float32 + a float64 array of zeros is float64: not x.
    Case(
        "add(Z, X) -> X",
        broadcast_zero_plus,
        {"f32[8,9]": args(f32(BIG))},
        adjoint=True,
    ),
    Case(IMPLIED, f32_plus_broadcast_float, {"f32[2,3],float": args(f32((2, 3)), FLOATS)}),
    Case(IMPLIED, broadcast_times_two, {"f64[3]": args(f64(3))}),
    Case(IMPLIED, f32_times_one_element64, {"f32[3]": args(f32(3))}),
    Case(IMPLIED, float_times_one_element, {"float": args(FLOATS)}),
]


@pytest.mark.parametrize("case, strategy", _params(GUARDED))
@SETTINGS
@given(data=st.data())
def test_rule_does_not_fire_where_types_differ(case, strategy, data):
    sample = data.draw(strategy, label="args")
    before, after, opt = pair(case, sample)
    assert fired(opt, case.rule) == 0, f"{case.rule} fired: {opt.counts}\n{after}"
    if case.fn is env_other_type:  # the types of T and L differ: the values do not matter
        return
    got, expected = evaluate(after, sample), evaluate(before, sample)
    assert_outcomes(got, expected, None, 0.0, str(after))
    if not isinstance(case.fn, Hand):
        assert_outcomes(expected, python_outcome(case.fn, sample), None, 0.0, "python")


def test_a_rule_that_would_change_the_type_is_refused_by_the_optimizer():
    """The optimizer checks the type of every replacement: a rule whose replacement has
    another type than the node is not counted and the node stays."""
    _, after, opt = typed_pair(int_times_float_one, (3,))
    assert opt.counts.get(rule("mul(X, 1) -> X").text, 0) == 0
    assert "mul" in str(after)


# Bugs -------------------------------------------------------------------------------------


def np_one_times(x):
    return x * ONE64


def np_one_times_then_divide(x):
    return (x * ONE64) / 0.0


def np_zero_plus(x):
    return x + ZERO64


def np_minus_zero(x):
    return x - ZERO64


def np_div_one(x):
    return x / ONE64


def np_times_minus_one(x):
    return x * MINUS_ONE64


@pytest.mark.parametrize(
    "name, fn",
    [
        ("mul(X, 1) -> X", np_one_times),
        ("add(X, 0) -> X", np_zero_plus),
        ("sub(X, 0) -> X", np_minus_zero),
        ("truediv(X, 1) -> X", np_div_one),
        ("mul(X, -1) -> neg(X)", np_times_minus_one),
    ],
)
@SETTINGS
@given(x=st.floats(allow_nan=False).filter(lambda v: v != 0.0))
def test_np_float_constant_keeps_the_result_a_numpy_float(name, fn, x):
    before, after, _ = pair(Case(name, fn, {}), (x,))
    assert_outcomes(evaluate(after, (x,)), evaluate(before, (x,)), None, 0.0, str(after))


def test_np_float_constant_keeps_numpy_division():
    before, after, _ = typed_pair(np_one_times_then_divide, (2.0,))
    assert python_outcome(np_one_times_then_divide, (2.0,))[0] == "ok"
    assert_outcomes(evaluate(after, (2.0,)), evaluate(before, (2.0,)), None, 0.0, str(after))


def reciprocal_of_plus_zero(x):
    return 1.0 / (x + 0.0)


def arctan2_of_zero_plus(x):
    return np.arctan2(0.0 + x, -1.0)


def reciprocal_of_plus_broadcast_zero(x):
    return 1.0 / (x + np.broadcast_to(0.0, x.shape))


def reciprocal_of_sum_of_negation(x):
    return 1.0 / np.sum(-x)


_NEG_ZERO_BIG = np.full(BIG, -0.0)


@pytest.mark.parametrize(
    "fn, sample",
    [
        (reciprocal_of_plus_zero, (np.array([-0.0, 1.0]),)),
        (arctan2_of_zero_plus, (-0.0,)),
        (reciprocal_of_plus_broadcast_zero, (_NEG_ZERO_BIG,)),
        (reciprocal_of_sum_of_negation, (np.array([1.0, -1.0]),)),
    ],
    ids=["add(X, 0)", "add(0, X)", "add(X, broadcast_to(0, S))", "sum(neg(X))"],
)
def test_add_zero_keeps_the_sign_of_zero(fn, sample):
    before, after, _ = typed_pair(fn, sample)
    expected = python_outcome(fn, sample)
    assert_outcomes(evaluate(before, sample), expected, None, 0.0, "before")
    assert_outcomes(evaluate(after, sample), expected, None, 0.0, str(after))


def bool_times_minus_one(b):
    return b * -1


def test_bool_array_times_minus_one_compiles():
    sample = (np.array([True, False, True]),)
    before, after, _ = typed_pair(bool_times_minus_one, sample)
    assert_outcomes(evaluate(after, sample), python_outcome(bool_times_minus_one, sample))


def test_uint8_times_minus_one_still_raises():
    sample = (np.array([1, 2], dtype=np.uint8),)
    before, after, _ = typed_pair(bool_times_minus_one, sample)
    assert_outcomes(evaluate(before, sample), python_outcome(bool_times_minus_one, sample))
    assert_outcomes(evaluate(after, sample), evaluate(before, sample), what=str(after))


def neg_of_uint8_times_three(x):
    return -(x * 3)


def test_uint8_negated_product_does_not_raise():
    sample = (np.array([1, 2], dtype=np.uint8),)
    before, after, _ = typed_pair(neg_of_uint8_times_three, sample)
    assert_outcomes(evaluate(before, sample), python_outcome(neg_of_uint8_times_three, sample))
    assert_outcomes(evaluate(after, sample), evaluate(before, sample), what=str(after))


def test_rule_texts_are_patterns_without_addresses():
    bad = [r.text for r in RULES if "<function" in r.text or " at 0x" in r.text]
    assert not bad, bad
