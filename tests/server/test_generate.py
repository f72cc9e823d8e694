"""`POST /pachinco/generate` against a real Jupyter server and a scripted model server."""

from __future__ import annotations

import json

import pytest

from tests.support.fake_openai import FakeOpenAIServer

from .conftest import ANSWER_WORDS, Fetch, generate, generate_body


async def test_stream_has_context_deltas_steps_answer_and_done_in_order(jp_fetch: Fetch) -> None:
    lines = await generate(jp_fetch, generate_body())
    kinds = [line["type"] for line in lines]
    assert kinds[0] == "context"
    assert kinds[-2:] == ["answer", "done"]
    assert set(kinds[1:-2]) <= {"delta", "steps", "loading"}
    assert "steps" in kinds
    text = "".join(line["text"] for line in lines if line["type"] == "delta")
    assert text == "".join(ANSWER_WORDS)
    answer = lines[-2]
    assert answer["index"] == 0
    assert answer["finish_reason"] == "stop"
    assert answer["candidate"]["code"] == (
        "by_class = fares.groupby('pclass')\nby_class['fare'].mean()"
    )
    explanations = [step["explanation"] for step in answer["candidate"]["steps"]]
    assert explanations == ["Group the fares by passenger class.", "Take the mean of each group."]
    assert [cell["cell_type"] for cell in answer["cells"]] == ["markdown", "code"]
    assert answer["cells"][0]["source"].startswith("1. Group the fares by passenger class.")
    assert "# Step 2: Take the mean of each group." in answer["cells"][1]["source"]
    assert lines[-1] == {"type": "done", "finish_reasons": ["stop"]}


async def test_context_line_counts_cells_up_to_the_active_cell(
    jp_fetch: Fetch, fake_openai: FakeOpenAIServer
) -> None:
    lines = await generate(jp_fetch, generate_body(active_cell_index=0))
    context = lines[0]
    assert context["cells_used"] == 1
    assert context["variables"] == 0
    assert context["notice"] == "No kernel is attached, so variables are not described."
    sent = json.dumps(fake_openai.requests[-1].body["messages"])
    assert "# Fares" in sent
    assert "fares = pd.DataFrame" not in sent


@pytest.mark.parametrize(
    ("layout", "types"),
    [("comments", ["code"]), ("cell-per-step", ["markdown", "code", "markdown", "code"])],
)
async def test_answer_cells_follow_the_requested_layout(
    jp_fetch: Fetch, layout: str, types: list[str]
) -> None:
    lines = await generate(jp_fetch, generate_body(options={"layout": layout}))
    answer = next(line for line in lines if line["type"] == "answer")
    assert [cell["cell_type"] for cell in answer["cells"]] == types


async def test_several_candidates_each_get_an_answer(
    jp_fetch: Fetch, fake_openai: FakeOpenAIServer
) -> None:
    options = {"n": 3, "temperature": 0.7, "max_new_tokens": 100, "style": "stepwise"}
    lines = await generate(jp_fetch, generate_body(options=options))
    assert sorted(line["index"] for line in lines if line["type"] == "answer") == [0, 1, 2]
    assert lines[-1]["finish_reasons"] == ["stop", "stop", "stop"]
    sent = fake_openai.requests[-1].body
    assert sent["n"] == 3
    assert sent["temperature"] == 0.7
    assert sent["max_tokens"] == 100


async def test_unknown_kernel_gives_a_notice_not_an_error(jp_fetch: Fetch) -> None:
    lines = await generate(jp_fetch, generate_body(kernel_id="no-such-kernel"))
    assert lines[0]["variables"] == 0
    assert "not running" in lines[0]["notice"]
    assert lines[-1]["type"] == "done"


async def test_missing_notebook_gives_a_notice_not_an_error(jp_fetch: Fetch) -> None:
    lines = await generate(jp_fetch, generate_body(notebook_path="gone/missing.ipynb"))
    assert "Earlier questions could not be read from gone/missing.ipynb" in lines[0]["notice"]
    assert lines[-1]["type"] == "done"


async def test_a_request_id_already_running_is_refused(jp_fetch: Fetch) -> None:
    body = generate_body()
    # Finished requests free their id, so the same id may be used again later.
    await generate(jp_fetch, body)
    lines = await generate(jp_fetch, body)
    assert lines[-1]["type"] == "done"
