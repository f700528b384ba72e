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

The guards of the rules, and the bugs the rules had, are tested in test_pattern_guards.py;
what both files share is tests/opt/rule_cases.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from myia.opt.patterns import RULES
from tests.opt.oracle import assert_outcomes, evaluate, python_outcome
from tests.opt.rule_cases import (
    ALL,
    BIG,
    CANONICAL_AXIS,
    F32_NO_NEG_ZERO,
    FLOATS,
    FLOATS_NO_NEG_ZERO,
    GATHER,
    IMPLIED,
    INT,
    MODERATE,
    MODERATE32,
    NPF,
    NPV3,
    SETTINGS,
    SMALL,
    Case,
    Hand,
    args,
    binary_sigs,
    broadcast_zero_plus,
    env_add_empty,
    env_added,
    env_empty,
    env_empty_add,
    env_other_tag,
    env_same_tag,
    f32,
    f64,
    fired,
    i64,
    index_of_broadcast,
    nonzero_sum,
    np32,
    onehot_plus,
    pair,
    params,
    plus_onehot,
    plus_onehot_slice,
    rule,
    switch_false,
    switch_same,
    switch_true,
    unary_sigs,
)

# Numbers whose products and quotients of a few stay normal floats (a regrouped product
# is exact up to rounding where nothing overflows or underflows).
NORMAL = st.one_of(st.just(0.0), st.floats(1e-3, 1e3), st.floats(-1e3, -1e-3))
NONZERO = st.one_of(st.floats(1e-3, 1e3), st.floats(-1e3, -1e-3))

# The Python functions -------------------------------------------------------------------


def mul_one(x):
    return x * 1.0


def mul_ones_array(x):
    return x * np.ones(3)


def one_mul(x):
    return 1.0 * x


ONE64 = np.float64(1.0)  # a module number: a constant of the graph


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


def logical_not_twice(x, y):
    return np.logical_not(np.logical_not(x > y))


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


def half_d_twice_x(d, x):
    return 0.5 * d * (2.0 * x)  # (the backward pass of sqrt(x ** 2))


def scaled_reciprocal(c, a):
    return c * (1.0 / a)


def negated_scaled_quotient(y, t):
    return -(y * (0.25 * (1.0 / (1.0 + t)) * t))  # (a mean of log1p(exp(...)))


def mask_times_constants(x, d):
    return (x > 0.0) * 0.5 * (2.0 * d)


def mask_and_count_times_half(x, d):
    return -(0.5 * ((x > 0.0).astype(np.uint8) + (x >= 0.0))) * (2.0 * d)


HALF32, TWO32 = np.float32(0.5), np.float32(2.0)


def mask_and_count_times_half32(x, d):
    return -(HALF32 * ((x > 0.0).astype(np.uint8) + (x >= 0.0))) * (TWO32 * d)


def shared_scaling_halved(x):
    y = 2.0 * x
    return y * 0.5 + y  # (y is used twice: y * 0.5 is x, y stays)


def quotient_of_constants(x):
    return 3.0 / (0.5 * x)


def add_broadcast(x, y):
    return x + np.broadcast_to(y, x.shape)


def mul_one_element64(x):
    return x * np.array([2.5])


def mul_one_element32(x):
    return x * np.array([2.5], dtype=np.float32)


def mul_repeated_number(x):  # (the mean's sensitivity folded: one number repeated)
    return x * np.array([[-0.025, -0.025, -0.025], [-0.025, -0.025, -0.025]])


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


def sum_of_negation(x):
    return np.sum(-x)


def sum_of_negation_axis(x):
    return np.sum(-x, axis=1, keepdims=True)


def sum_scalar_times(k, y):
    return np.sum(k * y, axis=1, keepdims=True)


def sum_times_row(y, k):
    return np.sum(y * k, axis=0, keepdims=True)


def scaled_over_itself(x):
    return (2.0 * x) / x


def scaled_right_over_itself(x):
    return (x * 2.0) / x


def quotient_times_itself(x):
    return (2.0 / x) * x


def itself_times_quotient(x):
    return x * (2.0 / x)


def sum_over_row(y, k):
    return np.sum(y / k, axis=0, keepdims=True)


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


def broadcast_reshaped(x):
    return np.broadcast_to(x, (2, 3)).reshape(3, 2)


