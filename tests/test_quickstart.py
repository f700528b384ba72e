"""The README's main job, `python examples/quickstart.py`, runs as a user runs it and prints
what it says it prints (the loss going down, every stage of the program)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

QUICKSTART = Path(__file__).resolve().parents[1] / "examples" / "quickstart.py"


def test_quickstart_runs_and_learns():
    out = subprocess.run(
        [sys.executable, str(QUICKSTART)], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    first = float(re.search(r"^loss = ([0-9.]+)", text, re.M).group(1))
    last = float(re.search(r"loss after 200 steps of gradient descent = ([0-9.]+)", text).group(1))
    assert last < first
    assert "graph @loss(" in text  # the parsed IR
    assert "graph @grad:loss(" in text  # the gradient program
    assert "def grad_loss(" in text  # the generated source


def test_quickstart_runs_without_the_optional_dependencies():
    # `pip install -e .` installs numpy and networkx only: SciPy and torch are extras. Their
    # imports fail here as they do where they are not installed.
    blocked = (
        "import runpy, sys\n"
        "for name in ('scipy', 'scipy.special', 'scipy.stats', 'torch'):\n"
        "    sys.modules[name] = None\n"
        f"runpy.run_path({str(QUICKSTART)!r}, run_name='__main__')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", blocked], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert "def grad_loss(" in out.stdout
