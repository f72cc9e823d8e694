"""Static detection of code whose effects would outlive a trial run.

A fork snapshots memory, not the world: a candidate that writes or deletes files, starts
processes or talks to the network would do so for real. Such candidates are not trial-run;
``find_side_effects`` names what each one would do so the user sees why it was not checked.
The check reads the code (it never runs it) and leans towards caution: a false alarm costs one
unchecked candidate, a miss could cost the user's files. The trial child also refuses these
actions at run time (see ``kernel_trials``), for code that hides them from this reading.
"""

from __future__ import annotations

import ast
import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

from .capture import compile_plain

# Modules whose whole purpose is one of the effects we refuse.
_MODULE_EFFECTS = {
    "subprocess": "starts processes",
    "multiprocessing": "starts processes",
    "concurrent": "starts processes",
    "pty": "starts processes",
    "socket": "opens network connections",
    "ssl": "opens network connections",
    "requests": "opens network connections",
    "httpx": "opens network connections",
    "urllib": "opens network connections",
    "http": "opens network connections",
    "ftplib": "opens network connections",
    "smtplib": "opens network connections",
    "aiohttp": "opens network connections",
    "webbrowser": "opens network connections",
    "shutil": "writes or deletes files",
    "tempfile": "writes or deletes files",
    "sqlite3": "writes or deletes files",
}

_OS_EFFECTS = {
    "writes or deletes files": {
        "remove", "unlink", "rmdir", "removedirs", "rename", "renames", "replace", "mkdir",
        "makedirs", "truncate", "symlink", "link", "chmod", "chown", "utime", "mkfifo",
        "write", "open",
    },
    "starts processes": {
        "system", "popen", "fork", "forkpty", "spawnl", "spawnle", "spawnlp", "spawnlpe",
        "spawnv", "spawnve", "spawnvp", "spawnvpe", "posix_spawn", "posix_spawnp", "execl",
        "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe", "kill", "killpg",
        "startfile",
    },
}  # fmt: skip

_PATH_METHODS = {
    "write_text", "write_bytes", "unlink", "rmdir", "mkdir", "touch", "symlink_to",
    "hardlink_to",
}  # fmt: skip
# DataFrames and strings have these too: they count only on something that looks like a path.
_AMBIGUOUS_PATH_METHODS = {"rename", "replace", "chmod"}

# pandas/numpy writers: with a target they write a file; pandas' to_csv() alone returns text.
_WRITER_METHODS = {
    "to_csv", "to_excel", "to_parquet", "to_json", "to_pickle", "to_hdf", "to_sql",
    "to_feather", "to_stata", "to_html", "to_latex", "to_markdown", "to_xml", "to_orc",
    "to_string", "to_clipboard", "savefig", "save", "savez", "savez_compressed", "savetxt",
    "tofile", "dump",
}  # fmt: skip
_ALWAYS_WRITES = {"to_pickle", "to_hdf", "to_sql", "to_feather", "to_stata", "to_parquet",
                  "to_excel", "to_clipboard", "savefig", "save", "savez", "savez_compressed",
                  "savetxt", "tofile"}  # fmt: skip
_PATH_KEYWORDS = {"path_or_buf", "path", "buf", "excel_writer", "fname", "file", "name", "con"}
_REMOTE_PREFIXES = ("http://", "https://", "ftp://", "s3://", "gs://", "gcs://", "az://")


def find_side_effects(code: str) -> list[str]:
    """What the code would do outside its own process, e.g. ``["writes or deletes files
    (open(..., 'w'))"]``; empty when none is seen. Unparsable code has none: it fails on its own.
    """
    try:
        module = compile_plain(code, "<candidate>")
    except SyntaxError:
        return []
    found: list[str] = []
    for reason in _effects(module):
        if reason not in found:
            found.append(reason)
    return found


