"""The style registry and the shape of both prompt forms."""

from __future__ import annotations

import pytest

from jupyter_pachinco.context import PackedContext, render_arcade_prompt
from jupyter_pachinco.prompting import (
    DEFAULT_STYLE,
    EXEMPLARS,
    PROMPT_STYLES,
    UnknownStyleError,
    build_chat_messages,
    build_completion_prompt,
    exemplar_prefix,
    get_style,
    parse_answer,
    style_names,
)
from jupyter_pachinco.prompting.completion import notebook_text

from .conftest import EARLIER_CODE, EARLIER_INTENT, INTENT

HEADERS = {
    "vanilla": "# Solution:",
    "stepwise": "# Solution:",
    "stepwise-preamble": "# Solution: Let's solve this problem step-by-step.",
    "explained": "# Solution: Let's solve this problem step-by-step.",
}


def test_the_four_styles_by_name_with_explained_as_default() -> None:
    assert style_names() == ["vanilla", "stepwise", "stepwise-preamble", "explained"]
    assert DEFAULT_STYLE == "explained"
    assert get_style() is PROMPT_STYLES["explained"]
    assert get_style(PROMPT_STYLES["vanilla"]) is PROMPT_STYLES["vanilla"]


def test_an_unknown_style_is_refused_with_the_known_ones() -> None:
    with pytest.raises(UnknownStyleError, match="vanilla, stepwise, stepwise-preamble, explained"):
        get_style("chain-of-thought")


@pytest.mark.parametrize("style", list(HEADERS))
def test_completion_prompt_ends_with_problem_and_open_solution_cell(
    coffee_packed: PackedContext, style: str
) -> None:
    prompt = build_completion_prompt(coffee_packed, style)
    assert prompt.endswith(
        f"# In[ ]:\n\n\n# Problem: {INTENT}\n\n\n# In[ ]:\n\n\n{HEADERS[style]}\n"
    )
    assert prompt.startswith(exemplar_prefix(style))
    assert prompt.count(HEADERS[style]) == len(EXEMPLARS) + 1


def test_completion_prompt_without_exemplars_is_the_notebook_and_the_problem(
    coffee_packed: PackedContext,
) -> None:
    prompt = build_completion_prompt(coffee_packed, "vanilla", exemplars=())
    assert exemplar_prefix("vanilla", ()) == ""
    assert prompt.startswith("# In[ ]:\n\n\n# # Coffee shop sales\n")
    assert "Exercise" not in prompt


@pytest.mark.parametrize("style", list(HEADERS))
def test_chat_messages_have_turns_as_pairs_and_end_with_the_request(
    coffee_packed: PackedContext, style: str
) -> None:
    messages = build_chat_messages(coffee_packed, style)
    assert [m["role"] for m in messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert PROMPT_STYLES[style].answer_format in messages[0]["content"]
    assert messages[3]["content"] == f"Problem: {EARLIER_INTENT}"
    assert messages[4]["content"] == f"```python\n{EARLIER_CODE}\n```"
    assert messages[-1]["content"].endswith(f"Problem: {INTENT}")


@pytest.mark.parametrize("style", list(HEADERS))
def test_the_chat_example_answer_parses_into_the_exemplar_steps(
    coffee_packed: PackedContext, style: str
) -> None:
    example = build_chat_messages(coffee_packed, style)[2]["content"]
    steps = parse_answer(example).steps
    if style == "explained":
        assert [s.explanation for s in steps] == [s.explanation for s in EXEMPLARS[0].steps]
    else:
        assert len(steps) == 1
        assert not steps[0].explanation


def test_fences_grow_around_code_that_holds_backticks(coffee_packed: PackedContext) -> None:
    packed = PackedContext(
        intent="Show it",
        budget=coffee_packed.budget,
        turns=[{"intent": "Doc", "code": 'doc = """```x```"""', "explanation": "", "time": ""}],
    )
    assert build_chat_messages(packed, exemplars=())[2]["content"] == (
        '````python\ndoc = """```x```"""\n````'
    )


@pytest.mark.parametrize("style", list(HEADERS))
def test_notebook_part_is_the_context_engines_arcade_text_with_problem_and_header(
    coffee_packed: PackedContext, style: str
) -> None:
    arcade = render_arcade_prompt(coffee_packed)
    assert arcade.count(f"\n# {INTENT}\n") == 1
    expected = arcade.replace(f"\n# {INTENT}\n", f"\n# Problem: {INTENT}\n")
    assert notebook_text(coffee_packed, style) == f"{expected}\n\n{HEADERS[style]}\n"
    assert build_completion_prompt(coffee_packed, style).endswith(
        notebook_text(coffee_packed, style)
    )
