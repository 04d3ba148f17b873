"""Hostile input in the Draft screen (issue 14): a manifest opened with `O`, or a value pasted
into a field. The app shows the problem (on the field, or one line naming the file) and keeps
running; what it draws is always encodable, one line per line, and short."""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import Awaitable, Callable
from pathlib import Path

from screen_text import screen_text
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import build_demo_app

from workbench.tui.app import WorkbenchApp
from workbench.tui.widgets.draft_editor import DraftEditor, FieldInput

POD = """apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: default
spec:
  containers:
  - name: app
    resources:
      requests: {{cpu: "{cpu}", memory: "{mem}"}}
      limits: {{cpu: "{cpu}", memory: "{mem}"}}
"""


def pod(name: str = "ok", cpu: str = "1", mem: str = "1Gi") -> str:
    return POD.format(name=name, cpu=cpu, mem=mem)


# Files no pod can be read from: each must be refused in one line naming the file.
REFUSED = {
    "timestamp.yaml": "apiVersion: !!timestamp 2001-12-14t21:59:43.10-05:00 v1\nkind: Pod\n",
    "python-tag.yaml": "kind: Pod\nmetadata: {name: !!python/object:os.system x}\n",
    "deep.yaml": "a: " + "[" * 5000 + "]" * 5000 + "\n",
    "two-mb.yaml": pod() + "# " + "x" * (2 * 2**20) + "\n",
    "list.yaml": "- 1\n- 2\n",
    "empty.yaml": "",

}
# Files whose fields are wrong: refused naming the field, or loaded with the field marked.
LOADED = {
    "huge.yaml": (pod(cpu="1e400", mem="99999999999999999999Ei"), "pod"),
    "newline-name.yaml": (pod(name='"a\\nb"'), "pod.name"),
    "controls.yaml": (pod(name='"a\\x85\\u202eb\\x1b[31m"'), "pod.name"),
    "surrogate.json": (
        '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"\\ud800"},'
        '"spec":{"containers":[{"name":"\\udc80x","resources":{"requests":{"cpu":"1"}}}]}}',
        "pod.name",
    ),
    "long-name.yaml": (pod(name="x" * 100_000), "pod.name"),
}
PASTED = ["1e400", "9" * 400, "\ud800", "a\x00b", "1\n2", "\x1b[2J", "\u202e5", "9" * (2 * 2**20)]


