"""Tests of the linear algebra family (myia/prim/linalg.py, np_linalg.py): values,
types and gradients of the products, einsum, trace, norm, inv, det and solve, and the
canonical forms the products compile to."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from myia import api as typed
from myia.errors import MyiaShapeError, MyiaTypeError
from myia.ir.nodes import Constant, Graph, prim_of, toposort
from myia.pipeline import compile_jit, graph_of, signature_types
from myia.prim.registry import Primitive
from tests.checks import check_grad, check_jit

R = np.random.default_rng(0)
F32 = {"rtol": 1e-2, "atol": 1e-3, "eps": 1e-3}  # finite differences in float32


def arr(*shape, dtype=np.float64):
    return R.standard_normal(shape).astype(dtype)


def check_close(fn, *args):
    """`check_jit` for float32 results, whose rounding depends on the summation order of
    the product NumPy picks: same type, shape and dtype, values to float32 precision."""
    expected = fn(*args)
    got = compile_jit(fn, args)(*args)
    assert type(got) is type(expected) and got.dtype == expected.dtype
    assert np.shape(got) == np.shape(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def spd(n, *batch):
    """Well-conditioned square matrices."""
    a = arr(*batch, n, n)
    return a + n * np.eye(n)


# Functions ---------------------------------------------------------------------------


def f_dot(a, b):
    return np.dot(a, b)


def f_method_dot(a, b):
    return a.dot(b)


def f_inner(a, b):
    return np.inner(a, b)


def f_outer(a, b):
    return np.outer(a, b)


def tensordot_fns(axes):
    """The value and a float-valued function of `np.tensordot(a, b, axes)`."""

    def f(a, b):
        return np.tensordot(a, b, axes)

    def s(a, b):
        return np.sum(np.sin(np.tensordot(a, b, axes)))

    return f, s


def f_tensordot2(a, b):
    return np.tensordot(a, b)


def f_einsum1(s, a):
    return np.einsum(s, a)


def f_einsum2(s, a, b):
    return np.einsum(s, a, b)


def f_einsum3(s, a, b, c):
    return np.einsum(s, a, b, c)


def f_trace(a):
    return np.trace(a)


def trace_fns(offset, axis1, axis2):
    def f(a):
        return np.trace(a, offset, axis1, axis2)

    def s(a):
        return np.sum(np.sin(np.trace(a, offset, axis1, axis2)))

    return f, s


def f_method_trace(a):
    return a.trace(1)


def norm_fns(ord, axis, keepdims):
    def f(x):
        return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)

    def s(x):
        return np.sum(np.sin(np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)))

    return f, s


def f_norm0(x):
    return np.linalg.norm(x)


def f_inv(a):
    return np.linalg.inv(a)


def f_det(a):
    return np.linalg.det(a)


def f_solve(a, b):
    return np.linalg.solve(a, b)


# Scalar-valued wrappers for gradients (module level: myia reads their source).


def s_dot(a, b):
    return np.sum(np.sin(np.dot(a, b)))


def s_inner(a, b):
    return np.sum(np.sin(np.inner(a, b)))


def s_outer(a, b):
    return np.sum(np.sin(np.outer(a, b)))


def s_einsum1(s, a):
    return np.sum(np.sin(np.einsum(s, a)))


def s_einsum2(s, a, b):
    return np.sum(np.sin(np.einsum(s, a, b)))


def s_einsum3(s, a, b, c):
    return np.sum(np.sin(np.einsum(s, a, b, c)))


def s_inv(a):
    return np.sum(np.sin(np.linalg.inv(a)))


def s_det(a):
    return np.sum(np.sin(np.linalg.det(a)))


def s_solve(a, b):
    return np.sum(np.sin(np.linalg.solve(a, b)))


def s_norm0(x):
    return np.linalg.norm(x)


def s_norm1(x):
    return np.linalg.norm(x, 1)


def s_mlp(w, x):
    return np.sum(np.einsum("bi,ij->bj", x, w) ** 2) + np.trace(w.T @ w)


# Products ----------------------------------------------------------------------------

DOT_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((2, 5, 3), (3,)),
    ((3,), (2, 3, 4)),
    ((2, 3), (5, 3, 4)),
    ((2, 5, 3), (4, 3, 2)),
]


@pytest.mark.parametrize("sa, sb", DOT_SHAPES)
def test_dot(sa, sb):
    a, b = arr(*sa), arr(*sb)
    check_jit(f_dot, a, b)
    check_jit(f_method_dot, a, b)
    check_grad(s_dot, (a, b), (0, 1))


def test_dot_scalars_and_dtypes():
    check_jit(f_dot, 2.0, arr(3))
    check_jit(f_dot, arr(2, 3), np.float64(2.0))
    check_jit(f_dot, arr(2, 3, dtype=np.float32), arr(3, 4, dtype=np.float32))
    check_jit(f_dot, np.arange(6).reshape(2, 3), np.arange(12).reshape(2, 3, 2))
    a32, b32 = arr(2, 4, 3, dtype=np.float32), arr(5, 3, 2, dtype=np.float32)
    check_close(f_dot, a32, b32)
    g = check_grad(s_dot, (a32, b32), (0, 1), **F32)
    assert g[0].dtype == np.float32


INNER_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (4, 3)), ((2, 3), (4, 3)), ((2, 4, 3), (5, 3))]


@pytest.mark.parametrize("sa, sb", INNER_SHAPES)
def test_inner(sa, sb):
    a, b = arr(*sa), arr(*sb)
    check_jit(f_inner, a, b)
    check_grad(s_inner, (a, b), (0, 1))


def test_outer():
    check_jit(f_outer, arr(3), arr(4))
    check_jit(f_outer, arr(2, 3), arr(4))
    check_grad(s_outer, (arr(2, 3), arr(4)), (0, 1))


TENSORDOT_CASES = [
    ((2, 3, 4), (3, 2), ([1], [0])),
    ((2, 3, 4), (4, 3, 5), ([1, 2], [1, 0])),
    ((3, 2), (3, 2), 2),
    ((2, 3), (4,), 0),
    ((2, 3), (3, 4), 1),
    ((2, 3, 4), (3, 4, 5), 2),
    ((4, 3), (2, 4), (0, 1)),
]


@pytest.mark.parametrize("sa, sb, axes", TENSORDOT_CASES)
def test_tensordot(sa, sb, axes):
    a, b = arr(*sa), arr(*sb)
    f, s = tensordot_fns(axes)
    check_jit(f, a, b)
    check_grad(s, (a, b), (0, 1))


def test_tensordot_default_axes_and_0d():
    check_jit(f_tensordot2, arr(3, 2, 4), arr(2, 4, 5))
    out = check_jit(tensordot_fns(2)[0], arr(3, 2), arr(3, 2))
    assert isinstance(out, np.ndarray) and out.shape == ()


# einsum ------------------------------------------------------------------------------

EINSUM1 = [
    ("ij->ji", (2, 3)),
    ("ij->", (2, 3)),
    ("ij->j", (2, 3)),
    ("ij", (2, 3)),
    ("ji", (2, 3)),
    ("ii", (3, 3)),
    ("ii->i", (3, 3)),
    ("iij->j", (3, 3, 2)),
    ("jii->j", (2, 3, 3)),
    ("iii->", (2, 2, 2)),
    ("...ij->...ji", (4, 2, 3)),
    ("i...->...", (2, 3, 4)),
    ("ijk->kj", (2, 3, 4)),
]


@pytest.mark.parametrize("s, shape", EINSUM1)
def test_einsum_one_operand(s, shape):
    a = arr(*shape)
    check_jit(f_einsum1, s, a)
    check_grad(s_einsum1, (s, a), 1)


EINSUM2 = [
    ("ij,jk->ik", (2, 3), (3, 4)),
    ("bij,bjk->bik", (5, 2, 3), (5, 3, 4)),
    ("i,i->", (3,), (3,)),
    ("i,i", (3,), (3,)),
    ("ij,j->i", (2, 3), (3,)),
    ("ij,kj->ik", (2, 3), (4, 3)),
    ("ij,ij->i", (2, 3), (2, 3)),
    ("ij,ij->ij", (2, 3), (2, 3)),
    ("i,j->ij", (2,), (3,)),
    ("ij,k->ijk", (2, 3), (4,)),
    ("ij,jk", (2, 3), (3, 4)),
    ("bij,jk->bik", (5, 2, 3), (3, 4)),
    ("abc,cd->bda", (2, 3, 4), (4, 5)),
    ("ijk,jkl->il", (2, 3, 4), (3, 4, 5)),
    ("ij,kl->", (2, 3), (4, 5)),
    ("ij,jk->k", (2, 3), (3, 4)),
    ("ii,i->", (3, 3), (3,)),
    ("...ij,...jk->...ik", (5, 2, 3), (3, 4)),
    ("bi,bi->b", (1, 3), (4, 3)),
    ("ij,ij->ij", (1, 3), (2, 3)),
    ("bij,bjk->bik", (1, 2, 3), (4, 3, 2)),
]


@pytest.mark.parametrize("s, sa, sb", EINSUM2)
def test_einsum_two_operands(s, sa, sb):
    a, b = arr(*sa), arr(*sb)
    check_jit(f_einsum2, s, a, b)
    check_grad(s_einsum2, (s, a, b), (1, 2))


def test_einsum_three_operands_and_dtypes():
    a, b, c = arr(2, 3), arr(3, 4), arr(4, 5)
    check_jit(f_einsum3, "ij,jk,kl->il", a, b, c)
    check_grad(s_einsum3, ("ij,jk,kl->il", a, b, c), (1, 2, 3))
    check_grad(s_einsum3, ("i,i,i->i", arr(3), arr(3), arr(3)), (1, 2, 3))
    check_jit(f_einsum2, "ij,jk->ik", np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4))
    i32 = np.arange(6, dtype=np.int32).reshape(2, 3)
    check_jit(f_einsum1, "ij->", i32)
    check_jit(f_einsum1, "ii", np.arange(9, dtype=np.int32).reshape(3, 3))
    check_jit(f_einsum2, "ij,j->i", arr(2, 3, dtype=np.float32), arr(3))
    x32 = arr(2, 3, dtype=np.float32)
    g = check_grad(s_einsum2, ("ij,kj->ik", x32, x32), (1, 2), **F32)
    assert g[0].dtype == np.float32
    check_grad(s_einsum2, ("ij,j->i", x32, arr(3)), (1, 2), **F32)


def test_einsum_errors():
    with pytest.raises(MyiaShapeError):
        compile_jit(f_einsum2, ("ij,jk->ik", arr(2, 3), arr(4, 5)))
    with pytest.raises(MyiaTypeError):
        compile_jit(f_einsum2, ("ij->ij", arr(2, 3), arr(4, 5)))
    with pytest.raises(MyiaShapeError):
        compile_jit(f_einsum1, ("ijk->i", arr(2, 3)))
    with pytest.raises(MyiaShapeError):
        compile_jit(f_dot, (arr(2, 3), arr(4, 5)))


@st.composite
def einsum_cases(draw):
    """A random explicit einsum of one to three operands (letters may repeat across and
    within operands), with sizes per letter (size 1 in some operands: broadcast)."""
    letters = "abcd"
    sizes = {c: draw(st.integers(1, 3)) for c in letters}
    n = draw(st.integers(1, 3))
    subs = [
        "".join(draw(st.lists(st.sampled_from(letters), min_size=0 if n > 1 else 1, max_size=3)))
        for _ in range(n)
    ]
    used = sorted(set("".join(subs)))
    out = "".join(draw(st.permutations(used))[: draw(st.integers(0, len(used)))])
    shapes = []
    for s in subs:  # some operands broadcast a letter from size 1
        ones = {c for c in s if draw(st.integers(0, 4)) == 0}
        shapes.append(tuple(1 if c in ones else sizes[c] for c in s))
    return ",".join(subs) + "->" + out, shapes


def _einsum_fn(n):
    return {1: (f_einsum1, s_einsum1), 2: (f_einsum2, s_einsum2), 3: (f_einsum3, s_einsum3)}[n]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(einsum_cases())
def test_einsum_random(case):
    s, shapes = case
    ops = [R.standard_normal(sh) if sh else np.float64(R.standard_normal()) for sh in shapes]
    f, g = _einsum_fn(len(ops))
    check_jit(f, s, *ops)
    check_grad(g, (s, *ops), tuple(range(1, len(ops) + 1)))


@st.composite
def tensordot_cases(draw):
    na, nb = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    k = draw(st.integers(0, min(na, nb)))
    a_axes = draw(st.permutations(range(na)))[:k]
    b_axes = draw(st.permutations(range(nb)))[:k]
    sa = [draw(st.integers(1, 3)) for _ in range(na)]
    sb = [draw(st.integers(1, 3)) for _ in range(nb)]
    for i, j in zip(a_axes, b_axes):
        sb[j] = sa[i]
    return tuple(sa), tuple(sb), (list(a_axes), list(b_axes))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tensordot_cases())
def test_tensordot_random(case):
    sa, sb, axes = case
    a, b = arr(*sa), arr(*sb)
    f, s = tensordot_fns(axes)
    check_jit(f, a, b)
    check_grad(s, (a, b), (0, 1))


# Canonical forms ---------------------------------------------------------------------


def _source(fn, *args):
    """The generated code, without its comments (which quote the user's lines)."""
    return "\n".join(line.split("  #")[0] for line in compile_jit(fn, args).source.splitlines())


@pytest.mark.parametrize(
    "s, sa, sb",
    [
        ("ij,jk->ik", (2, 3), (3, 4)),
        ("bij,bjk->bik", (5, 2, 3), (5, 3, 4)),
        ("i,i->", (3,), (3,)),
        ("ij,j->i", (2, 3), (3,)),
        ("ijk,jkl->il", (2, 3, 4), (3, 4, 5)),
    ],
)
def test_einsum_matrix_products_are_matmul(s, sa, sb):
    src = _source(f_einsum2, s, arr(*sa), arr(*sb))
    assert " @ " in src and "np.einsum" not in src, src


def test_canonical_sources():
    assert "(a * b).sum(axis=1)" in _source(f_einsum2, "ij,ij->i", arr(2, 3), arr(2, 3))
    assert "np.trace(a)" in _source(f_einsum1, "ii", arr(3, 3))
    assert "a.T" in _source(f_einsum1, "ij->ji", arr(2, 3))
    assert "a @ b.T" in _source(f_inner, arr(2, 3), arr(4, 3))
    src = _source(tensordot_fns(([1], [0]))[0], arr(2, 3, 4), arr(3, 2))
    assert "np.reshape(np.transpose(a, (0, 2, 1)), (8, 3)) @ b" in src, src
    assert "tensordot" not in _source(f_dot, arr(2, 5, 3), arr(4, 3, 2))
    assert "np.einsum('ij,jk,kl->il', a, b, c)" in _source(
        f_einsum3, "ij,jk,kl->il", arr(2, 3), arr(3, 4), arr(4, 5)
    )


def _gradient_prims(fn, args, argnums):
    from myia.ad.gradient import gradient_program
    from myia.infer.monomorphize import specialize

    primal = specialize(graph_of(fn), signature_types(args))
    program = gradient_program(primal, argnums, False, False, False)
    seen, todo, prims = set(), [program], set()
    while todo:
        g = todo.pop()
        if g in seen:
            continue
        seen.add(g)
        for node in toposort(g.return_):
            p = prim_of(node)
            if isinstance(p, Primitive):
                prims.add(p)
            if isinstance(node, Constant) and isinstance(node.value, Graph):
                todo.append(node.value)
    return prims


@pytest.mark.parametrize(
    "fn, args, argnums",
    [
        (s_einsum3, ("ij,jk,kl->il", arr(2, 3), arr(3, 4), arr(4, 5)), (1, 2, 3)),
        (s_einsum1, ("iij->j", arr(3, 3, 2)), (1,)),
        (s_einsum2, ("ii,i->", arr(3, 3), arr(3)), (1, 2)),
        (trace_fns(1, 2, 0)[1], (arr(2, 3, 4),), (0,)),
        (norm_fns(np.inf, None, False)[1], (arr(2, 3),), (0,)),
        (norm_fns(3, 1, True)[1], (arr(2, 3),), (0,)),
        (s_solve, (spd(3, 2), arr(3)), (0, 1)),
        (s_det, (spd(3, 2),), (0,)),
        (s_inv, (spd(3),), (0,)),
    ],
)
def test_backpropagators_differentiate_again(fn, args, argnums):
    """Every primitive the backpropagators use has a backpropagator itself (or none is
    needed), so that gradients differentiate again."""
    for p in _gradient_prims(fn, args, argnums):
        assert p.nondiff or p.vjp is not None, p.name


# trace -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape, offset, axis1, axis2",
    [
        ((3, 3), 0, 0, 1),
        ((3, 4), 1, 0, 1),
        ((4, 3), -2, 0, 1),
        ((3, 4), 1, 1, 0),
        ((2, 3, 4), 1, 2, 0),
    ],
)
def test_trace(shape, offset, axis1, axis2):
    a = arr(*shape)
    f, s = trace_fns(offset, axis1, axis2)
    check_jit(f, a)
    check_grad(s, (a,), 0)


