/**
 * An agent run as plain data (no DOM, no I/O): the plan (editable before *Go*), the timeline
 * of steps that the NDJSON lines of `POST /pachinco/agent` (`agentProtocol.ts`) move through
 * their states, and what can be taken into the notebook. Every function returns a new value
 * and leaves its input unchanged.
 *
 * A step's states: `waiting` → `trying` (candidates generated and trial-run on forks of the
 * scratch) → `repairing` (no candidate worked; the model sees the traceback) → `trying` … →
 * `done` (observed on the scratch) or `failed` (out of repairs, or the run ended first).
 */
import type {
  AgentLine,
  IAcceptedStep,
  IAgentDoneLine,
  IObservation
} from './agentProtocol';
import { utcTime } from './conversation';
import type { IInsertionCell, IStoredTurn, TurnOutcome } from './protocol';

export type StepState = 'waiting' | 'trying' | 'repairing' | 'done' | 'failed';

/**
 * `planning`: the model writes the plan; `editing`: the plan waits for *Go*; `working`: the
 * steps run on the scratch; then how the run ended.
 */
export type RunPhase =
  | 'planning'
  | 'editing'
  | 'working'
  | 'finished'
  | 'stopped'
  | 'failed'
  | 'error';

export interface ITimelineStep {
  /** 1-based, as the server numbers steps. */
  number: number;
  text: string;
  state: StepState;
  /** 0 for the first attempt, 1, 2, … for repairs. */
  attempt: number;
  /** The model's text of the current attempt, per candidate. */
  drafts: string[];
  /** Candidates trial-run in the latest attempt (0 before the trial line). */
  tried: number;
  /** The trial runs' verdict in a few words ("3 of 3 agree"), or why none qualified. */
  vote: string | null;
  /** The latest failure that a repair answers: its reason and error line. */
  failure: { reason: string; error: string | null; code: string } | null;
  /** Set once the step ran on the scratch. */
  accepted: IAcceptedStep | null;
}

export interface IAgentRun {
  requestId: string;
  task: string;
  phase: RunPhase;
  /** The plan's steps as the server last sent them, or as the user edited them. */
  plan: string[];
  /** The model's plan text while it streams. */
  planDraft: string;
  steps: ITimelineStep[];
  /** The scratch copy's process id, once it is ready. */
  scratchPid: number | null;
  /** The user's kernel runs counted when the scratch copy was made (see `stateChanged`). */
  kernelRunsAtScratch: number | null;
  /** Every step that ran, with its cells (from the `cells` line). */
  cells: IInsertionCell[];
  done: IAgentDoneLine | null;
  error: { kind: string; message: string } | null;
  /** Whether the run's cells are in the notebook now. */
  inserted: boolean;
}

export function startRun(requestId: string, task: string): IAgentRun {
  return {
    requestId,
    task,
    phase: 'planning',
    plan: [],
    planDraft: '',
    steps: [],
    scratchPid: null,
    kernelRunsAtScratch: null,
    cells: [],
    done: null,
    error: null,
    inserted: false
  };
}

/**
 * A run that works through `plan` at once (after *Go*, or *Retry from here*): the steps in
 * `kept` (already worked, replayed as they are) stay done, the others wait.
 */
export function goRun(
  requestId: string,
  task: string,
  plan: string[],
  kept: IAcceptedStep[] = []
): IAgentRun {
  return {
    ...startRun(requestId, task),
    phase: 'working',
    plan: [...plan],
    steps: plan.map((text, i) =>
      i < kept.length
        ? { ...waitingStep(i + 1, text), state: 'done', accepted: kept[i] }
        : waitingStep(i + 1, text)
    )
  };
}

export function waitingStep(number: number, text: string): ITimelineStep {
  return {
    number,
    text,
    state: 'waiting',
    attempt: 0,
    drafts: [],
    tried: 0,
    vote: null,
    failure: null,
    accepted: null
  };
}

/**
 * The run after one line of the stream. `kernelRuns` is the user's kernel run count now: it
 * is kept with the `scratch` line, to tell later whether the kernel ran code since.
 */
export function applyAgentLine(
  run: IAgentRun,
  line: AgentLine,
  kernelRuns = 0
): IAgentRun {
  switch (line.type) {
    case 'scratch':
      return { ...run, scratchPid: line.pid, kernelRunsAtScratch: kernelRuns };
    case 'plan':
      return withPlan(run, line.steps, line.after);
    case 'step':
      return updateStep(run, line.step, line.text, step => ({
        ...step,
        text: line.text,
        state: step.state === 'waiting' ? 'trying' : step.state
      }));
    case 'delta':
      if (line.phase === 'plan') {
        return { ...run, planDraft: run.planDraft + line.text };
      }
      return updateStep(run, line.step, null, step => {
        // A new attempt starts with fresh drafts.
        const drafts = line.attempt === step.attempt ? [...step.drafts] : [];
        while (drafts.length <= line.index) {
          drafts.push('');
        }
        drafts[line.index] += line.text;
        return {
          ...step,
          attempt: line.attempt,
          drafts,
          state: 'trying'
        };
      });
    case 'trial':
      return updateStep(run, line.step, null, step => ({
        ...step,
        tried: line.candidates.length,
        vote:
          line.chosen === null ? (line.failure ?? line.summary) : line.summary
      }));
    case 'repair':
      return updateStep(run, line.step, null, step => ({
        ...step,
        state: 'repairing',
        attempt: line.attempt,
        drafts: [],
        failure: { reason: line.reason, error: line.error, code: line.code }
      }));
    case 'observation':
      return updateStep(run, line.step, null, step => ({
        ...step,
        state: 'done',
        accepted: line.accepted
      }));
    case 'cells':
      return withCells(run, line.steps, line.cells);
    case 'done':
      return ended(run, line);
    case 'error':
      return {
        ...failWaiting(run),
        phase: 'error',
        error: { kind: line.kind, message: line.message }
      };
    default:
      return run;
  }
}

