"""Gradients taken inside compiled code, replaced by their programs before reverse mode.

The specializer types `myia.grad(h, ...)(x)` as `grad_call(spec, h, x)`, with `h` the
typed copy of the function for `x`'s types (and `myia.jvp(h, (x,), (t,))` as
`grad_call(("jvp",), h, x, t)`). This pass builds the gradient (or tangent) program of `h`
(`gradient.gradient_program`, on `h`'s own graphs: the values `h` captures stay those of
the program around it) and calls it instead, the innermost gradients first, so that the
program differentiated next (grad of a function that takes gradients) is plain typed code.

Example:
    >>> expand_gradients(typed_root)       # doctest: +SKIP
"""

from __future__ import annotations

from myia.infer.build import typed_constant
from myia.ir.manager import Manager
from myia.ir.nodes import Apply, Graph
from myia.prim.registry import lookup

_GRAD_CALL = lookup("grad_call")


def grad_calls(root: Graph) -> list[Apply]:
    """The `grad_call`s of `root` and of the graphs it uses as constants (callees, nested
    closures), not those of the graphs around it (a closure's manager holds those too: a
    gradient taken of a closure, `myia.grad(lambda y: x * y)`, is not inside itself)."""
    mng = Manager(root)
    seen, stack = {root}, [root]
    while stack:
        for h in mng.graph_constants.get(stack.pop(), ()):
            if h not in seen:
                seen.add(h)
                stack.append(h)
    return sorted(
        (
            n
            for g in seen
            for n in mng.nodes.get(g, ())
            if isinstance(n, Apply) and n.is_apply(_GRAD_CALL)
        ),
        key=lambda n: n.id,
    )


def expand_gradients(root: Graph) -> Graph:
    """Replace every `grad_call` reachable from `root` by a call of its gradient program
    (and flag `root` with `"gradients"`: its optimizer runs the rewrites of adjoints)."""
    from myia.ad.gradient import gradient_program

    done: dict = {}
    while True:
        calls = grad_calls(root)
        if not calls:
            return root
        for node in calls:
            spec, fn = node.inputs[1].value, node.inputs[2].value
            if grad_calls(fn):
                expand_gradients(fn)
            key = (fn, spec)
            program = done.get(key)
            if program is None and spec == ("jvp",):
                from myia.ad.jvp_program import jvp_program
                from myia.infer.build import type_of

                n = (len(node.inputs) - 3) // 2
                tangents = [type_of(a) for a in node.inputs[3 + n :]]
                program = done[key] = jvp_program(fn, tangents)
            if program is None:
                argnums, has_aux, with_value = spec
                single = isinstance(argnums, int)
                nums = (argnums,) if single else tuple(argnums)
                n = len(fn.parameters)
                program = done[key] = gradient_program(
                    fn, tuple(a % n for a in nums), single, has_aux, with_value
                )
            root.flags["gradients"] = True  # optimized as a gradient program is
            new = Apply([typed_constant(program, node.loc), *node.inputs[3:]], node.graph, node.loc)
            new.abstract = node.abstract
            Manager(root).replace(node, new)
