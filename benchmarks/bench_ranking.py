"""Ranking overhead against a kernel holding large DataFrames, beside replaying the notebook.

Ranking trial-runs every candidate in a fork of the live kernel: no state is rebuilt. The
alternative it replaces re-executes the notebook's cells for each candidate, then the
candidate. Both are measured in the same run, on the same machine:

- ``ranking_overhead_ms``: wall time of ranking 8 trivial candidates through the server-side
  client (silent execute, forks, grouping, reply) minus the candidates' own run time, median of
  a few rounds (goal: at most 200 ms);
- ``execute_ms``: a plain silent execute round trip to the same kernel, for scale;
- ``replay_ms``: re-running the notebook's cells once per candidate, 8 times in all;
- ``speedup_vs_replay``: replay_ms / ranking wall time (goal: at least 10);
- ``sandbox_ms_per_candidate``: what the sandbox every trial child enters costs (issue 23):
  ranking the same 8 candidates with it and, in the same run and kernel, with
  ``enter_sandbox`` switched off inside the kernel (for this measurement only), rounds
  interleaved; the difference of the medians over the 8 candidates (goal: at most 10 ms).

Usage: ``.venv/bin/python benchmarks/bench_ranking.py [--gigabytes 2.0] [--rounds 5]``.
Ends with one JSON line ``{"benchmark": "ranking", "figures": {...}}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from typing import Any

from jupyter_client.multikernelmanager import AsyncMultiKernelManager

from jupyter_pachinco.execution.forks import Limits
from jupyter_pachinco.server.kernels.ranking import KernelRanker
from jupyter_pachinco.server.kernels.shipping import package_name

COLUMNS = 8
FRAMES = 16
CANDIDATES = [f"frames[{i}].shape[0] + {i}" for i in range(8)]


def notebook_cells(gigabytes: float) -> list[str]:
    rows = int(gigabytes * 1024**3 / (FRAMES * COLUMNS * 8))
    return [
        "import numpy as np\nimport pandas as pd",
        "rng = np.random.default_rng(0)",
        f"frames = [pd.DataFrame(rng.random(({rows}, {COLUMNS})), columns=list('abcdefgh'))"
        f" for _ in range({FRAMES})]",
        "total = sum(frame.memory_usage().sum() for frame in frames)",
    ]


async def silent_execute_ms(client: Any) -> float:
    started = time.perf_counter()
    reply = await client.execute_interactive("", silent=True, store_history=False, timeout=60)
    assert reply["content"]["status"] == "ok"
    return (time.perf_counter() - started) * 1000


async def measure_ranking(gigabytes: float, rounds: int) -> dict[str, float]:
    # Connection files go to a temporary folder, not the current one.
    manager = AsyncMultiKernelManager(connection_dir=tempfile.mkdtemp(prefix="bench_ranking_"))
    kernel_id = await manager.start_kernel(kernel_name="python3")
    client = manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        for cell in notebook_cells(gigabytes):
            reply = await client.execute_interactive(cell, timeout=600)
            assert reply["content"]["status"] == "ok", reply["content"]
        ranker = KernelRanker(manager, limits=Limits(wall_time_s=30.0, memory_bytes=1024**3))
        walls, overheads, executes, bare = [], [], [], []
        await ranker.rank(kernel_id, CANDIDATES)  # installs the kernel-side modules
        for _ in range(rounds):
            executes.append(await silent_execute_ms(client))
            wall, own = await timed_ranking(ranker, kernel_id)
            walls.append(wall)
            overheads.append(wall - own)
            await set_sandbox(client, on=False)
            try:
                bare.append((await timed_ranking(ranker, kernel_id))[0])
            finally:
                await set_sandbox(client, on=True)
        await ranker.close()
    finally:
        client.stop_channels()
        await manager.shutdown_all(now=True)
    return {
        "ranking_wall_ms": statistics.median(walls),
        "ranking_overhead_ms": statistics.median(overheads),
        "execute_ms": statistics.median(executes),
        "ranking_wall_ms_without_sandbox": statistics.median(bare),
    }


async def timed_ranking(ranker: KernelRanker, kernel_id: str) -> tuple[float, float]:
    """Wall time of one ranking and the candidates' own run time, in ms."""
    started = time.perf_counter()
    ranking = await ranker.rank(kernel_id, CANDIDATES)
    wall = (time.perf_counter() - started) * 1000
    assert all(c.run.status == "ok" for c in ranking.candidates), ranking.summary()
    return wall, sum(c.run.seconds or 0.0 for c in ranking.candidates) * 1000


