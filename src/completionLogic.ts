/**
 * The parts of inline completion that need no JupyterLab: settings, the request body, the
 * stream lines of `POST /pachinco/complete`, and `SuggestionRun`, one suggestion as it grows.
 */

/**
 * The user's inline completion settings (settings editor → Pachinco inline completions).
 */
export interface ICompletionSettings {
  /** Whether ghost text is suggested at all. */
  enabled: boolean;
  /** How long typing must pause before a suggestion is asked for, in milliseconds. */
  debounceMs: number;
  /** The longest suggestion, in characters. */
  maxChars: number;
}

export const DEFAULT_COMPLETION_SETTINGS: ICompletionSettings = {
  enabled: true,
  debounceMs: 300,
  maxChars: 400
};

const MAX_DEBOUNCE_MS = 5000;
const MAX_SUGGESTION_CHARS = 2000;

/**
 * Settings from the setting registry's values; out-of-range values fall back to defaults.
 */
export function readCompletionSettings(
  get: (key: string) => unknown
): ICompletionSettings {
  const debounce = Number(get('debounceMs'));
  const maxChars = Number(get('maxChars'));
  return {
    enabled: get('enabled') !== false,
    debounceMs:
      Number.isFinite(debounce) && debounce >= 0 && debounce <= MAX_DEBOUNCE_MS
        ? debounce
        : DEFAULT_COMPLETION_SETTINGS.debounceMs,
    maxChars:
      Number.isInteger(maxChars) &&
      maxChars >= 1 &&
      maxChars <= MAX_SUGGESTION_CHARS
        ? maxChars
        : DEFAULT_COMPLETION_SETTINGS.maxChars
  };
}

/**
 * A cell above the active one, as the server reads it.
 */
export interface ICellSource {
  cell_type: 'code' | 'markdown' | 'raw';
  source: string;
}

/**
 * Where the cursor is: the cells above the active cell, the notebook's kernel and path.
 */
export interface INotebookPlace {
  cellsAbove: ICellSource[];
  kernelId: string | null;
  notebookPath: string | null;
}

/**
 * The body of `POST /pachinco/complete` (see the server's OpenAPI description).
 */
export interface ICompleteRequest {
  request_id: string;
  prefix: string;
  suffix: string;
  cells: ICellSource[];
  kernel_id: string | null;
  notebook_path: string | null;
  options: { max_chars: number };
}

/**
 * The request for a cursor at `offset` in the active cell's `text`.
 */
export function completeRequest(
  requestId: string,
  text: string,
  offset: number,
  place: INotebookPlace,
  settings: ICompletionSettings
): ICompleteRequest {
  const at = Math.max(0, Math.min(offset, text.length));
  return {
    request_id: requestId,
    prefix: text.slice(0, at),
    suffix: text.slice(at),
    cells: place.cellsAbove,
    kernel_id: place.kernelId,
    notebook_path: place.notebookPath,
    options: { max_chars: settings.maxChars }
  };
}

/**
 * One line of the completion stream.
 */
export type CompleteLine =
  | { type: 'suggestion'; text: string }
  | { type: 'done'; text: string; finish_reason: string; frames: string[] }
  | { type: 'error'; message: string };

/**
 * A completion line, or null for anything this client does not know.
 */
export function asCompleteLine(value: unknown): CompleteLine | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const line = value as { type?: unknown; text?: unknown; message?: unknown };
  if (
    (line.type === 'suggestion' || line.type === 'done') &&
    typeof line.text === 'string'
  ) {
    return value as CompleteLine;
  }
  if (line.type === 'error' && typeof line.message === 'string') {
    return value as CompleteLine;
  }
  return null;
}

/**
 * One suggestion as it streams in: the latest text, whether it is final, and a way to wait
 * for the next change. Fed by the stream's lines, read by the provider.
 */
export class SuggestionRun {
  constructor(readonly id: string) {}

  /** The whole suggestion so far (post-processed by the server). */
  get text(): string {
    return this._text;
  }

  /** Whether no more text will come (done, failed or stopped). */
  get finished(): boolean {
    return this._finished;
  }

  /** The server's error message, if the suggestion failed. */
  get error(): string | null {
    return this._error;
  }

  /** Take one stream line. */
  take(line: CompleteLine): void {
    if (this._finished) {
      return;
    }
    if (line.type === 'error') {
      this._error = line.message;
      this._finish();
      return;
    }
    this._text = line.text;
    if (line.type === 'done') {
      this._finish();
    } else {
      this._wakeUp();
    }
  }

  /** The stream ended, was aborted or failed: no more text. */
  stop(error: string | null = null): void {
    if (!this._finished) {
      this._error = error;
      this._finish();
    }
  }

  /** Resolves once the text differs from `seen` or the run has finished. */
  async changed(seen: string): Promise<void> {
    while (!this._finished && this._text === seen) {
      await new Promise<void>(resolve => this._waiters.push(resolve));
    }
  }

  /** Resolves with the first non-empty text, or null when the run ends without one. */
  async first(): Promise<string | null> {
    await this.changed('');
    return this._text.length > 0 ? this._text : null;
  }

  private _finish(): void {
    this._finished = true;
    this._wakeUp();
  }

  private _wakeUp(): void {
    const waiters = this._waiters;
    this._waiters = [];
    waiters.forEach(resolve => resolve());
  }

  private _text = '';
  private _finished = false;
  private _error: string | null = null;
  private _waiters: Array<() => void> = [];
}

/**
 * Resolves after `ms` milliseconds, or at once when `signal` aborts (then with false).
 */
export function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise(resolve => {
    if (signal.aborted) {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => resolve(true), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
