"""A local server that speaks the Hugging Face hub's file protocol, for download tests.

``huggingface_hub.hf_hub_download(repo_id, filename, endpoint=...)`` asks
``HEAD <endpoint>/<repo_id>/resolve/<revision>/<filename>`` for the file's metadata (headers
``X-Repo-Commit``, ``ETag`` / ``X-Linked-Etag``: the SHA-256 of an LFS file, ``X-Linked-Size``),
then ``GET`` for its bytes, with ``Range: bytes=N-`` when it resumes a transfer that broke
off. This server answers both for the files it is given, as an LFS file, and can misbehave:

- ``drop_after``: the first GET stops after that many bytes and closes the connection (the
  client must resume with a Range request);
- ``corrupt``: the bytes served differ from the ones the etag was computed from.

What it saw is kept in `HubServer.requests` as ``(method, path, range header or None)``.
Binds to 127.0.0.1 on a free port; runs in a daemon thread; stops on exit of the context.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

COMMIT = "0123456789abcdef0123456789abcdef01234567"
CHUNK = 1 << 16


@dataclass
class HubServer:
    """Serves ``files`` (``{"owner/repo/name.gguf": Path}``) the way the hub does."""

    files: dict[str, Path]
    drop_after: int | None = None
    corrupt: bool = False
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _digests: dict[str, str] = field(default_factory=dict)
    _dropped: bool = False

    @property
    def endpoint(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> HubServer:
        for name, path in self.files.items():
            self._digests[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_HEAD(self) -> None:
                hub._answer(self, body=False)

            def do_GET(self) -> None:
                hub._answer(self, body=True)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _file(self, path: str) -> str | None:
        """The name of the file a ``/<owner>/<repo>/resolve/<revision>/<file>`` path asks for."""
        parts = path.split("?")[0].strip("/").split("/")
        if len(parts) < 5 or parts[2] != "resolve":
            return None
        name = "/".join([*parts[:2], *parts[4:]])
        return name if name in self.files else None

    def _answer(self, handler: BaseHTTPRequestHandler, *, body: bool) -> None:
        asked = handler.headers.get("Range")
        self.requests.append((handler.command, handler.path, asked))
        name = self._file(handler.path)
        if name is None:
            handler.send_response(404)
            handler.send_header("X-Repo-Commit", COMMIT)
            handler.send_header("X-Error-Code", "EntryNotFound")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        data = self.files[name].read_bytes()
        if self.corrupt:
            # Same size, same GGUF magic: only the etag (SHA-256) can tell.
            data = data[:-4096] + bytes(byte ^ 0xFF for byte in data[-4096:])
        start = int(asked.split("=")[1].split("-")[0]) if asked else 0
        handler.send_response(206 if start else 200)
        handler.send_header("X-Repo-Commit", COMMIT)
        handler.send_header("ETag", f'"{self._digests[name]}"')
        handler.send_header("X-Linked-Etag", f'"{self._digests[name]}"')
        handler.send_header("X-Linked-Size", str(len(data)))
        handler.send_header("Accept-Ranges", "bytes")
        handler.send_header("Content-Length", str(len(data) - start))
        if start:
            handler.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        handler.end_headers()
        if body:
            self._send(handler, data[start:])

    def _send(self, handler: BaseHTTPRequestHandler, data: bytes) -> None:
        limit = None
        if self.drop_after is not None and not self._dropped:
            self._dropped = True
            limit = self.drop_after
        sent = 0
        try:
            while sent < len(data):
                piece = data[sent : sent + CHUNK]
                if limit is not None and sent + len(piece) > limit:
                    handler.wfile.write(piece[: limit - sent])
                    handler.wfile.flush()
                    handler.close_connection = True
                    handler.connection.close()
                    return
                handler.wfile.write(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            return
