"""The training examples (examples/digits.py, char_rnn.py, dirichlet_prior_network.py) run
end to end on their tiny `--small` setting: each finishes, prints its report and writes its
PNG plot into the folder given by `--out`.

Each example's `main(argv)` runs in this process (imported from examples/ by path); one
example also runs as the command `python examples/NAME.py`, as a user starts it.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

for _module in ("sklearn", "scipy", "matplotlib", "tqdm"):
    pytest.importorskip(_module)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_example(name, out, monkeypatch, *options):
    """Import examples/NAME.py and call its `main` on the small setting, writing into `out`."""
    monkeypatch.syspath_prepend(str(EXAMPLES))  # the examples import their _common module
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(["--small", "--out", str(out), *options])


def assert_png(path: Path, out: Path, name: str):
    assert path == out / name
    assert path.read_bytes().startswith(PNG_SIGNATURE)


def test_digits(tmp_path, monkeypatch, capsys):
    result = run_example("digits", tmp_path, monkeypatch)
    stdout = capsys.readouterr().out
    accuracies = result["test accuracy"]
    assert list(accuracies) == ["logistic regression", "MLP (64 tanh units)"]
    for name, accuracy in accuracies.items():
        assert f"{name}: test accuracy {100 * accuracy:.2f}%" in stdout
        assert accuracy > 0.8, f"{name} after two epochs: {accuracy}"
    assert_png(result["plot"], tmp_path, "digits.png")


def test_char_rnn(tmp_path, monkeypatch, capsys):
    result = run_example("char_rnn", tmp_path, monkeypatch)
    stdout = capsys.readouterr().out
    assert re.search(r"loss: \d+\.\d+ at the first step -> \d+\.\d+ nats/char", stdout)
    assert result["last loss"] < result["first loss"]
    assert result["sample"].startswith("the ") and len(result["sample"]) == 4 + 120
    assert f"sample: {result['sample']!r}" in stdout
    assert_png(result["plot"], tmp_path, "char_rnn.png")


def test_dirichlet_prior_network(tmp_path, monkeypatch, capsys):
    result = run_example("dirichlet_prior_network", tmp_path, monkeypatch)
    stdout = capsys.readouterr().out
    assert "in-distribution test accuracy:" in stdout
    assert re.search(r"in-distribution test points: +\d+\.\d\d", stdout)
    assert re.search(r"out-of-distribution \(r = 8-12\): +\d+\.\d\d", stdout)
    assert result["accuracy"] > 0.9
    # Sharp Dirichlets on the blobs, much flatter ones far from them.
    assert result["in-distribution concentration"] > 5 * result["out-of-distribution concentration"]
    assert_png(result["plot"], tmp_path, "dirichlet_prior_network.png")


def test_an_example_runs_as_a_command(tmp_path):
    out = tmp_path / "plots"
    proc = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "dirichlet_prior_network.py"),
            "--small",
            "--out",
            str(out),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "mean total concentration" in proc.stdout
    assert "prior network: 100%" in proc.stderr  # the tqdm progress bar
    assert (out / "dirichlet_prior_network.png").read_bytes().startswith(PNG_SIGNATURE)
