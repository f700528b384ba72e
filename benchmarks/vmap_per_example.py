"""Per-example gradients by `myia.vmap(myia.grad(f))` against one batched gradient:
`python -m benchmarks.vmap_per_example`.

The mlp workload of peer_workloads.py (X 64x784, W1 784x256, W2 256x10): the gradient of
the loss of each of the 64 examples with respect to (W1, b1, W2, b2), by vmap of grad, is
checked against a Python loop of myia.grad, then timed beside one gradient of the loss of
the 64 examples together (the issue's target: at most 3x), a Python loop of 64 myia.grad
calls, the same per-example gradients written by hand in NumPy on the batch (their output
alone is 64 copies of each weight), and the floor: the hand-written NumPy gradient of one
example, in a Python loop over the 64. Each row is shown against one batched gradient and
against the floor. Interleaved rounds after warm-up, one thread, medians of `--samples`
samples (default 31) with time.perf_counter.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import myia  # noqa: E402
from benchmarks.peer_workloads import mlp_loss  # noqa: E402
from benchmarks.workloads import make_inputs  # noqa: E402


def hand_per_example(W1, b1, W2, b2, X, Y):
    """The per-example gradients of mlp_loss, written by hand (each example's loss is the
    mean over its 10 outputs)."""
    h = np.tanh(X @ W1 + b1)
    d_out = (2.0 / Y.shape[1]) * (h @ W2 + b2 - Y)
    d_pre = (d_out @ W2.T) * (1.0 - h * h)
    return (X[:, :, None] * d_pre[:, None, :], d_pre, h[:, :, None] * d_out[:, None, :], d_out)


def hand_one_example(W1, b1, W2, b2, x, y):
    """The gradient of mlp_loss for one example (x of shape (784,)), written by hand."""
    h = np.tanh(x @ W1 + b1)
    d_out = (2.0 / y.shape[0]) * (h @ W2 + b2 - y)
    d_pre = (d_out @ W2.T) * (1.0 - h * h)
    return (np.outer(x, d_pre), d_pre, np.outer(h, d_out), d_out)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=31)
    opts = ap.parse_args(argv)
    args = make_inputs()["mlp"]
    W1, b1, W2, b2, X, Y = args
    grad = myia.grad(mlp_loss, argnums=(0, 1, 2, 3))
    per_example = myia.vmap(grad, in_axes=(None, None, None, None, 0, 0))

    def loop():
        return [grad(W1, b1, W2, b2, X[k : k + 1], Y[k : k + 1]) for k in range(len(X))]

    def floor():
        return [hand_one_example(W1, b1, W2, b2, X[k], Y[k]) for k in range(len(X))]

    got = per_example(*args)
    want = [grad(W1, b1, W2, b2, X[k], Y[k]) for k in range(len(X))]
    hand = hand_per_example(*args)
    looped = floor()
    for i in range(4):
        ref = np.stack([w[i] for w in want])
        assert np.allclose(got[i], ref, rtol=1e-10, atol=1e-12), f"vmap(grad) output {i}"
        assert np.allclose(hand[i], ref, rtol=1e-10, atol=1e-12), f"hand output {i}"
        by_loop = np.stack([g[i] for g in looped])
        assert np.allclose(by_loop, ref, rtol=1e-10, atol=1e-12), f"floor output {i}"
    floor_name = "floor: hand-written NumPy gradient, loop of 64"
    runs = {
        "vmap(grad), 64 per-example gradients": lambda: per_example(*args),
        "grad of the 64 examples' loss (one gradient)": lambda: grad(*args),
        "loop of 64 myia.grad calls": loop,
        "per-example gradients by hand (NumPy, batched)": lambda: hand_per_example(*args),
        floor_name: floor,
    }
    for fn in runs.values():
        for _ in range(3):
            fn()
    samples: dict[str, list[float]] = {k: [] for k in runs}
    names = list(runs)
    for r in range(opts.samples):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            t0 = time.perf_counter()
            runs[name]()
            samples[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in samples.items()}
    base = med["grad of the 64 examples' loss (one gradient)"]
    low = med[floor_name]
    print(f"mlp, 64 examples (X 64x784, W1 784x256, W2 256x10), median of {opts.samples}, 1 thread")
    print(f"{'':48}  {'median':>9}  {'/ one gradient':>14}  {'/ floor':>8}")
    for name in names:
        t = med[name]
        print(f"{name:48}  {t * 1e3:7.2f} ms  {t / base:13.2f}x  {t / low:7.2f}x")
    ratio = med["vmap(grad), 64 per-example gradients"] / base
    print(
        f"target: vmap(grad) at most 3x one batched gradient: {ratio:.2f}x, "
        f"{'met' if ratio <= 3.0 else 'not met'}"
    )


if __name__ == "__main__":
    main()
