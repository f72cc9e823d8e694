"""Earlier turns (intent, chosen code, explanation, time), stored in the notebook's metadata.

Turns live in ``notebook["metadata"]["pachinco"]["turns"]``: the history travels with the
``.ipynb`` file, so it survives a browser reload, a server restart and a copy of the file. The
pure functions work on nbformat notebook dicts; ``load_turns`` / ``save_turn`` are the thin
async shell around the Jupyter server's contents manager.

Every turn is kept, whether its answer was inserted or not: besides the four fields of
`Turn`, a stored turn may carry ``request_id`` (one entry per request: storing it again
replaces the entry, never adds a second), ``inserted`` (False for an answer not inserted, or
whose insertion was undone; entries written before this field existed were all inserted),
``outcome`` (``answered``, ``no code``, ``failed``, ``stopped``), ``inserted_code`` (what went
into the notebook) and ``undone``. Prompts learn only from turns whose answer is in the
notebook (`prompt_turns`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, TypedDict

from ..awaiting import maybe_await

METADATA_KEY = "pachinco"
MAX_STORED_TURNS = 200


class Turn(TypedDict):
    """One exchange: what the user asked and the code and explanation they kept."""

    intent: str
    code: str
    explanation: str
    time: str


#: The optional fields of a stored turn and the types they must have (others are dropped).
STORED_FIELDS: dict[str, type] = {
    "request_id": str,
    "inserted": bool,
    "outcome": str,
    "inserted_code": str,
    "undone": bool,
}


class PriorExample(TypedDict):
    """An earlier turn offered to the prompt as an intent/solution pair."""

    intent: str
    solution: str


def make_turn(intent: str, code: str, explanation: str = "", when: datetime | None = None) -> Turn:
    """A turn stamped with ``when`` (default: now) as ISO 8601 UTC text."""
    moment = (when or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return {
        "intent": intent,
        "code": code,
        "explanation": explanation,
        "time": moment.isoformat(timespec="seconds"),
    }


def read_turns(notebook: Mapping[str, Any]) -> list[Turn]:
    """The turns stored in a notebook dict, oldest first; malformed entries are left out."""
    metadata = notebook.get("metadata")
    ours = metadata.get(METADATA_KEY) if isinstance(metadata, Mapping) else None
    stored = ours.get("turns") if isinstance(ours, Mapping) else None
    if not isinstance(stored, list):
        return []
    return [turn for turn in (_as_turn(entry) for entry in stored) if turn is not None]


def append_turn(
    notebook: Mapping[str, Any], turn: Turn, *, max_turns: int = MAX_STORED_TURNS
) -> dict[str, Any]:
    """A copy of ``notebook`` with ``turn`` appended (keeping the newest ``max_turns``).

    The input is not modified; other metadata, ours included, is kept as it was.
    """
    metadata = notebook.get("metadata")
    metadata = dict(metadata) if isinstance(metadata, Mapping) else {}
    ours = metadata.get(METADATA_KEY)
    ours = dict(ours) if isinstance(ours, Mapping) else {}
    turns = with_turn(read_turns(notebook), turn)[-max_turns:]
    ours["turns"] = [dict(t) for t in turns]
    metadata[METADATA_KEY] = ours
    return {**notebook, "metadata": metadata}


def with_turn(turns: list[Turn], turn: Turn) -> list[Turn]:
    """``turns`` with ``turn``: in place of the entry with its ``request_id``, else appended."""
    request_id = turn.get("request_id")
    if isinstance(request_id, str) and request_id:
        for position, earlier in enumerate(turns):
            if earlier.get("request_id") == request_id:
                return [*turns[:position], turn, *turns[position + 1 :]]
    return [*turns, turn]


def is_inserted(turn: Turn) -> bool:
    """Whether the turn's answer is in the notebook (entries without ``inserted`` were)."""
    return turn.get("inserted", True) is not False


def prompt_turns(turns: list[Turn]) -> list[Turn]:
    """The turns a prompt learns from: those whose answer is in the notebook, with code."""
    return [turn for turn in turns if is_inserted(turn) and turn["code"].strip()]


def prior_examples(turns: list[Turn]) -> list[PriorExample]:
    """Turns as intent/solution pairs for a prompt, oldest first; turns without code are left
    out because they offer no solution to learn from."""
    return [{"intent": t["intent"], "solution": t["code"]} for t in turns if t["code"].strip()]


def _as_turn(entry: object) -> Turn | None:
    if not isinstance(entry, Mapping):
        return None
    intent, code = entry.get("intent"), entry.get("code")
    if not isinstance(intent, str) or not isinstance(code, str):
        return None
    explanation = entry.get("explanation")
    when = entry.get("time")
    turn: Turn = {
        "intent": intent,
        "code": code,
        "explanation": explanation if isinstance(explanation, str) else "",
        "time": when if isinstance(when, str) else "",
    }
    extra = {k: entry[k] for k, kind in STORED_FIELDS.items() if isinstance(entry.get(k), kind)}
    turn.update(extra)  # type: ignore[typeddict-item]
    return turn


async def load_turns(contents_manager: Any, path: str) -> list[Turn]:
    """The turns of the notebook at ``path``, read through a Jupyter contents manager."""
    model = await maybe_await(contents_manager.get(path, content=True, type="notebook"))
    return read_turns(model["content"])


async def save_turn(contents_manager: Any, path: str, turn: Turn) -> list[Turn]:
    """Append ``turn`` to the notebook file at ``path``; returns the stored turns.

    The notebook is re-read just before writing so that the latest saved cells are kept.
    """
    model = await maybe_await(contents_manager.get(path, content=True, type="notebook"))
    updated = append_turn(model["content"], turn)
    await maybe_await(
        contents_manager.save({"type": "notebook", "format": "json", "content": updated}, path)
    )
    return read_turns(updated)
