"""Test-wide settings: Hypothesis draws the same examples on every run (`derandomize`), so
the suite's outcome is the code's, not the draw's; `HYPOTHESIS_PROFILE=explore` draws new
ones (how the random-program tests find new bugs, which then get a regression test)."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
