"""Jacobians and Hessians of pytrees (`myia.jacfwd`, `myia.jacrev`, `myia.hessian`) and
`myia.vjp` without recomputation: the structure JAX gives (the output's outside, the
input's inside, leaves of shape out.shape + in.shape), against central differences of
the Python function taken element by element, jacfwd against jacrev, one compiled program
per Jacobian, and a forward pass that runs once however many times `f_vjp` is called."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia
from myia.errors import MyiaTypeError

SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EPS = 1e-6


def _leaf_paths(x, path=()):
    if isinstance(x, (tuple, list)):
        return [p for i, v in enumerate(x) for p in _leaf_paths(v, (*path, i))]
    if isinstance(x, dict):
        return [p for k, v in x.items() for p in _leaf_paths(v, (*path, k))]
    return [path]


def _get(x, path):
    for k in path:
        x = x[k]
    return x


def _set(x, path, value):
    if not path:
        return value
    k, rest = path[0], path[1:]
    if isinstance(x, dict):
        return {**x, k: _set(x[k], rest, value)}
    items = list(x)
    items[k] = _set(x[k], rest, value)
    return type(x)(items)


def _map(f, x):
    if isinstance(x, (tuple, list)):
        return type(x)(_map(f, v) for v in x)
    if isinstance(x, dict):
        return {k: _map(f, v) for k, v in x.items()}
    return f(x)


def fd_jacobian(fn, args, argnum):
    """The Jacobian of the Python function `fn` with respect to `args[argnum]` by central
    differences, one input element at a time, in JAX's structure."""
    x = args[argnum]
    out = fn(*args)
    per_leaf = {}
    for path in _leaf_paths(x):
        leaf = np.asarray(_get(x, path), np.float64)
        cols = []
        for j in range(leaf.size):
            step = np.zeros(leaf.size)
            step[j] = EPS
            sides = []
            for h in (step, -step):
                moved = leaf + h.reshape(leaf.shape)
                value = moved if isinstance(_get(x, path), np.ndarray) else float(moved)
                a = list(args)
                a[argnum] = _set(x, path, value)
                sides.append(fn(*a))
            cols.append(sides)
        per_leaf[path] = (leaf.shape, cols)

    def block(out_path):
        shape_y = np.shape(_get(out, out_path))

        def column_block(path):
            shape_x, cols = per_leaf[path]
            diffs = [
                (np.asarray(_get(hi, out_path)) - np.asarray(_get(lo, out_path))) / (2 * EPS)
                for hi, lo in cols
            ]
            m = np.stack(diffs, axis=-1) if diffs else np.zeros((*shape_y, 0))
            return m.reshape(shape_y + shape_x)

        return _rebuild_paths(x, column_block)

    return _rebuild_paths(out, block)


def _rebuild_paths(like, f, path=()):
    if isinstance(like, (tuple, list)):
        return type(like)(_rebuild_paths(v, f, (*path, i)) for i, v in enumerate(like))
    if isinstance(like, dict):
        return {k: _rebuild_paths(v, f, (*path, k)) for k, v in like.items()}
    return f(path)


def assert_tree_close(got, want, rtol=1e-6, atol=1e-7):
    assert type(got) is type(want) or not isinstance(want, (tuple, list, dict)), (got, want)
    if isinstance(want, (tuple, list)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_tree_close(g, w, rtol, atol)
    elif isinstance(want, dict):
        assert list(got) == list(want)
        for k in want:
            assert_tree_close(got[k], want[k], rtol, atol)
    else:
        assert np.shape(got) == np.shape(want), (np.shape(got), np.shape(want))
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


# Functions of pytrees ---------------------------------------------------------------------


def layer(params, x):
    h = np.tanh(params["w"] @ x + params["b"])
    return {"h": h, "stats": (np.sum(h * h), [h[0] * x[1], np.mean(params["w"])])}


def pair_fn(a, b):
    return (a[0] * b, np.sin(a[1]) * a[0])


def loss_of_dict(p):
    return np.sum(np.tanh(p["w"]) ** 2 * p["u"][0]) + p["s"] * np.sum(p["u"] ** 3)


def with_aux(x):
    y = np.exp(x) * x
    return y, {"mean": np.mean(y), "n": 3}


def scalar_with_aux(x):
    return np.sum(np.cos(x) * x), np.max(x)


def _params(seed):
    rng = np.random.default_rng(seed)
    return {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=3)}, rng.normal(size=2)


