import { IChatTurn } from '../conversation';
import { IServerStatus, PachincoModel } from '../model';
import { INotebookSession, InsertMode, ITarget, StatusState } from '../session';
import {
  GenerateEvent,
  IGenerateRequest,
  IInsertionCell,
  IStoredTurn
} from '../protocol';
import { IFailedCell } from '../repair';
import { IGenerateClient } from '../stream';

const status: IServerStatus = {
  version: '1.2.3',
  backend: 'openai',
  model: 'tiny',
  base_url: 'http://127.0.0.1:9/v1'
};

const answer: GenerateEvent = {
  type: 'answer',
  index: 0,
  finish_reason: 'stop',
  candidate: {
    steps: [{ explanation: 'Average the price.', code: "df['price'].mean()" }],
    code: "df['price'].mean()",
    prose: ''
  },
  cells: [
    { cell_type: 'markdown', source: '1. Average the price.' },
    {
      cell_type: 'code',
      source: "# Step 1: Average the price.\ndf['price'].mean()"
    }
  ]
};

const done: GenerateEvent = { type: 'done', finish_reasons: ['stop'] };

/** A client that plays a fixed list of events, or waits to be released. */
class ScriptedClient implements IGenerateClient {
  constructor(private readonly _events: GenerateEvent[]) {}
  requests: IGenerateRequest[] = [];
  cancelled: string[] = [];
  hold: Promise<void> | null = null;

  async generate(
    request: IGenerateRequest,
    onEvent: (event: GenerateEvent) => void,
    signal: AbortSignal
  ): Promise<void> {
    this.requests.push(request);
    for (const event of this._events) {
      onEvent(event);
    }
    if (this.hold !== null) {
      await Promise.race([
        this.hold,
        new Promise<void>((_, reject) =>
          signal.addEventListener('abort', () =>
            reject(new DOMException('aborted', 'AbortError'))
          )
        )
      ]);
    }
  }

  async cancel(requestId: string): Promise<void> {
    this.cancelled.push(requestId);
  }
}

/** An in-memory notebook: cells, metadata turns, and what was inserted. */
class FakeSession implements INotebookSession {
  path = 'work/analysis.ipynb';
  kernelId = 'kernel-1';
  stored: IStoredTurn[] = [];
  inserted: Array<{
    cells: IInsertionCell[];
    mode: InsertMode;
    tag: { request_id: string; intent: string };
    below?: number;
  }> = [];
  currentTarget(includeOutputs: boolean): ITarget {
    return {
      cells: [
        {
          cell_type: 'code',
          source: 'df = make()',
          ...(includeOutputs ? { outputs: [] } : {})
        }
      ],
      activeCellIndex: 0
    };
  }
  storedTurns(): IStoredTurn[] {
    return [...this.stored];
  }
  async insert(
    cells: IInsertionCell[],
    mode: InsertMode,
    tag: { request_id: string; intent: string },
    below?: number
  ): Promise<void> {
    this.inserted.push({ cells, mode, tag, below });
  }
  async recordTurn(turn: IStoredTurn): Promise<void> {
    this.stored.push(turn);
  }
  failed: IFailedCell[] = [];
  cellIds = ['c0', 'c1', 'c2'];
  failedCells(): IFailedCell[] {
    return [...this.failed];
  }
  indexOfCell(cellId: string): number | null {
    const at = this.cellIds.indexOf(cellId);
    return at >= 0 ? at : null;
  }
}

function makeModel(
  client: IGenerateClient,
  fetchStatus: () => Promise<IServerStatus> = async () => status
): PachincoModel {
  let id = 0;
  return new PachincoModel({
    fetchStatus,
    client,
    newId: () => `req-${++id}`,
    now: () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
    pollMs: 0
  });
}

function recordStates(model: PachincoModel): StatusState[] {
  const seen: StatusState[] = [];
  model.stateChanged.connect((_, state) => seen.push(state));
  return seen;
}

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
      includeOutputs: false
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
        time: '2026-01-02T03:04:05+00:00'
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

