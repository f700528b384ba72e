"""Run the myia benchmark suite: `python -m benchmarks.run --threads 1`.

For each of the six peer workloads (benchmarks/workloads.py) it

  1. checks the hand-written adjoint of peer_workloads.py against central finite
     differences;
  2. loads the peer workloads and benchmarks/spellings.py afresh (new function objects) and,
     for the peer spelling and every other spelling: checks that the spelling computes the
     peer function's value, takes the first call of a new `myia.grad` (timed: the `1st call`
     column) and asserts that its gradient, and a second call's, is np.allclose to the
     hand-written adjoint. A spelling that fails to compile or is wrong gets no timing;
  3. times every checked gradient and the hand-written adjoint in the same loop, in
     interleaved rounds (each round takes one sample of each, in rotating order), after
     warm-up, with time.perf_counter: medians of at least 21 samples (more for fast
     workloads, whose samples also batch calls), within a time budget;
  4. times the first call of a fresh `myia.grad` on each peer workload again: in a new
     Python process per workload, and in this process on several fresh loads (medians);

then prints the tables and writes JSON (benchmarks/results.json unless --json says
otherwise). The exit status is 1 when a myia gradient fails or is wrong, or a baseline fails
its finite-difference check, and 0 otherwise (a missed target is reported, not an error).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent
if __package__ in (None, ""):  # run as `python benchmarks/run.py`
    if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
        sys.path.pop(0)  # do not let benchmarks/*.py shadow top-level modules
    sys.path.insert(0, str(_ROOT))

from benchmarks.threads import THREAD_VARS, limit_threads  # noqa: E402

# --threads N must be in the environment before NumPy loads its BLAS: set it first.
_NUMPY_WAS_LOADED = "numpy" in sys.modules
_THREADS = limit_threads(sys.argv[1:]) if __name__ == "__main__" else None

import argparse  # noqa: E402
import contextlib  # noqa: E402
import copy  # noqa: E402
import datetime  # noqa: E402
import gc  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import numpy as np  # noqa: E402

import myia  # noqa: E402
from benchmarks import loading  # noqa: E402
from benchmarks.peers import available_peers  # noqa: E402
from benchmarks.workloads import (  # noqa: E402
    BY_NAME,
    WORKLOADS,
    WORST_OVER_BEST_TARGET,
    Workload,
    check_baseline,
    make_inputs,
)

SCHEMA_VERSION = 2
RTOL, ATOL = 1e-5, 1e-8  # np.allclose's defaults: myia (and each peer) vs the hand adjoint


@dataclass(frozen=True)
class Mode:
    name: str
    budget_s: float  # timed rounds of all the workloads together, about
    min_rounds: int  # samples per candidate, at least (the budget may be exceeded for it)
    max_rounds: int
    min_sample_s: float  # a sample batches calls up to this long
    warmup: int  # untimed calls of each candidate before calibration
    compile_repeats: int  # fresh loads for the in-process first-call table
    fresh_process: bool  # also time first calls in a new process per workload


NORMAL = Mode("normal", 120.0, 21, 1000, 2e-3, 5, 5, True)
QUICK = Mode("quick", 8.0, 5, 50, 1e-3, 2, 1, False)


# -- checks ----------------------------------------------------------------------------------


def _leaves(tree, path=""):
    if isinstance(tree, (tuple, list)):
        return [leaf for i, t in enumerate(tree) for leaf in _leaves(t, f"{path}[{i}]")]
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in _leaves(tree[k], f"{path}[{k!r}]")]
    return [(path or "value", tree)]


def compare(got, expected, what, rtol=RTOL, atol=ATOL) -> float:
    """Assert `got` has `expected`'s structure and shapes and is np.allclose to it.

    Returns the largest relative difference (to max(|expected|, 1e-300)).
    """
    g, e = _leaves(got), _leaves(expected)
    if len(g) != len(e):
        raise AssertionError(f"{what}: {len(g)} leaves, expected {len(e)}")
    worst = 0.0
    for (path, a), (_, b) in zip(g, e):
        if np.shape(a) != np.shape(b):
            raise AssertionError(f"{what}: {path} has shape {np.shape(a)}, expected {np.shape(b)}")
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        diff = np.abs(a - b)
        worst = max(worst, float((diff / np.maximum(np.abs(b), 1e-300)).max(initial=0.0)))
        if not np.allclose(a, b, rtol=rtol, atol=atol):
            k = int(np.argmax(diff - rtol * np.abs(b)))
            raise AssertionError(
                f"{what}: {path} is not allclose (rtol={rtol}, atol={atol}): max |diff| "
                f"{diff.max():.3g}; at flat index {k}: got {a.ravel()[k]!r}, expected "
                f"{b.ravel()[k]!r}"
            )
    return worst


def _error(e: BaseException) -> dict:
    tb = traceback.format_exception(type(e), e, e.__traceback__)
    return {"type": type(e).__name__, "message": str(e), "traceback": "".join(tb[-8:])}


# -- timing ----------------------------------------------------------------------------------


@dataclass
class Candidate:
    """One thing to time: the hand adjoint, a myia spelling's gradient or a peer's."""

    kind: str  # "hand", "myia" or "peer"
    name: str  # spelling name ("peer" for the peer benchmark's own), or the peer's name
    what: str
    call: object = None  # zero-argument callable, None when the checks failed
    error: dict | None = None
    first_call_s: float | None = None
    max_rel_err: float | None = None
    number: int = 1  # calls per sample
    per_call_s: float = 0.0
    times: list = field(default_factory=list)

    def stats(self) -> dict | None:
        if not self.times:
            return None
        t = self.times
        q = statistics.quantiles(t, n=4) if len(t) >= 2 else [t[0]] * 3
        med = statistics.median(t)
        return {
            "median_s": med,
            "min_s": min(t),
            "iqr_rel": (q[2] - q[0]) / med if med else None,
            "samples": len(t),
            "calls_per_sample": self.number,
        }


def calibrate(c: Candidate, mode: Mode) -> None:
    for _ in range(mode.warmup):
        c.call()
    n, t0 = 0, time.perf_counter()
    while True:
        c.call()
        n += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= 0.02 or n >= 20_000:
            break
    c.per_call_s = max(elapsed / n, 1e-9)
    c.number = max(1, math.ceil(mode.min_sample_s / c.per_call_s))


def time_interleaved(cands: list[Candidate], budget_s: float, mode: Mode) -> int:
    """Rounds of one sample per candidate, in rotating order; returns the number of rounds."""
    live = [c for c in cands if c.call is not None]
    for c in live:
        calibrate(c, mode)
    per_round = sum(c.per_call_s * c.number for c in live)
    rounds = int(min(mode.max_rounds, max(mode.min_rounds, budget_s / max(per_round, 1e-9))))
    gc.collect()
    perf = time.perf_counter
    for r in range(rounds):
        k = r % len(live)
        for c in live[k:] + live[:k]:
            call, number = c.call, c.number
            t0 = perf()
            for _ in range(number):
                call()
            c.times.append((perf() - t0) / number)
    return rounds


# -- first calls -----------------------------------------------------------------------------


def first_call(peer_module, w: Workload, args) -> float:
    g = myia.grad(getattr(peer_module, w.fn), argnums=w.argnums)
    t0 = time.perf_counter()
    g(*args)
    return time.perf_counter() - t0


def first_call_worker(name: str, seed: int) -> int:
    """`--first-call-of NAME`: in this new process, time one first call; print it as JSON."""
    w = BY_NAME[name]
    args = make_inputs(seed)[name]
    peer = loading.load_peer()
    print(json.dumps({"workload": name, "first_call_s": first_call(peer, w, args)}))
    return 0


def first_call_fresh_process(name: str, seed: int) -> float | dict:
    cmd = [sys.executable, "-m", "benchmarks.run", "--first-call-of", name, "--seed", str(seed)]
    try:
        r = subprocess.run(cmd, cwd=_ROOT, capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            return {"type": "SubprocessError", "message": r.stderr[-2000:]}
        return json.loads(r.stdout.strip().splitlines()[-1])["first_call_s"]
    except Exception as e:
        return _error(e)


# -- machine and version -----------------------------------------------------------------------


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _blas() -> str:
    name = "unknown BLAS"
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            cfg = np.show_config(mode="dicts")
        b = (cfg or {}).get("Build Dependencies", {}).get("blas") or {}
        name = " ".join(x for x in (b.get("name"), b.get("version")) if x) or name
    except Exception:
        pass
    try:
        import threadpoolctl
    except ImportError:
        return name
    pools = [p for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas"]
    if pools:
        name += " (" + ", ".join(f"{p['num_threads']} threads" for p in pools) + ")"
    return name


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


def _loadavg() -> list[float] | None:
    """1, 5 and 15 minute load averages: other work on the machine skews the timings."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def environment(threads) -> dict:
    load = _loadavg()
    status = _git("status", "--porcelain", "--untracked-files=no", "--", ".")
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": _blas(),
        "threads": threads,
        "thread_env": {k: os.environ[k] for k in THREAD_VARS if k in os.environ},
        "load_average": load,
        "myia": getattr(myia, "__version__", None),
        "myia_commit": _git("rev-parse", "--short", "HEAD"),
        "myia_dirty": None if status is None else bool(status),
    }


