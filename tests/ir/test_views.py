"""The views of `myia.ir` show the user's graphs (issue 17, item 2): myia's rule graphs
(the graph calling a primitive used as a value, and what reverse and forward mode make of
it) are one named call, not their bodies, unless `show_rules=True`; what counts as a rule
graph is where it comes from (`flags["rule"]`), not its name. Also the "jvp" stage.
"""

from __future__ import annotations

import numpy as np
import pytest

import myia
from myia.backend.vm import run_graph
from myia.ir.manager import Manager
from myia.ir.nodes import Apply
from myia.ir.printer import graph_to_html
from myia.prim import lookup
from tests.ad.fd import fd_gradient


def twice(fn, x):
    return fn(fn(x))


def three(x):
    y = twice(np.tanh, x)
    z = y * np.sin(x)
    return np.sum(z)


def bprop(x):  # a user's function named like a rule: shown, names do not decide
    return np.cos(x) * x


def uses_bprop(x):
    return np.sum(twice(np.sin, bprop(x)))


STAGES = ("typed", "grad", "jvp")


def _rule_graphs(g):
    return [h for h in Manager(g).graphs if "rule" in h.flags]


def _headers(text: str) -> set[str]:
    """The graphs a text view writes a body for."""
    return {line.split("(")[0].split()[-1] for line in text.splitlines() if "graph @" in line}


@pytest.mark.parametrize("stage", STAGES)
def test_views_hide_rule_graphs(stage):
    x = np.linspace(-1.0, 1.0, 4)
    g = myia.ir(three, x, stage=stage)
    rules = _rule_graphs(g)
    assert rules, "the primitive used as a value makes rule graphs"
    assert all("tanh" in h.name for h in rules)
    text = str(g)
    shown = _headers(text)
    assert all("tanh" not in name for name in shown), shown
    assert {n.lstrip("@").split(":")[-1].split(".")[0] for n in shown} == {"three", "twice"}
    # A hidden rule graph is one named call: its rule's name (`fwd[tanh]`, `jvp[tanh]`).
    names = {h.flags["rule"] for h in rules}
    assert any(name in text for name in names), (names, text)
    html = graph_to_html(g)
    assert all(f">@{h.name}<" not in html for h in rules)
    svg = g.to_svg()
    assert all(f"@{h.name}(" not in svg for h in rules)


@pytest.mark.parametrize("stage", STAGES)
def test_show_rules_shows_their_bodies(stage):
    x = np.linspace(-1.0, 1.0, 4)
    g = myia.ir(three, x, stage=stage, show_rules=True)
    rules = _rule_graphs(g)
    shown = _headers(str(g))
    assert len(shown) == len(Manager(g).graphs)
    assert sum("tanh" in name for name in shown) == len(rules)
    assert all(f"@{h.name}" in g.to_svg() for h in rules)
    # The graph asked for without show_rules is unchanged (show_rules gives a copy).
    assert "tanh" not in " ".join(_headers(str(myia.ir(three, x, stage="typed"))))


def test_rule_graphs_known_by_origin_not_name():
    g = myia.ir(uses_bprop, np.ones(3), stage="grad")
    shown = _headers(str(g))
    assert any(name.endswith(":bprop") for name in shown)  # the user's `bprop`
    assert all("sin" not in name for name in shown)
    assert {h.flags["rule"] for h in _rule_graphs(g)} >= {"fwd[sin]"}


def test_parsed_and_optimized_views_of_three_lines():
    x = np.linspace(-1.0, 1.0, 4)
    assert _headers(str(myia.ir(three))) == {"@three", "@twice"}
    optimized = str(myia.ir(myia.grad(three), x, stage="optimized"))
    assert "tanh" not in " ".join(_headers(optimized)) and "bprop[" not in optimized


def test_the_root_is_shown_when_it_is_a_rule():
    g = myia.ir(myia.grad(np.tanh), 0.5, stage="grad")
    assert "rule" in g.flags
    assert len(_headers(str(g))) == len(Manager(g).graphs)


def test_jvp_stage_computes_the_tangent():
    x = np.linspace(-1.0, 1.0, 4)
    t = np.array([0.3, -1.0, 0.5, 2.0])
    g = myia.ir(three, x, stage="jvp")
    value, tangent = run_graph(g, (x, t))
    np.testing.assert_allclose(value, three(x))
    np.testing.assert_allclose(tangent, fd_gradient(three, (x,), 0) @ t, rtol=1e-6, atol=1e-8)


def test_unknown_stage_lists_the_stages():
    with pytest.raises(ValueError, match="parsed, typed, grad, jvp, optimized"):
        myia.ir(three, stage="adjoint")


def test_inlined_rule_nodes_carry_the_users_line():
    """The optimizer inlines the rule graphs; their nodes take the line of the call."""
    g = myia.ir(myia.grad(three), np.linspace(-1.0, 1.0, 4), stage="optimized")
    calls = [n for h in Manager(g).graphs for n in h.nodes() if isinstance(n, Apply)]
    assert any(n.is_apply(lookup("tanh")) for n in calls)
    assert all(n.loc is not None and n.loc.filename == __file__ for n in calls)
