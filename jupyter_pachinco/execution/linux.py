"""Raw Linux system calls through ``ctypes``, for the sandbox a trial child enters.

Kernel-side code (standard library only, Python 3.9+). ``syscall(name, *args)`` calls the
system call by its name on this machine's architecture (x86_64 and aarch64 are known: other
architectures have no numbers, and the layers that need them report themselves missing) and
raises ``OSError`` with the errno on failure. Numbers come from the kernel's own tables
(``arch/x86/entry/syscalls/syscall_64.tbl``, ``include/uapi/asm-generic/unistd.h``).
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys
from typing import Any

# name: (x86_64, aarch64); None where the architecture lacks the call.
_NUMBERS: dict[str, tuple[int, int | None]] = {
    "clone": (56, 220), "clone3": (435, 435), "fork": (57, None), "vfork": (58, None),
    "execve": (59, 221), "execveat": (322, 281),
    "kill": (62, 129), "tkill": (200, 130), "tgkill": (234, 131),
    "rt_sigqueueinfo": (129, 138), "rt_tgsigqueueinfo": (297, 240),
    "ptrace": (101, 117), "process_vm_readv": (310, 270), "process_vm_writev": (311, 271),
    "process_madvise": (440, 440), "kcmp": (312, 272),
    "pidfd_send_signal": (424, 424), "pidfd_open": (434, 434), "pidfd_getfd": (438, 438),
    "socket": (41, 198), "setrlimit": (160, 164), "prlimit64": (302, 261),
    "chmod": (90, None), "fchmod": (91, 52), "fchmodat": (268, 53), "fchmodat2": (452, 452),
    "chown": (92, None), "fchown": (93, 55), "lchown": (94, None), "fchownat": (260, 54),
    "utime": (132, None), "utimes": (235, None), "utimensat": (280, 88), "futimesat": (261, None),
    "setxattr": (188, 5), "lsetxattr": (189, 6), "fsetxattr": (190, 7),
    "removexattr": (197, 14), "lremovexattr": (198, 15), "fremovexattr": (199, 16),
    "setxattrat": (463, 463), "removexattrat": (466, 466), "file_setattr": (469, 469),
    "setsid": (112, 157), "setpgid": (109, 154),
    "unshare": (272, 97), "setns": (308, 268), "mount": (165, 40), "umount2": (166, 39),
    "pivot_root": (155, 41), "chroot": (161, 51), "open_tree": (428, 428),
    "move_mount": (429, 429), "fsopen": (430, 430), "fsconfig": (431, 431),
    "fsmount": (432, 432), "fspick": (433, 433), "mount_setattr": (442, 442),
    "open_tree_attr": (467, 467),
    "io_uring_setup": (425, 425), "io_uring_enter": (426, 426), "io_uring_register": (427, 427),
    "bpf": (321, 280), "perf_event_open": (298, 241), "userfaultfd": (323, 282),
    "keyctl": (250, 219), "add_key": (248, 217), "request_key": (249, 218),
    "open_by_handle_at": (304, 265), "name_to_handle_at": (303, 264),
    "migrate_pages": (256, 238), "move_pages": (279, 239),
    "reboot": (169, 142), "kexec_load": (246, 104), "kexec_file_load": (320, 294),
    "init_module": (175, 105), "finit_module": (313, 273), "delete_module": (176, 106),
    "swapon": (167, 224), "swapoff": (168, 225), "acct": (163, 89), "quotactl": (179, 60),
    "settimeofday": (164, 170), "clock_settime": (227, 112), "clock_adjtime": (305, 266),
    "adjtimex": (159, 171), "sethostname": (170, 161), "setdomainname": (171, 162),
    "iopl": (172, None), "ioperm": (173, None), "fanotify_init": (300, 262),
    "close_range": (436, 436), "seccomp": (317, 277), "capset": (126, 91),
    "landlock_create_ruleset": (444, 444), "landlock_add_rule": (445, 445),
    "landlock_restrict_self": (446, 446),
}  # fmt: skip
_ARCH_COLUMN = {"x86_64": 0, "amd64": 0, "aarch64": 1, "arm64": 1}
#: ``AUDIT_ARCH_*`` of each architecture, as seccomp's ``seccomp_data.arch`` reports it.
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}

PR_SET_NO_NEW_PRIVS = 38
PR_GET_NO_NEW_PRIVS = 39
PR_SET_SECCOMP = 22
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4

_libc: Any = None
_numbers: dict[str, int] | None = None


def is_linux() -> bool:
    return sys.platform.startswith("linux")


def architecture() -> str | None:
    """``"x86_64"`` or ``"aarch64"`` when this process runs on one of them under Linux."""
    if not is_linux():
        return None
    machine = platform.machine().lower()
    column = _ARCH_COLUMN.get(machine)
    if column is None or ctypes.sizeof(ctypes.c_void_p) != 8:
        return None
    return "x86_64" if column == 0 else "aarch64"


def numbers(arch: str | None = None) -> dict[str, int]:
    """The known system calls of ``arch`` (this machine's by default), by name; empty for an
    unknown architecture."""
    global _numbers
    if arch is not None:
        return _table(arch)
    if _numbers is None:
        here = architecture()
        _numbers = _table(here) if here else {}
    return _numbers


def _table(arch: str) -> dict[str, int]:
    column = _ARCH_COLUMN.get(arch)
    if column is None:
        return {}
    found = {name: pair[column] for name, pair in _NUMBERS.items()}
    return {name: number for name, number in found.items() if number is not None}


def libc() -> Any:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.syscall.restype = ctypes.c_long
        _libc.prctl.restype = ctypes.c_int
    return _libc


def syscall(name: str, *args: Any) -> int:
    """Call system call ``name``; its result, or ``OSError`` (``ENOSYS`` when unknown here)."""
    number = numbers().get(name)
    if number is None:
        raise OSError(38, f"{name} is not known on this architecture")
    converted = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    result = int(libc().syscall(ctypes.c_long(number), *converted))
    if result < 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{name}: {os.strerror(error)}")
    return result


def prctl(option: int, *args: int) -> int:
    values = [ctypes.c_ulong(a) for a in (*args, 0, 0, 0, 0)[:4]]
    result = int(libc().prctl(ctypes.c_int(option), *values))
    if result < 0:
        error = ctypes.get_errno()
        raise OSError(error, f"prctl({option}): {os.strerror(error)}")
    return result