function withPlan(run: IAgentRun, steps: string[], after: number): IAgentRun {
  // A revision replaces the steps after `after`; the ones before keep their state.
  const kept = run.steps.slice(0, after);
  const fresh = steps
    .slice(after)
    .map((text, i) => waitingStep(after + i + 1, text));
  return {
    ...run,
    plan: [...steps],
    planDraft: '',
    steps: [...kept, ...fresh],
    phase: run.phase === 'planning' ? 'editing' : run.phase
  };
}

function withCells(
  run: IAgentRun,
  accepted: IAcceptedStep[],
  cells: IInsertionCell[]
): IAgentRun {
  const byNumber = new Map(accepted.map(step => [step.number, step]));
  return {
    ...run,
    cells,
    steps: run.steps.map(step => {
      const worked = byNumber.get(step.number);
      return worked ? { ...step, state: 'done', accepted: worked } : step;
    })
  };
}

function ended(run: IAgentRun, done: IAgentDoneLine): IAgentRun {
  const phase: RunPhase =
    done.status === 'planned'
      ? 'editing'
      : done.status === 'cancelled'
        ? 'stopped'
        : done.status === 'failed'
          ? 'failed'
          : 'finished';
  const next = { ...run, done, phase };
  return phase === 'editing' ? next : failWaiting(next);
}

/** Steps under way when the run ended are failed; the ones never started stay waiting. */
function failWaiting(run: IAgentRun): IAgentRun {
  return {
    ...run,
    steps: run.steps.map(step =>
      step.state === 'trying' || step.state === 'repairing'
        ? { ...step, state: 'failed' }
        : step
    )
  };
}

function updateStep(
  run: IAgentRun,
  number: number,
  text: string | null,
  change: (step: ITimelineStep) => ITimelineStep
): IAgentRun {
  const steps = [...run.steps];
  let at = steps.findIndex(step => step.number === number);
  if (at < 0) {
    // A step the plan did not list (a server that numbers past it): shown all the same.
    steps.push(waitingStep(number, text ?? run.plan[number - 1] ?? ''));
    at = steps.length - 1;
  }
  steps[at] = change(steps[at]);
  return { ...run, steps };
}

/**
 * Whether the run is still going (planning or working).
 */
export function isActive(run: IAgentRun): boolean {
  return run.phase === 'planning' || run.phase === 'working';
}

/**
 * The steps that ran on the scratch, in order: what *Insert all* takes.
 */
export function workedSteps(run: IAgentRun): IAcceptedStep[] {
  return run.steps
    .map(step => step.accepted)
    .filter((step): step is IAcceptedStep => step !== null);
}

/**
 * What *Insert all* puts in the notebook: the `cells` line when it came, else each worked
 * step's cells in order.
 */
export function insertableCells(run: IAgentRun): IInsertionCell[] {
  if (run.cells.length > 0) {
    return run.cells;
  }
  return ([] as IInsertionCell[]).concat(
    ...workedSteps(run).map(step => step.cells)
  );
}

/**
 * The code of a step as far as it is known: the accepted code, else the failing code being
 * repaired, else the first candidate's text so far.
 */
export function stepCode(step: ITimelineStep): string {
  if (step.accepted !== null) {
    return step.accepted.code;
  }
  if (step.drafts.length > 0) {
    return step.drafts[0];
  }
  return step.failure?.code ?? '';
}

/**
 * Whether the user's kernel ran code (or restarted) since the scratch copy was made: then
 * the worked steps may not run the same there.
 */
export function stateChanged(run: IAgentRun, kernelRuns: number): boolean {
  return (
    run.kernelRunsAtScratch !== null && kernelRuns > run.kernelRunsAtScratch
  );
}

/**
 * The plan and the steps to replay for *Retry from here* at step `number` (1-based): the
 * worked steps before it are kept as they are; it and the ones after are worked again, with
 * the plan as the user edited it. Null when a step before `number` did not work.
 */
export function retryFrom(
  run: IAgentRun,
  number: number
): { plan: string[]; kept: IAcceptedStep[] } | null {
  const before = run.steps.slice(0, number - 1);
  if (before.some(step => step.accepted === null)) {
    return null;
  }
  return {
    plan: run.steps.map(step => step.text),
    kept: before.map(step => step.accepted!)
  };
}

