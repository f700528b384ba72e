"""The spelling matrix: each peer workload written several equivalent ways.

A compiler that is fast only on the spelling it was tuned for is not fast. Every function
here computes exactly what its workload in `peer_workloads.py` computes (same arguments,
same value, same gradient: the runner checks the value against the peer function and the
myia gradient against the hand-written adjoint before timing anything), but spells it
differently, along these axes:

- products: `np.dot` / `@` / `np.matmul` / `x.dot(...)`;
- squares: `** 2` / `a * a` / `np.square`;
- `np.sin` / `math.sin` on Python floats;
- loops: `for i in range(...)` / `while` / iterating the first axis of an array;
- branches: `if` statement / conditional expression / early return;
- structure: inline / module-level helper function / closure (nested `def` or `lambda`);
- updates: `x += ...` / `x = x + ...`.

This file is source that myia parses (the runner loads it afresh from a temporary copy, like
the peer workloads): keep it inside myia's subset (../shared/SUBSET.md, docs/subset.md).
Never "fix" a spelling myia fails on or is slow on by rewriting it: that is what the matrix
is for. Report it instead.

`SPELLINGS` at the end lists, per workload, (name, function name, what it changes); the
peer spelling itself (`peer`) is timed by the runner from peer_workloads.py.
"""

import math

import numpy as np

import myia

POLY_ITERS = 50

# -- scalar_poly: 50 steps of x = 0.9 x + 0.1 sin(x) on a Python float, d/dx ----------------


def scalar_poly_math_sin(x):
    for _ in range(POLY_ITERS):
        x = x * 0.9 + math.sin(x) * 0.1
    return x


def scalar_poly_while(x):
    i = 0
    while i < POLY_ITERS:
        x = x * 0.9 + np.sin(x) * 0.1
        i += 1
    return x


def scalar_poly_iter_array(x):
    for _ in np.zeros(POLY_ITERS):
        x = x * 0.9 + np.sin(x) * 0.1
    return x


def poly_step(x):
    return x * 0.9 + np.sin(x) * 0.1


def scalar_poly_helper(x):
    for _ in range(POLY_ITERS):
        x = poly_step(x)
    return x


def scalar_poly_closure(x):
    a = 0.9
    b = 0.1

    def step(y):
        return y * a + np.sin(y) * b

    for _ in range(POLY_ITERS):
        x = step(x)
    return x


def scalar_poly_augmented(x):
    for _ in range(POLY_ITERS):
        s = np.sin(x) * 0.1
        x *= 0.9
        x += s
    return x


def scalar_poly_early_return(x):
    i = 0
    while True:
        if i == POLY_ITERS:
            return x
        x = x * 0.9 + np.sin(x) * 0.1
        i = i + 1


# -- mlp_loss: MSE of tanh(X W1 + b1) W2 + b2 against Y, d/d(W1, b1, W2, b2) -----------------


