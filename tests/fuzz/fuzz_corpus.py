"""The fuzz harness's seeds: one `InputKind` per kind of input the tool reads, with the files it
starts from and the commands that read it.

Every seed is a file of this repository (fixtures/, workbench/data/), so the harness makes its
own data. To fuzz a new input kind, add one `InputKind` to
`KINDS`: its seeds, where a mutated file goes in the work directory (`place`), and the argv
lists that read it (`commands`, each with `{input}`, `{kubelet}`, `{sandbox}`, `{journal}`,
`{topology}` filled in by the driver) or, for a reader with no command (themes, keymaps), a
`call` that reads the file in-process and returns nothing or raises InputError.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
PODS = REPO / "fixtures" / "pods"
KUBELET = REPO / "fixtures" / "kubelet"
TOPOLOGIES = REPO / "fixtures" / "topologies"
THEMES = REPO / "workbench" / "data" / "themes"
# The node every command runs against (it carries its own topology.yaml).
NODE = KUBELET / "intel-2s-snc-v4"
GOOD_POD = PODS / "postgres.yaml"

VALIDATE = ("validate", "{input}")
VALIDATE_JSON = ("validate", "-o", "json", "{input}")
ADMIT = ("admit", "{input}", "--kubelet-dir", "{kubelet}")
COMMIT = (
    "commit",
    "{input}",
    "--kubelet-dir",
    "{kubelet}",
    "--cgroup-root",
    "{sandbox}",
    "--journal",
    "{journal}",
)
APPLY = (*COMMIT, "--apply")
ADMIT_GOOD = ("admit", str(GOOD_POD), "--kubelet-dir", "{kubelet}")
COMMIT_GOOD = ("commit", str(GOOD_POD), "--kubelet-dir", "{kubelet}", "--cgroup-root", "{sandbox}",
               "--journal", "{journal}")  # fmt: skip
APPLY_GOOD = (*COMMIT_GOOD, "--apply")


@dataclass(frozen=True)
class Seed:
    name: str
    text: str
    # Extra argv for every command (e.g. --pod NAME for a file holding several pods).
    extra: tuple[str, ...] = ()
    # The file name's suffix when it differs from its kind's (a YAML keymap).
    suffix: str | None = None


@dataclass(frozen=True)
class InputKind:
    name: str
    seeds: Callable[[], tuple[Seed, ...]]
    # Where the mutated file goes: "input" (its own file) or a file name inside the kubelet dir.
    place: str = "input"
    suffix: str = ".yaml"
    commands: tuple[tuple[str, ...], ...] = ()
    # In-process reader for kinds no command reads: called with the file's path.
    call: Callable[[Path], None] | None = None
    # How the structural mutator writes a parsed seed back ("yaml" or "json"; "binary": the
    # seed is bytes held as latin-1 text, mutated as such and gzip-compressed again).
    syntax: str = "yaml"
    notes: tuple[str, ...] = field(default_factory=tuple)


def _read(paths: list[Path]) -> tuple[Seed, ...]:
    seen: set[Path] = set()
    out: list[Seed] = []
    for p in sorted(paths):
        real = p.resolve()
        if real in seen or not p.is_file():
            continue
        seen.add(real)
        text = p.read_text(encoding="utf-8")
        out.append(Seed(str(p.relative_to(REPO)), text, _pod_choice(text)))
    return tuple(out)


def _pod_choice(text: str) -> tuple[str, ...]:
    """`--pod NAME` for a seed holding several pods (so the commands get past the choice)."""
    try:
        docs = [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
    except yaml.YAMLError:
        return ()
    names = [d.get("metadata", {}).get("name") for d in docs if d.get("kind") not in (None, "Service")]
    names = [n for n in names if isinstance(n, str)]
    return ("--pod", names[0]) if len(names) > 1 else ()


@cache
def pod_seeds() -> tuple[Seed, ...]:
    return _read([*PODS.glob("*.yaml"), *(PODS / "invalid").glob("*.yaml")])


@cache
def stream_seeds() -> tuple[Seed, ...]:
    """Multi-document streams: every pair of pod seeds, one after the other."""
    pods = [s for s in pod_seeds() if "invalid" not in s.name]
    out = []
    for a, b in zip(pods, pods[1:] + pods[:1], strict=True):
        first = a.text if a.text.endswith("\n") else a.text + "\n"
        out.append(Seed(f"{a.name}+{b.name}", f"{first}---\n{b.text}", ("--pod", _first_name(a.text))))
    return tuple(out)


def _first_name(text: str) -> str:
    for doc in yaml.safe_load_all(text):
        if isinstance(doc, dict) and isinstance(doc.get("metadata"), dict):
            name = doc["metadata"].get("name")
            if isinstance(name, str):
                return name
    return "pod"


@cache
def config_seeds() -> tuple[Seed, ...]:
    return _read([*KUBELET.glob("*/config.yaml"), PODS / "invalid" / "kubelet-refuses.yaml"])


@cache
def checkpoint_seeds(name: str) -> tuple[Seed, ...]:
    return _read(list(KUBELET.glob(f"*/{name}")))


@cache
def topology_seeds() -> tuple[Seed, ...]:
    return _read([*TOPOLOGIES.glob("*.yaml"), *KUBELET.glob("*/topology.yaml")])


@cache
def theme_seeds() -> tuple[Seed, ...]:
    return _read(list(THEMES.glob("*.toml")))


BUNDLES = REPO / "fixtures" / "bundles"


@cache
def bundle_seeds() -> tuple[Seed, ...]:
    """Capture bundles, unpacked to their tar stream: the mutations reach the tar headers, the
    manifest and the members, and the driver compresses the result again."""
    out = []
    for p in sorted(BUNDLES.glob("*.tar.gz")):
        out.append(Seed(str(p.relative_to(REPO)), gzip.decompress(p.read_bytes()).decode("latin-1")))
    return tuple(out)


KEYMAP_IDS = ("app.quit", "node.zoom", "draft.open", "journal.rollback")


@cache
def keymap_seeds() -> tuple[Seed, ...]:
    toml = '[keymap]\n"node.zoom" = "z,Z"\n"app.quit" = "q"\n"draft.open" = "ctrl+o,f3"\n'
    data = {"keymap": {"node.zoom": "z", "journal.rollback": "ctrl+r"}}
    return (Seed("keymap.toml", toml), Seed("keymap.yaml", yaml.safe_dump(data), suffix=".yaml"))


def _load_theme(path: Path) -> None:
    from workbench.tui.viewmodel.themes import load_theme_file

    load_theme_file(path)


def _load_keymap(path: Path) -> None:
    from workbench.tui.viewmodel.keymap import load_keymap

    keymap, problems = load_keymap(KEYMAP_IDS, [path])
    assert isinstance(keymap, dict) and all(isinstance(p, str) for p in problems)


KINDS: dict[str, InputKind] = {
    k.name: k
    for k in (
        InputKind("pod", pod_seeds, commands=(VALIDATE, ADMIT, COMMIT, APPLY)),
        InputKind("stream", stream_seeds, commands=(VALIDATE_JSON, ADMIT, APPLY)),
        InputKind(
            "kubelet_config",
            config_seeds,
            place="config.yaml",
            commands=(("validate", "{input}", "--topology", "{topology}"), ADMIT_GOOD, APPLY_GOOD),
        ),
        InputKind(
            "cpu_state",
            lambda: checkpoint_seeds("cpu_manager_state"),
            place="cpu_manager_state",
            suffix="",
            syntax="json",
            commands=(ADMIT_GOOD, COMMIT_GOOD, ("node", "--kubelet-dir", "{kubelet}")),
        ),
        InputKind(
            "memory_state",
            lambda: checkpoint_seeds("memory_manager_state"),
            place="memory_manager_state",
            suffix="",
            syntax="json",
            commands=(ADMIT_GOOD, APPLY_GOOD),
        ),
        InputKind(
            "topology",
            topology_seeds,
            commands=(
                ("topology", "--topology", "{input}"),
                ("admit", str(GOOD_POD), "--topology", "{input}"),
                ("validate", str(NODE / "config.yaml"), "--topology", "{input}"),
            ),
        ),
        InputKind("theme", theme_seeds, suffix=".toml", call=_load_theme, syntax="toml"),
        InputKind("keymap", keymap_seeds, suffix=".toml", call=_load_keymap, syntax="toml"),
        InputKind(
            "bundle",
            bundle_seeds,
            suffix=".tar.gz",
            syntax="binary",
            commands=(
                ("node", "--bundle", "{input}"),
                ("admit", str(GOOD_POD), "--bundle", "{input}"),
                ("topology", "--bundle", "{input}", "-o", "json"),
            ),
        ),
    )
}
