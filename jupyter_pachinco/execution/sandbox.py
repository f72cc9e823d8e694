"""The sandbox every trial child enters right after ``fork``, enforced by the Linux kernel.

Kernel-side code (standard library only, Python 3.9+). ``enter_sandbox(policy)`` is the one
entry point; ``forks.run_in_forks`` calls it in each child before the job runs, and so does
anything else that runs model-written code in a child of its own (the agent's scratch). In
order, each layer reported in the returned ``SandboxReport``:

1. ``descriptors``: every inherited file descriptor is closed but 0-2 (already pointed at
   ``/dev/null`` by the caller) and ``policy.keep_fds`` (the result pipe): the kernel's ZeroMQ
   sockets and eventfds, the user's open files and sqlite connections, IPython's history
   database, the server's log pipes are all out of reach, whatever object still names them.
2. ``shared_memory``: every shared mapping inherited from the parent (``mmap``, shared
   memory, a writable ``np.memmap``) is replaced by a private copy, so nothing written to it
   reaches the parent or a file.
3. ``rlimits``: each limit given is set hard and soft alike (address space, CPU time, and file
   size 0 when nothing may be written), so the child cannot raise it again.
4. ``capabilities``: all dropped but reading (``CAP_DAC_READ_SEARCH``): a root kernel's child
   cannot raise limits, signal or trace other users' processes by privilege.
5. ``no_new_privs``: no set-uid or file capability gain, ever.
6. ``landlock`` (see ``landlock``): no file-system change outside ``policy.writable``, no TCP
   bind or connect, no signal or abstract unix socket outside the sandbox.
7. ``seccomp`` (see ``seccomp``): no process creation, ``ptrace``, signals to others, limit
   raising, ``chmod``/``chown``/xattrs, sockets, mounts or namespaces.

A layer this machine lacks (macOS, an older kernel, another architecture) is reported
``missing`` with the reason and the others still apply; ``isolation_here()`` says without
forking which ones this machine offers (for ``/pachinco/status``, ``%pachinco config``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import resource
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import landlock, seccomp
from .linux import PR_GET_NO_NEW_PRIVS, PR_SET_NO_NEW_PRIVS, is_linux, libc, prctl, syscall

#: A shared mapping larger than this is not copied but made inaccessible.
MAX_COPIED_MAPPING = 256 << 20
_CAP_DAC_READ_SEARCH = 2
_CAPABILITY_VERSION_3 = 0x20080522
_PROT = {"r": 1, "w": 2, "x": 4}
_MAP_PRIVATE, _MAP_FIXED, _MAP_ANONYMOUS = 0x02, 0x10, 0x20
_MAP_FAILED = ctypes.c_void_p(-1).value
_MREMAP_MAYMOVE, _MREMAP_FIXED = 1, 2
_entered: SandboxReport | None = None
_SHARED_LINE = re.compile(rb"^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-]s)", re.MULTILINE)


#: A shared mapping of memory: ``(start address, length, permissions as in /proc/self/maps)``.
SharedMapping = tuple[int, int, str]


@dataclass(frozen=True)
class SandboxPolicy:
    """What a trial child may still do.

    ``writable``: folders beneath which files may be created, written and removed (the
    harness's copy of an episode's work folder); none for ranking. ``processes``: whether it
    may start processes (a worker that forks children of its own, which enter a sandbox
    themselves). ``keep_fds``: descriptors to keep open besides 0-2. ``rlimits``: resource ->
    limit (bytes or seconds), each set hard and soft alike (CPU time gets one second more
    hard, so that ``SIGXCPU`` names the cause first).
    """

    writable: tuple[str, ...] = ()
    processes: bool = False
    keep_fds: tuple[int, ...] = ()
    rlimits: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SandboxReport:
    """What ``enter_sandbox`` put in place: layer name -> ``"on: ..."`` or ``"missing: why"``."""

    layers: dict[str, str]

    @property
    def missing(self) -> list[str]:
        return [name for name, state in self.layers.items() if not state.startswith("on")]

    @property
    def missing_kernel_layers(self) -> list[str]:
        """Which of the layers that stop hidden file, process and network access are off."""
        return [name for name in ("landlock", "seccomp") if name in self.missing]

    def as_dict(self) -> dict[str, str]:
        return dict(self.layers)


def prepare_sandbox() -> None:
    """Load, in the parent, what every child would otherwise load again (the C library)."""
    if is_linux():
        with contextlib.suppress(OSError, AttributeError):
            _memory_calls()


def enter_sandbox(
    policy: SandboxPolicy, mappings: Sequence[SharedMapping] | None = None
) -> SandboxReport:
    """Enter the sandbox (irreversibly); call once, in a freshly forked, single-threaded child.

    ``mappings`` is ``shared_mappings()`` as the parent read it just before forking (it costs
    milliseconds, so a parent forking many children reads it once); None reads it here.
    """
    global _entered
    layers: dict[str, str] = {}
    _entered = SandboxReport(layers)  # filled in below, layer by layer
    layers["descriptors"] = _attempt(lambda: close_inherited(policy.keep_fds))
    layers["shared_memory"] = _attempt(lambda: privatize_shared_memory(mappings))
    layers["rlimits"] = _attempt(lambda: _set_limits(policy))
    if not is_linux():
        reason = f"missing: {sys.platform} has no such layer"
        for name in ("capabilities", "no_new_privs", "landlock", "seccomp"):
            layers[name] = reason
        return SandboxReport(layers)
    layers["capabilities"] = _attempt(_drop_capabilities)
    layers["no_new_privs"] = _attempt(_no_new_privs)
    layers["landlock"] = _attempt(lambda: landlock.restrict_self(policy.writable).describe())
    if layers["no_new_privs"].startswith("on"):
        layers["seccomp"] = _attempt(lambda: _seccomp(policy.processes))
    else:
        layers["seccomp"] = "missing: needs no_new_privs"
    return SandboxReport(layers)


def current_report() -> SandboxReport | None:
    """The report of the sandbox this process entered, None when it entered none."""
    return _entered


def _attempt(layer: Callable[[], object]) -> str:
    try:
        described = layer()
    except (OSError, AttributeError, ValueError) as exc:
        return f"missing: {exc}"
    return f"on: {described}" if described else "on"


def close_inherited(keep: tuple[int, ...]) -> str:
    """Close every descriptor above 2 but ``keep``; how many were closed."""
    kept = {0, 1, 2, *keep}
    try:
        listed = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # no /proc (macOS): every possible number
        limit = min(resource.getrlimit(resource.RLIMIT_NOFILE)[0], 65536)
        listed = list(range(3, limit))
    closed = 0
    for fd in listed:
        if fd in kept:
            continue
        try:
            os.close(fd)
            closed += 1
        except OSError:  # the listing's own descriptor, already gone
            continue
    return f"{closed} inherited descriptors closed"


def shared_mappings() -> list[SharedMapping] | None:
    """This process's shared mappings as ``(start, length, permissions)``; None without /proc."""
    try:
        with open("/proc/self/maps", "rb") as maps:
            text = maps.read()
    except OSError:
        return None
    found = _SHARED_LINE.findall(text)
    return [(int(a, 16), int(b, 16) - int(a, 16), p.decode()) for a, b, p in found]


