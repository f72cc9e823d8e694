"""How an accepted step goes into the notebook: its explanation and its code, as cells.

Pure logic. One step of the agent is one notebook cell of code, after a markdown cell that
explains it (``markdown+code`` and ``cell-per-step``), or with the explanation as its first
comment line (``comments``). The explanation is the plan's text for the step, followed by the
explanations of the step's own parts when the model wrote several (``# Step k:`` comments
inside the answer); those comments are written without numbers in the code, so that the
notebook's numbering is the agent's.
"""

from __future__ import annotations

from ..context.safe_text import comment_lines
from ..prompting import Candidate, InsertionCell
from ..prompting.layouts import explained_steps


def step_explanation(text: str, candidate: Candidate) -> str:
    """The step's explanation as Markdown: the plan's line, then its parts as a list."""
    parts = [step.explanation for step in explained_steps(candidate.steps)]
    if len(parts) <= 1:
        return text
    return text + "\n\n" + "\n".join(f"- {part}" for part in parts)


def step_code(candidate: Candidate) -> str:
    """The step's code with its parts' explanations as plain comments."""
    steps = explained_steps(candidate.steps)
    if len(steps) <= 1:
        return candidate.code.strip()
    return "\n".join(f"{comment_lines(step.explanation)}\n{step.code}" for step in steps).strip()


def step_cells(
    number: int, text: str, candidate: Candidate, layout: str, explanation: str | None = None
) -> list[InsertionCell]:
    """The cells of accepted step ``number`` in ``layout`` (see the module docstring);
    ``explanation``, when given, is shown instead of `step_explanation` (a replayed step keeps
    the one it had)."""
    code = step_code(candidate)
    if layout == "comments":
        return [
            {"cell_type": "code", "source": f"{comment_lines(f'Step {number}: {text}')}\n{code}"}
        ]
    if explanation is None:
        explanation = step_explanation(text, candidate)
    return [
        {"cell_type": "markdown", "source": f"**Step {number}:** {explanation}"},
        {"cell_type": "code", "source": code},
    ]
