import type {
  CompletionHandler,
  IInlineCompletionContext,
  IInlineCompletionItem,
  IInlineCompletionList,
  IInlineCompletionProvider
} from '@jupyterlab/completer';
import type { Widget } from '@lumino/widgets';

import {
  completeRequest,
  CompleteLine,
  DEFAULT_COMPLETION_SETTINGS,
  ICompleteRequest,
  ICompletionSettings,
  INotebookPlace,
  pause,
  SuggestionRun
} from './completionLogic';

/**
 * Talks to `POST /pachinco/complete` and its cancel; injected, so tests can use a fake.
 */
export interface ICompleteClient {
  /** Send the request and call `onLine` for every line until the stream ends. */
  complete(
    request: ICompleteRequest,
    onLine: (line: CompleteLine) => void,
    signal: AbortSignal
  ): Promise<void>;
  /** Ask the server to stop the completion `requestId`. */
  cancel(requestId: string): Promise<void>;
}

/**
 * What the provider needs from JupyterLab.
 */
export interface IProviderOptions {
  client: ICompleteClient;
  /** Where the cursor of `widget` is; null when it is not a code cell of a notebook. */
  placeOf: (widget: Widget) => INotebookPlace | null;
  newId: () => string;
}

const NO_ITEMS: IInlineCompletionList = { items: [] };

/**
 * Ghost-text suggestions from the Pachinco server, which knows the kernel's DataFrames.
 *
 * Each call of `fetch` (a keystroke) stops the suggestion in flight, in the browser (the
 * request is aborted) and on the server (`/complete/cancel`), then waits for typing to pause
 * (`debounceMs`) before it asks. It answers with the first words as soon as they arrive;
 * `stream` brings the rest. Accepting (Tab), dismissing (Escape) and cycling are JupyterLab's.
 */
export class PachincoInlineProvider implements IInlineCompletionProvider {
  readonly name = 'Pachinco';
  readonly identifier = 'jupyter-pachinco:inline';
  // Our own debounce (a setting of ours), so JupyterLab's is off; suggestions may fill in the
  // middle of a line, and the first words may take a while on a CPU.
  readonly schema = {
    default: { debouncerDelay: 0, autoFillInMiddle: true, timeout: 15000 }
  };

  constructor(private readonly _options: IProviderOptions) {}

  /** The current settings. */
  get settings(): ICompletionSettings {
    return this._settings;
  }

  set settings(value: ICompletionSettings) {
    this._settings = value;
    if (!value.enabled) {
      this.stop();
    }
  }

  async fetch(
    request: CompletionHandler.IRequest,
    context: IInlineCompletionContext
  ): Promise<IInlineCompletionList> {
    this.stop();
    if (!this._settings.enabled) {
      return NO_ITEMS;
    }
    const place = this._options.placeOf(context.widget);
    if (place === null) {
      return NO_ITEMS;
    }
    const controller = new AbortController();
    this._controller = controller;
    if (!(await pause(this._settings.debounceMs, controller.signal))) {
      return NO_ITEMS;
    }
    const run = this._start(request, place, controller);
    const first = await run.first();
    if (first === null || controller.signal.aborted) {
      return NO_ITEMS;
    }
    const item: IInlineCompletionItem = {
      insertText: first,
      isIncomplete: !run.finished,
      token: run.id
    };
    return { items: [item] };
  }

  async *stream(
    token: string
  ): AsyncGenerator<{ response: IInlineCompletionItem }, undefined, unknown> {
    const run = this._runs.get(token);
    if (run === undefined) {
      return;
    }
    let seen = run.text;
    while (!run.finished) {
      await run.changed(seen);
      seen = run.text;
      yield { response: { insertText: seen, isIncomplete: !run.finished } };
    }
    this._runs.delete(token);
  }

  /** Stop the suggestion in flight, here and on the server. */
  stop(): void {
    const controller = this._controller;
    this._controller = null;
    if (controller === null || controller.signal.aborted) {
      return;
    }
    controller.abort();
    for (const run of this._runs.values()) {
      if (!run.finished) {
        run.stop();
        this._options.client.cancel(run.id).catch(() => {
          // The stream is gone already: nothing to stop.
        });
      }
    }
    this._runs.clear();
  }

  private _start(
    request: CompletionHandler.IRequest,
    place: INotebookPlace,
    controller: AbortController
  ): SuggestionRun {
    const run = new SuggestionRun(this._options.newId());
    this._runs.set(run.id, run);
    const body = completeRequest(
      run.id,
      request.text,
      request.offset,
      place,
      this._settings
    );
    this._options.client
      .complete(body, line => run.take(line), controller.signal)
      .then(
        () => run.stop(),
        (error: unknown) => run.stop(errorText(error))
      );
    return run;
  }

  private _settings: ICompletionSettings = DEFAULT_COMPLETION_SETTINGS;
  private _controller: AbortController | null = null;
  private _runs = new Map<string, SuggestionRun>();
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
