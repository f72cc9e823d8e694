"""Request bodies of the HTTP API, read strictly: every problem becomes a `BadRequest` with the
status to answer (400, or 413 for bodies and notebooks that are too big) and a message that
names the field. Pure functions, no I/O; the handlers only pass bytes in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..context.turns import STORED_FIELDS
from ..options import (
    MAX_CANDIDATES,
    MAX_INTENT_CHARS,
    MAX_NEW_TOKENS,
    MAX_TEMPERATURE,
    AskOptions,
)
from ..prompting import LAYOUTS, style_names
from .json_input import UnreadableJSON, load_bounded

MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_CELLS = 2000
# A turn's code and explanation, as kept in the notebook's metadata.
MAX_TURN_CHARS = 100_000
MAX_REQUEST_ID_CHARS = 200
CELL_TYPES = ("code", "markdown", "raw")

GENERATE_FIELDS = frozenset(
    {
        "request_id",
        "intent",
        "notebook_path",
        "cells",
        "active_cell_index",
        "kernel_id",
        "options",
        "fix",
    }
)
OPTION_FIELDS = frozenset(
    {"n", "style", "layout", "include_outputs", "max_new_tokens", "temperature", "rank"}
)
FIX_FIELDS = frozenset({"code", "error"})


class BadRequest(Exception):
    """A request the API refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class FixRequest:
    """The ``fix`` of a generate request: a failing cell's code and its traceback text."""

    code: str
    error: str


@dataclass(frozen=True)
class GenerateBody:
    """A validated ``POST /pachinco/generate`` (or ``/pachinco/prompt``) body."""

    request_id: str
    intent: str
    notebook_path: str | None = None
    cells: list[dict[str, Any]] = field(default_factory=list)
    active_cell_index: int | None = None
    kernel_id: str | None = None
    options: AskOptions = field(default_factory=AskOptions)
    fix: FixRequest | None = None

    @property
    def ranking_wanted(self) -> bool:
        """Whether the candidates are trial-run and ranked (see `AskOptions.ranked`)."""
        return self.options.ranked(fixing=self.fix is not None)

    @property
    def context_cells(self) -> list[dict[str, Any]]:
        """The cells the prompt may use: up to and including the active cell."""
        return cells_up_to(self.cells, self.active_cell_index)


@dataclass(frozen=True)
class HistoryEntry:
    """A validated ``POST /pachinco/history`` body."""

    path: str
    intent: str
    code: str
    explanation: str
    #: The optional fields of a stored turn (`context.turns.STORED_FIELDS`) that were given.
    extra: dict[str, Any] = field(default_factory=dict)


def read_json_object(body: bytes) -> dict[str, Any]:
    """The JSON object in a request body (at most `MAX_BODY_BYTES`, read with the bounds of
    `json_input`: depth, digits, lone surrogates replaced)."""
    if len(body) > MAX_BODY_BYTES:
        limit = MAX_BODY_BYTES // (1024 * 1024)
        raise BadRequest(
            f"The request body is {len(body) / 1024 / 1024:.1f} MiB; at most {limit} MiB "
            "is accepted. Send fewer or shorter cells.",
            status=413,
        )
    try:
        parsed = load_bounded(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BadRequest("The request body is not UTF-8 text.") from exc
    except UnreadableJSON as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}.") from None
    if not isinstance(parsed, dict):
        raise BadRequest("The request body must be a JSON object.")
    return parsed


def read_generate_body(body: bytes) -> GenerateBody:
    """A generate request, or `BadRequest` saying what is wrong with it."""
    return generate_body_from(read_json_object(body))


def read_prepare_body(body: bytes) -> GenerateBody:
    """A ``/pachinco/prepare`` request: a generate body without the question (``intent``,
    ``request_id`` and ``fix`` are not needed: the notebook's context is what is prepared)."""
    data = read_json_object(body)
    if "fix" in data:
        raise BadRequest("`fix` is not prepared ahead; send the notebook's cells only.")
    data.setdefault("request_id", "prepare")
    data.setdefault("intent", "(prepare)")
    return generate_body_from(data)


