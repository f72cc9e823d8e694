"""jupyter_pachinco: an AI pair programmer for pandas notebooks in JupyterLab.

The package's face: ``__version__`` (from `version`), the facade `Assistant` (from `assistant`,
loaded on first use; its options and the request limits in `options`), the JupyterLab and
Jupyter server extension hooks, and ``%load_ext jupyter_pachinco`` (the magics in `magic`).
Its rooms: `context`, `prompting`, `completion`, `backends`, `execution`, `magic`, `server`
(with the kernel bridge in `server.kernels`), `evaluation` (with `evaluation.mining`) and
`training`; see README's Layout.
"""

from __future__ import annotations

from typing import Any

from .version import __version__


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-pachinco"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .server.app import PachincoApp

    return [{"module": "jupyter_pachinco", "app": PachincoApp}]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext jupyter_pachinco``: the ``%%pachinco`` and ``%pachinco`` magics."""
    from .magic import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from .magic import unload_ipython_extension as unload

    unload(ipython)


def __getattr__(name: str) -> Any:
    # The facade pulls in the whole pipeline; load it on first use only, so that the server
    # extension and `jupyter-pachinco --version` stay quick to import.
    if name == "Assistant":
        from .assistant import Assistant

        return Assistant
    raise AttributeError(name)


__all__ = ["Assistant", "__version__"]
