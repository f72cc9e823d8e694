"""Scratch sessions: a long-lived fork of the kernel in which the agent works, step by step.

Kernel side (standard library, pandas and numpy; Python 3.9+). A scratch is created from the
user's kernel at one instant: ``os.fork`` through ``forks.fork_service`` (the same preparation
as every trial child: limits, quiet streams, Agg plots, death with the kernel) gives it a
copy-on-write snapshot of every variable, in milliseconds and without copying the data. Then:

- the kernel returns at once (it only connected a socket and forked); the scratch serves its
  driver over that socket, so the user's kernel is never waiting on the agent;
- each request is one frame of ``scratch_protocol``: ``trial`` runs candidates in forks **of
  the scratch** (``kernel_trials.trial_run`` with its limits, the side-effect refusal and the
  message silencing, plus an observation per candidate), ``advance`` runs accepted code in the
  scratch itself under a time cap, ``variables`` describes its variables, ``close`` ends it;
- the scratch is sandboxed as a trial child is (``forks.SERVICE``: descriptors, shared memory,
  limits, Landlock, seccomp), except that it may fork and signal, for its own trial children,
  which enter the strict sandbox; in it side effects are refused by the audit hook
  (``audit.refuse_side_effects`` with ``allow_forks``, fixed when made) and kernel messages go
  nowhere;
- it ends on ``close``, when its driver goes away (end of file), after ``idle_s`` without a
  request, after ``lifetime_s`` in all, or when the kernel ends (``PR_SET_PDEATHSIG``, and the
  parent is checked every second). The process that forked it reaps it in a thread.

``open_scratch_as_json`` is the kernel's entry point (the server connects through a Unix
socket it listens on); ``open_local_scratch`` makes one in this process over a socket pair
(for the magic, which runs in the kernel, and for the evaluation harness).
"""

from __future__ import annotations

import json
import os
import select
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from ..context.time_cap import CapExceeded, run_with_cap
from ..context.variables import describe_variables
from .audit import refuse_side_effects, silence_kernel_messages
from .forks import Limits, fork_service
from .kernel_trials import DEFAULT_LIMITS, FORK_UNAVAILABLE, fork_available, trial_run
from .observations import observed_candidate, run_observed
from .scratch_protocol import FrameError, receive_frame, send_frame

DEFAULT_IDLE_S = 900.0
DEFAULT_LIFETIME_S = 3600.0
CONNECT_TIMEOUT_S = 2.0
POLL_S = 1.0
#: What the scratch process itself may add to the memory it was forked with.
SCRATCH_MEMORY_BYTES = 8 * 1024**3
UNREACHABLE = (
    "The agent cannot reach this kernel: it runs on another machine or in a container the "
    "server cannot connect to ({reason}). The agent runs nothing then."
)


def open_scratch_as_json(namespace: dict[str, Any], request: str) -> str:
    """The kernel's entry point. ``request`` is JSON ``{"socket_path", "token", "idle_s",
    "lifetime_s"}``; the answer JSON ``{"available": bool, "pid": int | None, "notice": str |
    None}``. The kernel connects to the server's socket, forks the scratch onto it and returns;
    it never waits on the scratch."""
    asked = json.loads(request)
    if not fork_available():
        return json.dumps({"available": False, "pid": None, "notice": FORK_UNAVAILABLE})
    channel = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        channel.settimeout(CONNECT_TIMEOUT_S)
        channel.connect(str(asked["socket_path"]))
    except OSError as exc:
        channel.close()
        notice = UNREACHABLE.format(reason=f"{type(exc).__name__}: {exc}")
        return json.dumps({"available": False, "pid": None, "notice": notice})
    try:
        pid = start_scratch(
            namespace,
            channel,
            str(asked["token"]),
            idle_s=float(asked.get("idle_s", DEFAULT_IDLE_S)),
            lifetime_s=float(asked.get("lifetime_s", DEFAULT_LIFETIME_S)),
        )
    finally:
        channel.close()
    return json.dumps({"available": True, "pid": pid, "notice": None})


def open_local_scratch(
    namespace: dict[str, Any],
    *,
    token: str = "local",
    setup: Callable[[dict[str, Any]], None] | None = None,
    idle_s: float = DEFAULT_IDLE_S,
    lifetime_s: float = DEFAULT_LIFETIME_S,
) -> tuple[socket.socket, int]:
    """A scratch of ``namespace`` forked from this process: the driver's end of its socket
    pair, and its pid. ``setup(namespace)`` runs in the scratch first, before side effects are
    refused (the harness runs a turn's context there, as scoring does)."""
    if not fork_available():
        raise RuntimeError(FORK_UNAVAILABLE)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        pid = start_scratch(
            namespace, theirs, token, idle_s=idle_s, lifetime_s=lifetime_s, setup=setup
        )
    except BaseException:
        ours.close()
        raise
    finally:
        theirs.close()
    return ours, pid


