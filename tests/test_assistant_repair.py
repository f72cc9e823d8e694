"""Repair through the facade (`suggest_fixes`): the failing code and its traceback go to the
model; the fixes are trial-run."""

from __future__ import annotations

import pandas as pd
from traitlets.config import Config

from jupyter_pachinco.assistant import Assistant, suggest_fixes
from jupyter_pachinco.execution.forks import Limits
from jupyter_pachinco.execution.kernel_trials import trial_run
from jupyter_pachinco.execution.ranking import Ranking, rank_candidates
from tests.prompting.test_fixes import TRACEBACK
from tests.support.fake_openai import Behaviour, FakeOpenAIServer

FIX = ("```python\n", "sales['amount']", ".sum()\n", "```")


async def test_fixes_are_asked_for_and_trial_run() -> None:
    namespace = {"pd": pd, "sales": pd.DataFrame({"amount": [1.5, 2.5]})}

    async def rank(codes: list[str]) -> Ranking:
        return rank_candidates(trial_run(namespace, codes, Limits(wall_time_s=10.0)))

    async with FakeOpenAIServer([Behaviour(words=FIX)]) as server:
        config = Config()
        config.BackendSettings.backend = "openai"
        config.BackendSettings.model = "fake-model"
        config.BackendSettings.base_url = server.base_url
        assistant = Assistant.from_config(config)
        repair = await suggest_fixes(assistant, "sales['amout'].sum()", TRACEBACK, rank, n=2)
        await assistant.backend.aclose()

    sent = str(server.requests[0].body)
    assert "KeyError: 'amout'" in sent
    assert "sales['amout'].sum()" in sent
    assert [c.code.strip() for c in repair.candidates] == ["sales['amount'].sum()"] * 2
    chosen = repair.ranking.chosen
    assert chosen is not None
    assert chosen.votes == 2
    assert chosen.run.preview == "np.float64(4.0)"  # as the notebook shows it
