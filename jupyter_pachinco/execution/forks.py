"""Run functions in forked, sandboxed children with limits, and bring back what they answer.

A fork is a copy-on-write snapshot of the whole process: whatever the function does to the
state it sees (a notebook namespace, the working directory, imported modules) dies with the
child. Each child enters the sandbox right after the fork (``sandbox.enter_sandbox``: closed
descriptors, private memory, hard limits, Landlock, seccomp) and runs in a process group of
its own, which the parent made and kills when the child is done. The parent trusts nothing
from the child: the answer comes back over a pipe as plain data (``wire``: no pickle, nothing
decoded can run code), read up to a size cap, and a child that sends more is killed. A child
that crashes (segfault, ``os._exit``, the out-of-memory killer), exceeds its CPU time, runs past
its wall time or closes its pipe gives an outcome with a clear error; it never takes the
parent down.

``fork_service`` starts a long-lived child from the same preparation (a scratch session, see
``scratch``): its inherited descriptors pointed at /dev/null, then the sandbox with
``SERVICE`` (processes allowed, for its own trial children, which enter ``STRICT``). Every
process this module forks dies with the thread that forked it on Linux
(``PR_SET_PDEATHSIG``), so a kernel or scratch that is killed leaves no child behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import gc
import io
import math
import os
import resource
import selectors
import signal
import sys
import time
import traceback
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from . import wire
from .sandbox import SandboxPolicy, enter_sandbox, prepare_sandbox, shared_mappings

_READ_CHUNK = 1 << 16
_DEVNULL = os.devnull
# How long a child whose pipe closed may take to exit before it is killed.
_EXIT_GRACE_S = 0.05
#: The sandbox of a child that runs model-written code: nothing written, nothing started.
STRICT = SandboxPolicy()
#: The sandbox of a long-lived service (a scratch): no files written, no sockets made, but it
#: may fork (its trial children enter ``STRICT``) and signal (their groups).
SERVICE = SandboxPolicy(processes=True)
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
    policy: SandboxPolicy = STRICT,
) -> list[ForkOutcome]:
    """Run each job in its own forked, sandboxed child, at most ``max_parallel`` at a time.

    Outcomes come back in the order of ``jobs``, each ``value`` plain data as ``wire`` decodes
    it; ``on_done(index, outcome)`` is called as each child finishes (for progress reports).
    ``policy`` is the sandbox every child enters (``STRICT`` by default); ``limits`` go into it.
    """
    parallel = max(1, max_parallel or available_cores())
    outcomes: list[ForkOutcome | None] = [None] * len(jobs)
    waiting = deque(enumerate(jobs))
    running: dict[int, _Child] = {}
    prepare_sandbox()
    mappings = shared_mappings()  # read once here: every child inherits the same ones
    with selectors.DefaultSelector() as selector:
        while waiting or running:
            while waiting and len(running) < parallel:
                index, job = waiting.popleft()
                child = _start_child(index, job, limits, policy, mappings)
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
    max_bytes: int
    received: bytearray
    timed_out: bool = False
    overflowed: bool = False

    def finish(self) -> ForkOutcome:
        """Kill what is left of the child's process group, reap it, read its answer."""
        os.close(self.read_fd)
        status = _reap(self.pid)
        if self.timed_out:
            return ForkOutcome(
                error=f"timed out after {self.wall_time_s:g} s (wall time)", timed_out=True
            )
        if self.overflowed:
            return ForkOutcome(error=f"sent back more than {self.max_bytes} bytes")
        return _decode(bytes(self.received), status)


def _reap(pid: int) -> int | None:
    """The child's exit status, or None when the parent had to kill it. The group is killed
    before the child is reaped, while its pid (and so the group's id) cannot be reused."""
    deadline = time.monotonic() + _EXIT_GRACE_S
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            break
        if done:
            _kill_group(pid)
            return status
        if time.monotonic() >= deadline:
            break
        time.sleep(0.001)  # a child whose pipe just closed is most likely exiting now
    _kill_group(pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    return None


def _kill_group(pid: int) -> None:
    # Only the group this parent made for the child (setpgid in _start_child): never another.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _wait_for_progress(
    selector: selectors.BaseSelector, running: dict[int, _Child]
) -> list[_Child]:
    """Read what is ready; return the children that are done (answered, crashed, late or too
    talkative)."""
    now = time.monotonic()
    timeout = max(0.0, min(child.deadline for child in running.values()) - now)
    done: list[_Child] = []
    for key, _ in selector.select(timeout=timeout):
        child = running[key.fd]
        chunk = os.read(child.read_fd, _READ_CHUNK)
        if not chunk:
            done.append(child)
        elif len(child.received) + len(chunk) > child.max_bytes:
            child.overflowed = True
            done.append(child)
        else:
            child.received.extend(chunk)
    now = time.monotonic()
    for child in running.values():
        if child not in done and now >= child.deadline:
            child.timed_out = True
            done.append(child)
    return done


