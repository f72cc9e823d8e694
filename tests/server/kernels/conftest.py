"""The kernel bridge's tests need a real server's kernel manager, not a model: the extension
is loaded as a user's server loads it, without the API tests' scripted model server."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"jupyter_pachinco": True}}}
