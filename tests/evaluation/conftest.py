"""Paths to the shared ARCADE test data (``../shared/arcade`` beside the clone).

The fixtures skip the test, naming the missing folder, when the data is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.shared_data import require_shared


@pytest.fixture
def demo_dir() -> Path:
    return require_shared("arcade", "exemplars_demo")


@pytest.fixture
def real_dir() -> Path:
    return require_shared("arcade", "real_is362")
