"""Mining's exclusions: one ordered list of named checks, a typed reason each, and the child's
verdicts read back as reasons, never as free text."""

from __future__ import annotations

import json

import pytest

from jupyter_pachinco.evaluation.mining.episode import Exclusion
from jupyter_pachinco.evaluation.mining.exclusions import (
    CHECKS,
    Evidence,
    Reason,
    exclusion,
    unusable,
)

RAN = {"error": None, "timed_out": False, "unusable": None}


def test_every_reason_has_one_check_in_report_order() -> None:
    assert [check.reason for check in CHECKS] == list(Reason)
    assert [check.stage for check in CHECKS].index("score") == len(CHECKS) - 2


def test_the_first_check_that_finds_gives_the_reason() -> None:
    failed = {**RAN, "error": "KeyError: 'x'"}
    assert exclusion(Evidence(["http://x/a.csv"], failed), "run") == (
        Reason.DATA_NOT_FOUND,
        "http://x/a.csv",
    )
    assert exclusion(Evidence((), None), "run") == (
        Reason.NOT_REACHED,
        "the notebook's run stopped before this cell",
    )
    timed_out = {**RAN, "error": "timed out after 2 s", "timed_out": True}
    assert exclusion(Evidence((), timed_out), "run") == (Reason.TIMED_OUT, "timed out after 2 s")
    assert exclusion(Evidence((), failed), "run") == (Reason.FAILED, "KeyError: 'x'")
    assert exclusion(Evidence((), RAN), "run") is None


@pytest.mark.parametrize(
    ("reason", "detail"),
    [
        (Reason.NO_EFFECT, ""),
        (Reason.NOT_COMPARABLE, "its Foo value cannot be pickled or compared"),
        (Reason.NOT_REPEATABLE, "its float value does not match the same code run again"),
    ],
)
def test_the_childs_verdict_crosses_as_json_and_comes_back_typed(
    reason: Reason, detail: str
) -> None:
    record = json.loads(json.dumps({**RAN, "unusable": unusable(reason, detail)}))
    assert exclusion(Evidence((), record), "run") == (reason, detail)


def test_an_unknown_verdict_is_an_error_not_a_reason() -> None:
    record = {**RAN, "unusable": {"reason": "looked odd", "detail": ""}}
    with pytest.raises(ValueError, match="looked odd"):
        exclusion(Evidence((), record), "run")


def test_the_scoring_checks_read_the_scorers_verdict() -> None:
    judged = {"excluded": False, "hypotheses": [{"correct": True}]}
    assert exclusion(Evidence(scored=judged), "score") is None
    wrong = {"excluded": False, "hypotheses": [{"correct": False}], "reference_error": "boom"}
    assert exclusion(Evidence(scored=wrong), "score") == (Reason.FAILS_ITSELF, "boom")
    left_out = {"excluded": True, "hypotheses": [], "reference_error": None}
    assert exclusion(Evidence(scored=left_out), "score") == (Reason.CANNOT_JUDGE, "")
    found = exclusion(Evidence(scored=judged), "run")  # scoring evidence alone: not run
    assert found is not None
    assert found[0] is Reason.NOT_REACHED


def test_the_report_names_the_reason_by_its_text() -> None:
    entry = Exclusion("nb", 3, "Load it", Reason.FAILED, "boom").as_json()
    assert entry == {
        "notebook": "nb",
        "code_cell": 3,
        "intent": "Load it",
        "reason": "reference failed",
        "detail": "boom",
    }
    assert type(entry["reason"]) is str