def generate_body_from(data: dict[str, Any]) -> GenerateBody:
    """A generate request from its parsed JSON, or `BadRequest`."""
    _no_unknown_fields(data, GENERATE_FIELDS, "")
    fix = read_fix(data.get("fix"))
    cells, index = read_cells_and_active(data)
    return GenerateBody(
        request_id=_text(data, "request_id", 1, MAX_REQUEST_ID_CHARS),
        intent=_intent(data, fix_given=fix is not None),
        notebook_path=_optional_text(data, "notebook_path"),
        cells=cells,
        active_cell_index=index,
        kernel_id=_optional_text(data, "kernel_id"),
        options=read_options(data.get("options", {})),
        fix=fix,
    )


def read_cells_and_active(data: dict[str, Any]) -> tuple[list[dict[str, Any]], int | None]:
    """A body's ``cells`` (`read_cells`) and its ``active_cell_index`` (the index of one of
    them, or None), or `BadRequest`."""
    cells = read_cells(data.get("cells", []))
    index = _optional_int(data, "active_cell_index")
    if index is not None and not 0 <= index < len(cells):
        raise BadRequest(
            f"`active_cell_index` is {index} but there are {len(cells)} cells; "
            "give the index of one of them, or null."
        )
    return cells, index


def cells_up_to(cells: list[dict[str, Any]], active: int | None) -> list[dict[str, Any]]:
    """The cells a prompt may use: up to and including the active one (all without one)."""
    return cells if active is None else cells[: active + 1]


def read_fix(value: object) -> FixRequest | None:
    """The ``fix`` object: the failing cell's ``code`` and its ``error`` (traceback text)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadRequest("`fix` must be an object with `code` and `error`, or null.")
    _no_unknown_fields(value, FIX_FIELDS, "fix.")
    code = _text(value, "code", 1, MAX_BODY_BYTES, "fix.")
    if not code.strip():
        raise BadRequest("`fix.code` is empty: send the code of the cell that failed.")
    return FixRequest(code=code, error=_text(value, "error", 0, MAX_BODY_BYTES, "fix."))


def read_cells(value: object) -> list[dict[str, Any]]:
    """The ``cells`` list: at most `MAX_CELLS` cells with a known type and text source."""
    if not isinstance(value, list):
        raise BadRequest("`cells` must be a list of cells.")
    if len(value) > MAX_CELLS:
        raise BadRequest(
            f"The notebook has {len(value)} cells; at most {MAX_CELLS} are accepted. "
            "Send the cells above the active cell only.",
            status=413,
        )
    return [_cell(position, cell) for position, cell in enumerate(value)]


def _cell(position: int, cell: object) -> dict[str, Any]:
    where = f"`cells[{position}]`"
    if not isinstance(cell, dict):
        raise BadRequest(f"{where} must be an object with `cell_type` and `source`.")
    if cell.get("cell_type") not in CELL_TYPES:
        raise BadRequest(f"{where}.cell_type must be one of {', '.join(CELL_TYPES)}.")
    if not isinstance(cell.get("source"), str):
        raise BadRequest(f"{where}.source must be a string.")
    outputs = cell.get("outputs", [])
    if not isinstance(outputs, list):
        raise BadRequest(f"{where}.outputs must be a list of outputs.")
    return {"cell_type": cell["cell_type"], "source": cell["source"], "outputs": outputs}


def read_options(value: object) -> AskOptions:
    """The ``options`` object, each field checked against its range."""
    if not isinstance(value, dict):
        raise BadRequest("`options` must be an object.")
    _no_unknown_fields(value, OPTION_FIELDS, "options.")
    defaults = AskOptions()
    style = _optional_text(value, "style", "options.")
    if style is not None and style not in style_names():
        raise BadRequest(f"`options.style` must be one of {', '.join(style_names())}.")
    layout = _optional_text(value, "layout", "options.") or defaults.layout
    if layout not in LAYOUTS:
        raise BadRequest(f"`options.layout` must be one of {', '.join(LAYOUTS)}.")
    include_outputs = value.get("include_outputs", defaults.include_outputs)
    if not isinstance(include_outputs, bool):
        raise BadRequest("`options.include_outputs` must be true or false.")
    rank = value.get("rank")
    if rank is not None and not isinstance(rank, bool):
        raise BadRequest("`options.rank` must be true, false or null.")
    return AskOptions(
        n=_int_in(value, "n", 1, MAX_CANDIDATES, defaults.n),
        style=style,
        layout=layout,
        include_outputs=include_outputs,
        max_new_tokens=_int_in(value, "max_new_tokens", 1, MAX_NEW_TOKENS, defaults.max_new_tokens),
        temperature=_temperature(value, defaults.temperature),
        rank=rank,
    )


def read_cancel_body(body: bytes) -> str:
    """The request id to cancel."""
    data = read_json_object(body)
    _no_unknown_fields(data, frozenset({"request_id"}), "")
    return _text(data, "request_id", 1, MAX_REQUEST_ID_CHARS)


def read_history_body(body: bytes) -> HistoryEntry:
    """A turn to append to the notebook at ``path``."""
    data = read_json_object(body)
    _no_unknown_fields(data, frozenset({"path", "turn"}), "")
    turn = data.get("turn")
    if not isinstance(turn, dict):
        raise BadRequest("`turn` must be an object with `intent`, `code` and `explanation`.")
    _no_unknown_fields(turn, frozenset({"intent", "code", "explanation", *STORED_FIELDS}), "turn.")
    extra = {}
    for name, kind in STORED_FIELDS.items():
        if turn.get(name) is not None:
            if not isinstance(turn[name], kind):
                raise BadRequest(
                    f"`turn.{name}` must be a {'boolean' if kind is bool else 'string'}."
                )
            extra[name] = turn[name]
    explanation = _optional_text(turn, "explanation", "turn.") or ""
    code = _text(turn, "code", 0, MAX_BODY_BYTES, "turn.")
    for name, text in (("code", code), ("explanation", explanation)):
        if len(text) > MAX_TURN_CHARS:
            raise BadRequest(
                f"`turn.{name}` has {len(text)} characters; a turn kept in the notebook may"
                f" have at most {MAX_TURN_CHARS}.",
                status=413,
            )
    return HistoryEntry(
        path=notebook_path(data.get("path")),
        intent=_text(turn, "intent", 1, MAX_INTENT_CHARS, "turn."),
        code=code,
        explanation=explanation,
        extra=extra,
    )


def notebook_path(value: object) -> str:
    """A notebook path relative to the server's root, as the contents manager takes it."""
    if not isinstance(value, str) or not value.strip():
        raise BadRequest("`path` must be the notebook's path, e.g. analysis/sales.ipynb.")
    return value.strip().lstrip("/")


