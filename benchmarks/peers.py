"""Optional peers: autograd, JAX and PyTorch on the peer benchmark's own spelling.

None of these is a dependency: `available_peers()` imports each one that is installed and
reports the others as missing, and the runner times those it found beside myia (in the same
interleaved rounds), checked against the same hand-written adjoints. Their rows are shown in
brackets and never count as a myia spelling.

autograd and JAX run the very source of peer_workloads.py with `np` rebound to their NumPy
(`autograd.numpy`, `jax.numpy`), as the peer benchmark does; PyTorch has no NumPy-compatible
namespace, so `torch_losses` spells the same functions in torch. All run in float64 on the
CPU (JAX in 64-bit mode, jitted, the result awaited).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def _nums(argnums) -> tuple[int, ...]:
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


def xp_losses(source: str, xp, grad) -> dict[str, Callable]:
    """The peer workloads' functions with `np` bound to `xp`; `grad` makes the HVP's inner grad."""
    ns: dict = {"__name__": "_peer_workloads_for_peer"}
    exec(compile(source, "peer_workloads.py", "exec"), ns)
    ns["np"] = xp  # the functions read the global `np` when they run

    def hvp_objective(x, v):
        return xp.sum(grad(ns["tanh_cube"])(x) * v)

    fns = {k: ns[k] for k in ("scalar_poly", "mlp_loss", "rnn_loss", "rec_pow", "softmax_xent")}
    fns["hvp_objective"] = hvp_objective
    return fns


def torch_losses(torch) -> dict[str, Callable]:
    """peer_workloads.py's functions, spelled in PyTorch."""

    def scalar_poly(x):
        for _ in range(50):
            x = x * 0.9 + torch.sin(x) * 0.1
        return x

    def mlp_loss(W1, b1, W2, b2, X, Y):
        h = torch.tanh(X @ W1 + b1)
        out = h @ W2 + b2
        return torch.mean((out - Y) ** 2)

    def rnn_loss(Wx, Wh, b, xs, h0):
        h = h0
        for t in range(xs.shape[0]):
            h = torch.tanh(xs[t] @ Wx + h @ Wh + b)
        return torch.sum(h * h)

    def rec_pow(x, n):
        if n == 0:
            r = torch.ones((), dtype=x.dtype)
        else:
            r = x * rec_pow(x, n - 1)
        return r

    def tanh_cube(x):
        return torch.sum(torch.tanh(x) ** 2 * x)

    def hvp_objective(x, v):
        (g,) = torch.autograd.grad(tanh_cube(x), x, create_graph=True)
        return torch.sum(g * v)

    def softmax_xent(W, X, Y):
        z = X @ W
        m = torch.amax(z, dim=1, keepdim=True)
        lse = m + torch.log(torch.sum(torch.exp(z - m), dim=1, keepdim=True))
        return torch.mean(lse - torch.sum(z * Y, dim=1, keepdim=True))

    return {
        "scalar_poly": scalar_poly,
        "mlp_loss": mlp_loss,
        "rnn_loss": rnn_loss,
        "rec_pow": rec_pow,
        "hvp_objective": hvp_objective,
        "softmax_xent": softmax_xent,
    }


class Peer:
    """A framework to compare with; `load()` raises ImportError when it is not installed."""

    name = ""
    module = ""

    def load(self) -> str:
        mod = importlib.import_module(self.module)
        return str(getattr(mod, "__version__", "unknown"))

    def build(self, workload, source: str, args: tuple) -> tuple[Callable[[], Any], Callable]:
        """(call, to_numpy): call() computes the gradient of `workload.fn` at `args`."""
        raise NotImplementedError


class AutogradPeer(Peer):
    name = "autograd"
    module = "autograd"

    def load(self) -> str:
        import importlib.metadata

        importlib.import_module("autograd")
        return importlib.metadata.version("autograd")

    def build(self, workload, source, args):
        import autograd
        import autograd.numpy as anp

        fn = xp_losses(source, anp, autograd.grad)[workload.fn]
        g = autograd.grad(fn, argnum=workload.argnums)
        return (lambda: g(*args)), (lambda r: r)


class JaxPeer(Peer):
    name = "jax"
    module = "jax"

    def load(self) -> str:
        import jax

        jax.config.update("jax_enable_x64", True)
        return jax.__version__

    def build(self, workload, source, args):
        import jax
        import jax.numpy as jnp
        import numpy as np

        fn = xp_losses(source, jnp, jax.grad)[workload.fn]
        # int arguments (rec_pow's recursion depth) are compile-time constants
        static = tuple(i for i, a in enumerate(args) if isinstance(a, int))
        g = jax.jit(jax.grad(fn, argnums=workload.argnums), static_argnums=static)
        jargs = tuple(a if isinstance(a, (int, float)) else jnp.asarray(a) for a in args)

        def call():
            return jax.block_until_ready(g(*jargs))

        return call, lambda r: jax.tree_util.tree_map(np.asarray, r)


class TorchPeer(Peer):
    name = "torch"
    module = "torch"

    def build(self, workload, source, args):
        import torch

        fn = torch_losses(torch)[workload.fn]
        nums = _nums(workload.argnums)
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
            return out[0] if isinstance(workload.argnums, int) else out

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
