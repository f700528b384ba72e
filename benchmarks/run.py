"""Run the myia benchmark suite: `python -m benchmarks.run` (or `python benchmarks/run.py`).

For every workload of `benchmarks.workloads` it
  1. checks the hand-written NumPy adjoint against central finite differences,
  2. loads `benchmarks/myia_workloads.py` afresh (new function objects, never compiled), times
     the first call of a new `myia.grad(...)` object (the "first call" column) and asserts
     that its result is np.allclose to the hand-written adjoint,
  3. times, as medians of many calls after warm-up (time.perf_counter): the forward with
     `myia.jit` and as plain Python/NumPy, the gradient with myia, the hand-written adjoint,
     and the gradients of any installed peer (autograd, JAX, PyTorch),
  4. records IR node counts where myia exposes them,
then prints a table and writes JSON (benchmarks/results.json unless --json says otherwise).

The exit status is 1 when a myia gradient fails or disagrees with the baseline (or a
baseline fails its finite-difference check), 0 otherwise.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import copy
import datetime
import gc
import importlib.util
import io
import itertools
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent
if __package__ in (None, ""):  # run as `python benchmarks/run.py`
    if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
        sys.path.pop(0)  # do not let benchmarks/*.py shadow top-level modules
    sys.path.insert(0, str(_ROOT))

import numpy as np  # noqa: E402

import myia  # noqa: E402
from benchmarks import myia_workloads  # noqa: E402
from benchmarks.peers import available_peers  # noqa: E402
from benchmarks.workloads import BY_NAME, WORKLOADS, Workload  # noqa: E402

SCHEMA_VERSION = 1

# Tolerances of the correctness checks done before timing.
MYIA_RTOL, MYIA_ATOL = 1e-6, 1e-9  # myia gradient vs hand-written adjoint
PEER_RTOL, PEER_ATOL = 1e-5, 1e-8  # peers vs hand-written adjoint
FWD_RTOL, FWD_ATOL = 1e-7, 1e-10  # myia.jit forward vs plain NumPy


@dataclass(frozen=True)
class Mode:
    """How long to time each measurement."""

    name: str
    target_s: float  # aim for this much timed work per measurement
    min_samples: int  # ... but take at least this many samples
    max_samples: int
    max_s: float  # ... unless that would take longer than this (then fewer, at least 1)
    warmup: int  # untimed calls before calibration
    calib_s: float  # calibration: call until this much time has passed (at least once)


NORMAL = Mode(
    "normal", target_s=0.5, min_samples=5, max_samples=1000, max_s=5.0, warmup=2, calib_s=0.05
)
QUICK = Mode(
    "quick", target_s=0.02, min_samples=3, max_samples=50, max_s=1.0, warmup=1, calib_s=0.005
)

# A sample batches calls shorter than this, so the timer's resolution does not matter.
MIN_SAMPLE_S = 1e-3


# -- timing ------------------------------------------------------------------------------------


def measure(fn, mode: Mode) -> dict:
    """Median time of one call of `fn()` (seconds) and the statistics behind it."""
    for _ in range(mode.warmup):
        fn()
    calls = 0
    start = time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= mode.calib_s or calls >= 10_000:
            break
    per_call = max(elapsed / calls, 1e-9)
    number = max(1, math.ceil(MIN_SAMPLE_S / per_call)) if per_call < MIN_SAMPLE_S else 1
    per_sample = per_call * number
    samples = max(mode.min_samples, round(mode.target_s / per_sample))
    samples = min(samples, mode.max_samples, max(1, int(mode.max_s / per_sample)))
    gc.collect()
    times = []
    t_all = time.perf_counter()
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        t1 = time.perf_counter()
        times.append((t1 - t0) / number)
        if t1 - t_all > mode.max_s:  # calibration was too optimistic (e.g. a busy machine)
            break
    total = time.perf_counter() - t_all
    q = statistics.quantiles(times, n=4) if len(times) >= 2 else [times[0]] * 3
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "mean_s": statistics.fmean(times),
        "iqr_s": q[2] - q[0],
        "samples": len(times),
        "calls_per_sample": number,
        "total_s": total,
    }


# -- fresh function objects --------------------------------------------------------------------

_FRESH_DIR: Path | None = None
_FRESH_COUNT = itertools.count()


def load_fresh_workloads():
    """A new module executing benchmarks/myia_workloads.py: new, never-compiled functions.

    The source is copied to a new file in a temporary folder (so `inspect.getsource`
    works and no cache keyed by file, code object or function object can hit) and
    imported under a new module name.
    """
    global _FRESH_DIR
    if _FRESH_DIR is None:
        _FRESH_DIR = Path(tempfile.mkdtemp(prefix="myia-bench-"))
        atexit.register(shutil.rmtree, _FRESH_DIR, True)
    n = next(_FRESH_COUNT)
    name = f"_myia_bench_fresh_{n}"
    path = _FRESH_DIR / f"{name}.py"
    source = (_HERE / "myia_workloads.py").read_text()
    path.write_text(source + f"\n# fresh copy {n}\n")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# -- comparisons -------------------------------------------------------------------------------


def _flatten(tree, path="") -> list[tuple[str, object]]:
    if isinstance(tree, (tuple, list)):
        return [leaf for i, item in enumerate(tree) for leaf in _flatten(item, f"{path}[{i}]")]
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in _flatten(tree[k], f"{path}[{k!r}]")]
    return [(path or "value", tree)]


def compare(got, expected, rtol, atol, what) -> dict:
    """Assert `got` has `expected`'s structure and shapes and is np.allclose to it.

    Returns {"max_abs_err", "max_rel_err", "warnings"}; dtype or container-type
    differences are warnings, not failures.
    """
    warnings = []
    if type(got) is not type(expected) and isinstance(expected, (tuple, list, dict)):
        warnings.append(f"container {type(got).__name__}, expected {type(expected).__name__}")
    g_leaves, e_leaves = _flatten(got), _flatten(expected)
    if len(g_leaves) != len(e_leaves):
        raise AssertionError(
            f"{what}: {len(g_leaves)} gradient leaves, expected {len(e_leaves)} "
            f"(got {_describe(got)}, expected {_describe(expected)})"
        )
    max_abs = max_rel = 0.0
    for (path, g), (_, e) in zip(g_leaves, e_leaves):
        if np.shape(g) != np.shape(e):
            raise AssertionError(f"{what}: {path} has shape {np.shape(g)}, expected {np.shape(e)}")
        gd, ed = np.asarray(g).dtype, np.asarray(e).dtype
        if gd != ed:
            warnings.append(f"{path}: dtype {gd}, expected {ed}")
        if isinstance(e, float) and not isinstance(g, float):
            warnings.append(f"{path}: {type(g).__name__}, expected a Python float")
        ga, ea = np.asarray(g, dtype=np.float64), np.asarray(e, dtype=np.float64)
        diff = np.abs(ga - ea)
        max_abs = max(max_abs, float(diff.max(initial=0.0)))
        max_rel = max(max_rel, float((diff / np.maximum(np.abs(ea), 1e-300)).max(initial=0.0)))
        if not np.allclose(ga, ea, rtol=rtol, atol=atol):
            k = int(np.argmax(diff - rtol * np.abs(ea)))
            raise AssertionError(
                f"{what}: {path} differs (rtol={rtol}, atol={atol}): max |diff| = "
                f"{diff.max():.3g}; at flat index {k}: got {ga.ravel()[k]!r}, "
                f"expected {ea.ravel()[k]!r}"
            )
    return {"max_abs_err": max_abs, "max_rel_err": max_rel, "warnings": warnings}


def _describe(tree) -> str:
    if isinstance(tree, (tuple, list)):
        inner = ", ".join(_describe(t) for t in tree)
        return f"({inner})" if isinstance(tree, tuple) else f"[{inner}]"
    if isinstance(tree, np.ndarray):
        return f"array{tree.shape}:{tree.dtype}"
    return type(tree).__name__


def _error(e: BaseException) -> dict:
    tb = traceback.format_exception(type(e), e, e.__traceback__)
    return {"type": type(e).__name__, "message": str(e), "traceback": "".join(tb[-6:])}


# -- machine and package information -----------------------------------------------------------


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _blas_info() -> dict:
    out: dict = {}
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            cfg = np.show_config(mode="dicts")
        deps = (cfg or {}).get("Build Dependencies", {})
        for key in ("blas", "lapack"):
            d = deps.get(key) or {}
            out[key] = {
                k: d.get(k) for k in ("name", "version", "openblas configuration") if d.get(k)
            }
    except Exception as e:  # numpy < 1.25 has no mode="dicts"
        out["show_config_error"] = f"{type(e).__name__}: {e}"
    try:
        import threadpoolctl
    except ImportError:
        out["threadpoolctl"] = None
    else:
        out["threadpoolctl"] = [
            {k: p.get(k) for k in ("user_api", "internal_api", "num_threads", "version", "prefix")}
            for p in threadpoolctl.threadpool_info()
        ]
    return out


def machine_info() -> dict:
    try:
        affinity = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        affinity = None
    env = (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "BLIS_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS",
        "NUMEXPR_NUM_THREADS",
    )
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": affinity,
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "numpy": np.__version__,
        "blas": _blas_info(),
        "thread_env": {k: os.environ[k] for k in env if k in os.environ},
        "load_average_start": _loadavg(),
    }


def _loadavg() -> list[float] | None:
    """1, 5 and 15 minute load averages: other work on the machine skews the timings."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _git(*args) -> str | None:
    try:
        r = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(Path(myia.__file__).resolve().parent), *args],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def myia_info() -> dict:
    status = _git("status", "--porcelain", "--untracked-files=no")
    probe = myia.jit(lambda x: x)
    return {
        "version": getattr(myia, "__version__", None),
        "path": str(Path(myia.__file__).resolve().parent),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": None if status is None else bool(status),
        "jit_backend": getattr(probe, "backend", None),
        "has_source": hasattr(myia, "source"),
    }