@SETTINGS
@given(seed=st.integers(0, 10**6))
def test_jacfwd_and_jacrev_of_pytrees_match_finite_differences(seed):
    params, x = _params(seed)
    for argnums in (0, 1):
        want = fd_jacobian(layer, (params, x), argnums)
        assert_tree_close(myia.jacrev(layer, argnums=argnums)(params, x), want, 1e-5, 1e-6)
        assert_tree_close(myia.jacfwd(layer, argnums=argnums)(params, x), want, 1e-5, 1e-6)


def test_the_structure_is_jaxs():
    params, x = _params(0)
    j = myia.jacrev(layer, argnums=(0, 1))(params, x)
    assert isinstance(j, dict) and list(j) == ["h", "stats"]
    h_params, h_x = j["h"]
    assert h_params["w"].shape == (3, 3, 2) and h_params["b"].shape == (3, 3)
    assert h_x.shape == (3, 2)
    total, (first, mean_w) = j["stats"]
    assert isinstance(j["stats"], tuple) and isinstance(j["stats"][1], list)
    assert total[0]["w"].shape == (3, 2) and total[1].shape == (2,)
    assert first[0]["b"].shape == (3,) and mean_w[0]["w"].shape == (3, 2)
    jf = myia.jacfwd(layer, argnums=(0, 1))(params, x)
    assert_tree_close(jf, j, 1e-10, 1e-12)


def test_tuple_argnums_of_floats_and_arrays():
    a, b = (np.array([0.3, -1.2]), 0.7), 1.5
    for argnums in ((0, 1), (1, 0), 1):
        jr = myia.jacrev(pair_fn, argnums=argnums)(a, b)
        jf = myia.jacfwd(pair_fn, argnums=argnums)(a, b)
        nums = (argnums,) if isinstance(argnums, int) else argnums
        want = tuple(fd_jacobian(pair_fn, (a, b), k) for k in nums)
        if isinstance(argnums, int):
            want = want[0]
        else:  # the output's structure outside, a tuple over argnums inside
            want = tuple(tuple(w[i] for w in want) for i in range(2))
        assert_tree_close(jr, want, 1e-6, 1e-7)
        assert_tree_close(jf, want, 1e-6, 1e-7)
    assert myia.jacrev(pair_fn, argnums=1)(a, b)[0].shape == (2,)


def test_has_aux_returns_the_jacobian_and_the_aux():
    x = np.array([0.2, -0.5, 1.1])
    for jac in (myia.jacrev, myia.jacfwd):
        j, aux = jac(with_aux, has_aux=True)(x)
        np.testing.assert_allclose(j, np.diag(np.exp(x) * (1 + x)), rtol=1e-12)
        assert aux["n"] == 3 and aux["mean"] == pytest.approx(np.mean(np.exp(x) * x))
    h, aux = myia.hessian(scalar_with_aux, has_aux=True)(x)
    np.testing.assert_allclose(h, np.diag(-2 * np.sin(x) - x * np.cos(x)), atol=1e-12)
    assert aux == pytest.approx(1.1)


def test_hessian_of_a_function_of_a_dict_of_arrays():
    rng = np.random.default_rng(3)
    p = {"w": rng.normal(size=(2, 2)), "u": rng.normal(size=3), "s": 0.4}
    h = myia.hessian(loss_of_dict)(p)
    assert list(h) == ["w", "u", "s"] and all(list(h[k]) == ["w", "u", "s"] for k in h)
    assert h["w"]["u"].shape == (2, 2, 3) and h["u"]["s"].shape == (3,)
    assert np.shape(h["s"]["s"]) == ()
    grad = myia.grad(loss_of_dict)
    want = fd_jacobian(lambda q: grad(q), (p,), 0)  # of the exact gradient
    assert_tree_close(h, want, 1e-5, 1e-6)
    assert_tree_close(myia.jacrev(grad)(p), h, 1e-10, 1e-12)  # symmetric Hessian


def test_one_compiled_program_computes_every_row():
    params, x = _params(1)
    jac = myia.jacrev(layer)
    jac(params, x)
    jac(params, x)
    from myia.transforms import JacobianFunction

    compiled = JacobianFunction(layer, "rev", (0,), False)
    assert len(compiled.cache) == 1  # one program for the signature, however many rows
    code = [line.split("#")[0] for line in myia.source(compiled, params, x).splitlines()]
    loop = next(k for k, line in enumerate(code) if "for i in range(6)" in line)
    assert sum("np.tanh(" in line for line in code) == 1  # the forward pass, once
    assert not any("np.tanh(" in line for line in code[loop:])


