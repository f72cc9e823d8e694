"""Run-time refusal inside a trial child: an audit hook, and silenced kernel messages.

Kernel-side code (standard library only, Python 3.9+). The hook is a second line behind the
sandbox the Linux kernel enforces (``sandbox``), and the first where that is missing (macOS,
old kernels). An audit hook cannot be removed, so it is only ever installed in a trial child,
never in the kernel itself.

The hook keeps its tables to itself: they are frozen copies bound to it when it is made, and it
reads no module global and no builtin at run time, so clearing or patching a module's
dictionary or ``builtins`` changes nothing; changing its code or defaults is refused. With
``strict`` (the kernel layers are missing) it also refuses what would reach around it:
``ctypes`` (raw memory and system calls), walking the garbage collector to find it, and
descriptors opened by number. Code that already holds a raw-memory primitive can still get
around a hook; that is why the kernel layers come first.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Callable
from typing import Any

_REFUSED_EVENTS = {
    "writes or deletes files": {
        "os.remove", "os.rmdir", "os.rename", "os.mkdir", "os.symlink", "os.link",
        "os.truncate", "os.chmod", "os.chown", "os.utime", "os.setxattr", "os.removexattr",
        "os.mkfifo", "os.mknod", "shutil.rmtree", "shutil.move", "shutil.copyfile",
        "shutil.copytree", "sqlite3.connect",
    },
    "starts processes": {
        "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
        "subprocess.Popen", "os.kill", "os.killpg", "pty.spawn", "os.startfile", "os.setsid",
    },
    "opens network connections": {
        "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
        "socket.getaddrinfo", "socket.gethostbyname", "urllib.Request", "http.client.connect",
        "ftplib.connect", "smtplib.connect",
    },
}  # fmt: skip
_STRICT_EVENTS = {
    "reaches raw memory and system calls": {
        "ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle", "ctypes.cdata",
        "ctypes.cdata/buffer", "ctypes.string_at", "ctypes.wstring_at", "ctypes.addressof",
        "ctypes.set_errno", "mmap.__new__", "gc.get_objects", "gc.get_referrers",
        "gc.get_referents",
    },
    "opens network connections": {"socket.__new__"},
}  # fmt: skip
# Attributes whose change would rewrite a function (the hook among them). Only our own
# functions are guarded (the hook, the message silencer, the wire format: this package's files,
# or its kernel-side modules as the bootstrap compiles them); other code may set them, as
# ``collections.namedtuple`` does for its defaults (pandas' plotting imports one).
_FUNCTION_PARTS = frozenset({"__code__", "__defaults__", "__kwdefaults__", "__globals__"})
_HERE = globals().get("__file__")  # none when the kernel bootstrap compiled this module
_OWN_CODE = ("<pachinco kernel:",) + (
    (os.path.dirname(os.path.dirname(os.path.abspath(_HERE))) + os.sep,) if _HERE else ()
)
_WRITING_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


class SideEffectRefused(PermissionError):
    """A trial run tried to act outside its own process."""


# What a process that forks trial children of its own (the agent's scratch) must still do.
_OWN_CHILDREN = frozenset({"os.fork", "os.kill", "os.killpg"})


def refuse_side_effects(strict: bool = False, allow_forks: bool = False) -> None:
    """From now on this process refuses to write files, start processes or connect (and, when
    ``strict``, to reach raw memory); irreversible. ``allow_forks`` leaves ``os.fork`` and
    killing (its own children's groups) allowed, for a process that runs trial children of
    its own; fixed when the hook is made, like everything it refuses."""
    sys.dont_write_bytecode = True
    sys.addaudithook(make_hook(strict, allow_forks))


def make_hook(strict: bool, allow_forks: bool = False) -> Callable[[str, tuple[Any, ...]], None]:
    """The hook, with frozen copies of its tables bound to it."""
    tables = [_REFUSED_EVENTS, _STRICT_EVENTS] if strict else [_REFUSED_EVENTS]
    allowed = _OWN_CHILDREN if allow_forks else frozenset()
    reasons = types.MappingProxyType(
        {
            event: reason
            for table in tables
            for reason, events in table.items()
            for event in events
            if event not in allowed
        }
    )
    hook: Callable[[str, tuple[Any, ...]], None] = _bind(reasons, strict)
    return hook


def _bind(reasons: types.MappingProxyType[str, str], strict: bool) -> Any:
    def hook(
        event: str,
        args: tuple[Any, ...],
        _reasons: Any = reasons,
        _strict: bool = strict,
        _parts: frozenset[str] = _FUNCTION_PARTS,
        _own: tuple[str, ...] = _OWN_CODE,
        _getattr: Any = getattr,
        _flags: int = _WRITING_FLAGS,
        _null: str = os.devnull,
        _refused: type = SideEffectRefused,
        _isinstance: Any = isinstance,
        _str: type = str,
        _int: type = int,
        _len: Any = len,
    ) -> None:
        reason = _reasons.get(event)
        if reason is None and event == "open" and _len(args) >= 3:
            path, mode, flags = args[0], args[1], args[2]
            if _isinstance(mode, _str):
                writing = "w" in mode or "a" in mode or "x" in mode or "+" in mode
            else:
                writing = _isinstance(flags, _int) and (flags & _flags) != 0
            by_number = _isinstance(path, _int)  # an inherited descriptor, opened by number
            if path == _null:  # discarding output is no side effect
                writing = False
            if (writing and not by_number) or (_strict and by_number):
                reason = "writes or deletes files"
        elif event == "object.__setattr__" and _len(args) >= 2 and args[1] in _parts:
            code = _getattr(args[0], "__code__", None)
            filename = _getattr(code, "co_filename", "")
            if not _isinstance(filename, _str) or filename.startswith(_own):
                reason = "rewrites a function"
        if reason is not None:
            raise _refused("a trial run may not do this: " + reason + " (" + event + ")")

    return hook


def silence_kernel_messages() -> None:
    """Make message sending a no-op in this (child) process: anything sent from here would
    reach the user's notebook (the sandbox also closes the sockets themselves)."""
    session_module = sys.modules.get("jupyter_client.session")
    if session_module is not None:
        session_module.Session.send = _drop_message
    socket_module = sys.modules.get("zmq.sugar.socket")
    if socket_module is not None:
        socket_module.Socket.send = _drop_message
        socket_module.Socket.send_multipart = _drop_message


def _drop_message(*args: Any, **kwargs: Any) -> None:
    return None
