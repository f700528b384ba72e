"""The command line: `python -m myia show ...` and `python -m myia check ...`.

`show` prints a stage of the pipeline for a function of a Python file (the parsed, typed,
adjoint, tangent or optimized graph, or the generated NumPy source) and can write the
graph's picture (`--svg`); `check` compares
myia's gradient with finite differences through `myia.testing.check_grads`.

Exit status: 0 on success (and when the gradients match), 1 when `check` finds a mismatch,
2 on an error (bad FILE:FUNCTION, a file that fails to import, a bad `--args` expression, an
error raised by myia), reported as one line on stderr. `--traceback` shows the full trace.

Example:
    $ python -m myia show model.py:loss --stage grad --svg loss_grad.svg
    $ python -m myia show model.py:loss --grad --stage source --args "np.ones(3), 2.0"
    $ python -m myia check model.py:loss --args "np.ones(3), 2.0" --order 2
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import sys
import traceback
import types
from pathlib import Path
from typing import Any

import numpy as np

from myia.trees import children, is_model

STAGES = ("parsed", "typed", "grad", "jvp", "optimized", "source")
NEEDS_ARGS = ("optimized", "source")
FD_MAX_ELEMENTS = 2000

DESCRIPTION = """\
Inspect and check myia's automatic differentiation of a function in a Python file.

Verbs:
  show    print one stage of the pipeline for FILE.py:FUNCTION:
            parsed     the graph IR parsed from the Python source (the default)
            typed      the program specialized for the types of --args
            grad       the adjoint program (J transform) before optimization
            jvp        the forward-mode (tangent) program before optimization
            optimized  the optimized graph that the backend compiles (needs --args)
            source     the generated Python/NumPy code (needs --args)
          With --grad, the stage of myia.grad(FUNCTION) instead of FUNCTION.
          Without --args, typed, grad and jvp take every argument to be a float.
          myia's own rule graphs (of primitives used as values) show as one named
          call, such as bwd[tanh]; --show-rules prints their bodies too.
          --svg OUT.svg also writes the picture of the graph.
  check   compare myia's gradient of FUNCTION with finite differences at --args
          (myia.testing.check_grads); exit status 0 when they match, 1 when not.

FILE.py is imported as a module from its path (its directory goes first on sys.path);
FUNCTION is a name defined in it; a dotted path names a method: Model.loss (its
--args start with the model object) or model.loss, a bound method of an object of the
file (argument 0 is the object, as for myia.grad).
Errors print one line on stderr and exit with status 2.
"""

EPILOG = """\
examples:
  python -m myia show model.py:loss
  python -m myia show model.py:loss --stage grad --svg loss_grad.svg
  python -m myia show model.py:loss --stage typed --args "np.ones(3), 0.5" --show-rules
  python -m myia show model.py:loss --grad --stage optimized --args "np.ones(3), 0.5"
  python -m myia show model.py:loss --grad --stage source --args "np.ones(3), 0.5"
  python -m myia check model.py:loss --args "np.ones(3), 0.5" --order 2
