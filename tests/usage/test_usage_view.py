"""The Usage screen's rows: a history point per five reports (their mean), figures held at the
display resolution, a pod shared pool of one container drawn as one row."""

from __future__ import annotations

from workbench.services.usage_view import UsageHistory
from workbench.tui.viewmodel.usage_glyphs import steady, steady_level


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
