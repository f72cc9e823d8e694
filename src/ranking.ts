/**
 * The ranked answers of a turn as plain data: which answer is shown, flipping through the
 * alternatives, and what each one's trial run says (as plain text, never HTML).
 */
import { IChatTurn } from './conversation';
import { IRankedCandidate } from './protocol';

/**
 * The candidates' indexes, best first: the ranking's order (the server's choice leads),
 * then any candidate the ranking does not name, in sample order.
 */
export function rankedOrder(turn: IChatTurn): number[] {
  const present = turn.candidates.map((_, index) => index);
  if (turn.ranking === null) {
    return present;
  }
  // A copy of an earlier answer's code is not shown again: its original counts it.
  const copies = new Set(
    turn.ranking.candidates
      .filter(c => c.same_as !== null && c.same_as !== undefined)
      .map(c => c.index)
  );
  const ranked = turn.ranking.order.filter(
    (index, at, all) =>
      index in turn.candidates &&
      all.indexOf(index) === at &&
      !copies.has(index)
  );
  return [
    ...ranked,
    ...present.filter(index => !ranked.includes(index) && !copies.has(index))
  ];
}

/**
 * How many answers of the turn have exactly the code of answer `index` (itself included).
 */
export function copiesOf(turn: IChatTurn, index: number): number {
  const copies =
    turn.ranking?.candidates.filter(c => c.same_as === index) ?? [];
  return 1 + copies.length;
}

/**
 * Whether the turn shows one answer at a time with previous/next buttons: once the
 * answers are ranked, or once several answers have finished streaming.
 */
export function showsOneAtATime(turn: IChatTurn): boolean {
  if (turn.ranking !== null) {
    return turn.candidates.length > 0;
  }
  return turn.phase !== 'streaming' && turn.candidates.length > 1;
}

/**
 * The index (in the answer lines) of the answer shown, or null when there is none.
 */
export function shownIndex(turn: IChatTurn): number | null {
  const order = rankedOrder(turn);
  if (order.length === 0) {
    return null;
  }
  return order[clamp(turn.shown, order.length)];
}

/**
 * The turn showing the answer `step` places further in the ranked order (clamped).
 */
export function flipped(turn: IChatTurn, step: number): IChatTurn {
  const count = rankedOrder(turn).length;
  if (count === 0) {
    return turn;
  }
  return { ...turn, shown: clamp(turn.shown + step, count) };
}

/**
 * The trial run of candidate `index`, when the answers were ranked.
 */
export function trialOf(
  turn: IChatTurn,
  index: number
): IRankedCandidate | null {
  return turn.ranking?.candidates.find(c => c.index === index) ?? null;
}

/**
 * What a trial run found, in words: a headline and the text shown under it.
 */
export interface ITrialText {
  headline: string;
  detail: string;
}

export function describeTrial(
  trial: IRankedCandidate,
  total = 1,
  intent: string | null = null
): ITrialText {
  switch (trial.status) {
    case 'ok':
      return {
        headline: fixVerdict(trial, intent) + resultHeadline(trial, total),
        detail: [trial.preview, trial.stdout]
          .filter((part): part is string => !!part && part.trim().length > 0)
          .join('\n')
      };
    case 'no_code':
      return {
        headline:
          'No code: this answer only talks, so there is nothing to run or insert.',
        detail: ''
      };
    case 'not_run':
      return {
        headline: 'Not tried on your variables, because running it would:',
        detail: trial.side_effects.join('\n')
      };
    case 'timeout':
      return {
        headline: 'Ran too long on the copy of your variables:',
        detail: trial.error ?? ''
      };
    default:
      return {
        headline: 'Failed on the copy of your variables:',
        detail: trial.error ?? ''
      };
  }
}

/**
 * For a fix: whether it still does what the failing cell meant, said before its result.
 */
function fixVerdict(trial: IRankedCandidate, intent: string | null): string {
  if (!trial.verdict) {
    return '';
  }
  if (trial.verdict === 'kept') {
    return intent ? `Ran, and still ${intent}. ` : 'Ran. ';
  }
  return `Ran, but ${trial.verdict}${intent ? ` (the cell ${intent})` : ''}. `;
}

function resultHeadline(trial: IRankedCandidate, total: number): string {
  const what =
    trial.type === 'NoneType' ? 'no value' : (trial.type ?? 'a result');
  const shape =
    trial.shape !== null && trial.shape.length > 0
      ? ` of shape (${trial.shape.join(', ')}${trial.shape.length === 1 ? ',' : ''})`
      : '';
  const votes =
    total > 1 ? ` · ${trial.votes} of ${total} give this output` : '';
  return `Gives ${what}${shape}${votes}`;
}

function clamp(position: number, count: number): number {
  return Math.min(Math.max(position, 0), count - 1);
}
