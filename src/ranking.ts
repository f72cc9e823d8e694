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
  const ranked = turn.ranking.order.filter(
    (index, at, all) => index in turn.candidates && all.indexOf(index) === at
  );
  return [...ranked, ...present.filter(index => !ranked.includes(index))];
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

export function describeTrial(trial: IRankedCandidate): ITrialText {
  switch (trial.status) {
    case 'ok':
      return {
        headline: resultHeadline(trial),
        detail: [trial.preview, trial.stdout]
          .filter((part): part is string => !!part && part.trim().length > 0)
          .join('\n')
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
        headline: 'Raised an error on the copy of your variables:',
        detail: trial.error ?? ''
      };
  }
}

function resultHeadline(trial: IRankedCandidate): string {
  const what = trial.type ?? 'a result';
  const shape =
    trial.shape !== null && trial.shape.length > 0
      ? ` of shape (${trial.shape.join(', ')}${trial.shape.length === 1 ? ',' : ''})`
      : '';
  const votes =
    trial.votes > 1 ? ` · ${trial.votes} answers agree` : ' · 1 answer';
  return `Gives ${what}${shape}${votes}`;
}

function clamp(position: number, count: number): number {
  return Math.min(Math.max(position, 0), count - 1);
}
