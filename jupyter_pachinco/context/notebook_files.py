"""Reading notebook files the way Jupyter does: any nbformat version, upgraded to v4.

`read_notebook` reads a ``.ipynb`` file with ``nbformat`` and upgrades it to nbformat 4 (v1-v3
notebooks keep their cells under ``worksheets`` and their code under ``input``), so that
everything the project reads (mining, history, the harness) sees the same shape. Jupyter opens
a v4 notebook that its schema finds invalid with a warning; so do we, as plain JSON, as long
as it holds a list of cells. Anything else raises `UnreadableNotebook`, with a reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class UnreadableNotebook(ValueError):
    """A file that no nbformat version reads as a notebook (the message says why)."""


def read_notebook(path: Path) -> dict[str, Any]:
    """The notebook at ``path`` as an nbformat 4 dict (see the module docstring)."""
    import nbformat

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableNotebook(f"the file cannot be read as UTF-8 text ({exc})") from exc
    try:
        notebook = nbformat.reads(  # type: ignore[no-untyped-call]
            text, as_version=4, capture_validation_error={}
        )
    except Exception as exc:  # ValueError, KeyError, jsonschema's ValidationError...
        notebook = _as_invalid_v4(text, exc)
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise UnreadableNotebook("it holds no list of cells")
    return dict(notebook)


def _as_invalid_v4(text: str, error: Exception) -> dict[str, Any]:
    """A v4 notebook that fails nbformat's schema, read as JSON; else `UnreadableNotebook`."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise UnreadableNotebook(f"it is not JSON ({exc})") from error
    major = document.get("nbformat") if isinstance(document, dict) else None
    if major == 4 and isinstance(document.get("cells"), list):
        return dict(document)
    raise UnreadableNotebook(f"nbformat cannot read it ({error})") from error
