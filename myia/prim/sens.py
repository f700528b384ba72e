"""Sensitivities: the symbolic zero and the primitives adjoint programs use to build,
add and take apart sensitivities.

The sensitivity of a value has the value's structure: an array's is an array of the same
shape and dtype, a tuple's is a tuple of its elements' sensitivities, a closure's is the
tuple of its free variables' sensitivities (in the order its graph fixes). `ZERO` is the
symbolic zero sensitivity of any value: adding it is the identity, taking an element of it
gives `ZERO`, and the API turns any `ZERO` left in a gradient into real zeros of the
input's shape. Every primitive here has a backpropagator, so adjoints differentiate again.
"""

from __future__ import annotations

import numpy as np

from myia.errors import MyiaTypeError
from myia.prim.registry import primitive


class Zero:
    """The type of `ZERO`, the symbolic zero sensitivity."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ZERO"

    def __reduce__(self):
        return (Zero, ())

    def __bool__(self):
        raise TypeError("the symbolic ZERO sensitivity has no truth value")


ZERO = Zero()


@primitive("is_zero", nondiff=True)
def is_zero(x):
    """True when `x` is the symbolic zero sensitivity."""
    return x is ZERO


_STRUCTURES = (tuple, list, dict)


def _add_sens(a, b):
    if a is ZERO:
        return b
    if b is ZERO:
        return a
    if isinstance(a, tuple):
        return tuple(_add_sens(x, y) for x, y in zip(a, b))
    if isinstance(a, list):
        return [_add_sens(x, y) for x, y in zip(a, b)]
    if isinstance(a, dict):
        return {k: _add_sens(a[k], b[k]) for k in a}
    return a + b


@primitive("gadd")
def gadd(a, b):
    """Add two sensitivities of the same value (structures elementwise; ZERO is neutral)."""
    return (
        b
        if a is ZERO
        else a
        if b is ZERO
        else _add_sens(a, b)
        if isinstance(a, _STRUCTURES)
        else a + b
    )


@gadd.defbprop
def bprop_gadd(a, b, out, dout):
    return (dout, dout)


@primitive("gadd_numbers")
def gadd_numbers(a, b):
    """`gadd` of two sensitivities of a number or an array (no structure to walk): `a + b`,
    ZERO neutral. The J transform uses it where the primal program's types say so."""
    return b if a is ZERO else a if b is ZERO else a + b


@gadd_numbers.defbprop
def bprop_gadd_numbers(a, b, out, dout):
    return (dout, dout)


def _shape_of(x):
    return np.shape(x)


@primitive("sum_to")
def sum_to(x, like):
    """Reduce `x` by summation to the shape of `like`, undoing NumPy broadcasting.

    The result also takes `like`'s type: a Python float for a float, an array of `like`'s
    dtype for an array. The sensitivity of an int or bool is `ZERO`.
    """
    if x is ZERO:
        return ZERO
    if isinstance(like, (tuple, list)):
        out = [sum_to(a, b) for a, b in zip(x, like)]
        return tuple(out) if isinstance(x, tuple) else out
    if isinstance(like, dict):
        return {k: sum_to(x[k], like[k]) for k in like}
    if not isinstance(like, (float, int, bool, np.ndarray, np.generic)):
        return x
    if isinstance(like, (bool, int, np.integer, np.bool_)) or (
        isinstance(like, np.ndarray) and like.dtype.kind in "biu"
    ):
        return ZERO
    if type(like) is float:
        return float(np.sum(x))
    shape = _shape_of(like)
    x = np.asarray(x)
    if x.shape != shape:
        lead = x.ndim - len(shape)
        if lead > 0:
            x = np.sum(x, axis=tuple(range(lead)))
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and x.shape[i] != 1)
        if axes:
            x = np.sum(x, axis=axes, keepdims=True)
    dtype = getattr(like, "dtype", None)
    if dtype is not None and x.dtype != dtype:
        x = x.astype(dtype)
    if isinstance(like, np.generic):
        return dtype.type(x) if dtype is not None else x[()]
    return np.asarray(x)


@sum_to.defbprop
def bprop_sum_to(x, like, out, dout):
    return (broadcast_like(dout, x), ZERO)


