import { ISignal, Signal } from '@lumino/signaling';

import {
  applyEvent,
  IChatTurn,
  startTurn,
  turnFromStored
} from './conversation';
import {
  GenerateEvent,
  IFixRequest,
  IServerStatus,
  IStoredTurn,
  LoadingProgress
} from './protocol';
import { describeError, endedTurn, failedTurn } from './errors';
import { fixInsertion, fixTarget } from './fixPlacement';
import { flipped, rankedOrder } from './ranking';
import { fixRequestOf, fixTitle, IFailedCell } from './repair';
import { IGenerateClient } from './stream';
import { endedRecord, insertedRecord, reconciledRecord } from './turnRecords';
import { stopInFlight } from './inFlight';
import { progressOf } from './progress';

export { describeError } from './errors';
export { IServerStatus } from './protocol';
import {
  DEFAULT_OPTIONS,
  IAssistantOptions,
  generateOptions,
  IModelOptions,
  INotebookSession,
  InsertMode,
  ITarget,
  StatusFetcher,
  StatusState
} from './session';

/**
 * The Pachinco panel's state: the server's status, the conversation of the active notebook,
 * the model's loading progress; a signal on every change.
 */
export class PachincoModel {
  constructor(options: IModelOptions) {
    this._fetchStatus = options.fetchStatus;
    this._client = options.client;
    this._newId = options.newId;
    this._now = options.now ?? (() => new Date());
    this._pollMs = options.pollMs ?? 1000;
  }

  get state(): StatusState {
    return this._state;
  }

  get stateChanged(): ISignal<this, StatusState> {
    return this._stateChanged;
  }

  /** Any change of the conversation, the session, the progress or the busy flag. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get session(): INotebookSession | null {
    return this._session;
  }

  get turns(): readonly IChatTurn[] {
    return this._session ? this._turnsOf(this._session) : [];
  }

  get loading(): LoadingProgress | null {
    return this._loading;
  }

  /** The request in flight, if any. */
  get busy(): boolean {
    return this._inFlight !== null;
  }

  /** What the request in flight is doing, in a few words (for the status bar). */
  get progress(): string | null {
    const inFlight = this._inFlight;
    const session = this._session;
    if (inFlight === null || session === null) {
      return null;
    }
    const turn = this._find(session, inFlight.requestId);
    return turn ? progressOf(turn, this._loading) : 'Asking the model…';
  }

  /** A notice about the bound notebook (its kernel restarted), until dismissed. */
  get notice(): string | null {
    return this._session ? (this._notices.get(this._session) ?? null) : null;
  }

  options: IAssistantOptions = { ...DEFAULT_OPTIONS };

  /**
   * Bind to another notebook (or none); its stored turns become the conversation.
   */
  setSession(session: INotebookSession | null): void {
    this._session = session;
    this._changed.emit();
  }

  /**
   * Ask the server again; the state goes through `loading` to `ready` or `error`.
   */
  async refresh(): Promise<void> {
    const request = ++this._latestRequest;
    this._setState({ kind: 'loading' });
    try {
      const status = await this._fetchStatus();
      if (request === this._latestRequest) {
        this._setState({ kind: 'ready', status });
        this._followStatus(status);
      }
    } catch (error) {
      if (request === this._latestRequest) {
        this._setState({ kind: 'error', message: describeError(error) });
      }
    }
  }

  /**
   * Send an intent about the bound notebook; resolves with the finished turn.
   */
  async send(intent: string, target?: ITarget): Promise<IChatTurn | null> {
    const session = this._session;
    const text = intent.trim();
    if (session === null || text.length === 0) {
      return null;
    }
    const where = target ?? session.currentTarget(this.options.includeOutputs);
    return this._generate(session, text, where, null);
  }

  /**
   * Ask for a corrected version of a cell that raised; the answer is trial-run and its
   * "Replace cell" acts on that cell.
   */
  async fix(failed: IFailedCell): Promise<IChatTurn | null> {
    const session = this._session;
    if (session === null) {
      return null;
    }
    const where = fixTarget(
      session.currentTarget(this.options.includeOutputs),
      session.indexOfCell(failed.cellId)
    );
    return this._generate(session, fixTitle(failed), where, {
      fix: fixRequestOf(failed),
      cellId: failed.cellId
    });
  }

