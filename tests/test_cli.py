"""The command line `python -m myia show|check FILE.py:FUNCTION`, run as a user runs it (a
subprocess) on a small module written to a temporary folder: every stage of `show`, `check`
passing and failing, `--help`, and the one-line errors with exit status 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

MODULE = textwrap.dedent(
    """
    import numpy as np

    import myia

    SCALE = 2.0


    def f(x):
        y = 0.0
        for i in range(3):
            y = y + x * np.sin(x)
        return y


    def loss(w, x):
        return np.sum(np.tanh(x @ w) ** 2) * SCALE


    @myia.custom_vjp
    def bad_square(x):
        return x * x


    @bad_square.defvjp
    def bad_square_bprop(x, out, dout):
        return (dout * x,)  # wrong on purpose: the derivative of x * x is 2 * x


    def uses_bad(x):
        return bad_square(x) + 1.0


    def unsupported(x):
        with open(x) as fh:
            return fh.read()


    def nonscalar(x):
        return x * 2.0


    def apply_to(fn, v):
        return fn(v)


    def act(x):
        return np.sum(apply_to(np.tanh, x))


    class Model:
        def __init__(self):
            self.w = np.array([0.5, -1.0, 2.0])
            self.b = 0.25
            self.name = "model"

        def loss(self, x):
            return np.sum(np.tanh(self.w * x) + self.b * x)


    model = Model()

    NOT_A_FUNCTION = 3
    """
)


@pytest.fixture(scope="module")
def mod(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "cli_target.py"
    path.write_text(MODULE)
    return path


def myia_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "myia", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd or ROOT,
        env=env,
    )


def ok(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stdout


# show ---------------------------------------------------------------------------------------


def test_show_parsed_is_the_default(mod):
    out = ok(myia_cli("show", f"{mod}:f"))
    assert out.startswith("graph @f(x) {")
    assert "y = y + x * np.sin(x)" in out  # source lines beside the nodes
    assert "sin(x)" in out and "@f:while" in out  # the loop is a graph of its own
    assert out == ok(myia_cli("show", f"{mod}:f", "--stage", "parsed"))


def test_show_grad_stage(mod):
    out = ok(myia_cli("show", f"{mod}:f", "--stage", "grad"))
    assert out.startswith("graph @grad:f(")
    # One float input: its derivative is one tangent, by forward mode; the loop stays a loop.
    assert "@jvp:f" in out and "@jvp:f:while" in out and "@bwd" not in out


def test_show_optimized_of_function_and_of_gradient(mod):
    out = ok(myia_cli("show", f"{mod}:f", "--stage", "optimized", "--args", "1.5"))
    assert out.startswith("graph @f(x)")
    out = ok(myia_cli("show", f"{mod}:f", "--grad", "--stage", "optimized", "--args", "1.5"))
    assert out.startswith("graph @grad:f(x)")


def test_show_source_of_function_and_of_gradient(mod):
    out = ok(myia_cli("show", f"{mod}:f", "--stage", "source", "--args", "(1.5,)"))
    assert "def f(x):" in out
    compile(out, "<generated>", "exec")
    args = "np.full(3, 0.5), np.ones((2, 3))"
    out = ok(myia_cli("show", f"{mod}:loss", "--grad", "--stage", "source", "--args", args))
    assert "def grad_loss(w, x):" in out
    compile(out, "<generated>", "exec")
    out = ok(
        myia_cli(
            "show",
            f"{mod}:loss",
            "--grad",
            "--argnums",
            "0",
            "1",
            "--stage",
            "source",
            "--args",
            args,
        )
    )
    compile(out, "<generated>", "exec")


def test_show_hides_rule_graphs_unless_asked_and_writes_the_picture(mod, tmp_path):
    out = ok(myia_cli("show", f"{mod}:act", "--stage", "grad", "--args", "np.ones(3)"))
    assert "bwd[tanh]" in out and "graph @bwd:tanh" not in out
    svg = tmp_path / "act.svg"
    argv = ["show", f"{mod}:act", "--stage", "grad", "--show-rules", "--svg", str(svg)]
    out = ok(myia_cli(*argv, "--args", "np.ones(3)"))
    assert "graph @bwd:tanh" in out
    root = ET.parse(svg).getroot()
    panels = [e for e in root.iter("{http://www.w3.org/2000/svg}g") if e.get("class") == "panel"]
    assert len(panels) == out.count("graph @")


def test_show_typed_and_jvp_stages(mod):
    out = ok(
        myia_cli("show", f"{mod}:loss", "--stage", "typed", "--args", "np.ones(2), np.ones((3, 2))")
    )
    assert out.startswith("graph @loss(w, x)") and "matmul" in out
    out = ok(myia_cli("show", f"{mod}:f", "--stage", "jvp"))
    assert out.startswith("graph @jvp:f") and "d_x" in out


def test_relative_path_imports_from_its_folder(mod):
    out = ok(myia_cli("show", f"{mod.name}:loss", cwd=mod.parent))
    assert out.startswith("graph @loss(w, x)")


# check --------------------------------------------------------------------------------------


def test_check_passing(mod):
    out = ok(myia_cli("check", f"{mod}:f", "--args", "1.5"))
    lines = out.splitlines()
    mine = next(line for line in lines if line.strip().startswith("myia:"))
    fd = next(line for line in lines if line.strip().startswith("finite differences:"))
    assert abs(float(mine.split(":", 1)[1]) - float(fd.split(":", 1)[1])) < 1e-6
    assert lines[-1].startswith("OK")


def test_check_second_order_with_arrays(mod):
    args = "np.linspace(0.1, 0.5, 3), np.ones((2, 3))"
    out = ok(myia_cli("check", f"{mod}:loss", "--args", args, "--order", "2"))
    assert "gradient with respect to argument 0" in out
    assert "gradient with respect to argument 1" in out
    assert out.splitlines()[-1].startswith("OK")


def test_check_failing_exits_1(mod):
    proc = myia_cli("check", f"{mod}:uses_bad", "--args", "1.5")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "myia:               1.5" in proc.stdout  # the wrong rule's x ...
    assert "finite differences: 2.99999" in proc.stdout  # ... against 2 * x
    assert "FAILED" in proc.stdout


def test_check_methods_of_a_model(mod):
    out = ok(
        myia_cli("check", f"{mod}:Model.loss", "--args", "Model(), np.ones(3)", "--order", "2")
    )
    assert "gradient with respect to argument 0:\n  myia:               Model(w=" in out
    assert "gradient with respect to argument 1" in out
    assert out.splitlines()[-1].startswith("OK")
    out = ok(myia_cli("check", f"{mod}:model.loss", "--args", "np.ones(3)"))
    assert "gradient with respect to argument 0:\n  myia:               Model(w=" in out
    assert out.splitlines()[-1].startswith("OK")
    out = ok(
        myia_cli("show", f"{mod}:model.loss", "--grad", "--stage", "source", "--args", "np.ones(3)")
    )
    assert "def grad_loss(self, x):" in out


# help ---------------------------------------------------------------------------------------


def test_help_explains_verbs_and_options():
    out = ok(myia_cli("--help"))
    for word in ("show", "check", "parsed", "grad", "optimized", "source", "FILE.py:FUNCTION"):
        assert word in out
    out = ok(myia_cli("show", "--help"))
    for word in ("--stage", "--args", "--grad", "--show-rules", "--svg"):
        assert word in out
    for word in ("parsed", "typed", "grad", "jvp", "optimized", "source"):
        assert word in out
    out = ok(myia_cli("check", "--help"))
    for word in ("--args", "--order", "finite"):
        assert word in out


# errors -------------------------------------------------------------------------------------

ERRORS = {
    "no function part": (["show", "{mod}"], "expected FILE.py:FUNCTION"),
    "missing file": (["show", "{dir}/nowhere.py:f"], "no such file"),
    "missing function": (["show", "{mod}:nope"], "has no function 'nope'"),
    "not a function": (["show", "{mod}:NOT_A_FUNCTION"], "not a function"),
    "unsupported syntax": (["show", "{mod}:unsupported"], "MyiaSyntaxError"),
    "source needs args": (["show", "{mod}:f", "--stage", "source"], "--args"),
    "no picture of source": (
        ["show", "{mod}:f", "--stage", "source", "--args", "1.0", "--svg", "{dir}/f.svg"],
        "--svg is for the graph stages",
    ),
    "bad args expression": (["check", "{mod}:f", "--args", "1.0 +"], "bad --args"),
    "non-scalar output": (["check", "{mod}:nonscalar", "--args", "np.ones(3)"], "MyiaTypeError"),
    "import fails": (["show", "{dir}/broken.py:f"], "importing"),
}


@pytest.fixture(scope="module")
def error_runs(mod) -> dict[str, subprocess.CompletedProcess]:
    """Every case of ERRORS, run at once (each is a separate Python process)."""
    (mod.parent / "broken.py").write_text("def f(x):\n    return x\n\nraise RuntimeError('boom')\n")
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {
            case: pool.submit(myia_cli, *[a.format(mod=mod, dir=mod.parent) for a in argv])
            for case, (argv, _) in ERRORS.items()
        }
        return {case: future.result() for case, future in futures.items()}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_are_one_line_with_status_2(error_runs, case):
    proc = error_runs[case]
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("myia: error:")
    assert ERRORS[case][1] in lines[0]


def test_traceback_option_shows_the_trace(mod):
    proc = myia_cli("show", f"{mod}:unsupported", "--traceback")
    assert proc.returncode == 2
    assert "Traceback" in proc.stderr or "File " in proc.stderr
