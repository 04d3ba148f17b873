"""The app's own messages (Textual's message passing, as posting and harlequin do it), so a
widget says what happened and the screen that owns the state decides what to redraw."""

from __future__ import annotations

from textual.message import Message


class SessionChanged(Message):
    """The draft, the placed pods or the kubelet configuration changed (a scenario loaded, the
    policy cycled from the palette): the screen on show redraws from the session."""


class FieldChanged(Message):
    """One field of the draft was edited: `path` names it (`pod.cpu`, `c1.memory_limit`)."""

    def __init__(self, path: str, value: str) -> None:
        super().__init__()
        self.path = path
        self.value = value


class ContainerFocused(Message):
    """The operator moved into container `index`'s fields: the container keys act on it."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index
