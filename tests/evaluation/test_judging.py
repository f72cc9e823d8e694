"""E6/E7 verdicts under both rule sets, on values as a run leaves them (pure logic)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jupyter_pachinco.evaluation.judging import (
    CHANGED_VARIABLES,
    OUTPUT,
    OUTPUT_VARIABLES,
    Produced,
    Targets,
    cluster_sizes,
    official_verdict,
    strict_verdict,
)

FRAME = pd.DataFrame({"a": [1, 2, 3]})


def test_output_targets_only_look_at_the_output_slot() -> None:
    targets = Targets(OUTPUT, by_output=(3,))
    assert official_verdict(targets, Produced(candidates=(3,), output=3, has_output=True))[0]
    assert not official_verdict(targets, Produced(candidates=(3,)))[0]
    assert strict_verdict(targets, Produced(candidates=(3,), output=3.0000001, has_output=True))


def test_any_candidate_may_match_and_one_may_serve_several_targets() -> None:
    targets = Targets(OUTPUT_VARIABLES, by_any=(3, 3.0))
    assert official_verdict(targets, Produced(candidates=("x", 3)))[0]
    assert strict_verdict(targets, Produced(candidates=("x", 3)))


def test_a_comparison_error_rejects_officially_but_not_strictly() -> None:
    targets = Targets(OUTPUT_VARIABLES, by_any=(5,))
    produced = Produced(candidates=([np.array([1, 2])], 5))
    correct, error = official_verdict(targets, produced)
    assert not correct
    assert error
    assert strict_verdict(targets, produced)


def test_strict_changed_variables_are_checked_by_name_both_ways() -> None:
    edited = FRAME.assign(b=[0, 0, 0])
    targets = Targets(CHANGED_VARIABLES, by_name=(("df", edited),))
    assert strict_verdict(targets, Produced(variables={"df": edited.copy()}))
    assert not strict_verdict(targets, Produced(candidates=(edited,), variables={"df": FRAME}))
    wider = edited.assign(c=1)
    assert not strict_verdict(targets, Produced(variables={"df": wider}))


def test_no_targets_means_every_hypothesis_is_wrong() -> None:
    assert official_verdict(Targets(CHANGED_VARIABLES), Produced(candidates=(1,))) == (
        False,
        "no target result variables to evaluate against",
    )
    assert not strict_verdict(Targets(CHANGED_VARIABLES), Produced(candidates=(1,)))


def test_clusters_merge_transitively_and_weigh_duplicates() -> None:
    outputs = [[1.0], None, 1.0, 2, [2]]
    clusters = cluster_sizes(outputs, [1, 5, 1, 3, 1], official=True)
    assert clusters == [[3, 4], [0, 2]]
    assert cluster_sizes([float("nan"), float("nan")], [1, 1], official=False) == [[0, 1]]
    assert cluster_sizes([float("nan"), float("nan")], [1, 1], official=True) == [[0], [1]]
