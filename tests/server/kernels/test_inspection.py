"""Kernel inspection against real kernels started by a real Jupyter server's kernel manager."""

from __future__ import annotations

import json
import queue
import signal
from typing import Any

import pytest

from jupyter_pachinco.server.kernels.inspection import KernelInspector
from tests.support.user_kernel import user_kernel

USER_CELLS = [
    "import pandas as pd",
    "sales = pd.DataFrame({'region': [None, 'north', 'south'], 'amount': [1.5, None, 2.0]})",
    "class Slow:\n    def __repr__(self):\n        import time; time.sleep(5); return 'slow'\n"
    "waiting = Slow()\ntotal = 12",
]


async def run_cell(client: Any, code: str) -> tuple[dict[str, Any], str]:
    """Execute like the notebook does (counted, in history); the reply and printed text."""
    printed: list[str] = []

    def keep_output(message: dict[str, Any]) -> None:
        if message["header"]["msg_type"] == "stream":
            printed.append(message["content"]["text"])

    reply = await client.execute_interactive(code, timeout=60, output_hook=keep_output)
    return reply, "".join(printed)


async def test_schemas_come_back_and_history_is_untouched(jp_serverapp: Any) -> None:
    async with user_kernel(jp_serverapp, USER_CELLS) as (kernel_id, client):
        await check_schemas_and_history(jp_serverapp, kernel_id, client)


async def check_schemas_and_history(jp_serverapp: Any, kernel_id: str, client: Any) -> None:
    inspector = KernelInspector(jp_serverapp.kernel_manager, wait_s=60)

    snapshot = await inspector.inspect(kernel_id)
    second = await inspector.inspect(kernel_id)
    await inspector.close()

    assert not snapshot.stale
    assert snapshot.notice is None
    by_name = {d["name"]: d for d in snapshot.variables}
    assert by_name["sales"]["kind"] == "dataframe"
    assert by_name["sales"]["shape"] == [3, 2]
    assert by_name["sales"]["columns"] == [
        {"name": "region", "dtype": "str", "examples": ["north", "south"]},
        {"name": "amount", "dtype": "float64", "examples": [1.5, 2.0]},
    ]
    assert by_name["total"] == {"name": "total", "kind": "scalar", "type": "int", "value": 12}
    assert by_name["waiting"]["kind"] == "unavailable"
    assert by_name["pd"] == {"name": "pd", "kind": "module", "type": "module", "module": "pandas"}
    assert second.variables == snapshot.variables

    check = "import json; print(json.dumps([In[1:], [n for n in globals() if 'pachinco' in n]]))"
    reply, printed = await run_cell(client, check)
    assert reply["content"]["execution_count"] == len(USER_CELLS) + 1
    assert json.loads(printed) == [[*USER_CELLS, check], []]


async def test_busy_kernel_is_answered_from_the_stale_snapshot(jp_serverapp: Any) -> None:
    async with user_kernel(jp_serverapp, USER_CELLS) as (kernel_id, client):
        await check_busy_kernel(jp_serverapp, kernel_id, client)


async def check_busy_kernel(jp_serverapp: Any, kernel_id: str, client: Any) -> None:
    manager = jp_serverapp.kernel_manager
    inspector = KernelInspector(manager, wait_s=0.5)
    inspector.wait_s = 60
    fresh = await inspector.inspect(kernel_id)
    inspector.wait_s = 0.5

    sleeping = client.execute("import time\ntime.sleep(30)")
    await wait_until_busy(client, sleeping)
    answer = await inspector.inspect(kernel_id)
    with pytest.raises(queue.Empty):
        await client.get_shell_msg(timeout=0.01)  # the 30 s cell is still running

    assert answer.stale
    assert answer.variables == fresh.variables
    assert answer.notice is not None
    assert "busy" in answer.notice

    await manager.interrupt_kernel(kernel_id)
    interrupted = await client.get_shell_msg(timeout=60)
    assert interrupted["parent_header"]["msg_id"] == sleeping
    inspector.wait_s = 60
    after = await inspector.inspect(kernel_id)
    await inspector.close()
    assert not after.stale
    assert after.variables == [
        *fresh.variables,
        {"name": "time", "kind": "module", "type": "module", "module": "time"},
    ]


async def wait_until_busy(client: Any, msg_id: str) -> None:
    while True:
        message = await client.get_iopub_msg(timeout=60)
        content = message["content"]
        mine = message["parent_header"].get("msg_id") == msg_id
        if mine and content.get("execution_state") == "busy":
            return


async def test_dead_missing_and_absent_kernels_give_a_notice(jp_serverapp: Any) -> None:
    async with user_kernel(jp_serverapp, USER_CELLS) as (kernel_id, _):
        await check_dead_kernel(jp_serverapp, kernel_id)


async def check_dead_kernel(jp_serverapp: Any, kernel_id: str) -> None:
    manager = jp_serverapp.kernel_manager
    inspector = KernelInspector(manager, wait_s=60)
    assert not (await inspector.inspect(kernel_id)).stale

    manager.get_kernel(kernel_id).stop_restarter()  # so the dead kernel stays dead
    await manager.get_kernel(kernel_id).signal_kernel(signal.SIGKILL)
    await manager.get_kernel(kernel_id).provisioner.wait()
    dead = await inspector.inspect(kernel_id)
    missing = await inspector.inspect("no-such-kernel")
    absent = await inspector.inspect(None)
    await inspector.close()

    for snapshot in (dead, missing, absent):
        assert snapshot.variables == []
        assert snapshot.notice
    assert "stopped" in str(dead.notice)
    assert "not running" in str(missing.notice)
    assert "No kernel" in str(absent.notice)
