"""A fixed coffee-shop notebook, its live namespace and one earlier turn, packed for prompts.

The cells are executed for real (pandas) so that the variable descriptions are the ones the
kernel inspection would produce.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import nbformat
import pandas as pd
import pytest

from jupyter_pachinco.context import (
    PackedContext,
    append_turn,
    describe_variables,
    make_turn,
    pack_context,
    read_turns,
)

INTENT = "Which barista sold the most cups on the weekend days?"
EARLIER_INTENT = "How many cups were sold in total?"
EARLIER_CODE = 'total_cups = int(sales["cups"].sum())\ntotal_cups'

CELLS = [
    ("markdown", "# Coffee shop sales\nOne week of sales at the corner shop."),
    ("code", "import pandas as pd"),
    (
        "code",
        """sales = pd.DataFrame({
    "day": ["Sat", "Sat", "Sun", "Mon", "Sun", "Tue"],
    "barista": ["Ana", "Ben", "Ana", "Ben", "Ben", "Ana"],
    "cups": [42, 35, 51, 18, 40, 22],
    "price": [3.2, 3.2, 3.4, 3.0, 3.4, 3.0],
})""",
    ),
    ("markdown", "Prices are in euros."),
    ("code", 'sales["revenue"] = sales["cups"] * sales["price"]'),
    ("code", EARLIER_CODE),
]


def count_words(text: str) -> int:
    """A token counter that counts whitespace-separated words: enough for a budget that
    keeps everything, and independent of any tokenizer file."""
    return len(text.split())


@pytest.fixture(scope="session")
def coffee_notebook() -> dict[str, Any]:
    notebook = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    for cell_type, source in CELLS:
        make = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
        notebook.cells.append(make(source))  # type: ignore[no-untyped-call]
    when = datetime(2024, 5, 4, 10, 30, tzinfo=timezone.utc)
    turn = make_turn(EARLIER_INTENT, EARLIER_CODE, "1. Add up the cups.", when)
    return append_turn(notebook, turn)


@pytest.fixture(scope="session")
def coffee_namespace() -> dict[str, Any]:
    namespace: dict[str, Any] = {"pd": pd}
    for cell_type, source in CELLS:
        if cell_type == "code":
            exec(source, namespace)
    return {name: value for name, value in namespace.items() if name != "__builtins__"}


@pytest.fixture(scope="session")
def coffee_packed(
    coffee_notebook: dict[str, Any], coffee_namespace: dict[str, Any]
) -> PackedContext:
    return pack_context(
        INTENT,
        coffee_notebook["cells"],
        describe_variables(coffee_namespace),
        read_turns(coffee_notebook),
        budget=4000,
        count_tokens=count_words,
    )
