"""What the screens may ask of the app that hosts them, as a protocol: the screens never import
the app (which opens them), so the two stay one direction of imports, and a test can host a
screen in any app that has these."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from workbench.tui.backend import CommitBackend
    from workbench.tui.viewmodel.session import Session


class Host(Protocol):
    session: Session
    committer: CommitBackend | None
    ascii_only: bool

    @property
    def keymap(self) -> Mapping[str, str]:
        """Binding id -> keys, the user's remapping applied."""
        ...

    def write_allowed(self) -> bool:
        """The one gate every write path checks; says why not when it refuses."""
        ...

    def cycle_policy(self) -> None: ...

    def toggle_scope(self) -> None: ...

    def run_after_first_paint(self) -> None: ...

    def session_changed(self) -> None:
        """The session's draft, node or configuration changed: the screen on show redraws."""
        ...
