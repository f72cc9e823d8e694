import type {
  IInlineCompletionContext,
  IInlineCompletionItem
} from '@jupyterlab/completer';
import type { Widget } from '@lumino/widgets';

import {
  asCompleteLine,
  completeRequest,
  CompleteLine,
  DEFAULT_COMPLETION_SETTINGS,
  ICompleteRequest,
  INotebookPlace,
  readCompletionSettings,
  SuggestionRun
} from '../completionLogic';
import { ICompleteClient, PachincoInlineProvider } from '../completionProvider';

const PLACE: INotebookPlace = {
  cellsAbove: [{ cell_type: 'code', source: 'import pandas as pd' }],
  kernelId: 'k1',
  notebookPath: 'a.ipynb'
};

describe('readCompletionSettings', () => {
  it('reads valid values and falls back to defaults for the others', () => {
    const values: Record<string, unknown> = {
      enabled: false,
      debounceMs: 120,
      maxChars: 50
    };
    expect(readCompletionSettings(key => values[key])).toEqual({
      enabled: false,
      debounceMs: 120,
      maxChars: 50
    });
    const bad: Record<string, unknown> = {
      debounceMs: -1,
      maxChars: 2.5
    };
    expect(readCompletionSettings(key => bad[key])).toEqual(
      DEFAULT_COMPLETION_SETTINGS
    );
  });
});

describe('completeRequest', () => {
  it('splits the cell at the cursor and sends the place and the length limit', () => {
    const body = completeRequest(
      'r1',
      'df.groupby("")',
      12,
      PLACE,
      DEFAULT_COMPLETION_SETTINGS
    );
    expect(body).toEqual({
      request_id: 'r1',
      prefix: 'df.groupby("',
      suffix: '")',
      cells: PLACE.cellsAbove,
      kernel_id: 'k1',
      notebook_path: 'a.ipynb',
      options: { max_chars: 400 }
    });
    expect(
      completeRequest('r', 'ab', 99, PLACE, DEFAULT_COMPLETION_SETTINGS).prefix
    ).toBe('ab');
  });
});

describe('asCompleteLine', () => {
  it('keeps known lines and ignores others', () => {
    expect(asCompleteLine({ type: 'suggestion', text: 'a' })).toEqual({
      type: 'suggestion',
      text: 'a'
    });
    expect(asCompleteLine({ type: 'error', message: 'm' })).not.toBeNull();
    expect(asCompleteLine({ type: 'suggestion' })).toBeNull();
    expect(asCompleteLine({ type: 'future', text: 'a' })).toBeNull();
    expect(asCompleteLine(null)).toBeNull();
  });
});

describe('SuggestionRun', () => {
  it('gives the first text as soon as it arrives, then each change, then the end', async () => {
    const run = new SuggestionRun('r');
    const first = run.first();
    run.take({ type: 'suggestion', text: 'pcl' });
    expect(await first).toBe('pcl');
    const change = run.changed('pcl');
    run.take({ type: 'suggestion', text: 'pclass' });
    await change;
    expect(run.text).toBe('pclass');
    run.take({
      type: 'done',
      text: 'pclass',
      finish_reason: 'stop',
      frames: []
    });
    expect(run.finished).toBe(true);
    run.take({ type: 'suggestion', text: 'late' });
    expect(run.text).toBe('pclass');
  });

  it('has no first text when it ends empty or fails', async () => {
    const empty = new SuggestionRun('a');
    const first = empty.first();
    empty.take({ type: 'done', text: '', finish_reason: 'stop', frames: [] });
    expect(await first).toBeNull();
    const failed = new SuggestionRun('b');
    failed.take({ type: 'error', message: 'no model' });
    expect(await failed.first()).toBeNull();
    expect(failed.error).toBe('no model');
  });
});

/** A client whose streams the test drives line by line. */
class ScriptedClient implements ICompleteClient {
  requests: ICompleteRequest[] = [];
  cancelled: string[] = [];
  signals: AbortSignal[] = [];
  private _senders: Array<(line: CompleteLine | null) => void> = [];

