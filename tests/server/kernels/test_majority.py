"""Five candidates that agree under ARCADE's fuzzy rules beat three that agree on another answer."""

from __future__ import annotations

from typing import Any

from jupyter_pachinco.execution.ranking import ranking_as_json
from jupyter_pachinco.server.kernels.ranking import KernelRanker
from tests.support.user_kernel import TEST_LIMITS, user_kernel

USER_CELLS = [
    "import pandas as pd",
    "scores = pd.DataFrame({'cls': ['a', 'b', 'a', 'c', 'b'], 'score': [1.0, 2.0, 3.0, 4.0, 6.0]})",
]

# The mean score per class, written five ways: a Series, a reset index, reordered columns,
# a one-column frame, a renamed aggregate.
AGREEING = [
    "scores.groupby('cls')['score'].mean()",
    "scores.groupby('cls', as_index=False)['score'].mean()",
    "means = scores.groupby('cls')['score'].mean().reset_index()\nmeans[['score', 'cls']]",
    "scores.groupby('cls')[['score']].mean()",
    "scores.groupby('cls').agg(average=('score', 'mean')).reset_index()",
]
# The sum per class, three ways.
OTHERS = [
    "scores.groupby('cls')['score'].sum()",
    "scores.groupby('cls', as_index=False)['score'].sum()",
    "scores.groupby('cls')[['score']].sum()",
]


async def test_the_majority_answer_is_chosen(jp_serverapp: Any) -> None:
    # The minority comes first in sample order, so only the vote can put the majority ahead.
    codes = [*OTHERS, *AGREEING, "scores.groupby('cls')['nope'].mean()"]
    async with user_kernel(jp_serverapp, USER_CELLS) as (kernel_id, _):
        ranker = KernelRanker(jp_serverapp.kernel_manager, limits=TEST_LIMITS)
        ranking = await ranker.rank(kernel_id, codes)
        await ranker.close()

    order = [c.run.index for c in ranking.candidates]
    assert order == [3, 4, 5, 6, 7, 0, 1, 2, 8]
    assert [c.votes for c in ranking.candidates] == [5] * 5 + [3] * 3 + [0]
    chosen = ranking.chosen
    assert chosen is not None
    assert chosen.run.code == AGREEING[0]
    assert chosen.run.type_name == "Series"
    assert chosen.run.shape == [3]
    assert "2.0" in chosen.run.preview
    assert "4.0" in chosen.run.preview
    assert ranking.candidates[-1].run.status == "error"
    assert "KeyError" in (ranking.candidates[-1].run.error or "")
    assert ranking.summary() == (
        "9 answers: 5 of 9 give the same output (#4 chosen); 1 other output; 1 failed."
    )
    as_json = ranking_as_json(ranking)
    assert as_json["candidates"][0]["votes"] == 5
    assert as_json["candidates"][0]["preview"] == chosen.run.preview


async def test_without_a_kernel_candidates_come_back_unrun_with_a_notice(
    jp_serverapp: Any,
) -> None:
    ranker = KernelRanker(jp_serverapp.kernel_manager)
    ranking = await ranker.rank("no-such-kernel", ["1 + 1", "2"])
    assert [c.run.status for c in ranking.candidates] == ["not_run", "not_run"]
    assert ranking.summary() == "No running kernel, so candidates were not trial-run."
