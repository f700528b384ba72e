"""The scalar primitives (operators, `math`, builtins): registration, backpropagators
checked against central finite differences on Python floats, NumPy scalars and arrays
with broadcasting, float32 preservation, the sequence forms of `+ * max min sum tuple
list`, the conventions at ties and kinks, and that every backpropagator only calls
primitives that differentiate again.

Any RuntimeWarning raised while computing a value or a gradient fails the test.
"""

from __future__ import annotations

import ast
import builtins
import importlib.util
import inspect
import math
import operator
import textwrap

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import myia
from myia.prim import PRIMITIVES, ZERO, lookup, primitive_for
from myia.prim import scalar as S
from tests.prim.bprop_check import assert_bprop_in_subset, check_bprop

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

FD = settings(max_examples=25, deadline=None)
FEW = settings(max_examples=10, deadline=None)


def reals(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def lattice(offset):
    """Multiples of 1/4 shifted by `offset`: lattices with different offsets never meet,
    so ties and kinks stay far beyond the finite-difference step."""
    return st.integers(-8, 8).map(lambda k: k / 4 + offset)


SMOOTH = reals(-3.0, 3.0)
NONZERO = st.one_of(reals(0.5, 3.0), reals(-3.0, -0.5))
POSITIVE = reals(0.1, 5.0)
# Away from the poles 0, -1, -2, ... of lgamma and the polygamma functions.
OFF_POLES = st.one_of(reals(0.2, 8.0), reals(-3.8, -0.2).filter(lambda x: abs(x - round(x)) > 0.2))

# Operators on numbers and arrays: the domain of each argument.
OPERATORS = {
    "add": (SMOOTH, SMOOTH),
    "sub": (SMOOTH, SMOOTH),
    "mul": (SMOOTH, SMOOTH),
    "truediv": (SMOOTH, NONZERO),
    "mod": (SMOOTH, NONZERO),
    "pow": (reals(0.2, 3.0), reals(-2.0, 2.0)),
    "neg": (SMOOTH,),
    "pos": (SMOOTH,),
    "builtin.abs": (lattice(0.05),),
}
# Functions of Python floats.
MATH = {
    "math.sin": (SMOOTH,),
    "math.cos": (SMOOTH,),
    "math.tan": (reals(-1.2, 1.2),),
    "math.exp": (SMOOTH,),
    "math.log": (POSITIVE,),
    "math.log1p": (reals(-0.5, 5.0),),
    "math.expm1": (SMOOTH,),
    "math.sqrt": (POSITIVE,),
    "math.tanh": (SMOOTH,),
    "math.atan2": (NONZERO, NONZERO),
    "math.pow": (reals(0.2, 3.0), reals(-2.0, 2.0)),
    "math.fabs": (lattice(0.05),),
    "math.erf": (SMOOTH,),
    "math.lgamma": (OFF_POLES,),
    "builtin.max": (lattice(0.05), lattice(0.15)),
    "builtin.min": (lattice(0.05), lattice(0.15)),
    "builtin.float": (SMOOTH,),
}
# Elementwise on floats and arrays alike.
POLYGAMMA = {"math.digamma": (OFF_POLES,), "math.polygamma1": (OFF_POLES,)}
ARRAY_DOMAINS = {**OPERATORS, **POLYGAMMA}

NONDIFF = [
    "floordiv",
    "not_",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "math.floor",
    "math.ceil",
    "math.polygamma2",
    "builtin.int",
    "builtin.round",
    "builtin.isinstance",
    "seq_ties",
]
SEQUENCE = ["builtin.sum", "builtin.tuple", "builtin.list", "matmul"]
HELPERS = [
    "ieee_pow",
    "pow_log",
    "insert_axis",
    "remove_axis",
    "swap_last_axes",
    "seq_fill",
    "seq_sum",
    "seq_scale",
    "seq_fold",
    "iter_sens",
]
DIFFERENTIABLE = sorted({*ARRAY_DOMAINS, *MATH, *SEQUENCE, *HELPERS})
ALL = sorted({*DIFFERENTIABLE, *NONDIFF})

PY_OBJECTS = {
    **{
        n: getattr(operator, n)
        for n in "add sub mul truediv floordiv mod pow matmul neg pos not_ eq ne lt le gt ge".split()
    },
    **{
        f"math.{n}": getattr(math, n)
        for n in "sin cos tan exp log log1p expm1 sqrt tanh atan2 pow fabs erf lgamma floor ceil".split()
    },
    **{
        f"builtin.{n}": getattr(builtins, n)
        for n in "abs min max sum float int isinstance tuple list round".split()
    },
}


def draw_arg(data, shape, elements):
    """An argument of `shape`: for shape () a Python float, a NumPy scalar or a 0-d array,
    chosen by hypothesis; otherwise a float64 array."""
    if shape == ():
        kind = data.draw(st.sampled_from(["python", "numpy", "array"]))
        value = data.draw(elements)
        return {"python": float, "numpy": np.float64, "array": np.array}[kind](value)
    return data.draw(hnp.arrays(np.float64, shape, elements=elements))


def draw_args(data, domains):
    shapes = data.draw(
        hnp.mutually_broadcastable_shapes(num_shapes=len(domains), max_dims=3, max_side=3)
    ).input_shapes
    return [draw_arg(data, shape, dom) for shape, dom in zip(shapes, domains)]


def away_from_integers(q, margin=1e-3):
    return bool(np.all(np.abs(q - np.round(q)) > margin))


def bprop(name, *args, dout=None):
    p = lookup(name)
    out = p(*args)
    if dout is None:
        dout = np.ones_like(out) if isinstance(out, np.ndarray) else 1.0
    return p.bprop(*args, out, dout)


def inner(a, b):
    """The inner product of two sensitivities (tuples, lists, arrays, floats; ZERO is 0)."""
    if a is ZERO or b is ZERO:
        return 0.0
    if isinstance(a, (tuple, list)):
        return sum(inner(x, y) for x, y in zip(a, b))
    return float(np.sum(np.asarray(a, np.float64) * np.asarray(b, np.float64)))


def to_float32(x):
    if isinstance(x, np.ndarray) and x.dtype == np.float64:
        return x.astype(np.float32)
    if type(x) is np.float64:
        return np.float32(x)
    return x


# ---------------------------------------------------------------- registry


def test_every_primitive_of_the_module_is_tested_here():
    registered = {p.name for p in PRIMITIVES.values() if p.impl.__module__ == S.__name__}
    assert registered == set(ALL)


@pytest.mark.parametrize("name", sorted(PY_OBJECTS))
def test_reached_from_the_python_object(name):
    assert primitive_for(PY_OBJECTS[name]) is lookup(name)


@pytest.mark.parametrize("name", NONDIFF)
def test_nondiff_primitives_are_marked(name):
    assert lookup(name).nondiff
    assert lookup(name).bprop is None


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_differentiable_primitives_have_bprops_in_the_subset(name):
    p = lookup(name)
    assert not p.nondiff and p.bprop is not None
    assert_bprop_in_subset(p)


_OPERATOR_OF_AST = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.MatMult: operator.matmul,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
}


