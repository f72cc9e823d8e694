"""The work-through loop: plan, then per step candidates tried on the scratch, observe, repair.

One place, used by the server (``POST /pachinco/agent``), the magic (``%%pachinco --agent``)
and the harness (``eval generate --agent``)::

    agent = Agent(assistant, AgentOptions(n=3))
    async for event in agent.run(AgentTask("mean fare per class", cells=cells), open_scratch):
        ...   # PlanMade, StepStarted, ModelText, TrialDone, RepairStarted, StepObserved, ...

1. **Plan**: unless the task brings one, the model writes numbered steps (``prompting.agent``);
   with ``go=False`` the run stops there (``AgentDone("planned")``) so a person can edit the
   plan and send it back as ``AgentOptions.plan``.
2. **Replay** ("retry from here"): with a given plan, ``AgentOptions.done`` may bring the code
   of its first steps from an earlier run; each runs on the scratch as it is, no model call
   and no trial (``StepStarted``, ``StepObserved`` with ``replayed``), and counts as accepted.
3. **Each step**: ``n`` candidates, trial-run in forks of the scratch and ranked by agreeing
   output (``choice.choose_candidate``); the winner advances the scratch (``advance``), and
   its observation (a replayed step's too), within ``observation_tokens``, goes into the
   next step's prompt.
4. **Repair**: when no candidate qualifies (``choice.describe_failure``), the attempt and its
   observation (the traceback) go back to the model, at most ``max_repairs`` times; each
   repair is trial-run like a first attempt before it is accepted.
5. **Stop**: at the plan's end, at ``max_steps`` accepted steps (replayed ones count), on
   cancel, or when a step cannot be repaired or fails when replayed (which step, and why);
   `CellsReady` offers the steps that worked in every case.

A step's answer may revise the steps after it (``prompting.plans.plan_revision``); a
`PlanMade` with the new steps follows its observation. Nothing runs outside the scratch: the
loop only ever calls the `ScratchSession` that ``open_scratch`` gives, and closes it at the
end however the run ends (``finally``), so the scratch dies with its request.
"""

from __future__ import annotations

import asyncio
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from typing import Any

from ..assistant import Assistant, Delta, Done, Loading, backend_prompt
from ..backends import Cancellation
from ..context import PackedContext
from ..execution.ranking import (
    Ranking,
    rank_candidates,
    runs_for_all,
    to_try,
    with_likelihoods,
)
from ..options import GenerateOptions, PromptForm
from ..prompting import Candidate, Step
from ..prompting.agent import (
    AgentState,
    DoneStep,
    FailedAttempt,
    plan_from_completion,
    plan_prompt,
    step_prompt,
    step_stops,
)
from ..prompting.observations import observation_text
from ..prompting.plans import parse_plan, plan_revision
from .cells import step_cells, step_explanation
from .choice import StepFailure, advance_failure, choose_candidate, describe_failure
from .events import (
    AcceptedStep,
    AgentDone,
    AgentEvent,
    CellsReady,
    ModelText,
    Phase,
    PlanMade,
    RepairStarted,
    StepObserved,
    StepStarted,
    TrialDone,
)
from .fitting import fitted_prompt
from .scratch_client import ScratchSession
from .task import AgentOptions, AgentTask

OpenScratch = Callable[[], Awaitable[ScratchSession]]


class AgentStopped(Exception):
    """The run was cancelled."""


@dataclass
class _Generated:
    candidates: list[Candidate] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    likelihoods: list[float | None] = field(default_factory=list)


