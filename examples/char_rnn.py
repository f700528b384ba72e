"""Character-level RNN: backpropagation through time by differentiating a Python loop.

A tanh recurrent network reads a small text embedded in this script one character at a
time and predicts the next one. The loss runs a plain Python `for` loop over the time
steps; myia differentiates that loop by source transformation (no tape, no unrolling by
hand), and Adam, written in NumPy, updates the parameters. Prints the loss going down,
samples text from the trained network with the same step function compiled by `myia.jit`,
and saves the training curve to OUT/char_rnn.png.

Run:  python examples/char_rnn.py [--steps 300] [--hidden 64] [--out DIR] [--small]
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
from tqdm import trange

import myia

TEXT = (
    "the cat sat on the mat. the dog sat on the log. "
    "a program is a graph and its gradient is another program. "
    "myia reads the source of a function and writes the source of its derivative. "
    "loops become recursion, closures carry their environment, and the adjoint of a "
    "closure is the adjoint of the values it holds. "
    "the cat saw the dog and the dog saw the cat. "
)

# ---------------------------------------------------------------- the model (compiled by myia)


def rnn_step(params, x, h):
    """One time step: the next hidden state and the logits of the next character."""
    h = np.tanh(x @ params["wx"] + h @ params["wh"] + params["bh"])
    return h @ params["wy"] + params["by"], h


def sequence_loss(params, inputs, targets):
    """Mean cross-entropy (nats per character) of one-hot `targets`, shaped (time, batch,
    vocab) like `inputs`, with the hidden state carried through a Python loop."""
    h = np.zeros((inputs.shape[1], params["bh"].shape[0]))
    total = 0.0
    for x, y in zip(inputs, targets):
        logits, h = rnn_step(params, x, h)
        total = total - np.sum(y * log_softmax(logits))
    return total / (inputs.shape[0] * inputs.shape[1])


# ---------------------------------------------------------------- data, training, sampling


def init_params(rng, vocab, hidden):
    return {
        "wx": rng.standard_normal((vocab, hidden)) * 0.1,
        "wh": rng.standard_normal((hidden, hidden)) / np.sqrt(hidden),
        "bh": np.zeros(hidden),
        "wy": rng.standard_normal((hidden, vocab)) * 0.1,
        "by": np.zeros(vocab),
    }


def random_batch(rng, codes, vocab, length, batch):
    """One-hot inputs and next-character targets of `batch` windows at random offsets."""
    starts = rng.integers(0, len(codes) - length - 1, size=batch)
    windows = codes[starts[None, :] + np.arange(length + 1)[:, None]]
    onehot = np.eye(vocab)[windows]
    return onehot[:-1], onehot[1:]


def clip_by_global_norm(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g * g) for g in myia.tree_leaves(grads)))
    scale = min(1.0, max_norm / (norm + 1e-12))
    return myia.tree_map(lambda g: g * scale, grads)


def train(params, codes, vocab, args):
    value_and_grad = myia.value_and_grad(sequence_loss)
    optimizer = Adam(params, lr=args.lr)
    rng = np.random.default_rng(args.seed)
    losses = []
    bar = trange(args.steps, desc="char-rnn", unit="step")
    for _ in bar:
        inputs, targets = random_batch(rng, codes, vocab, args.length, args.batch_size)
        loss, grads = value_and_grad(params, inputs, targets)
        params = optimizer.step(params, clip_by_global_norm(grads, 5.0))
        losses.append(float(loss))
        bar.set_postfix(loss=f"{loss:.3f}")
    return params, losses


def sample(params, chars, prefix, length, temperature, rng):
    """`prefix` followed by `length` characters drawn from the network."""
    step = myia.jit(rnn_step)
    vocab = len(chars)
    index = {c: i for i, c in enumerate(chars)}
    h = np.zeros(params["bh"].shape)
    out = list(prefix)
    for c in prefix:
        logits, h = step(params, np.eye(vocab)[index[c]], h)
    for _ in range(length):
        p = np.exp(log_softmax(logits / temperature))
        out.append(chars[rng.choice(vocab, p=p / p.sum())])
        logits, h = step(params, np.eye(vocab)[index[out[-1]]], h)
    return "".join(out)


def plot(losses, uniform, out):
    fig, ax = subplots(1, figsize=(7, 4))
    steps = np.arange(1, len(losses) + 1)
    window = max(1, len(losses) // 20)
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    ax.plot(steps, losses, alpha=0.3, label="minibatch loss")
    ax.plot(steps[window - 1 :], smooth, label=f"moving average ({window} steps)")
    ax.axhline(uniform, color="gray", linestyle="--", label="uniform guess (log vocab)")
    ax.set(xlabel="step", ylabel="cross-entropy (nats / char)", title="Character-level RNN")
    ax.legend()
    return save_figure(fig, out, "char_rnn.png")


@single_threaded_blas
def main(argv=None):
    """Train the RNN; returns the first and last losses, a sample and the plot's path."""
    parser = example_parser(__doc__)
    parser.add_argument("--steps", type=int, default=300, help="training steps")
    parser.add_argument("--hidden", type=int, default=64, help="hidden units")
    parser.add_argument("--length", type=int, default=25, help="time steps per sequence")
    parser.add_argument("--batch-size", type=int, default=16, help="sequences per step")
    parser.add_argument("--lr", type=float, default=0.01, help="Adam learning rate")
    args = parse_args(parser, argv, small={"steps": 30, "hidden": 16, "length": 10})
    chars = sorted(set(TEXT))
    codes = np.array([chars.index(c) for c in TEXT])
    rng = np.random.default_rng(args.seed)
    params = init_params(rng, len(chars), args.hidden)
    start = time.perf_counter()
    params, losses = train(params, codes, len(chars), args)
    print(f"trained in {time.perf_counter() - start:.1f} s")
    k = max(1, len(losses) // 10)
    first, last = losses[0], float(np.mean(losses[-k:]))
    print(f"vocabulary: {len(chars)} characters (uniform guess: {np.log(len(chars)):.3f} nats)")
    print(
        f"loss: {first:.3f} at the first step -> {last:.3f} nats/char (mean of the last {k} steps)"
    )
    text = sample(params, chars, "the ", 120, temperature=0.5, rng=rng)
    print(f"sample: {text!r}")
    return {
        "first loss": first,
        "last loss": last,
        "sample": text,
        "plot": plot(losses, np.log(len(chars)), args.out),
    }


if __name__ == "__main__":
    main()
