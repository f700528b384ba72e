"""Tangent rules (forward mode) of the array families: reductions, cumulative operations
and sorting, joins and splits, shapes, gathering, constructors, einsum, trace and
`np.linalg`. Each `myia.jvp` is checked against a central difference along the same
tangent and against reverse mode by the adjoint identity `<J t, ct> == <t, J^T ct>`
(random `t` and `ct`), with hypothesis where shapes, axes and flags vary."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia
from tests.ad.fd import assert_close

R = np.random.default_rng(0)
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def arr(*shape):
    return R.standard_normal(shape)


def spd(n, *batch):
    """Well-conditioned square matrices."""
    return arr(*batch, n, n) + n * np.eye(n)


# Pytrees of floats --------------------------------------------------------------------


def leaves(x) -> list:
    if isinstance(x, (tuple, list)):
        return [leaf for e in x for leaf in leaves(e)]
    return [x]


def tree_map(fn, *xs):
    if isinstance(xs[0], (tuple, list)):
        return type(xs[0])(tree_map(fn, *es) for es in zip(*xs))
    return fn(*xs)


def random_like(x, rng):
    """Random floats with the structure, shapes and dtypes of `x` (its ints kept: their
    tangents are ignored)."""

    def one(v):
        if isinstance(v, int):
            return v
        if isinstance(v, float):
            return float(rng.standard_normal())
        out = np.asarray(rng.standard_normal(np.shape(v))).astype(np.asarray(v).dtype)
        return out if isinstance(v, np.ndarray) else out[()]

    return tree_map(one, x)


def vdot(a, b) -> float:
    pairs = zip(leaves(a), leaves(b))
    return float(sum(np.sum(np.asarray(u, np.float64) * np.asarray(v)) for u, v in pairs))


def fd_jvp(fn, args, tangents, eps=1e-6):
    """The central difference of `fn` at `args` along `tangents`."""
    hi = fn(*tree_map(lambda x, t: x if isinstance(x, int) else x + eps * t, args, tangents))
    lo = fn(*tree_map(lambda x, t: x if isinstance(x, int) else x - eps * t, args, tangents))
    return tree_map(lambda h, l: (np.asarray(h, np.float64) - l) / (2 * eps), hi, lo)


def check_jvp(fn, *args, rtol=1e-5, atol=1e-6, seed=0, reverse=True):
    """`myia.jvp(fn)` at `args` along a random tangent: the value is `fn`'s, the tangent
    has the value's structure, shapes and dtypes, agrees with a central difference and
    (with `reverse`), against `myia.vjp` for a random cotangent, satisfies the adjoint
    identity."""
    rng = np.random.default_rng(seed)
    tangents = random_like(args, rng)
    out, t_out = myia.jvp(fn, args, tangents)
    expected = fn(*args)
    assert_close(out, expected, 1e-9, 1e-12, "value")
    for t, v in zip(leaves(t_out), leaves(expected)):
        assert np.shape(t) == np.shape(v) and np.asarray(t).dtype == np.asarray(v).dtype
    assert_close(t_out, fd_jvp(fn, args, tangents), rtol, atol, "tangent", check_types=False)
    if not reverse:
        return t_out
    _, f_vjp = myia.vjp(fn, *args)
    ct = random_like(expected, rng)
    lhs, rhs = vdot(t_out, ct), vdot(tangents, f_vjp(ct))
    assert abs(lhs - rhs) <= 1e-8 * (1 + abs(lhs)), (lhs, rhs)
    return t_out


def check_jac(fn, x):
    np.testing.assert_allclose(myia.jacfwd(fn)(x), myia.jacrev(fn)(x), rtol=1e-10, atol=1e-12)


def test_check_jvp_fails_on_a_wrong_tangent():
    """The oracle detects a wrong rule: a function whose forward and reverse modes are
    consistent with each other but not with the function is caught by the difference."""
    with pytest.raises(AssertionError):
        check_jvp(lambda x: np.cumsum(x) + myia.stop_gradient(x) * x, arr(4))


# Reductions ---------------------------------------------------------------------------


@st.composite
def reduced(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    ndim = len(shape)
    axis = draw(
        st.one_of(
            st.none(),
            st.integers(-ndim, ndim - 1),
            st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple),
        )
    )
    seed = draw(st.integers(0, 2**16))
    return np.random.default_rng(seed).standard_normal(shape), axis, draw(st.booleans())


def _reduction(name, axis, keepdims, ddof):
    if name in ("var", "std"):
        fn = getattr(np, name)
        return lambda x: fn(x, axis=axis, ddof=ddof, keepdims=keepdims)
    fn = {"prod": np.prod, "max": np.max, "min": np.min}[name]
    return lambda x: fn(x, axis=axis, keepdims=keepdims)


@SETTINGS
@given(reduced(), st.sampled_from(["prod", "var", "std", "max", "min"]), st.integers(0, 1))
def test_drawn_reductions(case, name, ddof):
    x, axis, keepdims = case
    axes = range(x.ndim) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    ddof = ddof if int(np.prod([x.shape[i] for i in axes])) > ddof else 0
    check_jvp(_reduction(name, axis, keepdims, ddof), x)


def test_prod_with_zeros_is_exact():
    """One zero in a slice: its tangent times the product of the others; two: 0."""
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]])
    t = np.array([[1.0, 10.0, 1.0], [7.0, 7.0, 1.0], [1.0, 0.0, 0.0]])
    _, t_out = myia.jvp(lambda x: np.prod(x, axis=1), (x,), (t,))
    np.testing.assert_array_equal(t_out, [60.0, 0.0, 8.0])
    check_jvp(lambda x: np.prod(x, axis=1), x)


def test_extrema_ties_take_the_mean_tangent():
    x = np.array([[3.0, 1.0, 3.0], [0.0, 2.0, 1.0]])
    t = np.array([[1.0, 5.0, 2.0], [4.0, 3.0, 6.0]])
    _, t_max = myia.jvp(lambda x: np.max(x, axis=1), (x,), (t,))
    np.testing.assert_allclose(t_max, [1.5, 3.0])
    _, t_min = myia.jvp(lambda x: x.min(), (x,), (t,))
    assert t_min == 4.0
    _, f_vjp = myia.vjp(lambda x: np.max(x, axis=1), x)
    ct = np.array([1.0, 2.0])
    assert np.isclose(np.dot(t_max, ct), np.sum(t * f_vjp(ct)[0]))


def test_std_of_a_constant_slice_has_tangent_zero():
    x = np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]])
    _, t_out = myia.jvp(lambda x: np.std(x, axis=1), (x,), (arr(2, 3),))
    assert t_out[0] == 0.0 and np.isfinite(t_out[1])


def test_reductions_jacobians_and_float32():
    check_jac(lambda x: np.var(x, axis=0), arr(3, 2))
    check_jac(lambda x: np.prod(x, axis=-1), arr(2, 3))
    x = arr(3, 4).astype(np.float32)
    out, t_out = myia.jvp(lambda x: np.std(x, axis=0), (x,), (np.ones_like(x),))
    assert t_out.dtype == np.float32 and t_out.shape == (4,)


# Cumulative operations and sorting ----------------------------------------------------


def _scan(name, axis):
    fn = {"cumsum": np.cumsum, "cumprod": np.cumprod, "sort": np.sort}[name]
    return lambda x: fn(x, axis=axis)


@SETTINGS
@given(reduced(), st.sampled_from(["cumsum", "cumprod", "sort"]), st.integers(0, 2))
def test_drawn_scans(case, name, zeros):
    x, axis, _ = case
    if not (axis is None or isinstance(axis, int)):
        axis = axis[0]
    x = x.copy()
    if name == "cumprod":  # one zero, or two, in a slice: the exact tangent
        x.flat[x.size // 2 : x.size // 2 + zeros] = 0.0
    check_jvp(_scan(name, axis), x, atol=1e-5)


def test_cumprod_with_zeros_is_exact():
    x = np.array([2.0, 0.0, 3.0, 0.0, 4.0])
    t = np.array([1.0, 1.0, 1.0, 1.0, 1.0])
    _, t_out = myia.jvp(lambda x: np.cumprod(x), (x,), (t,))
    np.testing.assert_array_equal(t_out, [1.0, 2.0, 6.0, 0.0, 0.0])


def test_sort_moves_tangents_as_a_stable_sort():
    x = np.array([[1.0, 1.0, 0.0], [2.0, -1.0, 2.0]])
    t = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    _, t_out = myia.jvp(lambda x: np.sort(x), (x,), (t,))
    np.testing.assert_array_equal(t_out, [[3.0, 1.0, 2.0], [5.0, 4.0, 6.0]])
    _, f_vjp = myia.vjp(lambda x: np.sort(x), x)
    np.testing.assert_array_equal(f_vjp(t_out)[0], t)
    x = np.random.default_rng(0).integers(0, 3, 64).astype(float)  # long, many ties
    t = np.arange(64.0)
    _, t_out = myia.jvp(lambda x: np.sort(x), (x,), (t,))
    np.testing.assert_array_equal(t_out, t[np.argsort(x, kind="stable")])


def test_scans_of_numbers_methods_and_dtypes():
    check_jvp(lambda x: np.cumsum(x), 1.5)
    check_jvp(lambda x: x.cumprod(1), arr(2, 3))
    x = arr(3, 2)
    _, t_out = myia.jvp(lambda x: np.cumsum(x, axis=0, dtype=np.float32), (x,), (x,))
    assert t_out.dtype == np.float32
    np.testing.assert_allclose(t_out, np.cumsum(x, axis=0), rtol=1e-6)
    check_jvp(lambda x: np.sort(x * 2.0, axis=None), arr(2, 3))
    check_jac(lambda x: np.cumprod(x, axis=0), arr(3, 2))
    check_jac(lambda x: np.sort(x), arr(5))


# Shapes, joins and splits --------------------------------------------------------------


def shape_fns():
    return [
        lambda x: np.copy(x),
        lambda x: x.copy(),
        lambda x: np.flip(x, 1),
        lambda x: np.flip(x),
        lambda x: np.tile(x, (2, 1, 3)),
        lambda x: np.repeat(x, 2, axis=1),
        lambda x: np.repeat(x, [1, 0, 2], axis=0),
        lambda x: x.repeat(3),
        lambda x: np.triu(x, 1),
        lambda x: np.tril(x),
        lambda x: np.tril(x, -1),
        lambda x: np.diag(x),
        lambda x: np.diag(x, 1),
        lambda x: np.diag(np.diag(x)),
        lambda x: np.split(x, 3, axis=0),
        lambda x: np.split(x, [1, 3], axis=1),
        lambda x: np.ravel(x),
        lambda x: x.flatten(),
        lambda x: np.swapaxes(x, 0, 1),
        lambda x: np.moveaxis(x, 0, -1),
    ]


@pytest.mark.parametrize("k", range(len(shape_fns())))
def test_shapes(k):
    check_jvp(shape_fns()[k], arr(3, 4))


def test_shapes_of_vectors_and_numbers():
    check_jvp(lambda v: np.diag(v, -1), arr(3))
    check_jvp(lambda v: np.triu(v), arr(3))
    check_jvp(lambda x: np.copy(x), 2.5)
    check_jac(lambda x: np.tile(x, 2), arr(3))


@SETTINGS
@given(
    st.lists(st.integers(1, 3), min_size=2, max_size=3),
    st.integers(0, 2),
    st.integers(1, 3),
    st.booleans(),
)
def test_drawn_joins_and_splits(shape, axis, n, as_list):
    axis = axis % len(shape)
    xs = [arr(*shape) for _ in range(n)]
    xs = xs if as_list else tuple(xs)
    check_jvp(lambda xs: np.concatenate(xs, axis=axis), xs)
    check_jvp(lambda xs: np.stack(xs, axis=axis), xs)
    check_jvp(lambda xs: np.concatenate(xs, axis=None), xs)
    check_jvp(lambda x: np.split(x, [1], axis=axis), np.concatenate(xs, axis))
    check_jvp(lambda x: np.repeat(x, n, axis=axis), xs[0])


def test_joins_of_arrays_numbers_and_ints():
    check_jvp(lambda a, b: np.hstack((a, b)), arr(2, 3), arr(2, 1))
    check_jvp(lambda a, b: np.vstack([a, b]), arr(3), arr(3))
    check_jvp(lambda a: np.concatenate(a, axis=1), arr(2, 3, 4))
    check_jvp(lambda a: np.stack(a, axis=-1), arr(2, 3))
    check_jvp(lambda a, b: np.stack((a, b, 1.0)), 0.5, np.float64(2.0))
    check_jvp(lambda a: np.concatenate((a, np.arange(3)), axis=0), arr(2))
    check_jvp(lambda a: np.stack([np.ones(2, np.int64), a, np.zeros(2, bool)], 1), arr(2))
    check_jvp(lambda a: np.stack((a, 1, True)), 0.5)
    a, b = arr(2), arr(3)
    _, t = myia.jvp(lambda a, b: np.concatenate((a, b.astype(np.float32))), (a, b), (2 * a, 3 * b))
    assert t.dtype == np.float64
    np.testing.assert_allclose(t, np.concatenate((2 * a, (3 * b).astype(np.float32))), rtol=1e-7)


def test_joins_and_splits_of_run_time_length():
    """`np.split` in a number of sections given at run time, or at indices in an array,
    gives a list whose length is known at run time only (and a shape: reverse mode
    refuses the cotangents of these, see the report of issue 14)."""
    cuts = np.array([1, 3])
    check_jvp(lambda x: np.split(x, cuts, axis=1), arr(2, 4), reverse=False)
    check_jvp(lambda x: np.concatenate(np.split(x, cuts)) * 2.0, arr(4), reverse=False)
    check_jvp(lambda x, n: np.concatenate(np.split(x, n), axis=0), arr(6, 2), 3, reverse=False)
    check_jvp(lambda x, n: np.stack(np.split(x, n), axis=1), arr(6), 2, reverse=False)
    check_jac(lambda x: np.concatenate([x, x * 3.0]), arr(4))


def check_hvp(fn, x, *consts, seed=1):
    """Forward over reverse: `jvp(grad(fn))` against a central difference of the gradient,
    and the symmetry of the Hessian (`<H t, s> == <t, H s>`). The backpropagators'
    helpers (`reverse_cumsum`, `unconcat`, ...) are differentiated by their own rules."""
    rng = np.random.default_rng(seed)
    t, s = random_like(x, rng), random_like(x, rng)
    g = myia.grad(fn)
    _, ht = myia.jvp(g, (x, *consts), (t, *consts))
    assert_close(ht, fd_jvp(g, (x, *consts), (t, *consts)), 1e-5, 1e-6, "hvp", check_types=False)
    _, hs = myia.jvp(g, (x, *consts), (s, *consts))
    assert abs(vdot(ht, s) - vdot(t, hs)) <= 1e-8 * (1 + abs(vdot(ht, s)))


def helper_losses():
    idx = np.array([[0, 0, 2], [1, 0, 1], [3, 3, 3]])
    return [
        lambda x: np.sum(np.cumsum(x, axis=1) ** 3),  # reverse_cumsum
        lambda x: np.sum(np.sort(x, axis=0) ** 3),  # permute_along_axis
        lambda x: np.sum(np.cumprod(x) ** 2),
        lambda x: np.sum(np.take_along_axis(x, idx, 1) ** 3),  # along_axis_sens
        lambda x: np.sum(np.diag(x) ** 3) + np.sum(np.diag(x[:, :2], 1) ** 3),  # diag_sens
        lambda x, n: np.sum(np.split(x, [1, 3], axis=1)[1] ** 3),
        lambda x, n: np.sum(np.concatenate(np.split(x, n, axis=1), axis=1) ** 3),  # unconcat
        lambda x, n: np.sum(np.stack(np.split(x, n, axis=1), axis=0) ** 3),  # unstack
        lambda x: np.prod(x) + np.var(x, axis=0).sum() ** 2 + np.std(x) ** 3 + np.max(x) ** 2,
        lambda x: np.sum(
            np.tril(x) ** 3 + np.tile(x, 2)[:, 1:5] ** 3 + np.repeat(x, 2, 0)[1:4] ** 3
        ),
    ]


@pytest.mark.parametrize("k", range(len(helper_losses())))
def test_second_order(k):
    fn = helper_losses()[k]
    x = arr(3, 4) if k != 4 else arr(3, 3)
    if fn.__code__.co_argcount == 2:
        check_hvp(fn, x, 2)
    else:
        check_hvp(fn, x)


# Gathering and constructors ------------------------------------------------------------


def test_gathering():
    idx = np.array([[0, 2, 2], [1, 1, 0]])
    check_jvp(lambda x: np.take_along_axis(x, idx, 1), arr(2, 3))
    check_jvp(lambda x: np.take_along_axis(x, np.array([3, 0, 3]), None), arr(2, 2))
    check_jvp(lambda x: np.take(x, [2, 0, 2], axis=1), arr(2, 3))
    check_jvp(lambda x: x.take(np.array([[1, 5], [0, 0]])), arr(2, 3))
    check_jvp(lambda x: x.item(), arr(1, 1))
    check_jvp(lambda x: x.item(4) + x.item((0, 1)), arr(2, 3))
    check_jac(lambda x: np.take_along_axis(x, np.array([[1], [0]]), 0), arr(2, 2))


def test_constructors():
    check_jvp(lambda v: np.full((2, 3), v), 1.5)
    v = arr(3)
    _, t_out = myia.jvp(lambda v: np.full((2, 3), v, np.float32), (v,), (v,))
    assert t_out.dtype == np.float32
    np.testing.assert_allclose(t_out, np.full((2, 3), v), rtol=1e-6)
    check_jvp(lambda v: np.full((4, 3), v * 2.0), arr(3))
    check_jvp(lambda a, b: np.linspace(a, b, 5), 0.5, 2.0)
    check_jvp(lambda a, b: np.linspace(a, b, 4, endpoint=False), arr(2), arr(3, 2))
    check_jvp(lambda b: np.linspace(0, b, 3), arr(2))
    check_jvp(lambda b: np.linspace(np.arange(3), b, 4), 1.5)
    check_jac(lambda b: np.linspace(b[0], b, 3), arr(2))


# Linear algebra -----------------------------------------------------------------------


def linalg_fns():
    return [
        (lambda a, b: np.einsum("ij,jk->ik", a, b), (arr(2, 3), arr(3, 4))),
        (lambda a, b, c: np.einsum("ij,j,jk->ki", a, b, c), (arr(2, 3), arr(3), arr(3, 2))),
        (lambda a: np.einsum("ii->i", a), (arr(3, 3),)),
        (lambda a: np.einsum("ij,ij->", a, a), (arr(2, 3),)),
        (lambda a, b: np.einsum("i,j->ij", a, b), (arr(3), arr(2))),
        (lambda a, b: np.dot(a, b), (arr(2, 3), arr(3))),
        (lambda a, b: np.inner(a, b), (arr(2, 3), arr(4, 3))),
        (lambda a, b: np.outer(a, b), (arr(3), arr(2))),
        (lambda a, b: np.tensordot(a, b, axes=([0, 2], [1, 0])), (arr(2, 3, 4), arr(4, 2))),
        (lambda a, b: a @ b, (arr(2, 3, 4), arr(4))),
        (lambda a: np.trace(a), (arr(3, 4),)),
        (lambda a: np.trace(a, 1, 0, 2), (arr(3, 2, 4),)),
        (lambda a: a.trace(-1), (arr(3, 3),)),
        (lambda a: np.linalg.inv(a), (spd(3),)),
        (lambda a: np.linalg.inv(a), (spd(2, 3),)),
        (lambda a: np.linalg.det(a), (spd(3),)),
        (lambda a: np.linalg.det(a), (spd(3, 2),)),
        (lambda a, b: np.linalg.solve(a, b), (spd(3), arr(3))),
        (lambda a, b: np.linalg.solve(a, b), (spd(3), arr(3, 2))),
        (lambda a, b: np.linalg.solve(a, b), (spd(3, 2), arr(3))),
        (lambda a, b: np.linalg.solve(a, b), (spd(3, 2), arr(1, 3, 2))),
        (lambda b: np.linalg.solve(np.eye(3) * 2.0, b), (arr(3),)),
        (lambda a: np.linalg.solve(a, np.arange(3)), (spd(3),)),
    ]


@pytest.mark.parametrize("k", range(len(linalg_fns())))
def test_linalg(k):
    fn, args = linalg_fns()[k]
    check_jvp(fn, *args)


NORMS = [
    (None, None),
    (None, 1),
    (1, 0),
    (2, -1),
    (3, 0),
    (0.5, 1),
    (np.inf, 1),
    (-np.inf, 0),
    (0, 1),
    ("fro", (0, 1)),
    (1, (0, 1)),
    (-1, (1, 0)),
    (np.inf, (0, 1)),
    (-np.inf, (1, 0)),
]


@SETTINGS
@given(st.sampled_from(NORMS), st.booleans(), st.integers(0, 2**16))
def test_drawn_norms(form, keepdims, seed):
    ord, axis = form
    x = np.random.default_rng(seed).standard_normal((3, 4)) + 0.1
    check_jvp(lambda x: np.linalg.norm(x, ord, axis, keepdims), x)


def test_norm_conventions():
    """0 at 0 for the 2-norm and the 1-norm, the mean of the tied tangents for inf."""
    _, t = myia.jvp(lambda x: np.linalg.norm(x), (np.zeros(3),), (np.ones(3),))
    assert t == 0.0
    _, t = myia.jvp(lambda x: np.linalg.norm(x, 1), (np.array([0.0, 2.0]),), (np.ones(2),))
    assert t == 1.0
    x, tx = np.array([-2.0, 1.0, 2.0]), np.array([1.0, 5.0, 3.0])
    _, t = myia.jvp(lambda x: np.linalg.norm(x, np.inf), (x,), (tx,))
    assert t == 1.0
    m, tm = arr(2, 2), arr(2, 2) + 0.5
    u, _, vh = np.linalg.svd(m)
    _, t = myia.jvp(lambda x: np.linalg.norm(x, 2), (m,), (tm,))
    assert t == pytest.approx(float(u[:, 0] @ tm @ vh[0]))  # u1^T t v1


def test_linalg_jacobians():
    check_jac(lambda a: np.linalg.inv(a), spd(3))
    check_jac(lambda a: np.linalg.det(a), spd(2))
    check_jac(lambda a: np.einsum("ij,jk->ik", a, a), arr(2, 2))
    check_jac(lambda a: np.linalg.norm(a, axis=0), arr(3, 2))


def test_linalg_second_order():
    check_hvp(lambda a: np.linalg.det(a) + np.sum(np.linalg.inv(a)), spd(3))
    check_hvp(lambda a: np.sum(np.linalg.solve(a, np.ones(3)) ** 2), spd(3))
    check_hvp(lambda a: np.linalg.norm(a) ** 3 + np.trace(a @ a) * np.einsum("ii->", a), spd(3))


# Forward over forward ------------------------------------------------------------------


def jvp_of_jvp(fn, x, t, s):
    """`d/de jvp(fn, x + e s, t)` at 0, by the forward-mode transform of the program of
    `jvp(fn)` (the rules' tangents differentiated by the rules again)."""
    from myia.ad.jvp_program import jvp_program
    from myia.backend.compiled import compile_graph
    from myia.opt.optimize import optimize
    from myia.pipeline import differentiable_program, signature_types

    first = jvp_program(differentiable_program(fn, (x,)), list(signature_types((t,))))
    second = jvp_program(first, list(signature_types((s, t))))
    (value, _), (_, out) = compile_graph(optimize(second, adjoint=True)).fn(x, t, s, 0 * t)
    return out


def second_order_losses():
    return [
        lambda x: np.sum(np.cumprod(x, axis=1) ** 2) + np.sum(np.sort(x) ** 3),
        lambda x: np.sum(np.prod(x, 0)) + np.sum(np.var(x, 1)) + np.std(x) + np.max(x * x),
        lambda x: np.linalg.det(x) + np.sum(np.linalg.inv(x)) + np.linalg.norm(x, 1) ** 2,
        lambda x: np.sum(np.linalg.solve(x, np.concatenate((x[0], x[1]))[1:4] ** 2) ** 2),
        lambda x: np.einsum("ij,jk,ki->", x, x, x) + np.trace(x) ** 2 + np.linalg.norm(x) ** 3,
        lambda x: np.sum(np.take_along_axis(x, np.array([[1, 0, 0]]), 1) ** 3 + np.tril(x) ** 3),
        lambda x: np.sum(np.stack([x, x * x]) ** 2) + np.sum(np.cumsum(x, 0) ** 3),
    ]


@pytest.mark.parametrize("k", range(len(second_order_losses())))
def test_jvp_of_jvp(k):
    """Against a central difference of the first tangent, and symmetric in t and s."""
    fn = second_order_losses()[k]
    x, t, s = spd(3), arr(3, 3), arr(3, 3)
    got = jvp_of_jvp(fn, x, t, s)
    eps = 1e-6
    hi, lo = myia.jvp(fn, (x + eps * s,), (t,))[1], myia.jvp(fn, (x - eps * s,), (t,))[1]
    fd = (hi - lo) / (2 * eps)
    np.testing.assert_allclose(got, fd, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got, jvp_of_jvp(fn, x, s, t), rtol=1e-9, atol=1e-12)


def plus_numpy_scalar_of_0d(x):
    return np.sum(x) + np.float64(np.where(np.sum(x) > 0, 1.0, 0.0))


def test_numpy_scalar_type_of_a_0d_array():
    """`np.float64` of a 0-d array is a NumPy float (as NumPy gives), so the tangent of a
    sum with it is a NumPy float too, not a 0-d array."""
    x = np.array([0.5, -1.0, 2.0])
    assert type(myia.jit(plus_numpy_scalar_of_0d)(x)) is np.float64
    value, tangent = myia.jvp(plus_numpy_scalar_of_0d, (x,), (np.ones(3),))
    assert type(tangent) is np.float64 and tangent == 3.0
