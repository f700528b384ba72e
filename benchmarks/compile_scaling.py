"""How compile time grows with the size of a function: `python -m benchmarks.compile_scaling`.

For each N (default 250, 500, 1000, 2000) it writes a straight-line function of N assignment
statements to a new module file in a temporary folder (myia reads source from disk), the
lines alternating

    x = x * 0.9 + np.sin(x) * 0.01
    x = x * 1.1 - np.tanh(x) * 0.01

followed by `return np.sum(x)` (on an array of 16 float64, or a Python float with
`--kind float`, where the return is `x`), and times the first call of `myia.grad` on it:
parse, specialize, differentiate, optimize, generate code and run, on a function myia has
never seen. The gradient is checked against a hand-written reverse sweep. The table gives
the time, the CPU time of the process during it (on a busy machine, what the compile itself
cost: the wall time there also counts the waits for a core), the time per statement, and the
growth from the previous N (2.00x for a doubling means linear). The target: 2000 statements in under 5 s, growing linearly.

    python -m benchmarks.compile_scaling --threads 1
    python -m benchmarks.compile_scaling --sizes 100,200 --kind float
    python -m benchmarks.compile_scaling --profile 1000     # cProfile of one first call
"""

from __future__ import annotations

import os
import sys

if "--threads" in sys.argv[1:-1]:  # before NumPy loads its BLAS, as benchmarks.run does
    _n = sys.argv[sys.argv.index("--threads") + 1]
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _n

import argparse  # noqa: E402
import cProfile  # noqa: E402
import datetime  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

if __package__ in (None, ""):  # run as `python benchmarks/compile_scaling.py`
    _here = Path(__file__).resolve().parent
    if sys.path and Path(sys.path[0] or ".").resolve() == _here:
        sys.path.pop(0)
    sys.path.insert(0, str(_here.parent))

import numpy as np  # noqa: E402

import myia  # noqa: E402
from benchmarks.loading import load_fresh  # noqa: E402

LINES = (
    ("x = x * 0.9 + np.sin(x) * 0.01", lambda x: 0.9 * x + 0.01 * np.sin(x)),
    ("x = x * 1.1 - np.tanh(x) * 0.01", lambda x: 1.1 * x - 0.01 * np.tanh(x)),
)
DERIVS = (
    lambda x: 0.9 + 0.01 * np.cos(x),
    lambda x: 1.1 - 0.01 * (1.0 - np.tanh(x) ** 2),
)


def source(n: int, kind: str) -> str:
    body = "\n".join(f"    {LINES[i % 2][0]}" for i in range(n))
    ret = "np.sum(x)" if kind == "array" else "x"
    return f"import numpy as np\n\n\ndef straight_line(x):\n{body}\n    return {ret}\n"


def hand_grad(x0, n: int):
    """The reverse sweep of `straight_line`, by hand."""
    xs, x = [], x0
    for i in range(n):
        xs.append(x)
        x = LINES[i % 2][1](x)
    d = np.ones_like(x0) if np.ndim(x0) else 1.0
    for i in range(n - 1, -1, -1):
        d = d * DERIVS[i % 2](xs[i])
    return d


def first_call(n: int, kind: str, profile: bool = False):
    module = load_fresh(source(n, kind), f"straight_{n}")
    x = np.linspace(-1.0, 1.0, 16) if kind == "array" else 0.3
    g = myia.grad(module.straight_line)
    prof = cProfile.Profile() if profile else None
    t0, c0 = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    got = g(x)
    if prof:
        prof.disable()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    expected = hand_grad(x, n)
    if not np.allclose(got, expected):
        raise AssertionError(f"N={n}: myia's gradient differs from the hand-written sweep")
    t0 = time.perf_counter()
    g(x)
    second = time.perf_counter() - t0
    return elapsed, cpu, second, prof


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.compile_scaling", description=__doc__)
    p.add_argument("--sizes", default="250,500,1000,2000", help="comma-separated N")
    p.add_argument("--kind", choices=("array", "float"), default="array")
    p.add_argument("--threads", help="limit BLAS threads (set before NumPy loads)")
    p.add_argument("--profile", type=int, metavar="N", help="cProfile one first call of size N")
    p.add_argument("--target", type=float, default=5.0, help="seconds for the largest N")
    opts = p.parse_args(argv)
    sizes = [int(s) for s in opts.sizes.split(",") if s.strip()]

    if opts.profile:
        *_, prof = first_call(opts.profile, opts.kind, profile=True)
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(40)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(25)
        print(out.getvalue())
        return 0

    first_call(20, opts.kind)  # warm myia's own caches (primitives, rules) first
    when = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    load = f"load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    print(f"{when} | compile scaling, {opts.kind} statements | myia {myia.__version__} | {load}")
    header = ["N", "first call", "CPU", "per statement", "growth", "N growth", "2nd call"]
    rows, prev, last = [], None, None
    for n in sizes:
        try:
            t, cpu, t2, _ = first_call(n, opts.kind)
        except Exception as e:
            rows.append([str(n), "FAILED", f"{type(e).__name__}: {str(e)[:200]}", "", "", "", ""])
            prev = None
            continue
        rows.append(
            [
                str(n),
                f"{t:.2f} s",
                f"{cpu:.2f} s",
                f"{t / n * 1e3:.2f} ms",
                f"{t / prev[1]:.2f}x" if prev else "-",
                f"{n / prev[0]:g}x" if prev else "-",
                f"{t2 * 1e3:.2f} ms",
            ]
        )
        prev = last = (n, t)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(c.rjust(widths[i]) for i, c in enumerate(r)))
    if last is not None:
        verdict = "met" if last[1] <= opts.target else "NOT met"
        print(f"target N={last[0]} in <= {opts.target:g} s: {verdict} ({last[1]:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