  /**
   * Show the answer `step` places further in the turn's ranked order.
   */
  flip(turn: IChatTurn, step: number): void {
    const session = this._session;
    if (session !== null) {
      this._update(session, turn.requestId, t => flipped(t, step));
      this._changed.emit();
    }
  }

  /**
   * The cells this turn inserted that raised when run.
   */
  failedCellsOf(turn: IChatTurn): IFailedCell[] {
    return (this._session?.failedCells() ?? []).filter(
      cell => cell.requestId === turn.requestId
    );
  }

  /**
   * The notebook's cells or outputs changed (a cell ran, cells were inserted, deleted, or
   * an insertion undone): the Fix actions may change, and so may which kept turns are in
   * the notebook (an undone insertion is stored as not inserted, and saved, so that the next
   * prompt does not build on it).
   */
  notebookChanged(): void {
    const session = this._session;
    if (session !== null) {
      for (const turn of this._turnsOf(session)) {
        const stored = turn.stored;
        const changed =
          stored &&
          reconciledRecord(stored, session.hasCellsOf(turn.requestId));
        if (changed) {
          this._update(session, turn.requestId, t => ({
            ...t,
            stored: changed
          }));
          void session.recordTurn(changed);
        }
      }
    }
    this._changed.emit();
  }

  /**
   * The kernel of `session` restarted: its variables are gone, and the sidebar says so.
   */
  kernelRestarted(session: INotebookSession): void {
    this._notices.set(
      session,
      'The kernel restarted: its variables are gone. Run your cells again before you ask about your data.'
    );
    this._changed.emit();
  }

  /** Forget the notice of the bound notebook (a cell ran, or the user closed it). */
  dismissNotice(): void {
    if (this._session !== null && this._notices.delete(this._session)) {
      this._changed.emit();
    }
  }

  /**
   * Ask the server to get ready for a question about the bound notebook: load the model and
   * evaluate the fixed part of the prompt and this notebook's context ahead (never fails).
   */
  async prepare(): Promise<void> {
    const session = this._session;
    if (session === null || this._inFlight !== null) {
      return;
    }
    const where = session.currentTarget(this.options.includeOutputs);
    try {
      await this._client.prepare({
        notebook_path: session.path,
        cells: where.cells,
        active_cell_index: where.activeCellIndex,
        kernel_id: session.kernelId,
        options: generateOptions(this.options, false)
      });
    } catch (error) {
      console.warn('Pachinco could not prepare the model ahead.', error);
      return;
    }
    void this.refresh();
  }

  /**
   * Stop the request in flight: the server cancels it, the browser drops the stream.
   */
  async stop(): Promise<void> {
    const inFlight = this._inFlight;
    if (inFlight === null) {
      return;
    }
    await stopInFlight(inFlight, () => this._client.cancel(inFlight.requestId));
  }

  /**
   * Put candidate `index` of `turn` into the notebook, then remember the turn there.
   */
  async insert(
    turn: IChatTurn,
    index: number,
    mode: InsertMode
  ): Promise<void> {
    const session = this._session;
    const answer = turn.candidates[index]?.answer;
    if (session === null || !answer || answer.cells.length === 0) {
      return;
    }
    await this._insertAndRecord(session, turn, index, mode);
  }

  private async _generate(
    session: INotebookSession,
    title: string,
    where: ITarget,
    repair: { fix: IFixRequest; cellId: string } | null
  ): Promise<IChatTurn | null> {
    if (this._inFlight !== null) {
      return null;
    }
    const requestId = this._newId();
    const abort = new AbortController();
    const inFlight = { requestId, abort, stopped: false };
    this._inFlight = inFlight;
    const turn = startTurn(requestId, title);
    this._turnsOf(session).push({ ...turn, fixOf: repair?.cellId ?? null });
    this._changed.emit();
    try {
      await this._client.generate(
        {
          request_id: requestId,
          // For a fix, the fix is the request: the server builds the prompt from it.
          intent: repair === null ? title : '',
          notebook_path: session.path,
          cells: where.cells,
          active_cell_index: where.activeCellIndex,
          kernel_id: session.kernelId,
          options: generateOptions(this.options, repair !== null),
          ...(repair !== null ? { fix: repair.fix } : {})
        },
        event => this._onEvent(session, requestId, event),
        abort.signal
      );
      this._update(session, requestId, turn =>
        endedTurn(turn, inFlight.stopped)
      );
    } catch (error) {
      this._update(session, requestId, turn =>
        failedTurn(turn, abort.signal.aborted, error)
      );
    } finally {
      this._inFlight = null;
      this._loading = null;
      this._changed.emit();
    }
    const finished = this._find(session, requestId);
    if (finished) {
      // Every turn is kept, inserted or not: the entry is replaced if it is inserted later.
      await this._keep(session, requestId, endedRecord(finished, this._now()));
    }
    if (finished && where.insertBelow !== undefined) {
      await this._insertFirstAnswer(session, finished, where.insertBelow);
    }
    return this._find(session, requestId) ?? null;
  }

