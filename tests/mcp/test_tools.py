"""The tools through the SDK's real client, served all three ways (stdio, HTTP, inside the
Jupyter server by jupyter-server-mcp), against a real Jupyter server and a real kernel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.support.user_kernel import evaluate

from .conftest import DIGEST, SETUP, notebook_session, write_notebook
from .servings import SERVINGS, mcp_client

pytestmark = pytest.mark.parametrize("serving", SERVINGS)

EXPECTED_HINTS = {
    # name: (readOnly, destructive, idempotent, openWorld)
    "pachinco_notebook_context": (True, False, True, False),
    "pachinco_variables": (True, False, True, False),
    "pachinco_trial_run": (True, False, True, False),
    "pachinco_insert_cells": (False, True, False, False),
    "pachinco_ask": (True, False, False, True),
    "pachinco_scratch_open": (False, False, False, False),
    "pachinco_scratch_run": (False, False, False, False),
    "pachinco_scratch_variables": (True, False, True, False),
    "pachinco_scratch_close": (False, False, True, False),
}


def answer_of(result: Any) -> dict[str, Any]:
    """The JSON of a successful call's first text block."""
    assert not result.is_error, result.content
    answer: dict[str, Any] = json.loads(result.content[0].text)
    return answer


def error_of(result: Any) -> str:
    assert result.is_error, result.content
    text: str = result.content[0].text
    assert "Traceback" not in text
    return text


async def test_the_tools_are_listed_with_schemas_and_truthful_annotations(
    serving: str, jp_serverapp: Any, url: str
) -> None:
    async with mcp_client(serving, jp_serverapp, url) as client:
        listed = await client.list_tools()
    tools = {tool.name: tool for tool in listed.tools}
    assert set(EXPECTED_HINTS) <= set(tools)
    for name, hints in EXPECTED_HINTS.items():
        notes = tools[name].annotations
        assert notes is not None, name
        found = (
            notes.read_only_hint,
            notes.destructive_hint,
            notes.idempotent_hint,
            notes.open_world_hint,
        )
        assert found == hints, name
        assert len(tools[name].description or "") > 100
    trial = tools["pachinco_trial_run"]
    assert "Nothing the user has is changed" in (trial.description or "")
    candidates = trial.input_schema["properties"]["candidates"]
    assert (candidates["minItems"], candidates["maxItems"]) == (1, 8)
    assert candidates["items"]["maxLength"] == 100_000


async def test_schemas_then_trial_runs_that_raise_and_that_change_a_variable(
    serving: str, jp_serverapp: Any, url: str
) -> None:
    async with notebook_session(jp_serverapp, "fares.ipynb", [SETUP]) as (kernel_id, kernel):
        before = await evaluate(kernel, DIGEST)
        async with mcp_client(serving, jp_serverapp, url) as client:
            schemas = answer_of(
                await client.call_tool("pachinco_variables", {"notebook_path": "fares.ipynb"})
            )
            trial = answer_of(
                await client.call_tool(
                    "pachinco_trial_run",
                    {
                        "notebook_path": "fares.ipynb",
                        "candidates": [
                            "fares['no_such_column'].sum()",
                            "fares['fare'] = fares['fare'] * 100\ntotal = fares['fare'].sum()\n"
                            "total",
                        ],
                    },
                )
            )
        after = await evaluate(kernel, DIGEST)
        still = await evaluate(kernel, "(float(fares['fare'].sum()), total)")

    assert schemas["kernel_id"] == kernel_id
    frame = next(v for v in schemas["variables"] if v["name"] == "fares")
    assert frame["kind"] == "dataframe"
    assert [c["name"] for c in frame["columns"]] == ["pclass", "fare"]
    by_index = {c["index"]: c for c in trial["candidates"]}
    assert by_index[0]["status"] == "error"
    assert "KeyError" in by_index[0]["error"]
    assert by_index[1]["status"] == "ok"
    assert "8650" in by_index[1]["preview"]
    assert trial["order"][0] == 1
    assert before == after
    assert still == (86.5, 0)


async def test_context_for_an_intent_within_the_budget(
    serving: str, jp_serverapp: Any, url: str
) -> None:
    cells = [SETUP, *[f"step_{i} = {i}  # " + "words " * 40 for i in range(30)]]
    async with (
        notebook_session(jp_serverapp, "long.ipynb", cells),
        mcp_client(serving, jp_serverapp, url) as client,
    ):
        small = answer_of(
            await client.call_tool(
                "pachinco_notebook_context",
                {
                    "intent": "mean fare of fares",
                    "notebook_path": "long.ipynb",
                    "budget_tokens": 300,
                },
            )
        )
        large = answer_of(
            await client.call_tool(
                "pachinco_notebook_context",
                {
                    "intent": "mean fare of fares",
                    "notebook_path": "long.ipynb",
                    "budget_tokens": 8000,
                },
            )
        )
    assert small["budget"] <= 300
    assert small["tokens"] <= small["budget"]
    assert small["cells_left_out"] > 0
    assert [s["name"] for s in small["schemas"]] == ["fares"]  # named in the intent: kept first
    assert large["cells_left_out"] == 0
    assert len(large["cells"]) == len(cells)
    assert "fares" in json.dumps(large["prompt"])


