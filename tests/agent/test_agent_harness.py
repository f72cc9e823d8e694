"""``eval generate --agent`` on a tiny ARCADE dataset: the acceptance task, scored by ``eval
score`` beside plain generation with the same model, turns and sample budget."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_pachinco.cli import main
from tests.support.fake_openai import serving_in_thread

from .task import REPAIR_MARK, SETUP, TASK, plan_script, rules

REFERENCE = (
    "fares['per_person'] = fares['fare'] / fares['people']\n"
    "fares.groupby('pclass')['per_person'].mean().sort_values(ascending=False)"
)


def tiny_dataset(folder: Path) -> Path:
    """One episode, one turn: the acceptance task, with a data file in its work folder."""
    (folder / "artifacts" / "fares").mkdir(parents=True)
    (folder / "artifacts" / "fares" / "notes.txt").write_text("kept as it is\n")
    example = {
        "input": "",
        "turn": {
            "intent": {"value": TASK, "output_variables": []},
            "code": {"value": REFERENCE},
            "code_context": SETUP,
        },
        "metadata": {"context_cells": [{"cell_type": "code", "source": SETUP}]},
    }
    dataset = [{"notebook_name": "fares.ipynb", "work_dir": "fares", "turns": [example]}]
    path = folder / "dataset.json"
    path.write_text(json.dumps(dataset))
    return path


def generate(dataset: Path, output: Path, base_url: str, *extra: str) -> int:
    return main(["eval", "generate", "--dataset", str(dataset), "--output", str(output),
                 "--backend", "openai", "--base-url", base_url, "--model", "served",
                 "--form", "chat", "-n", "1", "--max-new-tokens", "128", "--quiet",
                 *extra])  # fmt: skip


def pass_at_1(dataset: Path, predictions: Path, result: Path) -> Any:
    assert main(["eval", "score", "--dataset", str(dataset), "--artifacts",
                 str(dataset.parent / "artifacts"), "--predictions", str(predictions),
                 "--output", str(result), "--quiet"]) == 0  # fmt: skip
    return json.loads(result.read_text())["metrics"]["pass@1"]


def test_the_agent_solves_the_turn_on_a_scratch_of_its_context_and_scores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "unused")
    dataset = tiny_dataset(tmp_path)
    agent_out, plain_out = tmp_path / "agent.json", tmp_path / "plain.json"
    with serving_in_thread(plan_script(), rules()) as model:
        assert generate(dataset, agent_out, model.base_url, "--agent", "--artifacts",
                        str(tmp_path / "artifacts")) == 0  # fmt: skip
        asked = [request.asked for request in model.requests]
        assert generate(dataset, plain_out, model.base_url) == 0
    assert "generated 1 turns, kept 0 finished turns" in capsys.readouterr().out

    (predicted,) = json.loads(agent_out.read_text())[0]["turns"][0]["predictions"]
    assert "per_person" in predicted
    assert "per_persn" not in predicted  # the failed attempt is not handed over
    assert any(REPAIR_MARK in text and "KeyError" in text for text in asked)
    records = json.loads(agent_out.with_name("agent.json.agent.json").read_text())
    assert records["0"]["status"] == "finished"
    assert (records["0"]["steps"], records["0"]["repairs"]) == (3, 1)
    assert records["0"]["samples"] == 1 + 4  # the plan, then 4 attempts of 1 candidate

    assert pass_at_1(dataset, agent_out, tmp_path / "agent_result.json") == 1.0
    # Plain generation, same model and turn, one sample: the scripted model answers this
    # prompt with the plan's text, which holds no code.
    assert pass_at_1(dataset, plain_out, tmp_path / "plain_result.json") == 0.0
    assert (tmp_path / "artifacts" / "fares" / "notes.txt").read_text() == "kept as it is\n"
