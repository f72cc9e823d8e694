"""Packing into a token budget counted with a real (tiny, offline-trained) tokenizer."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from transformers import AutoTokenizer

from jupyter_pachinco.context import (
    HuggingFaceTokenCounter,
    describe_variables,
    make_turn,
    pack_context,
    render_arcade_prompt,
)

CELLS = [
    {"cell_type": "markdown", "source": "# Sales report"},
    {"cell_type": "code", "source": "import pandas as pd"},
    {"cell_type": "code", "source": "sales = pd.read_csv('sales.csv')"},
    {"cell_type": "code", "source": "stores = pd.read_csv('stores.csv')"},
    {"cell_type": "code", "source": "sales['total'] = sales['price'] * sales['units']"},
]
NAMESPACE = {
    "sales": pd.DataFrame({"price": [2.5, 3.0], "units": [4, 1], "total": [10.0, 3.0]}),
    "stores": pd.DataFrame({"store": ["north", "south"], "city": ["Oslo", "Rome"]}),
    "rate": 0.25,
}
INTENT = "What is the total of sales per unit price?"


def test_adapter_counts_with_the_saved_tokenizer(
    tokenizer_dir: Path, count_tokens: HuggingFaceTokenCounter
) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    text = "df = pd.read_csv('sales.csv')\n# In[ ]:\n"

    assert count_tokens(text) == len(tokenizer.encode(text, add_special_tokens=False))
    assert 0 < count_tokens(text) < len(text)


def test_everything_fits_in_a_large_budget(count_tokens: HuggingFaceTokenCounter) -> None:
    turns = [make_turn("load the sales", "sales = pd.read_csv('sales.csv')")]

    packed = pack_context(
        INTENT,
        CELLS,
        describe_variables(NAMESPACE),
        turns,
        budget=10_000,
        count_tokens=count_tokens,
    )
    text = render_arcade_prompt(packed)

    assert [c["source"] for c in packed.cells] == [c["source"] for c in CELLS]
    assert [d["name"] for d in packed.schemas] == ["sales", "stores"]
    assert [d["name"] for d in packed.variables] == ["rate"]
    assert packed.turns == turns
    assert (packed.cells_left_out, packed.turns_left_out, packed.truncated_cell) == (0, 0, False)
    assert packed.tokens == count_tokens(text) <= 10_000
    assert text.index("sales = pd.read_csv") < text.index("# Columns in sales")
    assert text.index("# Columns in sales") < text.index("stores = pd.read_csv")
    assert text.index("stores = pd.read_csv") < text.index("# Columns in stores")
    assert text.endswith(
        "# In[ ]:\n\n\n# What is the total of sales per unit price?\n\n\n# In[ ]:\n"
    )
    assert "# Other variables:\n# rate: float = 0.25" in text


def test_named_schemas_and_recent_cells_come_first(count_tokens: HuggingFaceTokenCounter) -> None:
    descriptions = describe_variables(NAMESPACE)
    intent_only = pack_context(INTENT, [], [], budget=10_000, count_tokens=count_tokens).tokens
    schema_only = pack_context(
        INTENT, [], descriptions[:1], budget=10_000, count_tokens=count_tokens
    ).tokens
    last_cell = count_tokens(
        render_arcade_prompt(
            pack_context("x", CELLS[-1:], budget=10_000, count_tokens=count_tokens)
        )
    ) - count_tokens(
        render_arcade_prompt(pack_context("x", [], budget=10_000, count_tokens=count_tokens))
    )
    budget = schema_only + last_cell + 2

    packed = pack_context(INTENT, CELLS, descriptions, budget=budget, count_tokens=count_tokens)

    assert intent_only < schema_only
    assert [d["name"] for d in packed.schemas] == ["sales"]
    assert [c["source"] for c in packed.cells] == [CELLS[-1]["source"]]
    assert packed.cells_left_out == len(CELLS) - 1
    assert packed.variables == []
    assert packed.tokens <= budget


def test_only_the_cell_above_the_intent_is_truncated(count_tokens: HuggingFaceTokenCounter) -> None:
    huge = {"cell_type": "code", "source": "\n".join(f"row_{i} = {i}" for i in range(2_000))}

    packed = pack_context(INTENT, [*CELLS, huge], budget=300, count_tokens=count_tokens)
    text = render_arcade_prompt(packed)

    assert packed.truncated_cell
    assert len(packed.cells) == 1
    assert packed.cells[0]["source"].startswith("row_0 = 0\nrow_1 = 1\n")
    assert "# [... cell truncated:" in packed.cells[0]["source"].split("\n")[-1]
    assert packed.tokens == count_tokens(text) <= 300


def test_a_big_cell_further_back_stops_growth_whole(count_tokens: HuggingFaceTokenCounter) -> None:
    huge = {"cell_type": "code", "source": "\n".join(f"row_{i} = {i}" for i in range(2_000))}
    cells = [CELLS[1], huge, *CELLS[2:]]

    packed = pack_context(INTENT, cells, budget=300, count_tokens=count_tokens)

    assert not packed.truncated_cell
    assert [c["source"] for c in packed.cells] == [c["source"] for c in CELLS[2:]]


def test_the_intent_is_kept_even_when_it_alone_is_over_budget(
    count_tokens: HuggingFaceTokenCounter,
) -> None:
    packed = pack_context(INTENT * 20, CELLS, budget=10, count_tokens=count_tokens)

    assert packed.cells == []
    assert INTENT * 20 in render_arcade_prompt(packed)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    budget=st.integers(min_value=20, max_value=700),
    sizes=st.lists(st.integers(min_value=0, max_value=60), min_size=0, max_size=8),
    turn_count=st.integers(min_value=0, max_value=4),
)
def test_packed_text_never_exceeds_the_budget_and_cells_stay_contiguous(
    count_tokens: HuggingFaceTokenCounter, budget: int, sizes: list[int], turn_count: int
) -> None:
    cells = [
        {"cell_type": "code", "source": "\n".join(f"v{n}_{i} = {i}" for i in range(size))}
        for n, size in enumerate(sizes)
    ]
    turns = [make_turn(f"step {i}", f"step_{i} = {i}") for i in range(turn_count)]
    intent = "sum the sales"

    packed = pack_context(
        intent,
        cells,
        describe_variables(NAMESPACE),
        turns,
        budget=budget,
        count_tokens=count_tokens,
    )

    kept = [c["source"] for c in packed.cells]
    wanted = [c["source"] for c in cells if c["source"].strip()]
    intent_alone = count_tokens(
        render_arcade_prompt(pack_context(intent, [], budget=budget, count_tokens=count_tokens))
    )
    assert packed.tokens <= max(budget, intent_alone)
    if packed.truncated_cell:
        head, _, marker = kept[0].rpartition("\n")
        assert len(kept) == 1
        assert marker.startswith("# [... cell truncated:")
        assert wanted[-1].startswith(head)
    else:
        assert kept == wanted[len(wanted) - len(kept) :]
    assert packed.turns == turns[len(turns) - len(packed.turns) :]
