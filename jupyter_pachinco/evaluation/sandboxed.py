"""The harness's children: the sandbox each one enters, and what their parent accepts back.

``eval score`` forks a worker per turn (it runs the dataset's notebook context, then forks one
child per program); the hypotheses are model-written. So:

- a worker may start processes (its own children) and write only beneath the scratch folder
  this process made for the run (``worker_policy``);
- a reference or hypothesis run may write only beneath the turn's copy of the work folder,
  its current folder (``run_policy``), and starts nothing;
- every answer comes back as plain data (``forks``/``wire``) and is checked here field by
  field before it is used (``checked_run``, ``checked_turn_score``); the majority vote, which
  needs the outputs' values, runs in one more sandboxed child (``vote.decide_in_child``) and
  sends back positions only.

The reference's targets are the one thing loaded from a child's pickle: the reference is the
benchmark's own solution, as trusted as the notebook context the worker runs itself.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..execution.forks import Limits
from ..execution.sandbox import SandboxPolicy
from ..execution.vote import decide_in_child, is_clustering
from ..execution.wire import FieldRule, Malformed, checked

_TEXT = 4_000
_RUN_FIELDS: dict[str, FieldRule] = {
    "error": ((str, type(None)), _TEXT, True),
    "files_changed": ((bool,), None, True),
    "official": ((bool,), None, False),
    "official_error": ((str, type(None)), _TEXT, False),
    "strict": ((bool,), None, False),
    "seconds": ((dict,), None, False),
    "official_output": ((bytes, type(None)), None, False),
    "strict_output": ((bytes, type(None)), None, False),
}
_ENTRY_FIELDS: dict[str, FieldRule] = {
    "correct": ((bool,), None, True),
    "official": ((bool,), None, True),
    "strict": ((bool,), None, True),
    "error": ((str, type(None)), None, True),
    "timed_out": ((bool,), None, True),
}
_MAJORITY_FIELDS: dict[str, FieldRule] = {
    "correct": ((bool,), None, True),
    "cluster_size": ((int,), None, True),
    "chosen": ((int, type(None)), None, True),
}
_SCORE_FIELDS: dict[str, FieldRule] = {
    "reference_error": ((str, type(None)), None, True),
    "target_rule": ((str, type(None)), 100, True),
    "target_rules": ((dict,), None, True),
    "hypotheses": ((list,), None, True),
    "majority": ((dict,), None, True),
    "seconds": ((dict,), None, False),
}


def worker_policy(scratch_root: str) -> SandboxPolicy:
    """A turn's worker: writes beneath ``scratch_root`` only, may fork its runs."""
    return SandboxPolicy(writable=(scratch_root,), processes=True)


def run_policy() -> SandboxPolicy:
    """One program run: writes beneath the current folder (the turn's copy) only."""
    return SandboxPolicy(writable=(os.getcwd(),))


def copy_work_folder(
    source: Path,
    target: Path,
    ignore: Callable[[str, list[str]], set[str]] | None = None,
) -> None:
    """Copy files and folders without their permissions and times (the sandbox refuses
    ``chmod`` and ``utime``, which ``shutil.copytree`` would call), symlinks as links;
    ``ignore`` is a ``shutil.copytree`` ``ignore`` (names in a folder not to copy)."""
    target.mkdir()
    for folder, folders, files in os.walk(source):
        here = target / Path(folder).relative_to(source)
        if ignore is not None:
            skipped = ignore(folder, [*folders, *files])
            folders[:] = [name for name in folders if name not in skipped]
            files = [name for name in files if name not in skipped]
        linked = [name for name in folders if (Path(folder) / name).is_symlink()]
        for name in linked:  # os.walk does not enter them: copied as links
            os.symlink(os.readlink(Path(folder) / name), here / name)
        folders[:] = [name for name in folders if name not in linked]
        for name in folders:
            (here / name).mkdir()
        for name in files:
            path = Path(folder) / name
            if path.is_symlink():
                os.symlink(os.readlink(path), here / name)
            else:
                shutil.copyfile(path, here / name)


def checked_run(value: Any) -> dict[str, Any]:
    """A hypothesis run's answer, or ``Malformed``."""
    found = checked(value, _RUN_FIELDS)
    _check_seconds(found.get("seconds", {}))
    return found


def checked_turn_score(value: Any, hypotheses: int) -> dict[str, Any]:
    """A worker's turn score, or ``Malformed``: every field of the shape ``scoring`` makes."""
    found = checked(value, _SCORE_FIELDS)
    entries = found["hypotheses"]
    if len(entries) != hypotheses:
        raise Malformed("sent back a verdict per hypothesis that does not add up")
    for entry in entries:
        checked(entry, _ENTRY_FIELDS)
    checked(found["majority"], _MAJORITY_FIELDS)
    rules = found["target_rules"]
    if set(rules) - {"official", "strict"} or not all(
        isinstance(rule, (str, type(None))) for rule in rules.values()
    ):
        raise Malformed("sent back target rules of the wrong shape")
    _check_seconds(found.get("seconds", {}))
    return found


def _check_seconds(seconds: Any) -> None:
    if not isinstance(seconds, dict) or not all(
        isinstance(k, str) and type(v) in (int, float) for k, v in seconds.items()
    ):
        raise Malformed("sent back timings of the wrong shape")


def clusters_in_child(
    packed: Sequence[bytes | None],
    cluster: Callable[[list[Any]], list[list[int]]],
    limits: Limits,
) -> list[list[int]]:
    """``cluster(values)`` over the loaded outputs, run in a sandboxed child; when that child
    fails or answers nonsense, outputs cluster by identical bytes (the largest first)."""
    outcome = decide_in_child(packed, cluster, limits)
    if outcome.ok and is_clustering(outcome.value, len(packed)):
        return [list(members) for members in outcome.value]
    return identical_bytes_clusters(packed)


def identical_bytes_clusters(packed: Sequence[bytes | None]) -> list[list[int]]:
    by_digest: dict[bytes, list[int]] = {}
    for position, data in enumerate(packed):
        if data is not None:
            by_digest.setdefault(hashlib.blake2b(data, digest_size=16).digest(), []).append(
                position
            )
    return sorted(by_digest.values(), key=lambda members: (-len(members), members[0]))
