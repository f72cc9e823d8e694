"""Finding, loading and sharing in-process models (one instance per model, device and dtype).

Runs in worker threads, never on the event loop; progress is reported through a callback.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .errors import ConfigurationError, ModelLoadError, ModelNotFound
from .protocol import LoadingProgress
from .transformers_prompts import HFVocabulary

Report = Callable[[LoadingProgress], None]

# Files a causal LM needs; skips other frameworks' weights in repositories that ship several.
_WANTED_FILES = ["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja", "*.tiktoken"]


def choose_device(requested: str, cuda_available: bool, mps_available: bool) -> str:
    """The device to run on: the requested one, else cuda, then mps, then cpu."""
    if requested == "cuda" and not cuda_available:
        raise ConfigurationError(
            "BackendSettings.device is 'cuda' but this torch build sees no CUDA device; "
            "set device to 'auto' or 'cpu'."
        )
    if requested == "mps" and not mps_available:
        raise ConfigurationError(
            "BackendSettings.device is 'mps' but no Apple GPU is available; "
            "set device to 'auto' or 'cpu'."
        )
    if requested != "auto":
        return requested
    if cuda_available:
        return "cuda"
    return "mps" if mps_available else "cpu"


def choose_dtype(requested: str, device: str, bfloat16_supported: bool) -> str:
    """The weights' dtype: the requested one, else the fastest safe one for the device."""
    if requested != "auto":
        return requested
    if device == "cuda":
        return "bfloat16" if bfloat16_supported else "float16"
    return "float16" if device == "mps" else "float32"


@dataclass
class LoadedModel:
    """A model ready to generate; `lock` serializes generations on it; ``name`` is the model
    setting it was loaded for."""

    model: Any
    tokenizer: Any
    device: str
    dtype: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    name: str = ""

    @cached_property
    def vocabulary(self) -> HFVocabulary:
        """The tokenizer as prompt encoding needs it (its control tokens found once)."""
        return HFVocabulary(self.tokenizer)


_shared: dict[tuple[str, str, str], LoadedModel] = {}
_key_locks: dict[tuple[str, str, str], threading.Lock] = {}
_registry_lock = threading.Lock()


def how_to_point_elsewhere(model: str) -> str:
    return (
        f"Point BackendSettings.model (or PACHINCO_MODEL) at a local folder that holds the "
        f"model, e.g. one saved with `save_pretrained` or downloaded with "
        f"`huggingface-cli download {model} --local-dir ./model`; or use a model server: "
        f"set BackendSettings.backend='openai' and BackendSettings.base_url "
        f"(PACHINCO_BASE_URL), e.g. http://127.0.0.1:8000/v1."
    )


def _looks_like_path(model: str) -> bool:
    return model.startswith(("/", "./", "../", "~")) or "\\" in model or model.count("/") > 1


def resolve_model_folder(model: str, local_files_only: bool, report: Report) -> Path:
    """A local folder holding `model`: the path itself, or a Hugging Face snapshot."""
    as_path = Path(model).expanduser()
    if as_path.is_dir():
        return as_path
    if _looks_like_path(model):
        raise ModelNotFound(
            f"There is no model folder at {model!r}. {how_to_point_elsewhere(model)}"
        )
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError

    report(LoadingProgress("download", f"Fetching {model} (only the first time)", None))
    try:
        folder = snapshot_download(
            model, local_files_only=local_files_only, allow_patterns=_WANTED_FILES
        )
    except (OSError, HfHubHTTPError, ValueError) as exc:
        raise ModelNotFound(
            f"The model {model!r} is not on this machine and could not be downloaded "
            f"(offline, or no such model). {how_to_point_elsewhere(model)}"
        ) from exc
    return Path(folder)


def _load(folder: Path, model: str, device: str, dtype: str, report: Report) -> LoadedModel:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if device == "cpu":
        torch.set_flush_denormal(True)  # denormals make CPU matmuls crawl
    try:
        report(LoadingProgress("load", f"Loading the tokenizer of {model}", 0.1))
        tokenizer = AutoTokenizer.from_pretrained(folder)
        report(LoadingProgress("load", f"Loading {model} onto {device} as {dtype}", 0.3))
        weights: Any = AutoModelForCausalLM.from_pretrained(folder, dtype=getattr(torch, dtype))
        weights.to(device)
        weights.eval()
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelLoadError(
            f"The model files of {model!r} in {folder} could not be loaded: {exc}"
        ) from exc
    report(LoadingProgress("ready", f"{model} is ready on {device}", 1.0))
    return LoadedModel(weights, tokenizer, device, dtype, name=model)


def shared_model(
    model: str, device: str, dtype: str, local_files_only: bool, report: Report
) -> LoadedModel:
    """The one shared instance for (model, device, dtype), loading it on first use."""
    key = (model, device, dtype)
    with _registry_lock:
        key_lock = _key_locks.setdefault(key, threading.Lock())
    with key_lock:
        if key not in _shared:
            folder = resolve_model_folder(model, local_files_only, report)
            _shared[key] = _load(folder, model, device, dtype, report)
        return _shared[key]


def forget_shared_models() -> None:
    """Drop every shared instance (they load again on next use)."""
    with _registry_lock:
        _shared.clear()
