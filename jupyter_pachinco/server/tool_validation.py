"""Request bodies of the tool endpoints (``/pachinco/variables``, ``/context``, ``/trial``,
``/cells``), read strictly like every other body (see ``validation``): each problem becomes a
`BadRequest` whose message names the field and the limit. Pure functions, no I/O.

These endpoints are what the MCP tools call (``jupyter_pachinco.mcp``), so their limits are
the tools' limits: at most `MAX_TRIAL_CANDIDATES` candidates of `MAX_CODE_CHARS` characters,
`MAX_INSERT_CELLS` cells to insert, a prompt budget from `MIN_BUDGET` to `MAX_BUDGET` tokens,
and paths that stay inside the server's root (no ``..`` segment).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..options import MAX_CANDIDATES, MAX_INTENT_CHARS
from ..prompting import style_names
from .validation import BadRequest, read_cells, read_json_object

MAX_TRIAL_CANDIDATES = MAX_CANDIDATES
MAX_CODE_CHARS = 100_000
MAX_INSERT_CELLS = 50
MIN_BUDGET = 64
MAX_BUDGET = 32_768
MAX_ID_CHARS = 200
MAX_PATH_CHARS = 1_000
INSERT_CELL_TYPES = ("code", "markdown")


@dataclass(frozen=True)
class KernelTarget:
    """Which kernel a request means: by id, or the kernel of a notebook's session."""

    kernel_id: str | None
    notebook_path: str | None


@dataclass(frozen=True)
class ContextBody:
    """A validated ``POST /pachinco/context`` body: the cells come from the request or, when
    it has none, from the saved notebook at ``target.notebook_path``."""

    intent: str
    target: KernelTarget
    cells: list[dict[str, Any]] | None
    budget: int | None
    style: str | None
    include_outputs: bool


@dataclass(frozen=True)
class TrialBody:
    """A validated ``POST /pachinco/trial`` body."""

    target: KernelTarget
    candidates: list[str]


@dataclass(frozen=True)
class CellsBody:
    """A validated ``POST /pachinco/cells`` body: cells to insert at ``index`` (None: at the
    end) of the notebook at ``path``."""

    path: str
    cells: list[dict[str, str]]
    index: int | None
    intent: str


def root_path(value: object, name: str = "notebook_path") -> str:
    """A path relative to the server's root, as the contents manager takes it; `BadRequest`
    for one that would leave the root (a ``..`` segment) or is not a string."""
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"`{name}` must be a notebook's path, e.g. analysis/sales.ipynb.")
    if "\x00" in value:
        raise BadRequest(f"`{name}` must not contain NUL characters.")
    if len(value) > MAX_PATH_CHARS:
        raise BadRequest(f"`{name}` is {len(value)} characters long; at most {MAX_PATH_CHARS}.")
    path = value.strip().replace("\\", "/").lstrip("/")
    if any(part == ".." for part in path.split("/")) or path.startswith("~"):
        raise BadRequest(
            f"`{name}` {value!r} is outside the server's root: give a path relative to the "
            "folder the Jupyter server serves, without '..'.",
            status=403,
        )
    return path


def read_target(data: Mapping[str, Any], *, required: bool = True) -> KernelTarget:
    """``kernel_id`` and/or ``notebook_path`` (one of them when ``required``)."""
    kernel_id = _optional_str(data, "kernel_id", MAX_ID_CHARS)
    raw_path = data.get("notebook_path")
    path = None if raw_path is None else root_path(raw_path)
    if required and kernel_id is None and path is None:
        raise BadRequest(
            "Give `kernel_id` (a running kernel's id) or `notebook_path` (a notebook whose "
            "kernel is running)."
        )
    return KernelTarget(kernel_id, path)


def read_context_body(raw: bytes) -> ContextBody:
    data = read_json_object(raw)
    _known(
        data,
        {"intent", "kernel_id", "notebook_path", "cells", "budget", "style", "include_outputs"},
    )
    intent = _str(data, "intent", 1, MAX_INTENT_CHARS)
    if not intent.strip():
        raise BadRequest("`intent` is empty: say what the code should do.")
    target = read_target(data, required=False)
    cells = None if data.get("cells") is None else read_cells(data["cells"])
    if cells is None and target.notebook_path is None:
        raise BadRequest("Give `cells` or `notebook_path` (whose saved cells are then used).")
    budget = data.get("budget")
    if budget is not None and (
        isinstance(budget, bool)
        or not isinstance(budget, int)
        or not MIN_BUDGET <= budget <= MAX_BUDGET
    ):
        raise BadRequest(f"`budget` must be a number of tokens from {MIN_BUDGET} to {MAX_BUDGET}.")
    style = _optional_str(data, "style", 100)
    if style is not None and style not in style_names():
        raise BadRequest(f"`style` must be one of {', '.join(style_names())}.")
    include_outputs = data.get("include_outputs", False)
    if not isinstance(include_outputs, bool):
        raise BadRequest("`include_outputs` must be true or false.")
    return ContextBody(intent, target, cells, budget, style, include_outputs)


