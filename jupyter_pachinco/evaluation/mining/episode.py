"""One mined notebook as an ARCADE episode (format in ``arcade/FORMAT.md``).

A turn's ``code_context`` is the code of every earlier cell that ran, each preceded by the seed
line the mining run used, so that the scorer rebuilds the state the reference was judged on;
cells that failed, timed out, were not reached or load data that was not found are left out of
the context (they would fail the scorer's context run). ``metadata.context_cells`` holds the
notebook cells above the intent (the prompts are built from them) and
``metadata.variable_descriptions`` the live variables' descriptions before the turn
(``describe_variables``), which ``eval generate`` passes to the prompts as schemas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .exclusions import Evidence, Reason, exclusion
from .notebooks import NotebookCell, TurnSpec, classify_reference

SEED = 0
# Run before every cell, in the mining run and in each turn's code_context.
SEED_CODE = f'__import__("random").seed({SEED}); __import__("numpy").random.seed({SEED})'


@dataclass
class Exclusion:
    """A turn left out of the dataset, and why (the check that found it, and a detail)."""

    notebook: str
    code_cell: int
    intent: str
    reason: Reason
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        """The report's entry: the reason as its text."""
        return {**asdict(self), "reason": self.reason.value}


@dataclass
class NotebookResult:
    """What mining one notebook gave: an episode (or None), the exclusions, the problems."""

    notebook_name: str
    work_dir: str
    episode: dict[str, Any] | None = None
    turns_found: int = 0
    excluded: list[Exclusion] = field(default_factory=list)
    missing_urls: list[str] = field(default_factory=list)
    problem: str | None = None
    digests: list[str | None] = field(default_factory=list)


def build_episode(
    result: NotebookResult,
    cells: Sequence[NotebookCell],
    turns: Sequence[TurnSpec],
    codes: Mapping[int, str],
    blocked: Mapping[int, list[str]],
    outcomes: Mapping[int, Mapping[str, Any]],
) -> None:
    """Fill ``result.episode`` (None when no turn is kept), its exclusions and digests."""
    by_code_cell = {turn.code_cell: turn for turn in turns}
    context: list[str] = []
    context_cells: list[dict[str, str]] = []
    pending_markdown: list[dict[str, Any]] = []
    examples: list[dict[str, Any]] = []
    previous_context = ""
    for cell in cells:
        if cell.cell_type == "markdown":
            pending_markdown.append({"index": cell.index, "source": cell.source})
            continue
        if cell.cell_type != "code":
            continue
        turn = by_code_cell.get(cell.index)
        outcome = outcomes.get(cell.index)
        ran = outcome is not None and outcome.get("error") is None
        if turn is not None:
            shown = [m for m in pending_markdown if m["index"] not in turn.intent_cells]
            found = exclusion(Evidence(blocked.get(cell.index, ()), outcome), "run")
            if found is None:
                assert outcome is not None
                code_context = "\n\n".join(context)
                cells_before = context_cells + [_markdown(m["source"]) for m in shown]
                examples.append(
                    _example(turn, codes[cell.index], code_context, previous_context, cells_before,
                             outcome)
                )  # fmt: skip
                previous_context = code_context
                result.digests.append(outcome.get("digest"))
            else:
                result.excluded.append(Exclusion(result.notebook_name, cell.index, turn.intent,
                                                 *found))  # fmt: skip
        context_cells.extend(_markdown(m["source"]) for m in pending_markdown)
        pending_markdown = []
        if ran:
            context.append(f"{SEED_CODE}\n{codes[cell.index]}")
            context_cells.append({"cell_type": "code", "source": codes[cell.index]})
    if examples:
        result.episode = {
            "notebook_name": result.notebook_name,
            "work_dir": result.work_dir,
            "annotator": "eval mine",
            "provenance": {"source": "mined", "missing_urls": result.missing_urls},
            "turns": examples,
        }


def _markdown(source: str) -> dict[str, str]:
    return {"cell_type": "markdown", "source": source}


def _example(
    turn: TurnSpec,
    code: str,
    code_context: str,
    previous_context: str,
    cells_before: list[dict[str, str]],
    outcome: Mapping[str, Any],
) -> dict[str, Any]:
    """One ARCADE turn example (``input`` is filled in later, from our own prompt)."""
    intent_lines = turn.raw_intent.count("\n") + 1
    code_lines = code.count("\n") + 1
    delta = code_context[len(previous_context) :].lstrip("\n")
    return {
        "input": "",
        "turn": {
            "intent": {
                "value": turn.intent,
                "is_cell_intent": True,
                "cell_idx": turn.intent_cells[-1],
                "line_span": [0, intent_lines],
                "not_sure": None,
                "output_variables": None,
            },
            "code": {
                "value": code,
                "cell_idx": turn.code_cell,
                "num_lines": code_lines,
                "line_span": [0, code_lines],
            },
            "code_context": code_context,
            "delta_code_context": delta,
            "metadata": {
                "annotator_id": "eval mine",
                "utterance_without_output_spec": turn.intent,
                "markdown": turn.raw_intent,
            },
        },
        "notebook": None,
        "metadata": {
            "context_cells": cells_before,
            "delta_cell_num": 0,
            "variable_descriptions": list(outcome.get("schemas") or []),
            "kinds": classify_reference(code),
            "reference_digest": outcome.get("digest"),
        },
    }
