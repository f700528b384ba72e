"""Dirichlet Prior Network trained with the reverse KL-divergence (Malinin & Gales, 2019).

A prior network predicts a Dirichlet distribution over the class probabilities instead of
one categorical distribution: its outputs are concentration parameters
alpha = exp(logits). Trained with the reverse KL-divergence KL(Dir(alpha) || Dir(target))
("Reverse KL-Divergence Training of Prior Networks: Improved Uncertainty and Adversarial
Robustness", NeurIPS 2019), it learns a sharp Dirichlet (large total concentration
sum(alpha)) on the training distribution and a flat one (all alpha near 1) away from it, so
the total concentration flags out-of-distribution inputs.

Here the data are three Gaussian blobs in the plane (in-distribution, target
concentrations 100 at the true class and 1 elsewhere) and points on a ring far from them
(out-of-distribution, flat target: all 1). The KL between Dirichlets is written with
`scipy.special.gammaln` and `scipy.special.digamma`, which myia differentiates as
primitives. Prints the test accuracy and the mean total concentration of in-distribution
and out-of-distribution test points, and saves the loss curve and a map of the total
concentration over the plane to OUT/dirichlet_prior_network.png.

Run:  python examples/dirichlet_prior_network.py [--steps 800] [--out DIR] [--small]
"""

from __future__ import annotations

import time

import numpy as np
from _common import Adam, example_parser, parse_args, save_figure, single_threaded_blas, subplots
from scipy.special import digamma, gammaln
from tqdm import trange

import myia
import myia.prim.special  # noqa: F401  (registers the scipy.special primitives)

NUM_CLASSES = 3
CENTERS = 2.0 * np.array([[0.0, 1.0], [-0.866, -0.5], [0.866, -0.5]])
BLOB_STD = 0.6
TARGET_PRECISION = 100.0  # the target concentration of the true class
OOD_TRAIN_RADII = (5.0, 8.0)  # the ring of out-of-distribution training points
OOD_TEST_RADII = (8.0, 12.0)  # farther away: the network never saw these
INPUT_SCALE = 0.25  # brings the inputs to about unit scale

# ---------------------------------------------------------------- model and loss (compiled by myia)


def log_concentrations(params, x):
    """log alpha for each row of `x`: a two-hidden-layer tanh network."""
    h = np.tanh(INPUT_SCALE * x @ params["w1"] + params["b1"])
    h = np.tanh(h @ params["w2"] + params["b2"])
    return h @ params["w3"] + params["b3"]


def dirichlet_kl(alpha, beta):
    """KL(Dir(alpha) || Dir(beta)) for each row (the concentrations are the last axis)."""
    alpha0 = np.sum(alpha, axis=-1)
    beta0 = np.sum(beta, axis=-1)
    return (
        gammaln(alpha0)
        - np.sum(gammaln(alpha), axis=-1)
        - gammaln(beta0)
        + np.sum(gammaln(beta), axis=-1)
        + np.sum((alpha - beta) * (digamma(alpha) - digamma(alpha0)[:, None]), axis=-1)
    )


def reverse_kl_loss(params, x, target):
    alpha = np.exp(log_concentrations(params, x))
    return np.mean(dirichlet_kl(alpha, target))


# ---------------------------------------------------------------- data, training, evaluation


def blobs(rng, per_class):
    """Points of the three Gaussian blobs and their labels."""
    labels = np.repeat(np.arange(NUM_CLASSES), per_class)
    return CENTERS[labels] + BLOB_STD * rng.standard_normal((len(labels), 2)), labels


def ring(rng, n, radii):
    """`n` points drawn uniformly from the annulus between `radii`."""
    angle = rng.uniform(0.0, 2 * np.pi, n)
    radius = np.sqrt(rng.uniform(radii[0] ** 2, radii[1] ** 2, n))
    return radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)


def training_set(rng, per_class):
    """Inputs and target concentrations: sharp for the blobs, flat (all 1) on the ring."""
    x_in, labels = blobs(rng, per_class)
    x_out = ring(rng, NUM_CLASSES * per_class, OOD_TRAIN_RADII)
    sharp = 1.0 + (TARGET_PRECISION - 1.0) * np.eye(NUM_CLASSES)[labels]
    flat = np.ones((len(x_out), NUM_CLASSES))
    return np.concatenate([x_in, x_out]), np.concatenate([sharp, flat]), labels


