"""Paths to the shared ARCADE test data (``../shared/arcade`` beside the clone)."""

from __future__ import annotations

from pathlib import Path

import pytest

ARCADE = Path(__file__).resolve().parents[2] / ".." / "shared" / "arcade"


@pytest.fixture
def demo_dir() -> Path:
    return ARCADE / "exemplars_demo"


@pytest.fixture
def real_dir() -> Path:
    return ARCADE / "real_is362"
