"""Run functions in forked children with limits, and bring back their pickled results.

A fork is a copy-on-write snapshot of the whole process: whatever the function does to the
state it sees (a notebook namespace, the working directory, imported modules) dies with the
child. The parent reads each child's answer over a pipe. A child that crashes (segfault,
``os._exit``, the out-of-memory killer), exceeds its CPU time or runs past its wall time gives
an outcome with a clear error; it never takes the parent down.

``fork_service`` starts a long-lived child the same way (a scratch session, see ``scratch``):
every process this module forks is prepared by ``_prepare_child`` (limits, quiet streams,
non-interactive plots) and dies with its parent on Linux (``PR_SET_PDEATHSIG``), so a kernel or
scratch that is killed leaves no child behind.
"""

from __future__ import annotations

import ctypes
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
_PR_SET_PDEATHSIG = 1
_prctl: Any = None


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


def fork_service(job: Callable[[], Any], limits: Limits, keep_fds: Sequence[int] = ()) -> int:
    """Fork a long-lived child that runs ``job`` (a service loop) and exits when it returns
    (status 0, or 70 if it raised); the child's pid. The child is prepared as every trial child
    is, and of the descriptors it inherited only the standard streams and ``keep_fds`` still
    reach anything (``neutralize_descriptors``: the kernel's sockets, files and pipes become
    /dev/null there). The caller reaps it."""
    parent = os.getpid()
    _load_prctl()
    gc.freeze()
    pid = os.fork()
    if pid == 0:  # the child never returns from here
        status = 0
        try:
            neutralize_descriptors(keep_fds)
            _prepare_child(limits, parent)
            job()
        except BaseException:  # nothing can be reported; the exit status says so
            status = 70
        finally:
            os._exit(status)
    gc.unfreeze()
    return pid


def neutralize_descriptors(keep: Sequence[int] = ()) -> None:
    """Point every inherited descriptor but the standard streams and ``keep`` at /dev/null.

    The numbers stay taken, so a Python object that later closes "its" descriptor closes a
    /dev/null copy, never a descriptor opened since under the same number."""
    folder = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"
    try:
        found = [int(name) for name in os.listdir(folder)]
    except OSError:  # no descriptor listing on this system: nothing to neutralize
        return
    devnull = os.open(_DEVNULL, os.O_RDWR)
    for fd in found:
        if fd > 2 and fd != devnull and fd not in keep:
            try:
                os.dup2(devnull, fd)
            except OSError:  # the listing's own descriptor, already closed
                continue
    os.close(devnull)


def _start_child(index: int, job: Callable[[], Any], limits: Limits) -> _Child:
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    _load_prctl()
    # Frozen objects are never scanned by the child's garbage collector, so their pages stay
    # shared with this process instead of being copied when the collector touches them.
    gc.freeze()
    pid = os.fork()
    if pid == 0:  # the child never returns from here
        os.close(read_fd)
        _run_child(job, limits, write_fd, parent)
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


def _run_child(job: Callable[[], Any], limits: Limits, write_fd: int, parent: int) -> None:
    status = 0
    try:
        _prepare_child(limits, parent)
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


def _prepare_child(limits: Limits, parent: int) -> None:
    """Death with the parent, limits, quiet standard streams, a non-interactive plotting
    backend."""
    _die_with_parent(parent)
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


def _load_prctl() -> None:
    """Look up ``prctl`` in the parent, once, so that children need not load ctypes' libc."""
    global _prctl
    if _prctl is None and sys.platform.startswith("linux"):
        try:
            _prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):  # no libc symbols to call: children just live on
            _prctl = False


def _die_with_parent(parent: int) -> None:
    """Linux: SIGKILL this child when the thread that forked it ends (its kernel or scratch is
    killed); a parent already gone means exiting now."""
    if _prctl:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(71)


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
