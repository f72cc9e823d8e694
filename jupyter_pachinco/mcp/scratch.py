"""The scratch-session tools: a copy of a notebook's kernel for an agent to work in step by step
(open it, run steps, read its variables, close it), over ``/pachinco/scratches`` (the server's
``scratch_tools``). A step's figures come back as PNG images (`results.scratch_result`).

Their annotations: nothing here changes what the user has (``destructiveHint`` false), but
opening and running change the scratch, the agent's own copy (``readOnlyHint`` false); reading
variables changes nothing; closing twice is closing once.
"""

from __future__ import annotations

from typing import Annotated

from mcp_types import ContentBlock
from pydantic import Field

from ..server.tool_validation import MAX_CODE_CHARS, MAX_ID_CHARS, MAX_PATH_CHARS
from .jupyter_api import JupyterAPI
from .results import json_text, scratch_result
from .specs import ToolSpec, hints

ScratchId = Annotated[
    str,
    Field(description="The id pachinco_scratch_open gave.", min_length=1, max_length=MAX_ID_CHARS),
]
APART = (
    "A scratch session is a sandboxed copy-on-write fork of the notebook's kernel, made in "
    "milliseconds without copying data: what runs there changes the scratch alone, never the "
    "user's kernel, its history, files or notebook."
)


async def pachinco_scratch_open(
    api: JupyterAPI,
    notebook_path: Annotated[
        str | None,
        Field(
            description="The notebook, relative to the server's root.", max_length=MAX_PATH_CHARS
        ),
    ] = None,
    kernel_id: Annotated[
        str | None, Field(description="A running kernel's id, instead.", max_length=MAX_ID_CHARS)
    ] = None,
) -> list[ContentBlock]:
    body = {"notebook_path": notebook_path, "kernel_id": kernel_id}
    return [json_text(await api.post("pachinco/scratches", body))]


async def pachinco_scratch_run(
    api: JupyterAPI,
    scratch_id: ScratchId,
    code: Annotated[str, Field(description="One step of Python.", max_length=MAX_CODE_CHARS)],
) -> list[ContentBlock]:
    body = {"scratch_id": scratch_id, "code": code}
    return scratch_result(await api.post("pachinco/scratches/run", body))


async def pachinco_scratch_variables(api: JupyterAPI, scratch_id: ScratchId) -> list[ContentBlock]:
    return [json_text(await api.get("pachinco/scratches/variables", scratch_id=scratch_id))]


async def pachinco_scratch_close(api: JupyterAPI, scratch_id: ScratchId) -> list[ContentBlock]:
    return [json_text(await api.post("pachinco/scratches/close", {"scratch_id": scratch_id}))]


SCRATCH_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        pachinco_scratch_open,
        "Open a scratch copy of a kernel",
        "Open a scratch session from the notebook's kernel as it is now, to work step by step "
        "without touching the user's state. " + APART + " Back: its scratch_id and the "
        "variables it starts with (schemas). At most 4 are open at once; one unused for 15 "
        "minutes is closed. Close it with pachinco_scratch_close when done.",
        hints(False, False, False, False),
    ),
    ToolSpec(
        pachinco_scratch_run,
        "Run a step in a scratch session",
        "Run one step of code in a scratch session; later steps see what it left. "
        + APART
        + " Back: the step's observation (status, printed output, the value's type, shape and "
        "preview, the variables it changed, the error with its line), its figures described "
        "and as PNG images, or timed_out. Files, processes and connections are refused by "
        "the sandbox.",
        hints(False, False, False, False),
    ),
    ToolSpec(
        pachinco_scratch_variables,
        "Read a scratch session's variables",
        "The schemas of every variable in a scratch session now (DataFrames: shape, columns "
        "with dtypes and example values). Read-only.",
        hints(True, False, True, False),
    ),
    ToolSpec(
        pachinco_scratch_close,
        "Close a scratch session",
        "Close a scratch session: its process ends and its state is dropped. The user's "
        "kernel is not affected.",
        hints(False, False, True, False),
    ),
)
