"""Landlock, the Linux security module any process may use to restrict itself (Linux 5.13+).

Kernel-side code (standard library only, Python 3.9+). ``restrict_self`` handles every
file-system right that changes the file system (writing, truncating, removing, creating,
linking, device ioctls) with no rule granting them, except beneath the given writable
folders and on ``/dev/null``; reading and executing stay as they were. From ABI 4 it also
handles TCP ``bind`` and ``connect`` with no port allowed, and from ABI 6 it scopes signals and
abstract unix sockets to the sandbox (no ``kill``, ``pidfd_send_signal`` or ``F_SETOWN`` to a
process outside it, no connection to an abstract socket made outside it). A restriction lasts
for the process and everything it starts, and cannot be lifted.

Layouts from ``include/uapi/linux/landlock.h`` and ``Documentation/userspace-api/landlock.rst``.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Sequence
from dataclasses import dataclass

from .linux import syscall

CREATE_RULESET_VERSION = 1 << 0
RULE_PATH_BENEATH = 1

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13  # ABI 2
FS_TRUNCATE = 1 << 14  # ABI 3
FS_IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1  # ABI 6

_CHANGES_ABI1 = (
    FS_WRITE_FILE | FS_REMOVE_DIR | FS_REMOVE_FILE | FS_MAKE_CHAR | FS_MAKE_DIR | FS_MAKE_REG
    | FS_MAKE_SOCK | FS_MAKE_FIFO | FS_MAKE_BLOCK | FS_MAKE_SYM
)  # fmt: skip
# Rights a rule on a file (not a folder) may carry.
_FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@dataclass(frozen=True)
class LandlockResult:
    """What one ``restrict_self`` enforces: the ABI, and which kinds of rules were on."""

    abi: int
    files: bool
    tcp: bool
    scoped: bool

    def describe(self) -> str:
        kinds = ["no file writes outside the allowed folders"]
        if self.tcp:
            kinds.append("no TCP bind or connect")
        if self.scoped:
            kinds.append("no signals or abstract unix sockets outside the sandbox")
        return f"Landlock ABI {self.abi}: " + ", ".join(kinds)


def abi_version() -> int:
    """The Landlock ABI this kernel offers; 0 when it has none (or it is disabled)."""
    try:
        return syscall("landlock_create_ruleset", None, 0, CREATE_RULESET_VERSION)
    except OSError:
        return 0


def changing_rights(abi: int) -> int:
    """The file-system rights that change files, as far as ABI ``abi`` knows them."""
    rights = _CHANGES_ABI1
    if abi >= 2:
        rights |= FS_REFER
    if abi >= 3:
        rights |= FS_TRUNCATE
    if abi >= 5:
        rights |= FS_IOCTL_DEV
    return rights


def restrict_self(writable: Sequence[str] = (), abi: int | None = None) -> LandlockResult:
    """Restrict this process (no_new_privs must be set first); ``OSError`` when Landlock is
    missing or refuses."""
    abi = abi_version() if abi is None else abi
    if abi < 1:
        raise OSError(38, "this kernel has no Landlock")
    handled = changing_rights(abi)
    attr = _RulesetAttr(handled_access_fs=handled)
    size = 8
    if abi >= 4:
        attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP
        size = 16
    if abi >= 6:
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
        size = 24
    ruleset = syscall("landlock_create_ruleset", ctypes.byref(attr), size, 0)
    try:
        _allow(ruleset, os.devnull, handled & _FILE_RIGHTS)
        for folder in writable:
            _allow(ruleset, folder, handled)
        syscall("landlock_restrict_self", ruleset, 0)
    finally:
        os.close(ruleset)
    return LandlockResult(abi=abi, files=True, tcp=abi >= 4, scoped=abi >= 6)


def _allow(ruleset: int, path: str, rights: int) -> None:
    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    try:
        rule = _PathBeneathAttr(allowed_access=rights, parent_fd=fd)
        syscall("landlock_add_rule", ruleset, RULE_PATH_BENEATH, ctypes.byref(rule), 0)
    finally:
        os.close(fd)
