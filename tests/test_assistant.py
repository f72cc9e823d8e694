"""The facade, end to end with the tiny offline model: context -> prompt -> backend -> steps."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from traitlets.config import Config

from jupyter_pachinco import Assistant
from jupyter_pachinco.assistant import Answer, Delta, Done, StepsUpdate
from jupyter_pachinco.context import describe_variables, make_turn

CELLS = [
    {"cell_type": "markdown", "source": "# Fares", "metadata": {}},
    {
        "cell_type": "code",
        "source": (
            "import pandas as pd\nfares = pd.DataFrame({'pclass': [1, 3], 'fare': [71, 7]})"
        ),
        "metadata": {},
        "outputs": [],
        "execution_count": 1,
    },
]


@pytest.fixture
def assistant(tiny_model_dir: Path) -> Assistant:
    config = Config()
    config.BackendSettings.backend = "transformers"
    config.BackendSettings.model = str(tiny_model_dir)
    return Assistant.from_config(config, budget=512)


def test_chat_prompt_holds_cells_schemas_history_and_intent(assistant: Assistant) -> None:
    schemas = describe_variables({"fares": pd.DataFrame({"pclass": [1, 3], "fare": [71.3, 7.3]})})
    history = [make_turn("count the rows", "len(fares)", "Count them.")]
    messages = assistant.build_prompt(
        "mean fare per class", CELLS, schemas, history, style="explained"
    )
    assert isinstance(messages, tuple)
    assert messages[0].role == "system"
    everything = "\n".join(m.content for m in messages)
    assert "fares = pd.DataFrame" in everything
    assert "# Columns in fares with example values:" in everything
    assert "count the rows" in everything
    assert "len(fares)" in everything
    assert messages[-1].role == "user"
    assert "mean fare per class" in messages[-1].content


def test_completion_prompt_ends_in_the_answer_cell(assistant: Assistant) -> None:
    prompt = assistant.build_prompt("mean fare per class", CELLS, form="completion")
    assert isinstance(prompt, str)
    assert "# Problem: mean fare per class" in prompt
    assert prompt.rstrip().endswith("# Solution: Let's solve this problem step-by-step.")


async def test_generate_streams_deltas_steps_and_parsed_answers(assistant: Assistant) -> None:
    events = [
        event
        async for event in assistant.generate(
            "mean fare per class", cells=CELLS, n=2, max_new_tokens=40, temperature=0.8, seed=3
        )
    ]
    deltas = [e for e in events if isinstance(e, Delta)]
    answers = [e for e in events if isinstance(e, Answer)]
    assert {d.index for d in deltas} == {0, 1}
    assert sorted(a.index for a in answers) == [0, 1]
    assert isinstance(events[-1], Done)
    done = events[-1]
    assert len(done.candidates) == 2
    for answer in answers:
        text = "".join(d.text for d in deltas if d.index == answer.index)
        assert done.candidates[answer.index] == answer.candidate
        assert answer.candidate.code.strip() == "" or answer.candidate.code.split()[0] in text
    assert all(isinstance(e.steps, list) for e in events if isinstance(e, StepsUpdate))
    assert done.packed.intent == "mean fare per class"


async def test_closing_the_stream_early_cancels_the_generation(assistant: Assistant) -> None:
    stream = assistant.generate("mean fare per class", cells=CELLS, max_new_tokens=200)
    async for event in stream:
        if isinstance(event, Delta):
            break
    await stream.aclose()
    # The backend's model lock is free again: a second request runs to its end.
    events = [e async for e in assistant.generate("count rows", max_new_tokens=5)]
    assert isinstance(events[-1], Done)
    assert events[-1].finish_reasons[0] in {"stop", "length"}


def test_cell_outputs_reach_the_prompt_only_when_asked(assistant: Assistant) -> None:
    cells = [
        *CELLS,
        {
            "cell_type": "code",
            "source": "fares.shape",
            "metadata": {},
            "execution_count": 2,
            "outputs": [
                {
                    "output_type": "execute_result",
                    "data": {"text/plain": "(2, 2) unmistakable-output"},
                    "metadata": {},
                    "execution_count": 2,
                }
            ],
        },
    ]
    roomy = Assistant(assistant.backend, count_tokens=assistant.count_tokens, budget=8192)
    with_outputs = roomy.build_prompt("rows?", cells, form="completion", include_outputs=True)
    without = roomy.build_prompt("rows?", cells, form="completion")
    assert "fares.shape" in str(without)
    assert "unmistakable-output" in str(with_outputs)
    assert "unmistakable-output" not in str(without)