"""

ARGS_HELP = (
    "example arguments: a Python expression evaluated with `np`/`numpy`, `math` and the "
    "names of FILE.py available; a tuple is the argument list, any other value a single "
    'argument (e.g. "np.ones(3), 2.0" or "1.5" or "((1.0, 2.0),)")'
)


class CliError(Exception):
    """An error reported as one line on stderr, with exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m myia",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "target",
        metavar="FILE.py:FUNCTION",
        help="the Python file and the name of the function in it",
    )
    common.add_argument(
        "--traceback",
        action="store_true",
        help="on an error, show the full Python traceback instead of one line",
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)

    show = verbs.add_parser(
        "show",
        parents=[common],
        help="print a stage of the pipeline (parsed, grad, optimized IR or generated source)",
        description="Print one stage of myia's pipeline for FILE.py:FUNCTION.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    show.add_argument(
        "--stage",
        choices=STAGES,
        default="parsed",
        help="parsed: the parsed graph IR (default); typed: the program specialized for "
        "--args; grad: the adjoint graph before optimization; jvp: the forward-mode graph "
        "before optimization; optimized: the optimized graph compiled for --args; source: "
        "the generated Python/NumPy code for --args",
    )
    show.add_argument(
        "--show-rules",
        action="store_true",
        help="also show the bodies of myia's own rule graphs (the graphs of primitives used "
        "as values, their backpropagators and tangent rules), shown as one named call "
        "otherwise",
    )
    show.add_argument(
        "--svg",
        metavar="OUT.svg",
        help="also write the picture of the graph to OUT.svg (not for --stage source)",
    )
    show.add_argument(
        "--args", metavar="EXPR", help=ARGS_HELP + "; required by optimized and source"
    )
    show.add_argument(
        "--grad",
        action="store_true",
        help="show the stage of the gradient myia.grad(FUNCTION) rather than of FUNCTION",
    )
    show.add_argument(
        "--argnums",
        metavar="N",
        type=int,
        nargs="+",
        help="with --grad: the positions of the arguments to differentiate (default 0)",
    )

    check = verbs.add_parser(
        "check",
        parents=[common],
        help="compare myia's gradient with finite differences (exit 0 if they match, 1 if not)",
        description="Compare myia's gradient of FILE.py:FUNCTION at --args with central finite\n"
        "differences (myia.testing.check_grads). Prints myia's gradient, the elementwise\n"
        "finite-difference gradient and OK or FAILED; exits with status 0 or 1.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("--args", metavar="EXPR", required=True, help=ARGS_HELP)
    check.add_argument(
        "--order",
        metavar="N",
        type=int,
        default=1,
        help="check derivatives up to this order (2: also grad of grad; default 1)",
    )
    check.add_argument(
        "--argnums",
        metavar="N",
        type=int,
        nargs="+",
        help="the positions of the arguments to check (default: every argument holding floats)",
    )
    check.add_argument("--atol", type=float, help="absolute tolerance (default: check_grads')")
    check.add_argument("--rtol", type=float, help="relative tolerance (default: check_grads')")
    check.add_argument(
        "--seed", type=int, default=0, help="seed of the random directions (default 0)"
    )
    return parser


# Loading the target -----------------------------------------------------------------------


def load_target(spec: str) -> tuple[Any, Any]:
    """The module of FILE.py and the object FUNCTION named by `FILE.py:FUNCTION`."""
    path_text, sep, name = spec.rpartition(":")
    if not sep or not path_text or not name:
        raise CliError(f"expected FILE.py:FUNCTION, got {spec!r}")
    path = Path(path_text)
    if not path.is_file():
        raise CliError(f"no such file: {path_text}")
    path = path.resolve()
    module = _import_path(path)
    obj: Any = module
    for part in name.split("."):
        if not part.isidentifier() or not hasattr(obj, part):
            available = sorted(
                k
                for k, v in vars(module).items()
                if callable(v)
                and not k.startswith("_")
                and getattr(v, "__module__", None) == module.__name__
            )
            hint = f" (functions defined there: {', '.join(available)})" if available else ""
            raise CliError(f"{path_text} has no function {name!r}{hint}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise CliError(f"{spec}: {name!r} is a {type(obj).__name__}, not a function")
    return module, obj


def _import_path(path: Path):
    stem = path.stem
    name = (
        stem if stem.isidentifier() and stem not in sys.modules else f"_myia_cli_{abs(hash(path))}"
    )
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CliError(f"cannot import {path} as a Python module (expected a .py file)")
    module = importlib.util.module_from_spec(spec)
    directory = str(path.parent)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except CliError:
        raise
    except BaseException as exc:
        sys.modules.pop(name, None)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise CliError(f"importing {path} failed: {_one_line(exc)}") from exc
    return module


def eval_args(expr: str, module) -> tuple:
    """The argument tuple of `--args EXPR` (a non-tuple value is the single argument)."""
    namespace = dict(vars(module))
    namespace.update(np=np, numpy=np, math=math)
    try:
        value = eval(expr, namespace)  # noqa: S307  (the user's own command line)
    except Exception as exc:
        raise CliError(f"bad --args expression {expr!r}: {_one_line(exc)}") from exc
    return value if isinstance(value, tuple) else (value,)


def unbound(fn, xs: tuple, with_self: bool) -> tuple[Any, tuple]:
    """A bound method `model.loss` as its function, with the object as argument 0 (when
    `with_self`: arguments are given), as `myia.grad` takes it."""
    if isinstance(fn, types.MethodType):
        return fn.__func__, ((fn.__self__, *xs) if with_self else xs)
    return fn, xs


# The verbs --------------------------------------------------------------------------------


def cmd_show(opts) -> int:
    import myia

    module, fn = load_target(opts.target)
    if opts.argnums and not opts.grad:
        raise CliError("--argnums is only meaningful with --grad")
    if opts.stage in NEEDS_ARGS and opts.args is None:
        raise CliError(f"--stage {opts.stage} needs example arguments: give --args EXPR")
    if opts.stage == "source" and (opts.svg or opts.show_rules):
        flag = "--svg" if opts.svg else "--show-rules"
        raise CliError(f"{flag} is for the graph stages, not --stage source")
    xs = eval_args(opts.args, module) if opts.args is not None else ()
    fn, xs = unbound(fn, xs, bool(xs))
    if opts.grad:
        argnums = (
            0
            if not opts.argnums
            else (opts.argnums[0] if len(opts.argnums) == 1 else tuple(opts.argnums))
        )
        fn = myia.grad(fn, argnums=argnums)
    if opts.stage == "source":
        print(str(myia.source(fn, *xs)).rstrip("\n"))
        return 0
    graph = myia.ir(fn, *xs, stage=opts.stage, show_rules=opts.show_rules)
    print(str(graph).rstrip("\n"))
    if opts.svg:
        try:
            Path(opts.svg).write_text(graph.to_svg(), encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {opts.svg}: {exc.strerror}") from exc
    return 0


def cmd_check(opts) -> int:
    import myia
    from myia.testing import _has_float, check_grads

    module, fn = load_target(opts.target)
    if opts.order < 1:
        raise CliError(f"--order must be at least 1, got {opts.order}")
    fn, xs = unbound(fn, eval_args(opts.args, module), True)
    if opts.argnums:
        nums = tuple(opts.argnums)
        bad = [i for i in nums if not -len(xs) <= i < len(xs)]
        if bad:
            raise CliError(f"--argnums {bad[0]} is out of range for {len(xs)} argument(s)")
        nums = tuple(i % len(xs) for i in nums)
    else:
        nums = tuple(i for i, a in enumerate(xs) if _has_float(a))
    if not nums:
        raise CliError("no float argument to differentiate: pass floats or float arrays in --args")

    name = getattr(fn, "__name__", opts.target)
    print(f"check_grads({name}, order={opts.order}) at {_short(xs)}")
    grads = myia.grad(fn, argnums=nums)(*xs)  # first, so that myia's errors come first
    print(f"value: {_fmt(fn(*xs))}")
    eps_default = 1e-3 if _low_precision(xs, nums) else 1e-6
    for k, i in enumerate(nums):
        print(f"gradient with respect to argument {i}:")
        print(_indent("myia:               ", _fmt(grads[k])))
        fd = _finite_differences(fn, xs, i, eps_default)
        if fd is None:
            print(
                "  finite differences: (too many elements to list; checked along random directions)"
            )
            continue
        print(_indent("finite differences: ", _fmt(fd)))
        diff = _max_abs_diff(grads[k], fd)
        if diff is not None:
            print(f"  max |difference|:   {diff:.3g}")
    try:
        check_grads(
            fn, xs, order=opts.order, atol=opts.atol, rtol=opts.rtol, seed=opts.seed, argnums=nums
        )
    except AssertionError as exc:
        print(f"FAILED: {exc}")
        return 1
    print(f"OK: myia's gradients up to order {opts.order} match finite differences")
    return 0


# Finite differences and formatting ---------------------------------------------------------


def _low_precision(xs, nums) -> bool:
    return any(
        isinstance(x, (np.ndarray, np.floating)) and np.asarray(x).dtype == np.float32
        for i in nums
        for x in [xs[i]]
    )


def _float_leaves(x, path=()):
    """(path, leaf) of each float leaf of the tree `x` (a path indexes `children`)."""
    from myia.testing import _is_float_leaf

    parts = children(x)
    if parts is not None:
        for k, e in enumerate(parts[0]):
            yield from _float_leaves(e, (*path, k))
    elif _is_float_leaf(x):
        yield path, x


def _replace(x, path, new):
    if not path:
        return new
    items, rebuild = children(x)
    items = list(items)
    items[path[0]] = _replace(items[path[0]], path[1:], new)
    return rebuild(items)


def _finite_differences(fn, xs, i, eps):
    """The elementwise central-difference gradient of `fn` in argument `i` (same structure),
    or None when it has more than FD_MAX_ELEMENTS elements."""
    leaves = list(_float_leaves(xs[i]))
    if sum(int(np.size(v)) for _, v in leaves) > FD_MAX_ELEMENTS:
        return None

    def f(arg):
        return float(np.sum(fn(*xs[:i], arg, *xs[i + 1 :])))

    result = xs[i]
    for path, leaf in leaves:
        if isinstance(leaf, float):
            d = (f(_replace(xs[i], path, leaf + eps)) - f(_replace(xs[i], path, leaf - eps))) / (
                2 * eps
            )
            result = _replace(result, path, d)
            continue
        base = np.asarray(leaf)
        grad = np.zeros(base.shape, np.float64)
        for j in range(base.size):
            hi, lo = base.copy(), base.copy()
            hi.flat[j] += eps
            lo.flat[j] -= eps
            plus = f(_replace(xs[i], path, hi if base.ndim else hi[()]))
            minus = f(_replace(xs[i], path, lo if base.ndim else lo[()]))
            grad.flat[j] = (plus - minus) / (2 * eps)
        result = _replace(result, path, grad.astype(base.dtype) if base.ndim else grad[()])
    return result


def _max_abs_diff(a, b) -> float | None:
    try:
        la = [np.asarray(v, np.float64) for _, v in _float_leaves(a)]
        lb = [np.asarray(v, np.float64) for _, v in _float_leaves(b)]
        if len(la) != len(lb) or any(x.shape != y.shape for x, y in zip(la, lb)):
            return None
        return max((float(np.max(np.abs(x - y), initial=0.0)) for x, y in zip(la, lb)), default=0.0)
    except (TypeError, ValueError):
        return None


def _fmt(value) -> str:
    with np.printoptions(precision=8, threshold=60, edgeitems=4, linewidth=88):
        if isinstance(value, np.ndarray):
            return np.array2string(value, separator=", ")
        if isinstance(value, np.generic):
            return repr(value.item())
        if is_model(value):
            attrs = ", ".join(f"{k}={_fmt(v)}" for k, v in vars(value).items())
            return f"{type(value).__name__}({attrs})"
        return repr(value)


def _short(xs: tuple) -> str:
    def one(x):
        if isinstance(x, np.ndarray) and x.size > 4:
            return f"array<{x.dtype}{list(x.shape)}>"
        if isinstance(x, (tuple, list)):
            inner = ", ".join(one(e) for e in x)
            return (
                f"({inner},)"
                if isinstance(x, tuple) and len(x) == 1
                else (f"({inner})" if isinstance(x, tuple) else f"[{inner}]")
            )
        return _fmt(x)

    return "(" + ", ".join(one(x) for x in xs) + ("," if len(xs) == 1 else "") + ")"


def _indent(head: str, text: str) -> str:
    pad = " " * (len(head) + 2)
    lines = text.splitlines() or [""]
    return "\n".join(["  " + head + lines[0], *(pad + line for line in lines[1:])])


def _one_line(exc: BaseException) -> str:
    text = " ".join(part.strip() for part in str(exc).splitlines() if part.strip())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# Entry point ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the command line on `argv` (default `sys.argv[1:]`); return the exit status."""
    parser = build_parser()
    opts = parser.parse_args(argv)
    command = {"show": cmd_show, "check": cmd_check}[opts.verb]
    if opts.traceback:
        os.environ["MYIA_FULL_TRACEBACK"] = "1"  # myia's own frames too (`myia/tracebacks.py`)
    try:
        return command(opts)
    except CliError as exc:
        if opts.traceback and exc.__cause__ is not None:
            traceback.print_exception(exc.__cause__)
        print(f"myia: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("myia: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `python -m myia show ... | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        from myia.errors import MyiaError

        if opts.traceback:
            traceback.print_exc()
        hint = (
            ""
            if isinstance(exc, MyiaError) or opts.traceback
            else " (run with --traceback for details)"
        )
        print(f"myia: error: {_one_line(exc)}{hint}", file=sys.stderr)
        return 2
