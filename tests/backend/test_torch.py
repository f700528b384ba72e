"""The PyTorch backend (`backend="torch"`, on the CPU build of torch): the whole corpus
forward, every gradient case against the NumPy backend and finite differences, a sample
at second order, NumPy's dtype promotion and integer arithmetic, tensors in and out,
the loops of tapes, and the refusals (every primitive has a torch entry or a refusal)."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

import myia  # noqa: E402
from myia.backend.pytorch.emitters import table  # noqa: E402
from myia.backend.pytorch.forms import SHARED, Refused, TorchEmit  # noqa: E402
from myia.prim.registry import REGISTRY  # noqa: E402
from myia.testing import _has_float, check_grads  # noqa: E402
from tests.corpus import CASES  # noqa: E402
from tests.test_corpus import REFUSED, assert_same  # noqa: E402


def assert_close(got, expected):
    """`got` is `expected` in type, structure, shape, dtype and value (float32 to 1e-6:
    torch sums float32 in another order than NumPy)."""
    assert_same(got, expected, float32_tol=1e-6)


def _cases(grad_only=False):
    out, seen = [], {}
    for case in CASES:
        name = case.fn.__name__
        if name in REFUSED or grad_only and not case.grad:
            continue
        seen[name] = seen.get(name, 0) + 1
        out.append(pytest.param(case, id=name if seen[name] == 1 else f"{name}-{seen[name]}"))
    return out


@pytest.mark.parametrize("case", _cases())
def test_corpus_forward(case):
    expected = case.fn(*copy.deepcopy(case.args))
    got = myia.jit(case.fn, backend="torch")(*copy.deepcopy(case.args))
    assert_close(got, expected)


def _nums(case):
    return tuple(i for i, a in enumerate(case.args) if _has_float(a))


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("case", _cases(grad_only=True))
def test_corpus_gradient(case):
    nums = _nums(case)
    got = myia.grad(case.fn, argnums=nums, backend="torch")(*case.args)
    assert_close_grad(got, myia.grad(case.fn, argnums=nums)(*case.args))
    check_grads(case.fn, case.args, backend="torch")


def assert_close_grad(got, expected):
    """Gradients: as `assert_close`, to 1e-9 (the two backends sum in other orders)."""
    assert type(got) is type(expected)
    if isinstance(expected, (tuple, list)):
        for g, e in zip(got, expected):
            assert_close_grad(g, e)
    elif isinstance(expected, dict):
        for k in expected:
            assert_close_grad(got[k], expected[k])
    elif expected is not None:
        if isinstance(expected, np.ndarray):
            assert got.shape == expected.shape and got.dtype == expected.dtype
        low = np.asarray(expected).dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=1e-5 if low else 1e-9, atol=1e-12)


_SECOND_ORDER = _cases(grad_only=True)


@pytest.mark.parametrize("case", _SECOND_ORDER[::12])
def test_corpus_second_order_sample(case):
    check_grads(case.fn, case.args, order=2, backend="torch")


@pytest.mark.slow
@pytest.mark.parametrize("case", _SECOND_ORDER)
def test_corpus_second_order(case):
    if case.fn.__name__ == "top_level_default":
        pytest.skip("check_grads at order 2 does not bind defaults (on any backend)")
    check_grads(case.fn, case.args, order=2, backend="torch")


# Every primitive has a torch entry or a refusal -------------------------------------------


def test_every_primitive_has_a_torch_entry_or_a_refusal():
    REGISTRY.load()
    entries = table()
    missing = sorted(set(REGISTRY.by_name) - set(entries))
    assert not missing, f"primitives without a torch entry or refusal: {missing}"
    optional = set(entries) - set(REGISTRY.by_name)  # registered only where SciPy is
    assert all(name.startswith("scipy.") for name in optional), sorted(optional)
    for name, item in entries.items():
        assert item is SHARED or isinstance(item, (TorchEmit, Refused)), name


def concat_flat(x, y):
    return np.concatenate((x, y), axis=None) * 2.0  # the refused line


def test_refused_at_compile_time_naming_the_line_and_primitive():
    x = np.ones(3)
    with pytest.raises(myia.MyiaBackendError) as info:
        myia.source(concat_flat, x, x, backend="torch")
    err = info.value
    assert "concatenate" in err.message and "axis=None" in err.message
    assert err.loc.lineno == concat_flat.__code__.co_firstlineno + 1
    assert "the refused line" in str(err)
    assert np.array_equal(myia.jit(concat_flat)(x, x), concat_flat(x, x))  # NumPy runs it


# NumPy's semantics where torch's differ ----------------------------------------------------


def times_float(x):
    return x * 2.5


def divide(a, b):
    return a / b


def floor_mod(a, b):
    return a // b, a % b


def spread(x):
    return np.std(x), np.var(x, axis=0), np.var(x, ddof=1)


def tuple_axes(t):
    return np.sum(t, axis=(0, 2), keepdims=True), np.max(t, axis=(1, 2)), np.prod(t, axis=(0, 1))


def pick(x, y):
    return np.where(x > 0.0, x, y * 2.0)


@pytest.mark.parametrize(
    "fn, args",
    [
        (times_float, (np.arange(3, dtype=np.float32),)),  # float32 stays float32
        (times_float, (np.arange(3, dtype=np.float64),)),
        (times_float, (np.arange(3),)),  # ints promote to float64
        (times_float, (np.float32(1.5),)),
        (divide, (np.arange(4), 3)),  # int / int is float64
        (divide, (np.arange(4, dtype=np.float32), np.float64(3.0))),  # NumPy float64 wins
        (divide, (np.arange(4, dtype=np.int32), np.arange(1, 5, dtype=np.int64))),
        (floor_mod, (np.array([-7, 7, -8, 5]), 3)),  # floor division of negatives
        (floor_mod, (np.array([-7, 7, -8, 5]), np.array([2, -2, 3, -3]))),
        (floor_mod, (np.array([-7.5, 7.5]), 2.0)),
        (spread, (np.arange(12.0).reshape(3, 4) ** 1.5,)),
        (tuple_axes, (np.arange(24.0).reshape(2, 3, 4) / 7.0,)),
        (pick, (np.array([-1.0, 2.0, -3.0]), np.array([4.0, 5.0, 6.0]))),
    ],
)
def test_numpy_semantics(fn, args):
    assert_close(myia.jit(fn, backend="torch")(*args), fn(*args))


def max_of(x):
    return np.max(x) * 2.0 + np.min(x, axis=0)[1]


def test_max_ties_gradient_matches_the_numpy_backend():
    x = np.array([[1.0, 3.0], [3.0, 1.0], [3.0, 1.0]])
    got = myia.grad(max_of, backend="torch")(x)
    np.testing.assert_array_equal(got, myia.grad(max_of)(x))


def affine(x, b):
    return np.sum(np.tanh(x * 0.5 + b) ** 2)


@settings(max_examples=10, deadline=None)
@given(
    rows=st.integers(1, 4),
    cols=st.integers(1, 4),
    form=st.sampled_from(["row", "column", "keep", "scalar"]),
)
def test_gradient_broadcast_back_to_each_input(rows, cols, form):
    x = np.sin(np.arange(rows * cols, dtype=np.float64)).reshape(rows, cols)
    b = {
        "row": np.cos(np.arange(cols, dtype=np.float64)),
        "column": np.cos(np.arange(rows, dtype=np.float64)).reshape(rows, 1),
        "keep": np.cos(np.arange(cols, dtype=np.float64)).reshape(1, cols),
        "scalar": 0.25,
    }[form]
    got = myia.grad(affine, argnums=(0, 1), backend="torch")(x, b)
    expected = myia.grad(affine, argnums=(0, 1))(x, b)
    assert_close_grad(got, expected)


# Tensors in, tensors out; devices ----------------------------------------------------------


def mlp(w, x):
    return np.mean(np.tanh(x @ w) ** 2)


def test_tensors_in_tensors_out():
    w, x = np.sin(np.arange(12.0)).reshape(4, 3), np.cos(np.arange(8.0)).reshape(2, 4)
    tw, tx = torch.tensor(w), torch.tensor(x)
    g = myia.grad(mlp, backend="torch")(tw, tx)
    assert isinstance(g, torch.Tensor) and g.dtype == torch.float64 and g.device == tw.device
    np.testing.assert_allclose(g.numpy(), myia.grad(mlp)(w, x), rtol=1e-12)
    value, gn = myia.value_and_grad(mlp, backend="torch", device="cpu")(w, x)
    assert isinstance(gn, np.ndarray) and isinstance(value, np.float64)
    assert value == pytest.approx(mlp(w, x), rel=1e-12)
    f32 = myia.grad(mlp, backend="torch")(tw.float(), tx.float())
    assert f32.dtype == torch.float32


def test_jvp_and_vjp_on_torch():
    w, x = np.sin(np.arange(12.0)).reshape(4, 3), np.cos(np.arange(8.0)).reshape(2, 4)
    t = np.ones_like(w)
    got = myia.jvp(mlp, (w, x), (t, np.zeros_like(x)), backend="torch")
    assert_close_grad(got, myia.jvp(mlp, (w, x), (t, np.zeros_like(x))))
    out, back = myia.vjp(mlp, w, x, backend="torch")
    assert_close_grad(back(1.0), myia.vjp(mlp, w, x)[1](1.0))


def test_device_is_an_option_of_torch_only():
    with pytest.raises(ValueError, match="backend='torch'"):
        myia.jit(mlp, device="cpu")


def test_source_is_torch_code_commented_with_the_user_lines():
    w, x = np.ones((4, 3)), np.ones((2, 4))
    text = myia.source(myia.grad(mlp), w, x, backend="torch")
    assert "import torch" in text and "torch.tanh" in text
    assert "np.mean(np.tanh(x @ w) ** 2)" in text  # the user's line, as a comment
    assert text == myia.source(myia.grad(mlp, backend="torch"), w, x)


# Loops: the backward loop of a tape is torch code -----------------------------------------


def rnn(wx, wh, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ wx + h @ wh)
    return np.sum(h * h)


def test_rnn_backward_loop_runs_as_torch_code():
    rng = np.random.default_rng(0)
    wx, wh = rng.normal(size=(3, 4)) * 0.5, rng.normal(size=(4, 4)) * 0.5
    xs, h0 = rng.normal(size=(6, 2, 3)), np.zeros((2, 4))
    args = (wx, wh, xs, h0)
    grad = myia.grad(rnn, argnums=(0, 1), backend="torch")
    assert_close_grad(grad(*args), myia.grad(rnn, argnums=(0, 1))(*args))
    text = myia.source(grad, *args)
    loops = [line for line in text.splitlines() if line.lstrip().startswith(("for ", "while "))]
    assert len(loops) >= 2  # the forward loop and the backward loop of its tape
    code = [line.split("#")[0] for line in text[text.index("\ndef ") :].splitlines()]
    assert not any("np." in line for line in code)  # no NumPy call on arrays
    assert any("torch.tanh" in line for line in code)
    check_grads(rnn, args, argnums=(0, 1), backend="torch")


def test_nan_sign_and_inf_follow_numpy():
    x = np.array([math.nan, -2.0, 0.0, 3.0])
    f = myia.jit(lambda_free_sign, backend="torch")
    assert_close(f(x), lambda_free_sign(x))


def lambda_free_sign(x):
    return np.sign(x), np.exp(x * 1000.0), np.log(x)


def test_float32_programs_compute_in_float32():
    """The constants of backpropagators are NumPy float64s, written as Python literals in
    fast code: NumPy computes `1.0 - h * h` of a float32 `h` in float32, and so does torch
    code (no round trip through float64)."""
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((4, 3)) * 0.5).astype(np.float32)
    x = rng.standard_normal((5, 4)).astype(np.float32)
    grad = myia.grad(mlp, backend="torch")
    text = myia.source(grad, w, x)
    assert "float64" not in text[text.index("\ndef ") :]
    got = grad(w, x)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, myia.grad(mlp)(w, x), rtol=1e-5)


def add_(a, b):
    return a + b


def sub_(a, b):
    return a - b


def mul_(a, b):
    return a * b


def div_(a, b):
    return a / b


def floordiv_(a, b):
    return a // b


def mod_(a, b):
    return a % b


_DTYPES = [np.bool_, np.int32, np.int64, np.float32, np.float64]
_SCALARS = [3, 2.5, np.float64(2.5), np.float32(2.5), np.int64(3), True]


@settings(max_examples=40, deadline=None)
@given(
    op=st.sampled_from([add_, sub_, mul_, div_, floordiv_, mod_]),
    left=st.sampled_from(_DTYPES),
    right=st.sampled_from(_DTYPES + _SCALARS),
    swap=st.booleans(),
)
def test_promotion_is_numpy_promotion(op, left, right, swap):
    a = (np.array([-5, 3, 4, -2]) * (1 if left is not np.bool_ else 0) + 1).astype(left)
    b = np.array([2, -3, 1, 3]).astype(right) if right in _DTYPES else right
    if op in (floordiv_, mod_, div_) and not np.all(np.asarray(b if not swap else a) != 0):
        return
    args = (b, a) if swap else (a, b)
    if op is sub_ and all(np.asarray(x).dtype == np.bool_ for x in args):
        return  # NumPy refuses `-` of booleans
    with np.errstate(all="ignore"):
        expected = op(*args)
    assert_close(myia.jit(op, backend="torch")(*args), expected)


def _reduction(fn, axis, keep):
    def reduce(x):
        return fn(x, axis=axis, keepdims=keep)

    return reduce


@settings(max_examples=40, deadline=None)
@given(
    fn=st.sampled_from([np.sum, np.mean, np.prod, np.max, np.min, np.var, np.std, np.any]),
    dtype=st.sampled_from(_DTYPES),
    axis=st.sampled_from([None, 0, 1, -1, (0, 1), (0, 2), (2, 1), (0, 1, 2)]),
    keep=st.booleans(),
)
def test_reductions_are_numpy_reductions(fn, dtype, axis, keep):
    x = (np.sin(np.arange(24.0)).reshape(2, 3, 4) * 3.0).astype(dtype)
    f = _reduction(fn, axis, keep)
    assert_close(myia.jit(f, backend="torch")(x), f(x))


_UNARY = [np.sin, np.exp, np.log, np.sqrt, np.floor, np.abs, np.sign, np.tanh, np.isnan]


def _unary(fn):
    def apply(x):
        return fn(x), fn(x * 2)

    return apply


@settings(max_examples=30, deadline=None)
@given(fn=st.sampled_from(_UNARY), dtype=st.sampled_from(_DTYPES[1:]))
def test_elementwise_functions_are_numpy_functions(fn, dtype):
    x = np.array([-2, -1, 0, 1, 3]).astype(dtype)
    f = _unary(fn)
    with np.errstate(all="ignore"):
        expected = f(x)
    assert_close(myia.jit(f, backend="torch")(x), expected)


def items(x, i):
    return x.item(i), x.item((1, 2)), x[1].item(0) * 2.0


def test_item_gives_python_numbers():
    x = np.sin(np.arange(6.0)).reshape(2, 3)
    assert_close(myia.jit(items, backend="torch")(x, 4), items(x, 4))


def tanh_cube(x):
    return np.sum(np.tanh(x) ** 2 * x)


def gathered(x):
    return np.sum(x[np.array([0, 0, 2])] ** 2)


def test_hessian_vector_products_and_repeated_indices():
    x, v = np.array([0.3, -0.5, 0.8]), np.array([1.0, 0.5, -0.2])
    hvp = myia.jvp(myia.grad(tanh_cube), (x,), (v,), backend="torch")
    assert_close_grad(hvp, myia.jvp(myia.grad(tanh_cube), (x,), (v,)))
    assert_close_grad(myia.hessian(tanh_cube, backend="torch")(x), myia.hessian(tanh_cube)(x))
    got = myia.grad(gathered, backend="torch")(x)  # repeated indices accumulate
    np.testing.assert_allclose(got, [4 * x[0], 0.0, 2 * x[2]], rtol=1e-12)


def rows_then_all(x):
    return np.sum(x[np.array([0, 2, 0]), :] ** 2)


def int_slice_and_list(x):
    return np.sum(np.sin(x[1, 1:, [0, 1, 1]]))


def separated_arrays(x):
    return np.sum(x[np.array([1, 0]), :, np.array([1, 1])] * 3.0)


@pytest.mark.parametrize("fn", [rows_then_all, int_slice_and_list, separated_arrays])
def test_gradient_of_an_index_mixing_arrays_with_slices_and_ints(fn):
    # NumPy's placement of the advanced axes (first, when slices separate them), repeated
    # positions accumulated.
    x = np.sin(np.arange(24.0)).reshape(4, 3, 2)
    got = myia.grad(fn, backend="torch")(x)
    assert_close_grad(got, myia.grad(fn)(x))
    check_grads(fn, (x,), order=1, backend="torch")


def assorted(a, b, m):
    chain = np.einsum("ij,jk,kl->il", m, m, m)
    rows = np.einsum("ij,ij->i", m, m)
    joined = np.concatenate((a, b), axis=0)
    smooth = np.hypot(a, b) + np.log10(a * a + 1.0) + np.reciprocal(b + 3.0)
    return np.sum(chain) + np.sum(rows * np.diag(m)) + np.sum(joined**2) + np.sum(smooth)


def rounded(x, y):
    return np.rint(x * 3.0), np.trunc(x * 3.0), np.fmax(x, y), np.fmin(x, y), x.ndim, x.size


def test_more_primitives_value_and_gradient():
    a, b = np.array([0.3, -0.7, 1.1]), np.array([0.5, 0.2, -0.4])
    m = np.sin(np.arange(9.0)).reshape(3, 3) * 0.5
    args = (a, b, m)
    assert_close(myia.jit(assorted, backend="torch")(*args), assorted(*args))
    nums = (0, 1, 2)
    got = myia.grad(assorted, argnums=nums, backend="torch")(*args)
    assert_close_grad(got, myia.grad(assorted, argnums=nums)(*args))
    check_grads(assorted, args, backend="torch")
    b[1] = np.nan
    assert_close(myia.jit(rounded, backend="torch")(a, b), rounded(a, b))


try:
    from scipy import special as sp
except ImportError:  # scipy is in the test extra; without it the test below skips
    sp = None


def special(x):
    return np.sum(sp.gammaln(x) + sp.digamma(x) * 0.5)


@pytest.mark.skipif(sp is None, reason="scipy is not installed")
def test_special_functions_to_second_order():
    x = np.array([0.7, 1.6, 3.2])
    assert_close(myia.jit(special, backend="torch")(x), special(x))
    check_grads(special, (x,), order=2, backend="torch")


def overflow(x, a):
    return np.exp(x) * a


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_float_errors_of_fast_code_rerun_as_exact_code():
    a = np.array([1.0, -2.0])
    got = myia.jit(overflow, backend="torch")(1000.0, a)  # math.exp raises, np.exp is inf
    assert_close(got, overflow(1000.0, a))


def decompositions(a, s):
    sign, logdet = np.linalg.slogdet(s)
    w, v = np.linalg.eigh(s)
    q, r = np.linalg.qr(a)
    u, sv, vh = np.linalg.svd(a, full_matrices=False)
    return (
        np.sum(np.linalg.cholesky(s))
        + sign * logdet
        + np.linalg.det(s)
        + np.sum(w * w)
        + np.sum(np.abs(v) * 0.1)
        + np.sum(np.abs(q) @ r)
        + np.sum(sv**2)
        + np.sum(np.abs(u)) * 0.1
        + np.sum(vh * vh)
        + np.sum(np.linalg.pinv(a) ** 2)
        + np.sum(np.linalg.svd(a, compute_uv=False))
    )


def test_decompositions_value_and_gradient():
    a = np.sin(np.arange(12.0)).reshape(4, 3) + np.eye(4, 3) * 2.0
    s = np.cos(np.arange(9.0)).reshape(3, 3) * 0.3
    s = s @ s.T + np.eye(3)
    args = (a, s)
    assert_close(myia.jit(decompositions, backend="torch")(*args), decompositions(*args))
    got = myia.grad(decompositions, argnums=(0, 1), backend="torch")(*args)
    assert_close_grad(got, myia.grad(decompositions, argnums=(0, 1))(*args))


def arranged(x, m):
    return (
        np.sum(np.pad(x, (1, 2), mode="reflect") ** 2)
        + np.sum(np.roll(m, 1, axis=0) * m)
        + np.sum(np.diff(x) ** 2)
        + np.sum(np.kron(m, m[:1]))
        + np.sum(np.cross(x, x[::-1]) ** 2)
    )


def test_arranging_primitives_value_and_gradient():
    x = np.array([0.3, -0.7, 1.1])
    m = np.sin(np.arange(6.0)).reshape(2, 3)
    assert_close(myia.jit(arranged, backend="torch")(x, m), arranged(x, m))
    got = myia.grad(arranged, argnums=(0, 1), backend="torch")(x, m)
    assert_close_grad(got, myia.grad(arranged, argnums=(0, 1))(x, m))
    check_grads(arranged, (x, m), backend="torch")


def probabilities(x, y):
    return (
        sp.logsumexp(x)
        + np.sum(sp.expit(x) * sp.logit(sp.expit(y)))
        + np.sum(sp.xlogy(np.abs(x), np.abs(y) + 0.5))
        + np.sum(sp.erf(x) + sp.erfc(y) + sp.ndtr(x))
    )


@pytest.mark.skipif(sp is None, reason="scipy is not installed")
def test_probability_functions_value_and_gradient():
    x, y = np.array([0.3, -0.7, 1.1]), np.array([0.5, 0.2, -0.4])
    assert_close(myia.jit(probabilities, backend="torch")(x, y), probabilities(x, y))
    got = myia.grad(probabilities, argnums=(0, 1), backend="torch")(x, y)
    assert_close_grad(got, myia.grad(probabilities, argnums=(0, 1))(x, y))


def strided(x, s):
    return np.sum(x[::s] ** 2 * np.arange(3.0)), x[1::s]


def test_slices_with_steps_known_when_the_code_runs():
    x = np.sin(np.arange(5.0))
    for s in (2, -2):
        assert_close(myia.jit(strided, backend="torch")(x, s), strided(x, s))
        got = myia.grad(lambda_free_strided, backend="torch")(x, s)
        assert_close_grad(got, myia.grad(lambda_free_strided)(x, s))


def lambda_free_strided(x, s):
    return strided(x, s)[0]


def stores_into_a_list_and_an_array(x, w):
    xs = [x * 0.5]
    xs[0] = np.tanh(x)
    u = w.copy()
    u[1] = xs[0] * 2.0
    return np.sum(np.sin(u * x)) + xs[0]


@settings(max_examples=15, deadline=None)
@given(x=st.floats(-2.0, 2.0))
def test_a_store_into_a_list_beside_one_into_an_array(x):
    # Random program 4588: the list's store (NumPy's `setitem` helper) and the array's
    # (the torch runtime's `setitem`) were one name in the module: the tensor went to
    # NumPy's, which made it an ndarray that torch.sin refused.
    w = np.array([0.3, -0.2, 0.7])
    fn = stores_into_a_list_and_an_array
    expected = fn(x, w)
    assert_close(myia.jit(fn, backend="torch")(x, w), myia.jit(fn)(x, w))
    assert math.isclose(myia.jit(fn, backend="torch")(x, w), expected, rel_tol=1e-12)
    # the second helper keeps the leading `_` of the generated module's helpers
    assert " as _setitem_2\n" in myia.source(myia.jit(fn, backend="torch"), x, w)
    grads = myia.grad(fn, argnums=(0, 1), backend="torch")(x, w)
    expected_grads = myia.grad(fn, argnums=(0, 1))(x, w)
    assert math.isclose(grads[0], expected_grads[0], rel_tol=1e-9, abs_tol=1e-12)
    assert np.allclose(grads[1], expected_grads[1], rtol=1e-9, atol=1e-12)
    check_grads(fn, (x, w))
