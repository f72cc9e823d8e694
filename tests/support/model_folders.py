"""Fake model folders as Ollama, LM Studio and the Hugging Face cache lay them out, and a fake
Ollama API: the model picker's discovery is tested on these (the files hold a GGUF header and a
few bytes, enough to be found; nothing here is a loadable model unless a real GGUF is given)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FAKE_GGUF = b"GGUF" + b"\0" * 60
COMMIT = "89abcdef0123456789abcdef0123456789abcdef"


def ollama_folder(root: Path, name: str, tag: str, content: bytes = FAKE_GGUF) -> Path:
    """A pulled Ollama model under ``root`` (``~/.ollama/models``); the path of its blob."""
    digest = hashlib.sha256(f"{name}:{tag}".encode()).hexdigest()
    blob = root / "blobs" / f"sha256-{digest}"
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_bytes(content)
    namespace = ["library", name] if "/" not in name else name.split("/")
    manifest = root / "manifests" / "registry.ollama.ai" / Path(*namespace) / tag
    manifest.parent.mkdir(parents=True, exist_ok=True)
    layers = [
        {"mediaType": "application/vnd.ollama.image.template", "digest": "sha256:" + "1" * 64},
        {
            "mediaType": "application/vnd.ollama.image.model",
            "digest": f"sha256:{digest}",
            "size": len(content),
        },
    ]
    manifest.write_text(json.dumps({"schemaVersion": 2, "layers": layers}), encoding="utf-8")
    return blob


def lmstudio_file(root: Path, publisher: str, repo: str, name: str) -> Path:
    path = root / publisher / repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(FAKE_GGUF)
    return path


def hf_cache_repo(cache: Path, repo_id: str, files: dict[str, bytes]) -> Path:
    """A repository in the hub cache layout (blobs linked from a snapshot); the snapshot."""
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / COMMIT
    snapshot.mkdir(parents=True, exist_ok=True)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(COMMIT, encoding="utf-8")
    for position, (name, content) in enumerate(files.items()):
        blob = repo / "blobs" / f"{position:040x}"
        blob.parent.mkdir(exist_ok=True)
        blob.write_bytes(content)
        (snapshot / name).symlink_to(Path("..", "..", "blobs", blob.name))
    return snapshot


@contextmanager
def fake_ollama_api(models: list[dict[str, Any]]) -> Iterator[str]:
    """A server answering Ollama's ``GET /api/tags`` with ``models``; its address."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/api/tags":
                self.send_response(404)
                self.end_headers()
                return
            payload = json.dumps({"models": models}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
