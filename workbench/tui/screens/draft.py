"""Draft screen: edit a pod budget and its container split; the preview beside it is re-decided
on every edit, and on every switch of topology policy, scope or CPU manager option."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Input, Label, Static
from textual.worker import get_current_worker

from workbench.errors import InputError
from workbench.tui import bindings
from workbench.tui.screens.base import WorkbenchScreen
from workbench.tui.viewmodel import draft as dm
from workbench.tui.viewmodel.node_view import header
from workbench.tui.viewmodel.preview_view import preview_lines
from workbench.tui.viewmodel.session import CPU_OPTIONS, Preview
from workbench.tui.widgets.numa_grid import NumaGrid

_FIELDS = (
    ("name", "name", 14),
    ("cpu", "cpu", 6),
    ("cpu_limit", "limit", 6),
    ("memory", "mem", 8),
    ("memory_limit", "limit", 8),
)
_TAGS = {
    "ok": "$success bold",
    "bad": "$error bold",
    "head": "bold underline",
    "dim": "dim",
    "err": "$error",
    "advice": "$accent",
}


def input_id(path: str) -> str:
    return "f-" + path.replace(".", "-").replace("_", "-")


class DraftScreen(WorkbenchScreen):
    MODE = "draft"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings.DRAFT)

    def __init__(self) -> None:
        super().__init__()
        self.current = 0  # the container the container keys act on
        self._shape: tuple[str, ...] | None = None
        self._syncing = False
        self._option = -1

    def compose_body(self) -> ComposeResult:
        yield Static(id="draft-header", classes="header")
        with Horizontal(id="draft-body"):
            yield VerticalScroll(id="draft-form")
            with VerticalScroll(id="preview", can_focus=True):
                yield Static(id="preview-text")
                yield NumaGrid(id="preview-grid", ascii_only=self.wb.ascii_only)
        yield Static(id="draft-status", classes="status")

    async def on_mount(self) -> None:
        self.query_one("#preview-grid", NumaGrid).can_focus = False
        await self.rebuild_form()
        # Command keys first (k9s grammar): i or enter edits a field, esc leaves it.
        self.query_one("#preview").focus()

    async def on_screen_resume(self) -> None:
        await self.rebuild_form()

    def refresh_view(self) -> None:
        self.call_later(self.rebuild_form)

    # ---- form ------------------------------------------------------------------------------
    def _form_widgets(self) -> list[Vertical | Static | Horizontal]:
        d = self.wb.session.draft
        out: list[Vertical | Static | Horizontal] = []
        out.append(
            Static(f"Pod budget  (source: {d.source or 'new'})", id="pod-head", classes="container-head")
        )
        out.append(self._row("pod", "name", d.name, "namespace", d.namespace))
        out.append(self._res_row("pod", d.cpu, d.cpu_limit, d.memory, d.memory_limit))
        out.append(Static("", id="err-pod", classes="error-text"))
        for i, c in enumerate(d.containers):
            mark = "▶" if i == self.current else " "
            mode = "exclusive" if c.exclusive else "shared"
            out.append(Static(f"{mark} {c.kind} · {mode}", id=f"head-c{i}", classes="container-head"))
            out.append(self._row(f"c{i}", "name", c.name))
            out.append(self._res_row(f"c{i}", c.cpu, c.cpu_limit, c.memory, c.memory_limit))
            out.append(Static("", id=f"err-c{i}", classes="error-text"))
        out.append(
            Static(
                "a add · s sidecar · x remove · e exclusive/shared · K kind · esc then keys", classes="status"
            )
        )
        return out

    def _row(self, scope: str, field: str, value: str, field2: str = "", value2: str = "") -> Horizontal:
        widgets: list[Label | Input] = [
            Label(field, classes="first"),
            Input(value, id=input_id(f"{scope}.{field}"), compact=True, classes="wide"),
        ]
        if field2:
            widgets += [
                Label(field2),
                Input(value2, id=input_id(f"{scope}.{field2}"), compact=True, classes="wide"),
            ]
        return Horizontal(*widgets, classes="field-row")

    def _res_row(self, scope: str, cpu: str, cpu_lim: str, mem: str, mem_lim: str) -> Horizontal:
        widgets: list[Label | Input] = []
        for n, ((field, label, _), value) in enumerate(
            zip(_FIELDS[1:], (cpu, cpu_lim, mem, mem_lim), strict=True)
        ):
            widgets.append(Label(label, classes="first" if n == 0 else ""))
            widgets.append(Input(value, id=input_id(f"{scope}.{field}"), compact=True))
        return Horizontal(*widgets, classes="field-row res-row")

    async def rebuild_form(self, focus: str | None = None) -> None:
        """Remount the form only when its shape changed; otherwise update the fields in place
        (remounting dozens of inputs restyles them all, which is slow on a loaded machine)."""
        d = self.wb.session.draft
        shape = tuple(c.kind for c in d.containers)
        form = self.query_one("#draft-form", VerticalScroll)
        if shape == self._shape and form.children:
            self._sync_values()
            if focus:
                self._refocus(focus)
            self._sync_heads()
            self.redecide()
            return
        self._shape = shape
        focused = focus or (self.focused.id if isinstance(self.focused, Input) else None)
        with self.app.batch_update():
            await form.remove_children()
            await form.mount_all(self._form_widgets())
        if focused:
            self.call_after_refresh(self._refocus, focused)
        self.redecide()

    def _sync_values(self) -> None:
        d = self.wb.session.draft
        self._syncing = True
        try:
            for path in dm.field_paths(d) + ["pod.namespace"]:
                found = self.query(f"#{input_id(path)}")
                if found:
                    box = found.first(Input)
                    value = dm.get_field(d, path)
                    if box.value != value:
                        box.value = value
        finally:
            self._syncing = False

    def _refocus(self, widget_id: str) -> None:
        found = self.query(f"#{widget_id}")
        if found:
            found.first().focus()

    # ---- preview ---------------------------------------------------------------------------
    def redecide(self) -> None:
        s = self.wb.session
        preview = s.preview(advise=False)
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
        self.query_one("#draft-header", Static).update(
            header(s.topology.name, s.source, s.config, s.read_only, s.read_only_reason)
        )
        lines = preview_lines(preview, s.show_timing, self.wb.ascii_only)
        text = Content("\n").join(
            Content.styled(line, _TAGS[tag]) if tag else Content(line) for tag, line in lines
        )
        self.query_one("#preview-text", Static).update(text)
        errors = preview.result.errors
        for inp in self.query(Input):
            path = (inp.id or "")[2:].replace("-", ".", 1).replace("-", "_")
            # Only touch what changed: every class change restyles the widget.
            if inp.has_class("-invalid") != (path in errors):
                inp.set_class(path in errors, "-invalid")
                inp.tooltip = errors.get(path)
        scopes = {"pod"} | {f"c{i}" for i in range(len(s.draft.containers))}
        for scope in scopes:
            msgs = [
                f"⚠ {p.split('.', 1)[1] if '.' in p else p}: {r}"
                for p, r in errors.items()
                if p == scope or p.startswith(scope + ".")
            ]
            found = self.query(f"#err-{scope}")
            if found:
                found.first(Static).update("\n".join(msgs))
        grid = self.query_one("#preview-grid", NumaGrid)
        zoom = None
        if preview.decision and preview.decision.hint and preview.decision.hint.mask:
            mask = sorted(preview.decision.hint.mask)
            zoom = mask[0] if len(mask) == 1 else None
        grid.zoom = zoom
        grid.show(
            s.topology, s.owners(), preview=s.preview_cpus(), memory=s.numa_memory()
        )
        verdict = preview.verdict.upper()
        self.query_one("#draft-status", Static).update(
            f"{verdict} · {s.draft.namespace}/{s.draft.name} · {len(s.draft.containers)} containers · "
            "p policy · S scope · o cpu option · c commit"
        )

    @on(Input.Changed)
    def field_changed(self, event: Input.Changed) -> None:
        wid = event.input.id or ""
        if self._syncing or not wid.startswith("f-"):
            return
        path = wid[2:].replace("-", ".", 1).replace("-", "_")
        s = self.wb.session
        try:
            if dm.get_field(s.draft, path) == event.value:
                return
            s.set_draft(dm.set_field(s.draft, path, event.value))
        except (KeyError, IndexError, ValueError):
            return
        self._sync_heads()
        self.redecide()

    def _sync_heads(self) -> None:
        d = self.wb.session.draft
        found_pod = self.query("#pod-head")
        if found_pod:
            found_pod.first(Static).update(f"Pod budget  (source: {d.source or 'new'})")
        for i, c in enumerate(d.containers):
            found = self.query(f"#head-c{i}")
            if found:
                mark = "▶" if i == self.current else " "
                found.first(Static).update(f"{mark} {c.kind} · {'exclusive' if c.exclusive else 'shared'}")

    def on_descendant_focus(self, event: object) -> None:
        focused = self.focused
        if isinstance(focused, Input) and focused.id and focused.id.startswith("f-c"):
            self.current = int(focused.id[3:].split("-")[0])
            self._sync_heads()

    # ---- actions -----------------------------------------------------------------------------
    async def _edit(self, draft: dm.Draft, focus: str | None = None) -> None:
        self.wb.session.set_draft(draft)
        self.current = min(self.current, max(0, len(draft.containers) - 1))
        await self.rebuild_form(focus)

    async def action_add(self, kind: str) -> None:
        d = dm.add_container(self.wb.session.draft, "sidecar" if kind == "sidecar" else "app")
        self.current = len(d.containers) - 1
        await self._edit(d, input_id(f"c{self.current}.cpu"))

    async def action_remove(self) -> None:
        await self._edit(dm.remove_container(self.wb.session.draft, self.current))

    async def action_exclusive(self) -> None:
        if self.wb.session.draft.containers:
            await self._edit(dm.toggle_exclusive(self.wb.session.draft, self.current))

    async def action_kind(self) -> None:
        if self.wb.session.draft.containers:
            await self._edit(dm.cycle_kind(self.wb.session.draft, self.current))

    def action_policy(self) -> None:
        self.wb.cycle_policy()

    def action_scope(self) -> None:
        self.wb.toggle_scope()

    def action_option(self) -> None:
        s = self.wb.session
        self._option = (self._option + 1) % len(CPU_OPTIONS)
        name = CPU_OPTIONS[self._option]
        on = s.toggle_cpu_option(name)
        self.notify(f"CPU manager option {name} {'on' if on else 'off'}", timeout=2)
        self.redecide()

    def action_leave_field(self) -> None:
        self.query_one("#preview").focus()

    def action_edit(self) -> None:
        self._refocus(input_id(f"c{self.current}.cpu"))

    def action_commit(self) -> None:
        self.app.switch_mode("commit")

    def action_open(self) -> None:
        from workbench.tui.screens.dialogs import OpenDialog

        def opened(choice: str | None) -> None:
            if choice:
                self.load(choice)

        self.app.push_screen(OpenDialog(), opened)

    def load(self, choice: str) -> None:
        from workbench.tui.viewmodel.scenarios import SCENARIOS, scenario_pod

        s = self.wb.session
        try:
            if choice in SCENARIOS:
                s.load_pod(scenario_pod(choice))
            else:
                from workbench.kube.pod import load_pods

                pods = load_pods(Path(choice).expanduser())
                if not pods:
                    raise InputError("holds no pod", source=choice, fix="give a Pod or a workload")
                s.load_pod(pods[0].pod)
                if len(pods) > 1:
                    names = ", ".join(p.object_name or p.pod.name for p in pods)
                    self.notify(f"{choice} holds {len(pods)} pods ({names}); loaded the first", timeout=5)
        except InputError as exc:
            self.notify(exc.line(), severity="error", timeout=6)
            return
        self.current = 0
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
            except OSError as exc:
                self.notify(f"{target}: {exc.strerror}", severity="error", timeout=6)
                return
            self.notify(f"saved {target}", timeout=3)

        self.app.push_screen(SaveDialog(f"./{s.draft.name}.yaml"), save)
