"""Namedtuples and model objects (plain classes, dataclasses) as values of compiled code:
attribute reads, construction, methods, and gradients and tangents with their structure,
checked against central finite differences over the tree's leaves."""

from __future__ import annotations

import dataclasses
import typing
from collections import namedtuple

import numpy as np
import pytest

import myia

P = namedtuple("P", "w b")


class TP(typing.NamedTuple):
    w: np.ndarray
    b: float = 0.0


def ravel(tree):
    """The float leaves of `tree` as one vector, and the function rebuilding a tree."""
    leaves = myia.tree_leaves(tree)
    sizes = [np.size(x) for x in leaves]

    def unravel(v):
        parts = iter(np.split(np.asarray(v, float), np.cumsum(sizes)[:-1]))
        return myia.tree_map(
            lambda x: (
                float(next(parts)[0]) if np.ndim(x) == 0 else next(parts).reshape(np.shape(x))
            ),
            tree,
        )

    return np.concatenate([np.ravel(x).astype(float) for x in leaves]), unravel


def fd_grad(fn, args, argnum, eps=1e-6):
    """Central differences of `fn` with respect to the tree `args[argnum]`."""
    v, unravel = ravel(args[argnum])
    out = np.zeros_like(v)
    for i in range(v.size):
        e = np.zeros_like(v)
        e[i] = eps
        hi = list(args)
        lo = list(args)
        hi[argnum], lo[argnum] = unravel(v + e), unravel(v - e)
        out[i] = (float(fn(*hi)) - float(fn(*lo))) / (2 * eps)
    return unravel(out)


def assert_tree_close(got, expected, rtol=1e-6, atol=1e-8):
    assert type(got) is type(expected), (type(got), type(expected))
    a, b = myia.tree_leaves(got), myia.tree_leaves(expected)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)


RNG = np.random.default_rng(0)


# Namedtuples -------------------------------------------------------------------------------


def affine(p, x):
    return np.sum(np.tanh(p.w @ x + p.b) ** 2)


def unpacked(p, x):
    w, b = p
    return np.sum(p[0] * x) * b + len(p) * np.sum(w)


@pytest.mark.parametrize("cls", [P, TP])
@pytest.mark.parametrize("fn", [affine, unpacked])
def test_namedtuple_gradient_is_the_namedtuple(cls, fn):
    p = cls(RNG.normal(size=(2, 3)), 0.3)
    x = RNG.normal(size=3)
    np.testing.assert_allclose(myia.jit(fn)(p, x), fn(p, x))
    g = myia.grad(fn)(p, x)
    assert type(g) is cls
    assert_tree_close(g, fd_grad(fn, (p, x), 0), rtol=1e-5, atol=1e-7)


def build(x):
    p = P(x * 2.0, b=np.sin(x))
    return p


def test_namedtuple_built_and_returned():
    assert myia.jit(build)(0.5) == build(0.5)
    assert type(myia.jit(build)(0.5)) is P
    assert myia.jit(lambda x: TP(np.ones(2) * x))(2.0).b == 0.0
    g = myia.grad(lambda x: build(x).w * build(x).b)(0.5)
    np.testing.assert_allclose(g, 2 * np.sin(0.5) + 2 * 0.5 * np.cos(0.5))


def test_namedtuple_second_order_and_forward_mode():
    def f(p):
        return p.w**3 * p.b

    p = P(2.0, 1.5)
    # d/dw of (d f / d w) = 6 w b; d/db of it = 3 w^2
    h = myia.grad(lambda q: myia.grad(f)(q).w)(p)
    assert type(h) is P
    np.testing.assert_allclose(h, (6 * 2.0 * 1.5, 3 * 4.0))
    out, t = myia.jvp(f, (p,), (P(1.0, 0.0),))
    np.testing.assert_allclose((out, t), (12.0, 3 * 4.0 * 1.5))
    out, t = myia.jvp(lambda q: P(q.w * 2.0, q.b), (p,), (P(1.0, 1.0),))
    assert type(out) is P and type(t) is P
    assert t == P(2.0, 1.0)
    g, hvp = myia.jvp(myia.grad(f), (p,), (P(1.0, 0.0),))  # a Hessian-vector product
    assert type(g) is P and type(hvp) is P
    np.testing.assert_allclose(hvp, (6 * 2.0 * 1.5, 3 * 4.0))
    out, f_vjp = myia.vjp(f, p)
    (ct,) = f_vjp(1.0)
    assert type(ct) is P
    assert_tree_close(ct, myia.grad(f)(p))


# Model objects -----------------------------------------------------------------------------


class Linear:
    def __init__(self, n_in, n_out, rng):
        self.w = rng.normal(size=(n_out, n_in))
        self.b = np.zeros(n_out)
        self.name = "linear"

    def __call__(self, x):
        return self.w @ x + self.b