def render_header(env: dict, peer_src: loading.PeerSource, peer_info: dict, mode: Mode) -> str:
    commit = env["myia_commit"] or "unknown commit"
    if env["myia_dirty"]:
        commit += " + uncommitted changes in myia/"
    threads = (
        f"threads limited to {env['threads']}"
        if env["threads"]
        else "threads NOT limited (use --threads 1)"
    )
    load = env["load_average"]
    peers = ", ".join(
        f"{n} {i['version']}" if i["available"] else f"{n} (missing)" for n, i in peer_info.items()
    )
    return "\n".join(
        [
            f"{env['date']} | myia {env['myia']} at {commit} | Python {env['python']} | "
            f"numpy {env['numpy']} | {env['blas']}",
            f"{env['platform']} | {env['cpu_count']} CPUs, {env['cpu_model']} | {threads}"
            + (f" | load average {load[0]:g}" if load else ""),
            f"peer workloads: {peer_src.describe()}",
            f"mode {mode.name}: timing budget ~{mode.budget_s:g} s, >= {mode.min_rounds} "
            f"interleaved samples per gradient (batched to >= {mode.min_sample_s * 1e3:g} ms), "
            f"medians | peers: {peers}",
        ]
    )


# -- formatting ------------------------------------------------------------------------------


