"""The Draft form is updated in place when the containers stay the same: K (kind) and e
(exclusive/shared) relabel a heading and reset values without remounting the fields."""

from __future__ import annotations

import asyncio
from pathlib import Path

from screen_text import screen_text
from tui_helpers import build_demo_app

from workbench.tui.viewmodel import draft as dm
from workbench.tui.viewmodel.shown import shown
from workbench.tui.widgets.draft_editor import DraftEditor, FieldInput


def test_kind_and_exclusive_keys_keep_the_fields_and_relabel_the_heading(tmp_path: Path) -> None:
    app = build_demo_app(tmp_path)

    async def main() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.press("2")
            await pilot.pause()
            editor = app.screen.query_one(DraftEditor)
            boxes = list(editor.query(FieldInput))
            kind = app.session.draft.containers[0].kind
            await pilot.press("K")
            await pilot.pause()
            new_kind = app.session.draft.containers[0].kind
            assert new_kind != kind
            assert list(editor.query(FieldInput)) == boxes  # the same widgets, not remounted
            assert f"▶ {new_kind} ·" in screen_text(app)
            await pilot.press("e")
            await pilot.pause()
            assert list(editor.query(FieldInput)) == boxes
            mode = "exclusive" if app.session.draft.containers[0].exclusive else "shared"
            assert f"▶ {new_kind} · {mode}" in screen_text(app)
            for box in boxes:  # every box shows the draft's value after the edits
                assert box.value == shown(dm.get_field(app.session.draft, box.path)), box.path

    asyncio.run(main())