def _short_myia(info: dict) -> str:
    s = f"myia {info['version']}"
    if info.get("git_commit"):
        s += f" (git {info['git_commit'][:10]}{'+dirty' if info.get('git_dirty') else ''}"
        s += f", backend {info['jit_backend']})" if info.get("jit_backend") else ")"
    return s


# -- IR size -----------------------------------------------------------------------------------


def _count_graph(graph) -> dict:
    dg = graph.to_networkx()
    kinds: dict[str, int] = {}
    owners = set()
    for node, data in dg.nodes(data=True):
        kinds[data.get("kind", "?")] = kinds.get(data.get("kind", "?"), 0) + 1
        owner = getattr(node, "graph", None)
        if owner is not None:
            owners.add(id(owner))
    return {"nodes": dg.number_of_nodes(), "apply": kinds.get("apply", 0), "graphs": len(owners)}


def ir_counts(fn, argnums, args) -> dict:
    """Node counts of the stages myia exposes (an entry holds "error" where one is missing)."""
    stages = {
        "parsed": lambda: myia.ir(fn),
        "grad": lambda: myia.ir(fn, stage="grad"),
        "grad_program": lambda: myia.ir(myia.grad(fn, argnums=argnums)),
        "optimized_grad": lambda: myia.ir(myia.grad(fn, argnums=argnums), *args, stage="optimized"),
    }
    out: dict = {}
    if not hasattr(myia, "ir"):
        return {"error": "myia.ir is not available"}
    for stage, get in stages.items():
        try:
            out[stage] = _count_graph(get())
        except Exception as e:
            out[stage] = {"error": f"{type(e).__name__}: {e}"}
    if hasattr(myia, "source"):
        try:
            src = myia.source(myia.grad(fn, argnums=argnums), *args)
            out["source_lines"] = len(str(src).splitlines())
        except Exception as e:
            out["source_lines"] = {"error": f"{type(e).__name__}: {e}"}
    return out


