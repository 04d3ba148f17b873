"""Small modal dialogs: open a manifest or scenario, save a draft, confirm a write."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from workbench.tui import bindings
from workbench.tui.viewmodel.scenarios import SCENARIOS, scenario_files

_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 76; height: auto; max-height: 90%; border: round $primary;
    background: $surface; padding: 0 1; }}
{name} OptionList {{ height: auto; max-height: 12; }}
"""


class OpenDialog(ModalScreen[str | None]):
    """Pick a scenario from the seed, a manifest from fixtures/pods, or type a path."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings.OPEN)
    DEFAULT_CSS = _CSS.format(name="OpenDialog")

    def compose(self) -> ComposeResult:
        options = [Option(f"scenario: {n}", id=n) for n in SCENARIOS]
        options += [Option(f"file: {p.name}", id=str(p)) for p in scenario_files()]
        with Vertical():
            yield Label("Load a pod into the draft (enter picks; or type a path below)")
            yield OptionList(*options, id="choices")
            yield Input(placeholder="path to a Pod or workload YAML", id="path")

    @on(OptionList.OptionSelected)
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    @on(Input.Submitted)
    def typed(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class SaveDialog(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = list(bindings.SAVE)
    DEFAULT_CSS = _CSS.format(name="SaveDialog")

    def __init__(self, default: str) -> None:
        super().__init__()
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Save the draft as a Pod manifest (enter saves, esc cancels)")
            yield Input(self.default, id="path")

    @on(Input.Submitted)
    def typed(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """An explicit yes: `y` applies, anything else (`n`, esc) does not."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings.CONFIRM)
    DEFAULT_CSS = _CSS.format(name="ConfirmDialog")

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            if self.detail:
                yield Static(self.detail, markup=False)
            yield Label("y = yes · n / esc = no")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
