import { IChatTurn } from '../conversation';
import { IServerStatus } from '../model';
import { GenerateEvent, IInsertionCell } from '../protocol';
import {
  answer,
  done,
  FakeSession,
  makeModel,
  recordStates,
  ScriptedClient,
  status
} from './fakes';

describe('PachincoModel status', () => {
  it('goes from loading to ready with the server status', async () => {
    const model = makeModel(new ScriptedClient([]));
    const seen = recordStates(model);
    await model.refresh();
    expect(seen.map(s => s.kind)).toEqual(['loading', 'ready']);
    expect(model.state).toEqual({ kind: 'ready', status });
  });

  it('turns a failure into an actionable error message', async () => {
    const model = makeModel(new ScriptedClient([]), async () => {
      throw new Error('404 Not Found');
    });
    await model.refresh();
    expect(model.state.kind).toBe('error');
    const message = (model.state as { message: string }).message;
    expect(message).toContain('404 Not Found');
    expect(message).toContain('jupyter server extension list');
  });

  it('keeps only the answer to the latest refresh', async () => {
    const answers: Array<(value: IServerStatus) => void> = [];
    const model = makeModel(
      new ScriptedClient([]),
      () => new Promise<IServerStatus>(resolve => answers.push(resolve))
    );
    const first = model.refresh();
    const second = model.refresh();
    answers[1]({ ...status, version: 'new' });
    answers[0]({ ...status, version: 'old' });
    await Promise.all([first, second]);
    expect(model.state).toEqual({
      kind: 'ready',
      status: { ...status, version: 'new' }
    });
  });

  it('shows the loading progress the status reports', async () => {
    const loading = {
      stage: 'load' as const,
      message: 'Loading',
      fraction: 0.5
    };
    const model = makeModel(new ScriptedClient([]), async () => ({
      ...status,
      model_state: 'loading',
      loading
    }));
    await model.refresh();
    expect(model.loading).toEqual(loading);
  });
});

