"""Completion prompts: the text before and after the cursor, with the notebook around it.

The context is ARCADE's text form (`context.cells.format_cell`): the cells above, oldest
first, each under ``# In[ ]:``, with the DataFrame schemas as ARCADE schema cells placed as
ARCADE places them (`context.schema.place_schema_cells`): right after the cell that created
the frame, or at the top when that cell is not in the context; then the active cell's text up
to the cursor. Frames the active cell names come first, and schemas take at most half of the
budget; cells fill the rest, nearest first. The budget is in characters, so that assembling a
prompt costs no tokenizer call on a keystroke.

Placement was measured (``benchmarks/completion_quality.py``, SmolLM2-135M, 50 cursors before
a real column in ``../shared/notebooks``): one schema cell right above the cursor cut the hit
rate from 46 % (no schemas) to 30 %, since it parts the intent (the markdown cell above) from
the code; ARCADE's placement gave 50 %.

Three prompt forms (`CompletionMode`):

- ``fim``: the family's PSM prompt (see `fim`), the model writes the middle;
- ``suffix``: the prefix as the prompt and the cell's rest as a separate ``suffix``, for
  OpenAI-compatible servers whose completions endpoint takes one;
- ``prefix``: the prefix only, for models without FIM.

Pure logic, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..backends.fim import FimFamily
from ..backends.prompt_parts import PromptPart
from ..context.cells import CELL_HEADER, CELL_MARKER, ContextCell, format_cell, structure_cells
from ..context.schema import SCHEMA_HEADER, place_schema_cells, render_schema_text

CompletionMode = Literal["fim", "suffix", "prefix"]
DEFAULT_BUDGET_CHARS = 6000
CELL_STOP = "\n" + CELL_MARKER
CELL_BLOCK = f"{CELL_HEADER}\n\n"  # a cell's header and the blank lines under it
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# What a schema cell adds beyond its frames' lines: its cell block, the header, blank lines.
_SCHEMA_CELL_EXTRA = len(CELL_BLOCK) + len(SCHEMA_HEADER) + 4


@dataclass(frozen=True)
class CompletionContext:
    """What a completion prompt is made of.

    ``before`` is the context text followed by the active cell up to the cursor; ``after`` is
    the rest of the active cell. ``frames`` names the DataFrames whose schema is in ``before``;
    ``cells_used`` / ``cells_left_out`` count the cells above that are in / out.
    """

    before: str
    after: str
    frames: tuple[str, ...]
    cells_used: int
    cells_left_out: int


@dataclass(frozen=True)
class CompletionPrompt:
    """A prompt ready for a backend: ``suffix`` is set only in ``suffix`` mode.

    ``prompt`` is its text; ``parts`` the same with the FIM markers as control tokens (what
    in-process backends tokenize). ``stop`` holds plain stop strings, ``stop_tokens`` the
    control tokens that end a middle (matched by token id, never by text)."""

    prompt: str
    suffix: str | None
    stop: tuple[str, ...]
    mode: CompletionMode
    family: str | None = None
    parts: tuple[PromptPart, ...] = ()
    stop_tokens: tuple[str, ...] = ()


def assemble_context(
    prefix: str,
    suffix: str,
    cells_above: Sequence[object],
    variables: Sequence[Mapping[str, Any]] = (),
    *,
    budget_chars: int = DEFAULT_BUDGET_CHARS,
) -> CompletionContext:
    """The context for a cursor between ``prefix`` and ``suffix`` of the active cell.

    ``cells_above`` are nbformat-like cells above the active one, oldest first; ``variables``
    the kernel's descriptions (``describe_variables``); only DataFrames are used. The active
    cell is always kept whole; the budget (characters) bounds what is added around it.
    """
    room = max(budget_chars - len(CELL_BLOCK) - len(prefix) - len(suffix), 0)
    chosen, frames = _schemas_within(prefix + suffix, variables, room // 2 - len(CELL_BLOCK) - 2)
    if chosen:
        # one schema cell per group of frames, at most one group per frame
        room -= len(render_schema_text(chosen)) + len(chosen) * (_SCHEMA_CELL_EXTRA)
    kept: list[ContextCell] = []
    structured = structure_cells(cells_above)
    for cell in reversed(structured):
        size = len(format_cell(cell))
        if size > room:
            break
        kept.append(cell)
        room -= size
    kept.reverse()
    placed = place_schema_cells(kept, chosen)
    before = "".join(format_cell(cell) for cell in placed) + CELL_BLOCK + prefix
    return CompletionContext(
        before=before,
        after=suffix,
        frames=frames,
        cells_used=len(kept),
        cells_left_out=len(structured) - len(kept),
    )


def _schemas_within(
    cell_text: str, variables: Sequence[Mapping[str, Any]], room: int
) -> tuple[list[Mapping[str, Any]], tuple[str, ...]]:
    """As many frames as fit in ``room`` characters of schema text, the frames the active
    cell names first; and the names of those frames."""
    frames = [v for v in variables if v.get("kind") == "dataframe"]
    named = set(_NAME.findall(cell_text))
    frames.sort(key=lambda frame: frame.get("name") not in named)  # stable: named ones first
    chosen: list[Mapping[str, Any]] = []
    used = len(SCHEMA_HEADER) + 1
    for frame in frames:
        # One frame's lines, as `render_schema_text` writes them under the common header.
        block = render_schema_text([frame])[len(SCHEMA_HEADER) + 1 :]
        if used + len(block) > room:
            continue
        chosen.append(frame)
        used += len(block)
    return chosen, tuple(str(frame.get("name", "")) for frame in chosen)


def build_prompt(
    context: CompletionContext, mode: CompletionMode, family: FimFamily | None = None
) -> CompletionPrompt:
    """The prompt for ``context`` in ``mode`` (``fim`` needs the ``family``)."""
    if mode == "fim":
        if family is None:
            raise ValueError("A FIM prompt needs the model's FIM family.")
        return CompletionPrompt(
            prompt=family.prompt(context.before, context.after),
            suffix=None,
            stop=(CELL_STOP,),
            mode="fim",
            family=family.name,
            parts=family.prompt_parts(context.before, context.after),
            stop_tokens=family.stops,
        )
    if mode == "suffix":
        return CompletionPrompt(
            context.before, context.after, (CELL_STOP,), "suffix", parts=(context.before,)
        )
    return CompletionPrompt(context.before, None, (CELL_STOP,), "prefix", parts=(context.before,))