  private async _insertFirstAnswer(
    session: INotebookSession,
    turn: IChatTurn,
    below: number
  ): Promise<void> {
    // The chosen answer first when the answers were ranked.
    const index = rankedOrder(turn).find(i => {
      const answer = turn.candidates[i].answer;
      return answer !== null && answer.cells.length > 0;
    });
    if (index !== undefined) {
      await this._insertAndRecord(session, turn, index, 'below', below);
    }
  }

  private async _insertAndRecord(
    session: INotebookSession,
    turn: IChatTurn,
    index: number,
    mode: InsertMode,
    below?: number
  ): Promise<void> {
    const answer = turn.candidates[index].answer!;
    const tag = { request_id: turn.requestId, intent: turn.intent };
    const place =
      turn.fixOf !== null && below === undefined
        ? fixInsertion(session.indexOfCell(turn.fixOf), mode)
        : { below, mode };
    await session.insert(answer.cells, place.mode, tag, place.below);
    const current = this._find(session, turn.requestId) ?? turn;
    const stored = insertedRecord(
      current,
      answer.candidate,
      answer.cells,
      this._now()
    );
    await this._keep(session, turn.requestId, stored);
  }

  private async _keep(
    session: INotebookSession,
    requestId: string,
    stored: IStoredTurn
  ): Promise<void> {
    this._update(session, requestId, t => ({ ...t, stored }));
    this._changed.emit();
    await session.recordTurn(stored);
  }

  private _onEvent(
    session: INotebookSession,
    requestId: string,
    event: GenerateEvent
  ): void {
    if (event.type === 'loading') {
      this._loading =
        event.stage === 'ready'
          ? null
          : {
              stage: event.stage,
              message: event.message,
              fraction: event.fraction
            };
    } else if (event.type === 'delta' && this._loading !== null) {
      this._loading = null;
    }
    this._update(session, requestId, turn => applyEvent(turn, event));
    this._changed.emit();
  }

  private _followStatus(status: IServerStatus): void {
    const loading = status.model_state === 'loading';
    if (!this.busy) {
      this._loading = loading ? (status.loading ?? null) : null;
      this._changed.emit();
    }
    if (loading && this._pollMs > 0) {
      setTimeout(() => void this.refresh(), this._pollMs);
    }
  }

  private _turnsOf(session: INotebookSession): IChatTurn[] {
    let turns = this._turns.get(session);
    if (turns === undefined) {
      turns = session.storedTurns().map(turnFromStored);
      this._turns.set(session, turns);
    }
    return turns;
  }

  private _find(
    session: INotebookSession,
    requestId: string
  ): IChatTurn | undefined {
    return this._turnsOf(session).find(t => t.requestId === requestId);
  }

  private _update(
    session: INotebookSession,
    requestId: string,
    change: (turn: IChatTurn) => IChatTurn
  ): void {
    const turns = this._turnsOf(session);
    const at = turns.findIndex(t => t.requestId === requestId);
    if (at >= 0) {
      turns[at] = change(turns[at]);
    }
  }

  private _setState(state: StatusState): void {
    this._state = state;
    this._stateChanged.emit(state);
  }

  private _fetchStatus: StatusFetcher;
  private _client: IGenerateClient;
  private _newId: () => string;
  private _now: () => Date;
  private _pollMs: number;
  private _latestRequest = 0;
  private _state: StatusState = { kind: 'loading' };
  private _stateChanged = new Signal<this, StatusState>(this);
  private _changed = new Signal<this, void>(this);
  private _session: INotebookSession | null = null;
  private _turns = new WeakMap<INotebookSession, IChatTurn[]>();
  private _notices = new WeakMap<INotebookSession, string>();
  private _loading: LoadingProgress | null = null;
  private _inFlight: {
    requestId: string;
    abort: AbortController;
    stopped: boolean;
  } | null = null;
}
