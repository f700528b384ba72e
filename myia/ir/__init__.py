"""The graph IR: nodes, graphs, the manager, cloning and printing."""

from myia.ir.clone import clone
from myia.ir.manager import Manager, manage
from myia.ir.nodes import Apply, Constant, Graph, Node, Parameter, toposort

__all__ = [
    "clone",
    "Apply",
    "Constant",
    "Graph",
    "Manager",
    "Node",
    "Parameter",
    "manage",
    "toposort",
]
