"""`workbench export [--listen HOST:PORT]`: serve the node's placement and usage as OpenMetrics
for Prometheus (deploy/daemonset.yaml runs it on every node). `--once` prints one scrape."""

from __future__ import annotations

import argparse
import sys
import time

from workbench.cli.common import add_node_options, node_source
from workbench.errors import InputError
from workbench.services.choices import KUBELET_DRIVERS

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any

DEFAULT_LISTEN = "127.0.0.1:9750"


def register(sub: Any) -> None:
    e = sub.add_parser(
        "export",
        help="serve the node's placement and usage as Prometheus metrics (OpenMetrics)",
        description="Serve /metrics for Prometheus: per owner capacity and usage, per NUMA node "
        "allocatable and assigned CPUs and memory, drift. Reads only.",
    )
    add_node_options(e)
    e.add_argument(
        "--listen",
        default=DEFAULT_LISTEN,
        metavar="HOST:PORT",
        help=f"address to serve (default {DEFAULT_LISTEN})",
    )
    e.add_argument("--cgroup-root", metavar="DIR", help="the cgroup v2 tree to read (default /sys/fs/cgroup)")
    e.add_argument("--layout", choices=KUBELET_DRIVERS, default="systemd", help="the kubelet's cgroup driver")
    e.add_argument(
        "-o",
        "--format",
        choices=("text", "openmetrics"),
        default="text",
        help="with --once: Prometheus text (what promtool check metrics reads) or OpenMetrics",
    )
    e.add_argument("--proc-root", metavar="DIR", help="a directory holding stat (default /proc)")
    e.add_argument("--once", action="store_true", help="print one scrape on stdout and exit")
    e.add_argument(
        "--interval",
        type=float,
        default=1.0,
        metavar="S",
        help="with --once: seconds between the two samples",
    )
    e.set_defaults(func=run)


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"{text!r} is not HOST:PORT", field="--listen", fix="e.g. --listen 127.0.0.1:9750")
    return host.strip("[]") or "0.0.0.0", int(port)  # noqa: S104 - an empty host means every address


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench.exporter import server
    from workbench.services.export import Exporter

    host, port = parse_listen(args.listen)
    exporter = Exporter(
        node_source(args),
        Path(args.cgroup_root) if args.cgroup_root else None,
        driver=args.layout,
        proc_root=Path(args.proc_root) if args.proc_root else None,
    )
    exporter.start()  # a bad node is one line now, not a failed scrape later
    try:
        for note in exporter.notes:
            print(f"workbench: {note}", file=sys.stderr)
        if args.once:
            # One scrape after one interval, as Prometheus would see its second scrape.
            time.sleep(args.interval)
            openmetrics = args.format == "openmetrics"
            sys.stdout.buffer.write(server.render(exporter.families, openmetrics=openmetrics))
            return 0
        try:
            stop = server.serve(exporter.families, host, port)
        except OSError as exc:
            raise InputError(
                f"cannot serve on {args.listen}: {exc.strerror}", field="--listen", fix="pick a free port"
            ) from None
        print(f"workbench: serving http://{args.listen}/metrics", file=sys.stderr)
        stop.wait()
        return 0
    finally:
        exporter.close()
