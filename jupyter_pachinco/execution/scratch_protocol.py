"""The wire format between a scratch session and whoever drives it: length-prefixed JSON frames.

Standard library only, Python 3.9+ (it runs in the kernel's scratch too). A frame is a 4-byte
big-endian length and that many bytes of UTF-8 JSON holding one object. Each side refuses a
frame longer than its limit (`MAX_FRAME_BYTES` by default) or that is not a JSON object;
non-finite floats are sent as null, so every frame is strict JSON.

Requests (driver to scratch), answered in order, one reply each (``{"ok": true, ...}`` or
``{"ok": false, "error": "..."}``):

- ``{"op": "trial", "codes": [...], "wall_time_s", "cpu_time_s", "memory_bytes",
  "max_parallel"}`` → ``{"runs": [CandidateRun as a dict, with its "observation"]}``;
- ``{"op": "advance", "code", "wall_time_s", "render_png"}`` → ``{"observation",
  "timed_out"}``: the code runs in the scratch itself, which it changes;
- ``{"op": "variables"}`` → ``{"variables": [describe_variables entries]}``;
- ``{"op": "close"}`` → ``{}``, then the scratch exits.

The scratch's first frame, before any request, is ``{"hello": token, "pid": pid}``.
"""

from __future__ import annotations

import json
import math
import socket
import struct
from typing import Any

MAX_FRAME_BYTES = 32 * 1024 * 1024
HEADER = struct.Struct(">I")


class FrameError(Exception):
    """A frame that is too long, cut short, or not a JSON object."""


def encode_frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(finite(message), allow_nan=False, ensure_ascii=False).encode("utf-8")
    return HEADER.pack(len(body)) + body


def decode_body(body: bytes) -> dict[str, Any]:
    """The JSON object in a frame's body; `FrameError` for anything else."""
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FrameError(f"a frame that is not JSON ({exc})") from exc
    if not isinstance(message, dict):
        raise FrameError("a frame that is not a JSON object")
    return message


def frame_length(header: bytes, limit: int = MAX_FRAME_BYTES) -> int:
    (length,) = HEADER.unpack(header)
    if length > limit:
        raise FrameError(f"a frame of {length} bytes, over the limit of {limit}")
    return int(length)


def send_frame(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.sendall(encode_frame(message))


def receive_frame(sock: socket.socket, limit: int = MAX_FRAME_BYTES) -> dict[str, Any] | None:
    """The next frame's object, or None when the other side closed the connection."""
    header = _receive_exactly(sock, HEADER.size)
    if header is None:
        return None
    body = _receive_exactly(sock, frame_length(header, limit))
    if body is None:
        raise FrameError("the connection closed in the middle of a frame")
    return decode_body(body)


def _receive_exactly(sock: socket.socket, size: int) -> bytes | None:
    parts: list[bytes] = []
    left = size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            if parts:
                raise FrameError("the connection closed in the middle of a frame")
            return None
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None (strict JSON)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(key): finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value
