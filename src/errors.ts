/**
 * Failures of a request, in words a person can act on.
 */
import { IChatTurn } from './conversation';

/**
 * A turn whose stream ended without `done` or `error`.
 */
export const CUT_SHORT: Pick<IChatTurn, 'phase' | 'error'> = {
  phase: 'error',
  error: {
    kind: 'IncompleteAnswer',
    message:
      "The connection closed before the answer was complete. Try again; if it happens again, look at the Jupyter server's log."
  }
};

/**
 * A message a person can act on, whatever was thrown.
 */
export function describeError(error: unknown): string {
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number') {
    const message = (error as Error).message;
    if (status === 403) {
      return `${message} (403: not allowed). Reload the page to log in again.`;
    }
    if (status === 404) {
      return `${message} (404). Is jupyter_pachinco installed and enabled? Check \`jupyter server extension list\`.`;
    }
    return message;
  }
  const detail = error instanceof Error ? error.message : String(error);
  return `Could not reach the Pachinco server extension (${detail}). Is jupyter_pachinco installed and enabled? Check \`jupyter server extension list\`.`;
}

/**
 * A turn once its stream ended: stopped when the user stopped it (even when the server closed
 * the stream with `done`); cut short when it ended without `done` or `error` (a proxy, a
 * crashed server); otherwise as the stream left it.
 */
export function endedTurn(turn: IChatTurn, stopped: boolean): IChatTurn {
  if (stopped) {
    return { ...turn, phase: 'stopped' };
  }
  return turn.phase === 'streaming' ? { ...turn, ...CUT_SHORT } : turn;
}

/**
 * A turn whose request threw: stopped when the user aborted it, else an error in words.
 */
export function failedTurn(
  turn: IChatTurn,
  aborted: boolean,
  error: unknown
): IChatTurn {
  return aborted
    ? { ...turn, phase: 'stopped' }
    : {
        ...turn,
        phase: 'error',
        error: { kind: 'RequestError', message: describeError(error) }
      };
}