def start_scratch(
    namespace: dict[str, Any],
    channel: socket.socket,
    token: str,
    *,
    idle_s: float,
    lifetime_s: float,
    setup: Callable[[dict[str, Any]], None] | None = None,
) -> int:
    """Fork the scratch onto ``channel`` (the caller closes its copy); its pid. A thread of
    this process reaps it when it ends, so it never lingers as a zombie."""
    session = _Session(namespace, channel, token, idle_s, lifetime_s, setup, os.getpid())
    limits = Limits(wall_time_s=lifetime_s, cpu_time_s=None, memory_bytes=SCRATCH_MEMORY_BYTES)
    pid = fork_service(session.serve, limits, keep_fds=[channel.fileno()])
    threading.Thread(target=_reap, args=(pid,), name="pachinco-scratch-reaper", daemon=True).start()
    return pid


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:  # already reaped by someone else
        return


class _Session:
    """The scratch's own loop; runs only in the forked scratch process."""

    def __init__(
        self,
        namespace: dict[str, Any],
        channel: socket.socket,
        token: str,
        idle_s: float,
        lifetime_s: float,
        setup: Callable[[dict[str, Any]], None] | None,
        parent: int,
    ) -> None:
        self.namespace = namespace
        self.channel = channel
        self.token = token
        self.idle_s = idle_s
        self.lifetime_s = lifetime_s
        self.setup = setup
        self.parent = parent

    def serve(self) -> None:
        # A group of its own: interrupting the kernel (SIGINT to the kernel's group) must not
        # end the agent's work; the kernel's end still ends it (PR_SET_PDEATHSIG).
        os.setpgid(0, 0)
        if self.setup is not None:
            self.setup(self.namespace)
        refuse_side_effects(allow_forks=True)
        silence_kernel_messages()
        self.channel.setblocking(True)
        send_frame(self.channel, {"hello": self.token, "pid": os.getpid()})
        ends = time.monotonic() + self.lifetime_s
        idle_until = time.monotonic() + self.idle_s
        while time.monotonic() < min(ends, idle_until) and os.getppid() == self.parent:
            readable, _, _ = select.select([self.channel], [], [], POLL_S)
            if not readable:
                continue
            try:
                request = receive_frame(self.channel)
            except (FrameError, OSError):
                return
            if request is None:  # the driver went away
                return
            send_frame(self.channel, self.answer(request))
            if request.get("op") == "close":
                return
            idle_until = time.monotonic() + self.idle_s

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        try:
            if op == "trial":
                return {"ok": True, "runs": self.trial(request)}
            if op == "advance":
                return {"ok": True, **self.advance(request)}
            if op == "variables":
                return {"ok": True, "variables": describe_variables(self.namespace)}
            if op == "close":
                return {"ok": True}
        except Exception as exc:  # a failure of ours: reported, the session goes on
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        return {"ok": False, "error": f"unknown op {op!r}"}

    def trial(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        codes = [str(code) for code in request.get("codes", [])]
        limits = Limits(
            wall_time_s=float(request.get("wall_time_s", DEFAULT_LIMITS.wall_time_s)),
            cpu_time_s=request.get("cpu_time_s", DEFAULT_LIMITS.cpu_time_s),
            memory_bytes=request.get("memory_bytes", DEFAULT_LIMITS.memory_bytes),
        )
        channel = self.channel.fileno()

        def run_candidate(namespace: dict[str, Any], code: str) -> dict[str, Any]:
            _blank(channel)  # the driver's socket is not a candidate's to write to
            return observed_candidate(namespace, code)

        runs = trial_run(self.namespace, codes, limits, request.get("max_parallel"), run_candidate)
        return [asdict(run) for run in runs]

    def advance(self, request: dict[str, Any]) -> dict[str, Any]:
        code = str(request.get("code", ""))
        cap = float(request.get("wall_time_s", DEFAULT_LIMITS.wall_time_s))
        render_png = bool(request.get("render_png", True))

        def work() -> dict[str, Any]:
            observation, _ = run_observed(self.namespace, code, render_png=render_png)
            return observation

        streams = sys.stdout, sys.stderr
        try:
            return {"observation": run_with_cap(work, cap), "timed_out": False}
        except CapExceeded:  # the state is now unknown: the driver ends the session
            return {"observation": None, "timed_out": True}
        finally:
            sys.stdout, sys.stderr = streams


def _blank(fd: int) -> None:
    """Point descriptor ``fd`` at /dev/null (in a trial child: its number stays taken)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