# Run in the benchmark's own kernel: the shipped fork path with the sandbox switched off (or
# back on). Never done outside this measurement; the kernel's namespace is not touched.
SANDBOX_SWITCH = """(lambda forks, on: (
    setattr(forks, "_bench_saved", getattr(forks, "_bench_saved", None)
            or (forks.enter_sandbox, forks.shared_mappings)),
    setattr(forks, "enter_sandbox", forks._bench_saved[0] if on
            else (lambda policy, mappings=None: None)),
    setattr(forks, "shared_mappings", forks._bench_saved[1] if on else (lambda: None)),
))(__import__("sys").modules[{module!r}], {on!r})"""


async def set_sandbox(client: Any, on: bool) -> None:
    module = f"{package_name('execution.kernel_trials')}.execution.forks"
    code = SANDBOX_SWITCH.format(module=module, on=on)
    reply = await client.execute_interactive(code, silent=True, store_history=False, timeout=60)
    assert reply["content"]["status"] == "ok", reply["content"]


def measure_replay(gigabytes: float) -> float:
    """Re-run the notebook's cells in a fresh namespace for each candidate, then the candidate."""
    started = time.perf_counter()
    for candidate in CANDIDATES:
        namespace: dict[str, Any] = {}
        for cell in notebook_cells(gigabytes):
            exec(cell, namespace)
        exec(candidate, namespace)
        del namespace
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gigabytes", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    ranking = asyncio.run(measure_ranking(args.gigabytes, args.rounds))
    replay_ms = measure_replay(args.gigabytes)
    figures = {
        "ranking_overhead_ms": round(ranking["ranking_overhead_ms"], 1),
        "ranking_wall_ms": round(ranking["ranking_wall_ms"], 1),
        "execute_ms": round(ranking["execute_ms"], 1),
        "replay_ms": round(replay_ms, 1),
        "speedup_vs_replay": round(replay_ms / ranking["ranking_wall_ms"], 1),
        "ranking_wall_ms_without_sandbox": round(ranking["ranking_wall_ms_without_sandbox"], 1),
        "sandbox_ms_per_candidate": round(
            (ranking["ranking_wall_ms"] - ranking["ranking_wall_ms_without_sandbox"])
            / len(CANDIDATES),
            2,
        ),
        "gigabytes": args.gigabytes,
        "candidates": len(CANDIDATES),
    }
    print(f"kernel state: {args.gigabytes:g} GB of DataFrames; {len(CANDIDATES)} candidates")
    print(f"plain silent execute (baseline)  {figures['execute_ms']:>10.1f} ms")
    print(f"ranking, wall time               {figures['ranking_wall_ms']:>10.1f} ms")
    print(f"ranking overhead (goal <= 200)   {figures['ranking_overhead_ms']:>10.1f} ms")
    print(f"replaying the notebook x8        {figures['replay_ms']:>10.1f} ms")
    print(f"speedup vs replay (goal >= 10)   {figures['speedup_vs_replay']:>10.1f} x")
    print(
        f"ranking without the sandbox      {figures['ranking_wall_ms_without_sandbox']:>10.1f} ms"
    )
    print(f"sandbox per candidate (goal <= 10) {figures['sandbox_ms_per_candidate']:>8.2f} ms")
    print(json.dumps({"benchmark": "ranking", "figures": figures}))


if __name__ == "__main__":
    main()