def test_an_empty_output_gives_an_empty_jacobian():
    x = np.array([1.0, 2.0])
    for jac in (myia.jacrev, myia.jacfwd):
        assert jac(_first_none)(x).shape == (0, 2)


def _first_none(x):
    return x[:0] * 2.0


def test_jacobians_refuse_ints():
    with pytest.raises(MyiaTypeError, match="differentiate with respect to argument 0"):
        myia.jacrev(pair_fn)((np.ones(2), 3), 1.0)
    with pytest.raises(MyiaTypeError, match="Jacobian is of floats"):
        myia.jacfwd(_int_output)(1.0)


def _int_output(x):
    return (x * 2.0, 3)


# vjp: the forward pass once ---------------------------------------------------------------


def exp_model(p, x):
    return {"y": np.exp(p["w"] * x), "z": (np.sum(np.exp(p["w"])), p["b"] * x)}


def test_vjp_runs_the_forward_pass_once(monkeypatch):
    calls = []
    real_exp = np.exp

    def counting_exp(*a, **k):
        calls.append(1)
        return real_exp(*a, **k)

    p, x = {"w": np.array([0.1, 0.2, -0.3]), "b": 0.5}, 1.3
    want_out = exp_model(p, x)
    myia.vjp(exp_model, p, x)  # compiled with NumPy's exp, which the code reads when it runs
    monkeypatch.setattr(np, "exp", counting_exp)
    out, f_vjp = myia.vjp(exp_model, p, x)
    forward_calls = len(calls)
    assert forward_calls >= 1
    ct = {"y": np.array([1.0, -2.0, 0.5]), "z": (np.float64(0.7), -1.1)}
    first = f_vjp(ct)
    second = f_vjp(ct)
    assert len(calls) == forward_calls  # the backward passes read the saved exponentials
    monkeypatch.setattr(np, "exp", real_exp)
    assert_tree_close(out, want_out, 1e-14, 0)
    assert_tree_close(first, second, 0, 0)
    # against central differences: <ct, J dx> for each input
    for k in (0, 1):
        jac = fd_jacobian(exp_model, (p, x), k)
        want = _contract(ct, jac, (p, x)[k])
        assert_tree_close(first[k], want, 1e-6, 1e-7)


def _contract(ct, jac, like):
    """sum over the output's leaves of <ct leaf, J[leaf]> (the cotangent of the input)."""
    total = None
    for path in _leaf_paths(ct):
        c = np.asarray(_get(ct, path))
        block = _get(jac, path)
        part = _map(lambda j, c=c: np.tensordot(c, j, axes=c.ndim), block)
        total = part if total is None else _zip_add(total, part)
    return _map(lambda v: v, total) if isinstance(like, dict) else float(total)


def _zip_add(a, b):
    if isinstance(a, dict):
        return {k: _zip_add(a[k], b[k]) for k in a}
    return a + b


def test_vjp_takes_pytree_cotangents_of_the_output_type():
    p, x = {"w": np.array([0.1, 0.2, -0.3]), "b": 0.5}, 1.3
    _, f_vjp = myia.vjp(exp_model, p, x)
    ct = {"y": np.ones(3), "z": (1.0, 1.0)}  # a Python float for a NumPy float: accepted
    (dp, dx) = f_vjp(ct)
    assert isinstance(dp, dict) and dp["w"].shape == (3,) and isinstance(dx, float)
    with pytest.raises(MyiaTypeError, match="structure, shape and dtype of the output"):
        f_vjp({"y": np.ones(2), "z": (1.0, 1.0)})
    with pytest.raises(MyiaTypeError, match="structure, shape and dtype of the output"):
        f_vjp({"y": np.ones(3)})


# Python floats: tangents follow NumPy's float64 arithmetic where the program wrote np.* -----


def np_ratio(x, y):
    return np.divide(x, y)