async def test_cells_inserted_into_a_notebook_nobody_has_open_are_in_its_file(
    serving: str, jp_serverapp: Any, url: str
) -> None:
    root = Path(jp_serverapp.root_dir)
    write_notebook(root, "closed.ipynb", ["x = 1", "y = 2"])
    cells = [
        {"cell_type": "markdown", "source": "1. Add up the fares."},
        {"cell_type": "code", "source": "fares['fare'].sum()"},
    ]
    async with mcp_client(serving, jp_serverapp, url) as client:
        inserted = answer_of(
            await client.call_tool(
                "pachinco_insert_cells",
                {"notebook_path": "closed.ipynb", "cells": cells, "index": 1, "intent": "total"},
            )
        )
    assert (inserted["via"], inserted["index"], inserted["inserted"]) == ("file", 1, 2)
    saved = nbformat.read(root / "closed.ipynb", as_version=4)
    assert [c.source for c in saved.cells] == [
        "x = 1",
        cells[0]["source"],
        cells[1]["source"],
        "y = 2",
    ]
    assert saved.cells[1].metadata["pachinco"]["intent"] == "total"
    assert [c.id for c in saved.cells[1:3]] == inserted["cell_ids"]


async def test_cells_are_never_written_behind_an_open_editor(
    serving: str, jp_serverapp: Any, url: str
) -> None:
    root = Path(jp_serverapp.root_dir)
    async with notebook_session(jp_serverapp, "open.ipynb", ["x = 1"]):
        before = (root / "open.ipynb").read_bytes()
        async with mcp_client(serving, jp_serverapp, url) as client:
            refused = error_of(
                await client.call_tool(
                    "pachinco_insert_cells",
                    {
                        "notebook_path": "open.ipynb",
                        "cells": [{"cell_type": "code", "source": "1"}],
                    },
                )
            )
        assert (root / "open.ipynb").read_bytes() == before
    assert "409" in refused
    assert "jupyter-collaboration" in refused


async def test_bad_arguments_are_mcp_errors_that_say_what_was_wrong(
    serving: str, jp_serverapp: Any, url: str
) -> None:
    async with mcp_client(serving, jp_serverapp, url) as client:
        unknown = error_of(
            await client.call_tool(
                "pachinco_variables", {"kernel_id": "00000000-0000-0000-0000-000000000000"}
            )
        )
        outside = error_of(
            await client.call_tool(
                "pachinco_insert_cells",
                {
                    "notebook_path": "../elsewhere.ipynb",
                    "cells": [{"cell_type": "code", "source": "1"}],
                },
            )
        )
        outside_context = error_of(
            await client.call_tool(
                "pachinco_notebook_context",
                {"intent": "x", "notebook_path": "a/../../../etc/passwd"},
            )
        )
        huge = error_of(
            await client.call_tool(
                "pachinco_trial_run", {"kernel_id": "k", "candidates": ["x = 1\n" * 200_000]}
            )
        )
        many = error_of(
            await client.call_tool(
                "pachinco_trial_run", {"kernel_id": "k", "candidates": ["1"] * 100}
            )
        )
        missing = error_of(await client.call_tool("pachinco_variables", {}))
        absolute = error_of(
            await client.call_tool(
                "pachinco_insert_cells",
                {
                    "notebook_path": "/etc/passwd.ipynb",
                    "cells": [{"cell_type": "code", "source": "1"}],
                },
            )
        )
    assert "No running kernel has the id" in unknown
    assert "outside the server's root" in outside
    assert "outside the server's root" in outside_context
    assert "100000" in huge.replace(",", "")
    assert "candidates" in many
    assert "8" in many
    assert "kernel_id" in missing
    assert "notebook_path" in missing
    assert "etc/passwd.ipynb" in absolute  # read inside the root, where there is no such file
    assert "/etc/passwd" not in absolute.replace("etc/passwd.ipynb", "")


async def test_ask_gives_the_assistants_explained_cells(
    serving: str, jp_serverapp: Any, url: str
) -> None:
    async with (
        notebook_session(jp_serverapp, "ask.ipynb", [SETUP]),
        mcp_client(serving, jp_serverapp, url) as client,
    ):
        answer = answer_of(
            await client.call_tool(
                "pachinco_ask",
                {"intent": "total fare", "notebook_path": "ask.ipynb", "candidates": 2},
            )
        )
    assert answer["code"].strip() == "total_fare = fares['fare'].sum()\ntotal_fare"
    assert [s["explanation"] for s in answer["steps"]] == ["Add up the fares.", "Show the total."]
    assert [c["cell_type"] for c in answer["cells"]] == ["markdown", "code"]
    assert answer["vote"]["candidates"][0]["status"] == "ok"
    assert "86.5" in answer["vote"]["candidates"][0]["preview"]
