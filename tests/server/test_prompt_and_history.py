"""The prompt dry run, history endpoints, and the OpenAPI description."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from jupyter_pachinco.context import make_turn
from tests.support.fake_openai import FakeOpenAIServer

from .conftest import Fetch, generate, generate_body, post_json


async def test_prompt_is_exactly_what_generate_sends(
    jp_fetch: Fetch, fake_openai: FakeOpenAIServer
) -> None:
    response = await post_json(jp_fetch, "pachinco", "prompt", body=generate_body())
    assert response.code == 200
    prompt = json.loads(response.body)["prompt"]
    assert prompt[0]["role"] == "system"
    assert prompt[-1]["role"] == "user"
    assert "fares = pd.DataFrame" in json.dumps(prompt)
    await generate(jp_fetch, generate_body())
    assert fake_openai.requests[-1].body["messages"] == prompt


async def test_history_round_trip_and_it_feeds_the_prompt(
    jp_fetch: Fetch, notebook_file: str, jp_root_dir: Path
) -> None:
    first = await jp_fetch("pachinco", "history", params={"path": notebook_file})
    assert json.loads(first.body) == {"turns": []}
    turn = {"intent": "count the rows", "code": "len(fares)", "explanation": "Count them."}
    body = {"path": notebook_file, "turn": turn}
    appended = await post_json(jp_fetch, "pachinco", "history", body=body)
    assert appended.code == 200
    stored = json.loads(appended.body)["turns"]
    assert [{k: t[k] for k in turn} for t in stored] == [turn]
    assert stored[0]["time"].endswith("+00:00")
    again = await jp_fetch("pachinco", "history", params={"path": notebook_file})
    assert json.loads(again.body)["turns"] == stored
    on_disk = nbformat.read(jp_root_dir / notebook_file, as_version=4)
    assert on_disk.metadata["pachinco"]["turns"][0]["intent"] == "count the rows"
    assert on_disk.cells[0].source == "x = 1"
    response = await post_json(
        jp_fetch, "pachinco", "prompt", body=generate_body(notebook_path=notebook_file)
    )
    everything = json.dumps(json.loads(response.body)["prompt"])
    assert "count the rows" in everything
    assert "len(fares)" in everything


async def test_history_reads_turns_written_in_the_notebook_metadata(
    jp_fetch: Fetch, jp_root_dir: Path
) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["pachinco"] = {"turns": [make_turn("plot fares", "fares.plot()", "Plot.")]}
    nbformat.write(notebook, jp_root_dir / "saved.ipynb")
    response = await jp_fetch("pachinco", "history", params={"path": "saved.ipynb"})
    turns = json.loads(response.body)["turns"]
    assert [(t["intent"], t["code"], t["explanation"]) for t in turns] == [
        ("plot fares", "fares.plot()", "Plot.")
    ]


async def test_history_of_a_missing_notebook_is_a_404(jp_fetch: Fetch) -> None:
    response = await jp_fetch(
        "pachinco", "history", params={"path": "nowhere.ipynb"}, raise_error=False
    )
    assert response.code == 404
    assert "nowhere.ipynb" in json.loads(response.body)["message"]
    posted = await post_json(
        jp_fetch,
        "pachinco",
        "history",
        body={"path": "nowhere.ipynb", "turn": {"intent": "a", "code": "b"}},
    )
    assert posted.code == 404


async def test_history_bodies_are_validated(jp_fetch: Fetch, notebook_file: str) -> None:
    no_path = await jp_fetch("pachinco", "history", raise_error=False)
    assert no_path.code == 400
    for body in (
        {"path": notebook_file},
        {"path": notebook_file, "turn": {"intent": "a"}},
        {"path": 3, "turn": {"intent": "a", "code": "b"}},
        {"path": notebook_file, "turn": {"intent": "a", "code": "b", "when": "now"}},
    ):
        response = await post_json(jp_fetch, "pachinco", "history", body=body)
        assert response.code == 400, body
        assert json.loads(response.body)["message"]


async def test_openapi_describes_every_endpoint(jp_fetch: Fetch) -> None:
    response = await jp_fetch("pachinco", "openapi.json")
    spec = json.loads(response.body)
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        "/pachinco/generate",
        "/pachinco/generate/cancel",
        "/pachinco/prompt",
        "/pachinco/status",
        "/pachinco/history",
        "/pachinco/openapi.json",
        "/pachinco/complete",
        "/pachinco/complete/cancel",
        "/pachinco/agent",
        "/pachinco/agent/cancel",
        "/pachinco/models",
        "/pachinco/model",
        "/pachinco/prepare",
        "/pachinco/variables",
        "/pachinco/context",
        "/pachinco/trial",
        "/pachinco/cells",
        "/pachinco/scratches",
        "/pachinco/scratches/run",
        "/pachinco/scratches/variables",
        "/pachinco/scratches/close",
    }
    options = spec["components"]["schemas"]["GenerateOptions"]["properties"]
    assert options["n"]["maximum"] == 8
    assert spec["components"]["schemas"]["GenerateRequest"]["properties"]["cells"]["maxItems"] == (
        2000
    )


async def test_every_turn_is_kept_once_and_only_inserted_ones_feed_the_prompt(
    jp_fetch: Fetch, notebook_file: str
) -> None:
    asked = {"intent": "plot the fares", "code": "fares.plot()", "explanation": "Plot."}
    kept = {"intent": "count the rows", "code": "len(fares)", "explanation": "Count."}
    for turn in (
        {**asked, "request_id": "r1", "inserted": False, "outcome": "answered"},
        {**kept, "request_id": "r2", "inserted": True, "inserted_code": "len(fares)"},
        # Insert & run, then Replace: the same request stored again replaces its entry
        {**kept, "request_id": "r2", "inserted": True, "inserted_code": "len(fares) # again"},
    ):
        response = await post_json(
            jp_fetch, "pachinco", "history", body={"path": notebook_file, "turn": turn}
        )
        assert response.code == 200, response.body
    stored = json.loads(response.body)["turns"]
    assert [(t["request_id"], t["inserted"]) for t in stored] == [("r1", False), ("r2", True)]
    assert stored[1]["inserted_code"] == "len(fares) # again"
    prompt = await post_json(
        jp_fetch, "pachinco", "prompt", body=generate_body(notebook_path=notebook_file)
    )
    everything = json.dumps(json.loads(prompt.body)["prompt"])
    assert "len(fares)" in everything
    assert "fares.plot()" not in everything  # not inserted: the prompt does not learn from it
    bad = {**kept, "inserted": "yes"}
    refused = await post_json(
        jp_fetch, "pachinco", "history", body={"path": notebook_file, "turn": bad}
    )
    assert refused.code == 400
