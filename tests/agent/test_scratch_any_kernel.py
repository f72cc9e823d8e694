"""A scratch copy of a kernel whose environment lacks jupyter_pachinco (Python 3.9, pandas
2.0, numpy 1.24, the oldest supported): everything that runs there is shipped as source."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from jupyter_pachinco.server.kernels.scratch import KernelScratches
from tests.support.user_kernel import TEST_LIMITS, evaluate, user_kernel

from .task import SETUP, descendants


@pytest.mark.slow
async def test_a_scratch_of_a_kernel_without_the_package_trials_and_advances(
    jp_serverapp: Any, oldest_kernelspec: str
) -> None:
    async with user_kernel(jp_serverapp, [SETUP], oldest_kernelspec) as (kernel_id, client):
        assert await evaluate(client, "__import__('sys').version_info[:2]") == (3, 9)
        kernel_pid = await evaluate(client, "__import__('os').getpid()")
        scratches = KernelScratches(jp_serverapp.kernel_manager, limits=TEST_LIMITS)
        try:
            async with await scratches.open(kernel_id) as scratch:
                runs = await scratch.trial(["fares['fare'].sum()", "fares['fair']"])
                advanced = await scratch.advance("fares['double'] = fares['fare'] * 2")
                variables = await scratch.variables()
        finally:
            await scratches.close()
        columns = await evaluate(client, "list(fares.columns)")
        for _ in range(100):
            if not descendants(kernel_pid):
                break
            await asyncio.sleep(0.05)
        assert descendants(kernel_pid) == []
    assert [run.status for run in runs] == ["ok", "error"]
    assert runs[1].observation is not None
    assert runs[1].observation["error"]["type"] == "KeyError"
    assert advanced.observation is not None
    assert advanced.observation["status"] == "ok"
    (frame,) = [v for v in variables if v["name"] == "fares"]
    assert [c["name"] for c in frame["columns"]][-1] == "double"
    assert columns == ["pclass", "fare", "people"]  # the kernel's own frame is untouched
