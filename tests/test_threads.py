"""Threads: many threads compiling and calling compiled functions at once.

This file owns the load test of issue 13: 8 threads call `myia.jit` and `myia.grad` of
many different functions (programs of tests/random_programs.py), all starting together so
that the first compiles of each function race each other, then calling the cached
programs, for a few seconds (about 3 s in the default run, 30 s with 50 functions behind
`@pytest.mark.slow`; each thread calls every function at least once). Every result must
equal the one a single thread gets from its own copy of the function (compiled apart,
with nothing shared), no call may fail, and every thread must finish (a deadlock fails
the test at a timeout instead of hanging it).
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import myia
from tests.random_programs import load_function, seeded_program
from tests.test_differential import KNOWN_FAILING_SEEDS

THREADS = 8


def _programs(count: int):
    seeds = [s for s in range(1000, 2000) if s not in KNOWN_FAILING_SEEDS][:count]
    return [seeded_program(s) for s in seeds]


def _same(a, b) -> bool:
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and np.array_equal(a, b)


def _reference(source, name, args, directory):
    """What one thread gets from its own copy of the program: jit and grad results."""
    fn = load_function(source, name, directory)
    nums = tuple(i for i, a in enumerate(args) if not isinstance(a, int))
    return myia.jit(fn)(*args), myia.grad(fn, argnums=nums)(*args)


def run_load(count: int, seconds: float, directory) -> tuple[list[str], int]:
    """Run THREADS threads over `count` programs for `seconds`; (errors, calls made)."""
    programs = _programs(count)
    expected = [_reference(src, name, args, directory) for src, name, args in programs]
    fns = [load_function(src, name, directory) for src, name, _ in programs]
    args = [a for _, _, a in programs]
    nums = [tuple(i for i, a in enumerate(xs) if not isinstance(a, int)) for xs in args]
    shared = [(myia.jit(f), myia.grad(f, argnums=n)) for f, n in zip(fns, nums)]
    errors: list[str] = []
    calls = [0] * THREADS
    start = threading.Barrier(THREADS)

    def work(t: int) -> None:
        start.wait()
        deadline = time.monotonic() + seconds
        first = k = t * count // THREADS  # each thread starts elsewhere: compiles race
        while time.monotonic() < deadline or k < first + count:  # each program once, at least
            i = k % count
            k += 1
            # Even calls through the shared objects, odd ones through new ones (same cache).
            if k % 2:
                jit, grad = shared[i]
            else:
                jit, grad = myia.jit(fns[i]), myia.grad(fns[i], argnums=nums[i])
            try:
                got = (jit(*args[i]), grad(*args[i]))
            except Exception as e:  # a failing call is what this test looks for
                errors.append(f"thread {t}, program {i}: {type(e).__name__}: {e}")
                continue
            if not _same(got, expected[i]):
                errors.append(f"thread {t}, program {i}: {got!r} != {expected[i]!r}")
            calls[t] += 1

    threads = [threading.Thread(target=work, args=(t,), daemon=True) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=seconds + 300)
    stuck = [i for i, th in enumerate(threads) if th.is_alive()]
    if stuck:
        errors.append(f"threads {stuck} did not finish (deadlock?)")
    return errors, sum(calls)


def test_threads_compile_and_call(tmp_path):
    errors, calls = run_load(12, 3.0, tmp_path)
    assert not errors, "\n".join(errors[:10])
    assert calls >= THREADS * 12


@pytest.mark.slow
def test_threads_load(tmp_path):
    errors, calls = run_load(50, 30.0, tmp_path)
    assert not errors, "\n".join(errors[:10])
    assert calls >= THREADS * 50
