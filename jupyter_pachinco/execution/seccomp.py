"""A seccomp filter for trial children: the system calls Landlock does not cover.

Kernel-side code (standard library only, Python 3.9+). The filter is a classic BPF program
over ``struct seccomp_data`` (``include/uapi/linux/seccomp.h``: ``nr`` at 0, ``arch`` at 4,
``args[i]`` at ``16 + 8 * i``, little-endian) installed with ``seccomp(SECCOMP_SET_MODE_FILTER)``
once ``no_new_privs`` is set; it holds for the process and all it starts, and cannot be lifted.
A refused call fails with ``EPERM`` (``PermissionError`` in Python); a call from another
architecture's table kills the process. What it refuses:

- starting processes: ``fork``, ``vfork``, ``clone`` without ``CLONE_THREAD`` (threads stay
  allowed), ``clone3`` (``ENOSYS``, so the C library falls back to ``clone``), ``execve``;
- reaching other processes: ``ptrace``, ``process_vm_readv``/``writev``, ``pidfd_open``,
  ``pidfd_getfd``, ``pidfd_send_signal``, ``kill``/``tgkill``/``rt_*sigqueueinfo`` to any
  process but itself (or its own group), ``setsid``/``setpgid``;
- changing limits: ``setrlimit``, ``prlimit64`` with a new limit;
- what Landlock leaves open on files: ``chmod``, ``chown``, ``utime*``, extended attributes,
  ``open_by_handle_at``; and every ``socket`` (no network, no unix socket by path);
- the kernel's own state: mounts and namespaces, ``io_uring``, ``bpf``, ``perf_event_open``,
  ``userfaultfd``, keyrings, modules, clocks, swap, reboot.

With ``processes=True`` (a worker that forks trial children of its own) process creation,
signals, process groups and limits stay allowed (its children lower theirs; raising a hard
limit needs a capability the sandbox dropped); the rest is refused all the same.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
from collections.abc import Iterable

from .linux import AUDIT_ARCH, architecture, numbers, syscall

SECCOMP_SET_MODE_FILTER = 1
RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000
RET_ALLOW = 0x7FFF0000
CLONE_THREAD = 0x00010000
X32_SYSCALL_BIT = 0x40000000

_LD_ABS_W = 0x20
_JEQ = 0x15
_JSET = 0x45
_JGE = 0x35
_RET = 0x06
_NR, _ARCH = 0, 4

_ALWAYS_REFUSED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "kcmp",
    "pidfd_open", "pidfd_getfd", "pidfd_send_signal", "socket",
    "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
    "utime", "utimes", "utimensat", "futimesat", "setxattr", "lsetxattr", "fsetxattr",
    "removexattr", "lremovexattr", "fremovexattr", "setxattrat", "removexattrat",
    "file_setattr", "open_by_handle_at", "name_to_handle_at",
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "open_tree",
    "open_tree_attr", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "bpf", "perf_event_open",
    "userfaultfd", "keyctl", "add_key", "request_key", "migrate_pages", "move_pages",
    "reboot", "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "swapon", "swapoff", "acct", "quotactl", "settimeofday", "clock_settime", "clock_adjtime",
    "adjtimex", "sethostname", "setdomainname", "iopl", "ioperm", "fanotify_init",
)  # fmt: skip
_PROCESS_CALLS = (
    "fork", "vfork", "execve", "execveat", "setsid", "setpgid", "tkill", "setrlimit",
)  # fmt: skip


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def available() -> bool:
    """Whether this machine's architecture has a filter here (x86_64, aarch64 on Linux)."""
    return architecture() in AUDIT_ARCH


def refused_calls(processes: bool, arch: str | None = None) -> list[str]:
    """The names of the calls refused outright (argument-checked ones aside) on ``arch``."""
    names = list(_ALWAYS_REFUSED)
    if not processes:
        names += _PROCESS_CALLS
    known = numbers(arch)
    return [name for name in names if name in known]


