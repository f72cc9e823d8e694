"""The sandbox a trial child enters, checked from inside a child (issue 23): the layers are on
(``/proc/self/status``) and each forbidden operation fails; and the parent's side: what it
reads back is plain, bounded data, and it kills only the groups it made.

Runs on the kernel-side modules as a kernel receives them, in the oldest environment too.
Skipped, with the reason, only where this machine's Linux lacks Landlock (or it is not Linux).
"""

from __future__ import annotations

import json
import os
import resource
import socket
import sys
import time
import types
from pathlib import Path
from typing import Any

import pytest

from jupyter_pachinco.server.kernels.shipping import package_name

pytestmark = pytest.mark.kernel_side


def shipped(kernel_trials: types.ModuleType, name: str) -> Any:
    return sys.modules[f"{package_name('execution.kernel_trials')}.execution.{name}"]


@pytest.fixture(scope="module")
def sandbox(kernel_trials: types.ModuleType) -> Any:
    module = shipped(kernel_trials, "sandbox")
    if not sys.platform.startswith("linux"):
        pytest.skip(f"the kernel-enforced layers are Linux's; this is {sys.platform}")
    abi = module.landlock.abi_version()
    if abi < 1:
        pytest.skip("this machine's Linux has no Landlock (or it is disabled)")
    return module


def _attempt(action: Any) -> str:
    try:
        action()
    except Exception as exc:  # what refused it, in its own words
        return f"{type(exc).__name__}: {exc}"
    return "ALLOWED"