def fmt_time(s) -> str:
    if s is None:
        return "-"
    if s < 1e-6:
        return f"{s * 1e9:.0f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.2f} us" if s < 1e-5 else f"{s * 1e6:.1f} us"
    if s < 1:
        return f"{s * 1e3:.2f} ms" if s < 1e-2 else f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def fmt_ratio(r) -> str:
    return "-" if r is None else f"{r:.2f}x"


def fmt_pct(r) -> str:
    return "-" if r is None else f"{100 * r:.0f}%"


def table(header: list[str], rows: list[list[str]], left: int = 1) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells):
        return "  ".join(
            c.ljust(widths[i]) if i < left else c.rjust(widths[i]) for i, c in enumerate(cells)
        ).rstrip()

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


# -- one workload ----------------------------------------------------------------------------


def run_workload(w, args, peer, spell, peers, peer_src, mode, budget_s, seed, log) -> dict:
    res: dict = {"name": w.name, "description": w.description, "sizes": w.sizes, "errors": []}
    hand_fn = getattr(peer, w.hand)
    hand_out = hand_fn(*args)
    expected = w.hand_grads(hand_out)
    try:
        res["baseline_fd_worst_rel_err"] = check_baseline(
            w, peer, args, np.random.default_rng(seed + 1)
        )
    except Exception as e:
        res["errors"].append({"what": "hand-written adjoint vs finite differences", **_error(e)})
        log(f"    baseline FAILED its finite-difference check: {e}")
    expected_value = getattr(peer, w.fn)(*args)
    snapshot = copy.deepcopy(args)

    cands = [Candidate("hand", w.hand, "hand-written adjoint", lambda: hand_fn(*args))]
    spellings = [("peer", getattr(peer, w.fn), f"peer_workloads.{w.fn}")]
    spellings += [(n, getattr(spell, f), what) for n, f, what in spell.SPELLINGS[w.name]]
    for name, fn, what in spellings:
        c = Candidate("myia", name, what)
        cands.append(c)
        try:
            # the spelling, run by CPython, computes the peer function's value
            compare(fn(*args), expected_value, f"{w.name}/{name}: value (plain Python)")
            g = myia.grad(fn, argnums=w.argnums)
            t0 = time.perf_counter()
            got = g(*args)
            c.first_call_s = time.perf_counter() - t0
            c.max_rel_err = compare(got, expected, f"{w.name}/{name}: myia.grad vs {w.hand}")
            compare(g(*args), expected, f"{w.name}/{name}: myia.grad (second call)")
            compare(args, snapshot, f"{w.name}/{name}: inputs after myia.grad", 0.0, 0.0)
            c.call = lambda g=g: g(*args)  # noqa: B023 (args as restored below)
        except Exception as e:
            c.error = _error(e)
            log(f"    {name}: FAILED: {type(e).__name__}: {str(e)[:400]}")
            args = copy.deepcopy(snapshot)  # in case that spelling wrote to them
    for p in peers:
        c = Candidate("peer", p.name, f"{p.name} on the peer spelling")
        cands.append(c)
        try:
            call, to_numpy = p.build(w, peer_src.text, args)
            t0 = time.perf_counter()
            got = to_numpy(call())
            c.first_call_s = time.perf_counter() - t0
            c.max_rel_err = compare(got, expected, f"{w.name}/{p.name} vs {w.hand}")
            c.call = call
        except Exception as e:  # a peer problem is reported, never fatal
            c.error = _error(e)
            log(f"    peer {p.name}: FAILED: {type(e).__name__}: {str(e)[:300]}")

    rounds = time_interleaved(cands, budget_s, mode)
    try:
        compare(args, snapshot, f"{w.name}: inputs after timing", 0.0, 0.0)
    except AssertionError as e:
        res["errors"].append({"what": "inputs modified during timing", **_error(e)})

    hand_t = cands[0].stats()["median_s"]
    hand_min = cands[0].stats()["min_s"]
    res["rounds"] = rounds
    res["candidates"] = []
    for c in cands:
        st = c.stats()
        entry = {
            "kind": c.kind,
            "name": c.name,
            "what": c.what,
            "ok": c.error is None,
            "timing": st,
            "ratio": st["median_s"] / hand_t if st and c.kind != "hand" else None,
            "min_ratio": st["min_s"] / hand_min if st and c.kind != "hand" else None,
            "first_call_s": c.first_call_s,
            "max_rel_err": c.max_rel_err,
        }
        if c.error:
            entry["error"] = c.error
        res["candidates"].append(entry)
    mine = [e for e in res["candidates"] if e["kind"] == "myia" and e["ratio"] is not None]
    if mine:
        best = min(mine, key=lambda e: e["ratio"])
        worst = max(mine, key=lambda e: e["ratio"])
        res["best"] = {"name": best["name"], "ratio": best["ratio"]}
        res["worst"] = {"name": worst["name"], "ratio": worst["ratio"]}
        res["worst_over_best"] = worst["ratio"] / best["ratio"]
    res["failed_spellings"] = [
        e["name"] for e in res["candidates"] if e["kind"] == "myia" and not e["ok"]
    ]
    return res


