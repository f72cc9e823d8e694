"""The base model of a run: a Hugging Face folder or id, or a ``.gguf`` file.

A GGUF file is loaded through transformers' GGUF support (``gguf_file=``), which dequantizes
its weights, and is saved ONCE as a Hugging Face folder in a cache keyed by the file's path,
size and modification time; later runs reuse the folder. The folder remembers the GGUF it
came from (``SOURCE_FILE``), so that ``train export`` can copy the original tokenizer metadata
(pre-tokenizer, token types, chat template) into the GGUF it writes.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .errors import TrainingError

#: Written into a folder made from a GGUF file: ``{"gguf": "/abs/path/model.gguf"}``.
SOURCE_FILE = "pachinco_gguf_source.json"


def default_cache_dir() -> Path:
    """``$PACHINCO_CACHE`` or ``$XDG_CACHE_HOME/jupyter_pachinco`` (``~/.cache/...``)."""
    if os.environ.get("PACHINCO_CACHE"):
        return Path(os.environ["PACHINCO_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "jupyter_pachinco"


def _cache_key(gguf_path: Path) -> str:
    stat = gguf_path.stat()
    identity = f"{gguf_path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def gguf_source(model_dir: Path) -> Path | None:
    """The GGUF file `model_dir` was dequantized from, when it was."""
    marker = model_dir / SOURCE_FILE
    if not marker.is_file():
        return None
    return Path(json.loads(marker.read_text(encoding="utf-8"))["gguf"])


def dequantize_gguf(gguf_path: Path, cache_dir: Path | None = None) -> Path:
    """The Hugging Face folder (float32) for `gguf_path`, built on first use.

    Raises `TrainingError` when the file is missing or transformers cannot load it.
    """
    if not gguf_path.is_file():
        raise TrainingError(f"--base {str(gguf_path)!r}: no such GGUF file")
    folder = (cache_dir or default_cache_dir()) / "gguf" / _cache_key(gguf_path)
    if (folder / SOURCE_FILE).is_file():
        return folder
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    parent, name = str(gguf_path.parent), gguf_path.name
    try:
        tokenizer = AutoTokenizer.from_pretrained(parent, gguf_file=name)
        model = AutoModelForCausalLM.from_pretrained(
            parent,
            gguf_file=name,
            dtype=torch.float32,
            quantization_config=GgufConfig(dequantize=True),  # dense weights, trainable
        )
    except (ValueError, OSError, KeyError) as exc:
        raise TrainingError(f"transformers cannot load {gguf_path}: {exc}") from exc
    partial = folder.with_name(folder.name + ".partial")
    partial.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(partial)
    model.save_pretrained(partial)
    (partial / SOURCE_FILE).write_text(json.dumps({"gguf": str(gguf_path.resolve())}))
    partial.replace(folder)
    return folder


def resolve_base(model: str, cache_dir: Path | None = None) -> str:
    """A name `from_pretrained` accepts: a GGUF file becomes its cached folder (see module)."""
    if model.endswith(".gguf"):
        return str(dequantize_gguf(Path(model), cache_dir))
    return model
