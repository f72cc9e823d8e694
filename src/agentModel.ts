/**
 * The sidebar's agent: runs of `POST /pachinco/agent` for the bound notebook, from the plan
 * (shown first and edited, unless the user prefers to work at once) through the timeline to
 * the cells taken into the notebook. The run's data and its changes are `agentRun.ts`'s pure
 * functions; this class holds the I/O (the client, the notebook session) and a signal.
 */
import { ISignal, Signal } from '@lumino/signaling';

import type { AgentLine, IAgentRequest } from './agentProtocol';
import { IAgentClient } from './agentClient';
import {
  cleanPlan,
  planProblem,
  retryFrom,
  retryProblem,
  withStepText
} from './agentPlan';
import {
  applyAgentLine,
  goRun,
  IAgentRun,
  insertableCells,
  isActive,
  startRun,
  stateChanged
} from './agentRun';
import { runStatusText } from './agentWords';
import { describeError } from './errors';
import { stopInFlight } from './inFlight';
import { PachincoModel } from './model';
import { agentOptions, INotebookSession } from './session';
import { agentRecord } from './turnRecords';

/** Which request Send makes: an answer, or a run that works through the task. */
export type AskMode = 'answer' | 'agent';

/** A run with where it goes in the conversation: after this many chat turns. */
export interface IPlacedRun {
  run: IAgentRun;
  after: number;
}

export interface IAgentModelOptions {
  chat: PachincoModel;
  client: IAgentClient;
  newId: () => string;
  now?: () => Date;
}

export class AgentModel {
  constructor(options: IAgentModelOptions) {
    this._chat = options.chat;
    this._client = options.client;
    this._newId = options.newId;
    this._now = options.now ?? (() => new Date());
  }

  /** Any change of a run, the mode or the busy flag. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** What Send does now. */
  get mode(): AskMode {
    return this._mode;
  }

  set mode(mode: AskMode) {
    if (mode !== this._mode) {
      this._mode = mode;
      this._changed.emit();
    }
  }

  /** Show the plan for editing before any step runs (false: work at once). */
  planFirst = true;

  /** The runs of the bound notebook, with their place in its conversation. */
  get runs(): readonly IPlacedRun[] {
    const session = this._chat.session;
    return session ? this._runsOf(session) : [];
  }

  /** A run is streaming. */
  get busy(): boolean {
    return this._inFlight !== null;
  }

  /** What the run in flight is doing, in a few words (for the status bar); null when none. */
  get progress(): string | null {
    const inFlight = this._inFlight;
    const placed = inFlight
      ? this._find(inFlight.session, inFlight.requestId)
      : undefined;
    return placed ? runStatusText(placed.run) : null;
  }

  /**
   * Start working through `task` on the bound notebook: a plan to edit first, or the whole
   * run at once (`planFirst` false).
   */
  async start(task: string): Promise<IAgentRun | null> {
    const session = this._chat.session;
    const text = task.trim();
    if (session === null || text.length === 0 || this.busy) {
      return null;
    }
    const id = this._newId();
    // Working at once: the plan line does not stop the run for editing.
    const run = this.planFirst ? startRun(id, text) : goRun(id, text, []);
    this._runsOf(session).push({ run, after: this._chat.turns.length });
    this._changed.emit();
    await this._stream(session, run.requestId, { go: !this.planFirst });
    return this._find(session, run.requestId)?.run ?? null;
  }

  /** Change the plan of a run waiting for *Go* (the editor's edits). */
  editPlan(requestId: string, plan: string[]): void {
    this._change(requestId, run =>
      run.phase === 'editing' ? { ...run, plan } : run
    );
  }

  /** Change a step's text before *Retry from here*. */
  editStep(requestId: string, number: number, text: string): void {
    this._change(requestId, run =>
      isActive(run) ? run : withStepText(run, number, text)
    );
  }