def drawable(app: WorkbenchApp) -> str:
    """The screen's text, checked as a terminal would need it."""
    text = screen_text(app)
    text.encode("utf-8")  # a lone surrogate would fail here, as in the terminal driver
    bad = {ch for ch in text if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf", "Cs")}
    assert not bad, f"control or format characters drawn: {bad!r}"
    return text


def run(app: WorkbenchApp, steps: Callable[[Pilot[None]], Awaitable[None]]) -> None:
    async def main() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.press("2")
            await pilot.pause()
            await steps(pilot)
            assert app.is_running

    asyncio.run(main())


async def open_file(app: WorkbenchApp, pilot: Pilot[None], path: Path) -> None:
    await pilot.press("escape", "O")
    await pilot.pause()
    box = app.screen.query_one("#path", Input)
    box.focus()
    box.value = str(path)
    await pilot.press("enter")
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def test_a_manifest_no_pod_can_come_from_is_one_error_line(tmp_path: Path) -> None:
    app = build_demo_app(tmp_path)
    errors: list[str] = []
    app.notify = lambda message, **kw: errors.append(str(message))  # type: ignore[method-assign]

    async def steps(pilot: Pilot[None]) -> None:
        for name, body in REFUSED.items():
            path = tmp_path / name
            path.write_text(body, encoding="utf-8")
            before = app.session.draft
            errors.clear()
            await open_file(app, pilot, path)
            assert app.session.draft == before, name  # nothing half-loaded
            assert len(errors) == 1 and name in errors[0] and "\n" not in errors[0], (name, errors)
            assert len(errors[0]) < 400, name
            assert "not loaded" in drawable(app)

    run(app, steps)


def test_a_manifest_with_wrong_fields_is_marked_or_refused_naming_the_field(tmp_path: Path) -> None:
    """Either the pod reader refuses the file in one line naming the field (names and
    quantities the API server would refuse), the draft untouched, or the draft loads and the
    wrong field is marked."""
    app = build_demo_app(tmp_path)
    notices: list[str] = []
    app.notify = lambda message, **kw: notices.append(str(message))  # type: ignore[method-assign]

    async def steps(pilot: Pilot[None]) -> None:
        for name, (body, scope) in LOADED.items():
            path = tmp_path / name
            path.write_text(body, encoding="utf-8")
            before = app.session.draft
            notices.clear()
            await open_file(app, pilot, path)
            if app.session.draft == before:
                assert len(notices) == 1 and name in notices[0] and "\n" not in notices[0], (name, notices)
                field = "metadata.name" if scope == "pod.name" else "resources"
                assert field in notices[0], (name, notices)
                assert "not loaded" in drawable(app)
                continue
            errors = app.session.preview(advise=False).result.errors
            rejected = app.session.preview(advise=False).verdict == "rejected"
            assert rejected or any(p == scope or p.startswith(scope + ".") for p in errors), (name, errors)
            text = drawable(app)
            if errors:
                assert "INVALID DRAFT" in text, name
                boxes = app.screen.query_one(DraftEditor).query(FieldInput)
                marked = [b.path for b in boxes if b.has_class("-invalid")]
                assert set(marked) <= set(errors) and marked, (name, marked)
            assert max(len(line) for line in text.splitlines()) <= 120

    run(app, steps)


def test_a_hostile_value_pasted_into_a_field_is_marked_there(tmp_path: Path) -> None:
    app = build_demo_app(tmp_path)

    async def steps(pilot: Pilot[None]) -> None:
        editor = app.screen.query_one(DraftEditor)
        for path in ("pod.cpu", "c1.name"):
            for value in PASTED:
                box = editor.field(path)
                assert box is not None
                box.focus()
                box.value = value
                await pilot.pause()
                result = app.session.preview(advise=False).result
                text = drawable(app)
                if result.pod is None:  # refused: the reason on the screen, a field marked
                    assert "INVALID DRAFT" in text, (path, value[:20])
                    assert any(b.has_class("-invalid") for b in editor.query(Input)), (path, value[:20])
                box.value = ""
                await pilot.pause()
            await app.workers.wait_for_complete()
        app.load_scenario("postgres")
        await pilot.pause()
        assert "ADMITTED" in drawable(app)  # and the app still decides drafts afterwards

    run(app, steps)


def test_a_fields_problem_is_listed_under_its_block_verbatim_and_goes_when_fixed(tmp_path: Path) -> None:
    # The problem lines are painted by the row of fields above them (FieldRow): they must sit
    # under that pod or container, wrap inside the form, show brackets as typed (not as markup)
    # and leave the blank line they were when the field is fixed.
    app = build_demo_app(tmp_path)

    async def steps(pilot: Pilot[None]) -> None:
        editor = app.screen.query_one(DraftEditor)
        lines_before = screen_text(app).splitlines()
        box = editor.field("c0.cpu")
        assert box is not None
        was = box.value
        box.focus()
        box.value = "[bold]x[/bold] " + "y" * 90
        await pilot.pause()
        lines = drawable(app).splitlines()
        warned = [n for n, line in enumerate(lines) if "⚠ cpu:" in line]
        assert len(warned) == 1, lines
        at = warned[0]
        assert "[bold]x[/bold]" in lines[at], lines[at]
        assert " cpu " in lines[at - 1] and "limit" in lines[at - 1]  # right under c0's resources
        assert "yyyy" in lines[at + 1]  # wrapped onto a second line, not cut
        box.value = was
        await pilot.pause()
        # As before the edit, all but the footer (which now lists the field's keys).
        assert screen_text(app).splitlines()[:-1] == lines_before[:-1]

    run(app, steps)
