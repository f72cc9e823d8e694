"""The model picker's endpoints, and getting the model ready ahead of the first question.

- ``GET /pachinco/models``: what this machine has (see `backends.discovery` and
  `backends.discovery_servers`), the active and the configured model;
- ``POST /pachinco/models`` ``{"servers": [{"base_url", "api_key_env", "name"}]}``: the same,
  also listing the models of these OpenAI-compatible servers (the sidebar's own list);
- ``POST /pachinco/model`` ``{"choice": {...}}`` switches the model without a restart
  (``{"choice": null}``: back to the configured one), answering with the new status;
- ``POST /pachinco/prepare``: a generate body without the question; the model loads and the
  fixed part of the prompt and the notebook's context are evaluated in the background (202).
"""

from __future__ import annotations

import asyncio
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..backends.choice import ChoiceError, ModelChoice
from ..backends.discovery_servers import ServerEntry
from .handlers import PachincoHandler
from .status_handlers import public_status
from .validation import BadRequest, read_json_object, read_prepare_body

MAX_SERVERS = 20


class ModelsHandler(PachincoHandler):
    """The models the picker can offer."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.answer(await self.pachinco.models.discover())

    @web.authenticated
    @authorized
    async def post(self) -> None:
        try:
            servers = read_servers(read_json_object(self.request.body or b"{}"))
        except BadRequest as error:
            self.refuse(error)
            return
        self.answer(await self.pachinco.models.discover(servers))


class ModelHandler(PachincoHandler):
    """Switch the model the server answers with."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        try:
            data = read_json_object(self.request.body)
            if set(data) != {"choice"}:
                raise BadRequest('The body must be {"choice": {...}} or {"choice": null}.')
            choice = None if data["choice"] is None else ModelChoice.from_json(data["choice"])
            await self.pachinco.models.choose(choice)
        except BadRequest as error:
            self.refuse(error)
            return
        except ChoiceError as error:
            self.refuse(BadRequest(str(error)))
            return
        self.answer(public_status(self.pachinco))


class PrepareHandler(PachincoHandler):
    """Get the model ready for a notebook's first question."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        try:
            body = read_prepare_body(self.request.body)
        except BadRequest as error:
            self.refuse(error)
            return
        task = asyncio.create_task(self.pachinco.generation.prepare(body))
        self.pachinco.background.add(task)
        task.add_done_callback(self.pachinco.background.discard)
        self.set_status(202)
        self.answer({"preparing": True, **public_status(self.pachinco)})


def read_servers(data: dict[str, Any]) -> list[ServerEntry]:
    """The ``servers`` of a body (at most `MAX_SERVERS`), each checked."""
    extra = sorted(set(data) - {"servers"})
    if extra:
        raise BadRequest(f"Unknown field(s) {', '.join(extra)}; known: servers.")
    servers = data.get("servers", [])
    if not isinstance(servers, list) or len(servers) > MAX_SERVERS:
        raise BadRequest(f"`servers` must be a list of at most {MAX_SERVERS} servers.")
    try:
        return [ServerEntry.from_json(server) for server in servers]
    except ChoiceError as error:
        raise BadRequest(str(error)) from error


model_handlers: list[tuple[str, type[PachincoHandler]]] = [
    (r"/pachinco/models", ModelsHandler),
    (r"/pachinco/model", ModelHandler),
    (r"/pachinco/prepare", PrepareHandler),
]
