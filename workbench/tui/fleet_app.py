"""The app on several captured nodes: it starts on the Fleet screen; Enter there opens one node
(read-only: a bundle is a record) in the usual screens, `F` comes back. A subclass, so the
single-node app is untouched."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.binding import BindingType
from textual.screen import Screen

from workbench.tui import bindings
from workbench.tui.app import WorkbenchApp
from workbench.tui.viewmodel.session import Session

if TYPE_CHECKING:
    from workbench.services.fleet_view import FleetNode


def _fleet_screen() -> Screen[Any]:
    screen: Screen[Any] = importlib.import_module("workbench.tui.screens.fleet").FleetScreen()
    return screen


def bundle_reason(bundle: Path) -> str:
    return f"offline capture bundle {bundle.name}"


def node_session(entry: FleetNode, like: Session) -> Session:
    """A read-only session on the node `entry` holds, drafting the pod `like` drafts."""
    assert entry.node is not None
    n = entry.node
    session = Session(n.topology, n.config, n.state, source=entry.name, draft=like.draft)
    session.read_only, session.read_only_reason = True, bundle_reason(entry.bundle)
    session.show_timing = like.show_timing
    return session


class FleetApp(WorkbenchApp):
    DEFAULT_MODE = "fleet"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        **WorkbenchApp.MODES,
        "fleet": _fleet_screen,
    }
    BINDINGS: ClassVar[list[BindingType]] = [*WorkbenchApp.BINDINGS, *bindings.FLEET_APP]

    def __init__(self, session: Session, fleet_nodes: Sequence[FleetNode], **options: Any) -> None:
        super().__init__(session, read_only=True, committer=None, **options)
        self.fleet_nodes = tuple(fleet_nodes)
        self.opened: Path | None = None  # the bundle the other screens show

    def open_fleet_node(self, bundle: Path) -> None:
        entry = next((n for n in self.fleet_nodes if n.bundle == bundle), None)
        if entry is None or entry.node is None:
            self.notify(entry.error if entry else f"{bundle}: not in this fleet", severity="error")
            return
        self.session = node_session(entry, self.session)
        self.opened = bundle
        # The other screens were made for the previous node: made again when next shown.
        for mode, base in type(self).MODES.items():
            if mode not in ("fleet", self.current_mode):
                self.remove_mode(mode)
                self.add_mode(mode, base)
        self.switch_mode("node")
        self.notify(f"{entry.name} (read-only); F returns to the fleet", timeout=4)