def render_workload(w: Workload, res: dict) -> str:
    hand = res["candidates"][0]
    hs = hand["timing"]
    head = (
        f"{w.name}: {w.description} [{w.sizes}]\n"
        f"hand-written adjoint {w.hand}: {fmt_time(hs['median_s'])} median "
        f"(IQR {fmt_pct(hs['iqr_rel'])}), {res['rounds']} interleaved samples"
        f" of {hs['calls_per_sample']} call(s)"
    )
    rows = []
    for e in res["candidates"][1:]:
        st = e["timing"] or {}
        name = e["name"] if e["kind"] == "myia" else f"[{e['name']}]"
        rows.append(
            [
                name,
                e["what"],
                "FAILED" if not e["ok"] else fmt_time(st.get("median_s")),
                fmt_pct(st.get("iqr_rel")),
                "-" if st.get("calls_per_sample") is None else str(st["calls_per_sample"]),
                fmt_ratio(e["ratio"]),
                fmt_ratio(e["min_ratio"]),
                fmt_time(e["first_call_s"]) if e["ok"] else "-",
            ]
        )
    body = table(
        ["spelling", "what", "grad", "IQR", "calls", "grad/hand", "min/min", "1st call"],
        rows,
        left=2,
    )
    tail = []
    if "worst" in res:
        tail.append(
            f"worst spelling {res['worst']['name']} {fmt_ratio(res['worst']['ratio'])}, "
            f"best {res['best']['name']} {fmt_ratio(res['best']['ratio'])}, worst/best "
            f"{fmt_ratio(res['worst_over_best'])} (targets: grad/hand <= "
            f"{w.ratio_target:.2f}x, worst/best <= {WORST_OVER_BEST_TARGET:.2f}x)"
        )
    for e in res["candidates"][1:]:
        if not e["ok"]:
            msg = e["error"]["message"].strip().splitlines()
            tail.append(f"FAILED {e['name']}: {e['error']['type']}: {(msg or [''])[0][:300]}")
    for err in res["errors"]:
        tail.append(f"ERROR {err['what']}: {err['type']}: {err['message'][:300]}")
    return "\n".join([head, body, *tail])


