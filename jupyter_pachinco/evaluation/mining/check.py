"""The last gate of ``eval mine``: keep only the turns that ``eval score`` itself can judge.

Mining runs each notebook once and tries each turn in a fork (``child``), but the
verdicts that count are the scorer's. So after the episodes are built, every kept turn's
reference is scored as its own single prediction by `score_predictions`, with the official
rules (``../shared/arcade/FORMAT.md`` E3-E8), in the artifacts folder that the dataset will
ship with. A turn is dropped, with its reason, when the scorer:

- leaves it out of every metric (its context or reference raised there, its reference has an
  empty delta, an unpicklable value, an ``output_variables`` name missing...):
  `Reason.CANNOT_JUDGE`; or
- judges the reference wrong against itself (an output that changes between runs in a way the
  child's fork did not catch, a figure that differs between two draws):
  `Reason.FAILS_ITSELF` (the ``score`` checks of `exclusions.CHECKS`).

So references as predictions always score 100% on a mined set. Episodes left without turns
are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..dataset import parse_predictions
from ..options import ScoringOptions
from ..scoring import score_predictions
from .episode import Exclusion, NotebookResult
from .exclusions import Evidence, exclusion


def references_as_predictions(episodes: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A predictions document (FORMAT.md) whose only hypothesis per turn is its reference."""
    entries = []
    for episode in episodes:
        turns = [
            {"metadata": {"example": example}, "predictions": [example["turn"]["code"]["value"]]}
            for example in episode["turns"]
        ]
        metadata = {key: value for key, value in episode.items() if key != "turns"}
        entries.append({"metadata": metadata, "turns": turns})
    return entries


def keep_judgeable_turns(results: Sequence[NotebookResult], artifacts: Path) -> None:
    """Score each result's references and drop, in place, the turns the scorer cannot pass.

    ``results``: the mined notebooks (their ``episode`` in the dataset's shape);
    ``artifacts``: the folder holding each episode's ``work_dir``. Each dropped turn becomes an
    `Exclusion` of its notebook; a result whose episode loses every turn gets ``episode=None``.
    """
    mined = [result for result in results if result.episode is not None]
    if not mined:
        return
    episodes = [result.episode for result in mined if result.episode is not None]
    predictions = parse_predictions(references_as_predictions(episodes), "mined references")
    report = score_predictions(predictions, artifacts, ScoringOptions(mode="official"))
    for result, scored in zip(mined, report["episodes"], strict=True):
        _drop_failing_turns(result, scored["turns"])


def _drop_failing_turns(result: NotebookResult, scored_turns: Sequence[dict[str, Any]]) -> None:
    assert result.episode is not None
    kept = []
    for example, scored in zip(result.episode["turns"], scored_turns, strict=True):
        found = exclusion(Evidence(scored=scored), "score")
        if found is None:
            kept.append(example)
            continue
        turn = example["turn"]
        reason, detail = found
        result.excluded.append(
            Exclusion(
                notebook=result.notebook_name,
                code_cell=int(turn["code"]["cell_idx"]),
                intent=str(turn["intent"]["value"]),
                reason=reason,
                detail=detail,
            )
        )
    result.episode["turns"] = kept
    previous = ""
    for example in kept:  # a dropped turn's code now belongs to the next kept turn's delta
        context = example["turn"]["code_context"]
        example["turn"]["delta_code_context"] = context[len(previous) :].lstrip("\n")
        previous = context
    if not kept:
        result.episode = None