def privatize_shared_memory(mappings: Sequence[SharedMapping] | None = None) -> str:
    """Replace every shared mapping by a private copy (or nothing, when too large)."""
    shared = shared_mappings() if mappings is None else mappings
    if shared is None:
        raise OSError(2, "no /proc/self/maps here; shared mappings stay shared")
    for start, length, permissions in shared:
        _make_private(start, length, permissions)
    return f"{len(shared)} shared mappings made private"


def _make_private(start: int, length: int, permissions: str) -> None:
    c = _memory_calls()
    copyable = "r" in permissions and length <= MAX_COPIED_MAPPING
    if not copyable:  # nothing to keep: an inaccessible private mapping in its place
        if c.mmap(start, length, 0, _MAP_PRIVATE | _MAP_ANONYMOUS | _MAP_FIXED, -1, 0) != start:
            raise OSError(ctypes.get_errno(), "a shared mapping could not be replaced")
        return
    copy = c.mmap(None, length, 3, _MAP_PRIVATE | _MAP_ANONYMOUS, -1, 0)
    if copy in (None, _MAP_FAILED):
        raise OSError(ctypes.get_errno(), "no memory to copy a shared mapping")
    ctypes.memmove(copy, start, length)
    if c.mremap(copy, length, length, _MREMAP_MAYMOVE | _MREMAP_FIXED, start) != start:
        raise OSError(ctypes.get_errno(), "a shared mapping could not be replaced")
    protection = sum(_PROT[flag] for flag in permissions[:3] if flag in _PROT)
    c.mprotect(start, length, protection)