/**
 * Change the text of step `number` before it is worked again (for *Retry from here*).
 */
export function withStepText(
  run: IAgentRun,
  number: number,
  text: string
): IAgentRun {
  return {
    ...run,
    steps: run.steps.map(step =>
      step.number === number ? { ...step, text } : step
    ),
    plan: run.plan.map((old, i) => (i === number - 1 ? text : old))
  };
}

// The plan editor's edits, on a list of step texts.

export function editStep(
  plan: string[],
  index: number,
  text: string
): string[] {
  return plan.map((step, i) => (i === index ? text : step));
}

export function deleteStep(plan: string[], index: number): string[] {
  return plan.filter((_, i) => i !== index);
}

/** Move step `index` by `offset` places (-1: up, 1: down), within the plan's bounds. */
export function moveStep(
  plan: string[],
  index: number,
  offset: number
): string[] {
  const to = Math.min(Math.max(index + offset, 0), plan.length - 1);
  if (index < 0 || index >= plan.length || to === index) {
    return plan;
  }
  const moved = [...plan];
  const [step] = moved.splice(index, 1);
  moved.splice(to, 0, step);
  return moved;
}

/** A new empty step after `index` (-1: at the start). */
export function addStep(plan: string[], index: number): string[] {
  const moved = [...plan];
  moved.splice(index + 1, 0, '');
  return moved;
}

/** The steps to send: trimmed, empty ones left out. */
export function cleanPlan(plan: string[]): string[] {
  return plan.map(step => step.trim()).filter(step => step.length > 0);
}

/**
 * What a run's state says in a few words (the status bar, the screen reader's live region).
 */
export function runStatusText(run: IAgentRun): string {
  switch (run.phase) {
    case 'planning':
      return 'Writing a plan…';
    case 'editing':
      return 'The plan is ready: edit it, then Go.';
    case 'working': {
      const current = run.steps.find(
        step => step.state === 'trying' || step.state === 'repairing'
      );
      if (current === undefined) {
        return run.scratchPid === null
          ? 'Making a scratch copy of your kernel…'
          : run.steps.length === 0
            ? 'Writing a plan…'
            : 'Working…';
      }
      return `Step ${current.number} of ${run.steps.length}: ${stepStateText(current)}`;
    }
    case 'finished':
      return `Done: ${workedSteps(run).length} steps ran on a scratch copy of your kernel.`;
    case 'stopped':
      return `Stopped: ${workedSteps(run).length} steps that worked are kept.`;
    case 'failed':
      return run.done?.reason ?? 'A step could not be done.';
    case 'error':
      return run.error?.message ?? 'The run failed.';
  }
}

export function stepStateText(step: ITimelineStep): string {
  switch (step.state) {
    case 'waiting':
      return 'waiting';
    case 'trying':
      return step.tried > 0
        ? `trying ${step.tried} candidates`
        : step.drafts.length > 1
          ? `trying ${step.drafts.length} candidates`
          : 'trying';
    case 'repairing':
      return `repairing (attempt ${step.attempt + 1})`;
    case 'done':
      return (step.accepted?.repairs ?? 0) > 0
        ? `done after ${step.accepted!.repairs} repair${step.accepted!.repairs > 1 ? 's' : ''}`
        : 'done';
    case 'failed':
      return 'failed';
  }
}

/**
 * The observation's value in a few words: its type and shape ("DataFrame · 3 × 2").
 */
export function valueCaption(observation: IObservation): string | null {
  const value = observation.value;
  if (value === null) {
    return null;
  }
  const shape = value.shape;
  if (shape === null || shape.length === 0) {
    return value.type;
  }
  if (shape.length === 2) {
    return `${value.type} · ${shape[0]} rows × ${shape[1]} columns`;
  }
  return `${value.type} · ${shape.join(' × ')}`;
}

/**
 * The entry a run leaves in `metadata.pachinco.turns`, like any other turn: the task as its
 * intent, the worked steps' code and explanations (so that the next request sees them as an
 * earlier turn), and whether its cells are in the notebook.
 */
export function agentRecord(
  run: IAgentRun,
  when: Date,
  previous: IStoredTurn | null = null
): IStoredTurn {
  const worked = workedSteps(run);
  const code = worked.map(step => step.code).join('\n\n');
  const outcome: TurnOutcome =
    run.phase === 'stopped'
      ? 'stopped'
      : run.phase === 'failed' || run.phase === 'error'
        ? worked.length > 0
          ? 'answered'
          : 'failed'
        : worked.length > 0
          ? 'answered'
          : 'no code';
  return {
    intent: run.task,
    code,
    explanation: worked
      .map(step => `${step.number}. ${step.explanation || step.text}`)
      .join('\n'),
    time: utcTime(when),
    request_id: run.requestId,
    inserted: run.inserted,
    outcome,
    ...(run.inserted
      ? {
          inserted_code: insertableCells(run)
            .filter(cell => cell.cell_type === 'code')
            .map(cell => cell.source)
            .join('\n\n'),
          undone: false
        }
      : previous?.inserted === true || previous?.undone === true
        ? { undone: true }
        : {})
  };
}
