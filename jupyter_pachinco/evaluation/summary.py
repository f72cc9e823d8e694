"""The scoring report (``R.json``): metrics, then episodes -> turns -> hypotheses in file order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .dataset import PredictedEpisode
from .metrics import mean, summarize
from .options import ScoringOptions


def build_report(
    predictions: Sequence[PredictedEpisode],
    hypotheses: Sequence[Sequence[str]],
    turn_scores: Sequence[dict[str, Any]],
    options: ScoringOptions,
) -> dict[str, Any]:
    """Put per-turn scores (in job order: episodes, then turns) back into the file's shape."""
    scores = iter(zip(hypotheses, turn_scores, strict=True))
    episodes: list[dict[str, Any]] = []
    for predicted in predictions:
        turns = []
        for index, turn in enumerate(predicted.episode.turns):
            codes, score = next(scores)
            turns.append(_turn_entry(index, turn.intent, codes, score))
        episodes.append(
            {
                "notebook_name": predicted.episode.notebook_name,
                "work_dir": predicted.episode.work_dir,
                "turns": turns,
            }
        )
    return {
        "metrics": compute_metrics(episodes),
        "settings": {
            "timeout_s": options.limits.wall_time_s,
            "cpu_time_s": options.limits.cpu_time_s,
            "memory_bytes": options.limits.memory_bytes,
            "extract_first_cell": options.extract_first_cell,
            "mode": options.mode,
        },
        "episodes": episodes,
    }


def _turn_entry(
    index: int, intent: str, codes: Sequence[str], score: dict[str, Any]
) -> dict[str, Any]:
    hypotheses = [
        {"code": code, **verdict} for code, verdict in zip(codes, score["hypotheses"], strict=True)
    ]
    return {
        "turn_index": index,
        "intent": intent,
        "excluded": score["reference_error"] is not None,
        "reference_error": score["reference_error"],
        "target_rule": score["target_rule"],
        "target_rules": score.get("target_rules"),
        "seconds": score.get("seconds"),
        "majority": score["majority"],
        "hypotheses": hypotheses,
    }


def compute_metrics(episodes: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Metrics over evaluated problems, with the counts that explain them."""
    evaluated = [turn for episode in episodes for turn in episode["turns"] if not turn["excluded"]]
    all_turns = [turn for episode in episodes for turn in episode["turns"]]
    verdicts = [[h["correct"] for h in turn["hypotheses"]] for turn in evaluated]
    metrics: dict[str, Any] = dict(
        summarize(verdicts, [turn["majority"]["correct"] for turn in evaluated])
    )
    metrics["episode_accuracy@1"] = _episode_accuracy(episodes)
    metrics.update(
        {
            "num_problems": len(all_turns),
            "num_evaluated_problems": len(evaluated),
            "num_reference_failures": len(all_turns) - len(evaluated),
            "num_episodes": len(episodes),
            "num_hypotheses": sum(len(turn["hypotheses"]) for turn in all_turns),
            "num_timeouts": sum(
                1 for turn in all_turns for h in turn["hypotheses"] if h["timed_out"]
            ),
            "num_mode_disagreements": sum(
                1
                for turn in evaluated
                for h in turn["hypotheses"]
                if h.get("official", h["correct"]) != h.get("strict", h["correct"])
            ),
        }
    )
    return metrics


def _episode_accuracy(episodes: Sequence[dict[str, Any]]) -> float:
    """Share of episodes whose every evaluated turn has a correct first hypothesis."""
    scores: list[float] = []
    for episode in episodes:
        evaluated = [turn for turn in episode["turns"] if not turn["excluded"]]
        if evaluated:
            solved = all(
                turn["hypotheses"] and turn["hypotheses"][0]["correct"] for turn in evaluated
            )
            scores.append(1.0 if solved else 0.0)
    return mean(scores)