def test_trace_forms():
    check_jit(f_trace, arr(3, 3))
    check_jit(f_method_trace, arr(3, 4))
    check_jit(f_trace, np.arange(9, dtype=np.int32).reshape(3, 3))
    g = check_grad(trace_fns(0, 0, 1)[1], (arr(3, 3, dtype=np.float32),), 0, **F32)
    assert g.dtype == np.float32


# norm --------------------------------------------------------------------------------

NORMS = [
    ((5,), None, None, False),
    ((5,), 2, None, False),
    ((5,), 1, None, False),
    ((5,), 3, None, False),
    ((5,), 0.5, None, False),
    ((5,), np.inf, None, False),
    ((5,), -np.inf, None, False),
    ((2, 3), None, None, False),
    ((2, 3), "fro", None, True),
    ((2, 3), 1, None, False),
    ((2, 3), -1, None, False),
    ((2, 3), np.inf, None, False),
    ((2, 3), -np.inf, (1, 0), True),
    ((2, 3), None, 0, False),
    ((2, 3), 1, 1, True),
    ((2, 3, 4), None, None, False),
    ((2, 3, 4), None, (0, 2), False),
    ((2, 3, 4), np.inf, (2, 1), False),
    ((2, 3, 4), 2, -1, True),
    ((2, 3), "nuc", None, False),
    ((3, 2), 2, None, False),
    ((2, 3), -2, None, True),
    ((2, 3, 4), "nuc", (2, 0), False),
    ((2, 3, 4), 2, (0, 1), True),
]


