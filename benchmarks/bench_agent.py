"""The agent's costs against a kernel holding 2 GB of DataFrames, each beside its baseline.

A real kernel (jupyter_client) is filled with 16 DataFrames of 2 GB in all; the server-side
opener (``KernelScratches``) makes scratch copies of it, and the agent loop runs against the
scripted OpenAI-compatible model server of the tests (real protocol), which streams its
answers at 20 tokens a second. Figures, each printed with its baseline from the same run:

- ``scratch_create_ms``: from asking for a scratch to its hello (silent execute, fork,
  connection), median of ``--rounds`` after the kernel's first scratch, which also installs
  the kernel-side code there (printed apart) (goal <= 50 ms); baseline: a plain silent
  execute;
- ``scratch_extra_rss_fraction``: memory only the scratch holds (private pages, from
  ``/proc/<pid>/smaps_rollup``) after it described its variables, trial-ran two candidates
  that read the frames and applied one, over the kernel's resident memory (goal <= 0.10);
- ``step_overhead_fraction``: per step of a 3-step run, the time that is not the model's
  (scratch forks, trials, observation, vote, prompts) over the step's wall time, median
  (goal <= 0.10); baseline: the model's own time per step;
- ``user_cell_delay_ms``: a user cell's round trip while the agent works, minus the same on
  the idle kernel, medians (goal <= 50 ms).

Usage: ``.venv/bin/python benchmarks/bench_agent.py [--gigabytes 2.0] [--rounds 7]``.
Ends with one JSON line ``{"benchmark": "agent", "figures": {...}}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from jupyter_client.multikernelmanager import AsyncMultiKernelManager

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jupyter_pachinco.agent import Agent, AgentOptions, AgentTask, StepObserved, StepStarted
from jupyter_pachinco.assistant import Assistant
from jupyter_pachinco.backends import Backend, Cancellation, Event, GenerationRequest
from jupyter_pachinco.backends.openai_backend import OpenAIBackend
from jupyter_pachinco.backends.settings import BackendSettings
from jupyter_pachinco.execution.forks import Limits
from jupyter_pachinco.server.kernels.scratch import KernelScratches
from tests.support.fake_openai import Behaviour, FakeOpenAIServer, Rule

FRAMES, COLUMNS = 16, 8
TOKENS_PER_S = 20.0
PLAN_TEXT = "1. Total column a of the first frame.\n2. Take its square root.\n3. Round it.\n"
PLAN = tuple(re.findall(r"\S+\s*", PLAN_TEXT))  # one token a word, as a model streams them


def step(code: str) -> tuple[str, ...]:
    """An answer of about 20 tokens: some words, then the code in a fence."""
    words = tuple(f" word{i}" for i in range(12))
    return (*words, "\n```python\n", *[f"{line}\n" for line in code.split("\n")], "```\n")


STEPS = {
    "step 1 only": step("total = frames[0]['a'].sum()\ntotal"),
    "step 2 only": step("root = total ** 0.5\nroot"),
    "step 3 only": step("round(root, 2)"),
}


def notebook_cells(gigabytes: float) -> list[str]:
    rows = int(gigabytes * 1024**3 / (FRAMES * COLUMNS * 8))
    return [
        "import numpy as np\nimport pandas as pd",
        "rng = np.random.default_rng(0)",
        f"frames = [pd.DataFrame(rng.random(({rows}, {COLUMNS})), columns=list('abcdefgh'))"
        f" for _ in range({FRAMES})]",
    ]


class TimedBackend(Backend):
    """The model, with the time spent waiting on it kept (the model's own time)."""

    name = "timed"

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.seconds = 0.0

    @classmethod
    def from_settings(cls, settings: BackendSettings) -> TimedBackend:
        raise TypeError("wraps a built backend")

    async def stream(
        self, request: GenerationRequest, cancellation: Cancellation
    ) -> AsyncIterator[Event]:
        started = time.perf_counter()
        try:
            async for event in self.inner.stream(request, cancellation):
                self.seconds += time.perf_counter() - started
                yield event
                started = time.perf_counter()
        finally:
            self.seconds += time.perf_counter() - started


async def round_trip_ms(client: Any, code: str = "", silent: bool = True) -> float:
    started = time.perf_counter()
    reply = await client.execute_interactive(code, silent=silent, store_history=False, timeout=60)
    assert reply["content"]["status"] == "ok", reply["content"]
    return (time.perf_counter() - started) * 1000


def private_bytes(pid: int) -> int:
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0]) * 1024
    return fields["Private_Clean"] + fields["Private_Dirty"]


