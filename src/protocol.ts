/**
 * The generate protocol between the sidebar and the server (`POST /pachinco/generate`,
 * answered as `application/x-ndjson`, one event per line).
 */

export type AnswerStyle =
  'explained' | 'vanilla' | 'stepwise' | 'stepwise-preamble';

export type InsertionLayout = 'markdown+code' | 'comments' | 'cell-per-step';

export interface IGenerateOptions {
  n?: number;
  style?: AnswerStyle;
  layout?: InsertionLayout;
  include_outputs?: boolean;
  max_new_tokens?: number;
  /** Omitted: greedy for one candidate, sampled (0.7) for several. */
  temperature?: number;
  /** Trial-run the candidates in the notebook's kernel and rank them. */
  rank?: boolean;
}

/**
 * A notebook cell as the server reads it.
 */
export interface IContextCell {
  cell_type: 'code' | 'markdown' | 'raw';
  source: string;
  outputs?: unknown[];
}

export interface IGenerateRequest {
  request_id: string;
  intent: string;
  notebook_path: string | null;
  cells: IContextCell[];
  active_cell_index: number | null;
  kernel_id: string | null;
  options: IGenerateOptions;
  /** Ask for a corrected version of a failing cell instead of answering `intent`. */
  fix?: IFixRequest;
}

/**
 * A cell that raised: its code and its traceback text (ANSI codes stripped).
 */
export interface IFixRequest {
  code: string;
  error: string;
}

export interface IStep {
  explanation: string;
  code: string;
}

export interface ICandidate {
  steps: IStep[];
  code: string;
  prose: string;
  /** A reasoning model's thinking, apart from the answer ('' when it did not think aloud). */
  reasoning?: string;
}

/**
 * A cell to insert, laid out by the server.
 */
export interface IInsertionCell {
  cell_type: 'markdown' | 'code';
  source: string;
}

export type FinishReason = 'stop' | 'length' | 'cancelled';

export interface IContextEvent {
  type: 'context';
  variables: number;
  stale: boolean;
  notice: string | null;
  cells_used: number;
}

export interface ILoadingEvent {
  type: 'loading';
  stage: 'download' | 'load' | 'ready';
  message: string;
  fraction: number | null;
}

export interface IDeltaEvent {
  type: 'delta';
  index: number;
  text: string;
}

/**
 * New thinking of a reasoning model: shown apart, never part of the answer.
 */
export interface IReasoningEvent {
  type: 'reasoning';
  index: number;
  text: string;
}

export interface IStepsEvent {
  type: 'steps';
  index: number;
  steps: IStep[];
}

export interface IAnswerEvent {
  type: 'answer';
  index: number;
  finish_reason: FinishReason;
  candidate: ICandidate;
  /** False for prose or comments alone: such an answer is never insertable. */
  has_code?: boolean;
  cells: IInsertionCell[];
}

/**
 * The trial runs of the candidates have begun.
 */
export interface IRankingStartedEvent {
  type: 'ranking_started';
  candidates: number;
}

export type TrialStatus = 'ok' | 'error' | 'not_run' | 'timeout' | 'no_code';

/**
 * One candidate's trial run: its output's summary or its error, and its votes.
 */
export interface IRankedCandidate {
  /** The candidate's index in the `answer` lines. */
  index: number;
  status: TrialStatus;
  votes: number;
  group: number | null;
  type: string | null;
  shape: number[] | null;
  preview: string | null;
  stdout: string | null;
  error: string | null;
  /** Why a candidate was not trial-run (it writes files, spawns processes…). */
  side_effects: string[];
  /** For a copy: the index of the first candidate with the same code. */
  same_as?: number | null;
  /** For a fix that ran: 'kept', or what it no longer does of the cell's intent. */
  verdict?: string | null;
}

/**
 * The candidates best first; the sidebar shows `order[0]` first.
 */
export interface IRankingEvent {
  type: 'ranking';
  notice: string | null;
  summary: string;
  /** For a fix: what the failing cell meant to do. */
  intent?: string | null;
  order: number[];
  candidates: IRankedCandidate[];
}

export interface IDoneEvent {
  type: 'done';
  finish_reasons: Array<FinishReason | null>;
}

export interface IErrorEvent {
  type: 'error';
  kind: string;
  message: string;
}

export type GenerateEvent =
  | IContextEvent
  | ILoadingEvent
  | IDeltaEvent
  | IReasoningEvent
  | IStepsEvent
  | IAnswerEvent
  | IRankingStartedEvent
  | IRankingEvent
  | IDoneEvent
  | IErrorEvent;

export type LoadingProgress = Omit<ILoadingEvent, 'type'>;

/**
 * What `GET /pachinco/status` tells the browser (never secrets).
 */
export interface IServerStatus {
  version: string;
  backend: string;
  model: string;
  base_url: string | null;
  model_state?: 'not-loaded' | 'loading' | 'ready' | 'error';
  loading?: LoadingProgress | null;
  /** Why the model could not load, when `model_state` is `error`. */
  error?: string | null;
  /** The model answering now, as the picker names it. */
  choice?: IModelChoice;
  /** Whether it was chosen in the picker (else: the server's configuration). */
  chosen?: boolean;
  /** Whether the model was given explicitly when the server started. */
  explicit?: boolean;
  /** How trial runs of candidates are isolated on this machine. */
  trial_isolation?: ITrialIsolation;
}

/**
 * The sandbox layers trial runs get here (`execution/sandbox.py: isolation_here`).
 */
export interface ITrialIsolation {
  /** Layer name (`landlock`, `seccomp`, `no_new_privs`, ...) -> whether it is enforced. */
  layers: Record<string, boolean>;
  landlock_abi: number;
  /** One sentence for the user: what is enforced, by what, and what is missing. */
  summary: string;
}

/**
 * A model to answer with; `api_key_env` is the NAME of the variable holding the key.
 */
export interface IModelChoice {
  backend: string;
  model: string;
  base_url?: string;
  gguf_file?: string;
  api_key_env?: string;
  label?: string;
}

/**
 * A model the picker offers (`GET /pachinco/models`).
 */
export interface IFoundModel {
  id: string;
  label: string;
  source:
    | 'packaged'
    | 'ollama-folder'
    | 'lmstudio'
    | 'hf-cache'
    | 'ollama'
    | 'server';
  choice: IModelChoice;
  size_bytes: number | null;
  note: string;
}

export interface IModelsAnswer {
  models: IFoundModel[];
  notes: string[];
  active: IModelChoice;
  configured: IModelChoice;
  default_download: string;
  explicit: boolean;
}

/**
 * An OpenAI-compatible server the user added in the picker.
 */
export interface IServerEntry {
  base_url: string;
  api_key_env?: string;
  name?: string;
}

/**
 * One earlier exchange, as stored in `metadata.pachinco.turns`.
 */
export interface IStoredTurn {
  intent: string;
  /** The answer's code (the one shown first), inserted or not. */
  code: string;
  explanation: string;
  time: string;
  /** One entry per request: storing it again replaces the entry. */
  request_id?: string;
  /** False: not inserted, or its insertion was undone (absent: an older, inserted turn). */
  inserted?: boolean;
  outcome?: TurnOutcome;
  /** What went into the notebook. */
  inserted_code?: string;
  undone?: boolean;
}

export type TurnOutcome = 'answered' | 'no code' | 'failed' | 'stopped';