  complete(
    request: ICompleteRequest,
    onLine: (line: CompleteLine) => void,
    signal: AbortSignal
  ): Promise<void> {
    this.requests.push(request);
    this.signals.push(signal);
    return new Promise((resolve, reject) => {
      signal.addEventListener('abort', () => reject(new Error('aborted')));
      this._senders.push(line => (line === null ? resolve() : onLine(line)));
    });
  }

  async cancel(requestId: string): Promise<void> {
    this.cancelled.push(requestId);
  }

  send(index: number, line: CompleteLine | null): void {
    this._senders[index](line);
  }

  async sent(count: number): Promise<void> {
    while (this.requests.length < count) {
      await new Promise(resolve => setTimeout(resolve, 1));
    }
  }
}

function provider(
  client: ScriptedClient,
  place: INotebookPlace | null = PLACE
) {
  let ids = 0;
  const made = new PachincoInlineProvider({
    client,
    placeOf: () => place,
    newId: () => `r${++ids}`
  });
  made.settings = { enabled: true, debounceMs: 5, maxChars: 400 };
  return made;
}

const CONTEXT = {
  widget: {} as Widget,
  triggerKind: 1
} as IInlineCompletionContext;
const REQUEST = { text: 'df.groupby("', offset: 12 };

describe('PachincoInlineProvider', () => {
  it('answers with the first words and streams the rest', async () => {
    const client = new ScriptedClient();
    const made = provider(client);
    const fetched = made.fetch(REQUEST, CONTEXT);
    await client.sent(1);
    expect(client.requests[0].prefix).toBe('df.groupby("');
    client.send(0, { type: 'suggestion', text: 'pcl' });
    const list = await fetched;
    expect(list.items).toEqual([
      { insertText: 'pcl', isIncomplete: true, token: 'r1' }
    ]);
    const updates: IInlineCompletionItem[] = [];
    const streaming = (async () => {
      for await (const update of made.stream('r1')) {
        updates.push(update.response);
      }
    })();
    client.send(0, { type: 'suggestion', text: 'pclass' });
    await new Promise(resolve => setTimeout(resolve, 1));
    client.send(0, {
      type: 'done',
      text: 'pclass',
      finish_reason: 'stop',
      frames: ['df']
    });
    await streaming;
    expect(updates.map(u => u.insertText)).toEqual(['pclass', 'pclass']);
    expect(updates[updates.length - 1].isIncomplete).toBe(false);
  });

  it('stops the suggestion in flight on the next keystroke, here and on the server', async () => {
    const client = new ScriptedClient();
    const made = provider(client);
    const first = made.fetch(REQUEST, CONTEXT);
    await client.sent(1);
    const second = made.fetch({ text: 'df.groupby("p', offset: 13 }, CONTEXT);
    expect(client.signals[0].aborted).toBe(true);
    expect(client.cancelled).toEqual(['r1']);
    expect((await first).items).toEqual([]);
    await client.sent(2);
    client.send(1, {
      type: 'done',
      text: 'class',
      finish_reason: 'stop',
      frames: []
    });
    expect((await second).items[0].insertText).toBe('class');
  });

  it('asks nothing while typing goes on within the pause', async () => {
    const client = new ScriptedClient();
    const made = provider(client);
    made.settings = { enabled: true, debounceMs: 50, maxChars: 400 };
    const first = made.fetch(REQUEST, CONTEXT);
    const second = made.fetch({ text: 'df.groupby("p', offset: 13 }, CONTEXT);
    expect((await first).items).toEqual([]);
    await client.sent(1);
    expect(client.requests.map(r => r.prefix)).toEqual(['df.groupby("p']);
    client.send(0, null);
    expect((await second).items).toEqual([]);
    expect(client.cancelled).toEqual([]);
  });

  it('asks nothing when switched off or outside a notebook code cell', async () => {
    const client = new ScriptedClient();
    const off = provider(client);
    off.settings = { ...DEFAULT_COMPLETION_SETTINGS, enabled: false };
    expect((await off.fetch(REQUEST, CONTEXT)).items).toEqual([]);
    expect(
      (await provider(client, null).fetch(REQUEST, CONTEXT)).items
    ).toEqual([]);
    expect(client.requests).toEqual([]);
  });
});
