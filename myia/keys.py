"""The cache keys of calls of compiled functions.

`signature(args)` is what the specializer is told of each argument, in a form quick to
build and to hash; `call_key(args, pinned)` adds the values of the ints that steer a
recursion (`infer.steering`). Every call of a compiled function builds one, so its cost
is part of every call: `quick_key(n, pinned)` is the same key for `n` arguments that are
all plain numbers, built by a function made once for that arity and those positions (a
call of `type` on each argument where `tuple(map(type, args))` takes twice as long), and
None for other arguments, whose key `call_key` builds.

Example:
    >>> quick_key(2, (1,))((1.5, 3))
    (<class 'float'>, <class 'int'>, 3)
    >>> quick_key(2, (1,))((1.5, np.ones(2))) is None
    True
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from myia.infer.steering import UNROLL_MAX, pinned_values
from myia.pipeline import is_function_value, signature_types

# Types whose key is the type itself (they need no call of `_sig`).
PLAIN = frozenset((float, int, complex, type(None), np.float64, np.float32, np.int64))


def signature(args: tuple) -> tuple:
    """The cache key of an argument tuple: what the specializer is told of each argument
    (`pipeline.signature_types`, less the pinned ints, which `call_key` adds), with
    quicker equivalents for the common cases: the type of a plain number, the dtype and
    shape of an array, the value of a bool or str, and the structure of tuples, lists and
    dicts. Anything else is keyed by its abstract value itself, so that the key holds
    everything the compiled code is specialized on (a NumPy string's value, a range, the
    shape of an array subclass).

    Example:
        >>> signature((1.0, np.zeros((2, 3))))
        (<class 'float'>, (<class 'numpy.ndarray'>, dtype('float64'), (2, 3)))
    """
    out = []
    for a in args:
        t = type(a)
        out.append(t if t in PLAIN else _sig(a))
    return tuple(out)


def call_key(args: tuple, pinned: tuple[int, ...]) -> tuple:
    """The key of a call on `args` of a function whose ints at the positions `pinned`
    steer a recursion: the signature, then their values where they are small.

    Example:
        >>> call_key((1.5, 3), (1,))
        (<class 'float'>, <class 'int'>, 3)
    """
    sig = signature(args)
    return sig + pinned_values(args, pinned) if pinned else sig


@functools.cache
def quick_key(n: int, pinned: tuple[int, ...]) -> Callable[[tuple], tuple | None]:
    """The function giving `call_key(args, pinned)` for `n` arguments all of `PLAIN`
    types (None for any other arguments, and for a number of them other than `n`)."""
    names = [f"a{i}" for i in range(n)]
    kinds = [f"t{i}" for i in range(n)]
    pins = [
        f"(a{i} if t{i} is int and {-UNROLL_MAX} <= a{i} <= {UNROLL_MAX} else None)"
        if i < n
        else "None"
        for i in pinned
    ]
    body = "".join(f"        t{i} = type(a{i})\n" for i in range(n))
    plain = " and ".join(f"{t} in PLAIN" for t in kinds) or "True"
    text = (
        "def quick(args):\n"
        f"    if len(args) == {n}:\n"
        f"        ({''.join(a + ', ' for a in names)}) = args\n"
        f"{body}"
        f"        if {plain}:\n"
        f"            return ({''.join(k + ', ' for k in kinds + pins)})\n"
        "    return None\n"
    )
    namespace = {"PLAIN": PLAIN}
    exec(compile(text, f"<myia-call-key-{n}-{pinned}>", "exec"), namespace)  # noqa: S102
    return namespace["quick"]


def _sig(a):
    t = type(a)
    if t in PLAIN:
        return t
    if t is np.ndarray:
        return (t, a.dtype, a.shape)
    if t is tuple or t is list:
        return (t, tuple(map(_sig, a)))
    if t is dict:
        return (t, tuple((k, _sig(v)) for k, v in a.items()))
    if t is bool or t is str:
        return (t, a)
    if is_function_value(a):
        return (t, a)  # compiled code is specialized on the function
    return signature_types((a,))[0]