describe('PachincoModel conversation', () => {
  it('sends the notebook context and the settings with the intent', async () => {
    const client = new ScriptedClient([
      answer,
      { type: 'done', finish_reasons: ['stop'] }
    ]);
    const model = makeModel(client);
    const session = new FakeSession();
    model.setSession(session);
    model.options = {
      n: 2,
      style: 'stepwise',
      layout: 'comments',
      includeOutputs: false,
      temperature: null
    };
    await model.send('  mean price  ');
    expect(client.requests).toEqual([
      {
        request_id: 'req-1',
        intent: 'mean price',
        notebook_path: 'work/analysis.ipynb',
        cells: [{ cell_type: 'code', source: 'df = make()' }],
        active_cell_index: 0,
        kernel_id: 'kernel-1',
        options: {
          n: 2,
          style: 'stepwise',
          layout: 'comments',
          include_outputs: false,
          rank: true
        }
      }
    ]);
  });

  it('follows the stream into a finished turn', async () => {
    const events: GenerateEvent[] = [
      {
        type: 'context',
        variables: 1,
        stale: false,
        notice: null,
        cells_used: 1
      },
      {
        type: 'loading',
        stage: 'load',
        message: 'Loading the model',
        fraction: null
      },
      { type: 'delta', index: 0, text: 'df[' },
      {
        type: 'steps',
        index: 0,
        steps: [{ explanation: 'Average', code: 'df[' }]
      },
      answer,
      { type: 'done', finish_reasons: ['stop'] }
    ];
    const model = makeModel(new ScriptedClient(events));
    model.setSession(new FakeSession());
    const loadings: unknown[] = [];
    model.changed.connect(() => loadings.push(model.loading));
    const turn = (await model.send('mean price')) as IChatTurn;
    expect(turn.phase).toBe('done');
    expect(turn.context?.variables).toBe(1);
    expect(turn.candidates[0].text).toBe('df[');
    expect(turn.candidates[0].answer).toEqual(answer);
    expect(loadings).toContainEqual({
      stage: 'load',
      message: 'Loading the model',
      fraction: null
    });
    expect(model.loading).toBeNull();
    expect(model.busy).toBe(false);
  });

  it('shows a server error in the turn', async () => {
    const model = makeModel(
      new ScriptedClient([
        {
          type: 'error',
          kind: 'BackendUnavailable',
          message: 'Start the model server.'
        }
      ])
    );
    model.setSession(new FakeSession());
    const turn = (await model.send('x')) as IChatTurn;
    expect(turn.phase).toBe('error');
    expect(turn.error).toEqual({
      kind: 'BackendUnavailable',
      message: 'Start the model server.'
    });
  });

  it('says so when the stream ends without done or error', async () => {
    const model = makeModel(
      new ScriptedClient([{ type: 'delta', index: 0, text: 'df' }])
    );
    model.setSession(new FakeSession());
    const turn = (await model.send('x')) as IChatTurn;
    expect(turn.phase).toBe('error');
    expect(turn.error?.message).toContain(
      'closed before the answer was complete'
    );
  });

  it('shows a refused request with what to do', async () => {
    const client = new ScriptedClient([]);
    client.generate = async () => {
      throw Object.assign(new Error('Forbidden'), { status: 403 });
    };
    const model = makeModel(client);
    model.setSession(new FakeSession());
    const turn = (await model.send('x')) as IChatTurn;
    expect(turn.phase).toBe('error');
    expect(turn.error?.message).toContain('Reload the page');
  });

  it('stops: cancels on the server and drops the stream', async () => {
    const client = new ScriptedClient([
      { type: 'delta', index: 0, text: 'df' }
    ]);
    client.hold = new Promise<void>(() => undefined);
    const model = makeModel(client);
    model.setSession(new FakeSession());
    const sending = model.send('slow');
    expect(model.busy).toBe(true);
    await model.stop();
    const turn = (await sending) as IChatTurn;
    expect(client.cancelled).toEqual(['req-1']);
    expect(turn.phase).toBe('stopped');
    expect(model.busy).toBe(false);
  });

  it('stops even when the server ends the stream with done before the cancel returns', async () => {
    // Like the server: a cancel finishes the stream (`done`) while the cancel request is
    // still on its way back.
    class EndsOnCancel extends ScriptedClient {
      private _end: (() => void) | null = null;
      private _onEvent: ((event: GenerateEvent) => void) | null = null;
      async generate(
        request: Parameters<ScriptedClient['generate']>[0],
        onEvent: (event: GenerateEvent) => void
      ): Promise<void> {
        this.requests.push(request);
        this._onEvent = onEvent;
        onEvent({ type: 'delta', index: 0, text: 'df' });
        await new Promise<void>(resolve => (this._end = resolve));
      }
      async cancel(requestId: string): Promise<void> {
        this.cancelled.push(requestId);
        this._onEvent!(done);
        this._end!();
        await new Promise(resolve => setTimeout(resolve, 0));
      }
    }
    const client = new EndsOnCancel([]);
    const model = makeModel(client);
    model.setSession(new FakeSession());
    const sending = model.send('slow');
    await model.stop();
    const turn = (await sending) as IChatTurn;
    expect(client.cancelled).toEqual(['req-1']);
    expect(turn.phase).toBe('stopped');
    expect(turn.candidates[0].text).toBe('df');
    expect(model.busy).toBe(false);
  });

  it('refuses a second request while one runs, and empty intents', async () => {
    const client = new ScriptedClient([]);
    client.hold = new Promise<void>(() => undefined);
    const model = makeModel(client);
    model.setSession(new FakeSession());
    const first = model.send('one');
    expect(await model.send('two')).toBeNull();
    expect(await model.send('   ')).toBeNull();
    await model.stop();
    await first;
    expect(client.requests.map(r => r.intent)).toEqual(['one']);
  });

  it('inserts an answer with its tag and records the turn', async () => {
    const model = makeModel(new ScriptedClient([answer, done]));
    const session = new FakeSession();
    model.setSession(session);
    const turn = (await model.send('mean price')) as IChatTurn;
    await model.insert(turn, 0, 'run');
    expect(session.inserted).toEqual([
      {
        cells: (answer as { cells: IInsertionCell[] }).cells,
        mode: 'run',
        tag: { request_id: 'req-1', intent: 'mean price' },
        below: undefined
      }
    ]);
    expect(session.stored).toEqual([
      {
        intent: 'mean price',
        code: "df['price'].mean()",
        explanation: '1. Average the price.',
        time: '2026-01-02T03:04:05+00:00',
        request_id: 'req-1',
        outcome: 'answered',
        inserted: true,
        inserted_code: "# Step 1: Average the price.\ndf['price'].mean()",
        undone: false
      }
    ]);
    expect(model.turns[0].stored).toEqual(session.stored[0]);
  });

  it('inserts below the given cell for the notebook-native flow', async () => {
    const model = makeModel(new ScriptedClient([answer, done]));
    const session = new FakeSession();
    model.setSession(session);
    await model.send('mean price', {
      cells: [],
      activeCellIndex: null,
      insertBelow: 3
    });
    expect(session.inserted.map(i => [i.mode, i.below])).toEqual([
      ['below', 3]
    ]);
    expect(session.stored).toHaveLength(1);
  });

  it('shows the turns stored in the notebook, per notebook', () => {
    const model = makeModel(new ScriptedClient([]));
    const first = new FakeSession();
    first.stored = [{ intent: 'old', code: 'x', explanation: '', time: 't' }];
    const second = new FakeSession();
    model.setSession(first);
    expect(model.turns.map(t => t.intent)).toEqual(['old']);
    model.setSession(second);
    expect(model.turns).toEqual([]);
    model.setSession(null);
    expect(model.turns).toEqual([]);
  });
});

