"""Forward mode and Jacobians: `python -m benchmarks.forward --threads 1`.

Times, each against a baseline timed in the same interleaved rounds (`benchmarks.run`'s
timing: medians of interleaved samples after warm-up, every result checked against the
baseline before it is timed):

- `jvp_mlp`: `myia.jvp` of the peer benchmark's `mlp_loss` along one direction of its
  parameters (W1, b1, W2, b2; the data X, Y fixed) against its forward pass, the peer
  function called as it is (plain NumPy). Target: at most 1.5x. Also timed: the same value
  and tangent written by hand in NumPy (`hand_mlp_jvp`: its tangent needs `X dW1`, a
  second product as large as the forward pass's `X W1`), and `jvp` with explicit zero
  tangents for the data (computed: they are values the program is given).
- `hvp`: the Hessian-vector product of `tanh_cube` by `myia.jvp(myia.grad(tanh_cube),
  (x,), (v,))` (forward over reverse) against the hand-written `hand_hvp_tanh_cube`.
  Target: at most 1.5x. Reverse over reverse (`myia.grad(hvp_objective)`) for comparison.
- `jacobian`: the 100x100 Jacobian of `tanh(A x)` by `myia.jacrev` (one compiled program:
  the forward pass once, then the backward pass for each row in a loop inside it), by
  `myia.jacfwd`, and by a Python loop of `f_vjp` calls on one `myia.vjp` (one forward
  pass, one compiled backward call per row), against the closed form `(1 - t^2)[:, None] * A`.
"""

from __future__ import annotations

import sys

from benchmarks.threads import limit_threads

limit_threads(sys.argv[1:] if __name__ == "__main__" else [])  # before NumPy is imported

import argparse  # noqa: E402

import numpy as np  # noqa: E402

import myia  # noqa: E402
from benchmarks import loading  # noqa: E402
from benchmarks.run import (  # noqa: E402
    NORMAL,
    QUICK,
    Candidate,
    compare,
    fmt_pct,
    fmt_ratio,
    fmt_time,
    table,
    time_interleaved,
)
from benchmarks.workloads import make_inputs  # noqa: E402

# Appended to the peer workloads' source (one fresh module, from a file myia can read).
EXTRA = """

def mlp_of_params(W1, b1, W2, b2):
    return mlp_loss(W1, b1, W2, b2, MLP_X, MLP_Y)


def hand_mlp_jvp(W1, b1, W2, b2, dW1, db1, dW2, db2):
    h = np.tanh(np.dot(MLP_X, W1) + b1)
    dh = (np.dot(MLP_X, dW1) + db1) * (1.0 - h * h)
    d = np.dot(h, W2) + b2 - MLP_Y
    dd = np.dot(dh, W2) + np.dot(h, dW2) + db2
    return np.mean(d**2), np.mean(2.0 * d * dd)


def grad_tanh_cube(x):
    return myia.grad(tanh_cube)(x)


def hvp_by_jvp(x, v):
    return myia.jvp(grad_tanh_cube, (x,), (v,))[1]


def dense_tanh(x):
    return np.tanh(np.dot(JAC_A, x))
"""


class Case:
    """One table: a baseline and the myia calls timed against it. Each call is checked
    against its expected value first (`expected`: zero-argument callables computing it
    without myia); `target` applies to the calls named in `targeted`."""

    def __init__(self, name, what, baseline, calls, targeted=(), target=None):
        self.name, self.what, self.baseline, self.calls = name, what, baseline, calls
        self.targeted, self.target = targeted, target


