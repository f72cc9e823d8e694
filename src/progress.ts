/**
 * What a request in flight is doing, in a few words: for the status bar, which shows it
 * when the sidebar is closed (Solve this markdown cell).
 */
import { IChatTurn } from './conversation';
import { LoadingProgress } from './protocol';

/**
 * What a turn in flight is doing, in a few words.
 */
export function progressOf(
  turn: IChatTurn,
  loading: LoadingProgress | null
): string {
  if (loading !== null) {
    const percent =
      loading.fraction !== null
        ? ` (${Math.round(loading.fraction * 100)}%)`
        : '';
    return `${loading.message}${percent}`;
  }
  if (turn.checking !== null) {
    return `Checking ${turn.checking} answer${turn.checking > 1 ? 's' : ''} on a copy of your variables…`;
  }
  const steps = Math.max(0, ...turn.candidates.map(c => c.steps.length));
  if (turn.candidates.length === 0) {
    return 'Thinking…';
  }
  return steps > 0
    ? `Writing the answer (step ${steps})…`
    : 'Writing the answer…';
}