# -- one workload ------------------------------------------------------------------------------


def run_workload(w: Workload, mode: Mode, peers, minfo: dict, seed: int, log) -> dict:
    rng = np.random.default_rng(seed)
    args = w.make_args(rng)
    fwd_args = w.forward_args(args)
    res: dict = {
        "name": w.name,
        "description": w.description,
        "sizes": w.sizes,
        "argnums": list(w.argnums) if isinstance(w.argnums, tuple) else w.argnums,
        "myia": minfo,
        "status": "ok",
        "errors": {},
        "timings": {},
        "peers": {},
    }

    def fail(stage, e, status="myia-failed"):
        res["errors"][stage] = _error(e)
        if res["status"] == "ok":
            res["status"] = status
        log(f"    {stage}: FAILED: {type(e).__name__}: {str(e)[:300]}")

    # 1. the baseline against finite differences
    hand = w.handwritten(*args)
    try:
        res["fd_check_worst_rel_err"] = w.check_handwritten(args, np.random.default_rng(seed + 1))
    except Exception as e:
        fail("handwritten_fd_check", e, status="baseline-failed")
    plain = getattr(myia_workloads, w.forward)  # the same source, run by CPython
    expected_fwd = plain(*fwd_args)

    # 2. myia: first call of a fresh grad object, checked (and checked again on a second,
    # cached call) before anything is timed
    fresh = load_fresh_workloads()
    snapshot = copy.deepcopy(args)

    def inputs_intact(stage) -> bool:
        # every measurement shares the inputs: myia must not write to them
        nonlocal args, fwd_args
        try:
            compare(args, snapshot, 0.0, 0.0, f"{w.name}: inputs after {stage}")
            return True
        except AssertionError as e:
            fail(f"myia_mutated_inputs ({stage})", e)
            args = copy.deepcopy(snapshot)
            fwd_args = w.forward_args(args)
            return False

    gfun = getfwd = None
    try:
        gfun = myia.grad(getattr(fresh, w.fn), argnums=w.argnums)
        t0 = time.perf_counter()
        got = gfun(*args)
        res["first_call_grad_s"] = time.perf_counter() - t0
        res["myia_check"] = compare(got, hand, MYIA_RTOL, MYIA_ATOL, f"{w.name}: myia.grad")
        compare(gfun(*args), hand, MYIA_RTOL, MYIA_ATOL, f"{w.name}: myia.grad (second call)")
    except Exception as e:
        gfun = None
        fail("myia_grad", e)
    if not inputs_intact("myia.grad"):
        gfun = None
    try:
        getfwd = myia.jit(getattr(fresh, w.forward))
        t0 = time.perf_counter()
        got = getfwd(*fwd_args)
        res["first_call_jit_s"] = time.perf_counter() - t0
        what = f"{w.name}: myia.jit forward"
        res["myia_forward_check"] = compare(got, expected_fwd, FWD_RTOL, FWD_ATOL, what)
        compare(getfwd(*fwd_args), expected_fwd, FWD_RTOL, FWD_ATOL, what + " (second call)")
    except Exception as e:
        getfwd = None
        fail("myia_jit", e)
    if not inputs_intact("myia.jit"):
        getfwd = None

    # 3. timings
    def timed(key, fn):
        try:
            res["timings"][key] = measure(fn, mode)
        except Exception as e:
            fail(key, e, status="myia-failed" if key.startswith("myia") else "baseline-failed")

    timed("numpy_forward", lambda: plain(*fwd_args))
    timed("handwritten_grad", lambda: w.handwritten(*args))
    if getfwd is not None:
        timed("myia_forward", lambda: getfwd(*fwd_args))
    if gfun is not None:
        timed("myia_grad", lambda: gfun(*args))
    inputs_intact("timing")
    hand_t = res["timings"].get("handwritten_grad", {}).get("median_s")
    myia_t = res["timings"].get("myia_grad", {}).get("median_s")
    res["ratio"] = myia_t / hand_t if myia_t and hand_t else None

    for peer in peers:
        entry: dict = {}
        res["peers"][peer.name] = entry
        try:
            call, to_numpy = peer.build(w.name, args, w.argnums)
            t0 = time.perf_counter()
            got = to_numpy(call())
            entry["first_call_s"] = time.perf_counter() - t0
            entry["check"] = compare(got, hand, PEER_RTOL, PEER_ATOL, f"{w.name}: {peer.name}")
            entry["timing"] = measure(call, mode)
            t = entry["timing"]["median_s"]
            entry["ratio"] = t / hand_t if hand_t else None
        except Exception as e:  # a peer problem is reported, never fatal
            entry["error"] = _error(e)
            log(f"    {peer.name}: FAILED: {type(e).__name__}: {str(e)[:300]}")

    # 4. IR size (after timing, on the already-compiled function)
    try:
        res["ir"] = ir_counts(getattr(fresh, w.fn), w.argnums, args)
    except Exception as e:
        res["ir"] = {"error": f"{type(e).__name__}: {e}"}
    return res


