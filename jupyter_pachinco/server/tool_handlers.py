"""The tool endpoints: what an agent (through ``jupyter-pachinco mcp`` or any HTTP client with
a Jupyter token) uses to look at a notebook and try code without changing anything.

- ``GET /pachinco/variables?kernel_id=...`` (or ``?notebook_path=...``): the live variables'
  schemas, described by a silent execute;
- ``POST /pachinco/context``: the context a prompt for an intent would hold, within a budget;
- ``POST /pachinco/trial``: candidates trial-run in forks of the kernel, ranked by their vote;
- ``GET /pachinco/cells?path=...``: a notebook's cells as they are now, and its kernel;
- ``POST /pachinco/cells``: cells inserted into a notebook (its live document when open);
- ``POST /pachinco/scratches`` (open, from ``kernel_id`` or ``notebook_path``),
  ``POST /pachinco/scratches/run``, ``GET /pachinco/scratches/variables?scratch_id=...``,
  ``POST /pachinco/scratches/close``: scratch sessions (``scratch_tools``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..backends import BackendError
from .handlers import PachincoHandler
from .tool_validation import (
    read_cells_body,
    read_context_body,
    read_scratch_body,
    read_scratch_id,
    read_scratch_open_body,
    read_target,
    read_trial_body,
    root_path,
)
from .validation import BadRequest


class ToolHandler(PachincoHandler):
    """Runs one piece of work and answers its JSON, or the refusal it raised."""

    async def run(self, work: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        try:
            self.answer(await work())
        except BadRequest as error:
            self.refuse(error)
        except BackendError as error:  # the server's model settings cannot work: not a 4xx
            self.refuse(BadRequest(str(error), status=503))


class VariablesHandler(ToolHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        async def work() -> dict[str, Any]:
            query = {
                name: self.get_query_argument(name, None) for name in ("kernel_id", "notebook_path")
            }
            return await self.pachinco.tools.variables(read_target(query))

        await self.run(work)


class ContextHandler(ToolHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        async def work() -> dict[str, Any]:
            return await self.pachinco.tools.context(read_context_body(self.request.body))

        await self.run(work)


class TrialHandler(ToolHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        async def work() -> dict[str, Any]:
            return await self.pachinco.tools.trial(read_trial_body(self.request.body))

        await self.run(work)


class CellsHandler(ToolHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        async def work() -> dict[str, Any]:
            path = root_path(self.get_query_argument("path", None), "path")
            return await self.pachinco.tools.notebook(path)

        await self.run(work)

    @web.authenticated
    @authorized
    async def post(self) -> None:
        async def work() -> dict[str, Any]:
            inserted = await self.pachinco.tools.insert(read_cells_body(self.request.body))
            return inserted.as_json()

        await self.run(work)


class ScratchOpenHandler(ToolHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        async def work() -> dict[str, Any]:
            target = read_scratch_open_body(self.request.body)
            return await self.pachinco.tools.scratch.open(target)

        await self.run(work)


class ScratchRunHandler(ToolHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        async def work() -> dict[str, Any]:
            scratch_id, code = read_scratch_body(self.request.body, with_code=True)
            return await self.pachinco.tools.scratch.run(scratch_id, code)

        await self.run(work)


class ScratchVariablesHandler(ToolHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        async def work() -> dict[str, Any]:
            scratch_id = read_scratch_id(self.get_query_argument("scratch_id", None))
            return await self.pachinco.tools.scratch.variables(scratch_id)

        await self.run(work)


class ScratchCloseHandler(ToolHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        async def work() -> dict[str, Any]:
            scratch_id, _ = read_scratch_body(self.request.body, with_code=False)
            return await self.pachinco.tools.scratch.close(scratch_id)

        await self.run(work)


tool_handlers: list[tuple[str, type[PachincoHandler]]] = [
    (r"/pachinco/variables", VariablesHandler),
    (r"/pachinco/context", ContextHandler),
    (r"/pachinco/trial", TrialHandler),
    (r"/pachinco/cells", CellsHandler),
    (r"/pachinco/scratches", ScratchOpenHandler),
    (r"/pachinco/scratches/run", ScratchRunHandler),
    (r"/pachinco/scratches/variables", ScratchVariablesHandler),
    (r"/pachinco/scratches/close", ScratchCloseHandler),
]