class MLP:
    def __init__(self, rng):
        self.layers = [Linear(3, 4, rng), Linear(4, 1, rng)]
        self.hidden = Linear(3, 4, rng)
        self.out = Linear(4, 1, rng)
        self.scale = 0.5
        self.depth = 2

    def predict(self, x):
        h = np.tanh(self.hidden(x))
        return self.out(h) * self.scale * self.depth

    def loss(self, x, y):
        return np.sum((self.predict(x) - y) ** 2)


@dataclasses.dataclass(frozen=True)
class Poly:
    coefs: np.ndarray
    offset: float
    degree: int

    def value(self, x):
        return np.sum(self.coefs[: self.degree] * x ** np.arange(self.degree)) + self.offset


def test_bound_method_gradient_is_a_model():
    m = MLP(np.random.default_rng(1))
    x, y = RNG.normal(size=3), np.array([0.3])
    np.testing.assert_allclose(myia.jit(m.loss)(x, y), m.loss(x, y))
    g = myia.grad(m.loss)(x, y)  # argument 0 of a bound method is `self`
    assert type(g) is MLP and type(g.hidden) is Linear
    assert g.depth == 2 and g.hidden.name == "linear"  # static attributes are kept
    expected = fd_grad(MLP.loss, (m, x, y), 0)
    assert_tree_close(g, expected, rtol=1e-5, atol=1e-7)
    assert_tree_close(myia.grad(MLP.loss)(m, x, y), g)
    gx = myia.grad(m.loss, argnums=1)(x, y)
    np.testing.assert_allclose(gx, fd_grad(MLP.loss, (m, x, y), 1), rtol=1e-5, atol=1e-7)


def test_dataclass_model_and_static_signature():
    p = Poly(np.array([1.0, -2.0, 0.5]), 0.25, 3)
    g = myia.grad(Poly.value)(p, 1.5)
    assert type(g) is Poly and g.degree == 3
    assert_tree_close(g, fd_grad(Poly.value, (p, 1.5), 0))
    f = myia.jit(Poly.value)
    assert f(p, 2.0) == pytest.approx(p.value(2.0))
    q = dataclasses.replace(p, degree=2)  # a static attribute: another compiled program
    assert f(q, 2.0) == pytest.approx(q.value(2.0))
    assert f.compilations == 2


def test_tree_map_sgd_on_a_model():
    m = MLP(np.random.default_rng(2))
    x, y = RNG.normal(size=3), np.array([1.0])
    loss = myia.value_and_grad(MLP.loss)
    first, _ = loss(m, x, y)
    for _ in range(20):
        _, g = loss(m, x, y)
        m = myia.tree_map(lambda p, d: p - 0.05 * d, m, g)
    assert type(m) is MLP and loss(m, x, y)[0] < first / 2


def test_mutating_self_is_refused():
    class Bad:
        def __init__(self):
            self.w = 1.0

        def step(self, x):
            self.w = self.w + x
            return self.w

    with pytest.raises(myia.MyiaSyntaxError, match="assignment to an attribute"):
        myia.jit(Bad().step)(1.0)


def test_unknown_attribute_and_method_are_refused():
    def f(p):
        return p.z

    with pytest.raises(myia.MyiaTypeError, match="`P` object has no attribute `z`"):
        myia.jit(f)(P(1.0, 2.0))
    with pytest.raises(myia.MyiaTypeError, match="no method `frobnicate`"):
        myia.jit(lambda m: m.frobnicate(1.0))(Linear(2, 2, RNG))


@dataclasses.dataclass
class Affine:
    w: np.ndarray
    b: float
    n: int = 2

    def __call__(self, x):
        return np.sum(self.w * x) * self.n + self.b


def apply_twice(model, x):
    return model(x) * model(x * 0.5)


def test_calling_a_model_and_forward_mode_with_models():
    m = Affine(np.array([1.0, 2.0]), 0.5)
    x = np.array([0.3, -0.4])
    g = myia.grad(apply_twice)(m, x)
    assert type(g) is Affine and g.n == 2
    assert_tree_close(g, fd_grad(apply_twice, (m, x), 0), rtol=1e-5, atol=1e-7)
    t = Affine(np.array([1.0, -1.0]), 2.0)
    out, tan = myia.jvp(apply_twice, (m, x), (t, np.zeros(2)))
    eps = 1e-6
    up = apply_twice(myia.tree_map(lambda p, d: p + eps * d, m, t), x)
    down = apply_twice(myia.tree_map(lambda p, d: p - eps * d, m, t), x)
    assert out == pytest.approx(apply_twice(m, x))
    assert tan == pytest.approx((up - down) / (2 * eps), rel=1e-6)
    out, f_vjp = myia.vjp(apply_twice, m, x)
    ct_m, ct_x = f_vjp(1.0)
    assert type(ct_m) is Affine
    assert_tree_close(ct_m, g)
    _, same = myia.jvp(lambda q: q, (m,), (t,))
    assert type(same) is Affine and same.n == 2


