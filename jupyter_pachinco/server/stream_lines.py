"""The lines of the generate stream (``application/x-ndjson``), as JSON-ready dicts.

Pure translation of the assistant's events into the fixed protocol the sidebar reads:
``context``, ``loading``, ``delta``, ``reasoning`` (a reasoning model's thinking, apart from
the answer), ``steps``, ``answer``, ``ranking_started``, ``ranking``,
``done`` and ``error``.
"""

from __future__ import annotations

from typing import Any

from ..assistant import Answer, AssistantEvent, Delta, Done, Loading, Reasoning, StepsUpdate
from ..backends import BackendError
from ..execution.ranking import NO_CODE, Ranking, holds_code, ranking_as_json
from ..prompting import insertion_cells
from .kernels.inspection import KernelSnapshot


def context_line(snapshot: KernelSnapshot, notice: str | None, cells_used: int) -> dict[str, Any]:
    """What the prompt knows: how many variables (and whether they are current) and cells."""
    return {
        "type": "context",
        "variables": len(snapshot.variables),
        "stale": snapshot.stale,
        "notice": notice,
        "cells_used": cells_used,
    }


def loading_line(event: Loading) -> dict[str, Any]:
    return {
        "type": "loading",
        "stage": event.stage,
        "message": event.message,
        "fraction": event.fraction,
    }


def event_line(event: AssistantEvent, layout: str) -> dict[str, Any]:
    """One assistant event as a stream line; answers carry their cells in ``layout``."""
    if isinstance(event, Loading):
        return loading_line(event)
    if isinstance(event, Delta):
        return {"type": "delta", "index": event.index, "text": event.text}
    if isinstance(event, Reasoning):
        return {"type": "reasoning", "index": event.index, "text": event.text}
    if isinstance(event, StepsUpdate):
        steps = [{"explanation": s.explanation, "code": s.code} for s in event.steps]
        return {"type": "steps", "index": event.index, "steps": steps}
    if isinstance(event, Answer):
        # An answer of prose or comments alone is never insertable: nothing in it runs.
        has_code = holds_code(event.candidate.code)
        cells = insertion_cells(event.candidate, layout) if has_code else []
        return {
            "type": "answer",
            "index": event.index,
            "finish_reason": event.finish_reason,
            "candidate": event.candidate.as_dict(),
            "has_code": has_code,
            "cells": [dict(cell) for cell in cells],
        }
    done: Done = event
    return {"type": "done", "finish_reasons": list(done.finish_reasons)}


def ranking_started_line(candidates: int) -> dict[str, Any]:
    """Trial runs have begun, so the sidebar can say that it is checking the answers."""
    return {"type": "ranking_started", "candidates": candidates}


def ranking_line(ranking: Ranking) -> dict[str, Any]:
    """The candidates best first, each with its status, votes and output preview."""
    described = ranking_as_json(ranking)
    candidates = [_ranked_candidate(found) for found in described["candidates"]]
    return {
        "type": "ranking",
        "notice": described["notice"],
        "summary": described["summary"],
        "intent": ranking.intent,
        "order": [candidate["index"] for candidate in candidates],
        "candidates": candidates,
    }


def _ranked_candidate(found: dict[str, Any]) -> dict[str, Any]:
    status = found["status"]
    error = found["error"]
    # The engine reports a run past its wall time as an error; the sidebar tells it apart.
    if status == "error" and isinstance(error, str) and error.startswith("timed out"):
        status = "timeout"
    if status == "error" and error == NO_CODE:
        status = "no_code"
    return {
        "index": found["index"],
        "status": status,
        "votes": found["votes"],
        "group": found["group"],
        "type": found["type_name"],
        "shape": found["shape"],
        "preview": found["preview"] or None,
        "stdout": found["stdout"] or None,
        "error": error,
        "side_effects": list(found["side_effects"]),
        "same_as": found["same_as"],
        "verdict": found["verdict"],
    }


def error_line(error: BaseException) -> dict[str, Any]:
    """A failure after the stream began; backend errors already say what to do about them."""
    if isinstance(error, BackendError):
        message = str(error) or "The model backend failed."
    else:
        message = (
            f"The assistant failed unexpectedly ({type(error).__name__}: {error}). "
            "Try again; if it keeps failing, the Jupyter server's log has the details."
        )
    return {"type": "error", "kind": type(error).__name__, "message": message}


def notices(*parts: str | None) -> str | None:
    """Several notices as one line of text, or None when there are none."""
    kept = [part for part in parts if part]
    return " ".join(kept) if kept else None
