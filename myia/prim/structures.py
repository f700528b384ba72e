"""Primitives of data structures and control: tuples, lists, dicts, indexing, `switch`,
calls through `apply`, and the markers the parser emits (`return_`, `raise_`).
"""

from __future__ import annotations

import operator

import numpy as np

from myia.prim.registry import primitive
from myia.prim.sens import ZERO, sens_at, sens_get, sum_to


@primitive("return_")
def return_(x):
    """Marks a graph's output; the identity."""
    return x


@return_.defbprop
def bprop_return(x, out, dout):
    return (dout,)


@primitive("make_tuple")
def make_tuple(*xs):
    """Build a tuple (variadic; its backpropagator is built by the grad transform)."""
    return xs


@primitive("make_list")
def make_list(*xs):
    """Build a list (variadic; its backpropagator is built by the grad transform)."""
    return list(xs)


@primitive("make_dict")
def make_dict(keys, values):
    """Build a dict from a tuple of constant keys and a tuple of values."""
    return dict(zip(keys, values))


@make_dict.defbprop
def bprop_make_dict(keys, values, out, dout):
    return (ZERO, dict_values_sens(dout, keys))


@primitive("dict_values_sens")
def dict_values_sens(d, keys):
    """The tuple of the sensitivities `d[k]` for `k` in `keys` (ZERO where absent)."""
    if d is ZERO:
        return ZERO
    return tuple(d.get(k, ZERO) for k in keys)


@dict_values_sens.defbprop
def bprop_dict_values_sens(d, keys, out, dout):
    return (make_dict(keys, dout), ZERO)


@primitive("getitem", py=[operator.getitem])
def getitem(x, i):
    """`x[i]` for tuples, lists, dicts, ranges and arrays (basic and advanced indexing)."""
    return x[i]


@getitem.defbprop
def bprop_getitem(x, i, out, dout):
    return (getitem_sens(x, i, dout), ZERO)


@primitive("getitem_sens")
def getitem_sens(x, i, v):
    """The sensitivity of `x` when `x[i]` has sensitivity `v`: zeros but `v` at `i`."""
    if isinstance(x, (tuple, list, dict)):
        return sens_at(x, i, v)
    if isinstance(x, range) or v is ZERO:
        return ZERO
    out = np.zeros(np.shape(x), dtype=np.result_type(x, v))
    if _basic_index(i):
        out[i] = v  # basic indexing reaches each element at most once
    else:
        np.add.at(out, i, v)  # repeated indices accumulate
    if isinstance(x, float):
        return float(out)
    return sum_to(out, x)


def _basic_index(i) -> bool:
    """Whether `i` is a NumPy basic index (ints, slices, None, Ellipsis, or a tuple of
    them): no element is selected twice."""
    items = i if isinstance(i, tuple) else (i,)
    return all(
        (isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_)))
        or k is None
        or k is Ellipsis
        or isinstance(k, slice)
        for k in items
    )


@getitem_sens.defbprop
def bprop_getitem_sens(x, i, v, out, dout):
    return (ZERO, ZERO, sum_to(sens_get(dout, i), v))


@primitive("setitem")
def setitem(x, i, v):
    """A copy of the array or list `x` with `x[i] = v` (a functional update)."""
    if isinstance(x, list):
        out = list(x)
        out[i] = v
        return out
    out = np.array(x, copy=True)
    out[i] = v
    return out


@setitem.defbprop
def bprop_setitem(x, i, v, out, dout):
    return (clear_at(dout, i), ZERO, sum_to(sens_get(dout, i), v))


@primitive("clear_at")
def clear_at(x, i):
    """A copy of `x` with the element(s) at `i` set to zero."""
    if x is ZERO:
        return ZERO
    if isinstance(x, list):
        out = list(x)
        out[i] = ZERO
        return out
    out = np.array(x, copy=True)
    out[i] = 0
    return out


@clear_at.defbprop
def bprop_clear_at(x, i, out, dout):
    return (clear_at(dout, i), ZERO)


@primitive("list_append")
def list_append(xs, v):
    """`xs + [v]`: the functional append list comprehensions are built with."""
    return xs + [v]


@list_append.defbprop
def bprop_list_append(xs, v, out, dout):
    return (list_drop_last(dout), sens_get(dout, len(xs)))


@primitive("list_drop_last")
def list_drop_last(xs):
    """`xs[:-1]`, ZERO-tolerant."""
    if xs is ZERO:
        return ZERO
    return xs[:-1]


@list_drop_last.defbprop
def bprop_list_drop_last(xs, out, dout):
    return (list_append(instantiate_list(dout, len(xs) - 1), ZERO),)


@primitive("instantiate_list")
def instantiate_list(xs, n):
    """`xs`, or a list of `n` ZERO sensitivities when `xs` is ZERO."""
    if xs is ZERO:
        return [ZERO] * n
    return xs


@instantiate_list.defbprop
def bprop_instantiate_list(xs, n, out, dout):
    return (dout, ZERO)


@primitive("switch")
def switch(cond, a, b):
    """`a if cond else b` on already computed values (branches are closures)."""
    return a if cond else b


@switch.defbprop
def bprop_switch(cond, a, b, out, dout):
    return (ZERO, switch(cond, dout, ZERO), switch(cond, ZERO, dout))


@primitive("truth", py=[bool], nondiff=True)
def truth(x):
    """`bool(x)`, as `if` and `while` test their condition."""
    return bool(x)


@primitive("is_", py=[operator.is_], nondiff=True)
def is_(a, b):
    """`a is b`."""
    return a is b


@primitive("is_not", py=[operator.is_not], nondiff=True)
def is_not(a, b):
    """`a is not b`."""
    return a is not b


@primitive("len", py=[len], nondiff=True)
def len_(x):
    """`len(x)`."""
    return len(x)


@primitive("range", py=[range], nondiff=True)
def range_(start, stop=None, step=1):
    """`range(...)` as a value (iterated by index in loops)."""
    if stop is None:
        return range(start)
    return range(start, stop, step)


@primitive("make_slice", nondiff=True)
def make_slice(start, stop, step):
    """`slice(start, stop, step)` for subscripts."""
    return slice(start, stop, step)


@primitive("unpack_seq")
def unpack_seq(x, n):
    """`x` itself, after checking it unpacks into exactly `n` values."""
    got = len(x)
    if got != n:
        word = "many" if got > n else "enough"
        raise ValueError(f"too {word} values to unpack (expected {n}, got {got})")
    return x


@unpack_seq.defbprop
def bprop_unpack_seq(x, n, out, dout):
    return (dout, ZERO)


@primitive("raise_", nondiff=True)
def raise_(exc_type, msg):
    """Raise `exc_type(msg)` (or `exc_type()` when `msg` is None)."""
    if msg is None:
        raise exc_type()
    raise exc_type(msg)


@primitive("apply")
def apply(fn, args):
    """`fn(*args)`; the evaluator runs graph calls itself, this serves plain callables."""
    return fn(*args)


@primitive("stop_gradient")
def stop_gradient(x):
    """The identity, whose gradient is zero.

    Example:
        >>> stop_gradient(3.0)
        3.0
    """
    return x


@stop_gradient.defbprop
def bprop_stop_gradient(x, out, dout):
    return (ZERO,)