def primitives_called_by(fn):
    """The primitives a backpropagator applies: calls, operators and subscripts."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    env = {**vars(builtins), **fn.__globals__}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            found.add(primitive_for(env.get(node.func.id)))
        elif isinstance(node, (ast.BinOp, ast.UnaryOp)):
            found.add(primitive_for(_OPERATOR_OF_AST[type(node.op)]))
        elif isinstance(node, ast.Compare):
            found |= {primitive_for(_OPERATOR_OF_AST[type(op)]) for op in node.ops}
        elif isinstance(node, ast.Subscript):
            found.add(primitive_for(operator.getitem))
    return found


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_bprops_differentiate_again(name):
    # Every primitive a backpropagator applies has a backpropagator or is nondiff, so the
    # grad transform can differentiate the backpropagator itself.
    for p in primitives_called_by(lookup(name).bprop):
        assert p is not None, f"{name}: its bprop calls something that is not a primitive"
        assert p.nondiff or p.bprop is not None, f"{name}: {p} cannot be differentiated"


def test_parameters_bind_like_python():
    def missing(name, default):
        return default

    assert lookup("builtin.sum").bind([(1.0,)], {"start": 2.0}, missing) == [(1.0,), 2.0]
    assert lookup("builtin.max").bind([(1.0, 2.0)], {}, missing) == [(1.0, 2.0), None]
    assert lookup("builtin.round").bind([1.25], {"ndigits": 1}, missing) == [1.25, 1]
    assert list(lookup("math.atan2").signature.parameters) == ["y", "x"]
    assert lookup("builtin.tuple")() == () and lookup("builtin.list")() == []


# ---------------------------------------------------------------- implementations


@pytest.mark.parametrize(
    "name, args, expected",
    [
        ("add", (1, 2), 3),
        ("add", ((1.0,), (2.0, 3.0)), (1.0, 2.0, 3.0)),
        ("add", ([1.0], [2.0]), [1.0, 2.0]),
        ("mul", ((1.0, 2.0), 2), (1.0, 2.0, 1.0, 2.0)),
        ("mul", (2, [1.0]), [1.0, 1.0]),
        ("truediv", (1, 2), 0.5),
        ("floordiv", (7.5, 2.0), 3.0),
        ("mod", (-7.5, 2.0), 0.5),
        ("pow", (2, 10), 1024),
        ("pow", (4.0, 0.5), 2.0),
        ("not_", (0,), True),
        ("math.floor", (2.5,), 2),
        ("math.ceil", (2.5,), 3),
        ("builtin.max", ((1.0, 3.0, 2.0),), 3.0),
        ("builtin.max", ([1, 4],), 4),
        ("builtin.max", (1.0, 3.0), 3.0),
        ("builtin.min", ((1.0, 3.0, 2.0),), 1.0),
        ("builtin.min", (1.0, 3.0), 1.0),
        ("builtin.sum", ((1.0, 2.0),), 3.0),
        ("builtin.sum", ([1.0, 2.0], 10.0), 13.0),
        ("builtin.float", (3,), 3.0),
        ("builtin.int", (3.7,), 3),
        ("builtin.round", (2.567, 2), 2.57),
        ("builtin.round", (2.5,), 2),
        ("builtin.tuple", ([1, 2],), (1, 2)),
        ("builtin.list", ((1, 2),), [1, 2]),
        ("builtin.isinstance", (1.0, float), True),
        ("builtin.isinstance", ((1.0,), (list, tuple)), True),
    ],
)
def test_impl_is_python(name, args, expected):
    got = lookup(name)(*args)
    assert got == expected and type(got) is type(expected)


def test_isinstance_accepts_the_primitives_standing_for_types():
    # The parser may resolve `tuple` or `float` in `isinstance(x, (tuple, list))` to the
    # primitive registered for it.
    isinstance_ = lookup("builtin.isinstance")
    tuple_, list_, float_ = (primitive_for(t) for t in (tuple, list, float))
    assert isinstance_((1.0,), (tuple_, list_))
    assert isinstance_([1.0], (tuple_, list_))
    assert not isinstance_(np.zeros(2), (tuple_, list_))
    assert isinstance_(2.0, float_) and not isinstance_(2, float_)
    assert isinstance_(True, primitive_for(bool)) and isinstance_(True, primitive_for(int))


@pytest.mark.parametrize("name", ["math.sin", "math.exp", "math.lgamma", "math.sqrt"])
def test_math_functions_return_python_floats(name):
    assert type(lookup(name)(np.float32(2.0))) is float


# ---------------------------------------------------------------- gradients: finite differences


@pytest.mark.parametrize("name", sorted(ARRAY_DOMAINS))
@FD
@given(data=st.data())
def test_bprop_matches_finite_differences_with_broadcasting(name, data):
    args = draw_args(data, ARRAY_DOMAINS[name])
    if name == "mod":
        with np.errstate(divide="ignore"):
            assume(away_from_integers(np.divide(*args)))
    check_bprop(lookup(name), *args)


@pytest.mark.parametrize("name", sorted({*MATH, *ARRAY_DOMAINS}))
@FD
@given(data=st.data())
def test_bprop_matches_finite_differences_on_python_floats(name, data):
    domains = MATH.get(name) or ARRAY_DOMAINS[name]
    args = [float(data.draw(dom)) for dom in domains]
    if name == "mod":
        assume(away_from_integers(args[0] / args[1]))
    sens = check_bprop(lookup(name), *args)
    assert all(type(s) is float for s in sens)


@pytest.mark.parametrize("name", sorted({*MATH, *ARRAY_DOMAINS}))
@FEW
@given(data=st.data())
def test_float32_sensitivities_stay_float32(name, data):
    domains = MATH.get(name) or ARRAY_DOMAINS[name]
    if name in MATH:  # math functions take scalars only
        args64 = [np.float64(data.draw(dom)) for dom in domains]
    else:
        args64 = draw_args(data, domains)
    if name == "mod":
        with np.errstate(divide="ignore"):
            assume(away_from_integers(np.divide(*args64)))
    args32 = [to_float32(a) for a in args64]
    p = lookup(name)
    out32 = p(*args32)
    dout = np.random.default_rng(0).standard_normal(np.shape(out32))
    dout32 = float(dout) if type(out32) is float else np.asarray(dout, np.asarray(out32).dtype)
    if isinstance(out32, np.generic):
        dout32 = out32.dtype.type(dout32)
    sens32 = p.bprop(*args32, out32, dout32)
    sens64 = p.bprop(*args64, p(*args64), np.asarray(dout, np.float64))
    for a32, s32, s64 in zip(args32, sens32, sens64):
        if isinstance(a32, np.float32):
            assert type(s32) is np.float32
        elif isinstance(a32, np.ndarray):
            assert s32.dtype == np.float32 and s32.shape == a32.shape
        else:
            assert type(s32) is float
        np.testing.assert_allclose(np.float64(s32), np.float64(s64), rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "truediv", "pow", "math.pow"])
def test_int_arguments_get_zero(name):
    x = 1.5 if name.startswith("math.") else np.array([1.5, 2.0])
    sens = check_bprop(lookup(name), x, 2)
    assert sens[1] is ZERO
    sens = check_bprop(lookup(name), 3, 1.5)
    assert sens[0] is ZERO


@FD
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3),
    m=st.integers(1, 3),
    k=st.integers(1, 3),
    n=st.integers(1, 3),
    vector_a=st.booleans(),
    vector_b=st.booleans(),
    data=st.data(),
)
def test_matmul_bprop_on_vectors_matrices_and_broadcast_stacks(
    shapes, m, k, n, vector_a, vector_b, data
):
    batch_a, batch_b = shapes.input_shapes
    shape_a = (k,) if vector_a else (*batch_a, m, k)
    shape_b = (k,) if vector_b else (*batch_b, k, n)
    a = data.draw(hnp.arrays(np.float64, shape_a, elements=SMOOTH))
    b = data.draw(hnp.arrays(np.float64, shape_b, elements=SMOOTH))
    check_bprop(lookup("matmul"), a, b)
    sa, sb = bprop("matmul", a.astype(np.float32), b)
    assert sa.dtype == np.float32 and sb.dtype == np.float64


@FD
@given(x=OFF_POLES, y=reals(-2.0, 2.0), shape=hnp.array_shapes(max_dims=2, max_side=3))
def test_ieee_pow_and_pow_log_bprops(x, y, shape):
    x = abs(x)
    check_bprop(lookup("ieee_pow"), x, y)
    check_bprop(lookup("ieee_pow"), np.full(shape, x), np.full(shape[-1:], y))
    check_bprop(lookup("pow_log"), x)
    check_bprop(lookup("pow_log"), np.full(shape, -x))


@FD
@given(
    x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=4, max_side=3), elements=SMOOTH)
)
def test_axis_helpers_bprops(x):
    check_bprop(lookup("insert_axis"), x, -2)
    check_bprop(lookup("remove_axis"), x[..., :1], -1)
    check_bprop(lookup("swap_last_axes"), x)


# ---------------------------------------------------------------- sequences


def seq_fd_check(fn, seq, rest, sens, dout, eps=1e-6):
    """Compare `sens`, the sensitivity of the tuple/list `seq` in `fn(seq, *rest)`, with
    central finite differences along `dout` (an entry may be ZERO where they give 0)."""
    assert type(sens) is type(seq) and len(sens) == len(seq)
    for i, e in enumerate(seq):
        expected = np.zeros(np.shape(e))
        for j in range(expected.size):
            hi, lo = list(seq), list(seq)
            bump = np.zeros(np.shape(e))
            bump.flat[j] = eps
            hi[i] = e + (float(bump.sum()) if type(e) is float else bump)
            lo[i] = e - (float(bump.sum()) if type(e) is float else bump)
            f_hi, f_lo = fn(type(seq)(hi), *rest), fn(type(seq)(lo), *rest)
            expected.flat[j] = inner(np.subtract(f_hi, f_lo), dout) / (2 * eps)
        if sens[i] is ZERO:
            np.testing.assert_array_equal(expected, 0.0)
            continue
        assert np.shape(sens[i]) == np.shape(e)
        assert np.asarray(sens[i]).dtype == np.asarray(e).dtype
        assert isinstance(sens[i], float) == isinstance(e, float)
        np.testing.assert_allclose(sens[i], expected, rtol=1e-4, atol=1e-6)


@FD
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3),
    kind=st.sampled_from([tuple, list]),
    data=st.data(),
)
def test_sum_of_a_sequence_broadcasting_its_elements(shapes, kind, data):
    seq = kind(draw_arg(data, s, SMOOTH) for s in shapes.input_shapes[:2])
    start = draw_arg(data, shapes.input_shapes[2], SMOOTH)
    out = S.builtin_sum(seq, start)
    dout = np.random.default_rng(1).standard_normal(np.shape(out))
    d_seq, d_start = S.builtin_sum.bprop(seq, start, out, dout)
    seq_fd_check(S.builtin_sum, seq, (start,), d_seq, dout)
    check_bprop(lookup("builtin.sum"), seq, start, wrt=[1])


def test_sum_of_ints_and_float32_elements():
    seq = (np.ones((2, 1), np.float32), 3, 2.0)
    out = S.builtin_sum(seq)
    d_seq, d_start = S.builtin_sum.bprop(seq, 0, out, np.ones((2, 1), np.float32))
    assert d_seq[0].dtype == np.float32 and d_seq[1] is ZERO and d_seq[2] == 2.0
    assert type(d_seq[2]) is float and d_start is ZERO


@pytest.mark.parametrize("name", ["builtin.max", "builtin.min"])
@FD
@given(
    seq=st.lists(lattice(0.05), min_size=1, max_size=5, unique=True),
    kind=st.sampled_from([tuple, list]),
)
def test_max_min_of_a_sequence(name, seq, kind):
    seq = kind(seq)
    p = lookup(name)
    out = p(seq)
    d_seq, d_none = p.bprop(seq, None, out, 2.0)
    seq_fd_check(p, seq, (), d_seq, 2.0)
    assert d_none is ZERO


@pytest.mark.parametrize("kind", [tuple, list])
def test_add_of_sequences_splits_the_sensitivity(kind):
    a, b = kind((1.0, np.ones(2))), kind((np.float32(3.0),))
    dout = kind((4.0, np.full(2, 5.0), np.float32(6.0)))
    da, db = S.add.bprop(a, b, S.add(a, b), dout)
    assert type(da) is kind and type(db) is kind
    assert da[0] == 4.0 and np.array_equal(da[1], [5.0, 5.0]) and db == kind((6.0,))
    assert S.add.bprop(a, kind(), a, dout[:2]) == (dout[:2], kind())


@pytest.mark.parametrize("kind", [tuple, list])
def test_mul_of_a_sequence_by_an_int_sums_the_repeats(kind):
    seq = kind((1.0, np.ones(2)))
    out = S.mul(seq, 3)
    assert type(out) is kind and len(out) == 6 and out[2] is seq[0]
    dout = kind((1.0, np.full(2, 2.0), ZERO, np.full(2, 3.0), 4.0, ZERO))
    d_seq, d_n = S.mul.bprop(seq, 3, out, dout)
    assert type(d_seq) is kind and d_n is ZERO
    assert d_seq[0] == 5.0 and np.array_equal(d_seq[1], [5.0, 5.0])
    d_n, d_seq = S.mul.bprop(2, seq, S.mul(2, seq), dout[:4])
    assert d_n is ZERO and d_seq[0] == 1.0 and np.array_equal(d_seq[1], [5.0, 5.0])
    assert S.mul.bprop(seq, 0, kind(), kind()) == (ZERO, ZERO)


def test_tuple_and_list_convert_the_sensitivity_back():
    d = (1.0, ZERO)
    assert S.builtin_list.bprop((1.0, 2.0), [1.0, 2.0], [1.0, ZERO]) == (d,)
    assert S.builtin_tuple.bprop([1.0, 2.0], (1.0, 2.0), d) == ([1.0, ZERO],)
    assert S.builtin_tuple.bprop((1.0,), (1.0,), (3.0,)) == ((3.0,),)
    assert S.builtin_tuple.bprop(range(2), (0, 1), (ZERO, ZERO)) == (ZERO,)
    x = np.arange(6.0, dtype=np.float32).reshape(3, 2)
    (dx,) = S.builtin_list.bprop(x, list(x), [np.ones(2, np.float32), ZERO, np.ones(2, np.float32)])
    assert dx.dtype == np.float32
    np.testing.assert_array_equal(dx, [[1.0, 1.0], [0.0, 0.0], [1.0, 1.0]])


# ---------------------------------------------------------------- adjoint pairs of helpers


def check_adjoint(name, args, k, w):
    """`prim` is linear in argument `k`: check <prim(args), w> == <args[k], bprop(w)[k]>."""
    p = lookup(name)
    out = p(*args)
    sens = p.bprop(*args, out, w)
    assert inner(out, w) == pytest.approx(inner(args[k], sens[k]), rel=1e-12, abs=1e-12)
    return sens


@FD
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3),
    kind=st.sampled_from([tuple, list]),
    n=st.integers(0, 3),
    data=st.data(),
)
def test_sequence_helpers_are_adjoint_pairs(shapes, kind, n, data):
    *elem_shapes, _ = shapes.input_shapes
    like = kind(draw_arg(data, s, SMOOTH) for s in elem_shapes)
    sens_like = kind(draw_arg(data, s, SMOOTH) for s in elem_shapes)
    v = data.draw(hnp.arrays(np.float64, shapes.result_shape, elements=SMOOTH))
    check_adjoint("seq_fill", (like, v), 1, sens_like)
    check_adjoint("seq_sum", (sens_like, v), 0, v)
    check_adjoint("seq_scale", (sens_like, (0.5, 0.0)), 0, like)
    repeated = kind(draw_arg(data, s, SMOOTH) for s in elem_shapes * n)
    check_adjoint("seq_fold", (repeated, like, n), 0, like)
    check_adjoint("iter_sens", (like, tuple(sens_like)), 1, like)


def test_sequence_helpers_keep_zero_entries():
    assert S.seq_fill((1.0, ZERO), 2.0) == (2.0, ZERO)
    assert S.seq_sum((ZERO, ZERO), 1.0) is ZERO
    assert S.seq_sum([ZERO, 2.0], np.float32(1.0)) == np.float32(2.0)
    assert S.seq_scale((ZERO, 2.0, 3.0), (0.5, 0.5, 0.0)) == (ZERO, 1.0, ZERO)
    assert S.seq_fold((ZERO, 1.0, 2.0, ZERO), (0.0, 0.0), 2) == (2.0, 1.0)
    assert S.iter_sens(np.zeros((0, 2)), ()).shape == (0, 2)


# ---------------------------------------------------------------- conventions


@pytest.mark.parametrize("name", ["builtin.max", "builtin.min"])
def test_max_min_ties_split_equally(name):
    assert bprop(name, 2.0, 2.0) == (0.5, 0.5)
    assert bprop(name, 2.0, 2.0, dout=3.0) == (1.5, 1.5)
    d = bprop(name, np.float32(1.0), np.float32(1.0))
    assert d == (0.5, 0.5) and type(d[0]) is np.float32
    assert bprop(name, (1.0, 1.0, 1.0), None, dout=3.0)[0] == (1.0, 1.0, 1.0)
    assert bprop(name, [1.0, 1.0, 0.0 if name == "builtin.max" else 2.0], None)[0] == [
        0.5,
        0.5,
        ZERO,
    ]
    assert bprop(name, 2, 2.0) == (ZERO, 0.5)


def test_max_min_pick_one_side():
    assert bprop("builtin.max", 1.0, 3.0) == (0.0, 1.0)
    assert bprop("builtin.min", 1.0, 3.0) == (1.0, 0.0)


@pytest.mark.parametrize("name", ["builtin.abs", "math.fabs"])
def test_abs_derivative_at_zero_is_zero(name):
    assert bprop(name, 0.0) == (0.0,)
    assert bprop(name, -0.0) == (0.0,)
    assert bprop(name, -2.0) == (-1.0,)
    if name == "builtin.abs":
        (d,) = bprop(name, np.array([-1.5, 0.0, 2.0], np.float32))
        assert d.dtype == np.float32
        np.testing.assert_array_equal(d, [-1.0, 0.0, 1.0])


@pytest.mark.parametrize("name", ["pow", "math.pow"])
def test_pow_at_zero_base(name):
    assert bprop(name, 0.0, 2.0) == (0.0, 0.0)
    assert bprop(name, 0.0, 1.0) == (1.0, 0.0)
    assert bprop(name, 0.0, 0.0) == (0.0, 0.0)  # 0 ** y is 1 at y == 0 whatever the base
    assert bprop(name, 0.0, 3) == (0.0, ZERO)
    assert bprop(name, 0.0, 0.5) == (math.inf, 0.0)  # inf like NumPy, no ZeroDivisionError


def test_pow_at_zero_base_on_arrays():
    x = np.array([0.0, 0.0, 2.0], np.float32)
    dx, dy = bprop("pow", x, np.array([2.0, 0.0, 3.0]))
    assert dx.dtype == np.float32
    np.testing.assert_array_equal(dx, [0.0, 0.0, 12.0])
    np.testing.assert_allclose(dy, [0.0, 0.0, 8.0 * math.log(2.0)])


def test_pow_negative_base():
    assert bprop("pow", -1.5, 2) == (-3.0, ZERO)
    dx, dy = bprop("pow", -1.5, 2.0)
    assert dx == -3.0
    assert dy == pytest.approx(2.25 * math.log(1.5))  # the real part, like np.power
    dx, dy = bprop("pow", np.array([-1.5, 2.0]), 3)
    np.testing.assert_allclose(dx, [6.75, 12.0])
    assert dy is ZERO


def test_pow_of_ints_with_negative_exponents_does_not_raise():
    assert bprop("pow", 0, 0) == (ZERO, ZERO)
    assert bprop("pow", np.array([1, 2]), 0) == (ZERO, ZERO)


def test_sqrt_and_atan2_at_singular_points_follow_numpy():
    assert bprop("math.sqrt", 0.0) == (math.inf,)
    dy, dx = bprop("math.atan2", 0.0, 0.0)
    assert math.isnan(dy) and math.isnan(dx)


def test_mod_gradient_wrt_divisor():
    assert bprop("mod", 7.5, 2.0) == (1.0, -3.0)
    assert bprop("mod", -7.5, 2.0) == (1.0, 4.0)


def test_float_passes_the_sensitivity_through():
    assert bprop("builtin.float", np.float32(2.0)) == (np.float32(1.0),)
    assert type(bprop("builtin.float", np.float32(2.0))[0]) is np.float32
    assert bprop("builtin.float", 3) == (ZERO,)
    (d,) = bprop("builtin.float", np.array(2.0))
    assert isinstance(d, np.ndarray) and d.shape == ()


# ---------------------------------------------------------------- polygamma


@pytest.mark.parametrize(
    "name, x, expected",
    [
        ("math.digamma", 1.0, -0.5772156649015329),
        ("math.digamma", 0.5, -0.5772156649015329 - 2 * math.log(2)),
        ("math.digamma", -0.5, 0.03648997397857652),
        ("math.digamma", 1e6, 13.81551005796419),
        ("math.polygamma1", 1.0, math.pi**2 / 6),
        ("math.polygamma1", 0.5, math.pi**2 / 2),
        ("math.polygamma1", -1.5, 9.379246644989124),
        ("math.polygamma2", 1.0, -2.4041138063191885),
        ("math.polygamma2", 0.25, -56 * 1.2020569031595942 - 2 * math.pi**3),
    ],
)
def test_polygamma_known_values(name, x, expected):
    got = lookup(name)(x)
    assert type(got) is float
    assert got == pytest.approx(expected, rel=1e-13)


@pytest.mark.skipif(importlib.util.find_spec("scipy") is None, reason="needs scipy")
@FD
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2), elements=OFF_POLES))
def test_polygamma_matches_scipy(x):
    from scipy import special

    for n, name in enumerate(["math.digamma", "math.polygamma1", "math.polygamma2"]):
        np.testing.assert_allclose(lookup(name)(x), special.polygamma(n, x), rtol=1e-12, atol=1e-13)


def test_polygamma_keeps_float32_and_array_kinds():
    x = np.array([0.5, -1.5, 3.0], np.float32)
    assert S.digamma(x).dtype == np.float32
    assert type(S.polygamma1(np.float32(2.0))) is np.float32
    assert S.polygamma2(np.array(2.0)).shape == ()
    assert type(S.digamma(2)) is float


def test_lgamma_bprop_is_digamma_on_negative_arguments():
    (d,) = bprop("math.lgamma", -2.5)
    assert d == pytest.approx(S.digamma(-2.5)) and type(d) is float


# ---------------------------------------------------------------- through the compiler

_A = np.linspace(-1.0, 1.0, 12).reshape(2, 1, 2, 3)
_B = np.linspace(0.5, -0.5, 9).reshape(3, 3)
_V = np.array([0.5, -1.0, 2.0])


def uses_operators(x):
    return x * 3.0 + x / 2.5 - x**2.0 + x % 1.5 + (-x) * (+x) + 2.0**x + x**3 - 1.0 / x


def uses_math(x):
    a = math.sin(x) * math.cos(x) + math.tan(x) + math.exp(x) + math.log(x) + math.log1p(x)
    b = math.expm1(x) + math.sqrt(x) + math.tanh(x) + math.atan2(x, 2.0) + math.pow(x, 2.5)
    return a + b + math.fabs(x) + math.erf(x) + math.lgamma(x) * x


def uses_builtins(x):
    t = (x, 2.0 * x) + (x * x,)
    big = max(t) + min(x, 1.0) + max(x, x * x, 0.5) + abs(-x) + float(x)
    return big * sum(list(t), 1.0) + sum(tuple([x, x]) * 2)


def uses_matmul(s):
    a = np.sum(((s * _A) @ (s * _B)) ** 2.0) + np.sum(((s * _V) @ _B) ** 2.0)
    return a + ((s * _V) @ _V) ** 2.0 + np.sum((_A @ (s * _V)) ** 2.0)


def central_difference(f, x, eps=1e-5):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


@pytest.mark.parametrize("fn", [uses_operators, uses_math, uses_builtins, uses_matmul])
@pytest.mark.parametrize("x", [0.7, 1.3])
def test_first_and_second_order_through_the_compiler(fn, x):
    # Backpropagators are parsed and differentiated like user code: grad of grad checks that
    # every one of them is in the subset and differentiates again.
    d1 = myia.grad(fn)
    d2 = myia.grad(d1)
    assert d1(x) == pytest.approx(central_difference(fn, x), rel=1e-6)
    assert d2(x) == pytest.approx(central_difference(d1, x), rel=1e-6)


def lgamma(x):
    return math.lgamma(x)


def test_third_order_of_lgamma_through_the_compiler():
    d3 = myia.grad(myia.grad(myia.grad(lgamma)))
    assert d3(-2.5) == pytest.approx(S.polygamma2(-2.5), rel=1e-12)