@pytest.mark.parametrize("shape, ord, axis, keepdims", NORMS)
def test_norm(shape, ord, axis, keepdims):
    x = arr(*shape)
    f, s = norm_fns(ord, axis, keepdims)
    check_jit(f, x)
    check_grad(s, (x,), 0)


def test_norm_forms():
    check_jit(f_norm0, np.arange(6).reshape(2, 3))
    check_jit(f_norm0, arr(4, dtype=np.float32))
    check_jit(norm_fns(2, None, False)[0], arr(2, 3))
    check_jit(norm_fns("nuc", None, False)[0], arr(2, 3))
    check_jit(norm_fns(0, None, False)[0], arr(5))
    check_grad(norm_fns(0, None, False)[1], (arr(5),), 0)
    g = check_grad(s_norm0, (arr(4, dtype=np.float32),), 0, **F32)
    assert g.dtype == np.float32
    with pytest.raises(MyiaTypeError):
        compile_jit(norm_fns("fro", None, False)[0], (arr(5),))
    with pytest.raises(MyiaShapeError):
        compile_jit(norm_fns(1, None, False)[0], (arr(2, 3, 4),))


def test_norm_gradient_conventions():
    from myia.pipeline import compile_grad

    g = compile_grad(s_norm0, (np.zeros(3),), 0, False, False)(np.zeros(3))
    np.testing.assert_array_equal(g, np.zeros(3))
    g = compile_grad(s_norm1, (np.zeros(3),), 0, False, False)(np.array([0.0, -2.0, 1.0]))
    np.testing.assert_array_equal(g, [0.0, -1.0, 1.0])
    x = np.array([1.0, -3.0, 3.0])
    g = compile_grad(norm_fns(np.inf, None, False)[0], (x,), 0, False, False)(x)
    np.testing.assert_array_equal(g, [0.0, -0.5, 0.5])


