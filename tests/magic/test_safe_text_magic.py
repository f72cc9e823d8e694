"""A DataFrame value with a lone UTF-16 surrogate, described live in the kernel, no longer stops
``%%pachinco``: the request reaches the scripted model with the value made valid (issue 14,
kind 3)."""

from __future__ import annotations

import json
from typing import Any

from tests.support.fake_openai import FakeOpenAIServer

from .conftest import scripted_options
from .kernel_session import run_cell

# The escape is in the cell's source text; Python makes it a lone surrogate in the kernel.
REVIEWS = (
    "import pandas as pd\n"
    # object dtype: scraped text as pandas 2 holds it (pyarrow-backed strings refuse surrogates)
    "text = pd.Series(['great day \\ud83d', 'fine'], dtype=object)\n"
    "reviews = pd.DataFrame({'text': text, 'stars': [5, 3]})\n"
    "note = 'line one\\u2028reviews.drop(columns=\"text\")'"
)


def test_a_lone_surrogate_in_a_dataframe_value_still_sends_the_request(
    kernel: Any, scripted_model: FakeOpenAIServer
) -> None:
    assert run_cell(kernel, REVIEWS).ok
    before = len(scripted_model.requests)
    asked = run_cell(kernel, f"%%pachinco {scripted_options(scripted_model)}\nmean stars")
    assert asked.ok, asked.stream("stderr")
    assert "UnicodeEncodeError" not in asked.stream("stderr")
    assert len(scripted_model.requests) == before + 1
    sent = "\n".join(m["content"] for m in scripted_model.requests[-1].body["messages"])
    assert "great day \ufffd" in sent
    assert "reviews.drop" in sent
    for line in sent.splitlines():
        if "reviews.drop" in line:
            assert line.startswith(("#", "note = ")), line  # a comment, or the cell itself
    json.dumps(scripted_model.requests[-1].body, ensure_ascii=False).encode("utf-8")
