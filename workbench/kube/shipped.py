"""The shipped Pod manifests (`workbench/data/pods/*.yaml`) already parsed, so reading one does
not import PyYAML (~25 ms of a 130 ms `workbench admit fixtures/pods/postgres.yaml --demo`).

`workbench/data/pods/manifests.json` holds, for each shipped manifest, its exact text and its
documents as `workbench.inputs.load_yaml_documents` reads them. A file is read from it only when
its name is a shipped manifest's and its text is that manifest's, character for character; any
other file (a user's, or an edited copy) is parsed as YAML as before. A test holds the twin to
the YAML files (same text, same documents, same types). Regenerate after editing a manifest:

    python3 -m workbench.kube.shipped
"""

from __future__ import annotations

import os

from workbench.inputs import load_json, read_text

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TWIN = os.path.join(PACKAGE, "data", "pods", "manifests.json")
SUFFIXES = (".yaml", ".yml")


def shipped_documents(path: object, text: str) -> list[Any] | None:
    """The documents of `text` when it is exactly the shipped manifest named like `path`
    (fresh objects on every call), else None: parse it."""
    name = os.path.basename(str(path))
    if not name.endswith(SUFFIXES) or not os.path.isfile(TWIN):
        return None
    twin = load_json(read_text(TWIN)[0], TWIN)
    entry = twin.get(name) if isinstance(twin, dict) else None
    if not isinstance(entry, dict) or entry.get("text") != text:
        return None
    docs = entry.get("documents")
    return docs if isinstance(docs, list) else None


def plain_json(doc: Any) -> bool:
    """`doc` survives a JSON round trip unchanged, types included (no dates, no int keys...)."""
    if doc is None or isinstance(doc, (str, bool, int)):
        return True
    if isinstance(doc, float):
        return doc == doc and doc not in (float("inf"), float("-inf"))
    if isinstance(doc, list):
        return all(plain_json(v) for v in doc)
    if isinstance(doc, dict):
        return all(isinstance(k, str) and plain_json(v) for k, v in doc.items())
    return False


def build_twin(folder: str) -> dict[str, Any]:
    """The twin of every manifest in `folder` whose documents are plain JSON."""
    from workbench.inputs import load_yaml_documents

    twin: dict[str, Any] = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if not name.endswith(SUFFIXES) or not os.path.isfile(path):
            continue
        text, label = read_text(path)
        docs = load_yaml_documents(text, label)
        if plain_json(docs):
            twin[name] = {"text": text, "documents": docs}
    return twin


def twin_json(folder: str) -> str:
    import json

    return json.dumps(build_twin(folder), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    with open(TWIN, "w", encoding="utf-8") as fh:
        fh.write(twin_json(os.path.dirname(TWIN)))
    print(f"wrote {TWIN}")
