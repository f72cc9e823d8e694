"""Hostile candidates through the real ranking path change nothing of the user's (issue 23).

A scripted OpenAI-compatible model answers each request with two candidates: the hostile code
and a harmless one (so the vote runs too). The real Jupyter server ranks them in a real kernel
that holds DataFrames, an open file, a sqlite connection, shared memory and a writable memmap.
After each candidate: the kernel is alive with the same pid, the user's state has the same
digest, no file under the test's folders was created, changed or deleted, no process is left,
nothing reached iopub, nothing was forged into the server's log, and ``/pachinco/status``
answered within 1 s all along (a liveness bound, not a speed measurement).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_openai import Behaviour, Rule, serving_in_thread

from .hostile import HOSTILE, Hostile
from .hostile_world import HostileWorld, StatusWatch, hostile_world

HARMLESS = "total + 1"
KINDS = sorted({hostile.kind for hostile in HOSTILE})


def _answer(code: str) -> tuple[str, ...]:
    return ("Here is the step.\n", "```python\n", code.rstrip("\n") + "\n", "```\n")


def _marker(index: int) -> str:
    return f"hostile-case-{index:03d};"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileWorld]:
    with serving_in_thread([Behaviour(words=_answer(HARMLESS))]) as model:
        model.rules = tuple(
            Rule(_marker(i), (Behaviour(choices=(_answer(h.code), _answer(HARMLESS))),))
            for i, h in enumerate(HOSTILE)
        )
        with hostile_world(tmp_path_factory.mktemp("hostile"), model) as built:
            yield built


def test_the_suite_covers_every_kind_with_forty_candidates_or_more() -> None:
    assert len(HOSTILE) >= 40
    assert {"unpickle", "shared memory", "kill", "zmq", "ctypes", "processes", "files",
            "audit hook", "namespace", "descriptors", "limits", "pipe"} <= set(KINDS)  # fmt: skip


@pytest.mark.parametrize("hostile", HOSTILE, ids=[f"{h.kind}: {h.name}" for h in HOSTILE])
def test_a_hostile_candidate_changes_nothing(world: HostileWorld, hostile: Hostile) -> None:
    index = HOSTILE.index(hostile)
    state, files = world.state(), world.files()
    world.iopub_messages()
    body = {
        "request_id": f"hostile-{index}-{time.monotonic_ns()}",
        "intent": f"{_marker(index)} {hostile.name}",
        "cells": [{"cell_type": "code", "source": "df.head()", "outputs": []}],
        "active_cell_index": 0,
        "kernel_id": world.kernel_id,
        "options": {"n": 2, "rank": True, "max_new_tokens": 512},
    }
    with StatusWatch(world) as watch:
        lines = [json.loads(line) for line in world.request("POST", "/pachinco/generate", body)
                 .decode().splitlines()]  # fmt: skip
    run = _hostile_run(lines, hostile)
    _settle(world)

    assert world.evaluate("__import__('os').getpid()") == world.kernel_pid
    assert world.state() == state
    assert world.files() == files
    assert world.marked_processes() == world.expected_processes
    published = [m for m in world.iopub_messages() if m["msg_type"] != "status"]
    assert published == [], [(m["msg_type"], m["content"]) for m in published]
    assert b"FORGED" not in world.log.read_bytes()
    assert not watch.failures
    assert watch.slowest < 1.0, watch.slowest
    assert world.status_seconds() < 1.0
    _check_run(run, hostile)


def _hostile_run(lines: list[dict[str, Any]], hostile: Hostile) -> dict[str, Any]:
    rankings = [line for line in lines if line["type"] == "ranking"]
    assert len(rankings) == 1, [line["type"] for line in lines]
    runs = {c["index"]: c for c in rankings[0]["candidates"]}
    assert runs[1]["status"] == "ok", runs[1]  # the harmless one still ran
    assert runs[1]["preview"] == "8"
    codes = {line["index"]: line["candidate"]["code"] for line in lines if line["type"] == "answer"}
    assert codes[0].strip() == hostile.code.strip()
    return dict(runs[0])


def _check_run(run: dict[str, Any], hostile: Hostile) -> None:
    described = (run["status"], run["error"], run["preview"])
    if hostile.expected == "stopped":
        by_cpu_limit = run["status"] == "error" and "SIGXCPU" in (run["error"] or "")
        assert run["status"] == "timeout" or by_cpu_limit, described
    elif hostile.expected != "any":
        assert run["status"] == hostile.expected, described
    if hostile.says is not None:
        assert hostile.says in (run["error"] or ""), run["error"]
    if hostile.shows is not None:
        assert run["preview"] == hostile.shows, run["preview"]


def _settle(world: HostileWorld, timeout: float = 5.0) -> None:
    """Children are reaped as their results come in; give a late one a moment."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and world.marked_processes() != world.expected_processes:
        time.sleep(0.1)


def test_nothing_was_left_outside_the_folders(world: HostileWorld) -> None:
    """Paths the candidates aimed at outside the server's folder stay absent."""
    assert not Path("/tmp/pachinco_hostile_outside").exists()
    assert not Path("/dev/shm/pachinco_hostile").exists()
