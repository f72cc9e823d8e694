/**
 * The plan of an agent run as the user changes it: the plan editor's edits before *Go* (on a
 * list of step texts), and *Retry from here* after a stop or a failure. Pure functions: each
 * returns a new value and leaves its input unchanged.
 */
import {
  type IAcceptedStep,
  MAX_PLAN_STEPS,
  MAX_STEP_CHARS
} from './agentProtocol';
import type { IAgentRun } from './agentRun';

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
 * Why `plan` cannot be sent as it stands, in words for the user (steps numbered from 1, as
 * the plan editor shows them); null when it can. The server's limits: at least one step, at
 * most MAX_PLAN_STEPS, each at most MAX_STEP_CHARS characters.
 */
export function planProblem(plan: string[]): string | null {
  const steps = plan.map(step => step.trim());
  const kept = steps.filter(step => step.length > 0);
  if (kept.length === 0) {
    return 'The plan has no steps: add one.';
  }
  if (kept.length > MAX_PLAN_STEPS) {
    return `A plan has at most ${MAX_PLAN_STEPS} steps: delete ${kept.length - MAX_PLAN_STEPS}.`;
  }
  const long = steps.findIndex(step => step.length > MAX_STEP_CHARS);
  if (long >= 0) {
    return `Step ${long + 1} has ${steps[long].length} characters: a step has at most ${MAX_STEP_CHARS}.`;
  }
  return null;
}

/**
 * Why *Retry from here* at step `number` (1-based) cannot go, in words for the user; null when
 * it can: the step needs a text (an empty one would shift the steps after it), and the plan
 * as edited must be one the server takes (planProblem).
 */
export function retryProblem(run: IAgentRun, number: number): string | null {
  const step = run.steps.find(s => s.number === number);
  if (step !== undefined && step.text.trim().length === 0) {
    return `Step ${number} has no text.`;
  }
  return planProblem(run.steps.map(s => s.text));
}
