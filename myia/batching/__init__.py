"""Batching: `myia.vmap` as a transform of typed programs (one batching rule per primitive).

- `specs.py`: which parts of a value carry the batch axis, and the types they give;
- `transform.py`: the analysis of every node's spec and the rewrite of each graph;
- `control.py`: branches and loops on a condition that varies from example to example;
- `tapes.py`: the tapes of reverse mode (masked where a loop's iterations vary);
- `elementwise.py`, `arrays.py`, `structures.py`: the rules (`Primitive.defbatch`);
- `program.py`: the program of `myia.vmap` (`in_axes`, `out_axes`).

Example:
    >>> import numpy as np, myia
    >>> myia.vmap(lambda x, w: np.dot(x, w), in_axes=(0, None))(np.eye(2), np.ones(2))
    array([1., 1.])
"""

from myia.batching import arrays, elementwise, structures, tapes

for _family in (elementwise, arrays, structures, tapes):
    _family.register()
