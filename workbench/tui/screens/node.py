"""Node screen: the NUMA grid with owners, the CPU under the cursor, pods, distances, legend."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState

from workbench.errors import InputError
from workbench.services.ownership import Owner, pod_cpus
from workbench.topology.cpuset import CPUSet
from workbench.tui import bindings
from workbench.tui.screens.base import WorkbenchScreen
from workbench.tui.viewmodel.heat_overlay import busy_text, heat_legend, heat_marks, held_shares
from workbench.tui.viewmodel.node_view import cpu_info, devices_text, distance_text, header, pod_lines
from workbench.tui.widgets.legend import Legend
from workbench.tui.widgets.numa_grid import NumaGrid

if TYPE_CHECKING:
    # The sampler behind the heat overlay loads on the first `u`, not at start-up (~15% of
    # the app's own imports before the first paint).
    from workbench.services import usage_heat


class NodeScreen(WorkbenchScreen):
    MODE = "node"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings.NODE)

    def __init__(self) -> None:
        super().__init__()
        self.owners: Mapping[int, Owner] = {}
        self.selected_pod: str | None = None
        self.match = ""
        self._shown = False
        self.heat_on = False  # the heat overlay (`u`)
        self.busy: Mapping[int, float] | None = None  # the last interval's busy shares
        self.held: Mapping[int, float] | None = None  # what the marks show (held_shares)
        self.feed: usage_heat.BusyFeed | None = None
        self.heat_timer: Timer | None = None
        self._opening = False
        self._info = ""

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
        if self.heat_on and self.heat_timer is not None:
            self.heat_timer.resume()

    def on_screen_suspend(self) -> None:
        if self.heat_timer is not None:
            self.heat_timer.pause()  # nothing shown: nothing sampled

    def on_unmount(self) -> None:
        if self.heat_timer is not None:
            self.heat_timer.stop()
        if self.feed is not None:
            self.feed.close()
            self.feed = None

    def refresh_view(self) -> None:
        s = self.wb.session
        self.owners = s.owners()
        self.query_one("#node-header", Static).update(
            header(s.topology.name, s.source, s.config, s.read_only, s.read_only_reason)
        )
        grid = self.query_one(NumaGrid)
        grid.show(s.topology, self.owners, memory=s.numa_memory())
        if self.heat_on:
            self._show_heat()
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
        text = cpu_info(self.wb.session.topology, self.owners, cpu, view)
        if self.heat_on:
            text = f"{busy_text(self.busy, cpu)} · {text}"
        if text != self._info:
            self._info = text
            # One line of fixed height: no relayout of the screen for a cursor step.
            self.query_one("#cpu-info", Static).update(text, layout=False)

    # ---- heat overlay ------------------------------------------------------------------
    def action_heat(self) -> None:
        """`u`: each CPU's busy share on the grid; sampled only while the overlay is shown."""
        self.heat_on = not self.heat_on
        grid = self.query_one(NumaGrid)
        if not self.heat_on:
            if self.heat_timer is not None:
                self.heat_timer.pause()
            grid.set_heat(None)
            self.query_one("#heat-legend").add_class("hidden")
            self._update_info(grid.cursor)
            return
        found = self.query("#heat-legend")
        if found:
            found.first().remove_class("hidden")
        else:
            legend = Static(heat_legend(ascii_only=self.wb.ascii_only), id="heat-legend", markup=False)
            self.mount(legend.add_class("status"), before=self.query_one("#cpu-info"))
        if self.heat_timer is not None:
            self.heat_timer.resume()
        elif self.feed is None and not self._opening:
            # Opening the demo's sandbox (its pods committed through the journal) takes most
            # of a second: in a thread, with `?` on every CPU meanwhile.
            self._opening = True
            self.run_worker(self._open_feed, thread=True, group="heat", exit_on_error=False)
        self._show_heat()

    def _open_feed(self) -> usage_heat.BusyFeed:
        from workbench.services import usage_heat
        from workbench.services.source import Node

        s, committer = self.wb.session, self.wb.committer
        feed = usage_heat.start_busy_feed(
            Node(s.topology, s.config, s.state),
            tree_label=committer.label if committer is not None else "",
            cgroup_root=committer.root if committer is not None else None,
        )
        feed.tick()  # the first sample: figures come one interval later
        return feed

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "heat" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        self._opening = False
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(
                f"heat: {error.line() if isinstance(error, InputError) else error}", severity="warning"
            )
            if self.heat_on:
                self.action_heat()
            return
        from workbench.services import usage_heat

        feed = event.worker.result
        assert isinstance(feed, usage_heat.BusyFeed)
        if not self.is_mounted:
            feed.close()
            return
        self.feed = feed
        self.heat_timer = self.set_interval(feed.interval_s, self.sample_heat, pause=not self.heat_on)

    def sample_heat(self) -> None:
        if self.feed is None or not self.heat_on:
            return
        self.busy = self.feed.tick()
        self.held = held_shares(self.held, self.busy)
        self._show_heat()

    def _show_heat(self) -> None:
        grid = self.query_one(NumaGrid)
        if grid.grid_layout is not None:
            grid.set_heat(heat_marks(grid.grid_layout, self.held, ascii_only=self.wb.ascii_only))
        self._update_info(grid.cursor)

    def on_numa_grid_relaid(self, event: NumaGrid.Relaid) -> None:
        if self.heat_on:
            self._show_heat()

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