# -- output ------------------------------------------------------------------------------------


def fmt_time(s) -> str:
    if s is None:
        return "-"
    if s < 1e-6:
        return f"{s * 1e9:.0f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.1f} us"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_ratio(r) -> str:
    if r is None:
        return "-"
    return f"{r:.2f}x" if r < 100 else f"{r:.0f}x"


def _median(res, key):
    return res["timings"].get(key, {}).get("median_s")


def render_table(results: list[dict], peer_names: list[str]) -> str:
    header = ["workload", "fwd myia", "fwd numpy", "grad myia", "grad hand", "ratio", "1st call"]
    for p in peer_names:
        header += [p, f"{p} ratio"]
    rows = []
    for r in results:
        grad_myia = _median(r, "myia_grad")
        if grad_myia is None and "myia_grad" in r["errors"]:
            grad_myia_s = "FAILED"
        else:
            grad_myia_s = fmt_time(grad_myia)
        fwd_myia_s = "FAILED" if "myia_jit" in r["errors"] else fmt_time(_median(r, "myia_forward"))
        row = [
            r["name"] + ("" if r["status"] == "ok" else " (!)"),
            fwd_myia_s,
            fmt_time(_median(r, "numpy_forward")),
            grad_myia_s,
            fmt_time(_median(r, "handwritten_grad")),
            fmt_ratio(r.get("ratio")),
            fmt_time(r.get("first_call_grad_s")),
        ]
        for p in peer_names:
            e = r["peers"].get(p, {})
            if "error" in e:
                row += ["FAILED", "-"]
            else:
                row += [fmt_time(e.get("timing", {}).get("median_s")), fmt_ratio(e.get("ratio"))]
        rows.append(row)
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    fmt_row = lambda row: "  ".join(
        c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row)
    )
    lines = [fmt_row(header), "  ".join("-" * w for w in widths)]
    lines += [fmt_row(row) for row in rows]
    return "\n".join(lines)


