"""Sentinels: types with one object each, kept as one object through copies and pickles
(the placeholders `UNKNOWN`, `ZERO`, `MISSING` of the compiler).

Example:
    >>> class Nothing(Sentinel):
    ...     text = "NOTHING"
    >>> Nothing() is Nothing(), repr(Nothing())
    (True, 'NOTHING')
"""

from __future__ import annotations


class Sentinel:
    """A type whose instances are one object; `text` is its repr."""

    text = "sentinel"

    def __new__(cls):
        instance = cls.__dict__.get("_instance")
        if instance is None:
            instance = object.__new__(cls)
            cls._instance = instance
        return instance

    def __repr__(self) -> str:
        return self.text

    def __reduce__(self):
        return (type(self), ())
