"""`make lab MODEL=/path/to/model.gguf` picks the in-process llama.cpp backend, no other setting."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_make_lab import REPO, _free_port, _wait_for_token


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_make_lab_with_a_gguf_model_uses_llamacpp(smollm2_path: Path, tmp_path: Path) -> None:
    port = _free_port()
    log_path = tmp_path / "lab.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACHINCO_")}
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["make", "lab", f"PORT={port}", f"MODEL={smollm2_path}"],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        token = _wait_for_token(log_path, process, deadline=time.monotonic() + 300)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/pachinco/status",
            headers={"Authorization": f"token {token}"},
        )
        with urllib.request.urlopen(request) as response:
            status = json.load(response)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    assert status["backend"] == "llamacpp"
    assert status["model"] == str(smollm2_path)