describe('PachincoModel ranking and repair', () => {
  const answerAt = (index: number, code: string): GenerateEvent => ({
    type: 'answer',
    index,
    finish_reason: 'stop',
    candidate: { steps: [{ explanation: 'Fix', code }], code, prose: '' },
    cells: [{ cell_type: 'code', source: code }]
  });
  const rankingOf = (order: number[]): GenerateEvent => ({
    type: 'ranking',
    notice: null,
    summary: 'votes',
    order,
    candidates: order.map(index => ({
      index,
      status: 'ok',
      votes: 1,
      group: index,
      type: 'int',
      shape: null,
      preview: String(index),
      stdout: null,
      error: null,
      side_effects: []
    }))
  });
  const failed: IFailedCell = {
    cellId: 'c2',
    code: "df['prices'].sum()",
    error: "KeyError: 'prices'",
    requestId: 'req-1'
  };

  it('sends a fix with the failing code, its error and the cells before it', async () => {
    const client = new ScriptedClient([
      answerAt(0, "df['price'].sum()"),
      rankingOf([0]),
      done
    ]);
    const model = makeModel(client);
    model.setSession(new FakeSession());
    const turn = (await model.fix(failed)) as IChatTurn;
    expect(client.requests).toEqual([
      {
        request_id: 'req-1',
        intent: '',
        notebook_path: 'work/analysis.ipynb',
        cells: [{ cell_type: 'code', source: 'df = make()', outputs: [] }],
        active_cell_index: 1,
        kernel_id: 'kernel-1',
        options: {
          n: 1,
          style: 'explained',
          layout: 'markdown+code',
          include_outputs: true,
          rank: true
        },
        fix: { code: "df['prices'].sum()", error: "KeyError: 'prices'" }
      }
    ]);
    expect(turn.intent).toBe("Fix: KeyError: 'prices'");
    expect(turn.fixOf).toBe('c2');
    expect(turn.ranking?.order).toEqual([0]);
  });

  it('replaces the failing cell where it is now', async () => {
    const model = makeModel(
      new ScriptedClient([answerAt(0, 'fixed()'), rankingOf([0]), done])
    );
    const session = new FakeSession();
    model.setSession(session);
    const turn = (await model.fix(failed)) as IChatTurn;
    session.cellIds = ['new', 'c0', 'c1', 'c2'];
    await model.insert(turn, 0, 'replace');
    expect(session.inserted.map(i => [i.mode, i.below])).toEqual([
      ['replace', 3]
    ]);
    session.cellIds = ['c0'];
    await model.insert(turn, 0, 'replace');
    // The failing cell was deleted: nothing is replaced, the fix goes below.
    expect(session.inserted[1].mode).toBe('below');
    expect(session.inserted[1].below).toBeUndefined();
  });

  it('does not ask for ranking with one candidate', async () => {
    const client = new ScriptedClient([answer, done]);
    const model = makeModel(client);
    model.setSession(new FakeSession());
    await model.send('mean price');
    expect(client.requests[0].options.rank).toBeUndefined();
    expect(client.requests[0].fix).toBeUndefined();
  });

  it('flips the shown answer within the ranked order', async () => {
    const model = makeModel(
      new ScriptedClient([
        answerAt(0, 'a'),
        answerAt(1, 'b'),
        answerAt(2, 'c'),
        rankingOf([2, 0, 1]),
        done
      ])
    );
    const session = new FakeSession();
    model.setSession(session);
    const turn = (await model.send('pick')) as IChatTurn;
    model.flip(turn, 1);
    expect(model.turns[0].shown).toBe(1);
    model.flip(model.turns[0], 5);
    expect(model.turns[0].shown).toBe(2);
  });

  it('inserts the chosen answer in the notebook-native flow', async () => {
    const model = makeModel(
      new ScriptedClient([
        answerAt(0, 'a'),
        answerAt(1, 'b'),
        rankingOf([1, 0]),
        done
      ])
    );
    const session = new FakeSession();
    model.setSession(session);
    await model.send('pick', {
      cells: [],
      activeCellIndex: null,
      insertBelow: 0
    });
    expect(session.inserted[0].cells).toEqual([
      { cell_type: 'code', source: 'b' }
    ]);
  });

  it('offers Fix only for the cells the turn inserted', async () => {
    const model = makeModel(new ScriptedClient([answer, done]));
    const session = new FakeSession();
    session.failed = [
      failed,
      { ...failed, cellId: 'c1', requestId: null },
      { ...failed, cellId: 'c0', requestId: 'other' }
    ];
    model.setSession(session);
    const turn = (await model.send('mean price')) as IChatTurn;
    expect(model.failedCellsOf(turn).map(c => c.cellId)).toEqual(['c2']);
  });
});
