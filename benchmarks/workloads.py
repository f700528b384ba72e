"""The six workloads of the peer benchmark: their data, baselines, checks and targets.

The functions themselves (the spelling every peer is measured on) and their hand-written
adjoints are those of peer_workloads.py (see benchmarks.loading for which copy); the
other spellings are in benchmarks/spellings.py. This file says, per workload, which
function myia differentiates and with respect to what, which hand-written adjoint is the
baseline and how to read the gradient out of its result, how to build the inputs, and the
targets the project aims at.

Data, as peer_workloads.py's docstring gives it: float64, one numpy.random.default_rng(seed)
(seed 0 unless --seed says otherwise) drawn in the order mlp (W1, b1, W2, b2, X, Y),
rnn (Wx, Wh, b, xs), softmax_xent (W, X, then the classes of Y), tanh_cube (x, v): the order
of ../shared/tools/generated_code_report.py, which draws the first three the same way.
scalar_poly x = 0.7; rec_pow x = 1.01, n = 20; rnn h0 = zeros.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

# -- the workloads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    name: str
    fn: str  # function of the peer module given to myia.grad(fn, argnums=argnums)
    argnums: int | tuple
    hand: str  # the hand-written adjoint of the peer module: hand(*args)
    hand_grads: Callable[[Any], Any]  # hand(*args) -> the gradient, in myia.grad's structure
    description: str
    sizes: str
    ratio_target: float  # grad myia / grad hand, at most
    first_call_target: float  # seconds, at most


def _grads_of(out):  # (loss, (d1, d2, ...)) -> (d1, d2, ...)
    return out[1]


def _grad_of(out):  # (loss, (d,)) -> d
    return out[1][0]


WORKLOADS: list[Workload] = [
    Workload(
        name="scalar_poly",
        fn="scalar_poly",
        argnums=0,
        hand="hand_scalar_poly",
        hand_grads=_grad_of,
        description="50 steps of x = x*0.9 + np.sin(x)*0.1 on a Python float, d/dx",
        sizes="x = 0.7",
        ratio_target=1.5,
        first_call_target=0.2,
    ),
    Workload(
        name="mlp",
        fn="mlp_loss",
        argnums=(0, 1, 2, 3),
        hand="hand_mlp",
        hand_grads=_grads_of,
        description="mean((tanh(X W1 + b1) W2 + b2 - Y) ** 2), d/d(W1, b1, W2, b2)",
        sizes="X 64x784, W1 784x256, W2 256x10",
        ratio_target=1.10,
        first_call_target=0.05,
    ),
    Workload(
        name="rnn",
        fn="rnn_loss",
        argnums=(0, 1, 2),
        hand="hand_rnn",
        hand_grads=_grads_of,
        description="h = tanh(xs[t] Wx + h Wh + b) over 50 steps, sum(h * h), d/d(Wx, Wh, b)",
        sizes="T 50, batch 16, input 32, hidden 128",
        ratio_target=1.10,
        first_call_target=0.15,
    ),
    Workload(
        name="rec_pow",
        fn="rec_pow",
        argnums=0,
        hand="hand_rec_pow",
        hand_grads=_grad_of,
        description="x ** n by recursion on n (if/else statement), d/dx",
        sizes="x = 1.01, n = 20",
        ratio_target=1.5,
        first_call_target=0.2,
    ),
    Workload(
        name="hvp",
        fn="hvp_objective",
        argnums=0,
        hand="hand_hvp_tanh_cube",
        hand_grads=lambda out: out,
        description="H(x) v of tanh_cube(x) = sum(tanh(x)**2 * x): "
        "grad of sum(grad(tanh_cube)(x) * v)",
        sizes="x, v of 1000",
        ratio_target=1.5,
        first_call_target=0.2,
    ),
    Workload(
        name="softmax_xent",
        fn="softmax_xent",
        argnums=0,
        hand="hand_softmax_xent",
        hand_grads=_grad_of,
        description="mean(logsumexp(X W) - sum(X W * Y)), stable, Y one-hot, d/dW",
        sizes="X 512x100, W 100x10",
        ratio_target=1.10,
        first_call_target=0.2,
    ),
]

BY_NAME = {w.name: w for w in WORKLOADS}

WORST_OVER_BEST_TARGET = 1.15  # the slowest spelling of a workload against its fastest


# -- data ------------------------------------------------------------------------------------


def make_inputs(seed: int = 0) -> dict[str, tuple]:
    """The arguments of every workload (see the module docstring for the order of draws)."""
    r = np.random.default_rng(seed)
    mlp = (
        r.standard_normal((784, 256)) * 0.05,
        r.standard_normal(256) * 0.1,
        r.standard_normal((256, 10)) * 0.1,
        r.standard_normal(10) * 0.1,
        r.standard_normal((64, 784)),
        r.standard_normal((64, 10)),
    )
    rnn = (
        r.standard_normal((32, 128)) * 0.2,
        r.standard_normal((128, 128)) * 0.08,
        r.standard_normal(128) * 0.1,
        r.standard_normal((50, 16, 32)),
        np.zeros((16, 128)),
    )
    softmax = (
        r.standard_normal((100, 10)) * 0.1,
        r.standard_normal((512, 100)),
        np.eye(10)[r.integers(0, 10, 512)],
    )
    hvp = (r.standard_normal(1000), r.standard_normal(1000))
    return {
        "scalar_poly": (0.7,),
        "mlp": mlp,
        "rnn": rnn,
        "rec_pow": (1.01, 20),
        "hvp": hvp,
        "softmax_xent": softmax,
    }


# -- finite-difference checks of the baselines -----------------------------------------------


def tanh_cube_grad(x):
    """Analytic gradient of tanh_cube(x) = sum(tanh(x)**2 * x): 2 t s x + t**2."""
    t = np.tanh(x)
    return 2.0 * t * (1.0 - t * t) * x + t * t


def fd_check(objective, args, argnums, grads, rng, *, eps=1e-6, rtol=1e-5, label=""):
    """Compare `grads` (of `objective` w.r.t. `args[argnums]`) with central differences.

    Directional derivatives of each differentiated argument along the gradient itself, two
    random directions and two coordinates (the largest gradient entry and a random one).
    Passes when |fd - <g, d>| <= rtol |g| |d| + 1e-10; returns the worst relative error.
    """
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    glist = (grads,) if isinstance(argnums, int) else tuple(grads)
    worst = 0.0
    for i, g in zip(nums, glist):
        g = np.asarray(g, dtype=np.float64)
        if np.ndim(args[i]) == 0:
            dirs = [np.float64(1.0)]
        else:
            shape = np.shape(args[i])
            dirs = [g / np.linalg.norm(g)] if np.linalg.norm(g) > 0 else []
            for _ in range(2):
                d = rng.standard_normal(shape)
                dirs.append(d / np.linalg.norm(d))
            for k in (int(np.argmax(np.abs(g))), int(rng.integers(0, g.size))):
                d = np.zeros(g.size)
                d[k] = 1.0
                dirs.append(d.reshape(shape))
        for d in dirs:
            plus, minus = list(args), list(args)
            if np.ndim(args[i]) == 0:
                plus[i] = float(args[i]) + eps * float(d)
                minus[i] = float(args[i]) - eps * float(d)
            else:
                plus[i] = args[i] + eps * d
                minus[i] = args[i] - eps * d
            fd = (float(objective(*plus)) - float(objective(*minus))) / (2 * eps)
            an = float(np.sum(g * d))
            scale = float(np.linalg.norm(g) * np.linalg.norm(d))
            err = abs(fd - an)
            if err > rtol * scale + 1e-10:
                raise AssertionError(
                    f"{label}: the hand-written gradient of argument {i} disagrees with finite "
                    f"differences: <g, d> = {an!r}, fd = {fd!r} (|g||d| = {scale:.3g})"
                )
            worst = max(worst, err / scale if scale else err)
    return worst


def check_baseline(w: Workload, peer, args, rng) -> float:
    """Finite-difference check of workload `w`'s hand-written adjoint; the worst error."""
    grads = w.hand_grads(getattr(peer, w.hand)(*args))
    if w.name == "hvp":
        x, v = args
        worst = fd_check(peer.tanh_cube, (x,), 0, tanh_cube_grad(x), rng, label="tanh_cube")
        objective = lambda x, v: np.sum(tanh_cube_grad(x) * v)
        return max(worst, fd_check(objective, args, 0, grads, rng, label=w.name))
    return fd_check(getattr(peer, w.fn), args, w.argnums, grads, rng, label=w.name)
