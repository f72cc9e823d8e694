"""Run functions in forked children with limits, and bring back their pickled results.

A fork is a copy-on-write snapshot of the whole process: whatever the function does to the
state it sees (a notebook namespace, the working directory, imported modules) dies with the
child. The parent reads each child's answer over a pipe. A child that crashes (segfault,
``os._exit``, the out-of-memory killer), exceeds its CPU time or runs past its wall time gives
an outcome with a clear error; it never takes the parent down.
"""

from __future__ import annotations

import faulthandler
import gc
import io
import math
import os
import pickle
import resource
import selectors
import signal
import sys
import time
import traceback
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

_READ_CHUNK = 1 << 16
_DEVNULL = os.devnull


@dataclass(frozen=True)
class Limits:
    """What one child may use.

    ``memory_bytes`` is the address space a child may add to what it inherited from its
    parent (a fork starts with the parent's whole address space mapped), None for no limit.
    """

    wall_time_s: float = 30.0
    cpu_time_s: float | None = None
    memory_bytes: int | None = 4 * 1024**3


@dataclass(frozen=True)
class ForkOutcome:
    """What came back from one child: its value, or why there is none."""

    value: Any = None
    error: str | None = None
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def run_in_forks(
    jobs: Sequence[Callable[[], Any]],
    limits: Limits,
    max_parallel: int | None = None,
    on_done: Callable[[int, ForkOutcome], None] | None = None,
) -> list[ForkOutcome]:
    """Run each job in its own forked child, at most ``max_parallel`` at a time.

    Outcomes come back in the order of ``jobs``; ``on_done(index, outcome)`` is called as each
    child finishes (for progress reports).
    """
    parallel = max(1, max_parallel or available_cores())
    outcomes: list[ForkOutcome | None] = [None] * len(jobs)
    waiting = deque(enumerate(jobs))
    running: dict[int, _Child] = {}
    with selectors.DefaultSelector() as selector:
        while waiting or running:
            while waiting and len(running) < parallel:
                index, job = waiting.popleft()
                child = _start_child(index, job, limits)
                running[child.read_fd] = child
                selector.register(child.read_fd, selectors.EVENT_READ)
            for child in _wait_for_progress(selector, running):
                selector.unregister(child.read_fd)
                del running[child.read_fd]
                outcome = child.finish()
                outcomes[child.index] = outcome
                if on_done is not None:
                    on_done(child.index, outcome)
    return [outcome if outcome is not None else ForkOutcome(error="lost") for outcome in outcomes]


@dataclass(eq=False)
class _Child:
    index: int
    pid: int
    read_fd: int
    deadline: float
    wall_time_s: float
    received: bytearray
    timed_out: bool = False

    def finish(self) -> ForkOutcome:
        if self.timed_out:
            os.kill(self.pid, signal.SIGKILL)
        os.close(self.read_fd)
        _, status = os.waitpid(self.pid, 0)
        if self.timed_out:
            return ForkOutcome(
                error=f"timed out after {self.wall_time_s:g} s (wall time)", timed_out=True
            )
        return _decode(bytes(self.received), status)


def _wait_for_progress(
    selector: selectors.BaseSelector, running: dict[int, _Child]
) -> list[_Child]:
    """Read what is ready; return the children that are done (answered, crashed or late)."""
    now = time.monotonic()
    timeout = max(0.0, min(child.deadline for child in running.values()) - now)
    done: list[_Child] = []
    for key, _ in selector.select(timeout=timeout):
        child = running[key.fd]
        chunk = os.read(child.read_fd, _READ_CHUNK)
        if chunk:
            child.received.extend(chunk)
        else:
            done.append(child)
    now = time.monotonic()
    for child in running.values():
        if child not in done and now >= child.deadline:
            child.timed_out = True
            done.append(child)
    return done


