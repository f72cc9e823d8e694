"""``GET /pachinco/status`` (version, configured backend, the model's state) and
``GET /pachinco/openapi.json`` (the OpenAPI description of the API)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..backends.urls import public_url
from ..execution.sandbox import isolation_here
from ..version import __version__
from .handlers import PachincoHandler
from .services import PachincoServices


def public_status(services: PachincoServices) -> dict[str, Any]:
    """What the browser may know about the configuration: never secrets (the server URL
    without its user, password and query)."""
    settings = services.backend_settings
    model = services.shared_assistant.status
    loading = model.loading
    return {
        "version": __version__,
        "backend": settings.backend,
        "model": settings.model,
        "base_url": public_url(settings.base_url) or None,
        "model_state": model.state,
        "loading": None
        if loading is None
        else {"stage": loading.stage, "message": loading.message, "fraction": loading.fraction},
        "error": model.error,
        # How trial runs are isolated on this machine (the kernel's, when it runs here).
        "trial_isolation": isolation_here(),
        **services.models.public(),
    }


def openapi_description() -> dict[str, Any]:
    """The OpenAPI description shipped with the package."""
    text = resources.files(__package__).joinpath("openapi.json").read_text(encoding="utf-8")
    description: dict[str, Any] = json.loads(text)
    return description


class StatusHandler(PachincoHandler):
    """``GET /pachinco/status``: version, configured backend and the model's state."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.answer(public_status(self.pachinco))


class OpenAPIHandler(PachincoHandler):
    """``GET /pachinco/openapi.json``: the OpenAPI 3 description of these endpoints."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.answer(openapi_description())


status_handlers: list[tuple[str, type[PachincoHandler]]] = [
    (r"/pachinco/status", StatusHandler),
    (r"/pachinco/openapi\.json", OpenAPIHandler),
]
