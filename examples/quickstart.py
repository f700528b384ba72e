"""Quickstart: differentiate a small model with myia and look at every stage.

Run: python examples/quickstart.py
"""

import numpy as np

import myia


def predict(w, b, x):
    return np.tanh(x @ w + b)


def loss(w, b, x, y):
    err = predict(w, b, x) - y
    return np.mean(err * err)


rng = np.random.default_rng(0)
x = rng.standard_normal((8, 3))
y = rng.standard_normal(8)
w = rng.standard_normal(3)
b = 0.1

value, (dw, db) = myia.value_and_grad(loss, argnums=(0, 1))(w, b, x, y)
print(f"loss = {value:.6f}")
print("d loss / d w =", np.round(dw, 6))
print(f"d loss / d b = {db:.6f}")

grad_loss = myia.grad(loss, argnums=(0, 1))
for _ in range(200):
    dw, db = grad_loss(w, b, x, y)
    w, b = w - 0.1 * dw, b - 0.1 * db
print(f"loss after 200 steps of gradient descent = {loss(w, b, x, y):.6f}")

print("\n# The parsed IR of `loss`:")
print(myia.ir(loss))
print("\n# The gradient program of `loss` for these arguments, before optimization:")
print(myia.ir(grad_loss, w, b, x, y, stage="grad"))
print("\n# The generated NumPy source of the gradient:")
print(myia.source(grad_loss, w, b, x, y))