# inv, det, solve ---------------------------------------------------------------------


@pytest.mark.parametrize("batch", [(), (2,), (2, 3)])
def test_inv_det(batch):
    a = spd(3, *batch)
    check_jit(f_inv, a)
    check_jit(f_det, a)
    check_grad(s_inv, (a,), 0)
    check_grad(s_det, (a,), 0)


SOLVES = [
    ((), (3,)),
    ((), (3, 2)),
    ((2,), (3,)),
    ((2,), (2, 3, 2)),
    ((2,), (3, 2)),
    ((), (4, 3, 2)),
]


@pytest.mark.parametrize("batch, sb", SOLVES)
def test_solve(batch, sb):
    a, b = spd(3, *batch), arr(*sb)
    check_jit(f_solve, a, b)
    check_grad(s_solve, (a, b), (0, 1))


def test_linalg_dtypes():
    check_jit(f_inv, np.array([[2, 1], [1, 3]]))
    check_jit(f_det, np.array([[2, 1], [1, 3]]))
    a32 = spd(3).astype(np.float32)
    check_jit(f_solve, a32, arr(3, dtype=np.float32))
    g = check_grad(s_det, (a32,), 0, **F32)
    assert g.dtype == np.float32
    with pytest.raises(MyiaShapeError):
        compile_jit(f_inv, (arr(2, 3),))
    with pytest.raises(MyiaTypeError):
        compile_jit(f_inv, (arr(2, 2, dtype=np.float16),))


