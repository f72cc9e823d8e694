"""The work behind the tool endpoints, apart from HTTP: a kernel's variables, the context a
prompt would hold, trial runs of given code, and cells inserted into a notebook.

Each one runs on the services the generate stream uses (``KernelInspector``, ``KernelRanker``,
``GenerationService.history``, the shared `Assistant`'s packing), so what these endpoints say
is what the sidebar's prompts and rankings see. A kernel is named by its id or found as the
kernel of a notebook's session; an unknown one is a 404 `BadRequest`, never a guess.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ..assistant import Assistant
from ..awaiting import maybe_await
from ..context import PackedContext
from .generation import GenerationService
from .kernels.inspection import KernelInspector
from .kernels.ranking import KernelRanker
from .kernels.scratch import KernelScratches
from .notebook_documents import Insertion, NotebookDocuments
from .scratch_tools import ScratchTools
from .shared_assistant import SharedAssistant
from .stream_lines import notices, ranking_line
from .tool_validation import CellsBody, ContextBody, KernelTarget, TrialBody
from .validation import BadRequest


class NotebookTools:
    """One per server; see the module docstring."""

    def __init__(
        self,
        serverapp: Any,
        inspector: KernelInspector,
        ranker: KernelRanker,
        generation: GenerationService,
        shared: SharedAssistant,
        scratches: KernelScratches,
    ) -> None:
        self.serverapp = serverapp
        self.inspector = inspector
        self.ranker = ranker
        self.generation = generation
        self.shared = shared
        self.documents = NotebookDocuments(serverapp)
        self.scratch = ScratchTools(scratches, self.kernel_of)

    async def kernel_of(self, target: KernelTarget, *, required: bool = True) -> str | None:
        """The running kernel ``target`` names; `BadRequest` (404) when there is none."""
        kernels = self.serverapp.kernel_manager
        if target.kernel_id is not None:
            if target.kernel_id not in kernels:
                raise BadRequest(
                    f"No running kernel has the id {target.kernel_id!r}; list the running "
                    "kernels with GET /api/kernels, or give the notebook's path instead.",
                    status=404,
                )
            return target.kernel_id
        if target.notebook_path is not None:
            sessions = await maybe_await(self.serverapp.session_manager.list_sessions())
            for session in sessions:
                if session.get("path") == target.notebook_path and session.get("kernel"):
                    return str(session["kernel"]["id"])
            if required:
                raise BadRequest(
                    f"No kernel is running for the notebook {target.notebook_path}: open it in "
                    "JupyterLab and run its cells, or give `kernel_id`.",
                    status=404,
                )
        return None

    async def variables(self, target: KernelTarget) -> dict[str, Any]:
        kernel_id = await self.kernel_of(target)
        snapshot = await self.inspector.inspect(kernel_id)
        return {
            "kernel_id": kernel_id,
            "variables": snapshot.variables,
            "stale": snapshot.stale,
            "notice": snapshot.notice,
        }

    async def context(self, body: ContextBody) -> dict[str, Any]:
        """The context a prompt for ``body.intent`` would hold, within ``body.budget``."""
        kernel_id = await self.kernel_of(body.target, required=False)
        cells = body.cells
        if cells is None and body.target.notebook_path is not None:
            cells = await self.documents.cells(body.target.notebook_path)
        snapshot = await self.inspector.inspect(kernel_id)
        history, history_notice = await self.generation.history(body.target.notebook_path)
        shared = await self.shared.get()
        assistant = Assistant(
            shared.backend,
            count_tokens=shared.count_tokens,
            budget=body.budget or shared.budget,
            style=shared.style,
            form=shared.form,
        )
        packed = await asyncio.to_thread(
            assistant.pack,
            body.intent,
            cells or [],
            snapshot.variables,
            history,
            style=body.style,
            include_outputs=body.include_outputs,
        )
        prompt = assistant.prompt_for(packed, style=body.style)
        return {
            **packed_json(packed),
            "kernel_id": kernel_id,
            "stale": snapshot.stale,
            "notice": notices(snapshot.notice, history_notice),
            "style": body.style or assistant.style,
            "form": assistant.form,
            "prompt": prompt
            if isinstance(prompt, str)
            else [{"role": m.role, "content": m.content} for m in prompt],
        }

    async def trial(self, body: TrialBody) -> dict[str, Any]:
        """Each candidate in its own fork of the kernel, ranked; the kernel is not changed."""
        kernel_id = await self.kernel_of(body.target)
        ranking = await self.ranker.rank(kernel_id, body.candidates)
        line = ranking_line(ranking)
        line.pop("type")
        return {"kernel_id": kernel_id, **line}

    async def notebook(self, path: str) -> dict[str, Any]:
        """The notebook's cells as they are now (its open room, else its file) and the id of
        its session's kernel, if one runs."""
        cells = await self.documents.cells(path)
        kernel_id = await self.kernel_of(KernelTarget(None, path), required=False)
        return {"path": path, "cells": cells, "kernel_id": kernel_id}

    async def insert(self, body: CellsBody) -> Insertion:
        return await self.documents.insert(body)


def packed_json(packed: PackedContext) -> dict[str, Any]:
    """What a `PackedContext` kept, as JSON: cells oldest first, schemas, other variables,
    earlier turns, and what was left out."""
    return {
        "intent": packed.intent,
        "budget": packed.budget,
        "tokens": packed.tokens,
        "cells": [
            {"cell_type": c["cell_type"], "source": c["source"], "outputs": c.get("outputs", [])}
            for c in packed.cells
        ],
        "cells_left_out": packed.cells_left_out,
        "truncated_cell": packed.truncated_cell,
        "schemas": [dict(d) for d in packed.schemas],
        "variables": [dict(d) for d in packed.variables],
        "turns": [dict(t) for t in packed.turns],
        "turns_left_out": packed.turns_left_out,
    }
