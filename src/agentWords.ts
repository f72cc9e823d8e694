/**
 * What an agent run and its steps say in words: the run's status line (also the screen
 * reader's live region), each step's state, an observation's value in a few words.
 */
import type { IObservation } from './agentProtocol';
import { IAgentRun, ITimelineStep, workedSteps } from './agentRun';

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
      return `Done: ${steps(workedSteps(run).length)} ran on a scratch copy of your kernel.`;
    case 'stopped': {
      const worked = workedSteps(run).length;
      return worked === 0
        ? 'Stopped before a step worked.'
        : `Stopped: the ${steps(worked)} that worked ${worked === 1 ? 'is' : 'are'} kept.`;
    }
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
    case 'stopped':
      return 'stopped';
  }
}

/** "1 step", "3 steps". */
function steps(count: number): string {
  return `${count} step${count === 1 ? '' : 's'}`;
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
