"""The real pretrained SmolLM2 GGUF behind the server, chosen by its .gguf path alone.

Structure only (streaming, template, budget, parse, rank): never what the model says.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_pachinco.backends.llamacpp_loading import forget_shared_ggufs
from tests.support.user_kernel import evaluate, user_kernel

from .conftest import Fetch, generate_body, read_lines, until

SETUP = ["import pandas as pd\nfares = pd.DataFrame({'pclass': [1, 3], 'fare': [71, 7]})"]
N_CTX = 1024


@pytest.fixture
def jp_server_config(smollm2_path: Path) -> dict[str, Any]:
    forget_shared_ggufs()  # so that this server loads the model itself and reports it
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_pachinco": True}},
        "BackendSettings": {"model": str(smollm2_path), "n_ctx": N_CTX},
    }


async def generate(jp_fetch: Fetch, body: dict[str, Any]) -> list[dict[str, Any]]:
    """POST /pachinco/generate with room for a real model on a busy CPU."""
    response = await jp_fetch(
        "pachinco", "generate", method="POST", body=json.dumps(body), request_timeout=300
    )
    assert response.code == 200, response.body
    return read_lines(response)


def of_type(lines: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [line for line in lines if line["type"] == kind]


async def test_status_shows_the_llamacpp_backend_and_its_loading(
    jp_fetch: Fetch, smollm2_path: Path
) -> None:
    before = json.loads((await jp_fetch("pachinco", "status")).body)
    assert (before["backend"], before["model"]) == ("llamacpp", str(smollm2_path))
    assert before["model_state"] == "not-loaded"
    lines = await generate(jp_fetch, generate_body(options={"n": 1, "max_new_tokens": 16}))
    stages = [line["stage"] for line in of_type(lines, "loading")]
    assert stages[-1] == "ready"
    after = json.loads((await jp_fetch("pachinco", "status")).body)
    assert after["model_state"] == "ready"
    assert "llama.cpp" in after["loading"]["message"]


async def test_three_candidates_stream_parse_and_rank_in_a_real_kernel(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    ranker = jp_serverapp.web_app.settings["pachinco"].generation.ranker
    real_rank, likelihoods_seen = ranker.rank, []

    async def rank(kernel_id: str | None, codes: Any, likelihoods: Any = None) -> Any:
        likelihoods_seen.append(likelihoods)  # a spy: the real ranking still runs
        return await real_rank(kernel_id, codes, likelihoods=likelihoods)

    ranker.rank = rank
    async with user_kernel(jp_serverapp, SETUP) as (kernel_id, client):
        body = generate_body(
            kernel_id=kernel_id,
            options={"n": 3, "max_new_tokens": 48, "temperature": 0.8},
        )
        lines = await generate(jp_fetch, body)
        namespace_after = await evaluate(client, "fares.to_dict('list')")
    deltas = of_type(lines, "delta")
    assert {line["index"] for line in deltas} == {0, 1, 2}
    assert len(deltas) > 6  # streamed token by token
    answers = of_type(lines, "answer")
    assert sorted(line["index"] for line in answers) == [0, 1, 2]
    for answer in answers:  # each answer is the parse of exactly the text that streamed
        streamed = "".join(d["text"] for d in deltas if d["index"] == answer["index"])
        assert streamed.strip()
        assert isinstance(answer["candidate"]["code"], str)
    kinds = [line["type"] for line in lines]
    assert kinds[-3:] == ["ranking_started", "ranking", "done"], kinds
    ranking = lines[-2]
    assert sorted(ranking["order"]) == [0, 1, 2]
    # llama.cpp's token log-probabilities reach the ranking, which breaks ties with them.
    [likelihoods] = likelihoods_seen
    assert len(likelihoods) == 3
    assert all(isinstance(value, float) and value <= 0 for value in likelihoods)
    assert namespace_after == {"pclass": [1, 3], "fare": [71, 7]}  # trial runs left no trace


async def test_the_prompt_budget_fits_the_models_context(jp_serverapp: Any) -> None:
    pachinco = jp_serverapp.web_app.settings["pachinco"]
    assistant = await pachinco.shared_assistant.get()
    max_new_tokens = 384  # the assistant's default answer length
    assert assistant.budget <= N_CTX - max_new_tokens
    text = "fares.groupby('pclass')['fare'].mean()"
    llama_tokens = assistant.backend.loaded().llama.tokenize(text.encode(), add_bos=False)
    assert assistant.count_tokens(text) == len(llama_tokens)  # the model's own tokenizer


async def test_prepare_loads_the_model_and_evaluates_the_prompts_start_ahead(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    body = generate_body(options={"max_new_tokens": 16})
    del body["intent"], body["request_id"]
    response = await jp_fetch("pachinco", "prepare", method="POST", body=json.dumps(body))
    assert response.code == 202
    app = jp_serverapp.web_app.settings["pachinco"]
    await until(lambda: not app.background)
    status = json.loads((await jp_fetch("pachinco", "status")).body)
    assert status["model_state"] == "ready"
    assistant = await app.shared_assistant.get()
    loaded = assistant.backend.loaded()
    # the fixed part of the prompt (kept), and this notebook's context up to the question
    assert (len(loaded.prefixes.pinned), len(loaded.prefixes.recent)) == (1, 1)
    lines = await generate(jp_fetch, generate_body(options={"max_new_tokens": 8}))
    assert lines[-1]["type"] == "done"
    assert loaded.prefixes.last_reused >= len(loaded.prefixes.recent[0].tokens) - 2
