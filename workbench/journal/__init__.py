"""SQLite journal: intent before write, read back, confirm or roll back.

Every change to a cgroup tree goes through a transaction recorded here first:

- `store.Journal`: the SQLite file (WAL, `synchronous=FULL`, mode 0600) with one `txn` row per
  commit (operator, host, boot id, wall and boot-clock time, the plan) and one `step` row per
  write (path, cgroup inode, before-image, intended value, read-back, errno, state), plus an
  append-only `event` log.
- `lock.OperatorLock`: one operator at a time (flock beside the journal; the holder is shown).
- `apply.apply_plan`: make the intent durable, then for each write re-check the before-image,
  write, read back; on failure undo what was done in reverse order.
- `undo.rollback` / `undo.recover`: compare-and-swap undo (never overwrite a value someone else
  changed after us), void for another boot or a re-created cgroup; idempotent.
- `timer.arm` / `timer.confirm`: commit-confirmed (a systemd-run timer or a detached watchdog,
  `watchdog.py`, sleeping on the boot clock).
- values compare through `workbench.cgroups.normalise` (the kernel's rounding);
  `paths`: where the journal lives; `clock`: boot id, boot clock, operator;
  `tree.find_pid`: where a PID lives.

Test hook (for crash tests, never for production use): the environment variable
`WORKBENCH_FAULT` makes the process SIGKILL itself at a chosen point, see `fault.py`:
`kill-after-write:N` kills right after the Nth successful kernel write of the process (undo
writes count too; implemented in `CgroupFS.write`); `kill-at:POINT:N` with POINT one of
`intent`, `write`, `readback`, `undo`, `committed` kills after the Nth occurrence of that point.
`WORKBENCH_BOOT_ID` replaces `/proc/sys/kernel/random/boot_id` (simulates a reboot).
`WORKBENCH_CONFIRM_TIMER=detached|systemd` forces the kind of confirm timer.
"""
