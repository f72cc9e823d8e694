/**
 * The agent protocol (`POST /pachinco/agent`, answered as `application/x-ndjson`, one line
 * per event; `POST /pachinco/agent/cancel` stops a run). The OpenAPI description
 * (`GET /pachinco/openapi.json`, `AgentLine`) is the reference; these types follow it.
 */

import type {
  AnswerStyle,
  IContextCell,
  IInsertionCell,
  ILoadingEvent,
  IRankedCandidate,
  InsertionLayout
} from './protocol';

/**
 * The most steps a plan may have, and the most characters in one step's text: the server's
 * limits (`MAX_STEPS`, `MAX_STEP_CHARS` in server/agent_validation.py, the `plan` field of
 * `AgentRequest` in the OpenAPI description; a jest test holds them equal).
 */
export const MAX_PLAN_STEPS = 20;
export const MAX_STEP_CHARS = 500;

export interface IAgentOptions {
  /** Candidates per step, trial-run in forks of the scratch (1-8, default 3). */
  n?: number;
  max_steps?: number;
  max_repairs?: number;
  max_new_tokens?: number;
  plan_tokens?: number;
  temperature?: number;
  style?: AnswerStyle;
  layout?: InsertionLayout;
  include_outputs?: boolean;
  /** Budget, in the model's tokens, of each observation written into a prompt. */
  observation_tokens?: number;
}

export interface IAgentRequest {
  request_id: string;
  task: string;
  notebook_path: string | null;
  cells: IContextCell[];
  active_cell_index: number | null;
  /** Required unless `go` is false. */
  kernel_id: string | null;
  /** false: stop after the plan, so that it can be shown and edited. */
  go?: boolean;
  /** An (edited) plan to work through: no new plan is made. */
  plan?: string[] | null;
  /**
   * Retry from here: the steps of `plan` that worked in an earlier run (its
   * `cells` line's `explanation` and `code`), entry i for step i + 1, replayed
   * as they are on the new scratch (no model call) before the rest is worked.
   * Requires `plan`, with at least one step more.
   */
  done?: Array<{ explanation: string; code: string }>;
  options?: IAgentOptions;
}

export interface IStreamSummary {
  head: string;
  /** The last characters not already in `head`. */
  tail: string;
  chars: number;
  lines: number;
}

export interface IFigure {
  kind: string;
  title: string;
  axes: Array<{
    title: string;
    xlabel: string;
    ylabel: string;
    kind: string;
    series: number;
    labels: string[];
  }>;
  series: number;
  width: number;
  height: number;
  /** Base64 PNG (Agg, 72 dpi); null when not rendered. */
  png: string | null;
}

export interface IObservation {
  status: 'ok' | 'error';
  stdout: IStreamSummary;
  stderr: IStreamSummary;
  value: {
    type: string;
    shape: number[] | null;
    dtype?: string;
    columns?: Array<{ name: string; dtype: string }>;
    columns_omitted?: number;
    preview: string;
  } | null;
  variables: Array<{
    name: string;
    kind: string;
    change: 'new' | 'changed';
    [field: string]: unknown;
  }>;
  error: {
    type: string;
    message: string;
    frames: Array<{
      file: string;
      line: number | null;
      function: string;
      code: string;
    }>;
    frames_omitted: number;
    text: string;
  } | null;
  figures: IFigure[];
  seconds: number;
}

export interface IAcceptedStep {
  number: number;
  text: string;
  explanation: string;
  code: string;
  cells: IInsertionCell[];
  observation: IObservation;
  observation_text: string;
  repairs: number;
}

export interface IScratchLine {
  type: 'scratch';
  state: 'ready';
  pid: number;
}

export interface IPlanLine {
  type: 'plan';
  steps: string[];
  /** 0 for the first plan; 1, 2, ... for revisions after an observation. */
  revision: number;
  /** A revision replaces the steps after this step. */
  after: number;
  reason: string | null;
  given: boolean;
}

export interface IStepLine {
  type: 'step';
  step: number;
  text: string;
}

export interface IAgentDeltaLine {
  type: 'delta';
  phase: 'plan' | 'step';
  step: number;
  attempt: number;
  index: number;
  text: string;
}

export interface ITrialLine {
  type: 'trial';
  step: number;
  attempt: number;
  /** The candidate that advances the scratch; null when none can. */
  chosen: number | null;
  failure: string | null;
  notice: string | null;
  summary: string;
  order: number[];
  candidates: IRankedCandidate[];
}

export interface IRepairLine {
  type: 'repair';
  step: number;
  attempt: number;
  reason: string;
  error: string | null;
  code: string;
}

export interface IObservationLine {
  type: 'observation';
  step: number;
  observation: IObservation;
  text: string;
  /** The code came from the request's `done`: no model call, no `trial` line. */
  replayed: boolean;
  /** The step as accepted, as the `cells` line will list it. */
  accepted: IAcceptedStep;
}

export interface ICellsLine {
  type: 'cells';
  steps: IAcceptedStep[];
  cells: IInsertionCell[];
}

export interface IAgentDoneLine {
  type: 'done';
  status: 'finished' | 'planned' | 'max_steps' | 'failed' | 'cancelled';
  steps_done: number;
  failed_step: number | null;
  reason: string | null;
}

export interface IAgentErrorLine {
  type: 'error';
  kind: string;
  message: string;
}

export type AgentLine =
  | IScratchLine
  | IPlanLine
  | IStepLine
  | IAgentDeltaLine
  | ILoadingEvent
  | ITrialLine
  | IRepairLine
  | IObservationLine
  | ICellsLine
  | IAgentDoneLine
  | IAgentErrorLine;