def fork_service(job: Callable[[], Any], limits: Limits, keep_fds: Sequence[int] = ()) -> int:
    """Fork a long-lived child that runs ``job`` (a service loop) and exits when it returns
    (status 0, or 70 if it raised); the child's pid. The caller reaps it.

    The child is prepared as every trial child is and enters the ``SERVICE`` sandbox with
    ``limits`` as hard rlimits (its wall time is the job's own business). Of the descriptors it
    inherited only the standard streams and ``keep_fds`` still reach anything: the others are
    pointed at /dev/null (``neutralize_descriptors``) rather than closed, because a long-lived
    process still holds Python objects that will close "their" numbers one day."""
    parent = os.getpid()
    _load_prctl()
    prepare_sandbox()
    mappings = shared_mappings()
    gc.freeze()
    pid = os.fork()
    if pid == 0:  # the child never returns from here
        status = 0
        try:
            _die_with_parent(parent)
            neutralize_descriptors(keep_fds)
            _prepare_child()
            policy = replace(SERVICE, keep_fds=_open_descriptors(), rlimits=_rlimits(limits))
            enter_sandbox(policy, mappings)
            _quiet_python()
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
    found = _open_descriptors()
    devnull = os.open(_DEVNULL, os.O_RDWR)
    for fd in found:
        if fd > 2 and fd != devnull and fd not in keep:
            with contextlib.suppress(OSError):  # the listing's own descriptor, already closed
                os.dup2(devnull, fd)
    os.close(devnull)


def _open_descriptors() -> tuple[int, ...]:
    folder = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"
    try:
        return tuple(int(name) for name in os.listdir(folder))
    except OSError:  # no descriptor listing on this system
        return ()


def _start_child(
    index: int,
    job: Callable[[], Any],
    limits: Limits,
    policy: SandboxPolicy,
    mappings: Sequence[tuple[int, int, str]] | None,
) -> _Child:
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    _load_prctl()
    # Frozen objects are never scanned by the child's garbage collector, so their pages stay
    # shared with this process instead of being copied when the collector touches them.
    gc.freeze()
    pid = os.fork()
    if pid == 0:  # the child never returns from here
        os.close(read_fd)
        _run_child(job, limits, replace(policy, keep_fds=(write_fd,)), mappings, write_fd, parent)
    gc.unfreeze()
    os.close(write_fd)
    # Both sides set the group (whichever runs first), so it exists before anything can run.
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)
    return _Child(
        index=index,
        pid=pid,
        read_fd=read_fd,
        deadline=time.monotonic() + limits.wall_time_s,
        wall_time_s=limits.wall_time_s,
        max_bytes=wire.max_message_bytes(),
        received=bytearray(),
    )


def _run_child(
    job: Callable[[], Any],
    limits: Limits,
    policy: SandboxPolicy,
    mappings: Sequence[tuple[int, int, str]] | None,
    write_fd: int,
    parent: int,
) -> None:
    status = 0
    try:
        os.setpgid(0, 0)
        _die_with_parent(parent)
        _prepare_child()
        enter_sandbox(replace(policy, rlimits=_rlimits(limits)), mappings)
        _quiet_python()
        try:
            message: dict[str, Any] = {"value": job()}
        except BaseException as exc:  # the job is arbitrary code: report whatever it raised
            message = {"error": describe_exception(exc)}
        _send(write_fd, _encoded(message))
    except BaseException:  # nothing can be reported any more; the exit status says so
        status = 70
    finally:
        os._exit(status)


def _encoded(message: dict[str, Any]) -> bytes:
    try:
        return wire.encode(message)
    except Exception as exc:  # any value may refuse to be encoded, in many ways
        error = f"result could not be sent back: {describe_exception(exc)}"
        return wire.encode({"error": error[:2000]})


def _send(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]


def _prepare_child() -> None:
    """Default signals, standard streams on /dev/null, non-interactive plots (before the
    sandbox, which then closes every other descriptor)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # A crash is reported by the parent; a traceback dump on an inherited stream is only noise.
    faulthandler.disable()
    devnull = os.open(_DEVNULL, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    sys.dont_write_bytecode = True
    _use_non_interactive_plots()


def _quiet_python() -> None:
    sys.stdout = io.StringIO()
    sys.stderr = io.StringIO()
    # The parent's warning filters (a test run's "error", a kernel's own) must not change
    # what user code does; plain Python's behaviour is to show warnings, not raise them.
    warnings.resetwarnings()
    warnings.simplefilter("default")


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


def _rlimits(limits: Limits) -> dict[int, int]:
    """The limits as rlimits, each then set hard and soft alike by the sandbox."""
    found: dict[int, int] = {}
    if limits.cpu_time_s is not None:
        found[resource.RLIMIT_CPU] = max(1, math.ceil(limits.cpu_time_s))
    if limits.memory_bytes is not None:
        found[resource.RLIMIT_AS] = _mapped_bytes() + limits.memory_bytes
    return found


def _mapped_bytes() -> int:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    return pages * resource.getpagesize()


def _decode(received: bytes, status: int | None) -> ForkOutcome:
    try:
        message = wire.decode(received) if received else None
    except wire.WireError as exc:
        if status is not None and os.WIFSIGNALED(status):
            return ForkOutcome(error=describe_signal(os.WTERMSIG(status)))
        return ForkOutcome(error=f"sent back a broken result ({exc})")
    if isinstance(message, dict) and set(message) == {"value"}:
        return ForkOutcome(value=message["value"])
    if isinstance(message, dict) and set(message) == {"error"}:
        return ForkOutcome(error=str(message["error"])[:2000])
    if status is None:
        return ForkOutcome(error="closed its result pipe without a result, and was killed")
    if os.WIFSIGNALED(status):
        return ForkOutcome(error=describe_signal(os.WTERMSIG(status)))
    if message is None:
        code = os.WEXITSTATUS(status)
        return ForkOutcome(error=f"exited with status {code} before reporting a result")
    return ForkOutcome(error="sent back a result of the wrong shape")


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
