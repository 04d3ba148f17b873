"""The workbench Textual app: modes for the Node, Draft, Commit and Journal screens, themes from
data files, keys remappable by binding id, and no timers while idle."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.screen import Screen

from workbench.tui import bindings
from workbench.tui.messages import SessionChanged
from workbench.tui.screens.node import NodeScreen
from workbench.tui.theming import DEFAULT_THEME, MONO_THEME, load_theme_set
from workbench.tui.viewmodel.keymap import keymap_paths as default_keymap_paths
from workbench.tui.viewmodel.keymap import load_keymap
from workbench.tui.viewmodel.session import Session
from workbench.tui.viewmodel.themes import DEFAULT_OWNER_COLORS

if TYPE_CHECKING:
    from rich.console import RenderableType

    from workbench.tui.backend import CommitBackend


class WorkbenchApp(App[None]):
    CSS_PATH = "workbench.tcss"
    TITLE = "NUMA Workbench"
    ENABLE_COMMAND_PALETTE = True
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    # The first screen is imported eagerly; the others (admission preview, cgroup plan, the
    # SQLite journal) only when first opened, so the node appears sooner.
    DEFAULT_MODE = "node"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "node": NodeScreen,
        "draft": lambda: _screen("draft", "DraftScreen"),
        "commit": lambda: _screen("commit", "CommitScreen"),
        "journal": lambda: _screen("journal", "JournalScreen"),
        "usage": lambda: _screen("usage", "UsageScreen"),
    }

    BINDINGS: ClassVar[list[BindingType]] = list(bindings.APP)

    def __init__(
        self,
        session: Session,
        *,
        theme: str | None = None,
        keymap_paths: Iterable[Path] | None = None,
        ascii_only: bool = False,
        committer: CommitBackend | None = None,
        read_only: bool = False,
        after_first_paint: Callable[[Session], Callable[[], None]] | None = None,
    ) -> None:
        from workbench.tui.viewmodel.commit import write_refusal

        # Textual removes NO_COLOR from the environment while it starts; decide before it does.
        self.wants_mono = "NO_COLOR" in os.environ
        super().__init__()
        self.session = session
        # Read-only when asked for or when the tree cannot be written: then no write path exists.
        refusal = write_refusal(read_only, committer)
        if refusal:
            session.read_only, session.read_only_reason = True, refusal
        self.committer = None if refusal else committer
        # Work that can wait until the node is on screen (the demo's seed pods): called in a
        # worker thread with the session, it must only read it, and returns what to apply.
        self.after_first_paint = after_first_paint
        self.ascii_only = ascii_only
        loaded = load_theme_set()
        for t in loaded.themes:
            self.register_theme(t)
        self.workbench_themes = [t.name for t in loaded.themes]
        self.session.notices.extend(loaded.problems)
        wanted = MONO_THEME if self.wants_mono and theme is None else (theme or DEFAULT_THEME)
        found = loaded.resolve(wanted) or (wanted if wanted in self.available_themes else None)
        if found is None:
            self.session.notices.append(f"theme {wanted!r} not found; using {DEFAULT_THEME}")
            found = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        self._start_theme(found)
        paths = [p for p in (default_keymap_paths() if keymap_paths is None else keymap_paths) if p.is_file()]
        keymap, kproblems = load_keymap(bindings.binding_ids(), paths) if paths else ({}, [])
        self.session.notices.extend(kproblems)
        if keymap:
            self.set_keymap(keymap)

    def _start_theme(self, name: str) -> None:
        """`self.theme = name` before the app runs, less what Textual's theme watcher queues for
        a running app: a full reparse and restyle of the stylesheet, then another when the first
        screen finds the CSS changed (about a tenth of the time to the first frame). Nothing is
        parsed or mounted yet, so the app's classes and the stylesheet's variables are all there
        is to set: textual 8.2's `App._watch_theme` without `refresh_css` and its signal (which
        nothing has subscribed to yet). `name` is registered (checked by the caller)."""
        self.set_reactive(App.theme, name)
        theme = self.current_theme
        classes = {c: False for c in self.classes if c.startswith("-theme-")}
        classes[f"-theme-{theme.name}"] = True
        classes["-dark-mode"] = theme.dark
        classes["-light-mode"] = not theme.dark
        self.update_classes(classes, update=False)
        self._refresh_truecolor_filter(self.ansi_theme)
        self.stylesheet.set_variables(self.get_css_variables())

    @property
    def keymap(self) -> Mapping[str, str]:
        return self._keymap

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {f"owner-{k}": v for k, v in DEFAULT_OWNER_COLORS.items()}

    def on_mount(self) -> None:
        if self.after_first_paint is None:
            self.show_notices()

    # Whether a frame has gone to the terminal (or, headless, would have), and whether the work
    # after the first paint waits for it.
    _painted = False
    _paint_waiting = False

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        """Textual's frame writer (8.2.8, pinned), with the first frame sent whole and sooner.

        Textual renders the first screen inside its start-up batch and drops that frame, but its
        compositor counts it as shown: the next frame carried only what changed since (the tabs
        and the footer) and the node waited a timer tick or two more. Marking the whole screen
        still to draw makes the first frame written the full one."""
        dropped = renderable is not None and self._batch_count > 0
        super()._display(screen, renderable)
        if dropped:
            screen._compositor._dirty_regions.add(screen._compositor.size.region)
        elif renderable is not None and not self._painted:
            self._painted = True
            if self._paint_waiting:
                self.call_later(self.run_after_first_paint)

    def run_after_first_paint(self) -> None:
        # A screen asks after its first refresh, which Textual's start-up batch runs before any
        # frame is written: wait for the first frame, so that the work below (in a thread, but
        # holding the interpreter's lock most of the time) does not slow the first paint.
        if not self._painted:
            self._paint_waiting = True
            return
        hook, self.after_first_paint = self.after_first_paint, None
        if hook is None:
            return
        # In a thread: keys and repaints are served while the seed pods are decided.
        self.run_worker(partial(self._after_paint, hook), thread=True, group="after-paint")

    def _after_paint(self, hook: Callable[[Session], Callable[[], None]]) -> None:
        adopt = hook(self.session)
        self.call_from_thread(self._adopt, adopt)

    def _adopt(self, adopt: Callable[[], None]) -> None:
        adopt()
        self.session_changed()
        self.show_notices()

    def show_notices(self) -> None:
        for notice in self.session.notices:
            self.notify(notice, severity="warning", timeout=8)
        self.session.notices.clear()

    def action_help(self) -> None:
        from workbench.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.binding_rows()))

    def binding_rows(self) -> list[tuple[str, str, str]]:
        """(keys, id, description) of every binding, with the user's remapping applied."""
        return bindings.binding_rows(dict(self._keymap))

    def action_next_theme(self) -> None:
        names = self.workbench_themes
        i = names.index(self.theme) + 1 if self.theme in names else 0
        self.theme = names[i % len(names)]
        self.notify(f"theme {self.theme}", timeout=2)

    def get_system_commands(self, screen: Screen[None]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for mode in ("node", "draft", "commit", "journal"):
            yield SystemCommand(
                f"Go to {mode}", f"open the {mode} screen", lambda m=mode: self.switch_mode(m)
            )
        from workbench.tui.viewmodel.scenarios import SCENARIOS

        for name in SCENARIOS:
            yield SystemCommand(
                f"Scenario: {name}", "load this pod into the draft", lambda n=name: self.load_scenario(n)
            )
        yield SystemCommand("Cycle topology policy", "re-decide the draft", self.cycle_policy)
        yield SystemCommand("Toggle topology scope", "container / pod", self.toggle_scope)

    def load_scenario(self, name: str) -> None:
        from workbench.tui.viewmodel.scenarios import scenario_pod

        self.session.load_pod(scenario_pod(name))
        self.switch_mode("draft")
        self.session_changed()

    def cycle_policy(self) -> None:
        policy = self.session.cycle_policy()
        self.notify(f"topology policy {policy}", timeout=2)
        self.session_changed()

    def toggle_scope(self) -> None:
        scope = self.session.toggle_scope()
        self.notify(f"topology scope {scope}", timeout=2)
        self.session_changed()

    def session_changed(self) -> None:
        # A message, not a call into the screen: each screen knows what to redraw.
        self.screen.post_message(SessionChanged())

    def write_allowed(self) -> bool:
        """The one gate every write path checks (k9s lesson: read-only must not leak)."""
        if self.session.read_only:
            reason = self.session.read_only_reason or "--read-only"
            self.notify(f"read-only: {reason}; nothing written", severity="warning", timeout=4)
            return False
        return True


def _screen(module: str, name: str) -> Screen[Any]:
    import importlib

    cls = getattr(importlib.import_module(f"workbench.tui.screens.{module}"), name)
    screen: Screen[Any] = cls()
    return screen

