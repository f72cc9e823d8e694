import { GenerateEvent } from './protocol';

const EVENT_TYPES = new Set([
  'context',
  'loading',
  'delta',
  'reasoning',
  'steps',
  'answer',
  'ranking_started',
  'ranking',
  'done',
  'error'
]);

/**
 * Splits a stream of text chunks into JSON lines; a line may arrive in pieces.
 */
export class NdjsonDecoder {
  /**
   * The complete lines in `chunk` (with what was left over before), parsed.
   */
  push(chunk: string): unknown[] {
    this._pending += chunk;
    const lines = this._pending.split('\n');
    this._pending = lines.pop() ?? '';
    return lines.filter(line => line.trim().length > 0).map(parseLine);
  }

  /**
   * The last line when the stream ends without a newline.
   */
  finish(): unknown[] {
    const rest = this._pending;
    this._pending = '';
    return rest.trim().length > 0 ? [parseLine(rest)] : [];
  }

  private _pending = '';
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(
      `The server sent a line that is not JSON: ${line.slice(0, 80)}`
    );
  }
}

/**
 * A generate event, or null for an object this client does not know (newer server).
 */
export function asGenerateEvent(value: unknown): GenerateEvent | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !EVENT_TYPES.has(type)) {
    return null;
  }
  return value as GenerateEvent;
}
