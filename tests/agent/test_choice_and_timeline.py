"""Which candidate advances the scratch, why none does, and the magic's timeline lines: pure
logic over rankings of trial runs."""

from __future__ import annotations

from typing import Any

from jupyter_pachinco.agent import AgentDone, PlanMade, TrialDone
from jupyter_pachinco.agent.choice import choose_candidate, describe_failure
from jupyter_pachinco.execution.ranking import CandidateRun, rank_candidates
from jupyter_pachinco.magic.agent import done_line, timeline_line

EMPTY = {
    "status": "ok",
    "value": None,
    "variables": [],
    "figures": [],
    "stdout": {"chars": 0},
    "seconds": 0.0,
    "error": None,
}
VALUE = {**EMPTY, "value": {"type": "int", "shape": None, "preview": "3"}}
PRINTED = {**EMPTY, "stdout": {"head": "3\n", "tail": "", "chars": 2, "lines": 1}}
RAISED = {**EMPTY, "status": "error", "error": {"type": "KeyError", "message": "'x'", "text": ""}}


def run(
    index: int,
    status: str,
    observation: dict[str, Any] | None,
    group: int | None = None,
    **fields: Any,
) -> CandidateRun:
    return CandidateRun(
        index=index,
        code=f"code{index}",
        status=status,  # type: ignore[arg-type]
        observation=observation,
        group=group,
        **fields,
    )


def test_the_best_ranked_candidate_that_gives_what_the_step_needs_is_chosen() -> None:
    ranking = rank_candidates(
        [
            run(0, "ok", PRINTED, 0),
            run(1, "ok", PRINTED, 0),
            run(2, "ok", VALUE, 1),
            run(3, "error", RAISED, error="KeyError"),
        ]
    )
    assert choose_candidate(ranking, final=False) is not None
    assert choose_candidate(ranking, final=False).index in (0, 1)  # type: ignore[union-attr]
    chosen = choose_candidate(ranking, final=True)  # the last step needs a value
    assert chosen is not None
    assert chosen.index == 2


def test_why_no_candidate_could_advance_the_scratch() -> None:
    def reason(*runs: CandidateRun, final: bool = True) -> str:
        return describe_failure(
            rank_candidates(list(runs)), final=final, budget=100, count=len
        ).reason

    assert reason(run(0, "error", RAISED, error="KeyError: 'x'")) == "every candidate failed"
    assert reason(run(0, "ok", EMPTY, 0)) == "every candidate ran but gave no value"
    assert reason(run(0, "ok", EMPTY, 0), final=False).startswith(
        "every candidate ran but gave nothing"
    )
    mixed = describe_failure(
        rank_candidates([run(0, "ok", PRINTED, 0), run(1, "error", RAISED, error="E")]),
        final=True,
        budget=100,
        count=len,
    )
    assert mixed.reason == "every candidate failed or gave no value"
    assert mixed.run is not None
    assert mixed.run.index == 1
    refused = reason(run(0, "not_run", None, side_effects=["writes or deletes files (os.remove)"]))
    assert refused == "every candidate would act outside the scratch copy"


def test_the_timeline_says_which_candidate_was_used_and_why_none_was() -> None:
    ranking = rank_candidates(
        [run(0, "ok", VALUE, 0), run(1, "ok", VALUE, 0), run(2, "error", RAISED, error="E")]
    )
    used = timeline_line(TrialDone(1, 0, ranking, chosen=1))
    assert used == "  tried 3 candidates: #2 used, 2 of 3 agree on its output; 1 failed"
    failed = rank_candidates([run(0, "error", RAISED, error="E")])
    none = timeline_line(TrialDone(2, 0, failed, chosen=None, failure="every candidate failed"))
    assert none == "  tried 1 candidate: none usable (every candidate failed); 1 failed"
    assert timeline_line(PlanMade(["a", "b"])) == "Plan:\n  1. a\n  2. b"
    revised = timeline_line(PlanMade(["a", "c"], revision=1, after=1))
    assert revised.startswith("Plan, revised after step 1:")  # type: ignore[union-attr]
    assert (
        done_line(AgentDone("finished", 3)) == "Done: 3 steps ran on a scratch copy of your kernel."
    )
    stopped = done_line(AgentDone("failed", 1, failed_step=2, reason="Step 2 could not be done."))
    assert stopped == "Stopped (failed) after 1 step: Step 2 could not be done."
