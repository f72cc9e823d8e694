"""What the magic reads from the kernel, as pure functions: cells, errors, settings, prompts.

The magic's shell (`magic.py`) gathers raw values from IPython; these functions turn them into
the cells, intents and texts that the assistant and the user see, without touching IPython.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .backends.protocol import ChatMessage
from .context import Turn

# Our own invocations are not notebook content: earlier requests reach the prompt as turns.
_OWN_CELL = re.compile(r"^\s*(%%pachinco\b|%pachinco\b|%load_ext\s+jupyter_pachinco\b)")
MAX_TRACEBACK_CHARS = 4000
MAX_FAILING_CODE_CHARS = 4000


def preceding_cells(history: Sequence[str]) -> list[dict[str, Any]]:
    """The code cells run so far, from IPython's raw input history (entry 0 is IPython's
    placeholder), without our own calls: the running ``%%pachinco`` cell is one of them."""
    cells = []
    for source in history[1:]:
        if not source.strip() or _OWN_CELL.match(source):
            continue
        cells.append({"cell_type": "code", "source": source, "outputs": []})
    return cells


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


def user_frames(
    tb: TracebackType | None, is_cell: Any
) -> tuple[list[traceback.FrameSummary], str | None]:
    """The frames of a traceback from the first notebook cell on, and that cell's file name.

    ``is_cell(filename)`` says whether a file name is one of the kernel's cells; frames before
    the first cell (IPython's own machinery) are left out.
    """
    frames = traceback.extract_tb(tb)
    for position, frame in enumerate(frames):
        if is_cell(frame.filename):
            return frames[position:], frame.filename
    return frames, None


def error_report(error: BaseException, frames: Iterable[traceback.FrameSummary]) -> str:
    """A traceback as Python prints it, but only through the frames given."""
    lines = ["Traceback (most recent call last):\n"]
    lines += traceback.format_list(list(frames))
    lines += traceback.format_exception_only(type(error), error)
    text = "".join(lines).rstrip()
    if len(text) > MAX_TRACEBACK_CHARS:
        text = "[... start of the traceback left out ...]\n" + text[-MAX_TRACEBACK_CHARS:]
    return text


def fix_intent(report: str, failing_code: str | None, note: str = "") -> str:
    """The request that asks for a repair of ``failing_code``, which raised ``report``."""
    parts = ["Fix the code that failed, so that it runs and does what it was meant to do."]
    if note:
        parts.append(note)
    if failing_code and failing_code.strip():
        code = failing_code.strip()
        if len(code) > MAX_FAILING_CODE_CHARS:
            code = code[:MAX_FAILING_CODE_CHARS] + "\n# [... rest of the cell left out ...]"
        parts.append(f"The failing code:\n```python\n{code}\n```")
    parts.append(f"The error:\n```\n{report}\n```")
    return "\n\n".join(parts)


def fix_summary(error: BaseException, note: str = "") -> str:
    """A fix's one-line intent for the history, e.g. ``fix IndexError: list index out of range``
    (at most 200 characters of the error; the user's note after it)."""
    message = " ".join(traceback.format_exception_only(type(error), error)[-1].split())
    if len(message) > 200:
        message = message[:199] + "\u2026"
    return f"fix {message}" + (f" ({note})" if note else "")


def public_url(url: str) -> str:
    """A URL without user name, password, query or fragment: those may carry secrets."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def public_settings(
    settings: Mapping[str, Any], key_is_set: bool, config_files: Sequence[str]
) -> list[tuple[str, str]]:
    """The effective configuration as (name, value) rows: never the API key, only whether the
    variable that should hold it is set."""
    rows = [
        ("backend", str(settings.get("backend", ""))),
        ("model", str(settings.get("model", ""))),
        ("base_url", public_url(str(settings.get("base_url", ""))) or "(none)"),
        (
            "api_key_env",
            f"{settings.get('api_key_env', '')} ({'set' if key_is_set else 'not set'})",
        ),
    ]
    for name in ("device", "dtype", "connect_timeout", "read_timeout", "max_retries"):
        if name in settings:
            rows.append((name, str(settings[name])))
    if settings.get("backend") == "llamacpp":  # the GGUF file's context and threads
        rows.extend(
            (name, str(settings[name])) for name in ("n_ctx", "n_threads") if name in settings
        )
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