def _start_child(index: int, job: Callable[[], Any], limits: Limits) -> _Child:
    read_fd, write_fd = os.pipe()
    # Frozen objects are never scanned by the child's garbage collector, so their pages stay
    # shared with this process instead of being copied when the collector touches them.
    gc.freeze()
    pid = os.fork()
    if pid == 0:  # the child never returns from here
        os.close(read_fd)
        _run_child(job, limits, write_fd)
    gc.unfreeze()
    os.close(write_fd)
    return _Child(
        index=index,
        pid=pid,
        read_fd=read_fd,
        deadline=time.monotonic() + limits.wall_time_s,
        wall_time_s=limits.wall_time_s,
        received=bytearray(),
    )


def _run_child(job: Callable[[], Any], limits: Limits, write_fd: int) -> None:
    status = 0
    try:
        _prepare_child(limits)
        try:
            message: tuple[str, Any] = ("value", job())
        except BaseException as exc:  # the job is arbitrary code: report whatever it raised
            message = ("error", describe_exception(exc))
        payload = _pickle_message(message)
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(payload)
    except BaseException:  # nothing can be reported any more; the exit status says so
        status = 70
    finally:
        os._exit(status)


def _pickle_message(message: tuple[str, Any]) -> bytes:
    try:
        return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # any value may refuse to pickle, in many ways
        return pickle.dumps(("error", f"result could not be sent back: {describe_exception(exc)}"))


def _prepare_child(limits: Limits) -> None:
    """Limits, quiet standard streams and a non-interactive plotting backend."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # A crash is reported by the parent; a traceback dump on an inherited stream is only noise.
    faulthandler.disable()
    devnull = os.open(_DEVNULL, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stdout = io.StringIO()
    sys.stderr = io.StringIO()
    # The parent's warning filters (a test run's "error", a kernel's own) must not change
    # what user code does; plain Python's behaviour is to show warnings, not raise them.
    warnings.resetwarnings()
    warnings.simplefilter("default")
    _use_non_interactive_plots()
    _apply_limits(limits)


def _use_non_interactive_plots() -> None:
    os.environ["MPLBACKEND"] = "agg"
    matplotlib = sys.modules.get("matplotlib")
    # Switching backends closes every figure and costs milliseconds: only when needed, so a
    # fork of a worker that is already on agg keeps the figures its context drew.
    if matplotlib is not None and str(matplotlib.rcParams.get("backend", "")).lower() != "agg":
        matplotlib.use("agg", force=True)


def _apply_limits(limits: Limits) -> None:
    if limits.cpu_time_s is not None:
        seconds = max(1, math.ceil(limits.cpu_time_s))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    if limits.memory_bytes is not None:
        allowed = _mapped_bytes() + limits.memory_bytes
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            allowed = min(allowed, hard)
        resource.setrlimit(resource.RLIMIT_AS, (allowed, hard))


def _mapped_bytes() -> int:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    return pages * resource.getpagesize()


def _decode(received: bytes, status: int) -> ForkOutcome:
    if os.WIFSIGNALED(status):
        return ForkOutcome(error=describe_signal(os.WTERMSIG(status)))
    if not received:
        code = os.WEXITSTATUS(status)
        return ForkOutcome(error=f"exited with status {code} before reporting a result")
    try:
        kind, payload = pickle.loads(received)
    except (pickle.UnpicklingError, EOFError, ValueError) as exc:
        return ForkOutcome(error=f"sent back a broken result ({describe_exception(exc)})")
    if kind == "error":
        return ForkOutcome(error=str(payload))
    return ForkOutcome(value=payload)


def describe_signal(number: int) -> str:
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = f"signal {number}"
    reasons = {
        "SIGSEGV": " (segmentation fault)",
        "SIGXCPU": " (CPU time limit exceeded)",
        "SIGKILL": " (killed, possibly for using too much memory)",
        "SIGABRT": " (aborted)",
    }
    return f"crashed with {name}{reasons.get(name, '')}"


def describe_exception(exc: BaseException) -> str:
    """One line: ``TypeError: message``."""
    if isinstance(exc, SyntaxError):
        where = f" (line {exc.lineno})" if exc.lineno else ""
        return f"{type(exc).__name__}: {exc.msg}{where}"
    lines = traceback.format_exception_only(type(exc), exc)
    return " ".join(line.strip() for line in lines if line.strip()) or type(exc).__name__
