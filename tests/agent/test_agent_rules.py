"""The loop's rules through ``POST /pachinco/agent`` (real server, real kernel, scripted model):
voting among candidates, plan revisions after an observation, the stop rules (a step that
cannot be repaired, ``max_steps``), refused side effects, and figures."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import Fetch
from tests.support.fake_openai import Behaviour, Rule
from tests.support.user_kernel import user_kernel

from .task import SETUP, STEP_1, STEP_2_FIXED, STEP_2_WRONG, STEP_3
from .test_agent_endpoint import agent_body, of_type, run_agent


def answer(words: tuple[str, ...]) -> tuple[Behaviour, ...]:
    return (Behaviour(words=words),)


def step_rules(*answers: tuple[str, ...]) -> tuple[Rule, ...]:
    """Step k answers with ``answers[k - 1]`` (later steps first: rules match in order)."""
    rules = [Rule(f"Write the code for step {k} only", answer(words))
             for k, words in enumerate(answers, start=1)]  # fmt: skip
    return tuple(reversed(rules))


SUM_AGAIN = ("Sum.\n", "```python\n", "means = fares.groupby('pclass')['per_person'].mean()\n",
             "means.round(6)\n", "```\n")  # fmt: skip
LARGEST = ("Max.\n", "```python\n", "means = fares.groupby('pclass')['per_person'].max()\n",
           "means\n", "```\n")  # fmt: skip
REVISED = (*STEP_1[:-1], "```\n", "Remaining steps:\n",
           "2. Average the per-person fares per class and sort them, highest first.\n")  # fmt: skip
ONE_STEP = ("Sorted means.\n", "```python\n",
            "fares.groupby('pclass')['fare'].mean().sort_values(ascending=False)\n", "```\n",
            "Remaining steps: none\n")  # fmt: skip
SORTED = ("Both.\n", "```python\n",
          "means = fares.groupby('pclass')['per_person'].mean().sort_values(ascending=False)\n",
          "means\n", "```\n")  # fmt: skip
DELETING = ("Clean.\n", "```python\n", "import os\nos.remove('keep.csv')\nfares\n", "```\n")
NO_VALUE = ("Import.\n", "```python\n", "import math\n", "```\n")  # a module is no answer
PLOT = ("Plot.\n", "```python\n", "import matplotlib.pyplot as plt\n",
        "ax = fares.groupby('pclass')['fare'].mean().plot.bar(title='Mean fare')\n",
        "ax.set_ylabel('fare')\n", "```\n")  # fmt: skip


@pytest.mark.parametrize(
    "script_rules",
    [
        (
            Rule(
                "Write the code for step 2 only",
                (Behaviour(choices=(STEP_2_FIXED, LARGEST, SUM_AGAIN)),),
            ),
            *step_rules(STEP_1, STEP_2_FIXED, STEP_3)[:1],
            *step_rules(STEP_1),
        ),
    ],
)
async def test_the_output_most_candidates_agree_on_advances_the_scratch(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, _client):
        lines = await run_agent(jp_fetch, agent_body(kernel_id, options={"n": 3}))
    trial = next(t for t in of_type(lines, "trial") if t["step"] == 2)
    assert "2 of 3 give the same output" in trial["summary"]
    chosen = next(c for c in trial["candidates"] if c["index"] == trial["chosen"])
    assert chosen["votes"] == 2
    assert trial["chosen"] in (0, 2)  # the mean, twice; the maximum once
    assert lines[-1]["status"] == "finished"


@pytest.mark.parametrize("script_rules", [step_rules(REVISED, SORTED)])
async def test_a_step_may_revise_the_rest_of_the_plan_after_its_observation(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, _client):
        lines = await run_agent(jp_fetch, agent_body(kernel_id))
    first, revised = of_type(lines, "plan")
    assert len(first["steps"]) == 3
    assert revised["revision"] == 1
    assert revised["after"] == 1
    assert revised["steps"][0] == first["steps"][0]
    assert revised["steps"][1:] == [
        "Average the per-person fares per class and sort them, highest first."
    ]
    assert [s["text"] for s in of_type(lines, "step")][1] == revised["steps"][1]
    assert lines[-1]["status"] == "finished"
    assert lines[-1]["steps_done"] == 2


@pytest.mark.parametrize("script_rules", [step_rules(ONE_STEP)])
async def test_remaining_steps_none_ends_the_plan_after_this_step(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, _client):
        lines = await run_agent(jp_fetch, agent_body(kernel_id))
    assert of_type(lines, "plan")[-1]["steps"] == of_type(lines, "plan")[0]["steps"][:1]
    assert (lines[-1]["status"], lines[-1]["steps_done"]) == ("finished", 1)


@pytest.mark.parametrize("script_rules", [step_rules(STEP_1, STEP_2_WRONG)])
async def test_a_step_that_cannot_be_repaired_stops_the_run_and_the_steps_before_it_are_offered(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, _client):
        body = agent_body(kernel_id, options={"n": 1, "max_repairs": 2})
        lines = await run_agent(jp_fetch, body)
    assert [r["attempt"] for r in of_type(lines, "repair")] == [1, 2]
    assert [t["chosen"] for t in of_type(lines, "trial") if t["step"] == 2] == [None] * 3
    (cells,) = of_type(lines, "cells")
    assert [step["number"] for step in cells["steps"]] == [1]
    done = lines[-1]
    assert (done["status"], done["failed_step"], done["steps_done"]) == ("failed", 2, 1)
    assert "every candidate failed" in done["reason"]


@pytest.mark.parametrize("script_rules", [step_rules(STEP_1, STEP_2_FIXED, STEP_3)])
async def test_max_steps_stops_the_run(jp_fetch: Fetch, jp_serverapp: Any) -> None:
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, _client):
        lines = await run_agent(jp_fetch, agent_body(kernel_id, options={"max_steps": 2}))
    assert len(of_type(lines, "plan")[0]["steps"]) == 2  # the plan is cut to the limit
    assert (lines[-1]["status"], lines[-1]["steps_done"]) == ("finished", 2)


@pytest.mark.parametrize(
    "script_rules",
    [(Rule("Your last code for step 1 failed", answer(STEP_1)), *step_rules(DELETING))],
)
async def test_a_candidate_with_side_effects_is_not_run_and_the_repair_is_told_why(
    jp_fetch: Fetch, jp_serverapp: Any, jp_root_dir: Path
) -> None:
    (jp_root_dir / "keep.csv").write_text("a\n1\n")
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, _client):
        lines = await run_agent(jp_fetch, agent_body(kernel_id, options={"max_steps": 1}))
    first = of_type(lines, "trial")[0]
    assert first["candidates"][0]["status"] == "not_run"
    assert "writes or deletes files" in first["candidates"][0]["side_effects"][0]
    (repair,) = of_type(lines, "repair")
    assert repair["reason"] == "every candidate would act outside the scratch copy"
    assert (jp_root_dir / "keep.csv").exists()


@pytest.mark.parametrize(
    "script_rules",
    [(Rule("Your last code for step 1 failed", answer(ONE_STEP[:-1])), *step_rules(NO_VALUE))],
)
async def test_a_last_step_that_gives_no_value_is_repaired(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, _client):
        body = agent_body(kernel_id, plan=["Average the per-person fares, highest first."])
        lines = await run_agent(jp_fetch, body)
    (repair,) = of_type(lines, "repair")
    assert repair["reason"] == "every candidate ran but gave no value"
    assert repair["error"] is None
    assert (lines[-1]["status"], lines[-1]["steps_done"]) == ("finished", 1)


@pytest.mark.parametrize("script_rules", [step_rules(PLOT)])
async def test_a_figure_is_rendered_for_the_ui_and_described_for_the_model(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    setup = [SETUP, "import matplotlib\nmatplotlib.use('agg')\nimport matplotlib.pyplot as plt"]
    async with user_kernel(jp_serverapp, setup) as (kernel_id, _client):
        body = agent_body(kernel_id, plan=["Plot the mean fare per class as bars."])
        lines = await run_agent(jp_fetch, body)
    (observed,) = of_type(lines, "observation")
    (figure,) = observed["observation"]["figures"]
    assert (figure["kind"], figure["title"], figure["series"]) == ("bar", "Mean fare", 1)
    assert base64.b64decode(figure["png"]).startswith(b"\x89PNG\r\n\x1a\n")
    assert (
        "Figure 1: bar chart titled 'Mean fare' (x: pclass, y: fare) with 1 series"
        in (observed["text"])
    )
    assert lines[-1]["status"] == "finished"
