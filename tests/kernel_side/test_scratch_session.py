"""The scratch session as a kernel runs it (shipped as source; also under Python 3.9, pandas
2.0 and numpy 1.24 in ``make pytest-oldest``): forked from this process, driven over its
socket, it changes its own copy only, refuses side effects, reports bounded observations, and
ends with its driver, its parent, or a close."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from jupyter_pachinco.server.kernels.shipping import load_kernel_module

pytestmark = pytest.mark.kernel_side


@pytest.fixture(scope="module")
def scratch() -> types.ModuleType:
    return load_kernel_module("execution.scratch")


def ask(scratch: types.ModuleType, channel: socket.socket, request: dict[str, Any]) -> Any:
    scratch.send_frame(channel, request)
    return scratch.receive_frame(channel)


def ended(pid: int) -> bool:
    """Whether the process is gone (reaped by its parent's reaper thread), within seconds."""
    for _ in range(200):
        if not os.path.exists(f"/proc/{pid}"):
            return True
        time.sleep(0.025)
    return False


def test_a_scratch_works_on_its_own_copy_and_ends_on_close(
    scratch: types.ModuleType, tmp_path: Path
) -> None:
    namespace: dict[str, Any] = {"df": pd.DataFrame({"a": [1, 2, 3]})}
    channel, pid = scratch.open_local_scratch(namespace, token="t1")
    try:
        assert scratch.receive_frame(channel) == {"hello": "t1", "pid": pid}
        code = "df['b'] = df.a * 2\ndf.b.sum()"
        advanced = ask(scratch, channel, {"op": "advance", "code": code})
        assert (advanced["ok"], advanced["timed_out"]) == (True, False)
        observation = advanced["observation"]
        assert observation["status"] == "ok"
        assert observation["value"]["preview"] == "12"
        (changed,) = observation["variables"]
        assert (changed["name"], changed["change"], changed["shape"]) == ("df", "changed", [3, 2])
        variables = ask(scratch, channel, {"op": "variables"})["variables"]
        assert [c["name"] for c in variables[0]["columns"]] == ["a", "b"]
        assert list(namespace["df"].columns) == ["a"]  # the driver's own namespace is untouched
        assert ask(scratch, channel, {"op": "close"}) == {"ok": True}
    finally:
        channel.close()
    assert ended(pid)


def test_trials_run_in_forks_of_the_scratch_and_side_effects_are_refused(
    scratch: types.ModuleType, tmp_path: Path
) -> None:
    target = tmp_path / "written.txt"
    # A write the static check cannot see: the run-time refusal stops it.
    hidden_write = (
        f"from pathlib import Path\ngetattr(Path({str(target)!r}), 'write_' + 'text')('x')"
    )
    codes = ["df.a.sum()", "int(df['a'].sum())", "df['zz']", f"open({str(target)!r}, 'w')",
             hidden_write]  # fmt: skip
    channel, pid = scratch.open_local_scratch({"df": pd.DataFrame({"a": [1, 2, 3]})}, token="t")
    try:
        scratch.receive_frame(channel)
        runs = ask(scratch, channel, {"op": "trial", "codes": codes, "wall_time_s": 10})["runs"]
        in_place = ask(scratch, channel, {"op": "advance", "code": hidden_write})["observation"]
        ask(scratch, channel, {"op": "close"})
    finally:
        channel.close()
    total, again, missing, visible, hidden = runs
    assert (total["status"], again["status"], total["group"]) == ("ok", "ok", again["group"])
    assert total["observation"]["value"]["type"] == "int64"
    assert missing["status"] == "error"
    error = missing["observation"]["error"]
    assert error["type"] == "KeyError"
    assert error["frames"][0] == {"file": "<candidate>", "line": 1, "function": "<module>",
                                  "code": "df['zz']"}  # fmt: skip
    assert visible["status"] == "not_run"
    assert hidden["status"] == "error"
    assert "may not do this" in hidden["error"]
    assert in_place["status"] == "error"
    assert "may not do this" in in_place["error"]["message"]
    assert not target.exists()
    assert ended(pid)


def test_the_scratch_itself_is_sandboxed_by_the_kernel(
    scratch: types.ModuleType, tmp_path: Path
) -> None:
    """A step runs in the scratch, not in a trial child: below the audit hook (which allows
    ctypes there) Landlock still refuses the file and the signal to the process that forked it."""
    isolation = load_kernel_module("execution.sandbox").isolation_here()
    if isolation["landlock_abi"] < 6:
        pytest.skip(f"needs Landlock ABI 6 or later (signal scoping); here: {isolation['summary']}")
    target = tmp_path / "through-libc.txt"
    code = textwrap.dedent(
        f"""
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.open({str(target).encode()!r}, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.kill(os.getppid(), 0)
            signal_sent = "sent"
        except PermissionError:
            signal_sent = "refused"
        (fd, signal_sent)
        """
    )
    channel, pid = scratch.open_local_scratch({}, token="t")
    try:
        scratch.receive_frame(channel)
        observation = ask(scratch, channel, {"op": "advance", "code": code})["observation"]
        ask(scratch, channel, {"op": "close"})
    finally:
        channel.close()
    assert observation["status"] == "ok", observation["error"]
    assert observation["value"]["preview"] == "(-1, 'refused')"
    assert not target.exists()
    assert ended(pid)


def test_observations_are_bounded_whatever_the_step_prints(scratch: types.ModuleType) -> None:
    channel, pid = scratch.open_local_scratch({}, token="t")
    try:
        scratch.receive_frame(channel)
        code = "for i in range(200000):\n    print('line', i)\nlen('done')"
        observation = ask(scratch, channel, {"op": "advance", "code": code})["observation"]
    finally:
        channel.close()
    stdout = observation["stdout"]
    assert stdout["lines"] == 200000
    assert stdout["head"].startswith("line 0\n")
    assert stdout["tail"].endswith("line 199999\n")
    assert len(stdout["head"]) + len(stdout["tail"]) <= 3000 < stdout["chars"]
    assert observation["value"]["preview"] == "4"
    assert ended(pid)  # the driver went away: end of file


def test_a_step_past_its_time_cap_is_reported_as_timed_out(scratch: types.ModuleType) -> None:
    channel, pid = scratch.open_local_scratch({}, token="t")
    try:
        scratch.receive_frame(channel)
        code = "while True:\n    try:\n        pass\n    except BaseException:\n        pass"
        answer = ask(scratch, channel, {"op": "advance", "code": code, "wall_time_s": 0.5})
        assert answer == {"ok": True, "observation": None, "timed_out": True}
        assert ask(scratch, channel, {"op": "close"}) == {"ok": True}
    finally:
        channel.close()
    assert ended(pid)


def test_a_server_that_cannot_be_reached_gives_no_scratch(scratch: types.ModuleType) -> None:
    request = json.dumps({"socket_path": "/nonexistent/pachinco/scratch.sock", "token": "t"})
    answer = json.loads(scratch.open_scratch_as_json({}, request))
    assert answer["available"] is False
    assert answer["pid"] is None
    assert "cannot reach this kernel" in answer["notice"]


HOST = """
import os, sys, time
sys.path.insert(0, {root!r})
from jupyter_pachinco.server.kernels.shipping import load_kernel_module
scratch = load_kernel_module("execution.scratch")
channel, pid = scratch.open_local_scratch({{}}, token="t")
scratch.receive_frame(channel)
print(pid, flush=True)
time.sleep(600)
"""


def test_a_scratch_ends_when_the_process_that_forked_it_is_killed() -> None:
    root = str(Path(__file__).resolve().parents[2])
    host = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(HOST.format(root=root))],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert host.stdout is not None
        pid = int(host.stdout.readline())
        assert os.path.exists(f"/proc/{pid}")
        host.send_signal(signal.SIGKILL)  # as the out-of-memory killer or a restart would
        host.wait(30)
        assert ended(pid)
    finally:
        if host.poll() is None:
            host.kill()
            host.wait(30)
        if host.stdout is not None:
            host.stdout.close()
