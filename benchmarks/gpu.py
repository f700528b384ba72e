"""The PyTorch backend's benchmark: `python -m benchmarks.gpu [--device cuda|cpu]`.

Gradient time, median of `--runs` timed calls after warm-up, of

- the mlp of the peer benchmark (`mlp_loss`, 784-1024-1024-10 here: two hidden layers of
  1,024 written as the peer writes one, at batch 8,192, float32), d/d(every weight);
- the rnn (`rnn_loss`: 50 steps, input 32, hidden 128, batch 1,024, float32), d/d(Wx, Wh, b);

each three ways: `myia.grad(..., backend="torch")` on the device, `myia.grad` on the NumPy
backend on the CPU, and the same function written in PyTorch and differentiated by
`loss.backward()` on the device. On CUDA every timed call is bracketed by
`torch.cuda.synchronize()`. Before timing, it checks in float64 (at a small batch) that the
torch backend's gradients equal the NumPy backend's to 1e-6.

`--device cuda` on a machine without CUDA says so and stops; the default device is CUDA
where torch has it, else the CPU (then the table compares CPU with CPU, and says so).
`--small` runs tiny sizes with few runs: the smoke check of the script itself.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np


def mlp2_loss(W1, b1, W2, b2, W3, b3, X, Y):
    """The peer's mlp_loss with a second hidden layer (784-1024-1024-10)."""
    h = np.tanh(np.dot(X, W1) + b1)
    h = np.tanh(np.dot(h, W2) + b2)
    out = np.dot(h, W3) + b3
    return np.mean((out - Y) ** 2)


def torch_mlp2(torch, W1, b1, W2, b2, W3, b3, X, Y):
    h = torch.tanh(X @ W1 + b1)
    h = torch.tanh(h @ W2 + b2)
    out = h @ W3 + b3
    return torch.mean((out - Y) ** 2)


