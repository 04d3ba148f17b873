"""cgroup v2: read the live tree, plan writes from a Decision, apply them one value at a time.

Modules: `fs` (CgroupFS: mode detection, confined reads and single-syscall writes), `files`
(parsers and read-back normalisation), `kernel` + `sandbox` (the kernel model and sandbox
directories), `layout` (standalone / kubelet systemd / cgroupfs paths), `plan` (ordered writes
and pre-checks), `ops` (perform, read back, undo one write), `drift`, `write` (the Write record).
"""
