"""The base of every HTTP handler of the assistant: thin, authenticated and authorized.

Each handler module builds on `PachincoHandler` and ends with its routes (``status_handlers``,
``generate_handlers``, ``completion_handlers``, ``history_handlers``, ``agent_handlers``);
`app.pachinco_handlers`
collects them. Handlers reach the server's services as ``self.pachinco``.
"""

from __future__ import annotations

import json
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin

from .services import PachincoServices
from .validation import BadRequest

AUTH_RESOURCE = "pachinco"


class PachincoHandler(ExtensionHandlerMixin, APIHandler):
    """Base of every handler: the resource name that authorization checks."""

    auth_resource = AUTH_RESOURCE

    @property
    def pachinco(self) -> PachincoServices:
        services: PachincoServices = self.settings["pachinco"]
        return services

    def refuse(self, error: BadRequest) -> None:
        """Answer a refused request with its status and ``{"message": ...}``."""
        self.set_status(error.status)
        self.finish(json.dumps({"message": error.message}))

    def answer(self, body: dict[str, Any]) -> None:
        self.finish(json.dumps(body))
