"""Capture bundles: one `.tar.gz` file holding everything the workbench reads from a node, so
the node can be looked at offline, elsewhere, exactly as on the node.

Format (version 1.x), members in this order, each listed in `manifest.json` with its source
path, size and sha256, and nothing else in the archive (regular files only):

    manifest.json                          format, version, host facts, the file list (first)
    machine/topology.yaml                  the topology spec (a spec or demo node), or
    machine/kubelet-view.yaml              the kubelet's view of the sysfs below, as a spec
    kubelet/<file>                         config.yaml and the checkpoint files found
    machine/sysfs/<path>                   the sysfs files the topology reader read (relative
                                           to the sysfs root: sys/devices/system/...)
    machine/sysfs-listing.json             the directories it listed: name -> entries
    cgroup.json                            the tree's settings: "<cgroup>/<file>" -> text
                                           (cpuset, cpu.max, memory.max... below the pod parents)
    processes.json                         only with --with-processes: pid and name per cgroup
    samples/<k>/cgroup.json                counters of sample k: "<cgroup>/<file>" -> text
                                           (cpu.stat, PSI, memory.current, numa_stat...)
    samples/<k>/proc/stat                  /proc/stat of sample k (cpu lines and totals)

`replay.cgroup_root(bundle)` lays the settings out as a cgroup tree (what `drift` reads);
`replay.sample_roots(bundle, k)` lays sample k out as a cgroup root (the settings and sample
k's counters as files) and a proc root holding `stat`, for a sampler to read as on the node.

Reading is lazy and untrusted (`reader`): the manifest is read first, then only the members a
command needs, each checked against the manifest, into a private temporary directory.
"""
