"""A kernel that dies or restarts while the server waits for it is noticed at once (issue 23):
the pending request ends with a notice that says so, its old snapshot is never shown as
current or as "busy", and another kernel's requests are not slowed by it.

The bounds below (``asyncio.wait_for``) are liveness bounds, far below what the wait would
take without the kernel watch (the trial's own 600 s limit, the inspector's hour).
"""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

from jupyter_pachinco.execution.forks import Limits
from jupyter_pachinco.server.kernels.inspection import KernelInspector
from jupyter_pachinco.server.kernels.ranking import KernelRanker
from tests.support.user_kernel import TEST_LIMITS, user_kernel

CELLS = ["import pandas as pd\nsales = pd.DataFrame({'amount': [1.5, 2.0]})\ntotal = 12"]
LONG = Limits(wall_time_s=600.0, cpu_time_s=None, memory_bytes=1024**3)


def _pid(jp_serverapp: Any, kernel_id: str) -> int:
    pid = jp_serverapp.kernel_manager.get_kernel(kernel_id).provisioner.pid
    assert isinstance(pid, int)
    return pid


async def _until(condition: Any) -> None:
    """Wait for a kernel state the kernel manager updates on its own schedule."""
    for _ in range(1200):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the kernel never got there")


async def test_a_kernel_killed_during_ranking_ends_the_ranking_at_once(jp_serverapp: Any) -> None:
    async with user_kernel(jp_serverapp, CELLS) as (kernel_id, _client):
        ranker = KernelRanker(jp_serverapp.kernel_manager, limits=LONG)
        ranking = asyncio.ensure_future(
            ranker.rank(kernel_id, ["import time\ntime.sleep(1000)", "total + 1"])
        )
        kernel = jp_serverapp.kernel_manager.get_kernel(kernel_id)
        await _until(lambda: kernel.execution_state == "busy")
        os.kill(_pid(jp_serverapp, kernel_id), signal.SIGKILL)
        ranked = await asyncio.wait_for(ranking, 30)
        await ranker.close()
    assert ranked.notice is not None
    assert "the kernel stopped" in ranked.notice or "the kernel restarted" in ranked.notice
    assert [c.run.status for c in ranked.candidates] == ["not_run", "not_run"]


async def test_a_pending_variables_request_ends_when_the_kernel_dies(jp_serverapp: Any) -> None:
    async with user_kernel(jp_serverapp, CELLS) as (kernel_id, client):
        inspector = KernelInspector(jp_serverapp.kernel_manager, wait_s=0.2)
        first = await inspector.inspect(kernel_id)
        assert {v["name"] for v in first.variables} >= {"sales", "total"}
        client.execute("import time\ntime.sleep(1000)")
        kernel = jp_serverapp.kernel_manager.get_kernel(kernel_id)
        await _until(lambda: kernel.execution_state == "busy")
        inspector.refresh(kernel_id)  # queued behind the sleeping cell
        busy = await inspector.inspect(kernel_id)
        assert busy.stale
        assert "busy" in (busy.notice or "")
        os.kill(_pid(jp_serverapp, kernel_id), signal.SIGKILL)
        after = await asyncio.wait_for(_first_not_busy(inspector, kernel_id), 30)
        await inspector.close()
    assert "busy" not in (after.notice or "")
    assert after.variables == [] or after.taken_at != first.taken_at
    assert after.notice is None or "stopped" in after.notice or "restarted" in after.notice


async def _first_not_busy(inspector: KernelInspector, kernel_id: str) -> Any:
    while True:
        snapshot = await inspector.inspect(kernel_id)
        if not (snapshot.notice or "").startswith("The kernel is busy"):
            return snapshot
        await asyncio.sleep(0.1)


async def test_a_dead_kernel_does_not_slow_another(jp_serverapp: Any) -> None:
    async with (
        user_kernel(jp_serverapp, CELLS) as (dead_id, _),
        user_kernel(jp_serverapp, CELLS) as (alive_id, _),
    ):
        ranker = KernelRanker(jp_serverapp.kernel_manager, limits=LONG)
        stuck = asyncio.ensure_future(ranker.rank(dead_id, ["import time\ntime.sleep(1000)"]))
        kernel = jp_serverapp.kernel_manager.get_kernel(dead_id)
        await _until(lambda: kernel.execution_state == "busy")
        fast = KernelRanker(jp_serverapp.kernel_manager, limits=TEST_LIMITS)
        other = await asyncio.wait_for(fast.rank(alive_id, ["total * 2"]), 60)
        os.kill(_pid(jp_serverapp, dead_id), signal.SIGKILL)
        await asyncio.wait_for(stuck, 30)
        await ranker.close()
        await fast.close()
    assert other.candidates[0].run.status == "ok"
    assert other.candidates[0].run.preview == "24"