def read_trial_body(raw: bytes) -> TrialBody:
    data = read_json_object(raw)
    _known(data, {"kernel_id", "notebook_path", "candidates"})
    return TrialBody(read_target(data), read_candidates(data.get("candidates")))


def read_candidates(value: object) -> list[str]:
    """1 to `MAX_TRIAL_CANDIDATES` code strings, none longer than `MAX_CODE_CHARS`."""
    if not isinstance(value, list) or not value:
        raise BadRequest("`candidates` must be a list of 1 or more code strings.")
    if len(value) > MAX_TRIAL_CANDIDATES:
        raise BadRequest(
            f"`candidates` has {len(value)} entries; at most {MAX_TRIAL_CANDIDATES} are "
            "trial-run at once.",
            status=413,
        )
    for position, code in enumerate(value):
        read_code(code, f"candidates[{position}]")
    return list(value)


def read_code(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise BadRequest(f"`{name}` must be a string of Python code.")
    if len(value) > MAX_CODE_CHARS:
        raise BadRequest(
            f"`{name}` has {len(value):,} characters; at most {MAX_CODE_CHARS:,} are accepted.",
            status=413,
        )
    return value


def read_scratch_open_body(raw: bytes) -> KernelTarget:
    """A ``POST /pachinco/scratches`` body: the kernel to copy."""
    data = read_json_object(raw)
    _known(data, {"kernel_id", "notebook_path"})
    return read_target(data)


def read_scratch_id(value: object) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_CHARS:
        raise BadRequest("`scratch_id` must be the id an opened scratch session was given.")
    return value


def read_scratch_body(raw: bytes, *, with_code: bool) -> tuple[str, str]:
    """A ``POST /pachinco/scratches/run`` (``with_code``) or ``/close`` body:
    ``(scratch_id, code)``, the code empty for a close."""
    data = read_json_object(raw)
    _known(data, {"scratch_id", "code"} if with_code else {"scratch_id"})
    code = read_code(data.get("code"), "code") if with_code else ""
    return read_scratch_id(data.get("scratch_id")), code


def read_cells_body(raw: bytes) -> CellsBody:
    data = read_json_object(raw)
    _known(data, {"path", "cells", "index", "intent"})
    path = root_path(data.get("path"), "path")
    if not path.endswith(".ipynb"):
        raise BadRequest("`path` must name a notebook (a .ipynb file).")
    cells = data.get("cells")
    if not isinstance(cells, list) or not cells:
        raise BadRequest("`cells` must be a list of 1 or more cells to insert.")
    if len(cells) > MAX_INSERT_CELLS:
        raise BadRequest(
            f"`cells` has {len(cells)} entries; at most {MAX_INSERT_CELLS} are inserted at once.",
            status=413,
        )
    index = data.get("index")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int) or index < 0):
        raise BadRequest("`index` must be a cell position (0 or more), or null for the end.")
    intent = data.get("intent") or ""
    if not isinstance(intent, str) or len(intent) > MAX_INTENT_CHARS:
        raise BadRequest(f"`intent` must be a string of at most {MAX_INTENT_CHARS} characters.")
    return CellsBody(path, [_insert_cell(i, c) for i, c in enumerate(cells)], index, intent)


def _insert_cell(position: int, cell: object) -> dict[str, str]:
    where = f"cells[{position}]"
    if not isinstance(cell, dict) or set(cell) - {"cell_type", "source"}:
        raise BadRequest(f"`{where}` must be an object with `cell_type` and `source` only.")
    if cell.get("cell_type") not in INSERT_CELL_TYPES:
        raise BadRequest(f"`{where}.cell_type` must be one of {', '.join(INSERT_CELL_TYPES)}.")
    return {"cell_type": cell["cell_type"], "source": read_code(cell.get("source"), where)}


def _known(data: Mapping[str, Any], known: set[str]) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        names = ", ".join(f"`{name}`" for name in unknown)
        raise BadRequest(f"Unknown field(s) {names}; known: {', '.join(sorted(known))}.")


def _str(data: Mapping[str, Any], name: str, least: int, most: int) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not least <= len(value) <= most:
        raise BadRequest(f"`{name}` is required: a string of {least} to {most} characters.")
    return value


def _optional_str(data: Mapping[str, Any], name: str, most: int) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > most:
        raise BadRequest(f"`{name}` must be a string of at most {most} characters, or null.")
    return value
