"""A bundle is untrusted input: corrupted, truncated or hostile archives are refused with one
line and exit 2, and nothing is ever written outside the reader's private temporary directory
(mode 0700, removed afterwards)."""

from __future__ import annotations

import gzip
import json
import os
import stat
import tarfile
from pathlib import Path

import pytest
from archives import entry, put_together, regular, special, take_apart
from bundle_helpers import Run, unpack_sysfs

from workbench.bundle.layout import Limits
from workbench.bundle.reader import Bundle
from workbench.errors import InputError


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real bundle: a machine read from sysfs (many members) and the demo kubelet."""
    from workbench.services import bundle_capture as bc
    from workbench.services.source import NodeSource

    base = tmp_path_factory.mktemp("good")
    root = unpack_sysfs("32intel64-2p8co2t+8ve", base)
    out = base / "good.tar.gz"
    bc.capture(bc.CaptureRequest(out, NodeSource(sysfs_root=root), samples=1, interval=0))
    return out


def _refused(run: Run, bundle: Path, private_tmp: Path, needle: str, command: str = "topology") -> str:
    code, out, err = run(command, "--bundle", bundle)
    assert code == 2, err
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert str(bundle) in err and needle in err, err
    assert list(private_tmp.iterdir()) == []  # the private directory is gone
    return err


def _with_member(good: Path, tmp_path: Path, hostile: tuple[tarfile.TarInfo, bytes], at: int = 0) -> Path:
    """`good` with its member number `at` replaced by `hostile` in the archive (the manifest
    still lists the original member there)."""
    manifest, members = take_apart(good)
    members[at] = hostile
    return put_together(tmp_path / "hostile.tar.gz", manifest, members, fix_manifest=False)


@pytest.mark.parametrize(
    ("member", "needle"),
    [
        (regular("/tmp/escape-absolute", b"x"), "has an absolute path"),
        (regular("machine/../../escape-dotdot", b"x"), "has a '..', '.' or empty path component"),
        (special("machine/kubelet-view.yaml", tarfile.SYMTYPE, "/etc/passwd"), "is a symlink"),
        (special("machine/kubelet-view.yaml", tarfile.LNKTYPE, "manifest.json"), "is a hard link"),
        (special("machine/kubelet-view.yaml", tarfile.CHRTYPE), "is a character device"),
        (special("machine/kubelet-view.yaml", tarfile.BLKTYPE), "is a block device"),
        (special("machine/kubelet-view.yaml", tarfile.FIFOTYPE), "is a FIFO"),
        (special("machine", tarfile.DIRTYPE), "is a directory"),
    ],
    ids=["absolute", "dotdot", "symlink", "hardlink", "chardev", "blockdev", "fifo", "directory"],
)
def test_hostile_members_are_refused(
    run: Run,
    good: Path,
    tmp_path: Path,
    private_tmp: Path,
    member: tuple[tarfile.TarInfo, bytes],
    needle: str,
) -> None:
    bundle = _with_member(good, tmp_path, member)
    _refused(run, bundle, private_tmp, needle)
    assert not Path("/tmp/escape-absolute").exists()
    assert not (tmp_path.parent / "escape-dotdot").exists() and not (tmp_path / "escape-dotdot").exists()


def test_a_member_too_big_is_refused_from_its_header(
    run: Run, good: Path, tmp_path: Path, private_tmp: Path
) -> None:
    manifest, _ = take_apart(good)
    doc = json.dumps(manifest).encode()
    first = regular("manifest.json", doc)[0]
    huge = tarfile.TarInfo("machine/kubelet-view.yaml")
    huge.size = 100 * 1024 * 1024  # declared only: the reader must refuse before reading it
    body = first.tobuf() + doc + b"\0" * (-len(doc) % 512) + huge.tobuf()
    bundle = tmp_path / "big.tar.gz"
    bundle.write_bytes(gzip.compress(body))
    _refused(run, bundle, private_tmp, "is 104857600 bytes (at most 67108864)")


def test_a_decompression_bomb_stops_at_the_cap(good: Path, tmp_path: Path, private_tmp: Path) -> None:
    manifest, members = take_apart(good)
    zeros = b"\0" * (4 << 20)
    members[0] = regular("machine/kubelet-view.yaml", zeros)
    bundle = put_together(tmp_path / "bomb.tar.gz", manifest, members)
    assert bundle.stat().st_size < 64 * 1024  # 4 MiB of zeros compress to a few KiB
    limits = Limits(total_bytes=1 << 20)
    with pytest.raises(InputError, match="more than 1048576 bytes once decompressed"):
        with Bundle(bundle, limits=limits) as b:
            b.extract(("machine/",))
    assert list(private_tmp.iterdir()) == []


def test_too_many_members_are_refused(good: Path, tmp_path: Path, private_tmp: Path) -> None:
    with pytest.raises(InputError, match="is more than a bundle may hold"):
        Bundle(good, limits=Limits(members=10))
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_a_truncated_bundle_is_refused(
    run: Run, good: Path, tmp_path: Path, private_tmp: Path, keep: float
) -> None:
    data = good.read_bytes()
    bundle = tmp_path / "cut.tar.gz"
    bundle.write_bytes(data[: int(len(data) * keep)])
    err = _refused(run, bundle, private_tmp, "")
    assert any(w in err for w in ("truncated", "not a readable", "corrupted")), err


@pytest.mark.parametrize("where", [0.3, 0.6, 0.95])
def test_a_corrupted_bundle_is_refused(
    run: Run, good: Path, tmp_path: Path, private_tmp: Path, where: float
) -> None:
    data = bytearray(good.read_bytes())
    i = int(len(data) * where)
    data[i : i + 8] = bytes(b ^ 0x5A for b in data[i : i + 8])
    bundle = tmp_path / "bad.tar.gz"
    bundle.write_bytes(bytes(data))
    _refused(run, bundle, private_tmp, "")


def test_an_altered_member_fails_its_sha256(run: Run, good: Path, tmp_path: Path, private_tmp: Path) -> None:
    manifest, members = take_apart(good)
    i = next(n for n, (info, _) in enumerate(members) if info.name.endswith("/cpu/online"))
    members[i] = regular(members[i][0].name, b"0-3\n")  # a machine with fewer CPUs
    bundle = put_together(tmp_path / "altered.tar.gz", manifest, members, fix_manifest=False)
    _refused(run, bundle, private_tmp, "sha256 or size differs from the manifest")


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ("unlisted", "where the manifest lists"),
        ("swapped", "where the manifest lists"),
        ("manifest-dotdot", "refused: a '..'"),
        (
            "newer",
            "bundle format 2.0 is newer than this workbench reads (1.x) (open it with a newer workbench)",
        ),
        ("older", "bundle format 0.3 is older than this workbench reads (1.x)"),
        ("not-a-bundle", "not a workbench capture bundle"),
        ("listing-dotdot", "escape-listing' has a '/' in a name"),
    ],
)
def test_bad_manifests_and_orders_are_refused(
    run: Run, good: Path, tmp_path: Path, private_tmp: Path, change: str, needle: str
) -> None:
    manifest, members = take_apart(good)
    edit = None
    if change == "unlisted":
        members.insert(1, regular("machine/extra", b"x"))
        bundle = put_together(tmp_path / "b.tar.gz", manifest, members, fix_manifest=False)
    elif change == "swapped":
        members[0], members[1] = members[1], members[0]
        bundle = put_together(tmp_path / "b.tar.gz", manifest, members, fix_manifest=False)
    else:
        if change == "manifest-dotdot":
            members.append(regular("samples/../../x", b"x"))
        if change == "listing-dotdot":
            i = next(n for n, (info, _) in enumerate(members) if info.name == "machine/sysfs-listing.json")
            members[i] = regular(members[i][0].name, b'{"sys": [["../../escape-listing", false]]}')

        def edit(doc: dict[str, object]) -> None:
            if change == "newer":
                doc["version"] = [2, 0]
            elif change == "older":
                doc["version"] = [0, 3]
            elif change == "not-a-bundle":
                doc["format"] = "something-else"
            elif change == "manifest-dotdot":
                files = doc["files"]
                assert isinstance(files, list)
                files[-1] = entry("samples/../../x", b"x")

        bundle = put_together(tmp_path / "b.tar.gz", manifest, members, edit=edit)
    _refused(run, bundle, private_tmp, needle)
    assert not (tmp_path.parent / "escape-listing").exists()


def test_not_gzip_or_not_tar_is_refused(run: Run, tmp_path: Path, private_tmp: Path) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(os.urandom(4096))
    _refused(run, junk, private_tmp, "not a readable .tar.gz")
    text = tmp_path / "text.tar.gz"
    text.write_bytes(gzip.compress(b"hello\n" * 100))
    _refused(run, text, private_tmp, "")
    _refused(run, tmp_path / "missing.tar.gz", private_tmp, "no such bundle file")


def test_a_newer_minor_version_still_opens(run: Run, good: Path, tmp_path: Path) -> None:
    """Minor versions only add members or keys, which this reader ignores."""
    manifest, members = take_apart(good)
    members.append(regular("future/extra.json", b"{}"))

    def edit(doc: dict[str, object]) -> None:
        doc["version"] = [1, 7]
        doc["future_key"] = {"anything": True}

    bundle = put_together(tmp_path / "minor.tar.gz", manifest, members, edit=edit)
    assert run("topology", "--bundle", bundle)[0] == 0


def test_the_private_directory_is_mode_0700_and_removed(good: Path, private_tmp: Path) -> None:
    with Bundle(good) as b:
        b.extract(("machine/",))
        assert b.root.parent == private_tmp
        assert stat.S_IMODE(b.root.stat().st_mode) == 0o700
        assert (b.root / "machine" / "kubelet-view.yaml").is_file()
    assert not b.root.exists()


def test_packed_members_cannot_make_more_files_than_a_bundle_may_hold(
    good: Path, tmp_path: Path, private_tmp: Path
) -> None:
    """A listing or a packed cgroup.json naming more files than `Limits.files` is refused (a
    packed member's files are made on disk: no inode exhaustion through them)."""
    manifest, members = take_apart(good)
    i = next(n for n, (info, _) in enumerate(members) if info.name == "machine/sysfs-listing.json")
    listing = json.dumps({"sys": [[f"f{k}", False] for k in range(50)]}).encode()
    members[i] = regular(members[i][0].name, listing)
    members.append(regular("cgroup.json", json.dumps({f"c{k}/cpu.max": "max" for k in range(50)}).encode()))
    bundle = put_together(tmp_path / "many.tar.gz", manifest, members)
    from workbench.bundle.replay import cgroup_root, sysfs_log

    limits = Limits(files=40)
    with Bundle(bundle, limits=limits) as b:
        with pytest.raises(InputError, match="refused: 50 entries"):
            sysfs_log(b)
        with pytest.raises(InputError, match="refused: 50 files"):
            cgroup_root(b)
        assert not (b.root / "cgroup").exists()
    assert list(private_tmp.iterdir()) == []