def test_mlp():
    check_grad(s_mlp, (arr(3, 4), arr(5, 3)), (0, 1))


# Sizes known only at run time --------------------------------------------------------


def pick(x, n):
    """`x`, or a (4, 3) array: a value whose leading size is not known when compiling."""
    if n > 0:
        y = x
    else:
        y = np.ones((4, 3))
    return y


def u_products(x, w, n):
    y = pick(x, n)
    a = np.sum(np.sin(np.einsum("ij,jk->ik", y, w))) + np.sum(np.tensordot(y, w, 1) ** 2)
    b = np.sum(np.cos(np.einsum("ij,jk,kl->il", y, w, w.T))) + np.sum(np.einsum("ij->j", y))
    return a + b + np.sum(np.sin(np.dot(np.reshape(y, (1, -1, 3)), np.ones((2, 3, 2)))))


def u_diagonals(x, w, n):
    y = pick(x, n)
    m = y @ y.T
    return np.trace(y @ w) + np.sum(np.einsum("ii->i", m) ** 2) + np.einsum("ii,ij->", m, y)


def u_norms(x, w, n):
    y = pick(x, n)
    return np.sum(np.linalg.norm(y, axis=1)) + np.linalg.norm(y, np.inf) + np.linalg.norm(y)


@pytest.mark.parametrize("fn", [u_products, u_diagonals, u_norms])
def test_run_time_sizes(fn):
    x, w = arr(2, 3), arr(3, 2)
    check_jit(fn, x, w, 1)
    check_grad(fn, (x, w, 1), (0, 1))


