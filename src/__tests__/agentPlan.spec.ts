/**
 * The plan as the user changes it (`agentPlan.ts`): the plan editor's edits, and the limits
 * a plan and a retry must keep. Pure functions, no DOM.
 */
import { MAX_PLAN_STEPS, MAX_STEP_CHARS } from '../agentProtocol';
import {
  addStep,
  cleanPlan,
  deleteStep,
  editStep,
  moveStep,
  planProblem,
  retryProblem,
  withStepText
} from '../agentPlan';
import { goRun } from '../agentRun';

const PLAN = ['Divide the fare.', 'Average per class.', 'Sort.'];

describe('the plan editor', () => {
  it('edits, deletes, moves and adds steps without changing its input', () => {
    const plan = [...PLAN];
    expect(editStep(plan, 1, 'Median per class.')).toEqual([
      PLAN[0],
      'Median per class.',
      PLAN[2]
    ]);
    expect(deleteStep(plan, 2)).toEqual(PLAN.slice(0, 2));
    expect(moveStep(plan, 2, -1)).toEqual([PLAN[0], PLAN[2], PLAN[1]]);
    expect(moveStep(plan, 0, 1)).toEqual([PLAN[1], PLAN[0], PLAN[2]]);
    // Past either end: unchanged.
    expect(moveStep(plan, 0, -1)).toEqual(PLAN);
    expect(moveStep(plan, 2, 1)).toEqual(PLAN);
    expect(addStep(plan, 0)).toEqual([PLAN[0], '', PLAN[1], PLAN[2]]);
    expect(addStep(plan, -1)).toEqual(['', ...PLAN]);
    expect(plan).toEqual(PLAN);
  });

  it("says why a plan cannot go, in the editor's numbering", () => {
    expect(planProblem(PLAN)).toBeNull();
    expect(planProblem(['', '  '])).toBe('The plan has no steps: add one.');
    const long = 'x'.repeat(MAX_STEP_CHARS + 1);
    expect(planProblem(['', PLAN[0], long])).toBe(
      `Step 3 has ${MAX_STEP_CHARS + 1} characters: a step has at most ${MAX_STEP_CHARS}.`
    );
    // Spaces around a step are not sent, so they do not count.
    expect(planProblem([` ${'x'.repeat(MAX_STEP_CHARS)} `])).toBeNull();
    const many = Array.from(
      { length: MAX_PLAN_STEPS + 2 },
      (_, i) => `Step ${i}.`
    );
    expect(planProblem(many)).toBe(
      `A plan has at most ${MAX_PLAN_STEPS} steps: delete 2.`
    );
    expect(planProblem(many.slice(0, MAX_PLAN_STEPS))).toBeNull();
  });

  it('sends the steps trimmed, empty ones left out', () => {
    expect(cleanPlan(['  Divide. ', '', '   ', 'Sort.'])).toEqual([
      'Divide.',
      'Sort.'
    ]);
  });
});
describe('a retry', () => {
  it('needs a text for the step it starts from, and a plan the server takes', () => {
    const run = goRun('r1', 'task', PLAN);
    expect(retryProblem(run, 2)).toBeNull();
    expect(retryProblem(withStepText(run, 2, '  '), 2)).toBe(
      'Step 2 has no text.'
    );
    const long = 'x'.repeat(MAX_STEP_CHARS + 1);
    expect(retryProblem(withStepText(run, 3, long), 2)).toBe(
      `Step 3 has ${MAX_STEP_CHARS + 1} characters: a step has at most ${MAX_STEP_CHARS}.`
    );
  });
});
