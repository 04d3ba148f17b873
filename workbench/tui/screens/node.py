"""Node screen: the NUMA grid with owners, the CPU under the cursor, pods, distances, legend."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Input, Static

from workbench.services.ownership import Owner, pod_cpus
from workbench.topology.cpuset import CPUSet
from workbench.tui import bindings
from workbench.tui.screens.base import WorkbenchScreen
from workbench.tui.viewmodel.node_view import cpu_info, devices_text, distance_text, header, pod_lines
from workbench.tui.widgets.legend import Legend
from workbench.tui.widgets.numa_grid import NumaGrid


class NodeScreen(WorkbenchScreen):
    MODE = "node"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings.NODE)

    def __init__(self) -> None:
        super().__init__()
        self.owners: Mapping[int, Owner] = {}
        self.selected_pod: str | None = None
        self.match = ""
        self._shown = False

    def compose_body(self) -> ComposeResult:
        yield Static(id="node-header", classes="header")
        with Horizontal(id="node-body"):
            yield NumaGrid(id="grid", ascii_only=self.wb.ascii_only)
            with VerticalScroll(id="side"):
                yield Static(id="pods", classes="panel")
                yield Static(id="distances", classes="panel")
                yield Static(id="devices", classes="panel")
                yield Legend(id="side-legend", classes="panel", ascii_only=self.wb.ascii_only)
        yield Static(id="cpu-info", classes="status")

    def on_mount(self) -> None:
        self.query_one("#pods", Static).border_title = "Pods"
        self.query_one("#distances", Static).border_title = "NUMA distances"
        self.query_one("#devices", Static).border_title = "Devices"
        self.query_one("#side-legend", Legend).border_title = "Legend"
        self.refresh_view()
        self.query_one(NumaGrid).focus()
        self.call_after_refresh(self.wb.run_after_first_paint)

    def on_screen_resume(self) -> None:
        # The first resume comes straight after mount, which has just drawn everything.
        if self._shown:
            self.refresh_view()
        self._shown = True

    def refresh_view(self) -> None:
        s = self.wb.session
        self.owners = s.owners()
        self.query_one("#node-header", Static).update(
            header(s.topology.name, s.source, s.config, s.read_only, s.read_only_reason)
        )
        grid = self.query_one(NumaGrid)
        grid.show(s.topology, self.owners, memory=s.numa_memory())
        self.query_one("#distances", Static).update(distance_text(s.topology))
        self.query_one("#devices", Static).update(devices_text(s.topology))
        self._update_pods()
        self._update_info(grid.cursor)

    def _update_pods(self) -> None:
        lines = pod_lines(self.owners, self.match, self.wb.ascii_only)
        mark = ">" if self.wb.ascii_only else "▶"
        text = "\n".join((f"{mark} " if k == self.selected_pod else "  ") + line for k, line in lines)
        self.query_one("#pods", Static).update(Content(text or "no pods hold CPUs"))
        grid = self.query_one(NumaGrid)
        if self.selected_pod:
            grid.set_highlight(pod_cpus(self.owners, self.selected_pod))
        elif self.match:
            grid.set_highlight(CPUSet(c for k, _ in lines for c in pod_cpus(self.owners, k)))
        else:
            grid.set_highlight(CPUSet())

    def _update_info(self, cpu: int | None) -> None:
        view = self.query_one(NumaGrid).machine_view
        self.query_one("#cpu-info", Static).update(cpu_info(self.wb.session.topology, self.owners, cpu, view))

    def on_numa_grid_cursor_moved(self, event: NumaGrid.CursorMoved) -> None:
        self._update_info(event.cpu)

    def action_next_pod(self) -> None:
        keys = [k for k, _ in pod_lines(self.owners, self.match)]
        if not keys:
            return
        i = keys.index(self.selected_pod) + 1 if self.selected_pod in keys else 0
        self.selected_pod = keys[i] if i < len(keys) else None
        if self.selected_pod:
            cpus = pod_cpus(self.owners, self.selected_pod)
            grid = self.query_one(NumaGrid)
            grid.move_cursor_to(min(cpus))
            self._update_info(grid.cursor)
        self._update_pods()

    def action_filter(self) -> None:
        # Mounted on first use: one widget less to style before the first paint.
        found = self.query("#filter")
        if found:
            box = found.first(Input)
        else:
            box = Input(placeholder="filter pods by name (esc clears)", id="filter")
            self.mount(box, before=self.query_one(Footer))
        box.remove_class("hidden")
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.match = event.value.strip()
            self.selected_pod = None
            self._update_pods()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.query_one(NumaGrid).focus()

    def action_clear(self) -> None:
        for box in self.query("#filter").results(Input):
            box.value = ""
            box.add_class("hidden")
        self.match = ""
        self.selected_pod = None
        self._update_pods()
        self.query_one(NumaGrid).focus()

    def action_panel(self) -> None:
        # At 80 columns the side panel (pods, distances, devices, legend) takes the grid's place.
        self.toggle_class("-show-side")

    def action_legend(self) -> None:
        found = self.query("#legend-strip")
        if found:
            found.first().toggle_class("hidden")
        else:
            strip = Legend(compact=True, ascii_only=self.wb.ascii_only, id="legend-strip")
            self.mount(strip, before=self.query_one(Footer))
