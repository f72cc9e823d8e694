"""The closing note of ``eval mine``: the report file, its printed summary, and the prompts.

``mining_report`` counts notebooks, episodes and turns, the excluded turns by reason, the
kinds of the kept turns and the split; ``summary_lines`` is what the command prints.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ...assistant import Assistant
from ..generate import turn_prompt
from .episode import NotebookResult


def fill_inputs(episodes: Sequence[dict[str, Any]], assistant: Assistant) -> None:
    """Set each turn's ARCADE ``input`` to our completion prompt for it."""
    for episode in episodes:
        for example in episode["turns"]:
            example["input"] = str(turn_prompt(example, assistant, "completion"))


def mining_report(
    results: Sequence[NotebookResult], split: Mapping[str, str], fraction: float, seed: int
) -> dict[str, Any]:
    """The ``mining_report.json`` document (fields in ``cli``)."""
    episodes = [r.episode for r in results if r.episode is not None]
    excluded = [exclusion.as_json() for r in results for exclusion in r.excluded]
    kinds = Counter(
        kind for e in episodes for turn in e["turns"] for kind in turn["metadata"]["kinds"]
    )
    turns_of = {e["notebook_name"]: len(e["turns"]) for e in episodes}
    members = {
        part: sorted(name for name, side in split.items() if side == part)
        for part in ("train", "test")
    }
    return {
        "notebooks": len(results),
        "episodes": len(episodes),
        "turns_found": sum(r.turns_found for r in results),
        "turns_kept": sum(turns_of.values()),
        "excluded_by_reason": dict(Counter(e["reason"] for e in excluded).most_common()),
        "excluded": excluded,
        "notebooks_not_mined": [
            {"notebook": r.notebook_name, "problem": r.problem} for r in results if r.problem
        ],
        "missing_data": {r.notebook_name: r.missing_urls for r in results if r.missing_urls},
        "kinds": dict(kinds.most_common()),
        "per_notebook": {
            r.notebook_name: {
                "turns_found": r.turns_found,
                "turns_kept": turns_of.get(r.notebook_name, 0),
                "split": split.get(r.notebook_name),
            }
            for r in results
        },
        "split": {
            "seed": seed,
            "test_fraction": fraction,
            **members,
            "train_turns": sum(turns_of[name] for name in members["train"]),
            "test_turns": sum(turns_of[name] for name in members["test"]),
        },
    }


def summary_lines(report: Mapping[str, Any], output: Path) -> list[str]:
    """The closing note: episodes, turns kept, turns excluded by reason, the split."""
    split = report["split"]
    lines = [
        f"mined {report['notebooks']} notebooks: {report['episodes']} episodes, "
        f"{report['turns_kept']} of {report['turns_found']} turns kept",
    ]
    for reason, count in report["excluded_by_reason"].items():
        lines.append(f"  excluded, {reason}: {count}")
    for entry in report["notebooks_not_mined"]:
        lines.append(f"  not mined, {entry['notebook']}: {entry['problem']}")
    for notebook, urls in report["missing_data"].items():
        lines.append(f"  data not found for {notebook}: {', '.join(urls)}")
    lines.append(
        f"split (seed {split['seed']}, test={split['test_fraction']:g}): "
        f"train {len(split['train'])} notebooks / {split['train_turns']} turns, "
        f"test {len(split['test'])} notebooks / {split['test_turns']} turns"
    )
    if "examples" in report:
        lines.append(f"training examples: {report['examples']}")
    lines.append(f"wrote {output}/dataset.json, dataset.train.json, dataset.test.json, "
                 "artifacts/, mining_report.json")  # fmt: skip
    return lines
