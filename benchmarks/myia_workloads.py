"""The benchmark workloads as myia compiles them (plain Python/NumPy of myia's subset).

This file is the *source* myia parses: the runner loads it under a fresh module name from
a temporary copy (see `benchmarks.run.load_fresh_workloads`), so every load yields new
function objects that myia has never compiled, which is what the "first call" column
measures. The same functions, called directly, are the plain NumPy forward baseline.

Keep everything here inside myia's supported subset; put helpers for the baselines in
`benchmarks/workloads.py`, not here.
"""

import math

import numpy as np

import myia


def scalar_poly(x):
    """50 steps of x = 0.9 x + 0.1 sin(x) on a Python float."""
    for _ in range(50):
        x = x * 0.9 + math.sin(x) * 0.1
    return x


def mlp_loss(W1, b1, W2, b2, X, Y):
    """Mean squared error of a one-hidden-layer tanh network."""
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    err = out - Y
    return np.mean(err * err)


def rnn_loss(Wx, Wh, b, xs, h0):
    """Sum of squares of the final state of a tanh RNN run over xs[0], xs[1], ..."""
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    return np.sum(h * h)


def recursive_pow(x, n):
    """x ** n by recursion on the int n."""
    return 1.0 if n == 0 else x * recursive_pow(x, n - 1)


def hvp_f(x):
    """The function whose Hessian-vector product `hvp` differentiates."""
    return np.sum(np.tanh(x) ** 2 * x)


def hvp(x, v):
    """<grad hvp_f(x), v>; its gradient with respect to x is H(x) v."""
    return np.sum(myia.grad(hvp_f)(x) * v)


def logsumexp_softmax(W, X, Y):
    """Mean over rows of a stable logsumexp(X @ W) minus <X @ W, Y> (softmax cross-entropy)."""
    Z = X @ W
    m = np.max(Z, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(Z - m), axis=1)) + m[:, 0]
    return np.mean(lse - np.sum(Z * Y, axis=1))
