/**
 * Test doubles of the sidebar model's seams: a scripted generate client and a notebook.
 */
import { IServerStatus, PachincoModel } from '../model';
import { INotebookSession, InsertMode, ITarget, StatusState } from '../session';
import {
  GenerateEvent,
  IGenerateRequest,
  IInsertionCell,
  IRankedCandidate,
  IStoredTurn
} from '../protocol';
import { IFailedCell } from '../repair';
import type { IAcceptedStep, IObservation } from '../agentProtocol';
import { IGenerateClient, IPrepareRequest } from '../stream';

export const status: IServerStatus = {
  version: '1.2.3',
  backend: 'openai',
  model: 'tiny',
  base_url: 'http://127.0.0.1:9/v1'
};

export const answer: GenerateEvent = {
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

export const done: GenerateEvent = { type: 'done', finish_reasons: ['stop'] };

/** A client that plays a fixed list of events, or waits to be released. */
export class ScriptedClient implements IGenerateClient {
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

  prepared: IPrepareRequest[] = [];
  async prepare(request: IPrepareRequest): Promise<void> {
    this.prepared.push(request);
  }
}

/** An in-memory notebook: cells, metadata turns, and what was inserted. */
export class FakeSession implements INotebookSession {
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
    const at = this.stored.findIndex(
      t => t.request_id !== undefined && t.request_id === turn.request_id
    );
    if (at >= 0) {
      this.stored[at] = turn;
    } else {
      this.stored.push(turn);
    }
  }
  /** The request ids of the cells the notebook holds now. */
  tagged = new Set<string>();
  hasCellsOf(requestId: string): boolean {
    return this.tagged.has(requestId);
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

export function makeModel(
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

export function recordStates(model: PachincoModel): StatusState[] {
  const seen: StatusState[] = [];
  model.stateChanged.connect((_, state) => seen.push(state));
  return seen;
}

/**
 * One ranked candidate that ran fine, with its index as its preview.
 */
export function ranked(
  index: number,
  extra: Partial<IRankedCandidate> = {}
): IRankedCandidate {
  return {
    index,
    status: 'ok',
    votes: 1,
    group: index,
    type: 'int',
    shape: null,
    preview: String(index),
    stdout: null,
    error: null,
    side_effects: [],
    ...extra
  };
}

/** What a step gave on the scratch: nothing printed, no value, no error (or `extra`). */
export function observation(extra: Partial<IObservation> = {}): IObservation {
  const empty = { head: '', tail: '', chars: 0, lines: 0 };
  return {
    status: 'ok',
    stdout: empty,
    stderr: empty,
    value: null,
    variables: [],
    error: null,
    figures: [],
    seconds: 0.01,
    ...extra
  };
}

/** Step `number` of `plan` as the agent accepted it: its explanation, `code` and cells. */
export function acceptedStep(
  plan: string[],
  number: number,
  code: string,
  repairs = 0
): IAcceptedStep {
  return {
    number,
    text: plan[number - 1],
    explanation: `Explained ${number}.`,
    code,
    cells: [
      { cell_type: 'markdown', source: `${number}. Explained ${number}.` },
      { cell_type: 'code', source: code }
    ],
    observation: observation(),
    observation_text: 'ok',
    repairs
  };
}
