"""`eval generate`: our prompts and backends write ARCADE predictions, resumably."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jupyter_pachinco.cli import main
from jupyter_pachinco.evaluation.dataset import load_predictions


def _generate(demo: Path, tiny_model_dir: Path, output: Path, *extra: str) -> int:
    return main(
        [
            "eval",
            "generate",
            "--dataset",
            str(demo / "dataset.json"),
            "--output",
            str(output),
            "--backend",
            "transformers",
            "--model",
            str(tiny_model_dir),
            "-n",
            "2",
            "--max-new-tokens",
            "24",
            "--seed",
            "7",
            "--quiet",
            *extra,
        ]
    )


@pytest.mark.parametrize("form", ["completion", "chat", "dataset"])
def test_generate_writes_arcade_predictions_that_the_scorer_reads(
    demo_dir: Path,
    tiny_model_dir: Path,
    tmp_path: Path,
    form: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = tmp_path / "predictions.json"
    assert _generate(demo_dir, tiny_model_dir, output, "--form", form) == 0
    assert "generated 5 turns, kept 0 finished turns" in capsys.readouterr().out

    predicted = load_predictions(output)
    assert [p.episode.notebook_name for p in predicted] == [
        e["notebook_name"] for e in json.loads((demo_dir / "dataset.json").read_text())
    ]
    for episode in predicted:
        assert len(episode.predictions) == len(episode.episode.turns)
        assert all(len(turn) == 2 for turn in episode.predictions)
    raw = json.loads(output.read_text())
    example = raw[0]["turns"][0]["metadata"]["example"]
    assert example == json.loads((demo_dir / "dataset.json").read_text())[0]["turns"][0]


def test_an_interrupted_run_resumes_without_redoing_finished_turns(
    demo_dir: Path, tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "predictions.json"
    assert _generate(demo_dir, tiny_model_dir, output) == 0
    finished = json.loads(output.read_text())
    # As if the run had stopped before the last two episodes' turns were sampled.
    interrupted = json.loads(json.dumps(finished))
    for episode in interrupted[-2:]:
        for turn in episode["turns"]:
            turn["predictions"] = []
    output.write_text(json.dumps(interrupted))
    capsys.readouterr()

    assert _generate(demo_dir, tiny_model_dir, output, "--temperature", "0") == 0
    assert "generated 2 turns, kept 3 finished turns" in capsys.readouterr().out
    resumed = json.loads(output.read_text())
    assert resumed[:-2] == finished[:-2]
    assert all(len(turn["predictions"]) == 2 for e in resumed for turn in e["turns"])


def test_generate_rejects_an_unknown_style_with_a_clear_message(
    demo_dir: Path, tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _generate(demo_dir, tiny_model_dir, tmp_path / "p.json", "--style", "no-such-style") == 1
    error = capsys.readouterr().err
    assert "no-such-style" in error
    assert "explained" in error
    assert not (tmp_path / "p.json").exists()
