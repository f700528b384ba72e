"""The PyTorch backend under the transformations and with structured arguments: tensors
inside namedtuples, dicts and model objects (in and out), `device=` on `jvp`, `jacfwd`,
`jacrev`, `hessian` and `vmap`, Jacobians of tensors as tensors, and the refusal of a
device torch cannot reach. Each result is compared with the NumPy backend's (which the
other suites check against finite differences) and, for the Jacobians, with finite
differences directly."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import myia  # noqa: E402

Params = namedtuple("Params", "w b")


class Layer:
    def __init__(self, w, b):
        self.w = w
        self.b = b
        self.activation = np.tanh  # static: part of the signature, not a leaf


def loss(p, x):
    return np.sum(np.tanh(x @ p.w + p.b) ** 2)


def layer_loss(layer, x):
    return np.mean(layer.activation(x @ layer.w + layer.b) ** 2)


def arrays():
    rng = np.random.default_rng(0)
    return rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal((4, 3))


def tensor(a):
    return torch.tensor(a, dtype=torch.float64)


def test_namedtuple_of_tensors_gradient_is_a_namedtuple_of_tensors():
    w, b, x = arrays()
    g = myia.grad(loss, backend="torch")(Params(tensor(w), tensor(b)), tensor(x))
    expected = myia.grad(loss)(Params(w, b), x)
    assert type(g) is Params
    for got, want in zip(g, expected):
        assert isinstance(got, torch.Tensor)
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


def test_model_object_of_tensors_gradient_is_a_model_of_tensors():
    w, b, x = arrays()
    g = myia.grad(layer_loss, backend="torch")(Layer(tensor(w), tensor(b)), tensor(x))
    expected = myia.grad(layer_loss)(Layer(w, b), x)
    assert type(g) is Layer and g.activation is np.tanh
    np.testing.assert_allclose(g.w.numpy(), expected.w, rtol=1e-12)
    np.testing.assert_allclose(g.b.numpy(), expected.b, rtol=1e-12)


def test_dict_of_tensors_in_and_out():
    w, b, x = arrays()

    def f(d):
        return {"y": np.tanh(d["x"] @ d["w"]), "s": np.sum(d["w"])}

    got = myia.jit(f, backend="torch")({"x": tensor(x), "w": tensor(w)})
    want = f({"x": x, "w": w})
    assert list(got) == ["y", "s"]
    np.testing.assert_allclose(got["y"].numpy(), want["y"], rtol=1e-12)
    assert float(got["s"]) == pytest.approx(float(want["s"]), rel=1e-12)


def vector_fn(v):
    return np.sin(v) * v[0] + np.cumsum(v)


def central_jacobian(fn, v, h=1e-6):
    """J[i, j] = d fn(v)[i] / d v[j] by central differences."""
    cols = []
    for j in range(v.size):
        e = np.zeros_like(v)
        e[j] = h
        cols.append((fn(v + e) - fn(v - e)) / (2 * h))
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("jac", [myia.jacfwd, myia.jacrev], ids=["jacfwd", "jacrev"])
def test_jacobians_of_tensors_are_tensors_on_the_device(jac):
    v = np.array([0.3, -1.2, 2.0])
    got = jac(vector_fn, backend="torch", device="cpu")(tensor(v))
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
    assert str(got.device) == "cpu"
    numeric = central_jacobian(vector_fn, v)
    np.testing.assert_allclose(got.numpy(), numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got.numpy(), jac(vector_fn)(v), rtol=1e-12)


def test_jacobian_of_a_namedtuple_of_tensors_has_its_structure():
    w, b, _ = arrays()

    def f(p):
        return np.sum(p.w) * p.b

    got = myia.jacrev(f, backend="torch")(Params(tensor(w), tensor(b)))
    want = myia.jacfwd(f)(Params(w, b))
    assert type(got) is Params
    assert tuple(got.w.shape) == (2, 3, 2) and tuple(got.b.shape) == (2, 2)
    for g, e in zip(got, want):
        np.testing.assert_allclose(g.numpy(), e, rtol=1e-12)


def test_jacobian_of_numpy_arguments_on_torch_is_an_array():
    v = np.array([0.3, -1.2, 2.0])
    got = myia.jacfwd(vector_fn, backend="torch", device="cpu")(v)
    assert isinstance(got, np.ndarray)
    np.testing.assert_allclose(got, myia.jacfwd(vector_fn)(v), rtol=1e-12)


def test_hessian_and_vmap_take_a_device():
    v = np.array([0.3, -1.2, 2.0])

    def scalar(u):
        return np.sum(np.sin(u) * u)

    h = myia.hessian(scalar, backend="torch", device="cpu")(tensor(v))
    assert isinstance(h, torch.Tensor)
    np.testing.assert_allclose(h.numpy(), myia.hessian(scalar)(v), rtol=1e-12)
    xs = np.stack([v, 2 * v, -v])
    per_example = myia.vmap(myia.grad(scalar), backend="torch", device="cpu")(xs)
    assert isinstance(per_example, np.ndarray)
    np.testing.assert_allclose(
        per_example, np.stack([myia.grad(scalar)(x) for x in xs]), rtol=1e-12
    )


def test_jvp_of_tensors_gives_tensors():
    v = np.array([0.3, -1.2, 2.0])
    t = np.array([1.0, 0.5, -2.0])
    out, tan = myia.jvp(vector_fn, (tensor(v),), (tensor(t),), backend="torch")
    assert isinstance(out, torch.Tensor) and isinstance(tan, torch.Tensor)
    want_out, want_tan = myia.jvp(vector_fn, (v,), (t,))
    np.testing.assert_allclose(out.numpy(), want_out, rtol=1e-12)
    np.testing.assert_allclose(tan.numpy(), want_tan, rtol=1e-12)


@pytest.mark.skipif(torch.cuda.is_available(), reason="the machine has a CUDA device")
@pytest.mark.parametrize(
    "call",
    [
        lambda: myia.grad(loss, backend="torch", device="cuda")(Params(*arrays()[:2]), arrays()[2]),
        lambda: myia.vmap(np.sin, backend="torch", device="cuda")(np.ones((2, 3))),
        lambda: myia.jacrev(np.sin, backend="torch", device="cuda:0")(np.ones(2)),
    ],
    ids=["grad", "vmap", "jacrev"],
)
def test_cuda_without_a_cuda_device_is_a_clear_error(call):
    with pytest.raises(myia.MyiaBackendError, match="no CUDA device.*device='cpu'"):
        call()


def test_unknown_device_is_a_clear_error():
    with pytest.raises(myia.MyiaBackendError, match="not a torch device"):
        myia.jit(np.sin, backend="torch", device="gpu")(np.ones(2))