@primitive("broadcast_like")
def broadcast_like(x, like):
    """Broadcast `x` to the shape of `like` (the adjoint of `sum_to`)."""
    if x is ZERO:
        return ZERO
    if isinstance(like, (tuple, list)):
        out = [broadcast_like(a, b) for a, b in zip(x, like)]
        return tuple(out) if isinstance(x, tuple) else out
    if isinstance(like, dict):
        return {k: broadcast_like(x[k], like[k]) for k in like}
    if not isinstance(like, (float, int, bool, np.ndarray, np.generic)):
        return x
    if type(like) is float:
        return float(x)
    shape = _shape_of(like)
    if np.shape(x) == shape:
        return x
    return np.broadcast_to(x, shape).copy()


@broadcast_like.defbprop
def bprop_broadcast_like(x, like, out, dout):
    return (sum_to(dout, x), ZERO)


@primitive("sens_get")
def sens_get(s, i):
    """Element `i` of a structured sensitivity; `ZERO` when `s` is `ZERO`."""
    return ZERO if s is ZERO else s[i]


@sens_get.defbprop
def bprop_sens_get(s, i, out, dout):
    return (sens_at(s, i, dout), ZERO)


def _blank_like(like):
    if isinstance(like, dict):
        return dict.fromkeys(like, ZERO)
    return [ZERO] * len(like)


@primitive("sens_at")
def sens_at(like, i, v):
    """A sensitivity shaped like the container `like`: `v` at `i`, `ZERO` elsewhere."""
    if like is ZERO:
        return ZERO
    out = _blank_like(like)
    out[i] = v
    if isinstance(like, tuple):
        return tuple(out)
    return out


@sens_at.defbprop
def bprop_sens_at(like, i, v, out, dout):
    return (ZERO, ZERO, sens_get(dout, i))


@primitive("zeros_of")
def zeros_of(like):
    """Real zeros with the structure, shape and dtype of `like` (instantiates `ZERO`)."""
    if isinstance(like, tuple):
        return tuple(zeros_of(x) for x in like)
    if isinstance(like, list):
        return [zeros_of(x) for x in like]
    if isinstance(like, dict):
        return {k: zeros_of(v) for k, v in like.items()}
    if type(like) is float:
        return 0.0
    if isinstance(like, (np.ndarray, np.generic)):
        return np.zeros_like(like)
    return ZERO


@zeros_of.defbprop
def bprop_zeros_of(like, out, dout):
    return (ZERO,)


@primitive("instantiate")
def instantiate(s, like):
    """`s` with every `ZERO` inside it replaced by real zeros shaped like `like`."""
    if s is ZERO:
        return zeros_of(like)
    if isinstance(like, tuple):
        return tuple(instantiate(a, b) for a, b in zip(s, like))
    if isinstance(like, list):
        return [instantiate(a, b) for a, b in zip(s, like)]
    if isinstance(like, dict):
        return {k: instantiate(s[k], like[k]) for k in like}
    return s


@instantiate.defbprop
def bprop_instantiate(s, like, out, dout):
    return (dout, ZERO)


def _describe_value(x) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    name = type(x).__name__
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


@primitive("unit_sens", nondiff=True)
def unit_sens(x):
    """The sensitivity 1 for a scalar output `x`; refuses anything but a float scalar."""
    if type(x) is float:
        return 1.0
    if isinstance(x, (np.floating, np.ndarray)) and np.shape(x) == () and x.dtype.kind == "f":
        return np.ones((), x.dtype)[()] if isinstance(x, np.generic) else np.ones((), x.dtype)
    raise MyiaTypeError(
        f"grad needs a function whose output is a float scalar, but it returned "
        f"{_describe_value(x)}; reduce it first (for example with np.sum or np.mean), or use "
        "has_aux=True to return extra values as `(loss, aux)`"
    )


