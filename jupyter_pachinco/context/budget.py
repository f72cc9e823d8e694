"""Pack the intent, schemas, cells, earlier turns and other variables into a token budget.

Tokens are counted with the model's own tokenizer through the ``TokenCounter`` protocol (any
``count_tokens(text) -> int``); ``HuggingFaceTokenCounter`` adapts a tokenizer loaded from a
local path, without network. Priority, as in ARCADE:

1. the intent (always kept);
2. the schemas of variables named in the intent;
3. the most recent cells and earlier turns, growing backwards from the intent; growth stops at
   the first piece that does not fit (the context stays contiguous), except that the cell right
   above the intent, when it alone is too big, is truncated with a visible marker;
4. then the rest: other DataFrames' schemas, then other variables, each while it fits.

Each piece is measured in its ARCADE text form, so ``render_arcade_prompt`` of the result never
exceeds the budget unless the intent alone does.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .cells import CELL_HEADER, ContextCell, format_cell, structure_cells, truncate_source
from .safe_text import safe_text, safe_value
from .schema import (
    place_schema_cells,
    render_schema_text,
    render_variables_text,
    schema_cell,
    variable_line,
)
from .turns import Turn


class TokenCounter(Protocol):
    """Counts tokens the way the model's tokenizer does."""

    def __call__(self, text: str) -> int: ...


