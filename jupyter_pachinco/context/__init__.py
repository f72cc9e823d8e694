"""The notebook context engine: what the model sees of the notebook, the kernel and the past.

- ``linearize_cells`` / ``structure_cells``: cells as ARCADE text or as structured cells;
- ``describe_variables`` / ``render_schema_text``: live variables as schemas and ARCADE text;
- ``read_turns`` / ``append_turn`` / ``load_turns`` / ``save_turn``: earlier turns, kept in
  the notebook's metadata;
- ``pack_context`` / ``render_arcade_prompt``: everything packed into the model's token budget.
"""

from __future__ import annotations

from .budget import (
    HuggingFaceTokenCounter,
    PackedContext,
    TokenCounter,
    intent_cell,
    pack_context,
    render_arcade_prompt,
)
from .cells import ContextCell, format_cell, linearize_cells, structure_cells, truncate_source
from .schema import place_schema_cells, render_schema_text, render_variables_text
from .turns import (
    PriorExample,
    Turn,
    append_turn,
    load_turns,
    make_turn,
    prior_examples,
    read_turns,
    save_turn,
)
from .variables import describe_variables, describe_variables_as_json

__all__ = [
    "ContextCell",
    "HuggingFaceTokenCounter",
    "PackedContext",
    "PriorExample",
    "TokenCounter",
    "Turn",
    "append_turn",
    "describe_variables",
    "describe_variables_as_json",
    "format_cell",
    "intent_cell",
    "linearize_cells",
    "load_turns",
    "make_turn",
    "pack_context",
    "place_schema_cells",
    "prior_examples",
    "read_turns",
    "render_arcade_prompt",
    "render_schema_text",
    "render_variables_text",
    "save_turn",
    "structure_cells",
    "truncate_source",
]
