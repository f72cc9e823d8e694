"""What the magic prints: prompts, the effective settings, the history.

No secret is ever printed: server URLs lose their user, password and query, and of the API key
only whether its variable is set is shown.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ..backends import BackendError, BackendSettings, load_backend_class
from ..backends.protocol import ChatMessage
from ..backends.urls import public_url
from ..context import Turn


def prompt_as_json(prompt: str | Sequence[ChatMessage]) -> str | list[dict[str, str]]:
    """The prompt in the server's ``/pachinco/prompt`` shape: text, or a list of messages."""
    if isinstance(prompt, str):
        return prompt
    return [{"role": m.role, "content": m.content} for m in prompt]


def prompt_as_text(prompt: str | Sequence[ChatMessage]) -> str:
    """The prompt for people to read: completion text as is, messages under role headers."""
    if isinstance(prompt, str):
        return prompt
    return "\n\n".join(f"--- {m.role} ---\n{m.content}" for m in prompt)


def public_settings(
    settings: BackendSettings, config_files: Sequence[str]
) -> list[tuple[str, str]]:
    """The effective configuration as (name, value) rows: which model answers and how to reach
    it, then the rows its backend gives for itself (`Backend.settings_rows`), then the config
    files. Never the API key, only whether the variable that should hold it is set."""
    key_is_set = bool(os.environ.get(settings.api_key_env, "").strip())
    rows = [
        ("backend", settings.backend),
        ("model", settings.model),
        ("base_url", public_url(settings.base_url) or "(none)"),
        ("api_key_env", f"{settings.api_key_env} ({'set' if key_is_set else 'not set'})"),
    ]
    try:
        rows += load_backend_class(settings.backend).settings_rows(settings)
    except BackendError as exc:  # an unknown backend: say so, show the rest
        rows.append(("backend error", " ".join(str(exc).split())))
    rows.append(("config files", ", ".join(config_files) or "(none found)"))
    return rows


def render_rows(rows: Sequence[tuple[str, str]]) -> str:
    width = max((len(name) for name, _ in rows), default=0)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)


def render_history(turns: Sequence[Turn]) -> str:
    """Earlier turns as text, oldest first."""
    if not turns:
        return "No %%pachinco requests in this session yet."
    blocks = []
    for number, turn in enumerate(turns, start=1):
        code = turn["code"].strip() or "(no code)"
        blocks.append(f"[{number}] {turn['time']}\n>>> {turn['intent']}\n{code}")
    return "\n\n".join(blocks)
