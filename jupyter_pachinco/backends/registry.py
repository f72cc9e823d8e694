"""Backends are found by entry point (group ``jupyter_pachinco.backends``) and built here.

The built-in backends register through pyproject.toml exactly as a third-party package would,
so there is one path for all of them.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points

from traitlets.config import Config

from .errors import BackendNotFound, ConfigurationError
from .protocol import Backend
from .settings import BackendSettings

ENTRY_POINT_GROUP = "jupyter_pachinco.backends"


def available_backends() -> dict[str, EntryPoint]:
    """Registered backends by name."""
    return {entry.name: entry for entry in entry_points(group=ENTRY_POINT_GROUP)}


def load_backend_class(name: str) -> type[Backend]:
    """The backend class registered under `name`."""
    registered = available_backends()
    if name not in registered:
        known = ", ".join(sorted(registered)) or "none"
        raise BackendNotFound(
            f"No model backend named {name!r} is installed (installed: {known}). "
            f"Set BackendSettings.backend to one of those, or install a package that registers "
            f"{name!r} under the {ENTRY_POINT_GROUP!r} entry-point group."
        )
    try:
        loaded = registered[name].load()
    except ImportError as exc:
        raise ConfigurationError(
            f"The model backend {name!r} is installed but cannot be imported ({exc}). "
            "Install its dependencies, e.g. `pip install 'jupyter_pachinco[local]'` for "
            "'transformers'."
        ) from exc
    if not (isinstance(loaded, type) and issubclass(loaded, Backend)):
        raise ConfigurationError(
            f"The entry point {name!r} of {ENTRY_POINT_GROUP!r} does not name a Backend class."
        )
    return loaded


def build_backend(config: Config | None = None) -> Backend:
    """Build the configured backend from a traitlets `Config` (or the environment alone)."""
    settings = BackendSettings(config=config) if config is not None else BackendSettings()
    return backend_from_settings(settings)


def backend_from_settings(settings: BackendSettings) -> Backend:
    """Build the backend that `settings` select."""
    if settings.backend == "openai" and not settings.base_url:
        raise ConfigurationError(
            "The 'openai' backend needs a server address: set BackendSettings.base_url "
            "(or PACHINCO_BASE_URL), e.g. http://127.0.0.1:8000/v1."
        )
    backend_class = load_backend_class(settings.backend)
    settings.resolve_paths()
    return backend_class.from_settings(settings)
