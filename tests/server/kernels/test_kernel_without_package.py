"""Ranking and variable description in a kernel whose environment lacks jupyter_pachinco
(issue 14, kind 7): everything that runs in the kernel is sent as source and needs only the
standard library, pandas and numpy. The kernel runs in the oldest supported environment
(``make oldest-env``: Python 3.9, pandas 2.0, numpy 1.24, no jupyter_pachinco), registered as a
kernelspec the way a user registers a project venv."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from jupyter_pachinco.server.kernels.inspection import KernelInspector
from jupyter_pachinco.server.kernels.ranking import KernelRanker
from tests.support.user_kernel import TEST_LIMITS, evaluate, user_kernel

ROOT = Path(__file__).resolve().parents[3]
KERNEL_NAME = "pachinco-oldest"
USER_CELLS = [
    "import pandas as pd",
    "homes = pd.DataFrame({'lat': [51.5, 48.8, 59.9, 40.4], 'price': [5.0, 7.5, 1.25, 9.0]})",
    "by_lat = homes.set_index('lat')['price']",
]
CODES = [
    "by_lat.sort_values().iloc[0]",
    "homes['price'].min()",
    "by_lat.min()",
    "homes.price.max()",
    "undefined_name + 1",
]


@pytest.fixture(scope="module")
def oldest_python() -> Path:
    """The oldest environment's interpreter, built (once, then cached) by the Makefile."""
    subprocess.run(["make", "-s", "oldest-env"], cwd=ROOT, check=True, timeout=900)
    python = ROOT / ".venv-oldest" / "bin" / "python"
    assert python.exists()
    return python


@pytest.fixture
def oldest_kernelspec(jp_data_dir: Path, oldest_python: Path) -> str:
    folder = jp_data_dir / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True)
    spec = {
        "argv": [str(oldest_python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3.9, pandas 2.0 (no jupyter_pachinco)",
        "language": "python",
        "env": {"PYTHONPATH": "", "PYTHONNOUSERSITE": "1"},
    }
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return KERNEL_NAME


USER_NAMES = "sorted(k for k in globals() if not k.startswith('_'))"


@pytest.mark.slow
async def test_ranking_and_description_work_without_the_package(
    jp_serverapp: Any, oldest_kernelspec: str
) -> None:
    async with user_kernel(jp_serverapp, USER_CELLS, oldest_kernelspec) as (kernel_id, client):
        assert await evaluate(client, "__import__('sys').version_info[:2]") == (3, 9)
        assert (await evaluate(client, "pd.__version__")).startswith("2.0.")
        lacks = "__import__('importlib.util').util.find_spec('jupyter_pachinco') is None"
        assert await evaluate(client, lacks) is True
        names_before = await evaluate(client, USER_NAMES)

        ranker = KernelRanker(jp_serverapp.kernel_manager, limits=TEST_LIMITS)
        try:
            ranking = await ranker.rank(kernel_id, CODES)
        finally:
            await ranker.close()
        inspector = KernelInspector(jp_serverapp.kernel_manager, wait_s=60)
        try:
            snapshot = await inspector.inspect(kernel_id)
        finally:
            await inspector.close()

        assert await evaluate(client, USER_NAMES) == names_before
    assert ranking.notice is None, ranking.notice
    runs = {c.run.code: c.run for c in ranking.candidates}
    assert [runs[code].status for code in CODES] == ["ok", "ok", "ok", "ok", "error"]
    assert ranking.candidates[0].run.code in CODES[:3]  # the answer three of them agree on
    assert runs[CODES[0]].group == runs[CODES[1]].group == runs[CODES[2]].group
    assert runs[CODES[3]].group != runs[CODES[0]].group
    assert snapshot.notice is None, snapshot.notice
    described = {v["name"]: v for v in snapshot.variables}
    assert described["by_lat"]["kind"] == "series"
    assert described["by_lat"]["examples"] == [5.0, 7.5, 1.25]
    assert described["homes"]["shape"] == [4, 2]
