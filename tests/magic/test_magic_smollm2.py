"""The magic with the real SmolLM2 GGUF, chosen by a config file that names only the .gguf path.

Structure only: the answer streams into the cell's output and the turn is recorded; never what
SmolLM2 says.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .kernel_session import run_cell, user_variables

PEOPLE = (
    "import pandas as pd\n"
    "people = pd.DataFrame({'price': [3.5, 2.0, 7.25], 'city': ['Oslo', 'Rome', 'Oslo']})"
)


@pytest.fixture
def config_dir(tmp_path: Path, smollm2_path: Path) -> Path:
    """A jupyter_server_config.py that sets the model to the GGUF file and nothing else."""
    folder = tmp_path / "jupyter_config"
    folder.mkdir()
    (folder / "jupyter_server_config.py").write_text(
        f"c.BackendSettings.model = {str(smollm2_path)!r}\nc.BackendSettings.n_ctx = 2048\n",
        encoding="utf-8",
    )
    return folder


def test_config_shows_the_llamacpp_backend(kernel: Any, smollm2_path: Path) -> None:
    text = run_cell(kernel, "%pachinco config").stream("stdout")
    rows = dict(line.split(None, 1) for line in text.splitlines() if line.strip())
    assert rows["backend"].strip() == "llamacpp"
    assert rows["model"].strip() == str(smollm2_path)
    assert rows["n_ctx"].strip() == "2048"


def test_smollm2_answer_streams_into_the_cell_output(kernel: Any) -> None:
    assert run_cell(kernel, PEOPLE).ok
    before = user_variables(kernel)
    asked = run_cell(kernel, "%%pachinco --max-new-tokens 40\nmean price per city")
    assert asked.ok, asked.stream("stderr")
    assert asked.shown("display_data")[0] == "Asking the model..."
    updates = asked.shown("update_display_data")
    assert len(updates) >= 2  # streamed in pieces, not shown once at the end
    assert len(updates[-1]) > len(updates[0])
    history = run_cell(kernel, "%pachinco history").stream("stdout")
    assert "mean price per city" in history
    assert user_variables(kernel) == before  # nothing ran without the user's action
