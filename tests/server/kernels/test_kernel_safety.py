"""Hostile candidates, trial-run in a real kernel, leave the kernel and its files as they were."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from jupyter_pachinco.server.kernels.ranking import KernelRanker
from tests.support.user_kernel import TEST_LIMITS, evaluate, folder_contents, user_kernel

USER_CELLS = [
    "import os, pandas as pd",
    "sales = pd.DataFrame({'region': ['north', 'south', 'east'], 'amount': [1.5, 2.0, 3.5]})",
    "total = 7",
]

HOSTILE = {
    "loops forever": "while True:\n    pass",
    "allocates 100 GB": "blob = bytearray(100 * 1024**3)\nlen(blob)",
    # ctypes is refused by the static check; imported in hiding, it crashes the child alone.
    "segfaults": "import importlib\nimportlib.import_module('ctyp' + 'es').string_at(0)",
    "calls os._exit": "import os\nos._exit(3)",
    "fork-bombs": "import os\nwhile True:\n    os.fork()",
    "fork-bombs, hidden": "spawn = getattr(os, 'fo' + 'rk')\nfor _ in range(3):\n    spawn()",
    "writes a file": "with open('written.txt', 'w') as f:\n    f.write('x')",
    "writes a file, hidden": "import builtins\ngetattr(builtins, 'op' + 'en')('w.txt', 'w')",
    "deletes a file": "os.remove('data.csv')",
    "deletes a file, hidden": "getattr(os, 're' + 'move')('data.csv')",
    "mutates a DataFrame in place": (
        "sales['amount'] = 0\nsales.drop(columns=['region'], inplace=True)"
    ),
    "displays and prints": (
        "from IPython.display import display\ndisplay(sales)\nprint('hi')\ntotal"
    ),
}

EXPECTED_STATUS = {
    "loops forever": "error",
    "allocates 100 GB": "error",
    "segfaults": "error",
    "calls os._exit": "error",
    "fork-bombs": "not_run",
    "fork-bombs, hidden": "error",
    "writes a file": "not_run",
    "writes a file, hidden": "error",
    "deletes a file": "not_run",
    "deletes a file, hidden": "error",
    "mutates a DataFrame in place": "ok",
    "displays and prints": "ok",
}

STATE = (
    "(sorted(k for k in globals() if not k.startswith('_') and k not in ('In', 'Out')), "
    "sales.to_dict('list'), total, os.getcwd())"
)


async def test_hostile_candidates_leave_the_kernel_as_it_was(
    jp_serverapp: Any, jp_root_dir: Path
) -> None:
    (jp_root_dir / "data.csv").write_text("region,amount\nnorth,1.5\n")
    async with user_kernel(jp_serverapp, USER_CELLS) as (kernel_id, client):
        state_before = await evaluate(client, STATE)
        assert Path(state_before[3]) == jp_root_dir
        files_before = folder_contents(jp_root_dir)
        await _published_messages(client)  # what the user's own cells published

        ranker = KernelRanker(jp_serverapp.kernel_manager, limits=TEST_LIMITS)
        ranking = await ranker.rank(kernel_id, list(HOSTILE.values()))
        await ranker.close()

        published = await _published_messages(client)
        reply = await client.execute_interactive("total + 1", timeout=30)
        kernel = jp_serverapp.kernel_manager.get_kernel(kernel_id)
        assert await kernel.is_alive()
        assert reply["content"]["status"] == "ok"
        assert await evaluate(client, STATE) == state_before
        assert folder_contents(jp_root_dir) == files_before

    by_index = {c.run.index: c.run for c in ranking.candidates}
    names = list(HOSTILE)
    statuses = {names[i]: run.status for i, run in by_index.items()}
    assert statuses == EXPECTED_STATUS, {names[i]: r.error for i, r in by_index.items()}
    _check_reasons(names, by_index)
    # Nothing from the trial children reached the user's notebook.
    assert [m["msg_type"] for m in published if m["msg_type"] != "status"] == []


def _check_reasons(names: list[str], by_index: dict[int, Any]) -> None:
    run = {name: by_index[i] for i, name in enumerate(names)}
    assert "SIGSEGV" in (run["segfaults"].error or "")
    assert "MemoryError" in (run["allocates 100 GB"].error or "")
    assert "status 3" in (run["calls os._exit"].error or "")
    assert run["fork-bombs"].side_effects == ["starts processes (os.fork)"]
    assert "starts processes" in (run["fork-bombs, hidden"].error or "")
    assert "writes or deletes files" in (run["writes a file, hidden"].error or "")
    assert "writes or deletes files" in (run["deletes a file, hidden"].error or "")
    mutated = run["mutates a DataFrame in place"]
    assert mutated.type_name == "DataFrame"
    assert mutated.shape == [3, 1]
    assert run["displays and prints"].preview == "7"
    assert run["displays and prints"].stdout == "hi\n"


async def _published_messages(client: Any) -> list[dict[str, Any]]:
    """IOPub messages the user's client saw (statuses of our silent request, nothing else)."""
    messages: list[dict[str, Any]] = []
    await asyncio.sleep(0.5)
    while await client.iopub_channel.msg_ready():
        message = await client.get_iopub_msg(timeout=1)
        messages.append({"msg_type": message["header"]["msg_type"], **message["content"]})
    return messages
