"""Downloading a GGUF file from the Hugging Face hub once, with progress, checked on arrival.

``huggingface_hub.hf_hub_download`` does the work: the hub's file protocol (``HEAD`` then
``GET <endpoint>/<repo>/resolve/<revision>/<file>``), the cache layout (``blobs/<etag>``
linked from ``snapshots/<commit>/<file>``), and resuming a transfer that breaks off (it asks
again with ``Range: bytes=<received>-``). Here we add:

- progress: its ``tqdm_class`` hook becomes `LoadingProgress` events (``download`` stage, the
  fraction received), at most one per percent;
- a check of what arrived: a file stored under the hub's SHA-256 (the etag of every LFS file)
  must hash to it, and a GGUF must start with ``GGUF``; a corrupt file is removed from the
  cache (so that the next try downloads it again) and refused with `ModelLoadError`;
- errors that say where we looked: the cache folder and the hub's address.

``HF_ENDPOINT`` and ``HF_HUB_CACHE`` are read at each call (``huggingface_hub`` reads them once,
when imported), so that a server started with them, and the tests, reach the hub they name.
Runs in a worker thread: it blocks.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import BackendError, ModelLoadError, ModelNotFound
from .protocol import LoadingProgress

Report = Callable[[LoadingProgress], None]
DEFAULT_ENDPOINT = "https://huggingface.co"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_HASH_CHUNK = 8 * 1024 * 1024


def hf_cache_dir() -> Path:
    """The Hugging Face hub cache, as ``huggingface_hub`` finds it now (``HF_HUB_CACHE``,
    ``HF_HOME``, else ``~/.cache/huggingface/hub``), read at call time."""
    explicit = os.environ.get("HF_HUB_CACHE", "").strip()
    if explicit:
        return Path(explicit).expanduser()
    home = os.environ.get("HF_HOME", "").strip()
    base = Path(home).expanduser() if home else Path.home() / ".cache" / "huggingface"
    return base / "hub"


def hub_endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT", "").strip() or DEFAULT_ENDPOINT).rstrip("/")


def download_hub_file(
    repo_id: str, filename: str, *, local_files_only: bool, report: Report
) -> Path:
    """The local copy of ``repo_id/filename``: from the cache, else downloaded (and checked).

    Raises `ModelNotFound` when it is neither cached nor downloadable, `ModelLoadError` when
    the download is corrupt (it is removed)."""
    from huggingface_hub import hf_hub_download, try_to_load_from_cache

    name = f"{repo_id}/{filename}"
    cache, endpoint = hf_cache_dir(), hub_endpoint()
    cached = try_to_load_from_cache(repo_id, filename, cache_dir=str(cache))
    if isinstance(cached, str) and Path(cached).is_file():
        return Path(cached)
    if local_files_only:
        raise ModelNotFound(
            f"{name} is not in the Hugging Face cache ({cache}) and downloads are off "
            "(BackendSettings.local_files_only)."
        )
    report(LoadingProgress("download", f"Downloading {name} (only the first time)", 0.0))
    try:
        local = hf_hub_download(
            repo_id,
            filename,
            cache_dir=str(cache),
            endpoint=endpoint,
            tqdm_class=progress_class(name, report),
        )
    except BackendError:
        raise
    except Exception as exc:  # huggingface_hub and httpx raise many kinds; all mean "not here"
        raise ModelNotFound(
            f"{name} is not in the Hugging Face cache ({cache}) and could not be downloaded "
            f"from {endpoint} ({_reason(exc)})."
        ) from exc
    path = Path(local)
    report(LoadingProgress("download", f"Checking {filename}", 1.0))
    check_download(path)
    report(LoadingProgress("download", f"Downloaded {name}", 1.0))
    return path


def check_download(path: Path) -> None:
    """`ModelLoadError` (and the file removed from the cache) unless the blob behind ``path``
    hashes to its etag, when that etag is a SHA-256, and holds a GGUF file."""
    blob = path.resolve()
    expected = blob.name
    problem = None
    if _SHA256.match(expected) and sha256_of(blob) != expected:
        problem = "its SHA-256 does not match the hub's"
    elif path.suffix.lower() == ".gguf" and _magic(blob) != b"GGUF":
        problem = "it does not start with 'GGUF'"
    if problem is None:
        return
    for part in (path, blob):
        part.unlink(missing_ok=True)
    raise ModelLoadError(
        f"The downloaded file {path.name} is corrupt ({problem}); it was removed from the "
        f"cache ({blob.parent}). Try again to download it afresh."
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _magic(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(4)


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__


def progress_class(name: str, report: Report) -> type[Any]:
    """A stand-in for ``tqdm`` that ``hf_hub_download`` drives: each new percent received
    becomes one `LoadingProgress` (never more than one per 0.2 s, except the last)."""

    class DownloadProgress:
        def __init__(self, *args: Any, total: int | None = None, initial: int = 0, **_: Any):
            self.total = total
            self.n = initial
            self._shown = -1
            self._shown_at = 0.0

        def __enter__(self) -> DownloadProgress:
            return self

        def __exit__(self, *exc: object) -> None:
            self.close()

        def update(self, count: float = 1) -> None:
            self.n += int(count)
            self._report(final=False)

        def close(self) -> None:
            self._report(final=True)

        def _report(self, *, final: bool) -> None:
            if not self.total:
                return
            percent = min(100, int(100 * self.n / self.total))
            now = time.monotonic()
            due = percent > self._shown and (now - self._shown_at >= 0.2 or percent == 100)
            if due or (final and percent != self._shown):
                self._shown, self._shown_at = percent, now
                mb = f"{self.n / 1e6:,.0f} of {self.total / 1e6:,.0f} MB"
                report(LoadingProgress("download", f"Downloading {name}: {mb}", percent / 100))

    return DownloadProgress
