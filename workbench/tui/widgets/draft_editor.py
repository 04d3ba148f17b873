"""The pod budget form: one row of fields for the pod, and a block per container. Each field is
a `FieldInput` that knows the draft path it edits; an edit posts `FieldChanged(path, value)` and
the screen, which owns the draft, decides what follows. The editor only draws a draft and marks
the fields with problems."""

from __future__ import annotations

from collections.abc import Mapping

from textual import on
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, Static

from workbench.tui.messages import ContainerFocused, FieldChanged
from workbench.tui.viewmodel import draft as dm
from workbench.tui.viewmodel.shown import shown

# (draft field, label) of a resource row, in screen order.
_RESOURCES = (("cpu", "cpu"), ("cpu_limit", "limit"), ("memory", "mem"), ("memory_limit", "limit"))
HINT = "a add · s sidecar · x remove · e exclusive/shared · K kind · esc then keys"


class FieldInput(Input):
    """One draft field; `path` is `pod.<field>` or `c<index>.<field>`."""

    def __init__(self, path: str, value: str, *, wide: bool = False) -> None:
        super().__init__(shown(value), compact=True, classes="wide" if wide else "")
        self.path = path

    @property
    def container(self) -> int | None:
        scope = self.path.partition(".")[0]
        return int(scope[1:]) if scope.startswith("c") else None


class FieldRow(Horizontal):
    """A row of labelled fields, with the heading of its pod or container above it when `head`.
    The row paints the labels (in the margin left of each box) and the heading itself: a Label
    per field and a Static per heading were half the form's widgets, and every widget costs
    each key a message round trip and a place in every layout."""

    def __init__(
        self,
        fields: list[tuple[str, FieldInput]],
        *,
        classes: str = "",
        head: bool = False,
        errors: bool = False,
        name: str | None = None,
    ) -> None:
        extra = f"{classes} -head" if head else classes
        super().__init__(*(box for _, box in fields), classes=f"field-row {extra}".strip(), name=name)
        self._head: str | None = "" if head else None
        self._errors: str | None = "" if errors else None
        self._labels: list[tuple[str, FieldInput]] = []
        for n, (label, box) in enumerate(fields):
            # As the labels were: the first padded to 6 cells, the others one cell either side.
            text = f" {label}".ljust(6) if n == 0 else f" {label} "
            box.styles.margin = (1 if head else 0, 0, 0, len(text))
            self._labels.append((text, box))
        self._fit()

    @property
    def head(self) -> str | None:
        return self._head

    def set_head(self, text: str) -> None:
        if self._head is not None and text != self._head:
            self._head = text
            self.refresh()

    @property
    def errors(self) -> str | None:
        return self._errors

    def set_errors(self, text: str) -> None:
        """The problems of this row's pod or container, below its fields (as the error Static
        under the row drew them: in $error, wrapped with 7 cells on the left and 1 on the right)."""
        if self._errors is not None and text != self._errors:
            self._errors = text
            self._fit()
            self.refresh()

    def _error_lines(self, width: int) -> list[Content]:
        if not self._errors:
            return [Content()]  # the empty error Static was one blank line too
        lines = [Content.styled(line, "$error") for line in self._errors.split("\n")]
        if width <= 8:  # not laid out yet: the resize that follows fits the row again
            return lines
        return [part for line in lines for part in line.wrap(width - 8)]

    def _fit(self) -> None:
        if self._errors is not None:
            height = 1 + len(self._error_lines(self.size.width))
            if self.styles.height is None or self.styles.height.value != height:
                self.styles.height = height

    def on_resize(self) -> None:
        self._fit()

    def render(self) -> Content:
        parts: list[str] = []
        for text, box in self._labels:
            parts.append(text)
            parts.append(" " * box.outer_size.width)
        labels = Content("".join(parts))
        if self._errors is not None:
            return Content("\n").join(
                [labels, *(Content(" " * 7) + e for e in self._error_lines(self.size.width))]
            )
        if self._head is None:
            return labels
        # As the one-line heading Static drew it: bold, one cell of padding either side, and the
        # first line of the text wrapped to what is left.
        head = Content.styled(self._head, "bold $foreground").wrap(max(1, self.size.width - 2))
        return Content("\n").join([Content(" ") + (head[0] if head else Content()), labels])


