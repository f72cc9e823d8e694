"""The MCP tools: one implementation, served by ``jupyter-pachinco mcp`` (the official SDK) and
by ``jupyter-server-mcp`` (see ``standalone`` and ``hosted``).

Each tool is an async function whose first parameter is the `JupyterAPI` to call and whose
other parameters, typed with pydantic ``Field`` bounds, become its JSON schema (both servers
build the schema from the signature the same way); `TOOLS` gives each one its name, the
description a model reads, and its annotations (`ToolAnnotations`), which tell the truth:
only ``pachinco_insert_cells`` changes anything the user has, and it says so
(``destructiveHint``); only ``pachinco_ask`` reaches beyond the Jupyter server (the model it
is configured with may be a hosted API: ``openWorldHint``). `bind` turns a tool into the
plain function a server registers, with the API resolved per call and `ToolFailure` raised
as that server's tool error.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from mcp_types import ContentBlock
from pydantic import BaseModel, Field

from ..options import DEFAULT_MAX_NEW_TOKENS, MAX_CANDIDATES, MAX_INTENT_CHARS, MAX_NEW_TOKENS
from ..server.tool_validation import (
    MAX_BUDGET,
    MAX_CODE_CHARS,
    MAX_ID_CHARS,
    MAX_INSERT_CELLS,
    MAX_PATH_CHARS,
    MAX_TRIAL_CANDIDATES,
    MIN_BUDGET,
)
from .jupyter_api import JupyterAPI
from .results import ask_result, json_text, trial_result
from .scratch import SCRATCH_TOOLS
from .specs import ToolSpec, hints

NO_CHANGE = (
    "Nothing the user has is changed: every candidate runs in its own copy-on-write fork of "
    "the kernel process (a snapshot of all variables, made in milliseconds without copying "
    "data), under wall-time, CPU and memory limits, with output captured; code that writes or "
    "deletes files, starts processes or opens connections is refused before it runs. The "
    "kernel's variables, its history, the user's files and the notebook stay as they were."
)

NotebookPath = Annotated[
    str | None,
    Field(
        description="The notebook's path relative to the Jupyter server's root, e.g. "
        "'analysis/sales.ipynb'. Its running kernel is used.",
        max_length=MAX_PATH_CHARS,
    ),
]
KernelId = Annotated[
    str | None,
    Field(
        description="A running kernel's id (GET /api/kernels); instead of notebook_path.",
        max_length=MAX_ID_CHARS,
    ),
]
Code = Annotated[str, Field(max_length=MAX_CODE_CHARS)]


class NewCell(BaseModel):
    """A cell to insert."""

    cell_type: Literal["code", "markdown"]
    source: Annotated[str, Field(max_length=MAX_CODE_CHARS)]


async def pachinco_notebook_context(
    api: JupyterAPI,
    intent: Annotated[
        str,
        Field(description="What the code should do, in plain words.", max_length=MAX_INTENT_CHARS),
    ],
    notebook_path: Annotated[
        str,
        Field(
            description="The notebook, relative to the server's root.", max_length=MAX_PATH_CHARS
        ),
    ],
    budget_tokens: Annotated[
        int,
        Field(description="The most tokens the context may take.", ge=MIN_BUDGET, le=MAX_BUDGET),
    ] = 2_048,
    kernel_id: KernelId = None,
    include_outputs: Annotated[bool, Field(description="Keep cell outputs.")] = False,
) -> list[ContentBlock]:
    body = {
        "intent": intent,
        "notebook_path": notebook_path,
        "kernel_id": kernel_id,
        "budget": budget_tokens,
        "include_outputs": include_outputs,
    }
    return [json_text(await api.post("pachinco/context", body))]


async def pachinco_variables(
    api: JupyterAPI, notebook_path: NotebookPath = None, kernel_id: KernelId = None
) -> list[ContentBlock]:
    found = await api.get("pachinco/variables", notebook_path=notebook_path, kernel_id=kernel_id)
    return [json_text(found)]


async def pachinco_trial_run(
    api: JupyterAPI,
    candidates: Annotated[
        list[Code],
        Field(
            description=f"1 to {MAX_TRIAL_CANDIDATES} code candidates (Python source each).",
            min_length=1,
            max_length=MAX_TRIAL_CANDIDATES,
        ),
    ],
    notebook_path: NotebookPath = None,
    kernel_id: KernelId = None,
) -> list[ContentBlock]:
    body = {"candidates": candidates, "notebook_path": notebook_path, "kernel_id": kernel_id}
    return trial_result(await api.post("pachinco/trial", body))


async def pachinco_insert_cells(
    api: JupyterAPI,
    notebook_path: Annotated[
        str,
        Field(
            description="The notebook to insert into, relative to the server's root.",
            max_length=MAX_PATH_CHARS,
        ),
    ],
    cells: Annotated[
        list[NewCell],
        Field(
            description="The cells, in order: markdown explanations and code.",
            min_length=1,
            max_length=MAX_INSERT_CELLS,
        ),
    ],
    index: Annotated[
        int | None, Field(description="Insert before this cell position; null: at the end.", ge=0)
    ] = None,
    intent: Annotated[
        str,
        Field(
            description="The request the cells answer (kept in their metadata).",
            max_length=MAX_INTENT_CHARS,
        ),
    ] = "",
) -> list[ContentBlock]:
    body = {
        "path": notebook_path,
        "cells": [c.model_dump() for c in cells],
        "index": index,
        "intent": intent,
    }
    return [json_text(await api.post("pachinco/cells", body))]


async def pachinco_ask(
    api: JupyterAPI,
    intent: Annotated[
        str,
        Field(description="What the code should do, in plain words.", max_length=MAX_INTENT_CHARS),
    ],
    notebook_path: Annotated[
        str, Field(description="The notebook, relative to the root.", max_length=MAX_PATH_CHARS)
    ],
    candidates: Annotated[
        int,
        Field(
            description="How many answers to sample and trial-run (vote).", ge=1, le=MAX_CANDIDATES
        ),
    ] = 1,
    max_new_tokens: Annotated[int, Field(ge=1, le=MAX_NEW_TOKENS)] = DEFAULT_MAX_NEW_TOKENS,
) -> list[ContentBlock]:
    notebook = await api.get("pachinco/cells", path=notebook_path)
    body = {
        "request_id": f"mcp-{uuid.uuid4()}",
        "intent": intent,
        "notebook_path": notebook_path,
        "cells": [_cell(c) for c in notebook["cells"]],
        "kernel_id": notebook.get("kernel_id"),
        "options": {
            "n": candidates,
            "max_new_tokens": max_new_tokens,
            "temperature": 0.7 if candidates > 1 else 0.0,
        },
    }
    return ask_result([line async for line in api.lines("pachinco/generate", body)])


def _cell(cell: dict[str, Any]) -> dict[str, Any]:
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else str(source)
    return {"cell_type": cell.get("cell_type", "code"), "source": text, "outputs": []}


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        pachinco_notebook_context,
        "Notebook context for an intent",
        "The context Pachinco's own prompt would hold for an intent in this notebook, packed "
        "into budget_tokens (counted with the configured model's tokenizer): the cells above "
        "(newest kept first when the budget is short), the live DataFrames' schemas (columns, "
        "dtypes, example values) and other variables of the notebook's kernel, and the earlier "
        "Pachinco turns kept in the notebook. Also the exact prompt text. Read-only.",
        hints(True, False, True, False),
    ),
    ToolSpec(
        pachinco_variables,
        "Live variables' schemas",
        "The schemas of every live variable in the notebook's kernel: for a DataFrame its "
        "shape, columns with dtypes and example values; for other values their type, size and "
        "a short preview. Read by a silent execute (no execution count, no history); the cost "
        "does not grow with the data. A busy kernel answers with its last snapshot, marked "
        "stale. Read-only: the kernel is not changed.",
        hints(True, False, True, False),
    ),
    ToolSpec(
        pachinco_trial_run,
        "Trial-run code candidates safely",
        "Try 1 to 8 code candidates against the notebook's live variables and see what each "
        "gives, without changing anything. " + NO_CHANGE + " Back: per candidate its status "
        "(ok, error, timeout, not_run with the refused side effects), the value's type, shape "
        "and a preview, what it printed, the error; and the vote: candidates whose outputs "
        "agree are grouped, the largest group first (summary says e.g. '2 of 3 candidates "
        "agree'). Use it to check code before inserting it.",
        hints(True, False, True, False),
    ),
    ToolSpec(
        pachinco_insert_cells,
        "Insert cells into a notebook",
        "Insert markdown and code cells into a notebook, at index (null: the end). Changes the "
        "user's notebook. When the notebook is open in JupyterLab with real-time collaboration "
        "(jupyter-collaboration), the cells go into the live document and appear at once; when "
        "nobody has it open, the saved file is changed; when it is open without collaboration "
        "the call is refused rather than write behind the open editor. Nothing is run. "
        "Inserted cells are tagged metadata.pachinco.",
        hints(False, True, False, False),
    ),
    ToolSpec(
        pachinco_ask,
        "Ask Pachinco for explained cells",
        "Ask the Pachinco assistant (the code model configured on the Jupyter server) for an "
        "explained, step-by-step answer to an intent in this notebook: it reads the cells, the "
        "kernel's live schemas and earlier turns, samples `candidates` answers, trial-runs "
        "them in forks of the kernel (nothing is changed) and returns the chosen answer's "
        "explained steps and the cells to insert (markdown explanation, then code), with the "
        "vote. Nothing is inserted: use pachinco_insert_cells for that.",
        hints(True, False, False, True),
    ),
    *SCRATCH_TOOLS,
)
