"""The tape of a loop's adjoint: a Python list the forward pass of a loop appends the
values its backward pass needs to, and the backward pass reads by index.

These primitives exist only in the programs the last stage of `grad` writes
(`myia.ad.tape`), which are run, never differentiated again. They have effects, so the
optimizer neither folds, merges nor reorders them (`tape_push` returns the tape so that
every later use depends on it).

Example:
    >>> t = tape_push(tape_push(tape_new(), 1.0), 2.0)
    >>> tape_len(t), tape_get(t, 0)
    (2, 1.0)
"""

from __future__ import annotations

from myia.prim.registry import primitive

# Primitives with effects (or fresh mutable results): never folded, merged or duplicated.
EFFECTS = frozenset(("tape_new", "tape_push"))


@primitive("tape_new", nondiff=True)
def tape_new():
    """A new, empty tape."""
    return []


@primitive("tape_push", nondiff=True)
def tape_push(tape, value):
    """Append `value` to `tape`; returns the tape."""
    return tape.append(value) or tape


@primitive("tape_get", nondiff=True)
def tape_get(tape, i):
    """The value at position `i` of `tape`."""
    return tape[i]


@primitive("tape_len", nondiff=True)
def tape_len(tape):
    """How many values `tape` holds."""
    return len(tape)