def _effects(module: ast.Module) -> Iterator[str]:
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _module_effect(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield from _module_effect(node.module)
            if node.module == "os":
                for alias in node.names:
                    yield from _os_effect(alias.name)
        elif isinstance(node, ast.Call):
            yield from _call_effect(node)
        elif _is_remote_address(node):
            yield f"opens network connections ({str(getattr(node, 'value', ''))[:40]!r})"


def _module_effect(name: str) -> Iterator[str]:
    top = name.split(".")[0]
    if top in _MODULE_EFFECTS:
        yield f"{_MODULE_EFFECTS[top]} (uses {name})"


def _os_effect(name: str) -> Iterator[str]:
    for reason, names in _OS_EFFECTS.items():
        if name in names:
            yield f"{reason} (os.{name})"


def _call_effect(call: ast.Call) -> Iterator[str]:
    function = call.func
    if isinstance(function, ast.Name):
        if function.id == "open" and _opens_for_writing(call):
            yield "writes or deletes files (open for writing)"
        elif function.id in ("exec", "eval", "__import__", "compile"):
            yield f"runs code it builds at run time ({function.id})"
        return
    if not isinstance(function, ast.Attribute):
        return
    owner = function.value
    if isinstance(owner, ast.Name) and owner.id == "os":
        yield from _os_effect(function.attr)
    if function.attr == "open" and _opens_for_writing(call, mode_position=0):
        yield "writes or deletes files (.open for writing)"
    elif _writes_files(call, function.attr, owner):
        yield f"writes or deletes files (.{function.attr})"


def _writes_files(call: ast.Call, method: str, owner: ast.expr) -> bool:
    if method in _PATH_METHODS:
        return True
    if method in _AMBIGUOUS_PATH_METHODS:
        return _looks_like_path(owner)
    return method in _WRITER_METHODS and _writes_to_target(call, method)


def _is_remote_address(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.lower().startswith(_REMOTE_PREFIXES)
    )


def _looks_like_path(owner: ast.expr) -> bool:
    if isinstance(owner, ast.Call):
        owner = owner.func
    name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
    return "path" in name.lower()


def _opens_for_writing(call: ast.Call, mode_position: int = 1) -> bool:
    mode: ast.expr | None = None
    if len(call.args) > mode_position:
        mode = call.args[mode_position]
    for keyword in call.keywords:
        if keyword.arg == "mode":
            mode = keyword.value
    if mode is None:
        return False
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return any(flag in mode.value for flag in "wax+")
    return True  # a mode computed at run time may well be a writing one


def _writes_to_target(call: ast.Call, method: str) -> bool:
    if method in _ALWAYS_WRITES:
        return True
    if call.args and not _is_none(call.args[0]):
        return True
    return any(k.arg in _PATH_KEYWORDS and not _is_none(k.value) for k in call.keywords)


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


# Run-time refusal, inside a trial child only: an audit hook cannot be removed, so it must
# never be installed in the kernel itself.
_REFUSED_EVENTS = {
    "writes or deletes files": {
        "os.remove", "os.rmdir", "os.rename", "os.mkdir", "os.symlink", "os.link",
        "os.truncate", "os.chmod", "os.chown", "os.utime", "os.setxattr", "os.removexattr",
        "shutil.rmtree", "shutil.move", "shutil.copyfile", "shutil.copytree",
    },
    "starts processes": {
        "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
        "subprocess.Popen", "os.kill", "os.killpg", "pty.spawn", "os.startfile",
    },
    "opens network connections": {
        "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
        "socket.getaddrinfo", "socket.gethostbyname", "urllib.Request", "http.client.connect",
        "ftplib.connect", "smtplib.connect",
    },
}  # fmt: skip
_EVENT_REASONS = {event: reason for reason, events in _REFUSED_EVENTS.items() for event in events}
_WRITING_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


# What a scratch session itself does for its trial children (see ``scratch``), and only while
# ``own_work`` is on: it forks them and kills what they leave behind.
_OWN_EVENTS = frozenset({"os.fork", "os.kill", "os.killpg"})
_own_work = {"on": False, "installed": False}


class SideEffectRefused(PermissionError):
    """A trial run tried to act outside its own process."""


def refuse_side_effects() -> None:
    """From now on this process refuses to write files, start processes or connect (a child
    forked during ``own_work`` refuses them too: the permission ends here)."""
    _own_work["on"] = False
    sys.dont_write_bytecode = True
    if not _own_work["installed"]:
        _own_work["installed"] = True
        sys.addaudithook(_refuse_event)


@contextlib.contextmanager
def own_work() -> Iterator[None]:
    """Let this process fork and kill its own trial children meanwhile: a scratch session,
    which refuses side effects for the steps it runs in itself, trial-runs candidates in forks.
    No user code runs in the process while this is on."""
    _own_work["on"] = True
    try:
        yield
    finally:
        _own_work["on"] = False


def _refuse_event(event: str, args: tuple[Any, ...]) -> None:
    if _own_work["on"] and event in _OWN_EVENTS:
        return
    reason = _EVENT_REASONS.get(event)
    if reason is None and event == "open" and _opens_file_for_writing(args):
        reason = "writes or deletes files"
    if reason is not None:
        raise SideEffectRefused(f"a trial run may not do this: {reason} ({event})")


def _opens_file_for_writing(args: tuple[Any, ...]) -> bool:
    path, mode, flags = (*args, None, None, 0)[:3]
    if isinstance(path, int):  # an inherited descriptor: the pipe back to the kernel
        return False
    if path == os.devnull:  # writing nowhere (a child's quiet streams) has no effect
        return False
    if isinstance(mode, str):
        return any(flag in mode for flag in "wax+")
    return isinstance(flags, int) and bool(flags & _WRITING_FLAGS)


def silence_kernel_messages() -> None:
    """Make message sending a no-op in this (child) process: the kernel's sockets are shared
    with the parent, and anything sent from here would reach the user's notebook."""
    session_module = sys.modules.get("jupyter_client.session")
    if session_module is not None:
        session_module.Session.send = _drop_message
    socket_module = sys.modules.get("zmq.sugar.socket")
    if socket_module is not None:
        socket_module.Socket.send = _drop_message
        socket_module.Socket.send_multipart = _drop_message


def _drop_message(*args: Any, **kwargs: Any) -> None:
    return None
