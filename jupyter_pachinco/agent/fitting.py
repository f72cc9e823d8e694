"""The agent's prompts fitted to the model's budget: its own parts first, then the notebook.

The agent's parts of a prompt (the plan, the steps already run with their observations, a
failed attempt, the worked example) are measured on the prompt built without any notebook
context; the notebook (cells, the scratch's variables, earlier turns) is then packed into what
is left (``context.pack_context``). When the agent's parts alone take more than
`OVERHEAD_SHARE` of the budget (a small model context), the worked example goes first, then
earlier steps' observations shrink to their first line, oldest first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..assistant import Assistant
from ..context import PackedContext, pack_context
from ..prompting.agent import AgentState
from .task import AgentOptions, AgentTask

#: The agent's own parts of a prompt may take this share of the budget before they shrink.
OVERHEAD_SHARE = 0.7

BuildPrompt = Callable[[PackedContext, AgentState], Any]


def fitted_prompt(
    assistant: Assistant,
    task: AgentTask,
    variables: Sequence[Mapping[str, Any]],
    state: AgentState,
    build: BuildPrompt,
    options: AgentOptions,
) -> tuple[Any, PackedContext]:
    """The prompt ``build`` makes for ``state`` with as much of the notebook as fits, and what
    of the notebook it holds."""
    count = assistant.count_tokens
    budget = assistant.budget
    overhead = 0
    for lighter in lighter_states(state):
        state = lighter
        overhead = count(flat_text(build(PackedContext(intent=task.task, budget=0), state)))
        if overhead <= budget * OVERHEAD_SHARE:
            break
    packed = pack_context(
        task.task,
        task.cells,
        variables,
        task.history,
        budget=max(1, budget - overhead),
        count_tokens=count,
        include_outputs=options.include_outputs,
    )
    return build(packed, state), packed


def lighter_states(state: AgentState) -> Iterator[AgentState]:
    """``state``, then lighter versions of it: without exemplars, then with the observations
    of earlier steps cut to their first line, one step at a time, oldest first."""
    yield state
    state = replace(state, exemplars=())
    yield state
    done = list(state.done)
    for index, step in enumerate(done[:-1]):
        done[index] = replace(step, observation=step.observation.split("\n", 1)[0])
        yield replace(state, done=tuple(done))


def flat_text(prompt: Any) -> str:
    """A prompt of either form as one text, to measure it."""
    if isinstance(prompt, str):
        return prompt
    return "\n".join(str(message.get("content", "")) for message in prompt)
