/**
 * The agent run's state machine (`agentRun.ts`): pure functions over plain data, fed the
 * lines a run of `POST /pachinco/agent` sends.
 */
import type { AgentLine, IAcceptedStep } from '../agentProtocol';
import { retryFrom, withStepText } from '../agentPlan';
import {
  applyAgentLine,
  goRun,
  IAgentRun,
  insertableCells,
  isActive,
  startRun,
  stateChanged,
  stepCode,
  workedSteps
} from '../agentRun';
import { runStatusText } from '../agentWords';
import { agentRecord } from '../turnRecords';
import { acceptedStep, ranked } from './fakes';

const PLAN = ['Divide the fare.', 'Average per class.', 'Sort.'];

function accepted(number: number, code: string, repairs = 0): IAcceptedStep {
  return acceptedStep(PLAN, number, code, repairs);
}

function play(run: IAgentRun, lines: AgentLine[], kernelRuns = 0): IAgentRun {
  return lines.reduce(
    (state, line) => applyAgentLine(state, line, kernelRuns),
    run
  );
}

const planLine: AgentLine = {
  type: 'plan',
  steps: PLAN,
  revision: 0,
  after: 0,
  reason: null,
  given: false
};

function delta(
  step: number,
  attempt: number,
  index: number,
  text: string
): AgentLine {
  return { type: 'delta', phase: 'step', step, attempt, index, text };
}

/** The last line of a run the user stopped after `stepsDone` steps worked. */
function cancelled(stepsDone: number): AgentLine {
  return {
    type: 'done',
    status: 'cancelled',
    steps_done: stepsDone,
    failed_step: null,
    reason: 'The run was stopped.'
  };
}

function observed(step: IAcceptedStep): AgentLine {
  return {
    type: 'observation',
    step: step.number,
    observation: step.observation,
    text: step.observation_text,
    replayed: false,
    accepted: step
  };
}

