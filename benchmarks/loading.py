"""Where the benchmark's source comes from, and loading it as fresh, never-compiled functions.

The peer workloads are ../shared/bench/peer_workloads.py (the project's shared folder) when
that file exists, and the verbatim copy benchmarks/peer_workloads.py otherwise (a fresh
clone has no ../shared). `peer_source()` says which one is used and whether the copy still
matches the shared file.

myia reads a function's source from disk (`inspect.getsource`) and caches compiled code per
function object, so to time a *first* call (parse, specialize, differentiate, optimize,
generate code, run) the runner needs function objects myia has never seen: `load_fresh`
writes the source to a new file in a temporary folder and imports it under a new module
name, so no cache keyed by function object, code object or file can hit.
"""

from __future__ import annotations

import atexit
import importlib.util
import itertools
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED_PEER = ROOT.parent / "shared" / "bench" / "peer_workloads.py"
LOCAL_PEER = HERE / "peer_workloads.py"
PEER_HVP = HERE / "peer_hvp.py"  # hvp_objective, appended to the peer source
SPELLINGS = HERE / "spellings.py"

# The local copy starts with a comment block saying where it comes from; the shared file's
# text follows it unchanged.
_COPY_MARKER = "# Do not edit below this comment: update the copy from the shared file instead.\n"


@dataclass(frozen=True)
class PeerSource:
    path: Path  # the file whose text is used
    text: str  # the peer workloads' source, as in ../shared (no header comment)
    origin: str  # "shared" or "copy"
    copy_matches_shared: bool | None  # None when ../shared is absent

    def describe(self) -> str:
        if self.origin == "shared":
            same = "identical to" if self.copy_matches_shared else "DIFFERS FROM"
            return f"{self.path} (benchmarks/peer_workloads.py is {same} it)"
        return f"{self.path} (verbatim copy; ../shared/bench/peer_workloads.py not found)"


def _copy_text() -> str:
    text = LOCAL_PEER.read_text()
    head, sep, body = text.partition(_COPY_MARKER)
    return body if sep else text


def peer_source() -> PeerSource:
    local = _copy_text()
    if SHARED_PEER.is_file():
        shared = SHARED_PEER.read_text()
        return PeerSource(SHARED_PEER, shared, "shared", shared == local)
    return PeerSource(LOCAL_PEER, local, "copy", None)


_FRESH_DIR: Path | None = None
_FRESH_COUNT = itertools.count()


def load_fresh(text: str, tag: str):
    """Import `text` as a new module from a new file: every function in it is new to myia."""
    global _FRESH_DIR
    if _FRESH_DIR is None:
        _FRESH_DIR = Path(tempfile.mkdtemp(prefix="myia-bench-"))
        atexit.register(shutil.rmtree, _FRESH_DIR, True)
    n = next(_FRESH_COUNT)
    name = f"_myia_bench_{tag}_{n}"
    path = _FRESH_DIR / f"{name}.py"
    path.write_text(text + f"\n# fresh copy {n}\n")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_peer(source: PeerSource | None = None):
    """A fresh module: the peer workloads, their hand adjoints, and `hvp_objective`."""
    source = source or peer_source()
    return load_fresh(source.text + "\n\n" + PEER_HVP.read_text(), "peer")


def load_spellings():
    """A fresh module executing benchmarks/spellings.py."""
    return load_fresh(SPELLINGS.read_text(), "spellings")
