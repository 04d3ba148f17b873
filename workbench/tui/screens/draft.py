"""Draft screen: edit a pod budget and its container split; the preview beside it is re-decided
on every edit, and on every switch of topology policy, scope or CPU manager option.

The screen owns the draft's life: the editor (`DraftEditor`) posts `FieldChanged(path, value)`,
the screen puts the edit into the session and hands the decision to the preview panel."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Static
from textual.worker import get_current_worker

from workbench.errors import InputError
from workbench.tui import bindings
from workbench.tui.messages import ContainerFocused, FieldChanged
from workbench.tui.screens.base import WorkbenchScreen
from workbench.tui.viewmodel import draft as dm
from workbench.tui.viewmodel.node_view import header
from workbench.tui.viewmodel.session import CPU_OPTIONS, Preview
from workbench.tui.viewmodel.shown import shown
from workbench.tui.widgets.draft_editor import DraftEditor
from workbench.tui.widgets.preview_panel import PreviewPanel, set_content


class DraftScreen(WorkbenchScreen):
    MODE = "draft"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings.DRAFT)

    # The container the container keys (x, e, K) act on; its head is marked in the form.
    current: reactive[int] = reactive(0, init=False)

    def __init__(self) -> None:
        super().__init__()
        self._option = -1
        self.load_problem = ""  # why the last file was not loaded, until the next edit or load

    def compose_body(self) -> ComposeResult:
        yield Static(id="draft-header", classes="header")
        with Horizontal(id="draft-body"):
            yield DraftEditor(id="draft-form")
            yield PreviewPanel(id="preview", ascii_only=self.wb.ascii_only)
        yield Static(id="draft-status", classes="status")

    @property
    def editor(self) -> DraftEditor:
        return self.query_one(DraftEditor)

    async def on_mount(self) -> None:
        await self.rebuild_form()
        # Command keys first (k9s grammar): i or enter edits a field, esc leaves it.
        self.query_one(PreviewPanel).focus()

    async def on_screen_resume(self) -> None:
        await self.rebuild_form()

    def refresh_view(self) -> None:
        self.call_later(self.rebuild_form)

    async def rebuild_form(self, focus: str | None = None) -> None:
        d = self.wb.session.draft
        self.set_reactive(DraftScreen.current, min(self.current, max(0, len(d.containers) - 1)))
        focused = focus or self.editor.focused_path()
        await self.editor.show(d, self.current)
        if focused:
            self.call_after_refresh(self.editor.focus_field, focused)
        self.redecide()

    def watch_current(self) -> None:
        self.editor.show_heads(self.wb.session.draft, self.current)

    # ---- preview ---------------------------------------------------------------------------
    def redecide(self) -> None:
        preview = self.wb.session.preview(advise=False)
        self._show(preview)
        if not preview.advised:
            self._advise(preview)

    @work(thread=True, exclusive=True, group="advice")
    def _advise(self, preview: Preview) -> None:
        # What-if advice re-runs admission many times: off the UI thread, so typing stays at
        # one decision per keystroke; the result is dropped if the draft changed meanwhile.
        done = self.wb.session.with_advice(preview)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._advised, preview, done)

    def _advised(self, asked: Preview, done: Preview) -> None:
        if self.wb.session.adopt_advice(asked, done):
            self._show(done)

    def _show(self, preview: Preview) -> None:
        s = self.wb.session
        set_content(
            self.query_one("#draft-header", Static),
            header(s.topology.name, s.source, s.config, s.read_only, s.read_only_reason),
        )
        self.query_one(PreviewPanel).show(
            preview,
            show_timing=s.show_timing,
            topology=s.topology,
            owners=s.owners(),
            cpus=s.preview_cpus(),
            memory=s.numa_memory(),
        )
        self.editor.mark_errors(preview.result.errors)
        status = (
            f"{preview.verdict.upper()} · {shown(s.draft.namespace, 40)}/{shown(s.draft.name, 40)} · "
            f"{len(s.draft.containers)} containers · p policy · S scope · o cpu option · c commit"
        )
        if self.load_problem:
            status = f"not loaded: {self.load_problem}"
        set_content(self.query_one("#draft-status", Static), status)

    @on(FieldChanged)
    def field_changed(self, event: FieldChanged) -> None:
        s = self.wb.session
        try:
            if dm.get_field(s.draft, event.path) == event.value:
                return
            s.set_draft(dm.set_field(s.draft, event.path, event.value))
        except (KeyError, IndexError, ValueError):
            return
        self.load_problem = ""
        self.editor.show_heads(s.draft, self.current)
        self.redecide()

    @on(ContainerFocused)
    def container_focused(self, event: ContainerFocused) -> None:
        self.current = event.index

    # ---- actions -----------------------------------------------------------------------------
    async def _edit(self, draft: dm.Draft, focus: str | None = None) -> None:
        self.wb.session.set_draft(draft)
        await self.rebuild_form(focus)

    async def action_add(self, kind: str) -> None:
        d = dm.add_container(self.wb.session.draft, "sidecar" if kind == "sidecar" else "app")
        self.set_reactive(DraftScreen.current, len(d.containers) - 1)
        await self._edit(d, f"c{self.current}.cpu")

    async def action_remove(self) -> None:
        await self._edit(dm.remove_container(self.wb.session.draft, self.current))

    async def action_exclusive(self) -> None:
        if self.wb.session.draft.containers:
            await self._edit(dm.toggle_exclusive(self.wb.session.draft, self.current))

    async def action_kind(self) -> None:
        if self.wb.session.draft.containers:
            await self._edit(dm.cycle_kind(self.wb.session.draft, self.current))

    # The header and the preview's first line name the policy and scope: no toast (one is a
    # widget mounted, and another removed two seconds later, for every key), and only the
    # decision is redrawn, not the form.
    def action_policy(self) -> None:
        self.wb.session.cycle_policy()
        self.redecide()

    def action_scope(self) -> None:
        self.wb.session.toggle_scope()
        self.redecide()

    def action_option(self) -> None:
        s = self.wb.session
        self._option = (self._option + 1) % len(CPU_OPTIONS)
        name = CPU_OPTIONS[self._option]
        on = s.toggle_cpu_option(name)
        self.notify(f"CPU manager option {name} {'on' if on else 'off'}", timeout=2)
        self.redecide()

    def action_leave_field(self) -> None:
        self.query_one(PreviewPanel).focus()

    def action_edit(self) -> None:
        self.editor.focus_field(f"c{self.current}.cpu")

    def action_commit(self) -> None:
        self.app.switch_mode("commit")

    def action_open(self) -> None:
        from workbench.tui.screens.dialogs import OpenDialog

        def opened(choice: str | None) -> None:
            if choice:
                self.load(choice)

        self.app.push_screen(OpenDialog(), opened)

    def load(self, choice: str) -> None:
        """Load the scenario or manifest `choice` into the draft; a file that is no pod (or is
        hostile) is one error line, and the draft stays as it was."""
        from workbench.tui.viewmodel.manifest import open_manifest

        try:
            opened = open_manifest(choice)
        except InputError as exc:
            self.notify(exc.line(), severity="error", timeout=8)
            self.load_problem = exc.line()
            self.redecide()
            return
        self.load_problem = ""
        self.wb.session.load_pod(opened.pod)
        if opened.notice:
            self.notify(opened.notice, timeout=5)
        self.set_reactive(DraftScreen.current, 0)
        self.refresh_view()

    def action_save(self) -> None:
        from workbench.tui.screens.dialogs import SaveDialog

        s = self.wb.session
        result = dm.to_podspec(s.draft)
        if result.pod is None:
            self.notify("fix the marked fields before saving", severity="error", timeout=4)
            return

        def save(path: str | None) -> None:
            if not path or result.pod is None:
                return
            from workbench.kube.writer import dump_yaml, pod_manifest

            target = Path(path).expanduser()
            try:
                target.write_text(dump_yaml(pod_manifest(result.pod)), encoding="utf-8")
            except (OSError, UnicodeError) as exc:
                self.notify(f"{shown(str(target))}: {shown(str(exc), 120)}", severity="error", timeout=6)
                return
            self.notify(f"saved {shown(str(target))}", timeout=3)

        self.app.push_screen(SaveDialog(f"./{s.draft.name}.yaml"), save)
