"""Benchmark workloads: inputs, hand-written NumPy adjoints and finite-difference checks.

Each `Workload` names a function of `benchmarks/myia_workloads.py` (the code myia compiles)
and carries everything the runner needs besides myia: how to build its inputs, the
hand-written reverse-mode gradient that serves as the baseline, and the NumPy function
whose gradient that baseline computes (checked against central finite differences before
anything is timed).

The hand-written adjoints are the straightforward reverse sweep of the same program (the
same operations, run backwards), not algebraic shortcuts: `recursive_pow` is differentiated
as the loop a person would write, not as n * x**(n - 1), and the RNN accumulates its
weight gradients step by step. `hessian_vec` is the exception asked for by its definition:
the baseline is the analytic Hessian-vector product.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchmarks import myia_workloads as mw

# -- hand-written adjoints ---------------------------------------------------------------------


def scalar_poly_grad(x):
    """Reverse sweep of the 50 steps of `scalar_poly`: d/dx."""
    xs = []
    for _ in range(50):
        xs.append(x)
        x = x * 0.9 + math.sin(x) * 0.1
    dx = 1.0
    for xi in reversed(xs):
        dx = dx * (0.9 + 0.1 * math.cos(xi))
    return dx


def mlp_grad(W1, b1, W2, b2, X, Y):
    """(dW1, db1, dW2, db2) of `mlp_loss`."""
    h = np.tanh(X @ W1 + b1)
    err = h @ W2 + b2 - Y
    dout = err * (2.0 / err.size)
    dW2 = h.T @ dout
    db2 = dout.sum(axis=0)
    dz = (dout @ W2.T) * (1.0 - h * h)
    dW1 = X.T @ dz
    db1 = dz.sum(axis=0)
    return dW1, db1, dW2, db2


def rnn_grad(Wx, Wh, b, xs, h0):
    """(dWx, dWh, db) of `rnn_loss` by backpropagation through time."""
    hs = [h0]
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
        hs.append(h)
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros_like(b)
    dh = 2.0 * h
    for t in range(xs.shape[0] - 1, -1, -1):
        dz = dh * (1.0 - hs[t + 1] * hs[t + 1])
        dWx += xs[t].T @ dz
        dWh += hs[t].T @ dz
        db += dz.sum(axis=0)
        dh = dz @ Wh.T
    return dWx, dWh, db


def recursive_pow_grad(x, n):
    """d/dx of `recursive_pow`: the adjoint of p_k = x * p_(k-1), p_0 = 1, as two loops."""
    ps = [1.0]
    for _ in range(n):
        ps.append(x * ps[-1])
    dx = 0.0
    dp = 1.0
    for k in range(n, 0, -1):
        dx += dp * ps[k - 1]
        dp *= x
    return dx


def hvp_f_grad(x):
    """Analytic gradient of `hvp_f(x) = sum(tanh(x)**2 * x)`."""
    t = np.tanh(x)
    s = 1.0 - t * t
    return 2.0 * t * s * x + t * t


def hvp_grad(x, v):
    """Analytic H(x) v of `hvp_f` (its Hessian is diagonal)."""
    t = np.tanh(x)
    s = 1.0 - t * t
    return (2.0 * s * (s - 2.0 * t * t) * x + 4.0 * t * s) * v


def hvp_objective(x, v):
    """<grad hvp_f(x), v> in plain NumPy: its gradient is H(x) v."""
    return np.sum(hvp_f_grad(x) * v)


def logsumexp_softmax_grad(W, X, Y):
    """d/dW of `logsumexp_softmax`: X^T (softmax(XW) - Y) / rows."""
    Z = X @ W
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return X.T @ ((p - Y) / Z.shape[0])


# -- inputs ------------------------------------------------------------------------------------


def _scalar_poly_args(rng):
    return (0.7,)


def _mlp_args(rng):
    X = rng.standard_normal((64, 784))
    Y = rng.standard_normal((64, 10))
    W1 = rng.standard_normal((784, 256)) / np.sqrt(784)
    b1 = 0.1 * rng.standard_normal(256)
    W2 = rng.standard_normal((256, 10)) / np.sqrt(256)
    b2 = 0.1 * rng.standard_normal(10)
    return (W1, b1, W2, b2, X, Y)


def _rnn_args(rng):
    Wx = rng.standard_normal((32, 128)) / np.sqrt(32)
    Wh = rng.standard_normal((128, 128)) * (0.9 / np.sqrt(128))
    b = 0.1 * rng.standard_normal(128)
    xs = rng.standard_normal((50, 16, 32))
    h0 = np.zeros((16, 128))
    return (Wx, Wh, b, xs, h0)


def _recursive_pow_args(rng):
    return (1.05, 20)


def _hvp_args(rng):
    return (rng.standard_normal(1000), rng.standard_normal(1000))


def _logsumexp_args(rng):
    X = rng.standard_normal((512, 100))
    W = rng.standard_normal((100, 10)) / np.sqrt(100)
    Y = np.eye(10)[rng.integers(0, 10, size=512)]
    return (W, X, Y)


# -- finite differences ------------------------------------------------------------------------


def _leaves(tree) -> list:
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _leaves(item)]
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in _leaves(tree[k])]
    return [tree]


def fd_check(objective, args, argnums, grads, rng, *, eps=1e-6, rtol=1e-5, label=""):
    """Compare `grads` (of `objective` w.r.t. `args[argnums]`) with central differences.

    For each differentiated argument: the directional derivative along the gradient itself,
    along 2 random unit directions, and along the coordinates of the largest gradient entry
    and 3 random entries. A check passes when |fd - <g, d>| <= rtol * |g| |d| + 1e-10.
    Returns the worst error relative to |g| |d|; raises AssertionError on failure.
    """
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    glist = (grads,) if isinstance(argnums, int) else tuple(grads)
    worst = 0.0
    for i, g in zip(nums, glist):
        x = args[i]
        g = np.asarray(g, dtype=np.float64)
        if np.ndim(x) == 0:
            dirs = [np.float64(1.0)]
        else:
            x = np.asarray(x, dtype=np.float64)
            dirs = []
            gn = np.linalg.norm(g)
            if gn > 0:
                dirs.append(g / gn)
            for _ in range(2):
                d = rng.standard_normal(x.shape)
                dirs.append(d / np.linalg.norm(d))
            flat = [int(np.argmax(np.abs(g)))] + [int(k) for k in rng.integers(0, x.size, 3)]
            for k in flat:
                d = np.zeros(x.size)
                d[k] = 1.0
                dirs.append(d.reshape(x.shape))
        for d in dirs:
            plus = list(args)
            minus = list(args)
            if np.ndim(args[i]) == 0:
                plus[i] = float(args[i]) + eps * float(d)
                minus[i] = float(args[i]) - eps * float(d)
            else:
                plus[i] = x + eps * d
                minus[i] = x - eps * d
            fd = (float(objective(*plus)) - float(objective(*minus))) / (2 * eps)
            an = float(np.sum(g * d))
            scale = float(np.linalg.norm(g) * np.linalg.norm(d))
            err = abs(fd - an)
            if err > rtol * scale + 1e-10:
                raise AssertionError(
                    f"{label}: hand-written gradient of argument {i} disagrees with finite "
                    f"differences: <g, d> = {an!r}, fd = {fd!r} (|g||d| = {scale:.3g})"
                )
            worst = max(worst, err / scale if scale else err)
    return worst


# -- the workloads -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """One benchmark: `fn` and `forward` are names of functions of `myia_workloads`."""

    name: str
    description: str
    sizes: dict
    fn: str  # differentiated with myia.grad(fn, argnums=argnums)
    argnums: int | tuple
    forward: str  # timed with myia.jit(forward) and as plain Python/NumPy
    make_args: Callable[[np.random.Generator], tuple]
    handwritten: Callable[..., Any]  # same arguments as fn, returns the gradient
    objective: Callable[..., float]  # NumPy function whose gradient `handwritten` computes
    forward_args: Callable[[tuple], tuple] = lambda args: args
    extra_checks: list = field(default_factory=list)  # callables (args, rng) -> worst error

    def check_handwritten(self, args, rng) -> float:
        """Finite-difference check of the hand-written baseline; returns the worst error."""
        worst = fd_check(
            self.objective, args, self.argnums, self.handwritten(*args), rng, label=self.name
        )
        for check in self.extra_checks:
            worst = max(worst, check(args, rng))
        return worst


def _hvp_gradient_check(args, rng):
    x = args[0]
    return fd_check(mw.hvp_f, (x,), 0, hvp_f_grad(x), rng, label="hessian_vec (gradient of f)")


WORKLOADS: list[Workload] = [
    Workload(
        name="scalar_poly",
        description="50-step loop x = 0.9 x + 0.1 sin(x) on a Python float, d/dx",
        sizes={"steps": 50},
        fn="scalar_poly",
        argnums=0,
        forward="scalar_poly",
        make_args=_scalar_poly_args,
        handwritten=scalar_poly_grad,
        objective=mw.scalar_poly,
    ),
    Workload(
        name="mlp",
        description="MSE of tanh(X W1 + b1) W2 + b2 vs Y, d/d(W1, b1, W2, b2)",
        sizes={"batch": 64, "inputs": 784, "hidden": 256, "outputs": 10, "dtype": "float64"},
        fn="mlp_loss",
        argnums=(0, 1, 2, 3),
        forward="mlp_loss",
        make_args=_mlp_args,
        handwritten=mlp_grad,
        objective=mw.mlp_loss,
    ),
    Workload(
        name="rnn",
        description="tanh RNN over 50 steps (Python loop), loss sum(h_T**2), d/d(Wx, Wh, b)",
        sizes={"steps": 50, "batch": 16, "inputs": 32, "hidden": 128, "dtype": "float64"},
        fn="rnn_loss",
        argnums=(0, 1, 2),
        forward="rnn_loss",
        make_args=_rnn_args,
        handwritten=rnn_grad,
        objective=mw.rnn_loss,
    ),
    Workload(
        name="recursive_pow",
        description="pow(x, n) = 1.0 if n == 0 else x * pow(x, n - 1), n = 20, d/dx",
        sizes={"n": 20},
        fn="recursive_pow",
        argnums=0,
        forward="recursive_pow",
        make_args=_recursive_pow_args,
        handwritten=recursive_pow_grad,
        objective=mw.recursive_pow,
    ),
    Workload(
        name="hessian_vec",
        description="H(x) v of f(x) = sum(tanh(x)**2 * x) by grad of <grad f, v>",
        sizes={"n": 1000, "dtype": "float64"},
        fn="hvp",
        argnums=0,
        forward="hvp_f",
        make_args=_hvp_args,
        handwritten=hvp_grad,
        objective=hvp_objective,
        forward_args=lambda args: args[:1],
        extra_checks=[_hvp_gradient_check],
    ),
    Workload(
        name="logsumexp_softmax",
        description="mean_rows(logsumexp(X W) - <X W, Y>), Y one-hot, d/dW",
        sizes={"rows": 512, "features": 100, "classes": 10, "dtype": "float64"},
        fn="logsumexp_softmax",
        argnums=0,
        forward="logsumexp_softmax",
        make_args=_logsumexp_args,
        handwritten=logsumexp_softmax_grad,
        objective=mw.logsumexp_softmax,
    ),
]

BY_NAME = {w.name: w for w in WORKLOADS}