def test_making_a_model_in_compiled_code_is_refused():
    with pytest.raises(myia.MyiaTypeError, match="making an object of the class `Affine`"):
        myia.jit(lambda w: Affine(w, 0.0)(w))(np.ones(2))


def test_namedtuple_replace():
    def f(p, x):
        q = p._replace(b=p.b * x)
        return q.w * q.b

    p = P(2.0, 3.0)
    assert myia.jit(lambda p: p._replace(w=1.0))(p) == P(1.0, 3.0)
    g = myia.grad(f)(p, 0.5)
    assert type(g) is P
    assert_tree_close(g, fd_grad(f, (p, 0.5), 0))
    with pytest.raises(myia.MyiaTypeError, match="unknown field `z`"):
        myia.jit(lambda p: p._replace(z=1.0))(p)


@pytest.mark.parametrize("optimize", [True, False])
def test_reference_evaluator_and_unoptimized_programs_agree(optimize):
    m = MLP(np.random.default_rng(3))
    x, y = RNG.normal(size=3), np.array([0.2])
    expected = myia.grad(MLP.loss)(m, x, y)
    got = myia.grad(MLP.loss, backend="vm", optimize=optimize)(m, x, y)
    assert_tree_close(got, expected, rtol=1e-10, atol=1e-12)
    out = myia.jit(lambda q: TP(q.w * 2.0, q.b), backend="vm", optimize=optimize)(TP(np.ones(2)))
    assert type(out) is TP and out.b == 0.0
    np.testing.assert_array_equal(out.w, [2.0, 2.0])


class Scaled(typing.NamedTuple):
    w: np.ndarray
    s: float

    def value(self, x):
        return np.sum(self.w * x) * self.s

    @staticmethod
    def helper(x):
        return x


def test_methods_of_a_namedtuple_and_static_methods_refused():
    p = Scaled(np.array([1.0, 2.0]), 3.0)
    g = myia.grad(lambda q, x: q.value(x))(p, np.ones(2))
    assert type(g) is Scaled
    assert_tree_close(g, Scaled(np.array([3.0, 3.0]), 3.0))
    with pytest.raises(myia.MyiaTypeError, match="static or class method"):
        myia.jit(lambda q: q.helper(1.0))(p)


class Activated:
    def __init__(self, w, activation, scale_fn):
        self.w = w
        self.activation = activation
        self.scale_fn = scale_fn

    def loss(self, x):
        return np.sum(self.scale_fn(self.activation(self.w * x)))


def halve(v):
    return v * 0.5


def test_functions_in_attributes_are_static():
    m = Activated(np.array([0.5, -1.0]), np.tanh, halve)
    x = np.array([1.0, 2.0])
    g = myia.grad(m.loss)(x)
    assert g.activation is np.tanh and g.scale_fn is halve
    assert_tree_close(g, fd_grad(Activated.loss, (m, x), 0))
    f = myia.jit(Activated.loss)
    assert f(m, x) == pytest.approx(m.loss(x))
    other = Activated(m.w, np.sin, halve)
    assert f(other, x) == pytest.approx(other.loss(x))
    assert f.compilations == 2


class Stack:
    def __init__(self, rng):
        self.layers = [Linear(3, 4, rng), Linear(4, 4, rng), Linear(4, 1, rng)]

    def loss(self, x):
        for layer in self.layers:
            x = np.tanh(layer(x))
        return np.sum(x**2)


def test_a_loop_over_a_list_of_layers():
    m = Stack(np.random.default_rng(4))
    x = RNG.normal(size=3)
    g = myia.grad(m.loss)(x)
    assert [type(layer) for layer in g.layers] == [Linear] * 3
    assert_tree_close(g, fd_grad(Stack.loss, (m, x), 0), rtol=1e-5, atol=1e-7)


def test_gradient_with_respect_to_an_int_field_names_it():
    with pytest.raises(myia.MyiaTypeError, match=r"argument 0 \(`p`\)\.b, which is an int"):
        myia.grad(lambda p: p.w * 2.0)(P(1.0, 3))


def test_a_function_attribute_read_as_a_value_is_refused():
    def loss(m, x):
        act = m.activation
        return np.sum(act(x))

    with pytest.raises(myia.MyiaTypeError, match=r"call it where it is read"):
        myia.jit(loss)(Activated(np.ones(2), np.tanh, halve), np.ones(2))
