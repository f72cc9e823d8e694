/**
 * An agent run as plain data (no DOM, no I/O): the plan (editable before *Go*), the timeline
 * of steps that the NDJSON lines of `POST /pachinco/agent` (`agentProtocol.ts`) move through
 * their states, and what can be taken into the notebook. Every function returns a new value
 * and leaves its input unchanged.
 *
 * A step's states: `waiting` → `trying` (candidates generated and trial-run on forks of the
 * scratch) → `repairing` (no candidate worked; the model sees the traceback) → `trying` … →
 * `done` (observed on the scratch) or `failed` (out of repairs, or the run ended first).
 *
 * The plan's edits and *Retry from here* are in `agentPlan.ts`, what a run says in words in
 * `agentWords.ts`, the entry a run leaves in the notebook in `turnRecords.ts`.
 */
import type { AgentLine, IAcceptedStep, IAgentDoneLine } from './agentProtocol';
import type { IInsertionCell } from './protocol';

export type StepState =
  'waiting' | 'trying' | 'repairing' | 'done' | 'failed' | 'stopped';

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
      return endUnderWay({
        ...run,
        phase: 'error',
        error: { kind: line.kind, message: line.message }
      });
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
  return phase === 'editing' ? next : endUnderWay(next);
}

/**
 * Steps under way when the run ended are stopped (the user stopped the run) or failed (it
 * ended otherwise); the ones never started stay waiting.
 */
function endUnderWay(run: IAgentRun): IAgentRun {
  const state: StepState = run.phase === 'stopped' ? 'stopped' : 'failed';
  return {
    ...run,
    steps: run.steps.map(step =>
      step.state === 'trying' || step.state === 'repairing'
        ? { ...step, state }
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
