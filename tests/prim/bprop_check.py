"""Checks of primitive backpropagators run as plain Python (they are ordinary functions).

`check_bprop(prim, *args)` compares the backpropagator of `prim`, called directly, with
central finite differences of its implementation along a random output direction.
`assert_bprop_in_subset(prim)` checks that every name a backpropagator calls resolves to a
registered primitive, so the parser can read it and the grad transform can differentiate it.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

import numpy as np

from myia.prim import ZERO, primitive_for
from myia.prim.registry import Primitive

EPS = 1e-6


def _is_float(x):
    return isinstance(x, float) or (
        isinstance(x, (np.ndarray, np.generic)) and np.issubdtype(np.asarray(x).dtype, np.floating)
    )


def _perturb(x, i, h):
    if isinstance(x, float):
        return x + h
    y = np.array(x, dtype=np.float64, copy=True)
    y.flat[i] += h
    return y.astype(np.asarray(x).dtype) if isinstance(x, np.ndarray) else type(x)(y)


def check_bprop(prim: Primitive, *args, wrt=None, rtol=1e-4, atol=1e-6, seed=0):
    """Assert that `prim.bprop` matches finite differences of `prim.impl` at `args`.

    Only float arguments (or those listed in `wrt`) are checked; the others must get ZERO
    or zeros. Each sensitivity must have its input's shape and dtype.
    """
    rng = np.random.default_rng(seed)
    out = prim.impl(*args)
    dout = rng.standard_normal(np.shape(out))
    dout = float(dout) if isinstance(out, float) else np.asarray(dout, dtype=np.asarray(out).dtype)
    if isinstance(out, np.generic):
        dout = out.dtype.type(dout)
    sens = prim.bprop(*args, out, dout)
    assert isinstance(sens, tuple) and len(sens) == len(args), (
        f"{prim.name}: bprop must return a tuple of {len(args)} sensitivities, got {sens!r}"
    )
    indices = wrt if wrt is not None else [i for i, a in enumerate(args) if _is_float(a)]
    for k in indices:
        x = args[k]
        s = sens[k]
        assert s is not ZERO, f"{prim.name}: sensitivity of argument {k} is ZERO"
        assert np.shape(s) == np.shape(x), (
            f"{prim.name}: sensitivity of argument {k} has shape {np.shape(s)}, input {np.shape(x)}"
        )
        if isinstance(x, float):
            assert isinstance(s, float), f"{prim.name}: sensitivity of a float must be a float"
        else:
            assert np.asarray(s).dtype == np.asarray(x).dtype, (
                f"{prim.name}: sensitivity dtype {np.asarray(s).dtype} != {np.asarray(x).dtype}"
            )
        expected = np.zeros(np.shape(x))
        for i in range(int(np.prod(np.shape(x), dtype=int))):
            hi = list(args)
            lo = list(args)
            hi[k] = _perturb(x, i, EPS)
            lo[k] = _perturb(x, i, -EPS)
            diff = (np.asarray(prim.impl(*hi), np.float64) - np.asarray(prim.impl(*lo), np.float64))
            expected.flat[i] = np.sum(diff * dout) / (2 * EPS)
        np.testing.assert_allclose(
            np.asarray(s, np.float64), expected, rtol=rtol, atol=atol,
            err_msg=f"{prim.name}: gradient of argument {k}",
        )
    return sens


def _resolve(expr, env):
    if isinstance(expr, ast.Name):
        if expr.id in env:
            return env[expr.id]
        import builtins

        return getattr(builtins, expr.id, None)
    if isinstance(expr, ast.Attribute):
        base = _resolve(expr.value, env)
        return getattr(base, expr.attr, None) if base is not None else None
    return None


def assert_bprop_in_subset(prim: Primitive) -> None:
    """Every function a backpropagator calls is a registered primitive (or a local)."""
    fn = prim.bprop
    if fn is None:
        return
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    env = dict(fn.__globals__)
    local = {a.arg for a in tree.body[0].args.args}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.Lambda)) and node is not tree.body[0]:
            local |= {a.arg for a in node.args.args}
            if isinstance(node, ast.FunctionDef):
                local.add(node.name)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            local.add(node.id)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in local:
                continue
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in local:
                continue  # a method call on a local value (x.reshape(...))
            obj = _resolve(f, env)
            assert obj is not None and (primitive_for(obj) is not None or inspect.isfunction(obj)), (
                f"{prim.name}: its bprop calls {ast.unparse(f)}, which is not a registered primitive"
            )
