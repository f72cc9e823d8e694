"""The package's version, ``jupyter_pachinco.__version__``: from ``_version.py``, which the
build writes (hatch's version hook, from package.json)."""

from __future__ import annotations

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - only in a source tree that was never built
    import warnings

    warnings.warn(
        "Importing 'jupyter_pachinco' outside a proper installation; run `make lab` or "
        "`pip install -e .` first.",
        stacklevel=2,
    )
    __version__ = "dev"

__all__ = ["__version__"]
