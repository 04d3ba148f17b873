"""The application layer: every use case of the workbench, once, for every face.

The CLI (`workbench.cli`) and the TUI (`workbench.tui`) are presentation over these modules:
they build a request from their options or keys, call one use case, and show its rendering.
Only this layer reaches `admission`, `cgroups` and `journal` (a test enforces it). Each module
imports the domain inside its functions where that keeps `workbench --help` fast.

- `source`: where a node comes from (`NodeSource`) and loading it (`load_topology`, `load_node`)
- `topology_view`: the machine as text, JSON or a topology spec
- `validation`: pods and kubelet configs checked (`validate_files`)
- `node_report`: a captured kubelet directory (`read_node`, `node_json`, `node_text`)
- `ownership`: who owns every CPU and every NUMA node's memory (`ownership`, `numa_memory`)
- `draft`: a pod being edited -> a pod, through the API server's validation (`to_podspec`)
- `admit`: the kubelet's decision, advice, release (`decide`, `advice_for`, `admit_file`)
- `commit`: plan and apply through the journal (`plan_decision`, `apply_planned`, `read_back`)
- `commit_pod`: `workbench commit` from a manifest (`prepare_commit`, `finish_commit`)
- `transactions`: confirm, roll back, recover (`confirm`, `rollback`, `recover`)
- `journal_query`, `journal_explain`: reading the journal, and its states in words
- `drift`: checkpoint and journal against the live tree (`check_drift`)
- `sandbox`: a sandbox cgroup tree (`init_sandbox`)
- `demo`, `demo_pods`: the demo node, its seed pods and scenarios, its temporary sandbox
- `choices`: the names the faces offer (policies, scopes, layouts), import-free
- `usage`: live usage per owner (`open_usage`, `top_once`, `start_for_face`), with `usage_tree`
  (pods in every layout), `usage_plan` (the tree joined with the owner model), `usage_render`
  (`top`'s JSON and text), `usage_view` (the Usage screen's rows), `usage_demo` (synthetic load)

A new use case is a new module here with a function that returns a result value and the
functions that render it (`*_json`, `*_text`); a face then needs only a thin handler.
"""
