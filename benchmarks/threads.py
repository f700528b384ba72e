"""`--threads N`: the thread limit of NumPy's BLAS, set in the environment before NumPy is
imported (this module imports nothing that loads it).

Example:
    >>> limit_threads(["--threads", "1"])        # doctest: +SKIP
    '1'
"""

from __future__ import annotations

import os

THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def threads_from_argv(argv) -> str | None:
    """The value of `--threads` in the command line `argv`, or None."""
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return None


def limit_threads(argv) -> str | None:
    """Set every BLAS thread variable to the `--threads` of `argv` (when it is a number);
    the value given, or None."""
    threads = threads_from_argv(argv)
    if threads is not None and threads.isdigit():
        for var in THREAD_VARS:
            os.environ[var] = threads
    return threads
