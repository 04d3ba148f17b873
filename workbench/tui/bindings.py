"""Every key binding of the app, in one place: each has an id (users remap keys by id in
keymap.toml; the help lists them), and the screens, widgets and dialogs take their BINDINGS
from here, so the help and the keymap need not import the screens to know them.

The footer shows a screen's own keys plus Help and Quit; the four screen keys are drawn by the
mode tabs at the top instead (`show=False` here), so at 80 columns every label fits somewhere.
"""

from __future__ import annotations

from textual.binding import Binding

MODES = (
    ("node", "Node"),
    ("draft", "Draft"),
    ("commit", "Commit"),
    ("journal", "Journal"),
    ("usage", "Usage"),
)

APP = [
    Binding("q", "quit", "Quit", id="app.quit"),
    Binding("question_mark", "help", "Help", id="app.help"),
    Binding("colon", "command_palette", "Commands", show=False, id="app.palette"),
    *(
        Binding(str(n), f"switch_mode('{mode}')", label, show=False, id=f"app.{mode}")
        for n, (mode, label) in enumerate(MODES, start=1)
    ),
    Binding("T", "next_theme", "Theme", show=False, id="app.theme"),
]

NODE = [
    Binding("n", "next_pod", "Next pod", id="node.next_pod"),
    Binding("slash", "filter", "Filter", id="node.filter"),
    Binding("L", "legend", "Legend", id="node.legend"),
    Binding("i", "panel", "Panel", id="node.panel"),
    Binding("u", "heat", "Heat", id="node.heat"),
    Binding("escape", "clear", "Clear", show=False, id="node.clear"),
]

GRID = [
    Binding("left,h", "move('left')", "Left", show=False, id="grid.left"),
    Binding("right,l", "move('right')", "Right", show=False, id="grid.right"),
    Binding("up,k", "move('up')", "Up", show=False, id="grid.up"),
    Binding("down,j", "move('down')", "Down", show=False, id="grid.down"),
    Binding("z", "zoom", "Zoom node", id="grid.zoom"),
    Binding("c", "collapse", "Collapse runs", show=False, id="grid.collapse"),
]

# The Draft screen's status line and the form's hint line name the keys not in the footer.
DRAFT = [
    Binding("a", "add('app')", "Add", id="draft.add"),
    Binding("s", "add('sidecar')", "Sidecar", id="draft.add_sidecar"),
    Binding("x", "remove", "Remove", id="draft.remove"),
    Binding("e", "exclusive", "Excl/shared", show=False, id="draft.exclusive"),
    Binding("K", "kind", "Kind", show=False, id="draft.kind"),
    Binding("p", "policy", "Policy", show=False, id="draft.policy"),
    Binding("S", "scope", "Scope", show=False, id="draft.scope"),
    Binding("o", "option", "CPU option", show=False, id="draft.option"),
    Binding("O", "open", "Open", id="draft.open"),
    Binding("ctrl+s", "save", "Save", priority=True, id="draft.save"),
    Binding("escape", "leave_field", "Leave field", show=False, id="draft.leave"),
    Binding("i,enter", "edit", "Edit", show=False, id="draft.edit"),
    Binding("c", "commit", "Commit", id="draft.commit"),
]

COMMIT = [
    Binding("a", "apply", "Apply…", id="commit.apply"),
    Binding("y", "confirm", "Confirm", id="commit.confirm"),
    Binding("r", "rollback", "Roll back", id="commit.rollback"),
    Binding("R", "replan", "Re-plan", show=False, id="commit.replan"),
]

JOURNAL = [
    Binding("r", "rollback", "Roll back", id="journal.rollback"),
    Binding("j", "down", "Down", show=False, id="journal.down"),
    Binding("k", "up", "Up", show=False, id="journal.up"),
    Binding("slash", "filter", "Filter", id="journal.filter"),
    Binding("g", "reload", "Reload", show=False, id="journal.reload"),
    Binding("escape", "clear", "Clear", show=False, id="journal.clear"),
]

# Sort keys are capitals, as in k9s; throttled is lower-case `t`: `T` stays the app's theme key.
USAGE = [
    Binding("slash", "filter", "Filter", id="usage.filter"),
    Binding("escape", "clear", "Clear", show=False, id="usage.clear"),
    Binding("U", "sort('usage')", "Sort usage", id="usage.sort_usage"),
    Binding("t", "sort('throttled')", "Sort thr", id="usage.sort_throttled"),
    Binding("P", "sort('psi')", "Sort PSI", show=False, id="usage.sort_psi"),
    Binding("N", "sort('owner')", "Sort name", show=False, id="usage.sort_owner"),
    Binding("space", "pause", "Pause", id="usage.pause"),
]

# The Fleet screen (the app opened on several bundles): Enter opens the node, `F` comes back.
FLEET_APP = [Binding("F", "switch_mode('fleet')", "Fleet", id="app.fleet")]
FLEET = [
    Binding("enter", "open", "Open node", id="fleet.open"),
    Binding("slash", "filter", "Filter", id="fleet.filter"),
    Binding("escape", "clear", "Clear", show=False, id="fleet.clear"),
    Binding("V", "sort('verdict')", "Sort verdict", show=False, id="fleet.sort_verdict"),
    Binding("R", "sort('room')", "Sort room", id="fleet.sort_room"),
    Binding("t", "sort('pressure')", "Sort thr", id="fleet.sort_pressure"),
    Binding("N", "sort('node')", "Sort name", show=False, id="fleet.sort_node"),
]

HELP = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]
OPEN = [Binding("escape", "dismiss_none", "Cancel", id="open.cancel")]
SAVE = [Binding("escape", "dismiss_none", "Cancel", id="save.cancel")]
CONFIRM = [
    Binding("y", "answer(True)", "Yes, apply", id="confirm.yes"),
    Binding("n,escape", "answer(False)", "No", id="confirm.no"),
]

ALL = (APP, NODE, GRID, DRAFT, COMMIT, JOURNAL, USAGE, FLEET_APP, FLEET, HELP, OPEN, SAVE, CONFIRM)


def all_bindings() -> list[Binding]:
    return [b for group in ALL for b in group]


def binding_ids() -> list[str]:
    return [b.id for b in all_bindings() if b.id]


def binding_rows(keymap: dict[str, str]) -> list[tuple[str, str, str]]:
    """(keys, id, description) of every binding, with the user's remapping applied."""
    return [(keymap.get(b.id, b.key), b.id, b.description or b.action) for b in all_bindings() if b.id]