def _memory_calls() -> Any:
    c = libc()
    if not getattr(c, "_pachinco_memory_calls", False):
        c.mmap.restype = ctypes.c_void_p
        c.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                           ctypes.c_int, ctypes.c_long]  # fmt: skip
        c.mremap.restype = ctypes.c_void_p
        c.mremap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_int,
                             ctypes.c_void_p]  # fmt: skip
        c.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        c._pachinco_memory_calls = True
    return c


def _set_limits(policy: SandboxPolicy) -> str:
    limits = dict(policy.rlimits)
    limits.setdefault(resource.RLIMIT_CORE, 0)
    if not policy.writable:
        limits.setdefault(resource.RLIMIT_FSIZE, 0)
    for kind, value in limits.items():
        _, hard = resource.getrlimit(kind)
        extra = 1 if kind == resource.RLIMIT_CPU else 0
        value = value if hard == resource.RLIM_INFINITY else min(value, hard - extra)
        resource.setrlimit(kind, (value, value + extra))
    # The descriptor count too, at what it is now: never more.
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, soft))
    return "hard and soft limits alike"


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _drop_capabilities() -> str:
    header = _CapHeader(version=_CAPABILITY_VERSION_3, pid=0)
    data = (_CapData * 2)()
    if os.geteuid() == 0:  # keep reading files as before, nothing else
        data[0].effective = data[0].permitted = 1 << _CAP_DAC_READ_SEARCH
    syscall("capset", ctypes.byref(header), ctypes.byref(data))
    return "all but reading" if os.geteuid() == 0 else "none held"


def _no_new_privs() -> str:
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    return ""


def _seccomp(processes: bool) -> str:
    count = seccomp.install(processes)
    what = "no ptrace, limit raising, chmod/chown, sockets, mounts"
    if not processes:
        what = "no new processes, signals to others, " + what[3:]
    return f"{what} ({count} BPF instructions)"


def no_new_privs_set() -> bool:
    try:
        return prctl(PR_GET_NO_NEW_PRIVS) == 1
    except OSError:
        return False


def isolation_here() -> dict[str, object]:
    """Which layers this machine offers trial children, without forking: ``{"layers": {name:
    bool}, "landlock_abi": int, "summary": str}`` (the summary is for the user)."""
    linux = is_linux()
    abi = landlock.abi_version() if linux else 0
    layers = {
        "descriptors": True,
        "rlimits": True,
        "shared_memory": linux,
        "capabilities": linux,
        "no_new_privs": linux,
        "landlock": abi >= 1,
        "seccomp": linux and seccomp.available(),
    }
    return {"layers": layers, "landlock_abi": abi, "summary": _summary(layers, abi)}


def _summary(layers: Mapping[str, bool], abi: int) -> str:
    enforced = []
    if layers["landlock"]:
        enforced.append(f"Landlock ABI {abi} (no file writes" + (", no TCP" if abi >= 4 else "")
                        + (", no signals outside" if abi >= 6 else "") + ")")  # fmt: skip
    if layers["seccomp"]:
        enforced.append("seccomp (no new processes, ptrace or sockets)")
    if layers["no_new_privs"]:
        enforced.append("no_new_privs")
    enforced.append("hard rlimits and closed descriptors")
    missing = [name for name in ("landlock", "seccomp") if not layers[name]]
    text = "Trial runs are sandboxed by the operating system: " + ", ".join(enforced) + "."
    if missing:
        text += (
            f" Missing here: {' and '.join(missing)}; the static check and an audit hook"
            " (which code that knows how can get around) stand in for them."
        )
    return text
