"""Commit screen: the plan as a diff (dry run by default), an explicit confirmation to apply,
the commit-confirmed countdown with confirm/rollback keys, and the values read back."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

from workbench.errors import InputError
from workbench.services.commit import PlannedCommit
from workbench.tui import bindings
from workbench.tui.screens.base import WorkbenchScreen


class CommitScreen(WorkbenchScreen):
    MODE = "commit"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings.COMMIT)

    def __init__(self) -> None:
        super().__init__()
        self.planned: PlannedCommit | None = None
        self.ticker: Timer | None = None
        self.last_result = ""

    def compose_body(self) -> ComposeResult:
        yield Static(id="commit-header", classes="header")
        with VerticalScroll(id="plan"):
            yield Static(id="plan-text", markup=False)
        yield Static(id="commit-status")

    def on_mount(self) -> None:
        self.refresh_view()

    def on_screen_resume(self) -> None:
        self.refresh_view()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # False hides the key from the footer (Textual 8): read-only shows no write keys at all.
        if action in ("apply", "confirm", "rollback") and self.wb.session.read_only:
            return False
        pending = self.wb.committer.pending if self.wb.committer else None
        if action in ("confirm", "rollback") and pending is None:
            return False
        if action == "apply" and pending is not None:
            return False
        return True

    def refresh_view(self) -> None:
        s = self.wb.session
        c = self.wb.committer
        mode = (
            "READ-ONLY: nothing can be written" if s.read_only else "DRY RUN: nothing written until you apply"
        )
        target = f" · cgroup root {c.label}" if c else ""
        self.query_one("#commit-header", Static).update(f"Commit · {mode}{target}")
        preview = s.preview()
        text: str
        self.planned = None
        if c is None:
            text = "No cgroup tree to write to (read-only session)."
        elif preview.decision is None:
            text = "The draft has invalid fields; fix them on the Draft screen (2)."
        elif not preview.decision.admitted:
            text = f"The kubelet would reject this pod ({preview.decision.reason}); nothing to commit."
        else:
            try:
                self.planned = c.plan(preview.decision)
                notes = "\n".join(f"note: {n}" for n in self.planned.notes)
                text = (
                    f"Plan for {preview.decision.pod_key}: {len(self.planned.writes)} writes\n\n"
                    f"{self.planned.diff}\n{notes}"
                )
            except InputError as exc:
                text = f"The plan was refused: {exc.line()}"
        self.query_one("#plan-text", Static).update(text)
        self._status()
        self.refresh_bindings()

    def _status(self) -> None:
        c = self.wb.committer
        lines = []
        if c and c.pending:
            p = c.pending
            lines.append(
                f"Transaction {p.txid} APPLIED, waiting for confirmation: rolls back by itself in "
                f"{p.remaining():.0f} s · y confirm · r roll back now"
            )
            lines += [
                f"  read back {t}: {got}" + ("" if got == want else f" (wanted {want})")
                for t, want, got in p.readback[:8]
            ]
            lines += [f"  {line}" for line in p.recovered]
        elif self.planned is not None and not self.wb.session.read_only:
            lines.append("a: apply (asks for confirmation, then opens a confirm window)")
        if self.last_result:
            lines.append(self.last_result)
        self.query_one("#commit-status", Static).update(Content("\n".join(lines)))

    def _tick(self) -> None:
        # Only the countdown: the journal's timer rolls the change back at the deadline (even
        # with the app closed); the screen sees it happen in the journal.
        c = self.wb.committer
        if c is None or c.pending is None:
            self._stop_ticker()
            return
        try:
            outcome = c.poll()
        except InputError as exc:
            outcome = exc.line()
        if outcome:
            self._stop_ticker()
            self.last_result = outcome
            self.refresh_view()
            return
        self._status()

    def _stop_ticker(self) -> None:
        # The countdown is the only timer in the app, and only while a commit is pending.
        if self.ticker is not None:
            self.ticker.stop()
            self.ticker = None

    def action_apply(self) -> None:
        from workbench.tui.screens.dialogs import ConfirmDialog

        if not self.wb.write_allowed() or self.planned is None or self.wb.committer is None:
            return
        planned = self.planned
        c = self.wb.committer

        def answered(yes: bool | None) -> None:
            if not yes:
                self.last_result = "not applied"
                self._status()
                return
            try:
                pending = c.apply(planned, subject=f"tui: {planned.decision.pod_key}")
            except InputError as exc:
                self.last_result = f"apply failed: {exc.line()}"
                self.refresh_view()
                return
            self.last_result = f"applied transaction {pending.txid}"
            self.ticker = self.set_interval(1.0, self._tick)
            self.refresh_view()

        self.app.push_screen(
            ConfirmDialog(
                f"Apply {len(planned.writes)} writes under {c.label}?",
                f"confirm within {c.confirm_seconds:.0f} s afterwards, or it rolls back by itself",
            ),
            answered,
        )

    def action_confirm(self) -> None:
        c = self.wb.committer
        if not self.wb.write_allowed() or c is None or c.pending is None:
            return
        txid = c.pending.txid
        pending = c.pending
        try:
            self.last_result = c.confirm(txid)
        except InputError as exc:
            self.last_result = exc.line()
        else:
            self.wb.session.place_committed(pending)
        self._stop_ticker()
        self.refresh_view()

    def action_rollback(self) -> None:
        c = self.wb.committer
        if not self.wb.write_allowed() or c is None or c.pending is None:
            return
        self._stop_ticker()
        try:
            self.last_result = c.rollback(c.pending.txid)
        except InputError as exc:
            self.last_result = exc.line()
        self.refresh_view()

    def action_replan(self) -> None:
        self.refresh_view()
