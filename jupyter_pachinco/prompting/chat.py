"""The chat form of a prompt, for instruction-tuned models.

Messages, in order:

1. ``system``: the role, and the answer format ``parse_answer`` expects (one fenced Python
   block written in the style's way);
2. worked examples from our exemplars, each a user message (data cell, schema, problem) and an
   assistant message (the style's solution in a fence), so the format is shown, not only told;
3. earlier turns of this notebook, each the user's problem and the code they kept;
4. the request: the notebook so far, the live variables (schemas first) and the problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypedDict

from jupyter_pachinco.context import (
    ContextCell,
    PackedContext,
    format_cell,
    render_schema_text,
    render_variables_text,
)

from .exemplars import EXEMPLARS, SETUP_IMPORTS, Exemplar
from .styles import PromptStyle, get_style

Role = Literal["system", "user", "assistant"]


class PromptMessage(TypedDict):
    """One chat message, in the shape OpenAI-compatible APIs and chat templates take."""

    role: Role
    content: str


SYSTEM_INTRO = (
    "You are a pair programmer for data analysis with pandas in a Jupyter notebook. You "
    "write the code of the notebook's next cell, which runs in the notebook's kernel after "
    "the cells shown, with their variables still alive."
)

ANSWER_RULES = (
    "Answer with exactly one ```python code block. {style_format} The last line is an "
    "expression whose value answers the problem (not a print call). Use the DataFrames that "
    "already exist instead of loading or creating them again. Put any remark outside the "
    "code block, after it."
)


def build_chat_messages(
    packed: PackedContext,
    style: str | PromptStyle | None = None,
    *,
    exemplars: Sequence[Exemplar] = EXEMPLARS[:1],
) -> list[PromptMessage]:
    """The chat messages for the packed context (see the module docstring)."""
    chosen = get_style(style)
    messages: list[PromptMessage] = [{"role": "system", "content": system_message(chosen)}]
    for exemplar in exemplars:
        messages.append({"role": "user", "content": exemplar_request(exemplar)})
        messages.append({"role": "assistant", "content": fenced(chosen.chat_answer(exemplar))})
    for turn in packed.turns:
        messages.append({"role": "user", "content": problem_line(turn["intent"])})
        messages.append({"role": "assistant", "content": fenced(turn["code"])})
    messages.append({"role": "user", "content": notebook_request(packed)})
    return messages


def system_message(style: PromptStyle) -> str:
    """The role and the answer format the parser expects, in the style's terms."""
    return f"{SYSTEM_INTRO}\n\n{ANSWER_RULES.format(style_format=style.answer_format)}"


def notebook_request(packed: PackedContext) -> str:
    """The user's request: the notebook so far, the live variables, then the problem."""
    variables = render_schema_text(packed.schemas) + render_variables_text(packed.variables)
    return request_text(packed.cells, variables, packed.intent)


def exemplar_request(exemplar: Exemplar) -> str:
    """A worked example's request, written like the user's own."""
    cells: list[ContextCell] = [
        {
            "cell_type": "code",
            "source": f"{SETUP_IMPORTS}\n\n{exemplar.setup}",
            "outputs": [],
            "cell_magic": None,
        }
    ]
    return request_text(cells, exemplar.schema, exemplar.problem)


def request_text(cells: Sequence[ContextCell], variables: str, intent: str) -> str:
    """Sections: notebook cells, variables (when any), and the problem line."""
    notebook = "".join(format_cell(cell) for cell in cells).rstrip("\n")
    sections = [
        f"The notebook so far:\n\n{fenced(notebook)}"
        if notebook
        else "The notebook has no cells yet."
    ]
    if variables:
        sections.append(f"Variables in the kernel:\n\n{fenced(variables.rstrip())}")
    sections.append(problem_line(intent))
    return "\n\n".join(sections)


def problem_line(intent: str) -> str:
    return f"Problem: {intent.strip()}"


def fenced(code: str) -> str:
    """Code in a Markdown ``python`` fence, long enough not to clash with backticks inside."""
    fence = "```"
    while fence in code:
        fence += "`"
    body = code.strip("\n")
    return f"{fence}python\n{body}\n{fence}"
