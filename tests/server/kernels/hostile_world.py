"""A real Jupyter server (its own process) with a real kernel that holds the user's state, a
scripted model server, and every check of "nothing changed" a hostile trial run must pass.

One world serves many candidates (a module-scoped fixture): starting a server and a kernel per
candidate would make the suite slow. Every process the server starts inherits ``MARK`` in its
environment, which is how processes left behind are found, wherever they were reparented.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client.blocking.client import BlockingKernelClient

from tests.support.fake_openai import FakeOpenAIServer, free_port

from .hostile import STATE_DIGEST, USER_CELLS

TOKEN = "hostile-suite-token"
#: Every trial child's wall and CPU time (a candidate that spins costs this much).
TRIAL_TIME_S = 4.0


@dataclass
class HostileWorld:
    root: Path
    outside: Path
    dirs: list[Path]
    url: str
    server: subprocess.Popen[bytes]
    log: Path
    mark: str
    kernel_id: str
    client: BlockingKernelClient
    kernel_pid: int
    model: FakeOpenAIServer
    expected_processes: set[int] = field(default_factory=set)

    # -- HTTP
    def request(self, method: str, path: str, body: Any = None, timeout: float = 120) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()

    def status_seconds(self) -> float:
        started = time.monotonic()
        self.request("GET", "/pachinco/status", timeout=30)
        return time.monotonic() - started

    # -- the kernel, as the user's notebook sees it
    def evaluate(self, expression: str) -> Any:
        reply = self.client.execute_interactive(
            "", silent=True, store_history=False, user_expressions={"x": expression}, timeout=60
        )
        result = reply["content"]["user_expressions"]["x"]
        assert result["status"] == "ok", result
        return ast.literal_eval(result["data"]["text/plain"])

    def state(self) -> str:
        digest: str = self.evaluate(STATE_DIGEST)
        return digest

    def iopub_messages(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            try:
                message = self.client.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                return found
            found.append(message)

    # -- the world outside the kernel
    def files(self) -> dict[str, tuple[int, str]]:
        """Every file under the test's folders: size and content digest (by relative path)."""
        found: dict[str, tuple[int, str]] = {}
        for folder in self.dirs:
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    data = path.read_bytes()
                    digest = hashlib.sha256(data).hexdigest()
                    found[str(path)] = (len(data), digest)
                elif not path.is_dir():
                    found[str(path)] = (-1, "not a regular file")
        return found

    def marked_processes(self) -> set[int]:
        """Processes that inherited this world's mark, and descendants of the server."""
        found: set[int] = set()
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            with contextlib.suppress(OSError):
                if self.mark.encode() in (entry / "environ").read_bytes():
                    found.add(pid)
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = (entry / "stat").read_text()
                parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        for pid in list(parents):
            ancestor, hops = parents.get(pid), 0
            while ancestor not in (None, 0, 1) and hops < 64:
                if ancestor == self.server.pid:
                    found.add(pid)
                    break
                ancestor, hops = parents.get(ancestor), hops + 1
        return found


def _wait_for(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the Jupyter server exited with {server.returncode}")
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2).read()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError("the Jupyter server did not start")


def _prepare_root(root: Path) -> None:
    (root / "data.csv").write_text("region,amount\nnorth,1.5\nsouth,2.0\n", encoding="utf-8")
    (root / "analysis.ipynb").write_text(
        json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
        encoding="utf-8",
    )


@contextlib.contextmanager
def hostile_world(base: Path, model: FakeOpenAIServer) -> Iterator[HostileWorld]:
    """The server, the kernel with the user's state, and the folders to watch."""
    root, outside, home = base / "root", base / "outside", base / "home"
    runtime, config, ipython = home / "runtime", home / "config", home / "ipython"
    for folder in (root, outside, runtime, config, ipython):
        folder.mkdir(parents=True)
    _prepare_root(root)
    mark = f"PACHINCO_HOSTILE_MARK_{uuid.uuid4().hex}"
    env = {
        **os.environ,
        mark: "1",
        "JUPYTER_RUNTIME_DIR": str(runtime),
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "IPYTHONDIR": str(ipython),
        "PACHINCO_TEST_KEY": "sk-hostile-suite-0123456789abcdef",
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = base / "server.log"
    command = [
        sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
        "--ServerApp.shutdown_no_activity_timeout=900",
        f"--BackendSettings.base_url={model.base_url}", "--BackendSettings.model=served-model",
        "--BackendSettings.api_key_env=PACHINCO_TEST_KEY", "--BackendSettings.max_retries=0",
        f"--PachincoApp.trial_time_s={TRIAL_TIME_S}", "--PachincoApp.ranking_busy_wait_s=5",
    ]  # fmt: skip
    with log.open("wb") as sink:
        server = subprocess.Popen(
            command, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    client: BlockingKernelClient | None = None
    try:
        _wait_for(url, server)
        world = HostileWorld(
            root=root, outside=outside, dirs=[root, outside, ipython, config], url=url,
            server=server, log=log, mark=mark, kernel_id="", client=None,  # type: ignore[arg-type]
            kernel_pid=0, model=model,
        )  # fmt: skip
        answer = json.loads(world.request("POST", "/api/kernels", {"name": "python3", "path": ""}))
        world.kernel_id = answer["id"]
        client = BlockingKernelClient(connection_file=str(runtime / f"kernel-{answer['id']}.json"))
        client.load_connection_file()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        world.client = client
        for cell in USER_CELLS:
            reply = client.execute_interactive(cell, timeout=60)
            assert reply["content"]["status"] == "ok", reply["content"]
        world.kernel_pid = world.evaluate("__import__('os').getpid()")
        world.iopub_messages()
        time.sleep(0.5)
        world.expected_processes = world.marked_processes()
        yield world
    finally:
        if client is not None:
            client.stop_channels()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)


class StatusWatch:
    """Asks ``/pachinco/status`` every 0.25 s in a thread; the slowest answer it saw."""

    def __init__(self, world: HostileWorld) -> None:
        self.world = world
        self.slowest = 0.0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> StatusWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _watch(self) -> None:
        while not self._stop.wait(0.25):
            try:
                self.slowest = max(self.slowest, self.world.status_seconds())
            except Exception as exc:  # the server not answering is what is being watched
                self.failures.append(repr(exc))
