"""Models served over HTTP, for the model picker: a local Ollama and OpenAI-compatible servers.

- Ollama: ``GET <host>/api/tags`` (``$OLLAMA_HOST``, else ``http://127.0.0.1:11434``) lists the
  pulled models; each is chosen as an OpenAI-compatible model at ``<host>/v1``, which Ollama
  also serves.
- An OpenAI-compatible server: ``GET <base_url>/models``, with the API key read from the
  environment variable the server entry names (the key itself is never stored, logged or
  returned; an error never quotes it).

Every probe has a short timeout and never raises: a server that is down, slow or answers
nonsense gives no models and one note saying so.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from .choice import ChoiceError, ModelChoice
from .discovery import FoundModel, Scan

PROBE_TIMEOUT_S = 2.0
MAX_SERVED_MODELS = 200
DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434"


@dataclass(frozen=True)
class ServerEntry:
    """An OpenAI-compatible server the user configured: its URL and the NAME of the
    environment variable holding its key ("" for none)."""

    base_url: str
    api_key_env: str = ""
    name: str = ""

    @classmethod
    def from_json(cls, data: object) -> ServerEntry:
        """`ChoiceError` unless ``data`` is ``{"base_url", "api_key_env"?, "name"?}``."""
        if not isinstance(data, dict) or not isinstance(data.get("base_url"), str):
            raise ChoiceError("A server must be an object with `base_url` (and `api_key_env`).")
        extra = sorted(set(data) - {"base_url", "api_key_env", "name"})
        if extra:
            raise ChoiceError(f"Unknown server field(s): {', '.join(extra)}.")
        base_url = data["base_url"].strip().rstrip("/")
        key_env = data.get("api_key_env") or ""
        name = data.get("name") or ""
        if not isinstance(key_env, str) or not isinstance(name, str):
            raise ChoiceError("A server's `api_key_env` and `name` must be strings.")
        ModelChoice("openai", "probe", base_url=base_url, api_key_env=key_env.strip()).check()
        return cls(base_url, key_env.strip(), name.strip()[:200])


def ollama_host() -> str:
    """Ollama's address as its own clients read ``OLLAMA_HOST`` (``host:port`` or a URL)."""
    host = os.environ.get("OLLAMA_HOST", "").strip() or DEFAULT_OLLAMA_HOST
    if "://" not in host:
        host = f"http://{host}"
    return host.replace("://0.0.0.0", "://127.0.0.1").rstrip("/")


async def served_models(servers: Sequence[ServerEntry], *, ollama: str | None = None) -> Scan:
    """The models of a local Ollama and of each server, probed at once."""
    probes = [ollama_models(ollama or ollama_host())]
    probes += [openai_models(server) for server in servers]
    scan = Scan()
    for part in await asyncio.gather(*probes):
        scan.models += part.models
        scan.notes += part.notes
    return scan


async def ollama_models(host: str) -> Scan:
    """The models a running Ollama serves; no note when none runs (the usual case)."""
    try:
        data = await _get_json(f"{host}/api/tags", {})
    except httpx.ConnectError:
        return Scan()
    except (httpx.HTTPError, ValueError) as exc:
        return Scan(notes=[f"Ollama at {host} did not list its models ({_reason(exc)})."])
    listed = data.get("models") if isinstance(data, dict) else None
    found = []
    for entry in listed[:MAX_SERVED_MODELS] if isinstance(listed, list) else []:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            continue
        label = f"{name} (Ollama)"
        size = entry.get("size")
        found.append(
            FoundModel(
                id=f"ollama:{name}",
                label=label,
                source="ollama",
                choice=ModelChoice("openai", name, base_url=f"{host}/v1", label=label),
                size_bytes=size if isinstance(size, int) else None,
                note=_ollama_note(entry),
            )
        )
    return Scan(found)


def _ollama_note(entry: dict[str, Any]) -> str:
    details = entry.get("details")
    if not isinstance(details, dict):
        return ""
    parts = [details.get("parameter_size"), details.get("quantization_level")]
    return ", ".join(str(part) for part in parts if isinstance(part, str) and part)


async def openai_models(server: ServerEntry) -> Scan:
    """The models an OpenAI-compatible server lists at ``/models``."""
    where = server.name or server.base_url
    headers = {}
    key = os.environ.get(server.api_key_env, "").strip() if server.api_key_env else ""
    if key:
        headers["Authorization"] = f"Bearer {key}"
    try:
        data = await _get_json(f"{server.base_url}/models", headers)
    except (httpx.HTTPError, ValueError) as exc:
        return Scan(notes=[f"{where} did not list its models ({_reason(exc)})."])
    listed = data.get("data") if isinstance(data, dict) else None
    found = []
    for entry in listed[:MAX_SERVED_MODELS] if isinstance(listed, list) else []:
        name = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            continue
        label = f"{name} ({where})"
        choice = ModelChoice(
            "openai", name, base_url=server.base_url, api_key_env=server.api_key_env, label=label
        )
        found.append(FoundModel(f"server:{server.base_url}:{name}", label, "server", choice))
    if not found:
        return Scan(notes=[f"{where} answered, but listed no models."])
    return Scan(found)


async def _get_json(url: str, headers: dict[str, str]) -> Any:
    async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_S, follow_redirects=False) as client:
        response = await client.get(url, headers=headers)
        response.raise_for_status()
        return response.json()


def _reason(exc: Exception) -> str:
    """Why a probe failed, in a few words that never hold a header (and so never a key)."""
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        hint = ": check the API key's environment variable" if status in (401, 403) else ""
        return f"HTTP {status}{hint}"
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {PROBE_TIMEOUT_S:g} s"
    if isinstance(exc, httpx.ConnectError):
        return "not reachable"
    if isinstance(exc, ValueError):
        return "the answer was not JSON"
    return type(exc).__name__