def resident_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


async def measure_creation(
    scratches: KernelScratches, kernel_id: str, client: Any, rounds: int
) -> dict[str, float]:
    # The first scratch of a kernel also installs the kernel-side code there (once per kernel).
    started = time.perf_counter()
    await (await scratches.open(kernel_id)).close()
    first = (time.perf_counter() - started) * 1000
    creates, executes = [], []
    for _ in range(rounds):
        executes.append(await round_trip_ms(client))
        started = time.perf_counter()
        session = await scratches.open(kernel_id)
        creates.append((time.perf_counter() - started) * 1000)
        await session.close()
    return {
        "create": statistics.median(creates),
        "execute": statistics.median(executes),
        "first": first,
    }


async def measure_memory(
    scratches: KernelScratches, kernel_id: str, kernel_pid: int
) -> dict[str, float]:
    session = await scratches.open(kernel_id)
    try:
        await session.variables()
        runs = await session.trial(["frames[0]['a'].sum()", "float(frames[1]['b'].mean())"])
        assert all(run.status == "ok" for run in runs), runs
        advanced = await session.advance("column_total = frames[2]['c'].sum()")
        assert advanced.observation is not None
        assert advanced.observation["status"] == "ok"
        return {"private": private_bytes(session.pid), "kernel": resident_bytes(kernel_pid)}
    finally:
        await session.close()


async def measure_run(
    scratches: KernelScratches, kernel_id: str, client: Any, model: FakeOpenAIServer
) -> dict[str, Any]:
    settings = BackendSettings(
        backend="openai", base_url=model.base_url, model="scripted", max_retries=0
    )
    timed = TimedBackend(OpenAIBackend.from_settings(settings))
    agent = Agent(Assistant(timed), AgentOptions(n=3, max_new_tokens=64, temperature=0.7))
    idle = [await round_trip_ms(client, "pass", silent=False) for _ in range(15)]
    during: list[float] = []
    finished = asyncio.Event()

    async def sample() -> None:
        while not finished.is_set():
            during.append(await round_trip_ms(client, "pass", silent=False))
            await asyncio.sleep(0.1)

    sampler = asyncio.ensure_future(sample())
    steps: list[tuple[float, float]] = []
    started_at = model_at = 0.0
    task = AgentTask("The square root of the first frame's column a total, to two places.")
    try:
        async for event in agent.run(task, lambda: scratches.open(kernel_id)):
            if isinstance(event, StepStarted):
                started_at, model_at = time.perf_counter(), timed.seconds
            elif isinstance(event, StepObserved):
                steps.append((time.perf_counter() - started_at, timed.seconds - model_at))
    finally:
        finished.set()
        await sampler
        await timed.inner.aclose()
    assert len(steps) == 3, steps
    return {"steps": steps, "idle": idle, "during": during}