def _cases(m, seed: int) -> list[Case]:
    inputs = make_inputs(seed)
    rng = np.random.default_rng(seed + 1)
    W1, b1, W2, b2, X, Y = inputs["mlp"]
    m.MLP_X, m.MLP_Y = X, Y
    params = (W1, b1, W2, b2)
    direction = tuple(rng.standard_normal(p.shape) * 0.1 for p in params)
    data_zeros = (np.zeros_like(X), np.zeros_like(Y))
    x, v = inputs["hvp"]
    n = 100
    a = m.JAC_A = rng.standard_normal((n, n)) / np.sqrt(n)
    z = rng.standard_normal(n)

    def forward():
        return m.mlp_loss(*params, X, Y)

    def tangent():  # <gradient, direction>, from the hand-written adjoint
        return sum(np.sum(g * d) for g, d in zip(m.hand_mlp(*params, X, Y)[1], direction))

    def hand_hvp():
        return m.hand_hvp_tanh_cube(x, v)

    def closed_jacobian():
        return (1.0 - np.tanh(a @ z) ** 2)[:, None] * a

    def vjp_rows():
        _, f_vjp = myia.vjp(m.dense_tanh, z)
        eye = np.eye(n)
        return np.stack([f_vjp(eye[i])[0] for i in range(n)])

    grad_tanh_cube = myia.grad(m.tanh_cube)
    grad_hvp_objective = myia.grad(m.hvp_objective)  # held, as benchmarks.run times it
    jit_hvp_by_jvp = myia.jit(m.hvp_by_jvp)
    jit_mlp = myia.jit(m.mlp_loss)
    return [
        Case(
            "jvp_mlp",
            "mlp_loss along one direction of (W1, b1, W2, b2) [X 64x784, W1 784x256, W2 256x10]",
            ("forward", "mlp_loss(W1, b1, W2, b2, X, Y), plain NumPy", forward),
            [
                (
                    "hand_jvp",
                    "hand_mlp_jvp: the value and tangent written in NumPy (not myia)",
                    lambda: m.hand_mlp_jvp(*params, *direction)[1],
                    tangent,
                ),
                (
                    "jit",
                    "myia.jit(mlp_loss): the forward pass",
                    lambda: jit_mlp(*params, X, Y),
                    forward,
                ),
                (
                    "jvp",
                    "myia.jvp(mlp_of_params, params, direction): value and tangent",
                    lambda: myia.jvp(m.mlp_of_params, params, direction)[1],
                    tangent,
                ),
                (
                    "jvp_data",
                    "myia.jvp(mlp_loss, ...) with zero tangents for X, Y",
                    lambda: myia.jvp(m.mlp_loss, (*params, X, Y), (*direction, *data_zeros))[1],
                    tangent,
                ),
            ],
            ("jvp",),
            1.5,
        ),
        Case(
            "hvp",
            "H(x) v of tanh_cube(x) = sum(tanh(x)**2 * x) [x, v of 1000]",
            ("hand", "hand_hvp_tanh_cube(x, v)", hand_hvp),
            [
                (
                    "jvp_grad",
                    "myia.jvp(myia.grad(tanh_cube), (x,), (v,))[1]: forward over reverse",
                    lambda: myia.jvp(grad_tanh_cube, (x,), (v,))[1],
                    hand_hvp,
                ),
                (
                    "jit_jvp",
                    "h(x, v), h = myia.jit(hvp_by_jvp): jvp of grad inside compiled code",
                    lambda: jit_hvp_by_jvp(x, v),
                    hand_hvp,
                ),
                (
                    "grad_grad",
                    "g(x, v), g = myia.grad(hvp_objective): reverse over reverse",
                    lambda: grad_hvp_objective(x, v),
                    hand_hvp,
                ),
            ],
            ("jvp_grad", "jit_jvp"),
            1.5,
        ),
        Case(
            "jacobian",
            f"the Jacobian of tanh(A x) [A {n}x{n}]",
            ("closed", "(1 - t**2)[:, None] * A, plain NumPy", closed_jacobian),
            [
                (
                    "jacrev",
                    "myia.jacrev(f)(x): one program, rows in a loop inside it",
                    lambda: myia.jacrev(m.dense_tanh)(z),
                    closed_jacobian,
                ),
                (
                    "jacfwd",
                    "myia.jacfwd(f)(x): one program, columns in a loop inside it",
                    lambda: myia.jacfwd(m.dense_tanh)(z),
                    closed_jacobian,
                ),
                (
                    "vjp_rows",
                    "a Python loop of f_vjp(e_i) on one myia.vjp",
                    vjp_rows,
                    closed_jacobian,
                ),
            ],
        ),
    ]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", default=None)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--budget", type=float, default=None, help="seconds per case (default 20)")
    p.add_argument("--seed", type=int, default=0)
    opts = p.parse_args(argv)
    mode = QUICK if opts.quick else NORMAL
    budget = opts.budget if opts.budget is not None else (2.0 if opts.quick else 20.0)
    hvp = loading.PEER_HVP.read_text()
    m = loading.load_fresh(loading.peer_source().text + "\n\n" + hvp + EXTRA, "forward")
    print(
        f"myia forward-mode benchmarks | numpy {np.__version__} | threads {opts.threads} | "
        f"mode {mode.name}, ~{budget:g} s per case, medians of interleaved samples"
    )
    failed = False
    summary = []
    for case in _cases(m, opts.seed):
        baseline = Candidate("hand", *case.baseline)
        timed = [baseline]
        for name, what, call, expected in case.calls:
            c = Candidate("myia", name, what, call)
            try:
                compare(call(), expected(), f"{case.name}/{name}", rtol=1e-7, atol=1e-9)
            except Exception as e:  # reported, not timed
                print(f"{case.name}/{name}: {type(e).__name__}: {e}", file=sys.stderr)
                c.call, failed = None, True
            timed.append(c)
        time_interleaved(timed, budget, mode)
        base = baseline.stats()["median_s"]
        rows = []
        for c in timed:
            s = c.stats()
            ratio = None if s is None else s["median_s"] / base
            rows.append(
                [
                    c.name,
                    c.what,
                    fmt_time(s and s["median_s"]),
                    fmt_pct(s and s["iqr_rel"]),
                    str(s["samples"] if s else 0),
                    fmt_ratio(ratio),
                ]
            )
            if c.name in case.targeted:
                met = "-" if ratio is None else ("yes" if ratio <= case.target else "no")
                summary.append([case.name, c.name, fmt_ratio(ratio), f"<= {case.target:.2f}x", met])
        print(f"\n{case.name}: {case.what}")
        print(table(["what", "", "median", "IQR", "samples", f"/{baseline.name}"], rows, left=2))
    print("\nSummary")
    print(table(["case", "myia", "ratio", "target", "met"], summary))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
