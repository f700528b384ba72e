"""Handwritten digits: logistic regression and a two-layer MLP trained with myia.

Shows `myia.value_and_grad` on a real data set, scikit-learn's 8x8 handwritten digits
(shipped inside scikit-learn: no download). Each loss is plain NumPy code over a dict of
parameters; myia differentiates it by source transformation, and Adam, written in NumPy,
updates the parameters outside the compiled function. Prints the test accuracy of both
models and saves their training curves to OUT/digits.png.

Run:  python examples/digits.py [--epochs 30] [--hidden 64] [--out DIR] [--small]
"""

from __future__ import annotations

import time

import numpy as np
from _common import (
    Adam,
    example_parser,
    log_softmax,
    parse_args,
    save_figure,
    single_threaded_blas,
    subplots,
)
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from tqdm import trange

import myia

NUM_CLASSES = 10

# ---------------------------------------------------------------- models (compiled by myia)


def logreg_logits(params, x):
    return x @ params["w"] + params["b"]


def mlp_logits(params, x):
    hidden = np.tanh(x @ params["w1"] + params["b1"])
    return hidden @ params["w2"] + params["b2"]


def cross_entropy(logits, onehot):
    return -np.mean(np.sum(onehot * log_softmax(logits), axis=1))


def logreg_loss(params, x, onehot):
    return cross_entropy(logreg_logits(params, x), onehot)


def mlp_loss(params, x, onehot):
    return cross_entropy(mlp_logits(params, x), onehot)


# ---------------------------------------------------------------- data, training, evaluation


def load_data(seed):
    """Pixels scaled to [0, 1] and labels, split 75% / 25% into train and test sets."""
    digits = load_digits()
    x = digits.data / 16.0
    return train_test_split(
        x, digits.target, test_size=0.25, random_state=seed, stratify=digits.target
    )


def init_logreg(rng, num_inputs, hidden):
    return {"w": np.zeros((num_inputs, NUM_CLASSES)), "b": np.zeros(NUM_CLASSES)}


def init_mlp(rng, num_inputs, hidden):
    return {
        "w1": rng.standard_normal((num_inputs, hidden)) / np.sqrt(num_inputs),
        "b1": np.zeros(hidden),
        "w2": rng.standard_normal((hidden, NUM_CLASSES)) / np.sqrt(hidden),
        "b2": np.zeros(NUM_CLASSES),
    }


def accuracy(logits_fn, params, x, labels):
    # The models are ordinary NumPy functions: evaluation calls them directly.
    return float(np.mean(np.argmax(logits_fn(params, x), axis=1) == labels))


def train(name, loss, logits_fn, params, data, args):
    """Minibatch Adam for `args.epochs` epochs; the loss and test accuracy of every epoch."""
    x_train, x_test, y_train, y_test = data
    onehot = np.eye(NUM_CLASSES)[y_train]
    value_and_grad = myia.value_and_grad(loss)
    optimizer = Adam(params, lr=args.lr)
    rng = np.random.default_rng(args.seed)
    history = {"loss": [], "test accuracy": []}
    bar = trange(args.epochs, desc=name, unit="epoch")
    for _ in bar:
        order = rng.permutation(len(x_train))
        losses = []
        # Only full batches, so that every step has the same shapes (one compilation).
        for start in range(0, len(order) - args.batch_size + 1, args.batch_size):
            batch = order[start : start + args.batch_size]
            value, grads = value_and_grad(params, x_train[batch], onehot[batch])
            params = optimizer.step(params, grads)
            losses.append(value)
        history["loss"].append(float(np.mean(losses)))
        history["test accuracy"].append(accuracy(logits_fn, params, x_test, y_test))
        bar.set_postfix(
            loss=f"{history['loss'][-1]:.4f}", test_acc=f"{history['test accuracy'][-1]:.3f}"
        )
    return history


def plot(histories, out):
    fig, (ax_loss, ax_acc) = subplots(2, figsize=(10, 4))
    for name, history in histories.items():
        epochs = np.arange(1, len(history["loss"]) + 1)
        ax_loss.plot(epochs, history["loss"], label=name)
        ax_acc.plot(epochs, history["test accuracy"], label=name)
    ax_loss.set(
        xlabel="epoch", ylabel="training cross-entropy", yscale="log", title="Training loss"
    )
    ax_acc.set(xlabel="epoch", ylabel="test accuracy", title="Test accuracy")
    ax_loss.legend()
    ax_acc.legend()
    return save_figure(fig, out, "digits.png")


@single_threaded_blas
def main(argv=None):
    """Train both models; returns their final test accuracies and the plot's path."""
    parser = example_parser(__doc__)
    parser.add_argument("--epochs", type=int, default=30, help="passes over the training set")
    parser.add_argument("--batch-size", type=int, default=32, help="examples per step")
    parser.add_argument("--hidden", type=int, default=64, help="hidden units of the MLP")
    parser.add_argument("--lr", type=float, default=0.005, help="Adam learning rate")
    args = parse_args(parser, argv, small={"epochs": 2})
    data = load_data(args.seed)
    rng = np.random.default_rng(args.seed)
    num_inputs = data[0].shape[1]
    models = {
        "logistic regression": (logreg_loss, logreg_logits, init_logreg),
        f"MLP ({args.hidden} tanh units)": (mlp_loss, mlp_logits, init_mlp),
    }
    start = time.perf_counter()
    histories = {
        name: train(name, loss, logits_fn, init(rng, num_inputs, args.hidden), data, args)
        for name, (loss, logits_fn, init) in models.items()
    }
    print(f"trained in {time.perf_counter() - start:.1f} s")
    for name, history in histories.items():
        print(f"{name}: test accuracy {100 * history['test accuracy'][-1]:.2f}%")
    accuracies = {name: history["test accuracy"][-1] for name, history in histories.items()}
    return {"test accuracy": accuracies, "plot": plot(histories, args.out)}


if __name__ == "__main__":
    main()
