"""Notebooks as they are now: their cells read, and explained cells inserted, without ever
writing behind an open editor.

Reading takes the live document of an open collaborative room when there is one (it may hold
edits not yet saved), else the saved file. Inserting has three cases, tried in this order:

1. **The notebook is open in a collaborative room** (the server runs ``jupyter_server_ydoc``,
   part of ``jupyter-collaboration``): the cells go into the room's live document model (its Y
   document, reached through the extension's ``get_document(..., copy=False)``) in one
   transaction. Every JupyterLab that has the notebook open sees them at once, and the room
   saves the file itself.
2. **The notebook has a kernel session but no room**: it is open somewhere (a JupyterLab
   without collaboration) and an open editor keeps its own copy, which its next save would
   write over ours (or ours over its unsaved edits). Nothing is written; `InsertRefused`
   (409) says so and what to do (install ``jupyter-collaboration``, or close the notebook).
3. **Nobody has it open**: the saved notebook is read, the cells inserted and the file saved
   through the contents manager (which keeps every path inside the server's root).

Inserted cells carry ``metadata.pachinco`` (``request_id``, ``intent``, ``source: "mcp"``),
as the sidebar's insertions do.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import nbformat

from ..awaiting import maybe_await
from .tool_validation import CellsBody
from .validation import BadRequest

YDOC_EXTENSION = "jupyter_server_ydoc"


class InsertRefused(BadRequest):
    """The cells cannot be inserted safely; the message says why and what to do."""


@dataclass(frozen=True)
class Insertion:
    """Where the cells went: ``via`` is ``"live"`` (an open room's document) or ``"file"``."""

    path: str
    index: int
    cell_ids: list[str]
    via: str

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "index": self.index,
            "cell_ids": self.cell_ids,
            "inserted": len(self.cell_ids),
            "via": self.via,
        }


def new_cells(body: CellsBody) -> list[dict[str, Any]]:
    """nbformat v4 cells (with ids) for ``body.cells``, tagged as our insertions."""
    tag = {"request_id": f"mcp-{uuid.uuid4()}", "intent": body.intent, "source": "mcp"}
    made = []
    for cell in body.cells:
        code = cell["cell_type"] == "code"
        maker = nbformat.v4.new_code_cell if code else nbformat.v4.new_markdown_cell
        made.append(dict(maker(cell["source"], metadata={"pachinco": dict(tag)})))  # type: ignore[no-untyped-call]
    return made


class NotebookDocuments:
    """Reads and inserts cells of one server's notebooks (see the module docstring)."""

    def __init__(self, serverapp: Any) -> None:
        self.serverapp = serverapp

    async def cells(self, path: str) -> list[dict[str, Any]]:
        """The notebook's cells (nbformat dicts), from its open room or its file."""
        document = await self._live_document(path)
        if document is not None:
            cells: list[dict[str, Any]] = document.get()["cells"]
            return cells
        model = await _contents(self.serverapp.contents_manager, path)
        return [dict(cell) for cell in model["content"]["cells"]]

    async def insert(self, body: CellsBody) -> Insertion:
        cells = new_cells(body)
        document = await self._live_document(body.path)
        if document is not None:
            return self._insert_live(document, body, cells)
        if await self._has_session(body.path):
            raise InsertRefused(
                f"The notebook {body.path} is open (it has a running kernel session) and this "
                "Jupyter server has no collaboration extension, so cells cannot reach the open "
                "editor without overwriting it. Install jupyter-collaboration (open editors "
                "then see inserted cells at once), or close the notebook and insert again.",
                status=409,
            )
        return await self._insert_in_file(body, cells)

    async def _live_document(self, path: str) -> Any:
        apps = self.serverapp.extension_manager.extension_apps.get(YDOC_EXTENSION)
        if not apps:
            return None
        extension = next(iter(apps))
        if not await _exists(self.serverapp.contents_manager, path):
            raise BadRequest(f"There is no notebook {path} in the server's root.", status=404)
        try:
            return await extension.get_document(
                path=path, content_type="notebook", file_format="json", copy=False
            )
        except (KeyError, ValueError):  # no file id yet, or no room: nobody has it open
            return None

    @staticmethod
    def _insert_live(document: Any, body: CellsBody, cells: list[dict[str, Any]]) -> Insertion:
        count = len(document.ycells)
        index = count if body.index is None else min(body.index, count)
        with document.ydoc.transaction():  # one change for every collaborator
            for offset, cell in enumerate(cells):
                document.ycells.insert(index + offset, document.create_ycell(cell))
        return Insertion(body.path, index, [str(c["id"]) for c in cells], "live")

    async def _has_session(self, path: str) -> bool:
        sessions = await maybe_await(self.serverapp.session_manager.list_sessions())
        return any(s.get("path") == path for s in sessions)

    async def _insert_in_file(self, body: CellsBody, cells: list[dict[str, Any]]) -> Insertion:
        manager = self.serverapp.contents_manager
        model = await _contents(manager, body.path)
        notebook: dict[str, Any] = model["content"]  # the manager's save validates it again
        present: list[Any] = notebook["cells"]
        index = len(present) if body.index is None else min(body.index, len(present))
        present[index:index] = cells
        saved = {"type": "notebook", "format": "json", "content": notebook}
        await maybe_await(manager.save(saved, body.path))
        return Insertion(body.path, index, [str(c["id"]) for c in cells], "file")


async def _contents(manager: Any, path: str) -> dict[str, Any]:
    """The saved notebook's model; 404/400 from the contents manager become our errors."""
    from tornado import web

    try:
        model: dict[str, Any] = await maybe_await(manager.get(path, content=True, type="notebook"))
    except web.HTTPError as exc:
        status = exc.status_code if 400 <= exc.status_code < 500 else 409
        reason = exc.log_message or exc.reason or "it could not be read"
        raise BadRequest(f"The notebook {path} cannot be used: {reason}", status=status) from exc
    return model


async def _exists(manager: Any, path: str) -> bool:
    return bool(await maybe_await(manager.file_exists(path)))