def py_ratio(x, y):
    return x / y


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_python_float_tangents_follow_numpy_float64():
    with np.errstate(divide="ignore", invalid="ignore"):
        cts = myia.vjp(np.arctan2, 0.0, 0.0)[1](1.0)
        want = (np.float64(0.0) / np.float64(0.0),) * 2  # y / (x^2 + y^2), as NumPy computes it
        assert all(np.isnan(c) and np.isnan(w) for c, w in zip(cts, want))
        assert all(type(c) is float for c in cts)
        _, t = myia.jvp(np.arctan2, (0.0, 0.0), (1.0, 1.0))
        assert np.isnan(t)
        assert myia.jit(np_ratio)(1.0, 0.0) == np.divide(1.0, 0.0) == np.inf
        out, t = myia.jvp(np_ratio, (1.0, 0.0), (1.0, 1.0))
        assert out == np.inf and not np.isfinite(t)
        assert myia.vjp(np_ratio, 1.0, 0.0)[1](1.0) == (np.inf, -np.inf)
        assert myia.jacrev(np_ratio)(1.0, 0.0) == np.inf
        # `/` on Python floats is Python's division, in the primal and in its derivatives
        for run in (
            lambda: myia.jit(py_ratio)(1.0, 0.0),
            lambda: myia.jvp(py_ratio, (1.0, 0.0), (1.0, 1.0)),
            lambda: myia.vjp(py_ratio, 1.0, 0.0),
        ):
            with pytest.raises(ZeroDivisionError):
                run()
        one, zero = np.float64(1.0), np.float64(0.0)
        out, t = myia.jvp(py_ratio, (one, zero), (one, one))
        assert out == one / zero and not np.isfinite(t)


# Zero tangents passed to a call cost nothing ----------------------------------------------

DATA = np.linspace(-1.0, 1.0, 12).reshape(4, 3)


def dense_loss(w, x):
    return np.sum(np.tanh(x @ w) ** 2)


def loss_on_data(w):
    return dense_loss(w, DATA)


def test_a_zero_tangent_passed_to_a_call_is_not_computed():
    from myia.transforms import TangentFunction

    w, t = np.array([[0.5, -0.2], [0.1, 0.3], [-0.4, 0.2]]), np.ones((3, 2))
    code = myia.source(TangentFunction(loss_on_data), w, t)
    code = "\n".join(line.split("#")[0] for line in code.splitlines())
    assert "np.zeros" not in code and code.count("@") == 2, code  # x @ w, x @ t_w
    _, tangent = myia.jvp(loss_on_data, (w,), (t,))
    jac = fd_jacobian(loss_on_data, (w,), 0)
    assert tangent == pytest.approx(float(np.sum(jac * t)), rel=1e-6)


def cube_loss(x):
    return np.sum(np.tanh(x) ** 2 * x)


def grad_cube_loss(x):
    return myia.grad(cube_loss)(x)


def hvp_inside(x, v):
    return myia.jvp(grad_cube_loss, (x,), (v,))[1]


def test_a_program_with_gradients_inside_is_optimized_as_a_gradient():
    x, v = np.array([0.3, -1.2, 0.8]), np.array([1.0, 0.5, -2.0])
    code = "\n".join(
        line.split("#")[0] for line in myia.source(myia.jit(hvp_inside), x, v).splitlines()
    )
    assert "0.0 *" not in code and "* 0.0" not in code, code  # no zero tangents left
    t, s = np.tanh(x), 1.0 - np.tanh(x) ** 2
    want = (4.0 * t * s + (2.0 * s * s - 4.0 * t * t * s) * x) * v  # the closed form
    np.testing.assert_allclose(myia.jit(hvp_inside)(x, v), want, rtol=1e-12)


def cube_sum(x):
    return np.sum(np.sin(x) * x**2)


def test_jit_of_a_jacobian_or_a_hessian_is_that_function():
    # `jacfwd`, `jacrev` and `hessian` return compiled functions: `myia.jit` of one is it
    # (it parsed the function's source and refused its keyword-only parameters).
    x = np.array([0.3, -0.7, 1.1])
    for make in (myia.jacfwd, myia.jacrev, myia.hessian):
        j = make(cube_sum)
        assert myia.jit(j) is j
    h = myia.jit(myia.hessian(cube_sum))(x)
    closed = np.diag((2.0 - x**2) * np.sin(x) + 4.0 * x * np.cos(x))
    np.testing.assert_allclose(h, closed, rtol=1e-12, atol=1e-12)


def hessian_inside(x):
    return np.sum(myia.hessian(cube_sum)(x))


def test_a_jacobian_called_inside_compiled_code_is_refused_at_the_line():
    with pytest.raises(myia.MyiaNameError, match=r"`myia.hessian` cannot be called inside") as e:
        myia.jit(hessian_inside)(np.ones(2))
    assert "test_jacobians.py" in str(e.value)
    assert "myia.jit(myia.hessian(f))" in str(e.value)
