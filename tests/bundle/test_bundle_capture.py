"""`workbench capture` and `--bundle`: a captured node reads offline exactly as on the node."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest
from bundle_helpers import KUBELET, PODS, Run, make_cgroup_tree, unpack_sysfs

from workbench.bundle.reader import Bundle
from workbench.bundle.replay import sample_roots


def _members(bundle: Path) -> dict[str, bytes]:
    with tarfile.open(bundle) as t:
        return {m.name: t.extractfile(m).read() for m in t.getmembers()}  # type: ignore[union-attr]


@pytest.mark.parametrize("machine", ["32intel64-2p8co2t+8ve", "16em64t-4s2c2t-offlines", "20s390-2g6s4c"])
def test_topology_from_a_bundle_equals_the_sysfs_tree(run: Run, tmp_path: Path, machine: str) -> None:
    root = unpack_sysfs(machine, tmp_path)
    out = tmp_path / "node.tar.gz"
    assert run("capture", out, "--sysfs-root", root, "--samples", "1")[0] == 0
    for fmt in ("json", "text"):
        live = run("topology", "-o", fmt, "--sysfs-root", root)
        offline = run("topology", "-o", fmt, "--bundle", out)
        assert offline == live
    # Only what the reader read: its files, not the whole tree.
    stored = [n for n in _members(out) if n.startswith("machine/sysfs/")]
    on_disk = [p for p in root.rglob("*") if p.is_file()]
    assert 0 < len(stored) < len(on_disk)


def test_node_admit_and_drift_read_the_bundle_as_the_node(run: Run, tmp_path: Path) -> None:
    kdir = KUBELET / "intel-2s-snc-v4"
    cg = tmp_path / "cg"
    make_cgroup_tree(cg)
    out = tmp_path / "snc.tar.gz"
    assert run("capture", out, "--kubelet-dir", kdir, "--cgroup-root", cg, "--samples", "1")[0] == 0

    code, live, _ = run("node", "-o", "json", "--kubelet-dir", kdir)
    code2, offline, _ = run("node", "-o", "json", "--bundle", out)
    live_doc, offline_doc = json.loads(live), json.loads(offline)
    assert offline_doc.pop("kubelet_dir") == f"{out}:kubelet/"
    live_doc.pop("kubelet_dir")
    assert (code2, offline_doc) == (code, live_doc)

    pod = PODS / "postgres.yaml"
    assert run("admit", pod, "-o", "json", "--bundle", out) == run(
        "admit", pod, "-o", "json", "--kubelet-dir", kdir
    )

    live_drift = run("drift", "-o", "json", "--kubelet-dir", kdir, "--cgroup-root", cg)
    code, text, _ = run("drift", "-o", "json", "--bundle", out)
    assert code == live_drift[0] == 1  # the checkpoint's pods have no cgroups in this tree
    assert json.loads(text)["drift"] == json.loads(live_drift[1])["drift"]


def test_manifest_lists_every_member_with_its_source_and_sha256(run: Run, tmp_path: Path) -> None:
    cg = tmp_path / "cg"
    make_cgroup_tree(cg)
    out = tmp_path / "b.tar.gz"
    assert run("capture", out, "--demo", "--cgroup-root", cg, "--samples", "2", "--interval", "0")[0] == 0
    members = _members(out)
    with tarfile.open(out) as t:
        assert t.getnames()[0] == "manifest.json"
    manifest = json.loads(members.pop("manifest.json"))
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(members)
    for path, data in members.items():
        assert listed[path]["sha256"] == hashlib.sha256(data).hexdigest()
        assert listed[path]["size"] == len(data)
    assert manifest["format"] == "workbench-bundle" and manifest["version"][0] == 1
    assert {"hostname", "kernel_release", "boot_id"} <= set(manifest["host"])
    assert manifest["created"] and manifest["workbench_version"] and len(manifest["samples"]) == 2
    assert listed["kubelet/config.yaml"]["source"] == "built-in demo kubelet"
    # The tree's settings, packed: the root's own files and the tree below the pod parents only.
    assert listed["cgroup.json"]["source"].startswith(f"{cg}/**/{{cgroup.controllers,")
    settings = json.loads(members["cgroup.json"])
    assert settings["kubepods.slice/cpuset.cpus"] == "0-31\n" and "cpuset.cpus" in settings
    assert not any(p.startswith("system.slice") for p in settings)
    counters = json.loads(members["samples/1/cgroup.json"])
    assert "kubepods.slice/cpu.stat" in counters and "kubepods.slice/cpuset.cpus" not in counters


def test_nothing_secret_and_process_names_only_when_asked(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cg = tmp_path / "cg"
    container = make_cgroup_tree(cg, pods=1)[0]
    (cg / container / "cgroup.procs").write_text("4242\n")
    proc = tmp_path / "proc"
    (proc / "4242").mkdir(parents=True)
    (proc / "4242" / "comm").write_text("secret-daemon\n")
    (proc / "4242" / "cmdline").write_text("secret-daemon\0--password=hunter2\0")
    (proc / "4242" / "environ").write_text("TOKEN=hunter2\0")
    (proc / "stat").write_text("cpu  1 2 3 4 5 6 7 0 0 0\ncpu0 1 2 3 4 5 6 7 0 0 0\nintr 9 9 9\nctxt 5\n")
    monkeypatch.setenv("WORKBENCH_TEST_SECRET", "s3cr3t-value")
    plain, named = tmp_path / "plain.tar.gz", tmp_path / "named.tar.gz"
    base = ("--demo", "--cgroup-root", cg, "--proc-root", proc, "--samples", "1")
    assert run("capture", plain, *base)[0] == 0
    assert run("capture", named, *base, "--with-processes")[0] == 0
    plain_bytes = gzip.decompress(plain.read_bytes())
    named_bytes = gzip.decompress(named.read_bytes())
    for secret in (b"s3cr3t-value", b"hunter2", b"TOKEN"):
        assert secret not in plain_bytes and secret not in named_bytes
    assert b"secret-daemon" not in plain_bytes and b"4242" not in plain_bytes
    procs = json.loads(_members(named)["processes.json"])
    assert procs == {container: [[4242, "secret-daemon"]]}
    # /proc/stat keeps the cpu lines and totals, not the per-interrupt counts.
    assert (
        _members(plain)["samples/0/proc/stat"]
        == b"cpu  1 2 3 4 5 6 7 0 0 0\ncpu0 1 2 3 4 5 6 7 0 0 0\nctxt 5\n"
    )


def test_each_sample_replays_as_a_cgroup_root_and_a_proc_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.services import bundle_capture as bc
    from workbench.services.source import NodeSource

    cg = tmp_path / "cg"
    container = make_cgroup_tree(cg, pods=1)[0]
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "stat").write_text("cpu  0 0 0 0\n")
    ticks = iter(range(1, 100))

    def work_between_samples(_: float) -> None:
        k = next(ticks)
        (cg / container / "cpu.stat").write_text(f"usage_usec {1000 * k}\nnr_throttled {k}\n")
        (proc / "stat").write_text(f"cpu  {k} 0 0 0\n")

    monkeypatch.setattr(bc.time, "sleep", work_between_samples)
    out = tmp_path / "s.tar.gz"
    req = bc.CaptureRequest(
        out, NodeSource(demo=True), cgroup_root=cg, proc_root=proc, samples=3, interval=0.5
    )
    assert bc.capture(req).samples == 3
    with Bundle(out) as b:
        for k, usage in enumerate(("10", "1000", "2000")):
            roots = sample_roots(b, k)
            assert (roots.cgroup_root / container / "cpu.stat").read_text().split()[1] == usage
            assert (roots.proc_root / "stat").read_text().split()[1] == str(k)
            # settings are there too, as on the node
            assert (roots.cgroup_root / container / "cpuset.cpus").read_text().strip() == "0"
            assert (roots.cgroup_root / "cgroup.controllers").is_file()
        with pytest.raises(Exception, match="no sample 3: the bundle holds 3"):
            sample_roots(b, 3)
    # The use case `top --bundle` will call: the same roots, errors naming the bundle.
    from workbench.services.bundle_open import replay

    with replay(out) as samples:
        assert samples.count == 3 and samples.interval == 0.5
        last = samples.roots(2)
        assert (last.cgroup_root / container / "cpu.stat").read_text().split()[1] == "2000"
        with pytest.raises(Exception, match=f"{out}: no sample 5"):
            samples.roots(5)
        where = last.cgroup_root
    assert not where.exists()


def test_capture_refuses_bad_options_with_one_line(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "x.tar.gz"
    for args, needle in (
        (("--demo", "--samples", "0"), "--samples 0"),
        (("--demo", "--interval", "-1"), "--interval -1"),
        (("--demo", "--cgroup-root", tmp_path / "missing"), "not a directory"),
        (("--kubelet-config", tmp_path / "none.yaml"), "none.yaml"),
    ):
        code, _, err = run("capture", out, *args)
        assert code == 2 and needle in err and err.count("\n") == 1
    assert not out.exists()


def test_bundle_with_other_node_options_is_refused(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "d.tar.gz"
    assert run("capture", out, "--demo", "--samples", "1")[0] == 0
    code, _, err = run("topology", "--bundle", out, "--demo")
    assert code == 2 and "--demo cannot be given with it" in err


def test_a_bundle_opens_lazily(tmp_path: Path) -> None:
    """Reading the machine stops before the samples: a damaged sample does not stop
    `topology`, and the replay of that sample is refused."""
    from workbench.services.source import NodeSource, load_topology

    cg = tmp_path / "cg"
    make_cgroup_tree(cg, pods=1)
    good = tmp_path / "good.tar.gz"
    from workbench.services import bundle_capture as bc

    bc.capture(bc.CaptureRequest(good, NodeSource(demo=True), cgroup_root=cg, samples=2, interval=0))
    members = _members(good)
    members["samples/1/cgroup.json"] = b'{"cpu.stat": "tampered"}'
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(raw.getvalue())
    assert load_topology(NodeSource(bundle=bad)).name == "intel-2s-snc"
    with Bundle(bad) as b:
        sample_roots(b, 0)
        with pytest.raises(Exception, match="samples/1/cgroup.json: sha256 or size differs"):
            sample_roots(b, 1)
    assert not os.path.exists(b.root)
