"""ARCADE's few-shot prompt styles, selectable by name.

- ``vanilla``: one compact solution after ``# Solution:``;
- ``stepwise``: several short statements with intermediate variables after ``# Solution:``;
- ``stepwise-preamble``: the same after ``# Solution: Let's solve this problem step-by-step.``;
- ``explained`` (default): the preamble, then a ``# Step k: <what and why>`` comment before
  each step. The explanations are what let a person trust an inserted cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .exemplars import Exemplar

PLAIN_HEADER = "# Solution:"
PREAMBLE_HEADER = "# Solution: Let's solve this problem step-by-step."
DEFAULT_STYLE = "explained"


class UnknownStyleError(ValueError):
    """A prompt style name that is not one of ours."""


@dataclass(frozen=True)
class PromptStyle:
    """How solutions are written: their header, whether decomposed, whether explained.

    ``answer_format`` tells a chat model what its code should look like, in the same terms.
    """

    name: str
    solution_header: str
    stepwise: bool
    explained: bool
    answer_format: str

    def solution(self, exemplar: Exemplar) -> str:
        """The exemplar's solution as this style writes it, without the header."""
        if not self.stepwise:
            return exemplar.vanilla
        if not self.explained:
            return "\n".join(step.code for step in exemplar.steps)
        return "\n".join(
            f"# Step {number}: {step.explanation}\n{step.code}"
            for number, step in enumerate(exemplar.steps, start=1)
        )

    def solution_cell(self, exemplar: Exemplar) -> str:
        """The exemplar's solution cell: header line, then the solution."""
        return f"{self.solution_header}\n{self.solution(exemplar)}"

    def chat_answer(self, exemplar: Exemplar) -> str:
        """The exemplar's solution as a chat answer's code: the preamble is part of the
        preamble styles' answers; the plain ``# Solution:`` header only marks a cell."""
        if self.solution_header == PREAMBLE_HEADER:
            return self.solution_cell(exemplar)
        return self.solution(exemplar)


_SHORT_STATEMENTS = (
    "Solve it in several short statements, each keeping an intermediate result in a "
    "well-named variable."
)

PROMPT_STYLES: Mapping[str, PromptStyle] = {
    style.name: style
    for style in (
        PromptStyle(
            name="vanilla",
            solution_header=PLAIN_HEADER,
            stepwise=False,
            explained=False,
            answer_format="Write one compact solution, in as few statements as read well.",
        ),
        PromptStyle(
            name="stepwise",
            solution_header=PLAIN_HEADER,
            stepwise=True,
            explained=False,
            answer_format=_SHORT_STATEMENTS,
        ),
        PromptStyle(
            name="stepwise-preamble",
            solution_header=PREAMBLE_HEADER,
            stepwise=True,
            explained=False,
            answer_format=f"Start the code with the comment `{PREAMBLE_HEADER}`. "
            + _SHORT_STATEMENTS,
        ),
        PromptStyle(
            name="explained",
            solution_header=PREAMBLE_HEADER,
            stepwise=True,
            explained=True,
            answer_format=(
                f"Start the code with the comment `{PREAMBLE_HEADER}`. Before each step "
                "write one comment line "
                "`# Step k: <what this step does and why>` (k = 1, 2, 3, ...), then the "
                "step's code: one or a few short statements that keep intermediate results "
                "in well-named variables."
            ),
        ),
    )
}
"""The styles by name, in order of increasing decomposition."""


def style_names() -> list[str]:
    """The names ``get_style`` accepts."""
    return list(PROMPT_STYLES)


def get_style(style: str | PromptStyle | None = None) -> PromptStyle:
    """The style called ``style`` (the default style for None); a style is passed through."""
    if isinstance(style, PromptStyle):
        return style
    name = DEFAULT_STYLE if style is None else style
    try:
        return PROMPT_STYLES[name]
    except KeyError:
        known = ", ".join(style_names())
        raise UnknownStyleError(f"Unknown prompt style {name!r}; choose one of: {known}.") from None