  /** Work through the (edited) plan of a run waiting for *Go*. */
  async go(requestId: string): Promise<void> {
    const session = this._chat.session;
    const placed = session ? this._find(session, requestId) : undefined;
    if (!session || !placed || placed.run.phase !== 'editing' || this.busy) {
      return;
    }
    if (planProblem(placed.run.plan) !== null) {
      return; // the plan editor says why and keeps Go disabled
    }
    const plan = cleanPlan(placed.run.plan);
    placed.run = goRun(requestId, placed.run.task, plan);
    this._changed.emit();
    await this._stream(session, requestId, { go: true, plan });
  }

  /**
   * Work again from step `number`, with the steps as they are now (edited or not): the
   * steps before it that worked are replayed on a new scratch copy as they are.
   */
  async retryFrom(requestId: string, number: number): Promise<void> {
    const session = this._chat.session;
    const placed = session ? this._find(session, requestId) : undefined;
    if (!session || !placed || isActive(placed.run) || this.busy) {
      return;
    }
    const retry = retryFrom(placed.run, number);
    if (retry === null || retryProblem(placed.run, number) !== null) {
      return;
    }
    const plan = cleanPlan(retry.plan);
    placed.run = {
      ...goRun(requestId, placed.run.task, plan, retry.kept),
      inserted: placed.run.inserted
    };
    this._changed.emit();
    await this._stream(session, requestId, {
      go: true,
      plan,
      ...(retry.kept.length > 0
        ? {
            done: retry.kept.map(step => ({
              explanation: step.explanation,
              code: step.code
            }))
          }
        : {})
    });
  }

  /** Stop the run in flight: the server ends its scratch; the worked steps are kept. */
  async stop(): Promise<void> {
    const inFlight = this._inFlight;
    if (inFlight === null) {
      return;
    }
    await stopInFlight(inFlight, () => this._client.cancel(inFlight.streamId));
  }

  /**
   * Whether the user's kernel ran code or restarted since the run's scratch copy was made
   * (then its steps may not run the same there: the sidebar says so before inserting).
   */
  kernelChangedSince(requestId: string): boolean {
    const session = this._chat.session;
    const placed = session ? this._find(session, requestId) : undefined;
    return placed ? stateChanged(placed.run, session!.kernelRuns ?? 0) : false;
  }

  /**
   * Put every worked step's cells into the notebook after the active cell, as one undo
   * step (`run`: and run them), tagged with the run's request id; the turn is stored.
   */
  async insertAll(requestId: string, mode: 'below' | 'run'): Promise<void> {
    const session = this._chat.session;
    const placed = session ? this._find(session, requestId) : undefined;
    if (!session || !placed) {
      return;
    }
    await this._insert(session, placed, insertableCells(placed.run), mode);
  }

  /** Put one worked step's cells into the notebook after the active cell. */
  async insertStep(requestId: string, number: number): Promise<void> {
    const session = this._chat.session;
    const placed = session ? this._find(session, requestId) : undefined;
    const step = placed?.run.steps.find(s => s.number === number)?.accepted;
    if (!session || !placed || !step) {
      return;
    }
    await this._insert(session, placed, step.cells, 'below');
  }

  /** Whether the run's inserted cells were all undone or deleted (and not inserted again). */
  wasUndone(requestId: string): boolean {
    return this._undone.has(requestId);
  }

  /**
   * The notebook's cells changed: a run whose cells were all deleted or undone is stored as
   * not inserted (and as inserted again on redo).
   */
  notebookChanged(): void {
    const session = this._chat.session;
    if (session === null) {
      return;
    }
    for (const placed of this._runsOf(session)) {
      const present = session.hasCellsOf(placed.run.requestId);
      if (
        placed.run.inserted !== present &&
        (placed.run.inserted || this._undone.has(placed.run.requestId))
      ) {
        placed.run = { ...placed.run, inserted: present };
        if (present) {
          this._undone.delete(placed.run.requestId);
        } else {
          this._undone.add(placed.run.requestId);
        }
        void this._record(session, placed.run);
        this._changed.emit();
      }
    }
  }

  private async _insert(
    session: INotebookSession,
    placed: IPlacedRun,
    cells: ReturnType<typeof insertableCells>,
    mode: 'below' | 'run'
  ): Promise<void> {
    if (cells.length === 0) {
      return;
    }
    const tag = { request_id: placed.run.requestId, intent: placed.run.task };
    await session.insert(cells, mode, tag);
    placed.run = { ...placed.run, inserted: true };
    this._undone.delete(placed.run.requestId);
    this._changed.emit();
    await this._record(session, placed.run);
  }

