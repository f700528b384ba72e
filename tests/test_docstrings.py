"""The examples in the docstrings of the public API (what docs/api.md renders) run and
print what they show.

Every name of `myia.__all__`, `myia.testing.check_grads`, and every name docs/api.md renders
(`::: name`) is checked with `doctest`, its examples run in the namespace of the module that
defines it, with `ELLIPSIS` on (so the examples carry no doctest directives).
"""

from __future__ import annotations

import doctest
import importlib
import re
import sys
from pathlib import Path

import pytest

import myia

API_PAGE = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def _names() -> list[str]:
    rendered = re.findall(r"^::: ([\w.]+)", API_PAGE.read_text(), re.M)
    return sorted({*(f"myia.{n}" for n in myia.__all__), "myia.testing.check_grads", *rendered})


def _locate(name: str):
    """The object `name` names: attributes from `myia` down (`myia.ir` is the function),
    else from the longest importable module (`myia.ir.nodes.Graph`)."""
    parts = name.split(".")
    obj = myia
    try:
        for p in parts[1:]:
            obj = getattr(obj, p)
        return obj
    except AttributeError:
        pass
    for k in range(len(parts), 1, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for p in parts[k:]:
            obj = getattr(obj, p)
        return obj
    raise AssertionError(f"{name} is not importable")


def _tests(name: str) -> list[doctest.DocTest]:
    obj = _locate(name)
    module = sys.modules.get(getattr(obj, "__module__", None) or "myia", myia)
    return [
        t for t in doctest.DocTestFinder().find(obj, name, globs=dict(vars(module))) if t.examples
    ]


@pytest.mark.parametrize("name", _names())
def test_docstring_examples_run(name):
    tests = _tests(name)
    if not tests and not name.startswith("myia.Myia"):
        pytest.fail(f"{name} has no example in its docstring")
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    for test in tests:
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


def test_examples_carry_no_doctest_directives():
    """Directives would show in the rendered API reference."""
    for name in _names():
        for test in _tests(name):
            for ex in test.examples:
                assert "doctest:" not in ex.source, f"{name}: {ex.source.strip()}"
