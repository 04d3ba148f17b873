"""NUMA Workbench: see, preview and safely change CPU, memory and NUMA placement on a node.

Layers, each importing only those before it: `topology` -> `kube` -> `admission` -> `cgroups`
-> `journal` -> `services` (the application layer: every use case) -> `cli` / `tui` (presentation
over it). Only `tui` imports Textual.
"""

__version__ = "0.1.0"