describe('an agent run, line by line', () => {
  it('shows the plan for editing after a plan-only request', () => {
    let run = startRun('r1', 'mean fare');
    expect(run.phase).toBe('planning');
    run = play(run, [
      {
        type: 'delta',
        phase: 'plan',
        step: 0,
        attempt: 0,
        index: 0,
        text: '1. Div'
      },
      {
        type: 'delta',
        phase: 'plan',
        step: 0,
        attempt: 0,
        index: 0,
        text: 'ide'
      }
    ]);
    expect(run.planDraft).toBe('1. Divide');
    run = play(run, [
      planLine,
      {
        type: 'done',
        status: 'planned',
        steps_done: 0,
        failed_step: null,
        reason: null
      }
    ]);
    expect(run.phase).toBe('editing');
    expect(run.plan).toEqual(PLAN);
    expect(run.planDraft).toBe('');
    expect(run.steps.map(s => s.state)).toEqual([
      'waiting',
      'waiting',
      'waiting'
    ]);
    expect(isActive(run)).toBe(false);
  });

  it('moves a step through trying, repairing and done, and keeps what it produced', () => {
    const one = accepted(1, 'fares["pp"] = fares.fare / fares.people');
    const two = accepted(2, 'means = fares.groupby("pclass")["pp"].mean()', 1);
    let run = goRun('r1', 'mean fare', PLAN);
    expect(run.phase).toBe('working');
    run = play(run, [{ type: 'scratch', state: 'ready', pid: 42 }], 5);
    expect(run.scratchPid).toBe(42);
    expect(run.kernelRunsAtScratch).toBe(5);
    run = play(run, [
      planLine,
      { type: 'step', step: 1, text: PLAN[0] },
      delta(1, 0, 0, 'Div'),
      delta(1, 0, 1, 'Div'),
      delta(1, 0, 0, 'ide.')
    ]);
    expect(run.steps[0].state).toBe('trying');
    expect(run.steps[0].drafts).toEqual(['Divide.', 'Div']);
    expect(runStatusText(run)).toBe('Step 1 of 3: trying 2 candidates');
    run = play(run, [
      {
        type: 'trial',
        step: 1,
        attempt: 0,
        chosen: 0,
        failure: null,
        notice: null,
        summary: '2 of 2 agree',
        order: [0, 1],
        candidates: [ranked(0), ranked(1)]
      },
      observed(one)
    ]);
    expect(run.steps[0].state).toBe('done');
    expect(run.steps[0].vote).toBe('2 of 2 agree');
    expect(stepCode(run.steps[0])).toBe(one.code);

    // Step 2: every candidate fails, a repair follows with fresh drafts, and it works.
    run = play(run, [
      { type: 'step', step: 2, text: PLAN[1] },
      delta(2, 0, 0, 'wrong'),
      {
        type: 'trial',
        step: 2,
        attempt: 0,
        chosen: null,
        failure: 'every candidate failed',
        notice: null,
        summary: '',
        order: [0],
        candidates: [ranked(0, { status: 'error', error: 'KeyError' })]
      },
      {
        type: 'repair',
        step: 2,
        attempt: 1,
        reason: 'every candidate failed',
        error: "KeyError: 'pp '",
        code: 'means = fares["pp "]'
      }
    ]);
    expect(run.steps[1].state).toBe('repairing');
    expect(run.steps[1].vote).toBe('every candidate failed');
    expect(run.steps[1].drafts).toEqual([]);
    expect(stepCode(run.steps[1])).toBe('means = fares["pp "]');
    expect(runStatusText(run)).toBe('Step 2 of 3: repairing (attempt 2)');
    run = play(run, [delta(2, 1, 0, 'fixed')]);
    expect(run.steps[1].state).toBe('trying');
    expect(run.steps[1].attempt).toBe(1);
    expect(run.steps[1].drafts).toEqual(['fixed']);
    run = play(run, [observed(two)]);
    expect(run.steps[1].state).toBe('done');
    expect(run.steps[1].failure?.error).toBe("KeyError: 'pp '");
    expect(workedSteps(run).map(s => s.number)).toEqual([1, 2]);
    // Before the `cells` line, Insert all takes the worked steps' cells.
    expect(insertableCells(run)).toEqual([...one.cells, ...two.cells]);
  });

  it('ends a finished run with the cells line', () => {
    const steps = [
      accepted(1, 'a = 1'),
      accepted(2, 'b = 2'),
      accepted(3, 'a + b')
    ];
    const cells = ([] as IAcceptedStep['cells']).concat(
      ...steps.map(s => s.cells)
    );
    const run = play(goRun('r1', 'task', PLAN), [
      planLine,
      ...steps.map(observed),
      { type: 'cells', steps, cells },
      {
        type: 'done',
        status: 'finished',
        steps_done: 3,
        failed_step: null,
        reason: null
      }
    ]);
    expect(run.phase).toBe('finished');
    expect(insertableCells(run)).toEqual(cells);
    expect(runStatusText(run)).toBe(
      'Done: 3 steps ran on a scratch copy of your kernel.'
    );
  });

  it('marks the step under way stopped when the run is stopped, and keeps the steps that worked', () => {
    const one = accepted(1, 'a = 1');
    const run = play(goRun('r1', 'task', PLAN), [
      planLine,
      observed(one),
      { type: 'step', step: 2, text: PLAN[1] },
      delta(2, 0, 0, 'b ='),
      { type: 'cells', steps: [one], cells: one.cells },
      cancelled(1)
    ]);
    expect(run.phase).toBe('stopped');
    expect(run.steps.map(s => s.state)).toEqual(['done', 'stopped', 'waiting']);
    expect(insertableCells(run)).toEqual(one.cells);
    expect(runStatusText(run)).toBe('Stopped: the 1 step that worked is kept.');
  });

  it('says so when a run is stopped before any step worked', () => {
    const run = play(goRun('r1', 'task', PLAN), [
      planLine,
      { type: 'step', step: 1, text: PLAN[0] },
      delta(1, 0, 0, 'a ='),
      cancelled(0)
    ]);
    expect(run.steps.map(s => s.state)).toEqual([
      'stopped',
      'waiting',
      'waiting'
    ]);
    expect(insertableCells(run)).toEqual([]);
    expect(runStatusText(run)).toBe('Stopped before a step worked.');
  });

  it('says why a step could not be done', () => {
    const run = play(goRun('r1', 'task', PLAN), [
      planLine,
      { type: 'step', step: 1, text: PLAN[0] },
      delta(1, 0, 0, 'x'),
      {
        type: 'done',
        status: 'failed',
        steps_done: 0,
        failed_step: 1,
        reason: 'Step 1 could not be done: every candidate failed.'
      }
    ]);
    expect(run.phase).toBe('failed');
    expect(run.steps[0].state).toBe('failed');
    expect(runStatusText(run)).toBe(
      'Step 1 could not be done: every candidate failed.'
    );
  });

  it('shows a server error and fails the step under way', () => {
    const run = play(goRun('r1', 'task', PLAN), [
      { type: 'step', step: 1, text: PLAN[0] },
      { type: 'error', kind: 'backend', message: 'The model server is down.' }
    ]);
    expect(run.phase).toBe('error');
    expect(run.error).toEqual({
      kind: 'backend',
      message: 'The model server is down.'
    });
    expect(run.steps[0].state).toBe('failed');
  });

  it('replaces the steps after a revision, keeping the ones before', () => {
    const one = accepted(1, 'a = 1');
    const run = play(goRun('r1', 'task', PLAN), [
      planLine,
      observed(one),
      {
        type: 'plan',
        steps: [PLAN[0], 'Average per class and per sex.'],
        revision: 1,
        after: 1,
        reason: 'revised after step 1',
        given: false
      }
    ]);
    expect(run.steps.map(s => [s.number, s.text, s.state])).toEqual([
      [1, PLAN[0], 'done'],
      [2, 'Average per class and per sex.', 'waiting']
    ]);
    expect(run.phase).toBe('working');
  });

  it('shows a step the plan did not list', () => {
    const run = play(goRun('r1', 'task', ['Only step.']), [
      { type: 'step', step: 2, text: 'An extra step.' }
    ]);
    expect(run.steps.map(s => s.text)).toEqual([
      'Only step.',
      'An extra step.'
    ]);
    expect(run.steps[1].state).toBe('trying');
  });

  it('ignores lines it does not change on', () => {
    const run = goRun('r1', 'task', PLAN);
    expect(
      applyAgentLine(run, {
        type: 'loading',
        stage: 'load',
        message: 'Loading',
        fraction: 0.5
      })
    ).toEqual(run);
  });
});

