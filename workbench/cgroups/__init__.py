"""cgroup v2: read the live tree, plan writes from a Decision, apply them one value at a time."""