def render_summary(results: list[dict]) -> str:
    rows = []
    for r in results:
        w = BY_NAME[r["name"]]
        peer = next(e for e in r["candidates"] if e["kind"] == "myia" and e["name"] == "peer")
        n_ok = sum(1 for e in r["candidates"] if e["kind"] == "myia" and e["ok"])
        n_all = sum(1 for e in r["candidates"] if e["kind"] == "myia")
        met = "-"
        if "worst" in r:
            ratio_ok = r["worst"]["ratio"] <= w.ratio_target
            spread_ok = r["worst_over_best"] <= WORST_OVER_BEST_TARGET
            met = "yes" if ratio_ok and spread_ok and n_ok == n_all else "no"
        rows.append(
            [
                r["name"],
                fmt_time(r["candidates"][0]["timing"]["median_s"]),
                "FAILED" if not peer["ok"] else fmt_time(peer["timing"]["median_s"]),
                fmt_ratio(peer["ratio"]),
                f"{r['best']['ratio']:.2f}x {r['best']['name']}" if "best" in r else "-",
                f"{r['worst']['ratio']:.2f}x {r['worst']['name']}" if "worst" in r else "-",
                fmt_ratio(r.get("worst_over_best")),
                f"{n_ok}/{n_all}",
                f"<= {w.ratio_target:.2f}x",
                met,
            ]
        )
    return table(
        [
            "workload",
            "hand",
            "grad (peer)",
            "peer/hand",
            "best/hand",
            "worst/hand",
            "worst/best",
            "ok",
            "target",
            "met",
        ],
        rows,
    )


def render_compile(comp: dict) -> str:
    rows = []
    for name, c in comp.items():
        w = BY_NAME[name]
        fp = c.get("fresh_process")
        ins = c.get("in_process") or []
        med = statistics.median(ins) if ins else None
        worst = max([x for x in [fp, *ins] if isinstance(x, float)], default=None)
        rows.append(
            [
                name,
                "FAILED" if isinstance(fp, dict) else fmt_time(fp),
                fmt_time(med),
                fmt_time(min(ins)) if ins else "-",
                fmt_time(max(ins)) if ins else "-",
                f"<= {fmt_time(w.first_call_target)}",
                "-" if worst is None else ("yes" if worst <= w.first_call_target else "no"),
            ]
        )
    n = max((len(c.get("in_process") or []) for c in comp.values()), default=0)
    return table(
        [
            "first call",
            "new process",
            f"median of {n}",
            "min",
            "max",
            "target",
            "met",
        ],
        rows,
    )


