"""The agent's prompts: a plan for a task, then the code of one step at a time, or its repair.

Pure logic, in both prompt forms, on top of the packed notebook context (``PackedContext``):

- **plan**: the notebook, its variables and the task; the model answers with numbered steps in
  the ``explained`` style's voice (what each step does and why), no code (``plans.parse_plan``);
- **step**: the same context with the variables *of the scratch copy now*, the task, the plan
  with the current step marked, and every step already run there: its code and what it gave
  (its observation, already written as bounded text by the caller); the model writes the code
  of the current step only, and may revise the steps after it (``plans.plan_revision``);
- **repair**: a step prompt plus the attempt that failed, with its observation (the traceback
  among it), and the request to correct it.

In the completion form a step already run is a code cell whose ``# Output:`` comment lines hold
its observation, as a notebook shows a cell's output; the answer cell opens with the step's
``# Step k:`` line, and the next step's line ends the answer (`step_stops`). Every text goes
through the same cell and fence writers as the other prompts, so nothing in an observation
can end a comment line or a fence early.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from jupyter_pachinco.context import (
    ContextCell,
    PackedContext,
    format_cell,
    place_schema_cells,
    render_schema_text,
    render_variables_text,
)
from jupyter_pachinco.context.cells import CELL_HEADER
from jupyter_pachinco.context.safe_text import comment_lines, safe_text

from .chat import SYSTEM_INTRO, PromptMessage, exemplar_request, fenced, system_message
from .completion import exemplar_prefix
from .exemplars import EXEMPLARS, Exemplar
from .plans import numbered_plan
from .styles import PromptStyle, get_style

AGENT_INTRO = (
    "You work through the task one step at a time on a scratch copy of the notebook's "
    "kernel: each step's code runs there, and you see what it produced before you write the "
    "next step. The steps already run keep their variables."
)
PLAN_RULES = (
    "First make a plan. Answer with a numbered list of at most {max_steps} steps, one line "
    "each, each saying what the step does and why, as a `# Step k:` comment would. Write no "
    "code yet. Use the DataFrames that already exist."
)
REVISION_RULE = (
    "Write the code of the current step only. If what the earlier steps gave changes the "
    "plan, end your answer, after the code block, with a line `Remaining steps:` followed by "
    "the new numbered list of the steps after this one, or `Remaining steps: none` when this "
    "step finishes the task."
)
PLAN_HEADER = "# Plan: the steps that solve this problem, one line each, no code yet."
COMPLETION_PLAN_START = "# Step 1:"


@dataclass(frozen=True)
class DoneStep:
    """A step run on the scratch: the plan's text, its code, and what it gave (as text)."""

    text: str
    code: str
    observation: str


@dataclass(frozen=True)
class FailedAttempt:
    """The code that failed for the current step, and what it gave (traceback included)."""

    code: str
    observation: str


@dataclass(frozen=True)
class AgentState:
    """Where the work stands: ``current`` is the number (1-based) of the step to write."""

    task: str
    plan: tuple[str, ...] = ()
    done: tuple[DoneStep, ...] = ()
    failed: FailedAttempt | None = None
    max_steps: int = 8
    exemplars: Sequence[Exemplar] = field(default=EXEMPLARS[:1])

    @property
    def current(self) -> int:
        return len(self.done) + 1

    @property
    def current_text(self) -> str:
        index = len(self.done)
        return self.plan[index] if index < len(self.plan) else self.task


Prompt = str | list[PromptMessage]


def plan_prompt(packed: PackedContext, state: AgentState, form: str) -> Prompt:
    """The prompt that asks for a plan of ``state.task``."""
    rules = PLAN_RULES.format(max_steps=state.max_steps)
    if form == "completion":
        cells = [*_context_cells(packed), _markdown(f"Problem: {state.task.strip()}")]
        opening = f"{PLAN_HEADER}\n{COMPLETION_PLAN_START}"
        # No line break: the model goes on with the first step's text.
        return _completion(cells, get_style("explained"), opening)
    system = f"{SYSTEM_INTRO} {AGENT_INTRO}\n\n{rules}"
    request = _request(packed, state, sections=[])
    return [{"role": "system", "content": system}, {"role": "user", "content": request}]


