"""The guards of the rewrites of `myia.opt.patterns`: a rule given the shape of its pattern
with types that differ (an int times `1.0`, a vector times a matrix of ones, a bool negated
twice, an environment read with a tag known only at run time...) does not fire, and the
program evaluates the same before and after optimization (reference evaluator, random
inputs) and as Python does. Then the bugs the rules had: NumPy float constants keep a
result a NumPy float, adding zero keeps the sign of zero, products of bools and uint8 by
-1 compile and raise as NumPy does.

The rules firing, and the shared cases, are in test_patterns.py and rule_cases.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from myia.opt.patterns import RULES
from tests.opt.oracle import assert_outcomes, evaluate, python_outcome, typed_pair
from tests.opt.rule_cases import (
    BIG,
    FLOATS,
    FLOATS_NO_NEG_ZERO,
    GATHER,
    IMPLIED,
    INT,
    NPF,
    NPV3,
    SETTINGS,
    Case,
    Hand,
    args,
    broadcast_zero_plus,
    env_other_type,
    env_runtime_tag,
    f32,
    f64,
    fired,
    i64,
    np32,
    np64,
    pair,
    params,
    rule,
    strided_index_of_broadcast,
)

# Constants the programs of this file read (module numbers become constants of the graph;
# module arrays are read when the code runs, so no rule sees their values).
ONES23 = np.ones((2, 3))
ZEROS23 = np.zeros((2, 3))
ONE64 = np.float64(1.0)
ZERO64 = np.float64(0.0)
MINUS_ONE64 = np.float64(-1.0)


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


def times_zeros_of_both_signs(x):
    return x * np.array([0.0, -0.0, 0.0])


def times_nans(x):
    return x * np.array([np.nan, np.nan, np.nan])


def times_two_numbers(x):
    return x * np.array([2.5, 2.5, 3.0])


def times_repeated_row(x):
    return x * np.array([[2.5, 2.5], [2.5, 2.5]])


def product_expanded_and_used(y, x):
    z = y * x
    return np.expand_dims(z, 1) + z  # (z is computed anyway: one product, not two)


def expanded_sum_other_axis(x):
    return np.expand_dims(np.sum(x, 1), 0)


def expanded_product_of_arrays(y, x):
    return np.expand_dims(y * x, 1)  # (y is not a number)


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
    # an array that does not repeat one number to the bit is not a number
    Case(IMPLIED, times_zeros_of_both_signs, {"f64[3]": args(f64(3))}),
    Case(IMPLIED, times_nans, {"f64[3]": args(f64(3))}),
    Case(IMPLIED, times_two_numbers, {"f64[3]": args(f64(3))}),
    Case(IMPLIED, times_repeated_row, {"f64[2]": args(f64(2))}),  # (the result's shape)
    Case(
        "expand_dims(mul(Y, X), A) ->",
        product_expanded_and_used,
        {"float,f64[3]": args(FLOATS, f64(3))},
    ),
    Case(
        "expand_dims(mul(Y, X), A) ->",
        expanded_product_of_arrays,
        {"f64[3],f64[3]": args(f64(3), f64(3))},
    ),
    Case(
        "expand_dims(sum(X, A, D, False), A2) ->",
        expanded_sum_other_axis,
        {"f64[2,3]": args(f64((2, 3)))},
    ),
    Case(
        "index_sens(S, T, I, broadcast_to(X, S2)) ->",
        strided_index_of_broadcast,
        {"np.float64": args(NPF)},
    ),
]


def python_quotient_halved(x):
    return (2.0 / x) * 0.5  # (Python's division: a leaf, it raises at 0.0 as before)


def int_product_halved(n):
    return (n * 2) * 0.5  # (an integer product: a leaf, not regrouped into n * 1.0)


def shared_product_halved(x):
    y = x * (2.0 * x)
    return y * 0.5 + y  # (y is used twice: a leaf of y * 0.5, its 2.0 is not taken out)


GUARDED += [
    Case(GATHER, python_quotient_halved, {"float": args(FLOATS)}, adjoint=True),
    Case(GATHER, int_product_halved, {"i64[3]": args(i64(3))}, adjoint=True),
    Case(GATHER, shared_product_halved, {"f64[3]": args(f64(3))}, adjoint=True),
]


@pytest.mark.parametrize("case, strategy", params(GUARDED))
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
