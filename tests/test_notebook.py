"""The notebook views: examples/ir_tour.ipynb runs top to bottom in a Jupyter kernel, and
the HTML of a graph (`Graph._repr_html_`) is structured: nested collapsible sections, styled
primitives and constants, source lines beside each node and in its hover title. Also the
highlighted generated source (`SourceView`); the picture is tested in tests/ir/test_drawing.py.
"""

from __future__ import annotations

import os
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import myia
from myia.ir.printer import SourceView, graph_to_html, source_to_html

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "ir_tour.ipynb"


# The notebook -------------------------------------------------------------------------------


def test_committed_notebook_has_no_outputs():
    nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source


def _python3_kernel_or_skip():
    pytest.importorskip("nbclient", reason="nbclient is not installed: cannot run notebooks")
    pytest.importorskip("ipykernel", reason="ipykernel is not installed: no python3 kernel")
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        pytest.skip("no Jupyter kernel named python3 is available")


def test_ir_tour_notebook_runs(tmp_path, monkeypatch):
    _python3_kernel_or_skip()
    import nbformat
    from nbclient import NotebookClient

    # The kernel imports this checkout's myia.
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        timeout=120,
        startup_timeout=60,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html_outputs = [o.data["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    graphs = [h for h in html_outputs if 'class="myia-ir"' in h]
    assert len(graphs) == 5  # parsed, typed, grad, jvp, optimized: each text and picture
    assert all("<details" in h and "<svg" in h for h in graphs)
    assert "@loss(w, x, y)" in graphs[0] and "@jvp:loss" in graphs[3]
    assert any("grad_loss" in h for h in html_outputs)  # the generated source
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "gradients match finite differences" in text
    assert "graph @loss(w, x, y)" in text  # print(myia.ir(loss))
    # The rule graphs of np.tanh: one named call, their bodies only with show_rules=True.
    hidden, shown = text.split("graph @grad:act", 2)[1:]
    assert "fwd[tanh]" in hidden and "graph @fwd:tanh" not in hidden
    assert "graph @fwd:tanh" in shown
    assert any(o.get("data", {}).get("image/svg+xml") for o in outputs)  # SVG(g.to_svg())


# graph_to_html ------------------------------------------------------------------------------


def looped(x):
    total = 0.0
    for k in range(1, 3):
        total = total + np.sum(x * np.sin(k * x))
    return total


class _Tree(HTMLParser):
    """Checks that tags balance; records the nesting of <details> and each element."""

    VOID = {"br", "img", "hr", "meta", "input"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.max_details_depth = 0
        self.elements: list[tuple[str, dict, int]] = []  # (tag, attrs, details depth)
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        depth = self.stack.count("details")
        if tag == "details":
            self.max_details_depth = max(self.max_details_depth, depth + 1)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a":
            self.hrefs.append(attrs["href"])
        self.elements.append((tag, attrs, depth))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()


def parse_html(text: str) -> _Tree:
    tree = _Tree()
    tree.feed(text)
    tree.close()
    assert tree.stack == [], tree.stack
    return tree


def test_graph_html_nests_closures_in_collapsible_sections():
    g = myia.ir(looped)
    assert g._repr_html_() == graph_to_html(g)
    tree = parse_html(graph_to_html(g))
    details = [e for e in tree.elements if e[0] == "details"]
    assert len(details) >= 3  # the function and the graphs of its loop
    assert tree.max_details_depth >= 3  # the loop body nested in the header, in the function
    assert all("open" in attrs for _, attrs, _ in details)
    # Graph references link to the section of that graph.
    assert tree.hrefs and all(h.startswith("#") and h[1:] in tree.ids for h in tree.hrefs)


def test_graph_html_titles_carry_source_lines():
    tree = parse_html(graph_to_html(myia.ir(looped)))
    this_file = Path(__file__).name
    titles = [a["title"] for tag, a, _ in tree.elements if tag == "div" and "title" in a]
    assert any(
        this_file in t and "total = total + np.sum(x * np.sin(k * x))" in t for t in titles
    ), titles
    assert any("for k in range(1, 3):" in t for t in titles)
    # The line number and source text are also shown beside the node.
    html = graph_to_html(myia.ir(looped))
    assert 'class="loc"># ' in html and "np.sum(x * np.sin(k * x))</span>" in html


def test_graph_html_styles_primitives_constants_and_parameters():
    tree = parse_html(graph_to_html(myia.ir(looped)))
    spans = [(a.get("class"), a.get("title", "")) for tag, a, _ in tree.elements if tag == "span"]
    classes = {c for c, _ in spans}
    assert {"p", "c", "v", "g", "loc"} <= classes
    assert any(c == "p" and t.startswith("primitive sin") for c, t in spans)
    assert any(c == "c" and t.startswith("constant: float") for c, t in spans)


def test_graph_html_open_depth_collapses_deeper_sections():
    g = myia.ir(myia.grad(looped), np.ones(3), stage="optimized")
    tree = parse_html(graph_to_html(g, open_depth=1))
    for tag, attrs, depth in tree.elements:
        if tag == "details":
            assert ("open" in attrs) == (depth == 0)


def test_graph_html_escapes_text():
    def shout(x):
        return x * np.array([1.0, 2.0]) if x is not None else "<b>&</b>"

    text = graph_to_html(myia.ir(shout))
    parse_html(text)
    assert "<b>" not in text and "&lt;b&gt;" in text


# Generated source ----------------------------------------------------------------------------


def test_source_view_is_text_with_highlighted_html():
    code = myia.source(myia.grad(looped), np.ones(3))
    view = SourceView(code)
    assert isinstance(view, str) and view == code and str(view) == code
    out = view._repr_html_()
    assert out == source_to_html(code)
    assert "grad_looped" in out
    pytest.importorskip("pygments", reason="highlighting needs Pygments")
    assert "<span" in out  # tokens coloured


def test_source_html_without_pygments_is_plain_pre(monkeypatch):
    monkeypatch.setitem(sys.modules, "pygments", None)  # import pygments fails
    out = source_to_html("def f(x):\n    return x < 1\n")
    assert out.startswith("<pre") and "x &lt; 1" in out and "<span" not in out
