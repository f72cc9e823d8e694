"""`make lab MODEL=/path/to/model.gguf` picks the in-process llama.cpp backend, no other setting;
`make lab MODEL=$(find .venv -name 'SmolLM2-*.gguf')`, a path relative to the clone, means the
same file (resolved where it was given, so the kernels, in the notebook's folder, find it)."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest

from tests.test_make_lab import REPO, make_lab


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
def test_make_lab_with_a_gguf_model_uses_llamacpp(
    smollm2_path: Path, tmp_path: Path, relative: bool
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACHINCO_")}
    given = os.path.relpath(smollm2_path, REPO) if relative else str(smollm2_path)
    with make_lab(tmp_path, given, env) as (port, token):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/pachinco/status",
            headers={"Authorization": f"token {token}"},
        )
        with urllib.request.urlopen(request) as response:
            status = json.load(response)
    assert status["backend"] == "llamacpp"
    assert status["model"] == str(smollm2_path)
