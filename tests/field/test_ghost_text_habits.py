"""Kind 8 (#27): ghost text from models with chat habits.

Instruction-tuned models put code in fences, after a line of prose, restate the text before
the cursor (``sales.groupby(`` then ``sales.groupby('city')...``, which would write the call
twice), or repeat the text after it. Through the completion endpoint, with the scripted
server saying exactly that, in small pieces: every streamed suggestion and the final one are
clean, and a suggestion that merely looks like a restatement is kept when the cell needs it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.conftest import Fetch, post_json, read_lines
from tests.support.fake_openai import Behaviour, FakeOpenAIServer

CASES = {
    "fenced": ("x = ", "", "```python\nsales.groupby('city')['total'].sum()\n```\n"),
    "prose then fence": (
        "sales.groupby(",
        "",
        "Here is the completion:\n```python\n'city')['total'].sum()\n```\nIt groups the sales.",
    ),
    "restated cursor line": ("sales.groupby(", "", "sales.groupby('city')['total'].sum()"),
    "restated end of the line": ("total = sales.groupby(", "", "sales.groupby('city').size()"),
    "restated lines": (
        "import pandas as pd\nsales = pd.read_csv('sales.csv')\n",
        "",
        "import pandas as pd\nsales = pd.read_csv('sales.csv')\nsales.head()",
    ),
    "fenced restatement": ("sales.groupby(", "", "```python\nsales.groupby('city').size()\n```"),
    "repeat of the text after": ("sales.groupby('", "').size()", "city').size()"),
}
EXPECTED = {
    "fenced": "sales.groupby('city')['total'].sum()",
    "prose then fence": "'city')['total'].sum()",
    "restated cursor line": "'city')['total'].sum()",
    "restated end of the line": "'city').size()",
    "restated lines": "sales.head()",
    "fenced restatement": "'city').size()",
    "repeat of the text after": "city",
}


async def complete(
    jp_fetch: Fetch, fake_openai: FakeOpenAIServer, prefix: str, suffix: str, said: str
) -> list[dict[str, Any]]:
    pieces = tuple(said[i : i + 3] for i in range(0, len(said), 3))
    fake_openai.script[:] = [Behaviour(words=pieces)]
    body = {"request_id": "g", "prefix": prefix, "suffix": suffix, "cells": []}
    response = await post_json(jp_fetch, "pachinco", "complete", body=body)
    assert response.code == 200, response.body
    return read_lines(response)


@pytest.mark.parametrize("case", list(CASES))
async def test_suggestions_are_clean_while_they_stream_and_at_the_end(
    jp_fetch: Fetch, fake_openai: FakeOpenAIServer, case: str
) -> None:
    prefix, suffix, said = CASES[case]
    lines = await complete(jp_fetch, fake_openai, prefix, suffix, said)
    done = lines[-1]
    assert done["type"] == "done"
    assert done["text"] == EXPECTED[case], lines
    cursor_line = prefix.split("\n")[-1]
    for line in lines[:-1]:
        shown = line["text"]
        assert "`" not in shown
        assert not shown.startswith("Here is")
        if len(cursor_line) >= 3:
            assert not shown.lstrip().startswith(cursor_line.lstrip()), shown
        assert not shown.startswith("import pandas")


async def test_a_suggestion_the_cell_needs_whole_is_not_taken_for_a_restatement(
    jp_fetch: Fetch, fake_openai: FakeOpenAIServer
) -> None:
    # `df[` then `df['a'] > 0]`: taking `df[` away would leave a cell that does not parse.
    lines = await complete(jp_fetch, fake_openai, "x = df[", "", "df['a'] > 0]")
    assert lines[-1]["text"] == "df['a'] > 0]"
