"""Honest verdicts in the generate stream, with a real kernel: a fix that runs only because it
dropped the failing line is said so and ranked after a real fix; an answer without code is
never insertable and labelled as such; identical candidates are one distinct answer; several
candidates are sampled at a temperature above 0 unless one is given."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.fake_openai import Behaviour, FakeOpenAIServer
from tests.support.user_kernel import user_kernel

from .conftest import Fetch, generate, generate_body
from .test_ranking_stream import codes_by_index, lines_of, one_choice, ranking_of

SETUP = ["import pandas as pd\nsales = pd.DataFrame({'price': ['1', '2'], 'qty': [3, 4]})"]
FAILING = "sales['total'] = sales['price'] * sales['qty']\nsales.head()"
ERROR = "TypeError: can't multiply sequence by non-int of type 'str'"
DROPPED = ("Skip it.\n", "```python\n", "sales.head()\n", "```\n")
FIXED = (
    "Convert the price.\n",
    "```python\n",
    "sales['total'] = sales['price'].astype(int) * sales['qty']\nsales.head()\n",
    "```\n",
)
WORDS_ONLY = ("You could group the sales by city and add them up.",)
SUM = ("```python\n", "sales['qty'].sum()\n", "```\n")


@pytest.mark.parametrize("script", [[one_choice(DROPPED), one_choice(FIXED)]])
async def test_a_fix_that_drops_the_failing_line_is_told_apart(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    async with user_kernel(jp_serverapp, SETUP) as (kernel_id, _client):
        body = generate_body(
            intent="",
            kernel_id=kernel_id,
            fix={"code": FAILING, "error": ERROR},
            options={"n": 2, "max_new_tokens": 64},
        )
        lines = await generate(jp_fetch, body)
    codes = codes_by_index(lines)
    ranking = ranking_of(lines)
    first, second = ranking["candidates"]
    assert "astype(int)" in codes[first["index"]]
    assert (first["status"], first["verdict"]) == ("ok", "kept")
    assert (second["status"], second["verdict"]) == ("ok", "no longer sets sales['total']")
    assert ranking["intent"] == "sets sales['total'] and shows its result"


@pytest.mark.parametrize("script", [[one_choice(WORDS_ONLY), one_choice(SUM)]])
async def test_an_answer_without_code_is_never_insertable(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    async with user_kernel(jp_serverapp, SETUP) as (kernel_id, _client):
        body = generate_body(kernel_id=kernel_id, options={"n": 2, "max_new_tokens": 64})
        lines = await generate(jp_fetch, body)
    answers = {line["index"]: line for line in lines_of(lines, "answer")}
    words = next(a for a in answers.values() if not a["candidate"]["code"].strip())
    assert (words["has_code"], words["cells"]) == (False, [])
    ranking = ranking_of(lines)
    labelled = {c["index"]: c["status"] for c in ranking["candidates"]}
    assert labelled[words["index"]] == "no_code"
    assert ranking["summary"].endswith("; 1 without code.")


@pytest.mark.parametrize("script", [[Behaviour(words=SUM)]])
async def test_identical_candidates_are_one_distinct_answer(
    jp_fetch: Fetch, jp_serverapp: Any, fake_openai: FakeOpenAIServer
) -> None:
    async with user_kernel(jp_serverapp, SETUP) as (kernel_id, _client):
        body = generate_body(kernel_id=kernel_id, options={"n": 3, "max_new_tokens": 64})
        lines = await generate(jp_fetch, body)
    assert fake_openai.requests[-1].body["temperature"] == pytest.approx(0.7)
    ranking = ranking_of(lines)
    assert [c["same_as"] for c in ranking["candidates"]] == [None, 0, 0]
    assert ranking["summary"].startswith("3 answers, all the same code")


async def test_one_candidate_is_greedy_and_a_given_temperature_wins(
    jp_fetch: Fetch, fake_openai: FakeOpenAIServer
) -> None:
    await generate(jp_fetch, generate_body(options={"n": 1, "max_new_tokens": 16}))
    assert fake_openai.requests[-1].body.get("temperature", 0) == 0
    options = {"n": 3, "max_new_tokens": 16, "temperature": 0.2, "rank": False}
    await generate(jp_fetch, generate_body(options=options))
    assert fake_openai.requests[-1].body["temperature"] == pytest.approx(0.2)