def torch_rnn(torch, Wx, Wh, b, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = torch.tanh(xs[t] @ Wx + h @ Wh + b)
    return torch.sum(h * h)


def mlp_inputs(rng, batch: int, hidden: int, dtype):
    sizes = [(784, hidden), (hidden,), (hidden, hidden), (hidden,), (hidden, 10), (10,)]
    scales = [0.05, 0.1, 0.03, 0.1, 0.1, 0.1]
    params = [rng.standard_normal(s) * k for s, k in zip(sizes, scales)]
    data = [rng.standard_normal((batch, 784)), rng.standard_normal((batch, 10))]
    return tuple(a.astype(dtype) for a in params + data), 6


def rnn_inputs(rng, batch: int, steps: int, dtype):
    args = (
        rng.standard_normal((32, 128)) * 0.2,
        rng.standard_normal((128, 128)) * 0.08,
        rng.standard_normal(128) * 0.1,
        rng.standard_normal((steps, batch, 32)),
        np.zeros((batch, 128)),
    )
    return tuple(a.astype(dtype) for a in args), 3


def median_time(fn, args: tuple, runs: int, sync) -> float:
    """The median wall time of `fn(*args)` over `runs` calls, after five warm-up calls;
    `sync` waits for the device before and after each call."""
    for _ in range(5):  # torch's first calls of a program are slower
        fn(*args)
    sync()
    times = []
    for _ in range(runs):
        sync()
        t0 = time.perf_counter()
        fn(*args)
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def autograd_of(torch, loss, tensors, nparams: int):
    """A call of `loss.backward()` on leaf copies of the first `nparams` tensors."""
    leaves = [t.clone().requires_grad_(True) for t in tensors[:nparams]]
    rest = tensors[nparams:]

    def run():
        for p in leaves:
            p.grad = None
        loss(torch, *leaves, *rest).backward()
        return [p.grad for p in leaves]

    return run


def check_float64(myia, torch, fn, make, device) -> float:
    """The largest difference between the torch backend's gradient (on `device`) and the
    NumPy backend's, in float64, at a small size."""
    args, n = make(np.random.default_rng(1), np.float64)
    nums = tuple(range(n))
    ref = myia.grad(fn, argnums=nums)(*args)
    got = myia.grad(fn, argnums=nums, backend="torch", device=device)(*args)
    return max(float(np.max(np.abs(g - r))) for g, r in zip(got, ref))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cuda or cpu (default: cuda if any)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--small", action="store_true", help="tiny sizes: a smoke check")
    parser.add_argument("--no-numpy", action="store_true", help="skip the NumPy backend")
    opts = parser.parse_args(argv)

    import torch

    import myia
    from benchmarks.loading import load_peer

    peer = load_peer()
    cuda = torch.cuda.is_available()
    device = opts.device or ("cuda" if cuda else "cpu")
    if device.startswith("cuda") and not cuda:
        print(
            "CUDA is not available on this machine (torch", torch.__version__, "): no GPU figures"
        )
        return 2
    if not cuda:
        print(f"CUDA is not available (torch {torch.__version__}): timing on the CPU only")
    where = torch.cuda.get_device_name(0) if device.startswith("cuda") else "CPU"
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    runs = 3 if opts.small else opts.runs
    mlp_batch, hidden, rnn_batch, steps = (64, 64, 16, 5) if opts.small else (8192, 1024, 1024, 50)

    workloads = [
        (
            f"mlp 784-{hidden}-{hidden}-10, batch {mlp_batch}",
            mlp2_loss,
            torch_mlp2,
            lambda rng, dt: mlp_inputs(rng, mlp_batch, hidden, dt),
            lambda rng, dt: mlp_inputs(rng, 16, 32, dt),
        ),
        (
            f"rnn {steps} steps, hidden 128, batch {rnn_batch}",
            peer.rnn_loss,
            torch_rnn,
            lambda rng, dt: rnn_inputs(rng, rnn_batch, steps, dt),
            lambda rng, dt: rnn_inputs(rng, 4, 5, dt),
        ),
    ]
    rows = []
    worst = 0.0
    for name, fn, torch_fn, make, make_small in workloads:
        worst = max(worst, check_float64(myia, torch, fn, make_small, device))
        args, n = make(np.random.default_rng(0), np.float32)
        nums = tuple(range(n))
        tensors = tuple(torch.as_tensor(a, device=device) for a in args)
        on_device = myia.grad(fn, argnums=nums, backend="torch")
        t_myia = median_time(on_device, tensors, runs, sync)
        t_auto = median_time(autograd_of(torch, torch_fn, tensors, n), (), runs, sync)
        t_np = None
        if not opts.no_numpy:
            on_cpu = myia.grad(fn, argnums=nums)
            t_np = median_time(on_cpu, args, max(3, runs // 3), lambda: None)
        rows.append((name, t_myia, t_np, t_auto))

    print(
        f"\nGradient time, median, float32; device: {device} ({where}); torch {torch.__version__}"
    )
    head = (
        "workload",
        f"myia torch ({device})",
        "myia numpy (cpu)",
        f"autograd ({device})",
        "numpy / myia-torch",
        "myia-torch / autograd",
    )
    print(" | ".join(head))
    for name, t_myia, t_np, t_auto in rows:
        np_text = f"{t_np * 1e3:.2f} ms" if t_np is not None else "-"
        speedup = f"{t_np / t_myia:.1f}x" if t_np is not None else "-"
        print(
            f"{name} | {t_myia * 1e3:.2f} ms | {np_text} | {t_auto * 1e3:.2f} ms | {speedup} | "
            f"{t_myia / t_auto:.2f}"
        )
    ok = worst <= 1e-6
    print(
        f"float64 gradients, torch backend vs NumPy backend: max |difference| {worst:.2e}"
        f" ({'within' if ok else 'NOT within'} 1e-6)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