class Agent:
    """Runs tasks through the loop with one assistant (its backend, budget and tokenizer)."""

    def __init__(
        self,
        assistant: Assistant,
        options: AgentOptions | None = None,
        cancellation: Cancellation | None = None,
    ) -> None:
        self.assistant = assistant
        self.options = options or AgentOptions()
        self.cancellation = cancellation

    @property
    def form(self) -> PromptForm:
        return self.options.form or self.assistant.form

    async def run(
        self, task: AgentTask, open_scratch: OpenScratch
    ) -> AsyncGenerator[AgentEvent, None]:
        """The events of one run (see the module docstring). Raises what the model backend or
        the scratch raise (``BackendError``, ``ScratchError``) after offering the steps that
        worked; the scratch is closed in every case."""
        options = self.options
        scratch: ScratchSession | None = None
        accepted: list[AcceptedStep] = []
        try:
            if options.go or options.plan is not None:
                scratch = await open_scratch()
                variables = await scratch.variables()
            else:
                variables = [dict(v) for v in task.variables]
            if options.plan is not None:
                plan = list(options.plan)[: options.max_steps]
                yield PlanMade(plan, given=True)
            else:
                holder: list[list[str]] = []
                async for event in self._plan(task, variables, holder):
                    yield event
                plan = holder[0]
            if scratch is None:
                yield AgentDone("planned", 0)
                return
            replay_worked = True
            async for event in self._replay(plan, scratch, accepted):
                replay_worked = replay_worked and not isinstance(event, AgentDone)
                yield event
            if replay_worked:
                async for event in self._steps(task, plan, scratch, accepted):
                    yield event
        except (GeneratorExit, asyncio.CancelledError, KeyboardInterrupt):
            raise  # the caller went away: nothing more can be yielded
        except Exception as exc:
            # A stop ends the scratch at once; what was waiting on it fails, as it should.
            if not isinstance(exc, AgentStopped) and not self._cancelled():
                if accepted:
                    yield CellsReady(list(accepted))
                raise
            yield CellsReady(list(accepted))
            yield AgentDone("cancelled", len(accepted), reason="The run was stopped.")
        finally:
            if scratch is not None:
                await scratch.close()

    async def _plan(
        self, task: AgentTask, variables: Sequence[Mapping[str, Any]], holder: list[list[str]]
    ) -> AsyncIterator[AgentEvent]:
        state = AgentState(task.task, max_steps=self.options.max_steps)
        prompt, packed = self._prompt(
            task, variables, state, lambda p, s: plan_prompt(p, s, self.form)
        )
        generated = _Generated()
        request = GenerateOptions(n=1, max_new_tokens=self.options.plan_tokens, temperature=0.0)
        async for event in self._generate(prompt, request, packed, (), ("plan", 0, 0), generated):
            yield event
        text = generated.texts[0] if generated.texts else ""
        if self.form == "completion":
            text = plan_from_completion(text)
        steps = parse_plan(text, self.options.max_steps) or [task.task.strip()]
        holder.append(steps)
        yield PlanMade(steps)

    async def _replay(
        self, plan: list[str], scratch: ScratchSession, accepted: list[AcceptedStep]
    ) -> AsyncIterator[AgentEvent]:
        """Run the steps of an earlier run (``options.done``) again as they are, paired with
        the plan's first steps; the first that fails here ends the run (`AgentDone`)."""
        for entry in self.options.done[: len(plan)]:
            number = len(accepted) + 1
            text = plan[number - 1]
            yield StepStarted(number, text)
            candidate = Candidate([Step(entry.explanation, entry.code)], entry.code, "")
            step = await self._advance(scratch, number, text, candidate, 0, entry.explanation)
            if isinstance(step, str):
                yield CellsReady(list(accepted))
                yield AgentDone(
                    "failed",
                    len(accepted),
                    failed_step=number,
                    reason=f"Step {number} ran before but failed when replayed on the new "
                    f"scratch copy: {step}.",
                )
                return
            accepted.append(step)
            yield StepObserved(step, replayed=True)

    async def _steps(
        self,
        task: AgentTask,
        plan: list[str],
        scratch: ScratchSession,
        accepted: list[AcceptedStep],
    ) -> AsyncIterator[AgentEvent]:
        options = self.options
        variables = await scratch.variables()
        revisions = 0
        while len(accepted) < len(plan):
            if len(accepted) >= options.max_steps:
                yield CellsReady(list(accepted))
                yield AgentDone(
                    "max_steps", len(accepted), reason=f"Stopped after {options.max_steps} steps."
                )
                return
            number = len(accepted) + 1
            yield StepStarted(number, plan[number - 1])
            found: list[tuple[Candidate, int, StepFailure | None]] = []
            async for event in self._attempts(task, plan, variables, scratch, accepted, found):
                yield event
            candidate, repairs, failure = found[0]
            if failure is not None:
                yield CellsReady(list(accepted))
                yield AgentDone(
                    "failed",
                    len(accepted),
                    failed_step=number,
                    reason=f"Step {number} could not be done: {failure.reason}.",
                )
                return
            step = await self._advance(scratch, number, plan[number - 1], candidate, repairs)
            if isinstance(step, str):
                reason = (
                    f"Step {number} ran when tried but failed when applied to the scratch "
                    "copy; its state is no longer known."
                )
                yield CellsReady(list(accepted))
                yield AgentDone("failed", len(accepted), failed_step=number, reason=reason)
                return
            accepted.append(step)
            yield StepObserved(step)
            revised = plan_revision(candidate.prose, options.max_steps - number)
            if revised is not None and revised != plan[number:]:
                revisions += 1
                plan[number:] = revised
                yield PlanMade(
                    list(plan),
                    revision=revisions,
                    after=number,
                    reason=f"revised after step {number}",
                )
            variables = await scratch.variables()
        yield CellsReady(list(accepted))
        yield AgentDone("finished", len(accepted))

    async def _attempts(
        self,
        task: AgentTask,
        plan: list[str],
        variables: Sequence[Mapping[str, Any]],
        scratch: ScratchSession,
        accepted: list[AcceptedStep],
        found: list[tuple[Candidate, int, StepFailure | None]],
    ) -> AsyncIterator[AgentEvent]:
        """Try the current step, repairing up to ``max_repairs`` times; ``found`` gets the
        chosen candidate, how many repairs it took, and the failure if none worked."""
        options = self.options
        number = len(accepted) + 1
        final = number == len(plan)
        done = tuple(DoneStep(s.text, s.code, s.observation_text) for s in accepted)
        failed: FailedAttempt | None = None
        failure: StepFailure | None = None
        for attempt in range(options.max_repairs + 1):
            if failure is not None:
                code = failure.run.code if failure.run is not None else ""
                yield RepairStarted(number, attempt, failure.reason, failure.error, code)
            state = AgentState(task.task, tuple(plan), done, failed, options.max_steps)
            prompt, packed = self._prompt(
                task, variables, state, lambda p, s: step_prompt(p, s, self.form, options.style)
            )
            stops = step_stops(state) if self.form == "completion" else ()
            generated = _Generated()
            request = GenerateOptions(
                n=options.n,
                max_new_tokens=options.max_new_tokens,
                temperature=options.temperature if options.n > 1 else 0.0,
                top_p=options.top_p,
                seed=options.seed,
            )
            async for event in self._generate(
                prompt, request, packed, stops, ("step", number, attempt), generated
            ):
                yield event
            ranking = await self._trial(scratch, generated)
            chosen = choose_candidate(ranking, final=final)
            if chosen is not None:
                yield TrialDone(number, attempt, ranking, chosen.index)
                found.append((generated.candidates[chosen.index], attempt, None))
                return
            failure = describe_failure(
                ranking,
                final=final,
                budget=options.observation_tokens,
                count=self.assistant.count_tokens,
            )
            yield TrialDone(number, attempt, ranking, None, failure.reason)
            failed = FailedAttempt(failure.run.code if failure.run else "", failure.observation)
        assert failure is not None  # the loop ran at least once and every attempt failed
        found.append((Candidate([], "", ""), options.max_repairs, failure))

    async def _trial(self, scratch: ScratchSession, generated: _Generated) -> Ranking:
        codes = [candidate.code for candidate in generated.candidates]
        self._check_cancelled()
        tried = await scratch.trial([codes[i] for i in to_try(codes)])
        runs = runs_for_all(codes, tried)
        return rank_candidates(with_likelihoods(runs, generated.likelihoods))

    async def _advance(
        self,
        scratch: ScratchSession,
        number: int,
        text: str,
        candidate: Candidate,
        repairs: int,
        explanation: str | None = None,
    ) -> AcceptedStep | str:
        """Step ``number`` once ``candidate`` has advanced the scratch, or why it failed there
        (`advance_failure`); ``explanation`` replaces the one made from the candidate."""
        self._check_cancelled()
        advanced = await scratch.advance(candidate.code)
        observation = advanced.observation
        failure = advance_failure(advanced)
        if failure is not None:
            return failure
        assert observation is not None  # advance_failure says why when there is none
        if explanation is None:
            explanation = step_explanation(text, candidate)
        return AcceptedStep(
            number=number,
            text=text,
            code=candidate.code,
            explanation=explanation,
            observation=observation,
            observation_text=observation_text(
                observation, self.options.observation_tokens, self.assistant.count_tokens
            ),
            cells=step_cells(number, text, candidate, self.options.layout, explanation),
            repairs=repairs,
        )

    def _prompt(
        self,
        task: AgentTask,
        variables: Sequence[Mapping[str, Any]],
        state: AgentState,
        build: Callable[[PackedContext, AgentState], Any],
    ) -> tuple[Any, PackedContext]:
        return fitted_prompt(self.assistant, task, variables, state, build, self.options)

    async def _generate(
        self,
        prompt: Any,
        request: GenerateOptions,
        packed: PackedContext,
        stop: Sequence[str],
        where: tuple[Phase, int, int],
        generated: _Generated,
    ) -> AsyncIterator[AgentEvent]:
        self._check_cancelled()
        phase, number, attempt = where
        texts = ["" for _ in range(request.n)]
        events = self.assistant.stream_prompt(backend_prompt(prompt), request, packed, stop)
        try:
            async for event in events:
                if isinstance(event, Loading):
                    yield event
                elif isinstance(event, Delta):
                    texts[event.index] += event.text
                    yield ModelText(phase, number, attempt, event.index, event.text)
                elif isinstance(event, Done):
                    generated.candidates = list(event.candidates)
                    generated.likelihoods = list(event.likelihoods)
                    if "cancelled" in event.finish_reasons:
                        raise AgentStopped
        finally:
            await events.aclose()
        generated.texts = texts
        self._check_cancelled()

    def _cancelled(self) -> bool:
        return self.cancellation is not None and self.cancellation.cancelled

    def _check_cancelled(self) -> None:
        if self._cancelled():
            raise AgentStopped