def render_ir(results: list[dict]) -> str | None:
    stages = ["parsed", "grad", "grad_program", "optimized_grad"]
    rows, seen = [], set()
    for r in results:
        ir = r.get("ir") or {}
        cells = []
        for s in stages:
            v = ir.get(s)
            if isinstance(v, dict) and "nodes" in v:
                cells.append(f"{v['nodes']} / {v['graphs']}")
                seen.add(s)
            else:
                cells.append("-")
        rows.append([r["name"], *cells])
    if not seen:
        return None
    header = ["IR nodes / graphs", *stages]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    lines = [
        "  ".join(
            h.ljust(widths[i]) if i == 0 else h.rjust(widths[i]) for i, h in enumerate(header)
        )
    ]
    for row in rows:
        lines.append(
            "  ".join(
                c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row)
            )
        )
    return "\n".join(lines)


def render_header(machine: dict, minfo: dict, peer_info: dict, mode: Mode) -> str:
    blas = machine["blas"]
    b = blas.get("blas") or {}
    pools = [p for p in (blas.get("threadpoolctl") or []) if p.get("user_api") == "blas"]
    threads = ", ".join(f"{p['internal_api']} {p['num_threads']} threads" for p in pools)
    blas_s = " ".join(x for x in (b.get("name"), b.get("version")) if x) or "unknown BLAS"
    if threads:
        blas_s += f" ({threads})"
    cpus = f"{machine['cpu_count']} CPUs"
    if machine.get("cpu_affinity") and machine["cpu_affinity"] != machine["cpu_count"]:
        cpus += f" ({machine['cpu_affinity']} usable)"
    if machine.get("cpu_model"):
        cpus += f", {machine['cpu_model']}"
    load = (machine.get("load_average_start") or [None])[0]
    if load is not None:
        cpus += f" | load average {load:g}"
        if load > 0.5 * (machine.get("cpu_affinity") or machine["cpu_count"] or 1):
            cpus += " (busy machine: timings are noisy; --threads 1 steadies BLAS)"
    peers = ", ".join(
        f"{n} {i['version']}" if i["available"] else f"{n} (missing)" for n, i in peer_info.items()
    )
    return "\n".join(
        [
            f"{_short_myia(minfo)} | Python {machine['python']} | numpy {machine['numpy']} | BLAS {blas_s}",
            f"{machine['platform']} | {cpus}",
            f"mode: {mode.name} (median of calls after warm-up, ~{mode.target_s:g} s per "
            f"measurement) | peers: {peers}",
        ]
    )