def mlp_matmul_op(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    return np.mean((out - Y) ** 2)


def mlp_np_matmul_square(W1, b1, W2, b2, X, Y):
    h = np.tanh(np.matmul(X, W1) + b1)
    out = np.matmul(h, W2) + b2
    return np.mean(np.square(out - Y))


def mlp_method_dot_mul(W1, b1, W2, b2, X, Y):
    h = np.tanh(X.dot(W1) + b1)
    out = h.dot(W2) + b2
    d = out - Y
    return np.mean(d * d)


def dense(a, W, b):
    return np.dot(a, W) + b


def mean_squared_error(a, b):
    return np.mean((a - b) ** 2)


def mlp_helper(W1, b1, W2, b2, X, Y):
    h = np.tanh(dense(X, W1, b1))
    return mean_squared_error(dense(h, W2, b2), Y)


def mlp_closure(W1, b1, W2, b2, X, Y):
    def layer(W, b):
        return lambda a: np.dot(a, W) + b

    hidden = layer(W1, b1)
    output = layer(W2, b2)
    return np.mean((output(np.tanh(hidden(X))) - Y) ** 2)


def mlp_augmented(W1, b1, W2, b2, X, Y):
    z = np.dot(X, W1)
    z += b1
    h = np.tanh(z)
    out = np.dot(h, W2)
    out += b2
    out -= Y
    return np.mean(out**2)


def mlp_methods(W1, b1, W2, b2, X, Y):
    h = np.tanh(X.dot(W1) + b1)
    d = h.dot(W2) + b2 - Y
    return (d * d).mean()


# -- rnn_loss: tanh RNN over xs[0..T-1], loss sum(h_T ** 2), d/d(Wx, Wh, b) ------------------


def rnn_matmul_op(Wx, Wh, b, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    return np.sum(h * h)


def rnn_np_matmul_square(Wx, Wh, b, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(np.matmul(xs[t], Wx) + np.matmul(h, Wh) + b)
    return np.sum(np.square(h))


def rnn_method_dot_pow(Wx, Wh, b, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t].dot(Wx) + h.dot(Wh) + b)
    return np.sum(h**2)


def rnn_while(Wx, Wh, b, xs, h0):
    h = h0
    t = 0
    while t < xs.shape[0]:
        h = np.tanh(np.dot(xs[t], Wx) + np.dot(h, Wh) + b)
        t = t + 1
    return np.sum(h * h)


def rnn_iter_array(Wx, Wh, b, xs, h0):
    h = h0
    for x_t in xs:
        h = np.tanh(np.dot(x_t, Wx) + np.dot(h, Wh) + b)
    return np.sum(h * h)


def rnn_cell(x_t, h, Wx, Wh, b):
    return np.tanh(np.dot(x_t, Wx) + np.dot(h, Wh) + b)


def rnn_helper(Wx, Wh, b, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = rnn_cell(xs[t], h, Wx, Wh, b)
    return np.sum(h * h)


def rnn_closure(Wx, Wh, b, xs, h0):
    def cell(x_t, h):
        return np.tanh(np.dot(x_t, Wx) + np.dot(h, Wh) + b)

    h = h0
    for t in range(xs.shape[0]):
        h = cell(xs[t], h)
    return np.sum(h * h)


def rnn_augmented(Wx, Wh, b, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        z = np.dot(xs[t], Wx)
        z += np.dot(h, Wh)
        z += b
        h = np.tanh(z)
    return np.sum(h * h)


def rnn_list_append(Wx, Wh, b, xs, h0):
    hs = [h0]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(np.dot(xs[t], Wx) + np.dot(hs[-1], Wh) + b))
    return np.sum(hs[-1] * hs[-1])


def rnn_list_index(Wx, Wh, b, xs, h0):
    hs = [h0]
    for t in range(xs.shape[0]):
        hs = hs + [np.tanh(np.dot(xs[t], Wx) + np.dot(hs[t], Wh) + b)]
    return np.sum(hs[len(hs) - 1] ** 2)


# -- rec_pow: x ** n by recursion on the int n (x = 1.01, n = 20), d/dx ---------------------


def rec_pow_cond_expr(x, n):
    return 1.0 if n == 0 else x * rec_pow_cond_expr(x, n - 1)


def rec_pow_early_return(x, n):
    if n == 0:
        return 1.0
    return x * rec_pow_early_return(x, n - 1)


def times(a, b):
    return a * b


def rec_pow_helper(x, n):
    if n == 0:
        r = 1.0
    else:
        r = times(x, rec_pow_helper(x, n - 1))
    return r


def rec_pow_closure(x, n):
    times_x = lambda p: x * p
    if n == 0:
        r = 1.0
    else:
        r = times_x(rec_pow_closure(x, n - 1))
    return r


def rec_pow_augmented(x, n):
    if n == 0:
        r = 1.0
    else:
        r = rec_pow_augmented(x, n - 1)
        r *= x
    return r


def rec_pow_for(x, n):
    r = 1.0
    for _ in range(n):
        r = x * r
    return r


def rec_pow_while(x, n):
    r = 1.0
    while n > 0:
        r = x * r
        n -= 1
    return r


def rec_pow_pow_operator(x, n):
    return x**n


# -- tanh_cube: H(x) v of f(x) = sum(tanh(x) ** 2 * x) as grad of <grad f(x), v>, d/dx ------


def tanh_cube_mul(x):
    t = np.tanh(x)
    return np.sum(t * t * x)


def hvp_mul(x, v):
    return np.sum(myia.grad(tanh_cube_mul)(x) * v)


def tanh_cube_square(x):
    return np.sum(np.square(np.tanh(x)) * x)


def hvp_square(x, v):
    return np.sum(myia.grad(tanh_cube_square)(x) * v)


def tanh_cube(x):
    return np.sum(np.tanh(x) ** 2 * x)


def hvp_np_dot(x, v):
    return np.dot(myia.grad(tanh_cube)(x), v)


def hvp_matmul_op(x, v):
    return myia.grad(tanh_cube)(x) @ v


def hvp_method_dot(x, v):
    return myia.grad(tanh_cube)(x).dot(v)


def square(a):
    return a * a


def tanh_cube_helper(x):
    return np.sum(square(np.tanh(x)) * x)


def hvp_helper(x, v):
    return np.sum(myia.grad(tanh_cube_helper)(x) * v)


def hvp_closure(x, v):
    def along_v(g):
        return np.sum(g * v)

    return along_v(myia.grad(tanh_cube)(x))


def hvp_lambda(x, v):
    f = lambda y: np.sum(np.tanh(y) ** 2 * y)
    return np.sum(myia.grad(f)(x) * v)


def hvp_augmented(x, v):
    g = myia.grad(tanh_cube)(x)
    g *= v
    return np.sum(g)


def tanh_cube_method_sum(x):
    return (np.tanh(x) ** 2 * x).sum()


def hvp_method_sum(x, v):
    return (myia.grad(tanh_cube_method_sum)(x) * v).sum()


# -- softmax_xent: mean over rows of logsumexp(X W) - <X W, Y>, Y one-hot, d/dW --------------


def softmax_xent_matmul_op(W, X, Y):
    z = X @ W
    m = np.max(z, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    return np.mean(lse - np.sum(z * Y, axis=1, keepdims=True))


def softmax_xent_np_matmul(W, X, Y):
    z = np.matmul(X, W)
    m = np.max(z, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    return np.mean(lse - np.sum(z * Y, axis=1, keepdims=True))


def softmax_xent_methods(W, X, Y):
    z = X.dot(W)
    m = z.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return (lse - (z * Y).sum(axis=1, keepdims=True)).mean()


def logsumexp_rows(z):
    m = np.max(z, axis=1, keepdims=True)
    return m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))


def softmax_xent_helper(W, X, Y):
    z = np.dot(X, W)
    return np.mean(logsumexp_rows(z) - np.sum(z * Y, axis=1, keepdims=True))


def softmax_xent_closure(W, X, Y):
    axis = 1
    row_sum = lambda a: np.sum(a, axis=axis, keepdims=True)
    z = np.dot(X, W)
    m = np.max(z, axis=axis, keepdims=True)
    lse = m + np.log(row_sum(np.exp(z - m)))
    return np.mean(lse - row_sum(z * Y))


def softmax_xent_augmented(W, X, Y):
    z = np.dot(X, W)
    m = np.max(z, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    lse += m
    lse -= np.sum(z * Y, axis=1, keepdims=True)
    return np.mean(lse)


# -- the matrix ------------------------------------------------------------------------------

SPELLINGS = {
    "scalar_poly": [
        ("math_sin", "scalar_poly_math_sin", "math.sin instead of np.sin"),
        ("while", "scalar_poly_while", "while i < N with i += 1"),
        ("iter_array", "scalar_poly_iter_array", "for _ in np.zeros(N): iterating an array"),
        ("helper", "scalar_poly_helper", "the step in a module-level helper"),
        ("closure", "scalar_poly_closure", "the step in a nested def closing over 0.9, 0.1"),
        ("augmented", "scalar_poly_augmented", "x *= 0.9; x += s"),
        ("early_return", "scalar_poly_early_return", "while True: if i == N: return x"),
    ],
    "mlp": [
        ("matmul_op", "mlp_matmul_op", "@ instead of np.dot"),
        ("np_matmul_square", "mlp_np_matmul_square", "np.matmul, np.square"),
        ("method_dot_mul", "mlp_method_dot_mul", "x.dot(W), d * d"),
        ("helper", "mlp_helper", "module-level dense() and mean_squared_error()"),
        ("closure", "mlp_closure", "layers as lambdas closing over W, b"),
        ("augmented", "mlp_augmented", "z += b1; out += b2; out -= Y"),
        ("methods", "mlp_methods", "x.dot(W), (d * d).mean()"),
    ],
    "rnn": [
        ("matmul_op", "rnn_matmul_op", "@ instead of np.dot"),
        ("np_matmul_square", "rnn_np_matmul_square", "np.matmul, np.sum(np.square(h))"),
        ("method_dot_pow", "rnn_method_dot_pow", "x.dot(W), np.sum(h ** 2)"),
        ("while", "rnn_while", "while t < T"),
        ("iter_array", "rnn_iter_array", "for x_t in xs"),
        ("helper", "rnn_helper", "module-level rnn_cell()"),
        ("closure", "rnn_closure", "nested cell() closing over Wx, Wh, b"),
        ("augmented", "rnn_augmented", "z = x Wx; z += h Wh; z += b"),
        ("list_append", "rnn_list_append", "hs.append(cell(hs[-1])); hs[-1] at the end"),
        ("list_index", "rnn_list_index", "hs = hs + [cell(hs[t])]; hs[len(hs) - 1]"),
    ],
    "rec_pow": [
        ("cond_expr", "rec_pow_cond_expr", "return 1.0 if n == 0 else x * f(x, n - 1)"),
        ("early_return", "rec_pow_early_return", "if n == 0: return 1.0"),
        ("helper", "rec_pow_helper", "the product in a module-level helper"),
        ("closure", "rec_pow_closure", "the product in a lambda closing over x"),
        ("augmented", "rec_pow_augmented", "r = f(x, n - 1); r *= x"),
        ("for", "rec_pow_for", "a for loop instead of recursion"),
        ("while", "rec_pow_while", "a while loop instead of recursion"),
        ("pow_operator", "rec_pow_pow_operator", "x ** n, the closed form"),
    ],
    "hvp": [
        ("mul", "hvp_mul", "t = np.tanh(x); t * t * x"),
        ("square", "hvp_square", "np.square(np.tanh(x))"),
        ("np_dot", "hvp_np_dot", "np.dot(grad f(x), v)"),
        ("matmul_op", "hvp_matmul_op", "grad f(x) @ v"),
        ("method_dot", "hvp_method_dot", "grad f(x).dot(v)"),
        ("helper", "hvp_helper", "module-level square()"),
        ("closure", "hvp_closure", "nested along_v() closing over v"),
        ("lambda", "hvp_lambda", "f as a lambda inside the objective"),
        ("augmented", "hvp_augmented", "g = grad f(x); g *= v"),
        ("method_sum", "hvp_method_sum", "(...).sum() methods"),
    ],
    "softmax_xent": [
        ("matmul_op", "softmax_xent_matmul_op", "@ instead of np.dot"),
        ("np_matmul", "softmax_xent_np_matmul", "np.matmul"),
        ("methods", "softmax_xent_methods", "X.dot(W), z.max(...), .sum(...), .mean()"),
        ("helper", "softmax_xent_helper", "module-level logsumexp_rows()"),
        ("closure", "softmax_xent_closure", "row sums in a lambda closing over axis"),
        ("augmented", "softmax_xent_augmented", "lse += m; lse -= <z, Y>"),
    ],
}
