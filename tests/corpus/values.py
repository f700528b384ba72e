"""The corpus (`tests/corpus`): `Case` and the arrays the cases share (small and
deterministic: built from `np.sin` of an arange, no ties, no zeros).
"""

from __future__ import annotations

import collections

import numpy as np

Case = collections.namedtuple("Case", "fn args grad")


def arr(*shape, phase=0.4, scale=1.0, offset=0.0, dtype=np.float64):
    """A deterministic array of distinct, nonzero values."""
    n = int(np.prod(shape))
    values = np.sin(np.arange(n) * 1.3 + phase) * scale + offset
    return values.reshape(shape).astype(dtype)


V3 = arr(3)
W3 = arr(3, phase=1.1)
V4 = arr(4, phase=0.2)
W4 = arr(4, phase=2.3)
M23 = arr(2, 3, phase=0.7)
N23 = arr(2, 3, phase=1.9)
M32 = arr(3, 2, phase=2.9)
M34 = arr(3, 4, phase=0.3)
M33 = arr(3, 3, phase=0.5) + 3.0 * np.eye(3)  # well conditioned
C31 = arr(3, 1, phase=1.7)
T234 = arr(2, 3, 4, phase=0.9)
POS3 = arr(3, phase=0.6, scale=0.8, offset=1.5)  # in (0.7, 2.3)
POS23 = arr(2, 3, phase=0.1, scale=0.8, offset=1.5)
UNIT3 = arr(3, phase=0.8, scale=0.8)  # in (-0.8, 0.8): arcsin, arccos, arctanh
V3_32 = arr(3, phase=0.4, dtype=np.float32)
M23_32 = arr(2, 3, phase=0.7, dtype=np.float32)
IDX = np.array([2, 0, 1])
INTS = np.array([3, 1, 4, 1, 5])
BOOLS = np.array([True, False, True])
SPECIAL = np.array([1.5, np.nan, np.inf, -np.inf, -0.5])