def _probe(folder: str, outside: str) -> dict[str, Any]:
    """Runs in the sandboxed child: its status lines, and each forbidden operation tried."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    status = {}
    for line in _read("/proc/self/status").splitlines():
        key, _, value = line.partition(":")
        if key in ("NoNewPrivs", "Seccomp", "CapEff"):
            status[key] = value.strip()
    tries = {
        "write a file": lambda: _write(os.path.join(folder, "new.txt")),
        "write outside": lambda: _write(outside),
        "remove a file": lambda: os.unlink(os.path.join(folder, "kept.txt")),
        "make a folder": lambda: os.mkdir(os.path.join(folder, "sub")),
        "make a fifo": lambda: os.mkfifo(os.path.join(folder, "fifo")),
        "chmod": lambda: os.chmod(os.path.join(folder, "kept.txt"), 0o777),
        "fork": os.fork,
        "kill the parent": lambda: os.kill(os.getppid(), 0),
        "libc kill the parent": lambda: _libc_call(libc, libc.kill(os.getppid(), 0)),
        "tcp socket": lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM),
        "raise the memory limit": lambda: resource.setrlimit(
            resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
        ),
        "ptrace the parent": lambda: _libc_call(libc, libc.ptrace(16, os.getppid(), 0, 0)),
    }
    allowed = {
        "read a file": lambda: _read(os.path.join(folder, "kept.txt")),
        "a thread": _thread,
        "/dev/null": lambda: _write(os.devnull),
    }
    return {
        "status": status,
        "refused": {name: _attempt(action) for name, action in tries.items()},
        "allowed": {name: _attempt(action) for name, action in allowed.items()},
        "open descriptors": sorted(int(n) for n in os.listdir("/proc/self/fd")),
    }


def _read(path: str) -> str:
    with open(path) as source:
        return source.read()


def _write(path: str) -> None:
    with open(path, "w") as target:
        target.write("x")


def _libc_call(libc: Any, result: int) -> None:
    if result != 0:
        import ctypes

        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))


def _thread() -> None:
    import threading

    worker = threading.Thread(target=lambda: None)
    worker.start()
    worker.join()


def test_the_layers_are_on_in_a_child_and_refuse_what_they_should(
    kernel_trials: types.ModuleType, sandbox: Any, tmp_path: Path
) -> None:
    forks = shipped(kernel_trials, "forks")
    (tmp_path / "kept.txt").write_text("kept", encoding="utf-8")
    outside = str(tmp_path.parent / f"outside-{os.getpid()}.txt")
    # An inherited descriptor the child must not keep.
    with open(tmp_path / "held.txt", "a"):
        [outcome] = forks.run_in_forks(
            [lambda: _probe(str(tmp_path), outside)], forks.Limits(wall_time_s=30), 1
        )
    assert outcome.ok, outcome.error
    found = outcome.value
    assert found["status"]["NoNewPrivs"] == "1"
    assert found["status"]["Seccomp"] == "2"  # a filter is installed
    if os.geteuid() == 0:
        assert int(found["status"]["CapEff"], 16) == 1 << 2  # reading only
    for name, result in found["refused"].items():
        assert result != "ALLOWED", name
        assert "Error" in result, (name, result)
    assert set(found["allowed"].values()) == {"ALLOWED"}, found["allowed"]
    # 0-2, the result pipe, and the descriptor listing its own folder: nothing inherited.
    assert len(found["open descriptors"]) <= 5, found["open descriptors"]
    assert (tmp_path / "kept.txt").read_text(encoding="utf-8") == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["held.txt", "kept.txt"]
    assert not os.path.exists(outside)


def test_the_report_names_every_layer_on(kernel_trials: types.ModuleType, sandbox: Any) -> None:
    forks = shipped(kernel_trials, "forks")

    def report() -> dict[str, str]:
        return dict(sandbox.current_report().layers)

    [outcome] = forks.run_in_forks([report], forks.Limits(wall_time_s=30), 1)
    layers = outcome.value
    assert set(layers) == {"descriptors", "shared_memory", "rlimits", "capabilities",
                           "no_new_privs", "landlock", "seccomp"}  # fmt: skip
    assert all(state.startswith("on") for state in layers.values()), layers
    assert f"ABI {sandbox.landlock.abi_version()}" in layers["landlock"]
    here = sandbox.isolation_here()
    assert here["layers"]["landlock"]
    assert here["layers"]["seccomp"]
    assert "Missing here" not in here["summary"]


def test_a_worker_policy_lets_a_child_write_its_folder_and_fork(
    kernel_trials: types.ModuleType, sandbox: Any, tmp_path: Path
) -> None:
    forks = shipped(kernel_trials, "forks")

    def work() -> list[Any]:
        with open(tmp_path / "written.txt", "w") as out:
            out.write("ok")
        inner = forks.run_in_forks([lambda: os.getpid()], forks.Limits(wall_time_s=10), 1)
        return [inner[0].ok, _attempt(lambda: open(tmp_path.parent / "beside.txt", "w"))]

    policy = sandbox.SandboxPolicy(writable=(str(tmp_path),), processes=True)
    [outcome] = forks.run_in_forks([work], forks.Limits(wall_time_s=30), 1, policy=policy)
    assert outcome.ok, outcome.error
    inner_ok, beside = outcome.value
    assert inner_ok  # its own child ran (and entered a sandbox of its own)
    assert beside.startswith("PermissionError")
    assert (tmp_path / "written.txt").read_text(encoding="utf-8") == "ok"


def test_values_come_back_as_plain_data_never_unpickled(kernel_trials: types.ModuleType) -> None:
    forks = shipped(kernel_trials, "forks")
    marker: list[str] = []

    class Evil:
        def __reduce__(self) -> Any:
            return (marker.append, ("ran in the parent",))

    outcomes = forks.run_in_forks(
        [lambda: Evil(), lambda: {"a": [1, 2.5, None, b"raw"], "b": float("inf")}],
        forks.Limits(wall_time_s=30),
        2,
    )
    assert "cannot be sent back" in (outcomes[0].error or "")
    assert outcomes[1].value == {"a": [1, 2.5, None, b"raw"], "b": float("inf")}
    assert marker == []


def test_a_flooding_child_is_cut_off_and_a_silent_one_killed(
    kernel_trials: types.ModuleType,
) -> None:
    forks = shipped(kernel_trials, "forks")

    def flood() -> None:
        for fd in range(3, 64):
            try:
                for _ in range(200):
                    os.write(fd, b"\x00" * (1 << 20))
            except OSError:
                continue

    def close_and_sleep() -> None:
        for fd in range(3, 64):
            try:
                os.close(fd)
            except OSError:
                continue
        time.sleep(60)

    started = time.monotonic()
    flooded, silent = forks.run_in_forks([flood, close_and_sleep], forks.Limits(wall_time_s=30), 2)
    assert "sent back more than" in (flooded.error or "")
    assert "closed its result pipe" in (silent.error or "")
    assert time.monotonic() - started < 25  # neither waited for its wall time


@pytest.mark.parametrize(
    "message",
    [
        b"",
        b"not a result",
        b"PCHW1\n" + b"\xff" * 8,
        b"PCHW1\n\x00\x00\x00\x05\x00\x00\x00\x00" + b"[[[[[",
        b"PCHW1\n\x00\x00\x00\x01\x00\x00\x00\x00" + b"1" + b"extra",
    ],
)
def test_broken_messages_are_refused(kernel_trials: types.ModuleType, message: bytes) -> None:
    wire = shipped(kernel_trials, "wire")
    with pytest.raises(wire.WireError):
        wire.decode(message)


def _message(header: str) -> bytes:
    raw = header.encode()
    return b"PCHW1\n" + len(raw).to_bytes(4, "big") + (0).to_bytes(4, "big") + raw


@pytest.mark.parametrize(
    "header",
    [
        "[" * 100_000 + "]" * 100_000,
        "1" + "0" * 5000,
        '{"$x": 1}',
        '{"$b": 0}',
        '{"$d": {"a": 1}, "b": 2}',
        "NaN",
        '{"$f": "evil"}',
    ],
)
def test_hostile_headers_are_refused(kernel_trials: types.ModuleType, header: str) -> None:
    wire = shipped(kernel_trials, "wire")
    with pytest.raises(wire.WireError):
        wire.decode(_message(header))


def test_the_checked_fields_of_a_trial_answer(kernel_trials: types.ModuleType) -> None:
    wire = shipped(kernel_trials, "wire")
    fields = {"shape": ((list, type(None)), 4, False), "n": ((int,), None, True)}
    assert wire.checked({"n": 1, "shape": [1, 2]}, fields, ("shape",)) == {"n": 1, "shape": [1, 2]}
    for bad in ({"n": True}, {"n": 1, "shape": [1.5]}, {"n": 1, "shape": [1] * 5}, {}, [1],
                {"n": 1, "x": 2}):  # fmt: skip
        with pytest.raises(wire.Malformed):
            wire.checked(bad, fields, ("shape",))


def test_the_vote_accepts_only_a_grouping(kernel_trials: types.ModuleType) -> None:
    vote = shipped(kernel_trials, "vote")
    assert vote.is_grouping([0, 0, 1, 0, 2], 5)
    not_groupings: list[Any] = [[0, 2], [1, 0], [0, True], [0, -1], "01", [0]]
    assert not any(vote.is_grouping(bad, 2) for bad in not_groupings)
    assert vote.is_clustering([[0, 2], [1]], 3)
    not_clusterings: list[Any] = [[[0, 0]], [[2, 1]], [[0], [0]], [[]], [[5]], [["0"]]]
    assert not any(vote.is_clustering(bad, 3) for bad in not_clusterings)


def test_the_audit_hook_holds_when_its_module_and_builtins_are_cleared(
    kernel_trials: types.ModuleType, tmp_path: Path
) -> None:
    forks = shipped(kernel_trials, "forks")
    audit = shipped(kernel_trials, "audit")
    target = str(tmp_path / "written.txt")

    def tamper() -> list[str]:
        audit.refuse_side_effects(strict=True)
        audit.__dict__.clear()
        import builtins

        real_isinstance = builtins.isinstance
        builtins.isinstance = lambda *a: False
        try:
            results = [_attempt(lambda: _write(target))]
        finally:
            builtins.isinstance = real_isinstance
        # Our own functions (the silencer, the wire format, ...) cannot be rewritten.
        results.append(
            _attempt(lambda: setattr(forks.describe_exception, "__code__", _thread.__code__))
        )
        results.append(_attempt(lambda: os.kill(os.getpid(), 0)))
        return results

    policy = forks.SandboxPolicy(writable=(str(tmp_path),))
    [outcome] = forks.run_in_forks([tamper], forks.Limits(wall_time_s=30), 1, policy=policy)
    assert outcome.ok, outcome.error
    assert all("may not do this" in result for result in outcome.value), outcome.value
    assert not os.path.exists(target)


def test_code_that_sets_its_own_functions_defaults_still_runs(
    kernel_trials: types.ModuleType,
) -> None:
    """``collections.namedtuple`` sets ``__new__.__defaults__`` (pandas' plotting imports one):
    only this package's functions are guarded against rewriting."""
    forks = shipped(kernel_trials, "forks")
    audit = shipped(kernel_trials, "audit")

    def job() -> list[Any]:
        import collections

        audit.refuse_side_effects(strict=True)
        point = collections.namedtuple("Point", "x y", defaults=(0,))

        def mine(a: int = 1) -> int:
            return a

        mine.__defaults__ = (2,)
        refused = _attempt(lambda: setattr(audit.make_hook, "__defaults__", (True, True)))
        return [point(1).y, mine(), refused]

    [outcome] = forks.run_in_forks([job], forks.Limits(wall_time_s=30), 1)
    assert outcome.ok, outcome.error
    assert outcome.value[:2] == [0, 2]
    assert "rewrites a function" in outcome.value[2]


def test_the_seccomp_filter_builds_for_each_known_architecture(
    kernel_trials: types.ModuleType,
) -> None:
    seccomp = shipped(kernel_trials, "seccomp")
    linux = shipped(kernel_trials, "linux")
    for arch in ("x86_64", "aarch64"):
        program = seccomp.build_program(arch, False, 1234)
        assert program[1][3] == linux.AUDIT_ARCH[arch]
        assert program[-1] == (0x06, 0, 0, seccomp.RET_ALLOW)
        assert len(program) < 4096
        # Its own table: x86_64's fork (57) is refused there; aarch64 has no fork at all.
        refused = {k for code, _, _, k in program if code == 0x15}
        assert (57 in refused) == (arch == "x86_64")
        assert linux.numbers(arch)["clone"] in refused
        for code, jt, jf, _ in program:
            assert 0 <= jt < 256
            assert 0 <= jf < 256
            assert code in (0x20, 0x15, 0x45, 0x35, 0x06)
    assert json.dumps(seccomp.refused_calls(False))  # names only


def test_a_hook_that_allows_forks_still_refuses_the_rest(
    kernel_trials: types.ModuleType, tmp_path: Path
) -> None:
    """The agent's scratch forks trial children of its own: the hook it installs lets exactly
    that through, and it cannot be widened afterwards."""
    forks = shipped(kernel_trials, "forks")
    audit = shipped(kernel_trials, "audit")

    def scratch() -> list[str]:
        audit.refuse_side_effects(allow_forks=True)
        inner = forks.run_in_forks([lambda: 1], forks.Limits(wall_time_s=10), 1)
        audit._OWN_CHILDREN = frozenset({"open"})  # too late: the hook kept its own copy
        return [str(inner[0].value), _attempt(lambda: _write(str(tmp_path / "x.txt")))]

    policy = forks.SandboxPolicy(writable=(str(tmp_path),), processes=True)
    [outcome] = forks.run_in_forks([scratch], forks.Limits(wall_time_s=30), 1, policy=policy)
    assert outcome.ok, outcome.error
    forked, written = outcome.value
    assert forked == "1"
    assert "may not do this" in written
    assert not (tmp_path / "x.txt").exists()