  private async _stream(
    session: INotebookSession,
    requestId: string,
    fields: Pick<IAgentRequest, 'go' | 'plan' | 'done'>
  ): Promise<void> {
    const streamId = this._newId();
    const abort = new AbortController();
    const inFlight = { streamId, requestId, session, abort, stopped: false };
    this._inFlight = inFlight;
    this._changed.emit();
    const where = session.currentTarget(this._chat.options.includeOutputs);
    const request: IAgentRequest = {
      request_id: streamId,
      task: this._find(session, requestId)!.run.task,
      notebook_path: session.path,
      cells: where.cells,
      active_cell_index: where.activeCellIndex,
      kernel_id: session.kernelId,
      ...fields,
      options: agentOptions(this._chat.options)
    };
    try {
      await this._client.run(
        request,
        line => this._onLine(session, requestId, line),
        abort.signal
      );
      this._change(
        requestId,
        run =>
          isActive(run)
            ? applyAgentLine(run, {
                type: 'done',
                status: inFlight.stopped ? 'cancelled' : 'failed',
                steps_done: 0,
                failed_step: null,
                reason: inFlight.stopped
                  ? 'The run was stopped.'
                  : 'The server ended the run without saying how.'
              })
            : run,
        session
      );
    } catch (error) {
      this._change(
        requestId,
        run =>
          isActive(run)
            ? applyAgentLine(
                run,
                inFlight.stopped || abort.signal.aborted
                  ? {
                      type: 'done',
                      status: 'cancelled',
                      steps_done: 0,
                      failed_step: null,
                      reason: 'The run was stopped.'
                    }
                  : {
                      type: 'error',
                      kind: 'request',
                      message: describeError(error)
                    }
              )
            : run,
        session
      );
    } finally {
      this._inFlight = null;
      this._changed.emit();
    }
    const placed = this._find(session, requestId);
    if (placed && placed.run.phase !== 'editing') {
      await this._record(session, placed.run);
    }
  }

  private _onLine(
    session: INotebookSession,
    requestId: string,
    line: AgentLine
  ): void {
    const placed = this._find(session, requestId);
    if (placed) {
      placed.run = applyAgentLine(placed.run, line, session.kernelRuns ?? 0);
      this._changed.emit();
    }
  }

  private async _record(
    session: INotebookSession,
    run: IAgentRun
  ): Promise<void> {
    const previous =
      session.storedTurns().find(t => t.request_id === run.requestId) ?? null;
    try {
      await session.recordTurn(agentRecord(run, this._now(), previous));
    } catch (error) {
      console.warn(
        'Pachinco could not keep the agent run in the notebook.',
        error
      );
    }
  }

  private _change(
    requestId: string,
    change: (run: IAgentRun) => IAgentRun,
    session: INotebookSession | null = this._chat.session
  ): void {
    const placed = session ? this._find(session, requestId) : undefined;
    if (placed) {
      placed.run = change(placed.run);
      this._changed.emit();
    }
  }

  private _runsOf(session: INotebookSession): IPlacedRun[] {
    let runs = this._runs.get(session);
    if (runs === undefined) {
      runs = [];
      this._runs.set(session, runs);
    }
    return runs;
  }

  private _find(
    session: INotebookSession,
    requestId: string
  ): IPlacedRun | undefined {
    return this._runsOf(session).find(p => p.run.requestId === requestId);
  }

  private _chat: PachincoModel;
  private _client: IAgentClient;
  private _newId: () => string;
  private _now: () => Date;
  private _mode: AskMode = 'answer';
  private _changed = new Signal<this, void>(this);
  private _runs = new WeakMap<INotebookSession, IPlacedRun[]>();
  private _undone = new Set<string>();
  private _inFlight: {
    streamId: string;
    requestId: string;
    session: INotebookSession;
    abort: AbortController;
    stopped: boolean;
  } | null = null;
}
