"""The benchmark data beside the clone (``../shared``): found lazily, skipped by name when absent.

CI has ``../shared``; a clone elsewhere may not. Nothing here reads the folder at import time:
tests call `require_shared` inside a test or fixture, which skips that test with a reason that
names the missing folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: ``../shared`` beside the repository root (``tests/support/`` is two levels below it).
SHARED_ROOT = Path(__file__).resolve().parents[2].parent / "shared"


def shared_path(*parts: str) -> Path:
    """The path of ``../shared/<parts...>``, whether or not it exists."""
    return SHARED_ROOT.joinpath(*parts)


def require_shared(*parts: str) -> Path:
    """``../shared/<parts...>``, or skip the calling test when that folder or file is absent."""
    path = shared_path(*parts)
    if not path.exists():
        pytest.skip(
            f"needs the shared benchmark data: {path} is absent (../shared beside the clone)"
        )
    return path
