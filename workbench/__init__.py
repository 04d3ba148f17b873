"""NUMA Workbench: see, preview and safely change CPU, memory and NUMA placement on a node.

Layers, each importing only those before it: `topology` -> `kube` -> `admission` -> `cgroups`
-> `journal` -> `cli` / `tui`. Only `tui` imports Textual.
"""

__version__ = "0.1.0"