describe('every turn kept', () => {
  it('keeps a turn that was answered but not inserted', async () => {
    const model = makeModel(new ScriptedClient([answer, done]));
    const session = new FakeSession();
    model.setSession(session);
    await model.send('mean price');
    expect(session.stored).toHaveLength(1);
    expect(session.stored[0]).toMatchObject({
      intent: 'mean price',
      request_id: 'req-1',
      inserted: false,
      outcome: 'answered',
      code: "df['price'].mean()"
    });
  });

  it('keeps a turn whose answer had no code, labelled so', async () => {
    const words: GenerateEvent = {
      type: 'answer',
      index: 0,
      finish_reason: 'stop',
      candidate: { steps: [], code: '', prose: 'Group by city.' },
      has_code: false,
      cells: []
    };
    const model = makeModel(new ScriptedClient([words, done]));
    const session = new FakeSession();
    model.setSession(session);
    await model.send('by city');
    expect(session.stored[0]).toMatchObject({
      outcome: 'no code',
      inserted: false
    });
  });

  it('stores one entry per turn however often it is inserted', async () => {
    const model = makeModel(new ScriptedClient([answer, done]));
    const session = new FakeSession();
    model.setSession(session);
    const turn = (await model.send('mean price')) as IChatTurn;
    await model.insert(turn, 0, 'run');
    await model.insert(model.turns[0], 0, 'replace');
    expect(session.stored).toHaveLength(1);
    expect(session.stored[0].inserted).toBe(true);
  });

  it('marks an undone insertion as not inserted, and a redone one again', async () => {
    const model = makeModel(new ScriptedClient([answer, done]));
    const session = new FakeSession();
    model.setSession(session);
    const turn = (await model.send('mean price')) as IChatTurn;
    session.tagged.add('req-1');
    await model.insert(turn, 0, 'below');
    session.tagged.delete('req-1'); // the user pressed undo
    model.notebookChanged();
    expect(session.stored[0]).toMatchObject({ inserted: false, undone: true });
    expect(model.turns[0].stored?.undone).toBe(true);
    session.tagged.add('req-1'); // and redo
    model.notebookChanged();
    expect(session.stored[0]).toMatchObject({ inserted: true, undone: false });
  });

  it('leaves older entries, written before insertions were tracked, alone', () => {
    const model = makeModel(new ScriptedClient([]));
    const session = new FakeSession();
    session.stored = [{ intent: 'old', code: 'x', explanation: '', time: 't' }];
    model.setSession(session);
    model.notebookChanged();
    expect(session.stored).toEqual([
      { intent: 'old', code: 'x', explanation: '', time: 't' }
    ]);
  });
});

describe('around the conversation', () => {
  it('says when the kernel restarted until a cell runs', () => {
    const model = makeModel(new ScriptedClient([]));
    const session = new FakeSession();
    model.setSession(session);
    model.kernelRestarted(session);
    expect(model.notice).toMatch(/kernel restarted/);
    model.dismissNotice();
    expect(model.notice).toBeNull();
  });

  it('prepares the model for the bound notebook, without the question', async () => {
    const client = new ScriptedClient([]);
    const model = makeModel(client);
    model.setSession(new FakeSession());
    await model.prepare();
    expect(client.prepared).toHaveLength(1);
    expect(client.prepared[0]).not.toHaveProperty('intent');
    expect(client.prepared[0].kernel_id).toBe('kernel-1');
  });

  it('sends the temperature only when one is set', async () => {
    const client = new ScriptedClient([answer, done]);
    const model = makeModel(client);
    model.setSession(new FakeSession());
    await model.send('a');
    expect(client.requests[0].options).not.toHaveProperty('temperature');
    model.options = { ...model.options, n: 3, temperature: 0.9 };
    await model.send('b');
    expect(client.requests[1].options.temperature).toBe(0.9);
  });

  it('tells the status bar what the request in flight does', async () => {
    const client = new ScriptedClient([answer]);
    client.hold = new Promise(() => undefined);
    const model = makeModel(client);
    model.setSession(new FakeSession());
    expect(model.progress).toBeNull();
    void model.send('a');
    await Promise.resolve();
    expect(model.progress).toMatch(/Writing the answer/);
    await model.stop();
  });
});
