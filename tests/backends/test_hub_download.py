"""Downloading the default model from the hub, against a local server that speaks the hub's
file protocol (`tests/support/hub_server.py`) and serves SmolLM2's GGUF under the default
model's name: progress events, a broken-off transfer resumed, a corrupt file refused."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from jupyter_pachinco.backends import LoadingProgress
from jupyter_pachinco.backends.errors import ModelLoadError, ModelNotFound
from jupyter_pachinco.backends.hub_download import download_hub_file
from jupyter_pachinco.backends.llamacpp_backend import LlamaCppBackend
from jupyter_pachinco.backends.llamacpp_loading import forget_shared_ggufs
from jupyter_pachinco.backends.settings import DEFAULT_FILE, DEFAULT_MODEL, DEFAULT_REPO
from tests.support.hub_server import HubServer
from tests.support.smollm2 import smollm2_gguf

DEFAULT_NAME = f"{DEFAULT_REPO}/{DEFAULT_FILE}"


@pytest.fixture
def hub_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "hub-cache"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    return cache


@pytest.fixture
def smollm2_bytes() -> bytes:
    return smollm2_gguf().read_bytes()


def serve(monkeypatch: pytest.MonkeyPatch, **faults: object) -> HubServer:
    server = HubServer({DEFAULT_NAME: smollm2_gguf()}, **faults)  # type: ignore[arg-type]
    server.__enter__()
    monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
    return server


@pytest.fixture
def progress() -> list[LoadingProgress]:
    return []


def test_the_default_model_downloads_once_with_progress(
    hub_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    progress: list[LoadingProgress],
    smollm2_bytes: bytes,
) -> None:
    server = serve(monkeypatch)
    try:
        path = download_hub_file(
            DEFAULT_REPO, DEFAULT_FILE, local_files_only=False, report=progress.append
        )
        asked_first = len(server.requests)
        again = download_hub_file(
            DEFAULT_REPO, DEFAULT_FILE, local_files_only=False, report=progress.append
        )
    finally:
        server.__exit__()
    assert path.read_bytes() == smollm2_bytes
    assert hub_cache in path.parents
    assert again == path
    assert len(server.requests) == asked_first  # the cache answered
    fractions = [p.fraction for p in progress if p.message.startswith("Downloading")]
    assert len(fractions) >= 3
    assert fractions == sorted(fractions)  # type: ignore[type-var]
    assert fractions[-1] == 1.0
    assert any("MB" in p.message for p in progress)


def test_a_broken_off_download_resumes_where_it_stopped(
    hub_cache: Path, monkeypatch: pytest.MonkeyPatch, smollm2_bytes: bytes
) -> None:
    # huggingface_hub writes what it received in chunks of 10 MB: cut after two and a half.
    cut = 25 * 1024 * 1024
    server = serve(monkeypatch, drop_after=cut)
    try:
        path = download_hub_file(DEFAULT_REPO, DEFAULT_FILE, local_files_only=False, report=print)
    finally:
        server.__exit__()
    gets = [
        asked for method, path, asked in server.requests if method == "GET" and "/resolve/" in path
    ]
    assert gets[0] is None
    assert gets[1] is not None
    assert gets[1].startswith("bytes=")
    resumed_at = int(gets[1].removeprefix("bytes=").rstrip("-"))
    assert 0 < resumed_at <= cut  # resumed, not downloaded again from the start
    assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(smollm2_bytes).digest()


def test_a_corrupt_download_is_refused_and_removed(
    hub_cache: Path, monkeypatch: pytest.MonkeyPatch, smollm2_bytes: bytes
) -> None:
    server = serve(monkeypatch, corrupt=True)
    try:
        with pytest.raises(ModelLoadError, match=r"corrupt.*SHA-256 does not match"):
            download_hub_file(DEFAULT_REPO, DEFAULT_FILE, local_files_only=False, report=print)
    finally:
        server.__exit__()
    assert not [p for p in hub_cache.rglob("*") if p.is_file() and p.stat().st_size > 1024]
    server = serve(monkeypatch)  # the hub serves the right bytes again: the next try works
    try:
        path = download_hub_file(DEFAULT_REPO, DEFAULT_FILE, local_files_only=False, report=print)
    finally:
        server.__exit__()
    assert path.read_bytes() == smollm2_bytes


def test_an_unreachable_hub_says_where_it_looked(
    hub_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(ModelNotFound) as failure:
        download_hub_file(DEFAULT_REPO, DEFAULT_FILE, local_files_only=False, report=print)
    assert str(hub_cache) in str(failure.value)
    assert "http://127.0.0.1:9" in str(failure.value)


async def test_the_default_model_setting_downloads_and_loads(
    hub_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default setting names a hub file: the llama.cpp backend fetches it (here SmolLM2,
    served under the default's name) and loads it, with download and load events."""
    server = serve(monkeypatch)
    forget_shared_ggufs()
    try:
        backend = LlamaCppBackend(DEFAULT_MODEL)
        stages = [event.stage async for event in backend.prepare() if hasattr(event, "stage")]
    finally:
        server.__exit__()
        forget_shared_ggufs()
    assert stages[0] == "download"
    assert stages[-1] == "ready"
    assert "load" in stages