def step_prompt(
    packed: PackedContext, state: AgentState, form: str, style: str | PromptStyle | None = None
) -> Prompt:
    """The prompt that asks for the code of step ``state.current`` (a repair when
    ``state.failed`` is set)."""
    chosen = get_style(style)
    if form == "completion":
        opening = comment_lines(f"Step {state.current}: {state.current_text}") + "\n"
        return _completion(_step_cells(packed, state), chosen, opening)
    system = f"{system_message(chosen)}\n\n{AGENT_INTRO} {REVISION_RULE}"
    messages: list[PromptMessage] = [{"role": "system", "content": system}]
    for exemplar in state.exemplars:
        messages.append({"role": "user", "content": exemplar_request(exemplar)})
        messages.append({"role": "assistant", "content": fenced(chosen.chat_answer(exemplar))})
    messages.append({"role": "user", "content": _request(packed, state, _step_sections(state))})
    return messages


def step_stops(state: AgentState) -> tuple[str, ...]:
    """Completion form: the next step's marker ends the current step's answer."""
    return (f"# Step {state.current + 1}:",)


def plan_from_completion(text: str) -> str:
    """A completion-form plan answer as plan text: the opening step marker, then the comment
    lines the model continued with, up to the first line that is not a comment."""
    lines = [COMPLETION_PLAN_START + text.split("\n", 1)[0]]
    for line in text.split("\n")[1:]:
        if not line.strip():
            continue
        if not line.lstrip().startswith("#") or line.startswith(CELL_HEADER.strip()):
            break
        lines.append(line)
    return "\n".join(lines)


def _request(packed: PackedContext, state: AgentState, sections: list[str]) -> str:
    notebook = "".join(format_cell(cell) for cell in packed.cells).rstrip("\n")
    parts = [
        f"The notebook so far:\n\n{fenced(notebook)}"
        if notebook
        else "The notebook has no cells yet."
    ]
    variables = render_schema_text(packed.schemas) + render_variables_text(packed.variables)
    if variables:
        where = "Variables in the scratch copy now" if state.done else "Variables in the kernel"
        parts.append(f"{where}:\n\n{fenced(variables.rstrip())}")
    parts.append(f"Problem: {safe_text(state.task).strip()}")
    return "\n\n".join(parts + sections)


def _step_sections(state: AgentState) -> list[str]:
    sections = [f"Plan:\n{numbered_plan(list(state.plan), state.current, len(state.done))}"]
    if state.done:
        done = ["Steps already run on the scratch copy, and what each gave:"]
        for number, step in enumerate(state.done, start=1):
            gave = _text_fence(step.observation)
            done.append(f"Step {number}: {step.text}\n{fenced(step.code)}\nIt gave:\n{gave}")
        sections.append("\n\n".join(done))
    if state.failed is not None:
        sections.append(
            f"Your last code for step {state.current} failed:\n{fenced(state.failed.code)}\n"
            f"It gave:\n{_text_fence(state.failed.observation)}\n\nWrite a corrected version."
        )
    sections.append(f"Write the code for step {state.current} only: {state.current_text}")
    return sections


def _step_cells(packed: PackedContext, state: AgentState) -> list[ContextCell]:
    cells = [*_context_cells(packed), _markdown(f"Problem: {state.task.strip()}")]
    cells.append(_markdown(f"Plan:\n{numbered_plan(list(state.plan))}"))
    for number, step in enumerate(state.done, start=1):
        cells.append(_code(f"# Step {number}: {step.text}\n{step.code.strip()}", step.observation))
    if state.failed is not None:
        marker = f"# Step {state.current}: {state.current_text} (this attempt failed)"
        cells.append(_code(f"{marker}\n{state.failed.code.strip()}", state.failed.observation))
        cells.append(_markdown(f"Step {state.current} again, corrected."))
    return cells


def _context_cells(packed: PackedContext) -> list[ContextCell]:
    cells = place_schema_cells(packed.cells, packed.schemas)
    others = render_variables_text(packed.variables)
    if others:
        cells.append(_code(others))
    return cells


def _completion(cells: list[ContextCell], style: PromptStyle, opening: str) -> str:
    """Exemplars, the cells, and an open answer cell that starts with ``opening``."""
    prefix = exemplar_prefix(style)
    heading = [_markdown(f"Exercise {len(EXEMPLARS) + 1}")] if prefix else []
    body = "".join(format_cell(cell) for cell in heading + cells)
    return f"{prefix}{body}{CELL_HEADER}\n\n{opening}"


def _text_fence(text: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}text\n{safe_text(text).strip()}\n{fence}"


def _markdown(text: str) -> ContextCell:
    return {"cell_type": "markdown", "source": safe_text(text), "outputs": [], "cell_magic": None}


def _code(text: str, output: str = "") -> ContextCell:
    outputs = [safe_text(output)] if output.strip() else []
    return {"cell_type": "code", "source": safe_text(text), "outputs": outputs, "cell_magic": None}
