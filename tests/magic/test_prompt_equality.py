"""The same intent and context give the same prompt through the magic and through the server.

One kernel, started through the server as JupyterLab starts it; the magic builds its prompt
inside that kernel (``--show-prompt``), the server builds its own for the same cells, kernel and
earlier turn (``POST /pachinco/prompt``); the two must be equal, message for message. A fix,
too: ``%pachinco fix`` after a failing cell, and the sidebar's fix request for that cell (its
code and the traceback of its error output, the cells above it as context).
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from jupyter_pachinco.context import append_turn, make_turn
from tests.support.fake_openai import FakeOpenAIServer

from .conftest import scripted_options
from .kernel_session import CELL_TIMEOUT_S, run_cell_async

CELLS = [
    "import pandas as pd\n"
    "people = pd.DataFrame({'price': [3.5, 2.0, 7.25], 'city': ['Oslo', 'Rome', 'Oslo']})",
    "total = people['price'].sum()\nlabels = sorted(people['city'].unique())",
]
EARLIER_INTENT = "six times seven"
INTENT = "mean price per city, highest first"
FAILING = "by_city = people.groupby('citty')['price'].mean()\nby_city.sort_values()"
NOTE = "keep the cities as the index"
# How the sidebar strips the colours of an error output's traceback (src/repair.ts).
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
PROMPT_MIME = "application/vnd.pachinco.prompt+json"


async def start_kernel_through_server(jp_fetch: Any, jp_serverapp: Any) -> tuple[str, Any]:
    response = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "python3"}))
    kernel_id: str = json.loads(response.body)["id"]
    client = jp_serverapp.kernel_manager.get_kernel(kernel_id).client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    return kernel_id, client


def save_notebook(folder: Path, name: str, turn: dict[str, str]) -> None:
    """The notebook the sidebar would have saved: the same cells and the earlier turn."""
    cells: list[dict[str, Any]] = [
        {"cell_type": "code", "source": c, "metadata": {}, "outputs": [], "execution_count": None}
        for c in CELLS
    ]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    with_turn = append_turn(notebook, make_turn(turn["intent"], turn["code"], turn["explanation"]))
    (folder / name).write_text(json.dumps(with_turn), encoding="utf-8")


async def test_magic_and_server_build_the_same_prompt(
    jp_fetch: Any,
    jp_serverapp: Any,
    jp_root_dir: Path,
    tiny_model_dir: Path,
    scripted_model: FakeOpenAIServer,
) -> None:
    kernel_id, client = await start_kernel_through_server(jp_fetch, jp_serverapp)
    try:
        loaded = await client.execute_interactive(
            "%load_ext jupyter_pachinco", store_history=False, timeout=CELL_TIMEOUT_S
        )
        assert loaded["content"]["status"] == "ok"
        for cell in CELLS:
            assert (await run_cell_async(client, cell)).ok
        earlier = await run_cell_async(
            client, f"%%pachinco {scripted_options(scripted_model)}\n{EARLIER_INTENT}"
        )
        assert earlier.next_input is not None
        [explanation] = earlier.shown("display_data", "text/markdown")
        tiny = f"--backend transformers --model {tiny_model_dir}"
        shown = await run_cell_async(client, f"%%pachinco --show-prompt {tiny}\n{INTENT}")
        assert shown.ok, shown.stream("stderr")
        [from_magic] = shown.shown("display_data", "application/vnd.pachinco.prompt+json")
    finally:
        client.stop_channels()

    turn = {"intent": EARLIER_INTENT, "code": earlier.next_input, "explanation": explanation}
    save_notebook(jp_root_dir, "analysis.ipynb", turn)
    body = {
        "request_id": str(uuid.uuid4()),
        "intent": INTENT,
        "notebook_path": "analysis.ipynb",
        "cells": [{"cell_type": "code", "source": c, "outputs": []} for c in CELLS],
        "active_cell_index": len(CELLS) - 1,
        "kernel_id": kernel_id,
        "options": {},
    }
    response = await jp_fetch("pachinco", "prompt", method="POST", body=json.dumps(body))
    from_server = json.loads(response.body)

    assert from_server == from_magic
    everything = json.dumps(from_server)
    for part in ("Columns in people", "labels = sorted", EARLIER_INTENT, "result = 6 * 7", INTENT):
        assert part in everything


async def test_magic_and_server_build_the_same_fix_prompt(
    jp_fetch: Any, jp_serverapp: Any, tiny_model_dir: Path
) -> None:
    kernel_id, client = await start_kernel_through_server(jp_fetch, jp_serverapp)
    try:
        loaded = await client.execute_interactive(
            "%load_ext jupyter_pachinco", store_history=False, timeout=CELL_TIMEOUT_S
        )
        assert loaded["content"]["status"] == "ok"
        for cell in CELLS:
            assert (await run_cell_async(client, cell)).ok
        failed = await run_cell_async(client, FAILING)
        assert failed.error_name == "KeyError"
        [error] = [m["content"] for m in failed.messages if m["msg_type"] == "error"]
        tiny = f"--backend transformers --model {tiny_model_dir}"
        shown = await run_cell_async(client, f"%pachinco fix --show-prompt {tiny} {NOTE}")
        assert shown.ok, shown.stream("stderr")
        [from_magic] = shown.shown("display_data", PROMPT_MIME)
    finally:
        client.stop_channels()

    body = {
        "request_id": str(uuid.uuid4()),
        "intent": NOTE,
        "notebook_path": None,
        "cells": [{"cell_type": "code", "source": c, "outputs": []} for c in CELLS],
        "active_cell_index": len(CELLS) - 1,
        "kernel_id": kernel_id,
        "options": {},
        "fix": {"code": FAILING, "error": ANSI_ESCAPE.sub("", "\n".join(error["traceback"]))},
    }
    response = await jp_fetch("pachinco", "prompt", method="POST", body=json.dumps(body))
    from_server = json.loads(response.body)

    # the server's context is the cells above the failing one: so is the magic's
    assert from_server == from_magic
    everything = json.dumps(from_server)
    for part in ("groupby('citty')", "Cell In[", "KeyError: 'citty'", NOTE):
        assert part in everything