async def measure(gigabytes: float, rounds: int) -> dict[str, Any]:
    manager = AsyncMultiKernelManager(connection_dir=tempfile.mkdtemp(prefix="bench_agent_"))
    kernel_id = await manager.start_kernel(kernel_name="python3")
    client = manager.get_kernel(kernel_id).client()
    client.start_channels()
    delay = 1.0 / TOKENS_PER_S
    rules = tuple(Rule(f"Write the code for {key}", (Behaviour(words=words, delay_s=delay),))
                  for key, words in STEPS.items())  # fmt: skip
    try:
        await client.wait_for_ready(timeout=60)
        for cell in notebook_cells(gigabytes):
            reply = await client.execute_interactive(cell, timeout=600)
            assert reply["content"]["status"] == "ok", reply["content"]
        kernel_pid = int(json.loads((await client.execute_interactive(
            "", silent=True, user_expressions={"p": "__import__('os').getpid()"}, timeout=60
        ))["content"]["user_expressions"]["p"]["data"]["text/plain"]))  # fmt: skip
        limits = Limits(wall_time_s=30.0, cpu_time_s=30.0, memory_bytes=1024**3)
        scratches = KernelScratches(manager, limits=limits)
        created = await measure_creation(scratches, kernel_id, client, rounds)
        memory = await measure_memory(scratches, kernel_id, kernel_pid)
        async with FakeOpenAIServer([Behaviour(words=PLAN, delay_s=delay)], rules=rules) as model:
            run = await measure_run(scratches, kernel_id, client, model)
        await scratches.close()
    finally:
        client.stop_channels()
        await manager.shutdown_all(now=True)
    return {"created": created, "memory": memory, "run": run}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gigabytes", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    found = asyncio.run(measure(args.gigabytes, args.rounds))
    created, memory, run = found["created"], found["memory"], found["run"]
    overheads = [(wall - model) / wall for wall, model in run["steps"]]
    model_s = statistics.median(model for _, model in run["steps"])
    wall_s = statistics.median(wall for wall, _ in run["steps"])
    idle_ms, during_ms = statistics.median(run["idle"]), statistics.median(run["during"])
    figures = {
        "scratch_create_ms": round(created["create"], 1),
        "scratch_extra_rss_fraction": round(memory["private"] / memory["kernel"], 4),
        "step_overhead_fraction": round(statistics.median(overheads), 4),
        "user_cell_delay_ms": round(during_ms - idle_ms, 1),
        "silent_execute_ms": round(created["execute"], 1),
        "first_scratch_create_ms": round(created["first"], 1),
        "kernel_rss_mb": round(memory["kernel"] / 1024**2, 1),
        "scratch_private_mb": round(memory["private"] / 1024**2, 1),
        "step_model_s": round(model_s, 3),
        "step_wall_s": round(wall_s, 3),
        "user_cell_idle_ms": round(idle_ms, 1),
        "user_cell_during_ms": round(during_ms, 1),
        "user_cell_during_max_ms": round(max(run["during"]), 1),
        "user_cell_samples": len(run["during"]),
        "gigabytes": args.gigabytes,
    }
    print(
        f"kernel state: {args.gigabytes:g} GB of DataFrames, {figures['kernel_rss_mb']} MB resident"
    )
    print(f"plain silent execute (baseline)          {figures['silent_execute_ms']:>9.1f} ms")
    print(f"scratch creation (goal <= 50 ms)         {figures['scratch_create_ms']:>9.1f} ms"
          f"  (the kernel's first: {figures['first_scratch_create_ms']:.1f} ms, installing"
          " the kernel-side code)")  # fmt: skip
    share = f"{figures['scratch_extra_rss_fraction']:.2%}"
    print(f"scratch's own memory                     {figures['scratch_private_mb']:>9.1f} MB"
          f"  = {share} of the kernel's (goal <= 10%)")  # fmt: skip
    print(f"model time per step (baseline, 20 tok/s) {figures['step_model_s']:>9.3f} s")
    print(f"step wall time                           {figures['step_wall_s']:>9.3f} s"
          f"  overhead {figures['step_overhead_fraction']:.2%} (goal <= 10%)")  # fmt: skip
    print(f"user cell on the idle kernel (baseline)  {figures['user_cell_idle_ms']:>9.1f} ms")
    print(f"user cell while the agent works          {figures['user_cell_during_ms']:>9.1f} ms"
          f"  delay {figures['user_cell_delay_ms']:.1f} ms (goal <= 50), max"
          f" {figures['user_cell_during_max_ms']:.1f} ms of {figures['user_cell_samples']}"
          " samples")  # fmt: skip
    print(json.dumps({"benchmark": "agent", "figures": figures}))


if __name__ == "__main__":
    main()