def install(processes: bool = False) -> int:
    """Install the filter on this process; the number of BPF instructions. ``OSError`` when
    seccomp is missing or refuses (``no_new_privs`` must be set)."""
    arch = architecture()
    if arch not in AUDIT_ARCH:
        raise OSError(errno.ENOSYS, "no seccomp filter for this architecture")
    program = build_program(arch, processes, os.getpid())
    raw = b"".join(struct.pack("=HBBI", *instruction) for instruction in program)
    buffer = ctypes.create_string_buffer(raw, len(raw))
    fprog = _SockFprog(len=len(program), filter=ctypes.cast(buffer, ctypes.c_void_p))
    syscall("seccomp", SECCOMP_SET_MODE_FILTER, 0, ctypes.byref(fprog))
    return len(program)


Instruction = tuple[int, int, int, int]


def build_program(arch: str, processes: bool, pid: int) -> list[Instruction]:
    """The filter as ``(code, jt, jf, k)`` instructions, for process ``pid``."""
    known = numbers(arch)
    deny = RET_ERRNO | errno.EPERM
    program: list[Instruction] = [
        (_LD_ABS_W, 0, 0, _ARCH),
        (_JEQ, 1, 0, AUDIT_ARCH[arch]),
        (_RET, 0, 0, RET_KILL_PROCESS),
        (_LD_ABS_W, 0, 0, _NR),
    ]
    if arch == "x86_64":  # the x32 table shares the architecture value: refuse all of it
        program += [(_JGE, 0, 1, X32_SYSCALL_BIT), (_RET, 0, 0, deny)]
    for name in refused_calls(processes, arch):
        program += _refuse(known[name], deny)
    if not processes:
        program += _limit_rule(known["prlimit64"])
        program += _refuse(known["clone3"], RET_ERRNO | errno.ENOSYS)
        program += _clone_rule(known["clone"])
        program += _self_only(known["kill"], [pid, 0, -pid & 0xFFFFFFFF])
        for name in ("tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
            program += _self_only(known[name], [pid])
    program.append((_RET, 0, 0, RET_ALLOW))
    return program


def _refuse(number: int, action: int) -> list[Instruction]:
    return [(_JEQ, 0, 1, number), (_RET, 0, 0, action)]


def _arg_low(index: int) -> int:
    return 16 + 8 * index


def _guarded(number: int, body: list[Instruction]) -> list[Instruction]:
    """``body`` runs for call ``number`` only, and must end in a return; ``nr`` is reloaded."""
    return [(_JEQ, 0, len(body), number), *body]


def _limit_rule(number: int) -> list[Instruction]:
    # prlimit64(pid, resource, new, old): reading (new == NULL) is fine, setting is refused.
    body: list[Instruction] = [
        (_LD_ABS_W, 0, 0, _arg_low(2)),
        (_JEQ, 0, 3, 0),
        (_LD_ABS_W, 0, 0, _arg_low(2) + 4),
        (_JEQ, 0, 1, 0),
        (_RET, 0, 0, RET_ALLOW),
        (_RET, 0, 0, RET_ERRNO | errno.EPERM),
    ]
    return _guarded(number, body)


def _clone_rule(number: int) -> list[Instruction]:
    body: list[Instruction] = [
        (_LD_ABS_W, 0, 0, _arg_low(0)),
        (_JSET, 0, 1, CLONE_THREAD),
        (_RET, 0, 0, RET_ALLOW),
        (_RET, 0, 0, RET_ERRNO | errno.EPERM),
    ]
    return _guarded(number, body)


def _self_only(number: int, allowed: Iterable[int]) -> list[Instruction]:
    """Call ``number`` is allowed only when its first argument is one of ``allowed``."""
    values = list(allowed)
    body: list[Instruction] = [(_LD_ABS_W, 0, 0, _arg_low(0))]
    for position, value in enumerate(values):
        body.append((_JEQ, len(values) - position, 0, value))
    body += [(_RET, 0, 0, RET_ERRNO | errno.EPERM), (_RET, 0, 0, RET_ALLOW)]
    return _guarded(number, body)
