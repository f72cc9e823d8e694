"""Verdict parity with the unmodified official ARCADE evaluator on the shared probe sets.

``parity_cases`` pins every rule of FORMAT.md E1-E9 (one probe per hypothesis, official
verdicts in ``official_results.json``); ``exemplars_demo`` holds the official verdicts of its
two predictions files. Every disagreement is printed with its probe tag and rules.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_pachinco.evaluation.dataset import load_predictions
from jupyter_pachinco.evaluation.options import ScoringOptions
from jupyter_pachinco.evaluation.scoring import score_predictions
from jupyter_pachinco.execution import Limits
from tests.support.shared_data import require_shared

# The official run's flags: --timeout 30, no memory or CPU limit.
OFFICIAL_FLAGS = ScoringOptions(limits=Limits(wall_time_s=30.0, cpu_time_s=None, memory_bytes=None))


def _score(folder: Path, predictions: str) -> dict[str, Any]:
    loaded = load_predictions(folder / predictions)
    return score_predictions(loaded, folder / "artifacts", OFFICIAL_FLAGS)


def test_parity_cases_agree_with_the_official_evaluator() -> None:
    folder = require_shared("arcade", "parity_cases")
    report = _score(folder, "predictions.json")
    probes = {
        (p["episode_idx"], p["turn_idx"], p["hyp_idx"]): p
        for p in json.loads((folder / "probes.json").read_text())
    }
    disagreements: list[str] = []
    rows = json.loads((folder / "official_results.json").read_text())
    for row in rows:
        key = (row["episode_idx"], row["turn_idx"], row["hyp_idx"])
        turn = report["episodes"][key[0]]["turns"][key[1]]
        ours = None if turn["excluded"] else turn["hypotheses"][key[2]]["correct"]
        theirs = None if row["accuracy"] is None else bool(row["accuracy"])
        if ours != theirs:
            probe = probes[key]
            disagreements.append(
                f"{key} official={theirs} ours={ours} [{probe['probe']}; {probe['rules']}]"
                f" {turn['hypotheses'][key[2]].get('code', '')[:80]!r}"
            )
    print("\n".join(disagreements) or "no disagreement")
    print(f"parity: {len(rows) - len(disagreements)}/{len(rows)} verdicts agree")
    assert not disagreements


@pytest.mark.parametrize("name", ["reference", "wrong"])
def test_exemplars_demo_agrees_with_the_official_evaluator(name: str) -> None:
    folder = require_shared("arcade", "exemplars_demo")
    official = json.loads((folder / "expected_official_verdicts.json").read_text())[name]
    report = _score(folder, f"predictions_{name}.json")
    ours = {
        (episode["notebook_name"], turn["turn_index"], index): hypothesis["correct"]
        for episode in report["episodes"]
        for turn in episode["turns"]
        for index, hypothesis in enumerate(turn["hypotheses"])
    }
    disagreements = [
        f"{h['notebook_name']} turn {h['turn']} hyp {h['hypothesis']}: official={h['correct']}"
        f" ours={ours.get((h['notebook_name'], h['turn'], h['hypothesis']))}"
        for h in official["hypotheses"]
        if ours.get((h["notebook_name"], h["turn"], h["hypothesis"])) != h["correct"]
    ]
    print("\n".join(disagreements) or "no disagreement")
    assert not disagreements
    assert report["metrics"]["accuracy@1"] == official["metrics"]["accuracy@1"]