def broadcast_expanded(x):
    return np.expand_dims(np.broadcast_to(x, (2, 3)), 0)


def broadcast_transposed(x):
    return np.broadcast_to(x, (2, 3)).T


def expanded_product(y, x):
    return np.expand_dims(y * x, 1)


def expanded_product_right(y, x):
    return np.expand_dims(x * y, 1)


def expanded_quotient(y, x):
    return np.expand_dims(y / x, 1)


def expanded_quotient_right(y, x):
    return np.expand_dims(x / y, 1)


def expanded_sum(x):
    return np.expand_dims(np.sum(x, 1), 1)


def expanded_last_sum(x):
    return np.expand_dims(x.sum(axis=-1), -1)  # (the canonical axis first: (1,) twice)


# The table: (rule, program, signatures, options) -----------------------------------------


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
        "logical_not(logical_not(X)) -> X",
        logical_not_twice,
        {"f64[3]": args(f64(3), f64(3)), "f32[2,3]": args(f32((2, 3)), f32((2, 3)))},
    ),
    Case(
        GATHER,
        k_kx,
        {"float": args(MODERATE), "f32[2,3]": args(f32((2, 3), MODERATE32))},
        adjoint=True,
        rtol=1e-15,
    ),
    Case(GATHER, k_xk, {"float": args(MODERATE)}, adjoint=True, rtol=1e-15),
    Case(GATHER, kx_k, {"f64[3]": args(f64(3, MODERATE))}, adjoint=True, rtol=1e-15),
    Case(
        GATHER,
        xk_k,
        {"float": args(MODERATE), "f32[2,3]": args(f32((2, 3), MODERATE32))},
        adjoint=True,
        rtol=1e-15,
    ),
    Case(
        GATHER,
        half_d_twice_x,
        {
            "f64[3],f64[3]": args(f64(3, MODERATE), f64(3, MODERATE)),
            "f32[2,3],f32[3]": args(f32((2, 3), MODERATE32), f32(3, MODERATE32)),
            "float,f64[2,3]": args(MODERATE, f64((2, 3), MODERATE)),
        },
        adjoint=True,
        rtol=1e-15,
    ),
    Case(
        GATHER,
        scaled_reciprocal,
        {
            "f64[3],f64[3]": args(f64(3, NORMAL), f64(3, NONZERO)),
            "f64[2,3],f64[3]": args(f64((2, 3), NORMAL), f64(3, NONZERO)),
        },
        adjoint=True,
        rtol=1e-15,
    ),
    Case(
        GATHER,
        negated_scaled_quotient,
        {"f64[4],f64[4]": args(f64(4, NORMAL), f64(4, NORMAL))},
        adjoint=True,
        rtol=1e-15,
    ),
    Case(
        GATHER,
        mask_times_constants,
        {"f64[2,3],f64[2,3]": args(f64((2, 3), NORMAL), f64((2, 3), NORMAL))},
        adjoint=True,
        rtol=1e-15,
    ),
    Case(
        GATHER,
        mask_and_count_times_half,
        {"f64[5],f64[5]": args(f64(5, NORMAL), f64(5, NORMAL))},
        adjoint=True,
        rtol=1e-15,
    ),
    Case(
        GATHER,
        mask_and_count_times_half32,
        {"f32[5],f32[5]": args(f32(5, MODERATE32), f32(5, MODERATE32))},
        adjoint=True,
        rtol=1e-15,
    ),
    Case(GATHER, shared_scaling_halved, {"f64[3]": args(f64(3, NORMAL))}, adjoint=True, rtol=1e-15),
    Case(
        GATHER, quotient_of_constants, {"f64[3]": args(f64(3, NONZERO))}, adjoint=True, rtol=1e-15
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
        "sum(truediv(Y, X), A, D, C) ->",
        sum_over_row,
        {"f64[2,3],f64[1,3]": args(f64((2, 3), SMALL), f64((1, 3), NONZERO))},
        adjoint=True,
        rtol=1e-13,
        atol=1e-8,
    ),
    Case(
        "truediv(mul(K1, X), X) ->",
        scaled_over_itself,
        {"float": args(MODERATE.filter(bool)), "f64[3]": args(f64(3, MODERATE.filter(bool)))},
        adjoint=True,
        rtol=1e-15,
    ),
    Case(
        "mul(truediv(K1, X), X) ->",
        quotient_times_itself,
        {"f64[3]": args(f64(3, MODERATE.filter(bool)))},
        adjoint=True,
        rtol=1e-15,
    ),
    Case(
        "mul(X, truediv(K1, X)) ->",
        itself_times_quotient,
        {"f64[2,3]": args(f64((2, 3), NONZERO))},
        adjoint=True,
        rtol=1e-15,
    ),
    Case(
        "truediv(mul(X, K1), X) ->",
        scaled_right_over_itself,
        {"f64[3]": args(f64(3, MODERATE.filter(bool)))},
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
    Case(IMPLIED, mul_repeated_number, {"f64[2,3]": args(f64((2, 3)))}),
    *(
        Case(name, fn, unary_sigs("float", "np.float32"))
        for name, fn in (
            ("reshape(broadcast_to(X, S), Y) ->", broadcast_reshaped),
            ("expand_dims(broadcast_to(X, S), Y) ->", broadcast_expanded),
            ("transpose(broadcast_to(X, S), Y) ->", broadcast_transposed),
        )
    ),
    Case(
        "index_sens(S, T, I, broadcast_to(X, S2)) ->", index_of_broadcast, {"np.float64": args(NPF)}
    ),
    *(
        Case(
            name,
            fn,
            {
                "float,f64[2,3]": args(FLOATS, f64((2, 3))),
                "float,f32[3]": args(FLOATS, f32(3)),
                "np.float32,f32[2]": args(np32(), f32(2)),
            },
        )
        for name, fn in (
            ("expand_dims(mul(Y, X), A) ->", expanded_product),
            ("expand_dims(mul(X, Y), A) ->", expanded_product_right),
            ("expand_dims(truediv(Y, X), A) ->", expanded_quotient),
            ("expand_dims(truediv(X, Y), A) ->", expanded_quotient_right),
        )
    ),
    *(
        Case(
            "expand_dims(sum(X, A, D, False), A2) ->",
            fn,
            {"f64[2,3]": args(f64((2, 3))), "f32[4,5]": args(f32((4, 5)))},
        )
        for fn in (expanded_sum, expanded_last_sum)
    ),
    *(
        Case(
            name,
            fn,
            {sig: args(st.lists(f64(3), min_size=3, max_size=3), d)},
            adjoint=True,
            rtol=1e-15,
        )
        for name, fn, sig, d in (
            (
                "sens_add(X, seq_onehot(L, I, D)) -> seq_add_at(X, L, I, D)",
                plus_onehot,
                "[f64[3]],f64[3]",
                f64(3),
            ),
            (
                "sens_add(seq_onehot(L, I, D), X) -> seq_add_at(X, L, I, D)",
                onehot_plus,
                "[f64[3]],f64[3]",
                f64(3),
            ),
            (
                "sens_add(X, seq_onehot(L, I, D)) -> seq_add_at(X, L, I, D)",
                plus_onehot_slice,
                "[f64[3]],[f64[3]]",
                st.lists(f64(3), min_size=2, max_size=2),
            ),
        )
    ),
    Case(CANONICAL_AXIS, expanded_last_sum, {"f64[2,3]": args(f64((2, 3)))}),
]


@pytest.mark.parametrize("case, strategy", params(FIRES))
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
    covered = {rule(c.rule).text for c in FIRES if c.rule not in (IMPLIED, CANONICAL_AXIS, GATHER)}
    missing = [r.text for r in RULES if r.text not in covered]
    assert not missing, missing
    assert any(c.rule == IMPLIED for c in FIRES)


@pytest.mark.parametrize("case, strategy", params([c for c in FIRES if c.adjoint]))
@settings(SETTINGS, max_examples=5)
@given(data=st.data())
def test_adjoint_only_rules_do_not_fire_on_jit_programs(case, strategy, data):
    sample = data.draw(strategy, label="args")
    jit_case = Case(case.rule, case.fn, {}, adjoint=False)
    before, after, opt = pair(jit_case, sample)
    assert fired(opt, case.rule) == 0, opt.counts
    assert_outcomes(evaluate(after, sample), evaluate(before, sample), what=str(after))
