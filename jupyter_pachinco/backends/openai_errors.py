"""Translating `openai` client failures into our error hierarchy, with actionable messages.

Pure functions: they build errors, they never raise or log. Every message passes through
`redact`, so a server that echoes the API key cannot leak it through us.
"""

from __future__ import annotations

import json
import random

import openai

from .errors import (
    AuthenticationFailed,
    ProtocolError,
    RateLimited,
    RequestRejected,
    ServerError,
    ServerFailed,
    ServerTimeout,
    ServerUnreachable,
)

_MAX_SERVER_TEXT = 300


#: Any run of a key this long is masked; its first and last characters from `_KEY_END` on.
_KEY_FRAGMENT = 6
_KEY_END = 4


def redact(text: str, secret: str | None) -> str:
    """`text` with `secret` masked, and every fragment of it that could identify it: any run
    of `_KEY_FRAGMENT` characters or more, and its first or last `_KEY_END` or more (servers
    echo keys cut short: ``sk-ab...wxyz``, ``****************wxyz``)."""
    if not secret or len(secret) < _KEY_END:
        return text
    size = len(secret)
    pieces = {secret[i:j] for i in range(size) for j in range(i + _KEY_FRAGMENT, size + 1)}
    pieces.update(secret[:end] for end in range(_KEY_END, size + 1))
    pieces.update(secret[-end:] for end in range(_KEY_END, size + 1))
    for piece in sorted(pieces, key=len, reverse=True):
        text = text.replace(piece, "[redacted]")
    return text


def is_retryable(status_code: int) -> bool:
    """Only rate limiting and server-side failures are worth repeating."""
    return status_code == 429 or status_code >= 500


def retry_delay(attempt: int, backoff: float, retry_after: str | None) -> float:
    """Seconds to wait before retry number `attempt` (0-based); honours a short Retry-After."""
    if retry_after is not None:
        try:
            return min(max(float(retry_after), 0.0), 30.0)
        except ValueError:
            pass  # an HTTP date: fall back to our own backoff
    return float(backoff * (2**attempt) * (1 + random.random() / 4))


def _server_text(exc: openai.APIError, secret: str | None) -> str:
    body = exc.body
    message = exc.message
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message", message) if isinstance(inner, dict) else str(inner)
    elif isinstance(body, str):
        message = body
    text = " ".join(str(message).split())[:_MAX_SERVER_TEXT]
    return redact(text, secret)


def translate_status(
    exc: openai.APIStatusError, base_url: str, key_env: str, secret: str | None
) -> ServerError:
    """The error for an HTTP error status, after retries (if any) were spent."""
    code = exc.status_code
    said = _server_text(exc, secret)
    where = f"The model server at {base_url}"
    if code in (401, 403):
        return AuthenticationFailed(
            f"{where} rejected the API key (HTTP {code}: {said}). Put a valid key in the "
            f"environment variable {key_env} (BackendSettings.api_key_env) and restart.",
            status_code=code,
        )
    if code == 429:
        return RateLimited(
            f"{where} is rate limiting us (HTTP 429: {said}). Wait a little and try again, "
            "or lower the number of candidates.",
            status_code=code,
        )
    if code >= 500:
        return ServerFailed(
            f"{where} failed (HTTP {code}: {said}). Check the server's own log.",
            status_code=code,
        )
    hint = (
        " Check that base_url ends in /v1 and that the model name is served." if code == 404 else ""
    )
    return RequestRejected(
        f"{where} refused the request (HTTP {code}: {said}).{hint}", status_code=code
    )


def translate_failure(
    exc: Exception, base_url: str, key_env: str, secret: str | None, streaming: bool
) -> ServerError:
    """The error for any failure of the client, before (`streaming` False) or mid-stream."""
    where = f"the model server at {base_url}"
    if isinstance(exc, openai.APIStatusError):
        return translate_status(exc, base_url, key_env, secret)
    if isinstance(exc, openai.APITimeoutError):
        moment = "in the middle of its answer" if streaming else "before answering"
        return ServerTimeout(
            f"No data from {where} {moment} within the read timeout "
            "(BackendSettings.read_timeout). The server may be overloaded or stuck."
        )
    if isinstance(exc, openai.APIConnectionError):
        if streaming:
            return ProtocolError(
                f"The connection to {where} dropped in the middle of the answer. "
                "Check the server's own log; it may have crashed or restarted."
            )
        return ServerUnreachable(
            f"Cannot connect to {where}. Check that the server is running and that "
            "BackendSettings.base_url (PACHINCO_BASE_URL) points at it."
        )
    if isinstance(exc, openai.APIError):
        return ServerFailed(f"{where.capitalize()} reported an error: {_server_text(exc, secret)}")
    if isinstance(exc, (json.JSONDecodeError, ValueError, TypeError, KeyError)):
        return ProtocolError(
            f"{where.capitalize()} sent a malformed stream (not OpenAI-compatible SSE data). "
            "Check that base_url points at an OpenAI-compatible endpoint."
        )
    return ServerError(f"Talking to {where} failed: {type(exc).__name__}.")
