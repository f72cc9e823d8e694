"""Completion prompts: one golden file per FIM family and for each other form, FIM detection
from vocabularies, and the schema and budget rules of the context.

Golden files were written once and read by eye against each family's documented FIM format;
after an intended change regenerate them with

    PACHINCO_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/completion/test_prompts.py

and read ``git diff tests/completion/golden`` before committing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from jupyter_pachinco.backends.prompt_parts import ControlToken
from jupyter_pachinco.completion import (
    DEEPSEEK,
    FIM_FAMILIES,
    QWEN,
    STARCODER,
    CompletionContext,
    assemble_context,
    build_prompt,
    detect_fim_family,
    fim_family,
)

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("PACHINCO_UPDATE_GOLDEN") == "1"

CELLS_ABOVE: list[dict[str, Any]] = [
    {"cell_type": "markdown", "source": "# Coffee sales"},
    {
        "cell_type": "code",
        "source": "import pandas as pd\nsales = pd.read_csv('sales.csv')",
        "outputs": [],
    },
]
SALES = {
    "name": "sales",
    "kind": "dataframe",
    "columns": [
        {"name": "store", "examples": ["Lyon"]},
        {"name": "drink", "examples": ["latte"]},
        {"name": "cups", "examples": [12]},
    ],
}
PRICES = {
    "name": "prices",
    "kind": "dataframe",
    "columns": [{"name": "drink", "examples": ["latte"]}, {"name": "eur", "examples": [3.5]}],
}
PREFIX = 'by_store = sales.groupby("'
SUFFIX = '")\nby_store.sum()\n'


def context() -> CompletionContext:
    return assemble_context(PREFIX, SUFFIX, CELLS_ABOVE, [PRICES, SALES])


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8", newline="")
    assert path.read_bytes().decode("utf-8") == actual


@pytest.mark.parametrize("family", sorted(FIM_FAMILIES))
def test_fim_prompt_of_each_family_matches_its_golden_file(family: str) -> None:
    prompt = build_prompt(context(), "fim", fim_family(family))
    check_golden(f"fim_{family}.txt", prompt.prompt)
    assert prompt.suffix is None
    assert prompt.family == family
    # its end tokens are control tokens (matched by id), never stop strings (text in code)
    assert prompt.stop_tokens == fim_family(family).stops
    assert not set(prompt.stop_tokens) & set(prompt.stop)
    markers = [part for part in prompt.parts if isinstance(part, ControlToken)]
    assert [m.text for m in markers] == list(fim_family(family).tokens)
    assert "".join(p if isinstance(p, str) else p.text for p in prompt.parts) == prompt.prompt


def test_prefix_and_suffix_forms_match_their_golden_files() -> None:
    prefix_only = build_prompt(context(), "prefix")
    check_golden("prefix_only.txt", prefix_only.prompt)
    assert prefix_only.suffix is None
    server_side = build_prompt(context(), "suffix")
    assert server_side.prompt == prefix_only.prompt
    assert server_side.suffix == SUFFIX


def test_schemas_go_where_arcade_puts_them_and_the_named_frame_comes_first() -> None:
    before = context().before
    # sales: right after the cell that created it; prices, created in no cell above: at the top
    assert before.index("# Columns in prices") < before.index("# # Coffee sales")
    assert before.index("sales = pd.read_csv") < before.index("# Columns in sales")
    assert before.endswith(PREFIX)
    assert context().frames == ("sales", "prices")


def test_the_intent_above_the_cursor_stays_next_to_it() -> None:
    intent = {"cell_type": "markdown", "source": "Cups sold per store?"}
    before = assemble_context(PREFIX, SUFFIX, [*CELLS_ABOVE, intent], [SALES]).before
    assert before.index("# Columns in sales") < before.index("# Cups sold per store?")
    assert before.endswith("# Cups sold per store?\n\n\n# In[ ]:\n\n\n" + PREFIX)


def test_schemas_take_at_most_half_the_budget_and_cells_fill_the_rest() -> None:
    frames = [
        {"name": f"frame{i}", "kind": "dataframe", "columns": SALES["columns"]} for i in range(50)
    ]
    cells = [{"cell_type": "code", "source": f"x{i} = {i}"} for i in range(500)]
    packed = assemble_context("x", "", cells, frames, budget_chars=2000)
    assert len(packed.before) <= 2000
    assert 0 < len(packed.frames) < 50
    assert 0 < packed.cells_used < 500
    assert packed.cells_used + packed.cells_left_out == 500
    assert "x499 = 499" in packed.before  # the nearest cells are kept
    assert "x0 = 0\n" not in packed.before


def test_the_active_cell_is_kept_whole_even_beyond_the_budget() -> None:
    long_prefix = "a = 1\n" * 1000
    packed = assemble_context(long_prefix, "", CELLS_ABOVE, [SALES], budget_chars=100)
    assert packed.before.endswith(long_prefix)
    assert packed.frames == ()


@pytest.mark.parametrize("family", [QWEN, STARCODER, DEEPSEEK])
def test_the_family_is_detected_from_its_vocabulary(family: Any) -> None:
    vocabulary = ["a", "b", "<|endoftext|>", *family.tokens]
    assert detect_fim_family(vocabulary) is family


def test_a_vocabulary_without_all_three_tokens_has_no_fim() -> None:
    assert detect_fim_family(["<|im_start|>", "<|im_end|>", "<|endoftext|>"]) is None
    assert detect_fim_family(["<fim_prefix>", "<fim_suffix>"]) is None


def test_fim_needs_a_family_and_unknown_families_are_named() -> None:
    with pytest.raises(ValueError, match="FIM family"):
        build_prompt(context(), "fim")
    with pytest.raises(KeyError, match="qwen, starcoder, deepseek"):
        fim_family("codellama")
