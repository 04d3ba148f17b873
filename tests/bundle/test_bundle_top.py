"""`workbench top --bundle`: a capture's samples replayed through the usage sampler, with the
capture's own clock, as `top` computes usage on the node."""

from __future__ import annotations

import json

from bundle_helpers import BUNDLES, Run

VM = BUNDLES / "vm-real-kernel.tar.gz"


def test_the_real_kernel_capture_shows_the_throttled_worker(run: Run) -> None:
    code, out, err = run("top", "--bundle", VM, "--once")
    assert code == 0, err
    worker = next(line for line in out.splitlines() if line.split()[:2] == ["vm/real-kernel-pod", "worker"])
    # cpu.max 50000/100000 on a busy loop: about half a CPU used, every period throttled.
    used = float(worker.split()[4])
    assert worker.split()[6] == "100%"  # THR
    assert 0.3 < used <= 0.55 and "capped by CFS quota" in worker
    assert "usage over 1.0" in out  # the capture's samples were 1 s apart


def test_every_interval_is_one_report_and_json_works(run: Run) -> None:
    code, out, _ = run("top", "--bundle", VM)
    assert code == 0 and out.count("usage over ") == 2  # 3 samples, 2 intervals
    code, out, _ = run("top", "--bundle", VM, "--once", "-o", "json")
    assert code == 0 and json.loads(out)


def test_a_bundle_without_samples_to_compare_is_refused(run: Run, tmp_path: object) -> None:
    from pathlib import Path

    out = Path(str(tmp_path)) / "one.tar.gz"
    assert run("capture", out, "--demo", "--samples", "1")[0] == 0
    code, _, err = run("top", "--bundle", out, "--once")
    assert code == 2 and "usage needs two" in err and err.count("\n") == 1
