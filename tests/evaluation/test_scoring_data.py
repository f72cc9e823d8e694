"""Scoring the shared ARCADE files end to end, and agreeing with the official evaluator."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_pachinco.evaluation.dataset import load_predictions, parse_predictions
from jupyter_pachinco.evaluation.options import ScoringOptions
from jupyter_pachinco.evaluation.scoring import score_predictions
from jupyter_pachinco.execution import Limits

OPTIONS = ScoringOptions(limits=Limits(wall_time_s=20.0, cpu_time_s=20.0))


def score_file(folder: Path, name: str, options: ScoringOptions = OPTIONS) -> dict[str, Any]:
    predictions = load_predictions(folder / f"predictions_{name}.json")
    return score_predictions(predictions, folder / "artifacts", options)


def verdicts(report: dict[str, Any]) -> list[tuple[str, int, int, bool]]:
    return [
        (episode["notebook_name"], turn["turn_index"], index, hypothesis["correct"])
        for episode in report["episodes"]
        for turn in episode["turns"]
        for index, hypothesis in enumerate(turn["hypotheses"])
    ]


@pytest.mark.parametrize("name", ["reference", "wrong"])
def test_demo_verdicts_are_the_official_evaluators(demo_dir: Path, name: str) -> None:
    official = json.loads((demo_dir / "expected_official_verdicts.json").read_text())[name]
    report = score_file(demo_dir, name)
    expected = [
        (h["notebook_name"], h["turn"], h["hypothesis"], h["correct"])
        for h in official["hypotheses"]
    ]
    assert verdicts(report) == expected
    metrics = report["metrics"]
    assert metrics["accuracy@1"] == official["metrics"]["accuracy@1"]
    assert metrics["episode_accuracy@1"] == official["metrics"]["episode_accuracy@1"]
    assert metrics["num_evaluated_problems"] == official["metrics"]["num_eval_examples"]
    assert metrics["num_problems"] == official["metrics"]["num_total_examples"]


def test_demo_reference_scores_100_and_wrong_scores_0(demo_dir: Path) -> None:
    assert score_file(demo_dir, "reference")["metrics"]["accuracy@1"] == 1.0
    wrong = score_file(demo_dir, "wrong")["metrics"]
    assert (wrong["accuracy@1"], wrong["pass@1"], wrong["maj@1"]) == (0.0, 0.0, 0.0)


def test_real_notebook_reference_scores_100(real_dir: Path) -> None:
    report = score_file(real_dir, "reference")
    assert report["metrics"]["accuracy@1"] == 1.0
    assert report["metrics"]["num_problems"] == 11
    assert report["metrics"]["num_reference_failures"] == 0


def test_real_notebook_wrong_predictions(real_dir: Path) -> None:
    report = score_file(real_dir, "wrong")
    turns = report["episodes"][0]["turns"]
    # Turn 0 renames the wrong column: the values shown are the same and ARCADE ignores
    # column names, so the official rules call it correct. Every other turn is wrong.
    assert [turn["hypotheses"][0]["correct"] for turn in turns] == [True] + [False] * 10
    assert all(turn["hypotheses"][0]["error"] is None for turn in turns)


def test_real_notebook_mixed_predictions(real_dir: Path) -> None:
    report = score_file(real_dir, "mixed")
    turn_1 = report["episodes"][0]["turns"][1]
    # nlargest with columns swapped, whole rows, a list of names, reset index, off by one
    assert [h["correct"] for h in turn_1["hypotheses"]] == [True, True, False, True, False]
    turn_7 = report["episodes"][0]["turns"][7]
    assert turn_7["hypotheses"][3]["code"].startswith("print(")
    assert turn_7["hypotheses"][3]["correct"]  # a final print counts as its argument
    metrics = report["metrics"]
    assert metrics["num_hypotheses"] == 55
    assert 0.0 < metrics["pass@1"] < metrics["pass@5"] <= 1.0
    assert metrics["accuracy@5"] == 1.0


def crashing_predictions(real_dir: Path) -> list[Any]:
    data: list[Any] = json.loads((real_dir / "predictions_reference.json").read_text())
    episode = data[0]
    episode["turns"] = episode["turns"][:2]
    reference = episode["turns"][1]["predictions"][0]
    episode["turns"][1]["predictions"] = [
        "import ctypes\nctypes.string_at(0)",
        "import os\nos._exit(1)",
        "junk = bytearray(8 * 1024**3)",
        "while True:\n    pass",
        reference,
    ]
    broken = copy.deepcopy(episode["turns"][0])
    broken["metadata"]["example"]["turn"]["code"]["value"] = "calidata.no_such_column"
    episode["turns"][0] = broken
    return data


def test_crashing_hypotheses_are_incorrect_and_failed_references_excluded(
    real_dir: Path,
) -> None:
    options = ScoringOptions(
        limits=Limits(wall_time_s=2.0, cpu_time_s=10.0, memory_bytes=1024**3), workers=2
    )
    predictions = parse_predictions(crashing_predictions(real_dir))
    report = score_predictions(predictions, real_dir / "artifacts", options)
    excluded, scored = report["episodes"][0]["turns"]
    assert excluded["excluded"]
    assert "AttributeError" in excluded["reference_error"]
    errors = [h["error"] for h in scored["hypotheses"]]
    assert errors == [
        "crashed with SIGSEGV (segmentation fault)",
        "exited with status 1 before reporting a result",
        "MemoryError",
        "timed out after 2 s (wall time)",
        None,
    ]
    assert [h["correct"] for h in scored["hypotheses"]] == [False] * 4 + [True]
    metrics = report["metrics"]
    assert metrics["num_reference_failures"] == 1
    assert metrics["num_evaluated_problems"] == 1
    assert metrics["num_timeouts"] == 1
    assert metrics["pass@1"] == pytest.approx(0.2)
    assert metrics["maj@1"] == 1.0  # the one hypothesis that ran is its own majority


def test_the_benchmark_files_are_not_changed(real_dir: Path, tmp_path: Path) -> None:
    data = json.loads((real_dir / "predictions_reference.json").read_text())
    data[0]["turns"] = data[0]["turns"][:1]
    data[0]["turns"][0]["predictions"] = ["open('student_data.csv', 'w').write('gone')"]
    before = real_dir / "artifacts" / data[0]["metadata"]["work_dir"] / "student_data.csv"
    content = before.read_bytes()
    score_predictions(parse_predictions(data), real_dir / "artifacts", OPTIONS)
    assert before.read_bytes() == content
