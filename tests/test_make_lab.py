"""`make lab` brings JupyterLab up on 127.0.0.1 with the quickstart notebook as its start page."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@contextlib.contextmanager
def make_lab(tmp_path: Path, model: str, env: dict[str, str]) -> Iterator[tuple[int, str]]:
    """`make lab PORT=<free port> MODEL=<model>` until the block ends; (port, token)."""
    port = _free_port()
    log_path = tmp_path / "lab.log"
    env = {**env, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["make", "lab", f"PORT={port}", f"MODEL={model}"],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        token = _wait_for_token(log_path, process, deadline=time.monotonic() + 300)
        yield port, token
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.fixture
def running_lab(tmp_path: Path) -> Iterator[tuple[int, str]]:
    with make_lab(tmp_path, "tiny-test-model", dict(os.environ)) as lab:
        yield lab


def _wait_for_token(log_path: Path, process: subprocess.Popen[bytes], deadline: float) -> str:
    while time.monotonic() < deadline:
        match = re.search(r"http://127\.0\.0\.1:\d+/\S*\?token=(\w+)", log_path.read_text())
        if match:
            return match.group(1)
        assert process.poll() is None, log_path.read_text()
        time.sleep(0.5)
    raise AssertionError(f"JupyterLab did not start:\n{log_path.read_text()}")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_make_lab_serves_the_quickstart_notebook(running_lab: tuple[int, str]) -> None:
    port, token = running_lab
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(f"{base}/?token={token}")
    redirect.value.close()
    assert redirect.value.code == 302
    location = urllib.parse.urlsplit(redirect.value.headers["Location"])
    assert location.path == "/lab/tree/examples/quickstart.ipynb"

    headers = {"Authorization": f"token {token}"}
    request = urllib.request.Request(
        f"{base}/api/contents/examples/quickstart.ipynb", headers=headers
    )
    with urllib.request.urlopen(request) as response:
        assert json.load(response)["type"] == "notebook"

    request = urllib.request.Request(f"{base}/pachinco/status", headers=headers)
    with urllib.request.urlopen(request) as response:
        assert json.load(response)["model"] == "tiny-test-model"
