"""HTTP handlers of the assistant: thin, authenticated and authorized.

The base handler, status and the OpenAPI description live here; generate, cancel and the
prompt dry run in `generate_handlers`, history in `history_handlers`. `pachinco_handlers` is
the route table of all of them.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from .validation import BadRequest

if TYPE_CHECKING:
    from .app import PachincoApp

AUTH_RESOURCE = "pachinco"


class PachincoHandler(ExtensionHandlerMixin, APIHandler):
    """Base of every handler: the resource name that authorization checks."""

    auth_resource = AUTH_RESOURCE

    @property
    def pachinco(self) -> PachincoApp:
        app: PachincoApp = self.settings["pachinco"]
        return app

    def refuse(self, error: BadRequest) -> None:
        """Answer a refused request with its status and ``{"message": ...}``."""
        self.set_status(error.status)
        self.finish(json.dumps({"message": error.message}))

    def answer(self, body: dict[str, Any]) -> None:
        self.finish(json.dumps(body))


class StatusHandler(PachincoHandler):
    """``GET /pachinco/status``: version, configured backend and the model's state."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.answer(self.pachinco.public_status())


class OpenAPIHandler(PachincoHandler):
    """``GET /pachinco/openapi.json``: the OpenAPI 3 description of these endpoints."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.answer(openapi_description())


def openapi_description() -> dict[str, Any]:
    """The OpenAPI description shipped with the package."""
    text = resources.files(__package__).joinpath("openapi.json").read_text(encoding="utf-8")
    description: dict[str, Any] = json.loads(text)
    return description


def pachinco_handlers() -> list[tuple[str, type[PachincoHandler]]]:
    """Every route of the assistant's API."""
    # Imported here: those modules build on `PachincoHandler` above.
    from .completion_handlers import completion_handlers
    from .generate_handlers import generate_handlers
    from .history_handlers import history_handlers

    return [
        (r"/pachinco/status", StatusHandler),
        (r"/pachinco/openapi\.json", OpenAPIHandler),
        *generate_handlers,
        *completion_handlers,
        *history_handlers,
    ]