def _no_unknown_fields(data: Mapping[str, Any], known: frozenset[str], prefix: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        names = ", ".join(f"`{prefix}{name}`" for name in unknown)
        raise BadRequest(f"Unknown field(s) {names}; known: {', '.join(sorted(known))}.")


def _intent(data: Mapping[str, Any], *, fix_given: bool) -> str:
    if fix_given:  # the fix is the request; an intent is only a note beside it
        if data.get("intent") is None:
            return ""
        return _text(data, "intent", 0, MAX_INTENT_CHARS)
    intent = _text(data, "intent", 1, MAX_INTENT_CHARS)
    if not intent.strip():
        raise BadRequest("`intent` is empty: say what the code should do.")
    return intent


def _text(data: Mapping[str, Any], name: str, least: int, most: int, prefix: str = "") -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise BadRequest(f"`{prefix}{name}` is required and must be a string.")
    if not least <= len(value) <= most:
        raise BadRequest(f"`{prefix}{name}` must have {least} to {most} characters.")
    return value


def _optional_text(data: Mapping[str, Any], name: str, prefix: str = "") -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"`{prefix}{name}` must be a string or null.")
    return value or None


def _optional_int(data: Mapping[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"`{name}` must be an integer or null.")
    return value


def _int_in(data: Mapping[str, Any], name: str, least: int, most: int, default: int) -> int:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise BadRequest(f"`options.{name}` must be an integer from {least} to {most}.")
    return value


def _temperature(data: Mapping[str, Any], default: float | None) -> float | None:
    value = data.get("temperature", default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequest(
            f"`options.temperature` must be a number from 0 to {MAX_TEMPERATURE:g}, or null."
        )
    if not math.isfinite(value) or not 0 <= value <= MAX_TEMPERATURE:
        raise BadRequest(f"`options.temperature` must be a number from 0 to {MAX_TEMPERATURE:g}.")
    return float(value)
