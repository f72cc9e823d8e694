"""HTTP handlers of the assistant: thin, authenticated and authorized."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

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


class StatusHandler(PachincoHandler):
    """``GET /pachinco/status``: version and configured backend."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        status: dict[str, Any] = self.pachinco.public_status()
        self.finish(json.dumps(status))


status_handlers: list[tuple[str, type[PachincoHandler]]] = [
    (r"/pachinco/status", StatusHandler),
]
