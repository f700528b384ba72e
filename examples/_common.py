"""Helpers shared by the example scripts: command-line options, single-threaded BLAS, the
Adam optimizer, a numerically stable log-softmax (written in the subset myia compiles, so
differentiated losses may call it) and figures saved as PNG files (matplotlib's Agg backend).

Everything here except `log_softmax` runs as plain Python/NumPy outside compiled code.
"""

from __future__ import annotations

import argparse
import pathlib

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402  (a dependency of scikit-learn)

import myia  # noqa: E402


def example_parser(doc: str) -> argparse.ArgumentParser:
    """A parser with the options every example has: `--out`, `--small` and `--seed`."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out", type=pathlib.Path, default=pathlib.Path("."), help="folder for the PNG plot"
    )
    parser.add_argument(
        "--small", action="store_true", help="a tiny setting that runs in a few seconds (for tests)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    return parser


def parse_args(parser: argparse.ArgumentParser, argv, small: dict) -> argparse.Namespace:
    """Parse `argv` (None: the command line); with `--small`, the options named in `small`
    take those values instead."""
    args = parser.parse_args(argv)
    if args.small:
        for name, value in small.items():
            setattr(args, name, value)
    return args


def single_threaded_blas(fn):
    """Decorate `fn` to run with BLAS limited to one thread while it runs.

    The examples multiply small matrices, where BLAS threads cost more than they save: on a
    busy two-core machine a training step is several times slower with them.
    """
    return threadpool_limits.wrap(limits=1, user_api="blas")(fn)


def log_softmax(z):
    """Log-probabilities of the rows of the logits `z` (stable: the row max is subtracted)."""
    z = z - np.max(z, axis=-1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))


class Adam:
    """Adam (Kingma & Ba, 2015) over a pytree of NumPy arrays (a dict of them, a
    namedtuple, a model object).

    `step(params, grads)` returns the updated parameters; `grads` has the structure of
    `params`, as `myia.grad` gives it.
    """

    def __init__(self, params, lr: float, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = myia.tree_map(np.zeros_like, params)
        self.v = myia.tree_map(np.zeros_like, params)
        self.t = 0

    def step(self, params, grads):
        self.t += 1
        scale = self.lr * np.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        b1, b2 = self.beta1, self.beta2
        self.m = myia.tree_map(lambda m, g: b1 * m + (1 - b1) * g, self.m, grads)
        self.v = myia.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, self.v, grads)
        return myia.tree_map(
            lambda p, m, v: p - scale * m / (np.sqrt(v) + self.eps), params, self.m, self.v
        )


def subplots(ncols: int, figsize: tuple[float, float]):
    """A figure with `ncols` axes side by side, drawn by the non-interactive Agg backend."""
    return plt.subplots(1, ncols, figsize=figsize)


def save_figure(fig, out: pathlib.Path, name: str) -> pathlib.Path:
    """Save `fig` as `out/name` (creating `out`), close it and print where it went."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"saved plot: {path}")
    return path
