"""A failure of the magic itself never becomes the error to repair (issue 14, kind 4): after a
usage error or a failing ``%%pachinco``, ``%pachinco fix`` still repairs the user's cell; and a
note with apostrophes reaches the model verbatim, in a real kernel."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.fake_openai import FakeOpenAIServer

from .conftest import scripted_options
from .kernel_session import run_cell

FAILING = "numbers = [1, 2]\ntotal = numbers[5]"


@pytest.mark.parametrize(
    "magic_failure",
    [
        "%pachinco fix --no-such-option",
        "%pachinco fix --model 'unclosed",
        "%pachinco frobnicate",
        "%%pachinco -n 99\nmean price",
        "%pachinco history extra words",
    ],
)
def test_fix_after_the_magic_failed_repairs_the_users_cell(
    kernel: Any, scripted_model: FakeOpenAIServer, magic_failure: str
) -> None:
    assert run_cell(kernel, FAILING).error_name == "IndexError"
    failed = run_cell(kernel, magic_failure)
    assert not failed.ok
    note = "the list isn't long enough, don't guess"
    fixed = run_cell(kernel, f"%pachinco fix {scripted_options(scripted_model)} {note}")
    assert fixed.ok, fixed.stream("stderr")
    sent = json.dumps(scripted_model.requests[-1].body["messages"], ensure_ascii=False)
    assert "IndexError: list index out of range" in sent
    assert "total = numbers[5]" in sent
    assert "UsageError" not in sent
    assert note in sent