def init_params(rng, hidden):
    return {
        "w1": rng.standard_normal((2, hidden)),
        "b1": np.zeros(hidden),
        "w2": rng.standard_normal((hidden, hidden)) / np.sqrt(hidden),
        "b2": np.zeros(hidden),
        "w3": rng.standard_normal((hidden, NUM_CLASSES)) * 0.1,
        "b3": np.zeros(NUM_CLASSES),
    }


def train(params, x, target, args):
    """Full-batch Adam on the reverse KL; the loss of every step."""
    value_and_grad = myia.value_and_grad(reverse_kl_loss)
    optimizer = Adam(params, lr=args.lr)
    losses = []
    bar = trange(args.steps, desc="prior network", unit="step")
    for _ in bar:
        loss, grads = value_and_grad(params, x, target)
        params = optimizer.step(params, grads)
        losses.append(float(loss))
        bar.set_postfix(loss=f"{loss:.3f}")
    return params, losses


def total_concentration(params, x):
    # The model is an ordinary NumPy function: evaluation calls it directly.
    return np.sum(np.exp(log_concentrations(params, x)), axis=-1)


def plot(params, losses, x_train, labels, out):
    fig, (ax_loss, ax_map) = subplots(2, figsize=(11, 4.5))
    ax_loss.plot(np.arange(1, len(losses) + 1), losses)
    ax_loss.set(xlabel="step", ylabel="reverse KL", yscale="log", title="Training loss")
    lim = OOD_TEST_RADII[1]
    grid = np.linspace(-lim, lim, 121)
    gx, gy = np.meshgrid(grid, grid)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    level = np.log10(total_concentration(params, points)).reshape(gx.shape)
    image = ax_map.contourf(gx, gy, level, levels=20, cmap="viridis")
    fig.colorbar(image, ax=ax_map, label="log10 total concentration sum(alpha)")
    n_in = len(labels)
    ax_map.scatter(*x_train[n_in:].T, s=3, c="white", alpha=0.5, label="OOD training points")
    for k in range(NUM_CLASSES):  # one colour (from the default cycle) and entry per class
        ax_map.scatter(*x_train[:n_in][labels == k].T, s=3, color=f"C{k + 1}", label=f"class {k}")
    ax_map.set(title="Total concentration", aspect="equal")
    ax_map.legend(loc="lower left", fontsize="small")
    return save_figure(fig, out, "dirichlet_prior_network.png")


@single_threaded_blas
def main(argv=None):
    """Train the prior network; returns the test accuracy, the mean total concentrations of
    in- and out-of-distribution test points, and the plot's path."""
    parser = example_parser(__doc__)
    parser.add_argument("--steps", type=int, default=800, help="full-batch training steps")
    parser.add_argument("--hidden", type=int, default=32, help="units per hidden layer")
    parser.add_argument("--per-class", type=int, default=200, help="training points per blob")
    parser.add_argument("--lr", type=float, default=0.01, help="Adam learning rate")
    args = parse_args(parser, argv, small={"steps": 150, "per_class": 20})
    rng = np.random.default_rng(args.seed)
    x_train, target, labels = training_set(rng, args.per_class)
    params = init_params(rng, args.hidden)
    start = time.perf_counter()
    params, losses = train(params, x_train, target, args)
    print(f"trained in {time.perf_counter() - start:.1f} s")
    print(f"reverse KL: {losses[0]:.3f} at the first step -> {losses[-1]:.3f}")
    x_test, test_labels = blobs(rng, 200)
    x_far = ring(rng, 600, OOD_TEST_RADII)
    log_alpha = log_concentrations(params, x_test)
    accuracy = float(np.mean(np.argmax(log_alpha, axis=1) == test_labels))
    in_dist = float(np.mean(total_concentration(params, x_test)))
    out_dist = float(np.mean(total_concentration(params, x_far)))
    print(f"in-distribution test accuracy: {100 * accuracy:.1f}%")
    print("mean total concentration sum(alpha) (a flat Dirichlet has 3):")
    print(f"  in-distribution test points:     {in_dist:8.2f}")
    print(
        f"  out-of-distribution (r = {OOD_TEST_RADII[0]:g}-{OOD_TEST_RADII[1]:g}): {out_dist:8.2f}"
    )
    return {
        "accuracy": accuracy,
        "in-distribution concentration": in_dist,
        "out-of-distribution concentration": out_dist,
        "plot": plot(params, losses, x_train, labels, args.out),
    }


if __name__ == "__main__":
    main()
