"""The documentation: the site builds with `mkdocs build --strict`, and its code runs.

The Python blocks of each page listed in `PAGES` run in order, sharing one namespace, as a
reader would run them. Each block is written to a file of its own (`model.py` in a fresh
folder) and imported, because myia reads the source of the functions it compiles with
`inspect`. Two conventions of the pages are checked:

- a line `expression  # -> value` asserts that the expression evaluates to `value` (numbers
  and arrays to about four significant digits, containers by type and element);
- a ```text block right after a Python block that holds a line like `SomeError: message`
  is the end of the traceback that block must raise (what `traceback.format_exception_only`
  prints, with folders stripped from file names). Lines holding only carets are ignored
  and `...` matches anything.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
import traceback
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [
    "index.md",
    "getting-started.md",
    "custom-gradients.md",
    "subset.md",
    "how-it-works.md",
    "numerics.md",
    "errors.md",
]

_FENCE = re.compile(
    r"^(?P<indent> *)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S
)
_CHECKED_LINE = re.compile(r"^(?P<indent>\s*)(?P<expr>\S.*?)\s+# -> (?P<value>.+?)\s*$")
_ERROR_LINE = re.compile(r"^[\w.]*(Error|Exception|Warning)\b[^:\n]*: ", re.M)


def _blocks(page: str) -> list[tuple[str, str, int]]:
    """(language, body, line) of each fenced block of a page, in order (indented ones too)."""
    text = (DOCS / page).read_text()
    out = []
    for m in _FENCE.finditer(text):
        indent = len(m.group("indent"))
        lang = (m.group("info").split() or [""])[0]
        body = "".join(line[indent:] + "\n" for line in m.group("body").splitlines())
        out.append((lang, body, text.count("\n", 0, m.start()) + 1))
    return out


def _close(actual, expected) -> bool:
    if isinstance(expected, (tuple, list)):
        return (
            type(actual) is type(expected)
            and len(actual) == len(expected)
            and all(_close(a, e) for a, e in zip(actual, expected))
        )
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and list(actual) == list(expected)
            and all(_close(actual[k], expected[k]) for k in expected)
        )
    if isinstance(expected, (bool, str, type(None), np.dtype, type)):
        return type(actual) is not tuple and bool(actual == expected)
    if isinstance(actual, (tuple, list, dict, str)) or np.shape(actual) != np.shape(expected):
        return False
    return bool(np.allclose(actual, expected, rtol=1e-3, atol=1e-8, equal_nan=True))


def _doc_check(actual, expected_src: str, where: str) -> None:
    expected = eval(expected_src, {"np": np, "array": np.array, "inf": np.inf, "nan": np.nan})
    assert _close(actual, expected), (
        f"{where}: the page says {expected_src}, the code gives {actual!r}"
    )


def _with_checks(body: str, where: str) -> str:
    """The block with each `expression  # -> value` line turned into a check (same lines)."""
    lines = []
    for i, line in enumerate(body.splitlines(), 1):
        m = _CHECKED_LINE.match(line)
        if m:
            expr = m.group("expr")
            ast.parse(expr, mode="eval")  # a SyntaxError here: the page misuses `# ->`
            line = (
                m.group("indent")
                + f"__doc_check__({expr}, {m.group('value')!r}, {f'{where}, block line {i}'!r})"
            )
        lines.append(line)
    return "\n".join(lines) + "\n"


def _run_block(source: str, folder: Path, name: str, namespace: dict) -> None:
    folder.mkdir(parents=True)
    path = folder / "model.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(namespace)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
        namespace.update({k: v for k, v in module.__dict__.items() if not k.startswith("__")})


def _error_matches(expected: str, produced: str) -> bool:
    def lines(text):
        return [ln.rstrip() for ln in text.splitlines() if ln.strip() and ln.strip("^ ~")]

    want, got = lines(expected), lines(produced)
    pattern = "\n".join(".*".join(map(re.escape, ln.split("..."))) for ln in want)
    return re.fullmatch(pattern, "\n".join(got), re.S) is not None


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # pages show NumPy's log(0), exp overflow
@pytest.mark.parametrize("page", PAGES)
def test_code_blocks_of_the_page_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    blocks = _blocks(page)
    namespace = {"__doc_check__": _doc_check}
    ran = 0
    for k, (lang, body, line) in enumerate(blocks):
        if lang != "python":
            continue
        where = f"docs/{page}:{line}"
        nxt = blocks[k + 1] if k + 1 < len(blocks) else None
        expected = nxt[1] if nxt and nxt[0] == "text" and _ERROR_LINE.search(nxt[1]) else None
        folder = tmp_path / f"block{k}"
        name = "_docs_" + re.sub(r"\W", "_", page) + f"_{k}"
        try:
            _run_block(_with_checks(body, where), folder, name, namespace)
        except ModuleNotFoundError as e:
            if expected is None or e.name in ("myia", "numpy"):
                raise
            continue  # an optional library (scipy) the example is about is not installed
        except Exception as e:  # noqa: BLE001
            if expected is None:
                raise AssertionError(f"the block at {where} raised") from e
            produced = "".join(traceback.format_exception_only(e))
            produced = re.sub(
                re.escape(f"{tmp_path}{os.sep}") + r"block\d+" + re.escape(os.sep), "", produced
            )
            assert _error_matches(expected, produced), (
                f"the block at {where} raised\n{produced}\nbut the page shows\n{expected}"
            )
        else:
            assert expected is None, f"the block at {where} should raise\n{expected}"
        ran += 1
    assert ran > 0


def test_site_builds_strict(tmp_path):
    for module in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python"):
        pytest.importorskip(
            module,
            reason=f"`{module}` is not installed: pip install -e '.[docs]' to build the docs",
        )
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=path)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-q",
            "-f",
            str(ROOT / "mkdocs.yml"),
            "-d",
            str(tmp_path / "site"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "site" / "architecture" / "index.html").exists()
    api = (tmp_path / "site" / "api" / "index.html").read_text()
    for name in ("myia.jit", "myia.grad", "myia.value_and_grad", "myia.custom_vjp", "check_grads"):
        assert name in api, f"the API reference lost {name}"
    # grad and value_and_grad get their docstrings at import time: without inspection they
    # would be listed as bare module attributes.
    assert "module-attribute" not in api, "the API reference lost a docstring"
