"""Fixtures of the agent tests: a real Jupyter server with the extension, answered by the
scripted model server (real protocol) following the acceptance task's rules."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from tests.server.kernels.test_kernel_without_package import (  # noqa: F401 - fixtures
    oldest_kernelspec,
    oldest_python,
)
from tests.support.fake_openai import Behaviour, FakeOpenAIServer, Rule, answered_by, serving_on

from .task import plan_script, rules


@pytest.fixture
def script() -> list[Behaviour]:
    return plan_script()


@pytest.fixture
def script_rules() -> tuple[Rule, ...]:
    return rules()


@pytest.fixture
def fake_openai(
    jp_asyncio_loop: asyncio.AbstractEventLoop,
    script: list[Behaviour],
    script_rules: tuple[Rule, ...],
) -> Iterator[FakeOpenAIServer]:
    with serving_on(jp_asyncio_loop, FakeOpenAIServer(script, rules=script_rules)) as server:
        yield server


@pytest.fixture
def jp_server_config(fake_openai: FakeOpenAIServer) -> dict[str, Any]:
    return answered_by(fake_openai)