describe('taking a run further', () => {
  const one = accepted(1, 'a = 1');
  const stopped = play(goRun('r1', 'task', PLAN), [
    planLine,
    observed(one),
    { type: 'step', step: 2, text: PLAN[1] },
    {
      type: 'done',
      status: 'cancelled',
      steps_done: 1,
      failed_step: null,
      reason: null
    }
  ]);

  it('retries from a step with the worked steps before it kept, and the edited text', () => {
    const edited = withStepText(stopped, 2, 'Average per class, carefully.');
    expect(retryFrom(edited, 2)).toEqual({
      plan: [PLAN[0], 'Average per class, carefully.', PLAN[2]],
      kept: [one]
    });
    expect(retryFrom(edited, 1)).toEqual({
      plan: [PLAN[0], 'Average per class, carefully.', PLAN[2]],
      kept: []
    });
    // Not from step 3: step 2 before it did not work.
    expect(retryFrom(edited, 3)).toBeNull();
  });

  it('starts a retry with the kept steps done and the rest waiting', () => {
    const run = goRun('r1', 'task', PLAN, [one]);
    expect(run.steps.map(s => s.state)).toEqual(['done', 'waiting', 'waiting']);
    expect(run.steps[0].accepted).toBe(one);
  });

  it('tells whether the kernel ran code since the scratch copy was made', () => {
    const run = applyAgentLine(
      goRun('r1', 'task', PLAN),
      { type: 'scratch', state: 'ready', pid: 1 },
      3
    );
    expect(stateChanged(run, 3)).toBe(false);
    expect(stateChanged(run, 4)).toBe(true);
    expect(stateChanged(goRun('r2', 'task', PLAN), 9)).toBe(false);
  });

  it('keeps a run in the notebook like a turn: worked code, explanations, insertion', () => {
    const when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(agentRecord(stopped, when)).toEqual({
      intent: 'task',
      code: 'a = 1',
      explanation: '1. Explained 1.',
      time: '2026-01-02T03:04:05+00:00',
      request_id: 'r1',
      inserted: false,
      outcome: 'stopped'
    });
    const inserted = agentRecord({ ...stopped, inserted: true }, when);
    expect(inserted.inserted).toBe(true);
    expect(inserted.inserted_code).toBe('a = 1');
    expect(inserted.undone).toBe(false);
    // Its cells gone again: stored as undone, so that the next prompt does not build on it.
    expect(agentRecord(stopped, when, inserted).undone).toBe(true);
    const nothing = agentRecord(
      play(goRun('r3', 'task', PLAN), [
        {
          type: 'done',
          status: 'failed',
          steps_done: 0,
          failed_step: 1,
          reason: 'no'
        }
      ]),
      when
    );
    expect(nothing.outcome).toBe('failed');
    expect(nothing.code).toBe('');
  });
});