# -- main --------------------------------------------------------------------------------------


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Time myia's gradients against hand-written NumPy adjoints.",
    )
    p.add_argument("--quick", action="store_true", help="few repetitions (smoke test)")
    p.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only this workload (repeatable, or comma-separated); see --list",
    )
    p.add_argument("--list", action="store_true", help="list the workloads and exit")
    p.add_argument(
        "--json",
        default=str(_HERE / "results.json"),
        metavar="PATH",
        help="where to write the results (default: benchmarks/results.json)",
    )
    p.add_argument("--no-peers", action="store_true", help="skip autograd/JAX/PyTorch")
    p.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="limit BLAS/OpenMP threads to N (needs threadpoolctl; default: leave as is)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the inputs (default 0)")
    p.add_argument(
        "--target",
        type=float,
        metavar="SECONDS",
        help="timed work per measurement (default 0.5, 0.02 with --quick)",
    )
    return p.parse_args(argv)


def main(argv=None) -> int:
    opts = parse_args(argv)
    if opts.list:
        for w in WORKLOADS:
            print(f"{w.name:20s} {w.description}")
        return 0
    mode = QUICK if opts.quick else NORMAL
    if opts.target is not None:
        mode = Mode(
            **{
                **mode.__dict__,
                "target_s": opts.target,
                "name": f"{mode.name}, target {opts.target:g} s",
            }
        )
    selected = WORKLOADS
    if opts.only:
        names = [n.strip() for item in opts.only for n in item.split(",") if n.strip()]
        unknown = [n for n in names if n not in BY_NAME]
        if unknown:
            print(
                f"unknown workload(s): {', '.join(unknown)}; choose from {', '.join(BY_NAME)}",
                file=sys.stderr,
            )
            return 2
        selected = [BY_NAME[n] for n in names]

    limits = contextlib.nullcontext()
    if opts.threads is not None:
        try:
            import threadpoolctl
        except ImportError:
            print("--threads needs threadpoolctl, which is not installed", file=sys.stderr)
            return 2
        limits = threadpoolctl.threadpool_limits(limits=opts.threads)
    with limits:
        return _run(opts, mode, selected)


def _run(opts, mode: Mode, selected: list[Workload]) -> int:
    started = time.perf_counter()
    machine = machine_info()
    minfo = myia_info()
    peers, peer_info = available_peers(not opts.no_peers)
    header = render_header(machine, minfo, peer_info, mode)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)
    log(header)

    results = []
    for i, w in enumerate(selected, 1):
        log(f"[{i}/{len(selected)}] {w.name}: {w.description}")
        t0 = time.perf_counter()
        results.append(run_workload(w, mode, peers, minfo, opts.seed, log))
        log(f"    done in {time.perf_counter() - t0:.1f} s")

    table = render_table(results, [p.name for p in peers])
    print()
    print(header)
    print()
    print(table)
    ir_table = render_ir(results)
    if ir_table:
        print()
        print(ir_table)
    failed = [r for r in results if r["status"] != "ok"]
    for r in failed:
        print(f"\n(!) {r['name']}: {r['status']}")
        for stage, err in r["errors"].items():
            print(f"  {stage}: {err['type']}: {err['message'][:500]}")
        print(
            f"  reproduce: python -m benchmarks.run --quick --only {r['name']}  (tracebacks in the JSON)"
        )
    for r in results:
        for what in ("myia_check", "myia_forward_check"):
            for wmsg in (r.get(what) or {}).get("warnings", []):
                print(f"note: {r['name']} {what}: {wmsg}")
        for name, entry in r["peers"].items():
            if "error" in entry:
                err = entry["error"]
                print(
                    f"note: {r['name']}: peer {name} failed: {err['type']}: {err['message'][:300]}"
                )

    total = time.perf_counter() - started
    out = {
        "schema": SCHEMA_VERSION,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": [sys.executable, *sys.argv],
        "mode": mode.__dict__,
        "seed": opts.seed,
        "machine": machine,
        "myia": minfo,
        "peers": peer_info,
        "tolerances": {
            "myia_vs_handwritten": {"rtol": MYIA_RTOL, "atol": MYIA_ATOL},
            "peer_vs_handwritten": {"rtol": PEER_RTOL, "atol": PEER_ATOL},
            "myia_forward_vs_numpy": {"rtol": FWD_RTOL, "atol": FWD_ATOL},
        },
        "total_s": total,
        "load_average_end": _loadavg(),
        "workloads": results,
    }
    path = Path(opts.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2, default=_json_default) + "\n")
    print(f"\n{len(results)} workloads in {total:.1f} s; results written to {path}")
    return 1 if failed else 0


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


if __name__ == "__main__":
    sys.exit(main())