class DraftEditor(VerticalScroll):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shape: int | None = None

    # ---- drawing ---------------------------------------------------------------------------
    async def show(self, draft: dm.Draft, current: int) -> None:
        """Draw `draft`: the fields are remounted only when the containers changed (remounting
        dozens of inputs restyles them all); otherwise their values are set in place."""
        # A container's fields do not depend on its kind: K relabels the heading in place.
        shape = len(draft.containers)
        if shape != self._shape or not self.children:
            self._shape = shape
            with self.app.batch_update():
                await self.remove_children()
                await self.mount_all(self._widgets(draft))
        else:
            self._set_values(draft)
        self.show_heads(draft, current)

    def _widgets(self, d: dm.Draft) -> list[Widget]:
        out: list[Widget] = [
            self._row("pod", [("name", "name", d.name), ("namespace", "namespace", d.namespace)])
        ]
        out.append(self._resources("pod", d))
        for i, c in enumerate(d.containers):
            out.append(self._row(f"c{i}", [("name", "name", c.name)]))
            out.append(self._resources(f"c{i}", c))
        out.append(Static(HINT, classes="status"))
        return out

    def _row(self, scope: str, fields: list[tuple[str, str, str]]) -> FieldRow:
        boxes = [(label, FieldInput(f"{scope}.{name}", value, wide=True)) for name, label, value in fields]
        return FieldRow(boxes, head=True, name=scope)

    def _resources(self, scope: str, values: dm.Draft | dm.DraftContainer) -> FieldRow:
        boxes = [(label, FieldInput(f"{scope}.{name}", getattr(values, name))) for name, label in _RESOURCES]
        return FieldRow(boxes, classes="res-row", errors=True, name=scope)

    def _set_values(self, d: dm.Draft) -> None:
        for box in self.query(FieldInput):
            value = shown(dm.get_field(d, box.path))
            if box.value != value:
                # The draft already holds it: setting the box is no edit of the operator's.
                with box.prevent(Input.Changed):
                    box.value = value

    def show_heads(self, d: dm.Draft, current: int) -> None:
        for row in self.query(FieldRow):
            if row.head is None:
                continue
            if row.name == "pod":
                row.set_head(f"Pod budget  (source: {shown(d.source or 'new')})")
            elif row.name and (i := int(row.name[1:])) < len(d.containers):
                c = d.containers[i]
                mark = "▶" if i == current else " "
                row.set_head(f"{mark} {c.kind} · {'exclusive' if c.exclusive else 'shared'}")

    def mark_errors(self, errors: Mapping[str, str]) -> None:
        """Mark each field with a problem and list the problems under the pod or container."""
        for box in self.query(FieldInput):
            bad = box.path in errors
            if box.has_class("-invalid") != bad:  # every class change restyles the widget
                box.set_class(bad, "-invalid")
            tip = shown(errors[box.path]) if bad else None
            if box.tooltip != tip:
                box.tooltip = tip
        for row in self.query(FieldRow):
            if row.errors is None:
                continue
            scope = row.name or ""
            msgs = [
                f"⚠ {shown(p.split('.', 1)[1] if '.' in p else p)}: {shown(r)}"
                for p, r in errors.items()
                if p == scope or p.startswith(scope + ".")
            ]
            row.set_errors("\n".join(msgs))

    # ---- fields ------------------------------------------------------------------------------
    def field(self, path: str) -> FieldInput | None:
        for box in self.query(FieldInput):
            if box.path == path:
                return box
        return None

    def focus_field(self, path: str) -> None:
        box = self.field(path)
        if box is not None:
            box.focus()

    def focused_path(self) -> str | None:
        focused = self.screen.focused
        return focused.path if isinstance(focused, FieldInput) else None

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        box = event.input
        if not isinstance(box, FieldInput):
            return
        self.post_message(FieldChanged(box.path, event.value))
        safe = shown(event.value)
        if safe != event.value:
            # Pasted text a terminal cannot draw as it is: the draft gets it (and says what is
            # wrong with it), the box shows it escaped and cut.
            with box.prevent(Input.Changed):
                box.value = safe

    def on_descendant_focus(self, event: object) -> None:
        focused = self.screen.focused
        if isinstance(focused, FieldInput) and focused.container is not None:
            self.post_message(ContainerFocused(focused.container))
