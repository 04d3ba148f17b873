"""Suite-wide settings. Area fixtures live in each area's own conftest.py."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Property tests must be repeatable in CI and bounded in time on a 2-core machine.
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))