# Second derivatives ------------------------------------------------------------------


def second_fns(fn, nargs):
    """`(x..., u...) -> <grad fn(x...), u>`: a function myia differentiates again."""
    if nargs == 1:

        def h(a, u):
            return np.sum(typed.grad(fn)(a) * u)

    else:

        def h(a, b, u, v):
            ga, gb = typed.grad(fn, argnums=(0, 1))(a, b)
            return np.sum(ga * u) + np.sum(gb * v)

    return h


def p_matmul_vec(a, b):
    return np.sum(np.sin(a @ b))


def p_contract(a, b):
    return np.sum(np.sin(np.einsum("ij,jk,kl->il", a, b, a)))


def p_diagonal(a, b):
    return np.sum(np.sin(np.einsum("ii,ij->j", a, b)))


def p_tensordot(a, b):
    return np.sum(np.sin(np.tensordot(a, b, axes=([1, 2], [1, 0]))))


def p_trace(a):
    return np.sin(np.trace(a, 1)) + np.sum(np.trace(np.sin(a) * a, 0, 1, 0))


def p_norms(a):
    return np.sin(np.linalg.norm(a)) + np.sum(np.linalg.norm(a, 3, axis=1) ** 2)


@pytest.mark.parametrize(
    "fn, args",
    [
        (p_matmul_vec, (arr(2, 3), arr(3))),
        (p_matmul_vec, (arr(3), arr(2, 3, 4))),
        (p_contract, (arr(2, 3), arr(3, 2))),
        (p_diagonal, (arr(3, 3), arr(3, 2))),
        (p_tensordot, (arr(2, 3, 4), arr(4, 3, 2))),
        (s_solve, (spd(3, 2), arr(3))),
        (s_solve, (spd(3), arr(3, 2))),
        (p_trace, (arr(3, 3),)),
        (p_norms, (arr(2, 3),)),
        (s_inv, (spd(3),)),
        (s_det, (spd(3, 2),)),
    ],
)
def test_second_derivatives(fn, args):
    us = tuple(arr(*np.shape(x)) for x in args)
    h = second_fns(fn, len(args))
    check_grad(h, (*args, *us), tuple(range(len(args))))
