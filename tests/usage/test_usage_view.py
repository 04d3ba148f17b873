"""The Usage screen's rows: a history point per five reports (their mean), figures held at the
display resolution, throttled share and pressure over the last few reports, a pod shared pool
of one container drawn as one row."""

from __future__ import annotations

from workbench.services.usage_view import SHARES_OVER, UsageHistory
from workbench.tui.screens.usage import core_step, share_step
from workbench.tui.viewmodel.usage_glyphs import pct, steady, steady_level


def test_history_gets_one_point_per_window_the_mean_of_its_reports() -> None:
    h = UsageHistory(every=5)
    shown = []
    for share in (0.1, 0.2, 0.3, 0.4, 0.5, 1.0, None, 1.0, 1.0, 1.0, None, None, None, None, None):
        h.advance()
        shown.append(h.add("row", share))
    assert shown[:4] == [()] * 4  # nothing until the first window closes
    assert shown[4] == (0.3,) and shown[5:9] == [(0.3,)] * 4  # it does not move in between
    assert shown[9] == (0.3, 1.0)  # a gap inside a window is left out of the mean
    assert shown[14] == (0.3, 1.0, None)  # a window of gaps is a gap


def test_steady_holds_noise_below_the_step_and_follows_a_real_move() -> None:
    shown = steady(None, 1.53, 0.05)
    assert shown is not None and abs(shown - 1.55) < 1e-9
    for noise in (1.52, 1.58, 1.54, 1.5875):
        assert steady(shown, noise, 0.05) == shown  # within three quarters of a step
    moved = steady(shown, 1.62, 0.05)
    assert moved is not None and abs(moved - 1.60) < 1e-9
    assert steady(shown, None, 0.05) is None
    band = steady_level(None, 0.79, 5)  # the middle of the band 0.6..0.8
    assert band is not None and abs(band - 0.7) < 1e-9
    assert steady_level(band, 0.84, 5) == band  # a CPU at the band's edge keeps its glyph
    top = steady_level(band, 0.9, 5)
    assert top is not None and abs(top - 0.9) < 1e-9


def test_a_steady_overload_counted_in_whole_periods_reads_one_figure_and_a_real_change_shows() -> None:
    """Ten CFS periods a second: a sidecar throttled in about nine of them reads 80, 90, 100%
    from one second to the next; the screen shows 90% throughout, and 0% once it stops."""
    h = UsageHistory()
    shown: float | None = None
    texts = []
    per_second = (0.9, 0.9, 0.9, 1.0, 0.9, 0.8, 0.9, 1.0, 0.9, 0.9, 0.8, 1.0, 0.9)
    for thr in per_second:
        t, psi = h.recent("db/postgres/backup", thr, 0.7)
        shown = steady(shown, t, share_step(t))
        texts.append(pct(shown))
        assert psi is not None and abs(psi - 0.7) < 1e-9
    assert set(texts) == {" 90%"}, texts
    for _ in range(SHARES_OVER):
        t, _ = h.recent("db/postgres/backup", 0.0, 0.0)
        shown = steady(shown, t, share_step(t))
    assert pct(shown) == "  0%"
    assert h.recent("db/postgres/backup", None, None) == (None, None)  # a gap shows at once


def test_usage_is_shown_to_a_32nd_of_capacity_and_a_fifth_of_itself_when_small() -> None:
    assert core_step(2, 1.2) == 0.1  # 2 cores: tenths (1.2/2, not 1.25/2)
    assert core_step(2, 0.05) == 0.05  # an idle container reads 0.05, not 0.0
    assert core_step(6, 4.4) == 0.2 and core_step(29, 27.0) == 1.0
    assert share_step(0.03) == 0.01 and share_step(0.42) == 0.05  # 3% vs 0%; 40% vs 42% alike
