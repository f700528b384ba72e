"""`call_keywords`: a call with keyword arguments of a function value (`f(x, z=0.5)` with
`f` a parameter, an item of a list or dict, a closure, a `functools.partial`, a NumPy
function passed as a value).

The parser cannot bind such a call: it does not know the callee. It writes
`call_keywords(f, names, *positional, *keyword_values)` (`names`: the tuple of the
keywords, in the call's order), and the specializer, which knows the graphs `f` may be,
binds the keywords and defaults to positions with the binder of direct calls
(`binding.bind_parameters`) and makes it a plain call (`infer/interpret.py`,
`infer/monomorphize.py`). A call whose possible callees bind the keywords differently is
refused.

Example:
    >>> import myia
    >>> def call_with_keyword(f, x):
    ...     return f(x, z=0.5)
    >>> def scaled(x, y=2.0, z=1.0):
    ...     return x * y * z
    >>> myia.grad(lambda x: call_with_keyword(scaled, x))(3.0)
    1.0
"""

from __future__ import annotations

from myia.errors import MyiaTypeError
from myia.prim.registry import primitive


@primitive("call_keywords", foldable=False)
def call_keywords(fn, names, *args):
    """`fn(*positional, **dict(zip(names, keyword_values)))`, the last `len(names)` of
    `args` being the keyword values (the specializer makes it a positional call)."""
    k = len(args) - len(names)
    return fn(*args[:k], **dict(zip(names, args[k:])))


@call_keywords.definfer
def _infer_call_keywords(fn, names, *args):
    raise MyiaTypeError("internal error: call_keywords is typed by the specializer")
