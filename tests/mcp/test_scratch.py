"""Scratch sessions through the SDK's real client, served all three ways: open one from a
notebook's real kernel, run steps (a figure comes back as an image), read its variables, close
it; the user's kernel stays as it was."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.support.user_kernel import evaluate

from .conftest import DIGEST, SETUP, notebook_session
from .servings import SERVINGS, mcp_client
from .test_tools import answer_of, error_of

pytestmark = pytest.mark.parametrize("serving", SERVINGS)

PLOT_SETUP = "import matplotlib\nmatplotlib.use('agg')\nimport matplotlib.pyplot as plt"
STEP = (
    "fares['fare'] = fares['fare'] * 100\n"
    "ax = fares.groupby('pclass')['fare'].mean().plot.bar(title='Mean fare')\n"
    "total = fares['fare'].sum()"
)


async def test_a_scratch_session_is_worked_in_and_the_kernel_is_unchanged(
    serving: str, jp_serverapp: Any, url: str
) -> None:
    cells = [SETUP, PLOT_SETUP]
    async with notebook_session(jp_serverapp, "scratch.ipynb", cells) as (kernel_id, kernel):
        before = await evaluate(kernel, DIGEST)
        async with mcp_client(serving, jp_serverapp, url) as client:
            opened = answer_of(
                await client.call_tool("pachinco_scratch_open", {"notebook_path": "scratch.ipynb"})
            )
            scratch = {"scratch_id": opened["scratch_id"]}
            ran = await client.call_tool("pachinco_scratch_run", {**scratch, "code": STEP})
            failed = answer_of(
                await client.call_tool(
                    "pachinco_scratch_run", {**scratch, "code": "fares['no_such_column']"}
                )
            )
            later = answer_of(await client.call_tool("pachinco_scratch_variables", scratch))
            closed = answer_of(await client.call_tool("pachinco_scratch_close", scratch))
            gone = error_of(await client.call_tool("pachinco_scratch_variables", scratch))
        after = await evaluate(kernel, DIGEST)

    assert opened["kernel_id"] == kernel_id
    assert "fares" in {v["name"] for v in opened["variables"]}
    stepped = answer_of(ran)
    observation = stepped["observation"]
    assert observation["status"] == "ok", observation
    assert "total" in {v["name"] for v in observation["variables"]}
    (figure,) = observation["figures"]
    assert (figure["kind"], figure["title"], figure["image"]) == ("bar", "Mean fare", True)
    assert "png" not in figure
    (image,) = [block for block in ran.content if block.type == "image"]
    assert image.mime_type == "image/png"
    assert base64.b64decode(image.data).startswith(b"\x89PNG\r\n\x1a\n")
    assert failed["observation"]["status"] == "error"
    assert "KeyError" in json.dumps(failed["observation"]["error"])
    total = next(v for v in later["variables"] if v["name"] == "total")
    assert "8650" in json.dumps(total)
    assert closed["closed"] is True
    assert "No open scratch session" in gone
    assert before == after


async def test_scratch_refusals_say_what_was_wrong(
    serving: str, jp_serverapp: Any, url: str
) -> None:
    async with mcp_client(serving, jp_serverapp, url) as client:
        unknown_kernel = error_of(
            await client.call_tool(
                "pachinco_scratch_open", {"kernel_id": "00000000-0000-0000-0000-000000000000"}
            )
        )
        unknown_scratch = error_of(
            await client.call_tool(
                "pachinco_scratch_run", {"scratch_id": "scratch-nope", "code": "1"}
            )
        )
        huge = error_of(
            await client.call_tool(
                "pachinco_scratch_run", {"scratch_id": "scratch-nope", "code": "x = 1\n" * 200_000}
            )
        )
    assert "No running kernel has the id" in unknown_kernel
    assert "No open scratch session has the id 'scratch-nope'" in unknown_scratch
    assert "100000" in huge.replace(",", "")
