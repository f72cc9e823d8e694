"""`eval generate` on the shared ARCADE demo with the real SmolLM2 GGUF through llama.cpp.

Structure only (every turn gets its n hypotheses, the budget is counted with the GGUF's own
tokenizer): never whether SmolLM2's pandas is right.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jupyter_pachinco.backends.llamacpp_backend import LlamaCppBackend
from jupyter_pachinco.backends.llamacpp_tokens import GGUFTokenCounter
from jupyter_pachinco.cli import main
from jupyter_pachinco.evaluation import generate_cli
from jupyter_pachinco.evaluation.dataset import load_predictions
from tests.support.shared_data import require_shared


@pytest.mark.parametrize("form", ["completion", "chat"])
def test_eval_generate_runs_smollm2_through_llamacpp(
    smollm2_path: Path,
    tmp_path: Path,
    form: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dataset = require_shared("arcade", "exemplars_demo", "dataset.json")
    counters: list[object] = []
    own_counter = LlamaCppBackend.token_counter

    def recording(backend: LlamaCppBackend) -> GGUFTokenCounter:
        counter = own_counter(backend)
        counters.append(counter)
        return counter

    monkeypatch.setattr(LlamaCppBackend, "token_counter", recording)
    output = tmp_path / "predictions.json"
    code = main(
        [
            "eval", "generate", "--dataset", str(dataset), "--output", str(output),
            "--backend", "llamacpp", "--model", str(smollm2_path), "--form", form,
            "-n", "2", "--max-new-tokens", "24", "--temperature", "0.8", "--seed", "3",
            "--quiet",
        ]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert "generated 5 turns" in capsys.readouterr().out
    assert len(counters) == 1  # the budget was counted with the GGUF's own tokenizer
    predicted = load_predictions(output)
    episodes = json.loads(dataset.read_text())
    assert [p.episode.notebook_name for p in predicted] == [e["notebook_name"] for e in episodes]
    for episode in predicted:
        assert all(len(turn) == 2 for turn in episode.predictions)


def test_the_cli_budget_leaves_room_for_the_answer() -> None:
    assert generate_cli._fitting_budget(2100, 256, 4096) == 2100
    assert generate_cli._fitting_budget(2100, 256, 2048) == 2048 - 256
    assert generate_cli._fitting_budget(2100, 256, None) == 2100
