"""The picture of a graph (`Graph.to_svg`, issue 17 item 2): valid SVG drawn by myia, one
element per node of the graphs shown, labels with the user's source lines, arrows that run
down from a value to its users, escaped labels, and a bounded size with a note of what is
left out.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import myia
from myia.ir.drawing import CHAR_W, INDENT, LABEL, NODE_GAP, ROW
from myia.ir.manager import Manager
from myia.ir.nodes import Apply
from myia.ir.printer import Printer, graph_to_html
from tests.test_random_programs import load_function, programs

SVG = "{http://www.w3.org/2000/svg}"


def small(x, y):
    a = np.tanh(x) * y
    b = np.sum(a * a)
    return b + 1.0


def looped(x):
    total = 0.0
    for k in range(1, 4):
        total = total + np.sum(x * np.sin(k * x))
    return total


def _tree(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    return root


def _nodes(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter(SVG + "g") if e.get("class", "").split()[0] == "node"]


def _expected_count(g) -> int:
    """Parameters and calls of each graph (no rule graph here), free variables not counted."""
    mng = Manager(g)
    count = 0
    for h in mng.graphs:
        count += len(h.parameters)
        seen = set()
        stack = [h.return_]
        while stack:  # the calls of h, through the closures' uses of h's nodes
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            if isinstance(n, Apply) and n.graph is h:
                count += 1
                stack.extend(n.inputs)
            elif n.is_constant_graph():
                stack.extend(x for x in mng.free_variables_total[n.value] if x.graph is h)
    return count


def _text(e: ET.Element) -> str:
    return "".join(e.itertext())


def test_one_element_per_node_with_source_lines():
    g = myia.ir(small)
    root = _tree(g.to_svg())
    nodes = _nodes(root)
    assert len(nodes) == _expected_count(g) == 2 + 6  # x, y; tanh, mul, mul, sum, add, return
    labels = [_text(n.find(SVG + "text")) for n in nodes]
    first = small.__code__.co_firstlineno
    for line in (first + 1, first + 2, first + 3):
        assert any(f"line {line}" in t for t in labels), (line, labels)
    assert any(t.startswith("tanh") for t in labels)
    assert any("add(·, 1.0)" in t for t in labels)  # constants are written in the label
    tips = [n.find(SVG + "title").text for n in nodes]
    assert any(__file__ in t and "a = np.tanh(x) * y" in t for t in tips)


def test_each_graph_is_a_labelled_panel_and_arrows_run_down():
    g = myia.ir(looped, np.ones(3), stage="grad")
    root = _tree(g.to_svg())
    panels = [e for e in root.iter(SVG + "g") if e.get("class") == "panel"]
    assert len(panels) == len(Manager(g).graphs) >= 4
    titles = [_text(p.find(SVG + "text")) for p in panels]
    assert titles[0].startswith("@grad:looped(x)")
    assert len(_nodes(root)) == _expected_count(g)
    edges = [e for e in root.iter(SVG + "path") if e.get("class") in ("edge", "effect")]
    assert edges
    for e in edges:
        ys = [float(v) for v in re.findall(r"[-\d.]+,([-\d.]+)", e.get("d"))]
        assert ys[-1] > ys[0]
    # Free variables of the loop's body are dashed stubs, not nodes.
    assert any(e.get("class") == "free" for e in root.iter(SVG + "g"))


def test_labels_are_escaped():
    def shout(x):
        return x * np.array([1.0, 2.0]) if x is not None else "<b>&</b>"

    svg = myia.ir(shout).to_svg()
    _tree(svg)
    assert "<b>" not in svg and "&lt;b&gt;" in svg


def test_size_is_bounded_with_a_note():
    g = myia.ir(looped, np.ones(3), stage="grad")
    total = _expected_count(g)
    root = _tree(g.to_svg(max_nodes=10))
    assert len(_nodes(root)) == 10
    notes = [_text(e) for e in root.iter(SVG + "text") if e.get("class") == "note"]
    assert notes and notes[0].startswith(f"{total - 10} more nodes")
    # The default: at most 150 nodes, at most ROW a row, labels cut at LABEL characters.
    big = myia.ir(myia.grad(looped), np.ones(3), stage="grad")
    root = _tree(big.to_svg())
    assert len(_nodes(root)) <= 150
    depth = max(d for _, d in Printer(big).ordered_graphs())
    bound = ROW * (LABEL * CHAR_W + 16 + NODE_GAP) + 24 + depth * INDENT
    assert float(root.get("width")) <= bound


def test_notebook_html_shows_the_picture_beside_the_text():
    g = myia.ir(looped)
    html = g._repr_html_()
    assert html == graph_to_html(g)
    assert 'class="myia-ir"' in html and "<svg" in html and 'class="myia-picture"' in html
    assert "<svg" not in graph_to_html(g, picture=False)


def _check_picture(g) -> None:
    """Every node once, one panel per graph shown, arrows running down, boxes apart."""
    root = _tree(g.to_svg(max_nodes=10_000))
    panels = [e for e in root.iter(SVG + "g") if e.get("class") == "panel"]
    assert len(panels) == str(g).count("graph @")
    assert len(_nodes(root)) == _expected_count(g)
    for e in root.iter(SVG + "path"):
        if e.get("class") in ("edge", "effect"):
            ys = [float(v) for v in re.findall(r"[-\d.]+,([-\d.]+)", e.get("d"))]
            assert ys == sorted(ys), e.get("d")
    for panel in panels:
        rects = [
            tuple(float(r.get(k)) for k in ("x", "y", "width", "height"))
            for r in panel.iter(SVG + "rect")
            if r.get("class") != "frame"
        ]
        for i, (x, y, w, h) in enumerate(rects):
            for x2, y2, w2, h2 in rects[i + 1 :]:
                assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_pictures_of_random_programs(tmp_path_factory, data):
    source, fn_name, arg_strategy = data.draw(programs(max_depth=2), label="program")
    fn = load_function(source, fn_name, tmp_path_factory.mktemp("drawn"))
    args = data.draw(arg_strategy, label="args")
    _check_picture(myia.ir(fn))
    _check_picture(myia.ir(fn, *args, stage="grad"))