class HuggingFaceTokenCounter:
    """A ``TokenCounter`` over a Hugging Face tokenizer (special tokens not counted)."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> HuggingFaceTokenCounter:
        """Load the tokenizer saved at a local ``path``; never reaches the network."""
        # Imported here: transformers takes seconds to import and is an optional extra.
        transformers = importlib.import_module("transformers")
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        return cls(tokenizer)

    def __call__(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))


Description = Mapping[str, Any]


@dataclass
class PackedContext:
    """What fits in the budget, in both forms the prompts use.

    ``cells`` are the kept notebook cells, oldest first, in the structured (chat) form;
    ``schemas`` the kept DataFrame descriptions; ``turns`` the kept earlier turns, oldest
    first; ``variables`` the other kept variable descriptions.
    """

    intent: str
    budget: int
    cells: list[ContextCell] = field(default_factory=list)
    schemas: list[Description] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    variables: list[Description] = field(default_factory=list)
    truncated_cell: bool = False
    cells_left_out: int = 0
    turns_left_out: int = 0
    tokens: int = 0


def intent_cell(intent: str) -> ContextCell:
    """The intent as the markdown cell that ends an ARCADE prompt."""
    return {"cell_type": "markdown", "source": intent, "outputs": [], "cell_magic": None}


def render_arcade_prompt(packed: PackedContext) -> str:
    """ARCADE completion text: cells with schema cells in place, other variables, the intent,
    and a fresh ``# In[ ]:`` header. Turns are not repeated here: in a notebook, earlier turns'
    code is already among the cells."""
    cells = place_schema_cells(packed.cells, packed.schemas)
    others = render_variables_text(packed.variables)
    if others:
        cells.append({"cell_type": "code", "source": others, "outputs": [], "cell_magic": None})
    cells.append(intent_cell(packed.intent))
    return "".join(format_cell(cell) for cell in cells) + CELL_HEADER


def turn_text(turn: Turn) -> str:
    """An earlier turn measured as ARCADE would show it: the intent cell and the code cell."""
    code: ContextCell = {
        "cell_type": "code",
        "source": turn["code"],
        "outputs": [],
        "cell_magic": None,
    }
    return format_cell(intent_cell(turn["intent"])) + format_cell(code)


def names_in(text: str) -> set[str]:
    """Identifiers mentioned in ``text`` (``df``, ``sales_2021``)."""
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))


def pack_context(
    intent: str,
    cells: Iterable[object],
    descriptions: Sequence[Description] = (),
    turns: Sequence[Turn] = (),
    *,
    budget: int,
    count_tokens: TokenCounter,
    include_outputs: bool = False,
) -> PackedContext:
    """Choose what goes into a prompt of at most ``budget`` tokens (see the module docstring).

    All text is made valid Unicode here first (``safe_text``): the intent, the cells and their
    outputs, the variable descriptions and the earlier turns."""
    intent = safe_text(intent)
    descriptions = [safe_value(d) for d in descriptions]
    turns = [safe_value(t) for t in turns]
    packed = PackedContext(intent=intent, budget=budget)
    room = budget - count_tokens(format_cell(intent_cell(intent)) + CELL_HEADER)
    named = names_in(intent)
    first = [d for d in descriptions if d.get("name") in named]
    rest = [d for d in descriptions if d.get("name") not in named]
    room = _add_variables(packed, first, room, count_tokens)
    structured = [safe_value(c) for c in structure_cells(cells, include_outputs=include_outputs)]
    room = _grow_backwards(packed, structured, list(turns), room, count_tokens)
    rest.sort(key=lambda d: d.get("kind") != "dataframe")
    _add_variables(packed, rest, room, count_tokens)
    _trim_to_budget(packed, count_tokens)
    return packed


def _add_variables(
    packed: PackedContext, descriptions: list[Description], room: int, count: TokenCounter
) -> int:
    for description in descriptions:
        is_frame = description.get("kind") == "dataframe"
        cost = count(
            _schema_cell_text(description) if is_frame else variable_line(description) + "\n"
        )
        if cost > room:
            continue
        (packed.schemas if is_frame else packed.variables).append(description)
        room -= cost
    return room


def _schema_cell_text(description: Description) -> str:
    cell = schema_cell([description])
    return format_cell(cell) if cell is not None else render_schema_text([description])


def _grow_backwards(
    packed: PackedContext,
    cells: list[ContextCell],
    turns: list[Turn],
    room: int,
    count: TokenCounter,
) -> int:
    """Alternate between the next older cell and the next older turn while each fits."""
    kept_cells: list[ContextCell] = []
    kept_turns: list[Turn] = []
    next_cell, next_turn = len(cells) - 1, len(turns) - 1
    while next_cell >= 0 or next_turn >= 0:
        if next_cell >= 0:
            cell = cells[next_cell]
            cost = count(format_cell(cell))
            if cost > room and not kept_cells:
                cell, cost = _truncate_to_fit(cell, room, count)
                packed.truncated_cell = cost > 0
            fits = 0 < cost <= room
            if fits:
                kept_cells.append(cell)
                room -= cost
            next_cell = next_cell - 1 if fits and not packed.truncated_cell else -1
        if next_turn >= 0:
            cost = count(turn_text(turns[next_turn]))
            fits = cost <= room
            if fits:
                kept_turns.append(turns[next_turn])
                room -= cost
            next_turn = next_turn - 1 if fits else -1
    packed.cells = kept_cells[::-1]
    packed.turns = kept_turns[::-1]
    packed.cells_left_out = len(cells) - len(kept_cells)
    packed.turns_left_out = len(turns) - len(kept_turns)
    return room


def _truncate_to_fit(cell: ContextCell, room: int, count: TokenCounter) -> tuple[ContextCell, int]:
    """The longest head of ``cell`` (with its marker) that fits in ``room``; cost 0 if none."""

    def cut(max_chars: int) -> tuple[ContextCell, int]:
        source = truncate_source(cell["source"], max_chars)
        shortened: ContextCell = {**cell, "source": source, "outputs": []}
        return shortened, count(format_cell(shortened))

    low, high = 0, len(cell["source"])
    best, best_cost = cut(0)
    if best_cost > room:
        return cell, 0
    while low < high:
        middle = (low + high + 1) // 2
        candidate, cost = cut(middle)
        if cost <= room:
            low, best, best_cost = middle, candidate, cost
        else:
            high = middle - 1
    return best, best_cost


def _trim_to_budget(packed: PackedContext, count: TokenCounter) -> None:
    """Drop the least important pieces while the rendered text is over the budget (pieces are
    measured one by one, and tokens can merge across their boundaries)."""
    while True:
        packed.tokens = count(render_arcade_prompt(packed))
        if packed.tokens <= packed.budget:
            return
        if packed.variables:
            packed.variables.pop()
        elif len(packed.schemas) > 1:
            packed.schemas.pop()
        elif packed.cells:
            packed.cells.pop(0)
            packed.cells_left_out += 1
        else:
            return