# -- main ------------------------------------------------------------------------------------


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Time myia's gradients of the peer workloads, in many spellings, "
        "against hand-written NumPy adjoints.",
    )
    p.add_argument(
        "--threads",
        metavar="N",
        help="limit BLAS/OpenMP threads to N (the documented way to run: --threads 1)",
    )
    p.add_argument("--quick", action="store_true", help="smoke test: few samples, ~20 s")
    p.add_argument(
        "--budget", type=float, metavar="SECONDS", help="timed rounds in all (default 120)"
    )
    p.add_argument(
        "--only", action="append", metavar="NAME", help="only these workloads (repeatable, or a,b)"
    )
    p.add_argument("--list", action="store_true", help="list the workloads and spellings")
    p.add_argument("--no-peers", action="store_true", help="skip autograd/JAX/PyTorch")
    p.add_argument(
        "--no-compile", action="store_true", help="skip the first-call (compile time) table"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the inputs (default 0)")
    p.add_argument(
        "--json",
        default=str(_HERE / "results.json"),
        metavar="PATH",
        help="where to write the results (default benchmarks/results.json)",
    )
    p.add_argument("--first-call-of", metavar="NAME", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv=None) -> int:
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    if opts.first_call_of:
        return first_call_worker(opts.first_call_of, opts.seed)
    if opts.list:
        from benchmarks import spellings

        for w in WORKLOADS:
            names = ", ".join(["peer"] + [n for n, _, _ in spellings.SPELLINGS[w.name]])
            print(f"{w.name:13s} {w.description}\n{'':13s} spellings: {names}")
        return 0
    mode = QUICK if opts.quick else NORMAL
    if opts.budget is not None:
        mode = Mode(**{**mode.__dict__, "budget_s": opts.budget})
    selected = WORKLOADS
    if opts.only:
        names = [n.strip() for item in opts.only for n in item.split(",") if n.strip()]
        unknown = [n for n in names if n not in BY_NAME]
        if unknown:
            print(f"unknown workload(s) {unknown}; choose from {list(BY_NAME)}", file=sys.stderr)
            return 2
        selected = [BY_NAME[n] for n in names]

    limits = contextlib.nullcontext()
    if opts.threads is not None:
        if not opts.threads.isdigit():
            print("--threads takes a positive integer", file=sys.stderr)
            return 2
        env_set = os.environ.get("OPENBLAS_NUM_THREADS") == opts.threads
        try:
            import threadpoolctl

            limits = threadpoolctl.threadpool_limits(limits=int(opts.threads))
        except ImportError:
            if _NUMPY_WAS_LOADED or not env_set:
                print(
                    "--threads: NumPy was loaded before the thread variables could be set and "
                    "threadpoolctl is not installed: the limit may not apply",
                    file=sys.stderr,
                )
    with limits:
        return _run(opts, mode, selected)


def _run(opts, mode: Mode, selected: list[Workload]) -> int:
    started = time.perf_counter()
    env = environment(opts.threads)
    peer_src = loading.peer_source()
    peers, peer_info = available_peers(not opts.no_peers)
    header = render_header(env, peer_src, peer_info, mode)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)
    log(header)

    inputs = make_inputs(opts.seed)
    peer = loading.load_peer(peer_src)
    spell = loading.load_spellings()
    budget = mode.budget_s / len(selected)
    results = []
    for i, w in enumerate(selected, 1):
        log(f"[{i}/{len(selected)}] {w.name}: checking and timing")
        t0 = time.perf_counter()
        results.append(
            run_workload(
                w, inputs[w.name], peer, spell, peers, peer_src, mode, budget, opts.seed, log
            )
        )
        log(f"    done in {time.perf_counter() - t0:.1f} s")

    comp: dict = {}
    if not opts.no_compile:
        log("first calls: one new process per workload, then fresh loads in this process")
        for w in selected:
            comp[w.name] = {"in_process": []}
            if mode.fresh_process:
                comp[w.name]["fresh_process"] = first_call_fresh_process(w.name, opts.seed)
        for _ in range(mode.compile_repeats):
            fresh = loading.load_peer(peer_src)
            for w in selected:
                try:
                    comp[w.name]["in_process"].append(first_call(fresh, w, inputs[w.name]))
                except Exception as e:
                    comp[w.name]["error"] = _error(e)

    out = [header, ""]
    for w, r in zip(selected, results):
        out += [render_workload(w, r), ""]
    out += [
        "Summary (grad/hand of every myia spelling; 'ok': spellings that compiled "
        "and matched the hand adjoint)",
        render_summary(results),
        "",
    ]
    if comp:
        out += [
            "First call of a fresh myia.grad on the peer workloads (parse, specialize, "
            "differentiate, optimize, generate code, run)",
            render_compile(comp),
            "",
        ]
    print("\n" + "\n".join(out).rstrip())

    failed = [r for r in results if r["failed_spellings"] or r["errors"]]
    total = time.perf_counter() - started
    payload = {
        "schema": SCHEMA_VERSION,
        "command": [sys.executable, *sys.argv],
        "environment": env,
        "mode": mode.__dict__,
        "seed": opts.seed,
        "peer_source": {
            "path": str(peer_src.path),
            "origin": peer_src.origin,
            "copy_matches_shared": peer_src.copy_matches_shared,
        },
        "peers": peer_info,
        "tolerance": {"rtol": RTOL, "atol": ATOL},
        "workloads": results,
        "first_calls": comp,
        "total_s": total,
    }
    path = Path(opts.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload["environment"]["load_average_end"] = _loadavg()
    path.write_text(json.dumps(payload, indent=1, default=str) + "\n")
    load = env["load_average"], payload["environment"]["load_average_end"]
    print(
        f"\n{len(results)} workloads in {total:.0f} s (load average {load[0] and load[0][0]} at "
        f"the start, {load[1] and load[1][0]} at the end); results written to {path}"
    )
    if peer_src.copy_matches_shared is False:
        print("note: benchmarks/peer_workloads.py differs from ../shared: refresh the copy")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
