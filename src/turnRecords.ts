/**
 * Every turn kept, as plain data: the entry a turn leaves in the notebook when it ends
 * (asked, answered or not, not inserted), when its answer is inserted (with what went in),
 * and when that insertion is undone or redone (the cells tagged with its request id are
 * gone, or back). One entry per request: `withStoredTurn` replaces it by `request_id`.
 */
import {
  explanationOf,
  IChatTurn,
  storedTurnOf,
  utcTime
} from './conversation';
import {
  ICandidate,
  IInsertionCell,
  IStoredTurn,
  TurnOutcome
} from './protocol';
import { IAgentRun, insertableCells, workedSteps } from './agentRun';
import { rankedOrder } from './ranking';

/**
 * The answer a turn shows first (the ranked choice, else the first), preferring one with
 * code; null when it has none.
 */
export function shownCandidate(turn: IChatTurn): ICandidate | null {
  const answers = rankedOrder(turn)
    .map(index => turn.candidates[index]?.answer ?? null)
    .filter(answer => answer !== null);
  const withCode = answers.find(answer =>
    hasCode(answer.cells, answer.has_code)
  );
  return (withCode ?? answers[0])?.candidate ?? null;
}

function hasCode(cells: IInsertionCell[], flag: boolean | undefined): boolean {
  return flag !== false && cells.some(cell => cell.cell_type === 'code');
}

export function outcomeOf(turn: IChatTurn): TurnOutcome {
  if (turn.phase === 'stopped') {
    return 'stopped';
  }
  if (turn.phase === 'error') {
    return 'failed';
  }
  const insertable = turn.candidates.some(
    c => c.answer !== null && hasCode(c.answer.cells, c.answer.has_code)
  );
  return insertable ? 'answered' : 'no code';
}

/**
 * The entry of a turn that has just ended: nothing of it is in the notebook yet.
 */
export function endedRecord(turn: IChatTurn, when: Date): IStoredTurn {
  return storedTurnOf(
    turn.requestId,
    turn.intent,
    shownCandidate(turn),
    when,
    outcomeOf(turn)
  );
}

/**
 * The entry once `candidate` of the turn went into the notebook as `cells`.
 */
export function insertedRecord(
  turn: IChatTurn,
  candidate: ICandidate,
  cells: IInsertionCell[],
  when: Date
): IStoredTurn {
  const base = turn.stored ?? endedRecord(turn, when);
  return {
    ...base,
    request_id: turn.requestId,
    code: candidate.code,
    explanation: explanationOf(candidate),
    time: utcTime(when),
    outcome: 'answered',
    inserted: true,
    inserted_code: cells
      .filter(cell => cell.cell_type === 'code')
      .map(cell => cell.source)
      .join('\n\n'),
    undone: false
  };
}

/**
 * The entry after the notebook changed: its insertion undone when no cell tagged with its
 * request id is left, redone when they are back; null when nothing changed (or the entry is
 * an old one, written before insertions were tracked).
 */
export function reconciledRecord(
  stored: IStoredTurn,
  present: boolean
): IStoredTurn | null {
  if (stored.request_id === undefined || stored.inserted === undefined) {
    return null;
  }
  if (stored.inserted && !present) {
    return { ...stored, inserted: false, undone: true };
  }
  if (!stored.inserted && stored.undone === true && present) {
    return { ...stored, inserted: true, undone: false };
  }
  return null;
}

/**
 * What the sidebar says about a kept turn, in a few words.
 */
export function turnStateText(stored: IStoredTurn): string {
  if (stored.inserted !== false) {
    return 'Inserted into the notebook.';
  }
  if (stored.undone) {
    return 'Insertion undone: not in the notebook, and later questions do not build on it.';
  }
  switch (stored.outcome) {
    case 'no code':
      return 'No code in the answer: nothing to insert.';
    case 'failed':
      return 'Failed.';
    case 'stopped':
      return 'Stopped.';
    default:
      return 'Not inserted.';
  }
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
