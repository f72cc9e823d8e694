"""The base of every HTTP handler of the assistant: thin, authenticated and authorized.

Each handler module builds on `PachincoHandler` and ends with its routes (``status_handlers``,
``generate_handlers``, ``completion_handlers``, ``history_handlers``, ``agent_handlers``);
`app.pachinco_handlers`
collects them. Handlers reach the server's services as ``self.pachinco``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin

from .services import PachincoServices
from .validation import BadRequest

AUTH_RESOURCE = "pachinco"
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def hide_server_paths(text: str, root_dir: str = "") -> str:
    """``text`` without the server's absolute folders: the root folder becomes relative,
    Python's installation and this package's folder become ``…``."""
    if root_dir:
        root = os.path.abspath(root_dir)
        text = text.replace(root + os.sep, "").replace(root, ".")
    for place in sorted({sys.prefix, sys.base_prefix, _PACKAGE_ROOT}, key=len, reverse=True):
        if len(place) > 1:
            text = text.replace(place, "…")
    return text


class PachincoHandler(ExtensionHandlerMixin, APIHandler):
    """Base of every handler: the resource name that authorization checks."""

    auth_resource = AUTH_RESOURCE

    @property
    def pachinco(self) -> PachincoServices:
        services: PachincoServices = self.settings["pachinco"]
        return services

    def refuse(self, error: BadRequest) -> None:
        """Answer a refused request with its status and ``{"message": ...}``; the message never
        names a folder of the server's disk (the root folder's files by their relative path)."""
        self.set_status(error.status)
        root = getattr(self.contents_manager, "root_dir", "") or ""
        self.finish(json.dumps({"message": hide_server_paths(error.message, root)}))

    def answer(self, body: dict[str, Any]) -> None:
        self.finish(json.dumps(body))
