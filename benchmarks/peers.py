"""Optional peers: the same workloads differentiated by autograd, JAX and PyTorch.

None of these is a dependency. `available_peers()` imports each one that is installed and
reports the others as missing; the runner then adds a column for each peer it found. Each
peer builds, per workload, a zero-argument `call()` that computes the gradient (and waits
for it, for JAX) and a `to_numpy(result)` that turns its result into NumPy values with the
gradient's structure, so the runner can check it against the hand-written adjoint.

All peers run in float64 (JAX is switched to 64-bit mode) on the CPU.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def xp_losses(xp, grad) -> dict[str, Callable]:
    """The workloads written against a NumPy-like module `xp` (autograd.numpy, jax.numpy).

    `grad` is that framework's `grad`, used by the Hessian-vector product.
    """

    def scalar_poly(x):
        for _ in range(50):
            x = x * 0.9 + xp.sin(x) * 0.1
        return x

    def mlp_loss(W1, b1, W2, b2, X, Y):
        h = xp.tanh(X @ W1 + b1)
        err = h @ W2 + b2 - Y
        return xp.mean(err * err)

    def rnn_loss(Wx, Wh, b, xs, h0):
        h = h0
        for t in range(xs.shape[0]):
            h = xp.tanh(xs[t] @ Wx + h @ Wh + b)
        return xp.sum(h * h)

    def recursive_pow(x, n):
        return 1.0 if n == 0 else x * recursive_pow(x, n - 1)

    def hvp_f(x):
        return xp.sum(xp.tanh(x) ** 2 * x)

    def hvp(x, v):
        return xp.sum(grad(hvp_f)(x) * v)

    def logsumexp_softmax(W, X, Y):
        Z = X @ W
        m = xp.max(Z, axis=1, keepdims=True)
        lse = xp.log(xp.sum(xp.exp(Z - m), axis=1)) + m[:, 0]
        return xp.mean(lse - xp.sum(Z * Y, axis=1))

    return {
        "scalar_poly": scalar_poly,
        "mlp": mlp_loss,
        "rnn": rnn_loss,
        "recursive_pow": recursive_pow,
        "hessian_vec": hvp,
        "logsumexp_softmax": logsumexp_softmax,
    }


def torch_losses(torch) -> dict[str, Callable]:
    """The workloads written against PyTorch."""

    def scalar_poly(x):
        for _ in range(50):
            x = x * 0.9 + torch.sin(x) * 0.1
        return x

    def mlp_loss(W1, b1, W2, b2, X, Y):
        h = torch.tanh(X @ W1 + b1)
        err = h @ W2 + b2 - Y
        return torch.mean(err * err)

    def rnn_loss(Wx, Wh, b, xs, h0):
        h = h0
        for t in range(xs.shape[0]):
            h = torch.tanh(xs[t] @ Wx + h @ Wh + b)
        return torch.sum(h * h)

    def recursive_pow(x, n):
        return 1.0 if n == 0 else x * recursive_pow(x, n - 1)

    def hvp_f(x):
        return torch.sum(torch.tanh(x) ** 2 * x)

    def hvp(x, v):
        (g,) = torch.autograd.grad(hvp_f(x), x, create_graph=True)
        return torch.sum(g * v)

    def logsumexp_softmax(W, X, Y):
        Z = X @ W
        m = torch.amax(Z, dim=1, keepdim=True)
        lse = torch.log(torch.sum(torch.exp(Z - m), dim=1)) + m[:, 0]
        return torch.mean(lse - torch.sum(Z * Y, dim=1))

    return {
        "scalar_poly": scalar_poly,
        "mlp": mlp_loss,
        "rnn": rnn_loss,
        "recursive_pow": recursive_pow,
        "hessian_vec": hvp,
        "logsumexp_softmax": logsumexp_softmax,
    }


def _nums(argnums) -> tuple[int, ...]:
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


class Peer:
    """A framework to compare with; `load()` raises ImportError when it is not installed."""

    name = ""
    module = ""

    def load(self) -> str:
        mod = importlib.import_module(self.module)
        return str(getattr(mod, "__version__", "unknown"))

    def build(self, workload: str, args: tuple, argnums) -> tuple[Callable[[], Any], Callable]:
        raise NotImplementedError


class AutogradPeer(Peer):
    name = "autograd"
    module = "autograd"

    def build(self, workload, args, argnums):
        import autograd
        import autograd.numpy as anp

        fn = xp_losses(anp, autograd.grad)[workload]
        g = autograd.grad(fn, argnum=argnums)
        return (lambda: g(*args)), (lambda r: r)


class JaxPeer(Peer):
    name = "jax"
    module = "jax"

    def load(self) -> str:
        import jax

        jax.config.update("jax_enable_x64", True)
        return jax.__version__

    def build(self, workload, args, argnums):
        import jax
        import jax.numpy as jnp
        import numpy as np

        fn = xp_losses(jnp, jax.grad)[workload]
        # int arguments (the recursion depth of recursive_pow) are compile-time constants
        static = tuple(i for i, a in enumerate(args) if isinstance(a, int))
        g = jax.jit(jax.grad(fn, argnums=argnums), static_argnums=static)
        jargs = tuple(a if isinstance(a, (int, float)) else jnp.asarray(a) for a in args)

        def call():
            return jax.block_until_ready(g(*jargs))

        def to_numpy(r):
            return jax.tree_util.tree_map(np.asarray, r)

        return call, to_numpy


class TorchPeer(Peer):
    name = "torch"
    module = "torch"

    def build(self, workload, args, argnums):
        import torch

        fn = torch_losses(torch)[workload]
        nums = _nums(argnums)
        targs = [
            a if isinstance(a, (int, bool)) else torch.tensor(a, dtype=torch.float64) for a in args
        ]
        leaves = []
        for i in nums:
            targs[i] = targs[i].requires_grad_(True)
            leaves.append(targs[i])

        def call():
            return torch.autograd.grad(fn(*targs), leaves)

        def to_numpy(r):
            out = tuple(t.detach().numpy() for t in r)
            return out[0] if isinstance(argnums, int) else out

        return call, to_numpy


ALL_PEERS: list[Peer] = [AutogradPeer(), JaxPeer(), TorchPeer()]


def available_peers(enabled: bool = True) -> tuple[list[Peer], dict[str, dict]]:
    """(the peers that import, {name: {"available", "version" or "reason"}})."""
    found, info = [], {}
    for peer in ALL_PEERS:
        if not enabled:
            info[peer.name] = {"available": False, "reason": "disabled with --no-peers"}
            continue
        try:
            version = peer.load()
        except ImportError as e:
            info[peer.name] = {"available": False, "reason": f"not installed ({e})"}
        except Exception as e:  # a broken installation must not stop the benchmark
            info[peer.name] = {"available": False, "reason": f"{type(e).__name__}: {e}"}
        else:
            found.append(peer)
            info[peer.name] = {"available": True, "version": version}
    return found, info
