"""The body of ``POST /pachinco/agent``, read as strictly as the other requests (``validation``).

Fields: ``request_id``, ``task``, ``notebook_path``, ``cells``, ``active_cell_index``,
``kernel_id`` (required unless only a plan is asked for), ``go`` (default true: work at once;
false: stop after the plan, so that it can be shown and edited), ``plan`` (the steps to work
through, e.g. an edited plan: no new plan is made), ``done`` (with ``plan`` only: the
``{"explanation", "code"}`` of its first steps, which worked in an earlier run, replayed as
they are before the rest is worked; at least one step must be left) and ``options``. Every
problem is a `BadRequest` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..agent import AgentOptions, DoneCode
from ..options import MAX_CANDIDATES, MAX_INTENT_CHARS, MAX_NEW_TOKENS
from ..prompting import DEFAULT_LAYOUT, LAYOUTS, style_names
from .tool_validation import MAX_CODE_CHARS
from .validation import (
    MAX_REQUEST_ID_CHARS,
    BadRequest,
    _int_in,
    _no_unknown_fields,
    _optional_text,
    _temperature,
    _text,
    cells_up_to,
    read_cells_and_active,
    read_json_object,
)

MAX_STEPS = 20
MAX_REPAIRS = 5
MAX_STEP_CHARS = 500
MIN_OBSERVATION_TOKENS, MAX_OBSERVATION_TOKENS = 50, 4000

AGENT_FIELDS = frozenset(
    {"request_id", "task", "notebook_path", "cells", "active_cell_index", "kernel_id", "options",
     "go", "plan", "done"}
)  # fmt: skip
DONE_FIELDS = frozenset({"explanation", "code"})
AGENT_OPTION_FIELDS = frozenset(
    {"n", "max_steps", "max_repairs", "max_new_tokens", "plan_tokens", "temperature", "style",
     "layout", "include_outputs", "observation_tokens"}
)  # fmt: skip


@dataclass(frozen=True)
class AgentBody:
    """A validated ``POST /pachinco/agent`` body."""

    request_id: str
    task: str
    notebook_path: str | None = None
    cells: list[dict[str, Any]] = field(default_factory=list)
    active_cell_index: int | None = None
    kernel_id: str | None = None
    options: AgentOptions = field(default_factory=AgentOptions)

    @property
    def context_cells(self) -> list[dict[str, Any]]:
        """The cells the prompts may use: up to and including the active cell."""
        return cells_up_to(self.cells, self.active_cell_index)


def read_agent_body(body: bytes) -> AgentBody:
    """An agent request, or `BadRequest` saying what is wrong with it."""
    data = read_json_object(body)
    _no_unknown_fields(data, AGENT_FIELDS, "")
    cells, index = read_cells_and_active(data)
    go = data.get("go", True)
    if not isinstance(go, bool):
        raise BadRequest("`go` must be true (work at once) or false (stop after the plan).")
    options = read_agent_options(data.get("options", {}))
    plan = read_plan(data.get("plan"), options.max_steps)
    kernel_id = _optional_text(data, "kernel_id")
    if kernel_id is None and (go or plan is not None):
        raise BadRequest(
            "`kernel_id` is required: the agent works on a scratch copy of the notebook's "
            "kernel (send `go: false` to ask for a plan only)."
        )
    task = _text(data, "task", 1, MAX_INTENT_CHARS)
    if not task.strip():
        raise BadRequest("`task` is empty: say what the agent should work out.")
    return AgentBody(
        request_id=_text(data, "request_id", 1, MAX_REQUEST_ID_CHARS),
        task=task,
        notebook_path=_optional_text(data, "notebook_path"),
        cells=cells,
        active_cell_index=index,
        kernel_id=kernel_id,
        options=replace(options, go=go, plan=plan, done=read_done(data.get("done"), plan)),
    )


def read_plan(value: object, max_steps: int) -> tuple[str, ...] | None:
    """The ``plan``: 1 to ``max_steps`` non-empty step texts, or null."""
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise BadRequest("`plan` must be a non-empty list of step texts, or null.")
    if len(value) > max_steps:
        raise BadRequest(f"`plan` has {len(value)} steps; `options.max_steps` allows {max_steps}.")
    steps = []
    for position, step in enumerate(value):
        if not isinstance(step, str) or not step.strip() or len(step) > MAX_STEP_CHARS:
            raise BadRequest(
                f"`plan[{position}]` must be a step text of 1 to {MAX_STEP_CHARS} characters."
            )
        steps.append(" ".join(step.split()))
    return tuple(steps)


def read_done(value: object, plan: tuple[str, ...] | None) -> tuple[DoneCode, ...]:
    """The ``done`` steps: fewer than the ``plan`` has, each ``{"explanation", "code"}`` (a
    cell's source each, at most `MAX_CODE_CHARS`; the code not blank); () when null."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise BadRequest("`done` must be a list of the steps that worked before, or null.")
    if value and plan is None:
        raise BadRequest("`done` needs `plan`: each step that worked before is a step of it.")
    if plan is not None and len(value) >= len(plan):
        raise BadRequest(
            f"`done` has {len(value)} steps and `plan` {len(plan)}: leave at least one step "
            "to work."
        )
    found = []
    for position, entry in enumerate(value):
        prefix = f"done[{position}]."
        if not isinstance(entry, Mapping):
            raise BadRequest(f"`done[{position}]` must be an object with `explanation` and `code`.")
        _no_unknown_fields(entry, DONE_FIELDS, prefix)
        explanation = _text(entry, "explanation", 0, MAX_CODE_CHARS, prefix)
        code = _text(entry, "code", 1, MAX_CODE_CHARS, prefix)
        if not code.strip():
            raise BadRequest(f"`{prefix}code` is blank: a step that worked has code.")
        found.append(DoneCode(explanation, code))
    return tuple(found)


def read_agent_options(value: object) -> AgentOptions:
    """The ``options`` object, each field checked against its range."""
    if not isinstance(value, Mapping):
        raise BadRequest("`options` must be an object.")
    _no_unknown_fields(value, AGENT_OPTION_FIELDS, "options.")
    defaults = AgentOptions()
    style = _optional_text(value, "style", "options.")
    if style is not None and style not in style_names():
        raise BadRequest(f"`options.style` must be one of {', '.join(style_names())}.")
    layout = _optional_text(value, "layout", "options.") or DEFAULT_LAYOUT
    if layout not in LAYOUTS:
        raise BadRequest(f"`options.layout` must be one of {', '.join(LAYOUTS)}.")
    include_outputs = value.get("include_outputs", defaults.include_outputs)
    if not isinstance(include_outputs, bool):
        raise BadRequest("`options.include_outputs` must be true or false.")
    return AgentOptions(
        n=_int_in(value, "n", 1, MAX_CANDIDATES, defaults.n),
        max_steps=_int_in(value, "max_steps", 1, MAX_STEPS, defaults.max_steps),
        max_repairs=_int_in(value, "max_repairs", 0, MAX_REPAIRS, defaults.max_repairs),
        max_new_tokens=_int_in(value, "max_new_tokens", 1, MAX_NEW_TOKENS, defaults.max_new_tokens),
        plan_tokens=_int_in(value, "plan_tokens", 1, MAX_NEW_TOKENS, defaults.plan_tokens),
        temperature=_agent_temperature(value, defaults.temperature),
        observation_tokens=_int_in(
            value,
            "observation_tokens",
            MIN_OBSERVATION_TOKENS,
            MAX_OBSERVATION_TOKENS,
            defaults.observation_tokens,
        ),
        style=style,
        layout=layout,
        include_outputs=include_outputs,
    )


def _agent_temperature(data: Mapping[str, Any], default: float) -> float:
    """``options.temperature`` (0 to the limit), the agent's default when null or absent."""
    found = _temperature(data, default)
    return default if found is None else found
