# ruff: noqa: B007 (the peer benchmark's own code, kept as it is)
# A verbatim copy of ../shared/bench/peer_workloads.py (the peer benchmark's workloads and
# hand-written adjoints, from the project's shared folder, /work/shared/bench/ on the
# development machines), so that the suite also runs from a fresh clone without ../shared.
# benchmarks.loading uses ../shared/bench/peer_workloads.py itself when it exists and this
# copy otherwise, and says which (and whether the two differ) in every report.
# Do not edit below this comment: update the copy from the shared file instead.
"""The six benchmark workloads exactly as the peer benchmark writes them.

Autograd, JAX, PyTorch, Tangent and myia are measured on these same source functions
(`np` rebound to each library's NumPy), against the hand-written adjoints below. myia's
own benchmark must time these spellings as they are, besides any other spellings it adds:
a compiler that is fast only on the spelling it was tuned for is not fast.

Data (float64, numpy.random.default_rng(0)): scalar_poly x=0.7; mlp W1 784x256*0.05,
b1 256*0.1, W2 256x10*0.1, b2 10*0.1, X 64x784, Y 64x10 (d/d W1,b1,W2,b2); rnn T=50 B=16
I=32 H=128, Wx*0.2, Wh*0.08, b*0.1, h0 zeros (d/d Wx,Wh,b); rec_pow x=1.01 n=20 (d/dx);
tanh_cube x of 1000, Hessian-vector product with a random v (grad of <grad f(x), v>);
softmax_xent N=512 D=100 C=10, W*0.1, one-hot Y (d/dW).
"""
import numpy as np

POLY_ITERS = 50


def scalar_poly(x):
    for i in range(POLY_ITERS):
        x = x * 0.9 + np.sin(x) * 0.1
    return x


def mlp_loss(W1, b1, W2, b2, X, Y):
    h = np.tanh(np.dot(X, W1) + b1)
    out = np.dot(h, W2) + b2
    return np.mean((out - Y) ** 2)


def rnn_loss(Wx, Wh, b, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(np.dot(xs[t], Wx) + np.dot(h, Wh) + b)
    return np.sum(h * h)


def rec_pow(x, n):
    # if/else statement with a single return (tangent rejects both the
    # conditional expression and multiple returns; semantics are identical)
    if n == 0:
        r = 1.0
    else:
        r = x * rec_pow(x, n - 1)
    return r


def tanh_cube(x):
    return np.sum(np.tanh(x) ** 2 * x)


def softmax_xent(W, X, Y):
    z = np.dot(X, W)
    m = np.max(z, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    return np.mean(lse - np.sum(z * Y, axis=1, keepdims=True))


# Hand-written adjoints: the baseline every ratio is measured against.

def hand_scalar_poly(x):
    tape = []
    for i in range(POLY_ITERS):
        tape.append(x)
        x = x * 0.9 + np.sin(x) * 0.1
    dx = 1.0
    for xi in reversed(tape):
        dx = dx * (0.9 + np.cos(xi) * 0.1)
    return x, (dx,)


def hand_mlp(W1, b1, W2, b2, X, Y):
    h = np.tanh(np.dot(X, W1) + b1)
    out = np.dot(h, W2) + b2
    d = out - Y
    loss = np.mean(d ** 2)
    dout = d * (2.0 / d.size)
    dW2 = np.dot(h.T, dout)
    db2 = dout.sum(axis=0)
    dz = np.dot(dout, W2.T) * (1.0 - h * h)
    dW1 = np.dot(X.T, dz)
    db1 = dz.sum(axis=0)
    return loss, (dW1, db1, dW2, db2)


def hand_rnn(Wx, Wh, b, xs, h0):
    hs = [h0]
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(np.dot(xs[t], Wx) + np.dot(h, Wh) + b)
        hs.append(h)
    loss = np.sum(h * h)
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros_like(b)
    dh = 2.0 * h
    for t in range(xs.shape[0] - 1, -1, -1):
        ht = hs[t + 1]
        dz = dh * (1.0 - ht * ht)
        dWx += np.dot(xs[t].T, dz)
        dWh += np.dot(hs[t].T, dz)
        db += dz.sum(axis=0)
        dh = np.dot(dz, Wh.T)
    return loss, (dWx, dWh, db)


def hand_rec_pow(x, n):
    # adjoint of the recursion itself: d(x*p)/dx = p + x*dp
    if n == 0:
        return 1.0, (0.0,)
    p, (dp,) = hand_rec_pow(x, n - 1)
    return x * p, (p + x * dp,)


def hand_hvp_tanh_cube(x, v):
    # f = sum(t^2 x), t = tanh x, s = 1 - t^2; Hessian is diagonal:
    # f'' = 4 t s + 2 s^2 x - 4 t^2 s x
    t = np.tanh(x)
    s = 1.0 - t * t
    return (4.0 * t * s + (2.0 * s * s - 4.0 * t * t * s) * x) * v


def hand_softmax_xent(W, X, Y):
    z = np.dot(X, W)
    m = np.max(z, axis=1, keepdims=True)
    e = np.exp(z - m)
    se = np.sum(e, axis=1, keepdims=True)
    lse = m + np.log(se)
    loss = np.mean(lse - np.sum(z * Y, axis=1, keepdims=True))
    dz = (e / se - Y) * (1.0 / X.shape[0])
    return loss, (np.dot(X.T, dz),)
