"""Kind 4 (#27): console transcripts in answers become the input code alone.

Models copy documentation, which shows sessions: ``>>>`` and ``...``, IPython's ``In [n]:``
with its ``...:`` continuations, and ``Out[n]:`` blocks. Under the plain-Python executor of
trial runs and evaluation, ``In [1]: expr`` is an annotated assignment that runs and shows
nothing, so the tests look at what the answers *do*: the trial run's preview (server API),
the code the magic inserts, and ``eval score``'s verdict on ``eval generate``'s predictions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_pachinco.cli import main
from tests.server.conftest import Fetch, generate, generate_body
from tests.support.fake_openai import Behaviour, FakeOpenAIServer, serving_in_thread
from tests.support.user_kernel import user_kernel

from .conftest import scripted_argv, write_dataset

SETUP = "import pandas as pd\nfares = pd.DataFrame({'pclass': [1, 3], 'fare': [71.0, 7.0]})"
TRANSCRIPTS = {
    "ipython": ("In [1]: fares['fare'].mean()\nOut[1]: 39.0\n", "39.0"),
    "ipython continuation": (
        "```ipython\nIn [1]: def half(x):\n   ...:     return x / 2\n   ...:\n\n"
        "In [2]: half(fares['fare']).sum()\nOut[2]: 39.0\n```\n",
        "39.0",
    ),
    "doctest": (">>> total = fares['fare'].sum()\n>>> total / 2\n39.0\n", "39.0"),
    "pycon continuation": (
        "Like this:\n\n```pycon\n>>> by_class = (fares\n...     .groupby('pclass')['fare'])\n"
        ">>> by_class.mean().max()\n71.0\n```\n",
        "71.0",
    ),
    "Out block": (
        "You can group:\n\nIn [3]: fares.groupby('pclass')['fare'].mean()\nOut[3]:\n"
        "pclass\n1    71.0\n3     7.0\nName: fare, dtype: float64\n",
        "71.0",
    ),
}
PROMPTS = ("In [", "...:", ">>>", "Out[")


@pytest.mark.parametrize("form", list(TRANSCRIPTS))
async def test_a_transcript_answer_runs_as_its_input_code(
    jp_fetch: Fetch, jp_serverapp: Any, fake_openai: FakeOpenAIServer, form: str
) -> None:
    answer, value = TRANSCRIPTS[form]
    fake_openai.script[:] = [Behaviour(words=(answer,))]
    async with user_kernel(jp_serverapp, [SETUP]) as (kernel_id, _):
        options = {"n": 1, "max_new_tokens": 256, "rank": True}
        lines = await generate(jp_fetch, generate_body(kernel_id=kernel_id, options=options))
    [line] = [line for line in lines if line["type"] == "answer"]
    code = line["candidate"]["code"]
    assert not any(prompt in code for prompt in PROMPTS), code
    [ranking] = [line for line in lines if line["type"] == "ranking"]
    [run] = ranking["candidates"]
    assert run["status"] == "ok", run
    assert value in (run["preview"] or "")  # it showed the value: the expression ran


def test_the_magic_inserts_the_input_code_alone(magic_kernel: Any) -> None:
    from tests.magic.conftest import scripted_options
    from tests.magic.kernel_session import run_cell

    assert run_cell(magic_kernel, SETUP).ok
    for answer, _ in TRANSCRIPTS.values():
        with serving_in_thread([Behaviour(words=(answer,))]) as server:
            asked = run_cell(magic_kernel, f"%%pachinco {scripted_options(server)}\nmean fare")
        assert asked.ok, asked.stream("stderr")
        inserted = asked.next_input or ""
        assert "fares" in inserted
        assert not any(prompt in inserted for prompt in PROMPTS), inserted


def test_eval_generate_then_score_judges_the_input_code(tmp_path: Path) -> None:
    cells = [{"cell_type": "code", "source": SETUP, "outputs": []}]
    dataset = write_dataset(tmp_path, cells, "the mean fare", "fares['fare'].mean()")
    predictions = tmp_path / "predictions.json"
    answers = [(answer,) for form, (answer, value) in TRANSCRIPTS.items() if value == "39.0"]
    script = [Behaviour(choices=tuple(answers))]
    with serving_in_thread(script) as server:
        argv = scripted_argv(server.base_url, dataset, predictions, "-n", str(len(answers)))
        assert main(argv) == 0
    codes = json.loads(predictions.read_text())[0]["turns"][0]["predictions"]
    assert len(codes) == len(answers)
    assert not any(prompt in code for code in codes for prompt in PROMPTS), codes
    result = tmp_path / "R.json"
    score = ["eval", "score", "--dataset", str(dataset), "--artifacts", str(tmp_path / "artifacts")]
    score += ["--predictions", str(predictions), "--output", str(result), "--quiet"]
    for mode in ("strict", "official"):
        assert main([*score, "--mode", mode]) == 0
        [turn] = json.loads(result.read_text())["episodes"][0]["turns"]
        assert [h["correct"] for h in turn["hypotheses"]] == [True] * len(answers), mode