def _check_differentiable(x, where: str) -> None:
    if isinstance(x, (tuple, list)):
        for i, e in enumerate(x):
            _check_differentiable(e, f"{where}[{i}]")
    elif isinstance(x, dict):
        for k, e in x.items():
            _check_differentiable(e, f"{where}[{k!r}]")
    elif isinstance(x, (bool, int, np.integer, np.bool_)) or (
        isinstance(x, np.ndarray) and x.dtype.kind in "biu"
    ):
        raise MyiaTypeError(
            f"cannot differentiate with respect to {where}, which is {_describe_value(x)} "
            f"({x!r}); pass a float instead (for example 3.0 rather than 3, or "
            "x.astype(float))"
        )


@primitive("grad_output")
def grad_output(s, x, seed):
    """The gradient returned for input `x`: `s` with zeros instantiated, after checking
    that `x` is differentiable (floats, float arrays and containers of them). `seed`, the
    output sensitivity, is an input so that the check of the output (`unit_sens`) is kept
    even when no gradient depends on it."""
    t = type(x)
    if t is type(s) and (t is float or (t is np.ndarray and x.dtype.kind == "f")):
        return s  # a float, or a float array: nothing to check or fill in
    _check_differentiable(x, "the argument")
    return instantiate(s, x)


@grad_output.defbprop
def bprop_grad_output(s, x, seed, out, dout):
    return (dout, ZERO, ZERO)


def _leaves(x):
    if isinstance(x, (tuple, list)):
        for e in x:
            yield from _leaves(e)
    elif isinstance(x, dict):
        for k in sorted(x, key=repr):
            yield from _leaves(x[k])
    else:
        yield x


@primitive("tree_vdot")
def tree_vdot(a, b):
    """The sum over matching leaves of two structures of `sum(a_leaf * b_leaf)`."""
    total = 0.0
    for x, y in zip(_leaves(a), _leaves(b)):
        if x is ZERO or y is ZERO:
            continue
        total = total + float(np.sum(np.multiply(x, y, dtype=np.float64)))
    return total


@tree_vdot.defbprop
def bprop_tree_vdot(a, b, out, dout):
    return (tree_scale(b, dout, a), tree_scale(a, dout, b))


def _scale(v, s, like):
    if isinstance(like, (tuple, list)):
        out = [_scale(x, s, y) for x, y in zip(v, like)]
        return tuple(out) if isinstance(like, tuple) else out
    if isinstance(like, dict):
        return {k: _scale(v[k], s, like[k]) for k in like}
    if v is ZERO:
        return ZERO
    return sum_to(np.multiply(v, s), like)


@primitive("tree_scale")
def tree_scale(v, s, like):
    """Every leaf of `v` times the scalar `s`, each shaped and typed like `like`'s leaf."""
    return _scale(v, s, like)


@tree_scale.defbprop
def bprop_tree_scale(v, s, like, out, dout):
    return (tree_scale(dout, s, v), tree_vdot(v, dout), ZERO)


@primitive("check_differentiable")
def check_differentiable(x):
    """`x`, after checking that a gradient can be taken with respect to it (floats, float
    arrays and containers of them); raises `MyiaTypeError` suggesting a float otherwise."""
    _check_differentiable(x, "the argument")
    return x


@check_differentiable.defbprop
def bprop_check_differentiable(x, out, dout):
    return (dout,)


@primitive("aux_pair")
def aux_pair(out):
    """`out`, after checking it is a pair `(loss, aux)` as `has_aux=True` requires."""
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise MyiaTypeError(
            f"with has_aux=True the function must return a pair (loss, aux), but it returned "
            f"{_describe_value(out)}"
        )
    return out


@aux_pair.defbprop
def bprop_aux_pair(out, res, dout):
    return (dout,)


@primitive("rule_result")
def rule_result(r, n, name):
    """The result `r` of a custom backpropagator of `name`, checked to be a tuple of `n`."""
    if not isinstance(r, tuple) or len(r) != n:
        raise MyiaTypeError(
            f"the backpropagator of `{name}` must return a tuple with one sensitivity per "
            f"input ({n}), but it returned {_describe_value(r)}"
            + (f" of length {len(r)}" if isinstance(r, (tuple, list)) else "")
        )
    return r


@rule_result.defbprop
def bprop_rule_result(r, n, name, out, dout):
    return (dout, ZERO, ZERO)
