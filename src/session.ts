/**
 * The shapes the sidebar's model works with: its status, the notebook it is bound to, the
 * user's options.
 */
import type { IAgentOptions } from './agentProtocol';
import {
  IContextCell,
  IGenerateOptions,
  IInsertionCell,
  IServerStatus,
  IStoredTurn
} from './protocol';
import { IFailedCell } from './repair';
import { IGenerateClient } from './stream';

/**
 * Where the panel's knowledge of the server stands.
 */
export type StatusState =
  | { kind: 'loading' }
  | { kind: 'ready'; status: IServerStatus }
  | { kind: 'error'; message: string };

/**
 * Fetches the server's status; injected so the model holds no I/O of its own.
 */
export type StatusFetcher = () => Promise<IServerStatus>;

/**
 * How an answer goes into the notebook.
 */
export type InsertMode = 'below' | 'run' | 'replace';

/**
 * Where a request's context comes from and where its answer goes: the sidebar uses the
 * active cell; the markdown-cell command uses the cells above that markdown cell.
 */
export interface ITarget {
  cells: IContextCell[];
  activeCellIndex: number | null;
  /** Insert the answer right away below this cell index (the notebook-native flow). */
  insertBelow?: number;
}

/**
 * The notebook the sidebar is bound to, as the model needs it (implemented over
 * JupyterLab's notebook in `notebook.ts`, by a fake in the tests).
 */
export interface INotebookSession {
  readonly path: string | null;
  readonly kernelId: string | null;
  /**
   * How often the notebook's kernel ran code or restarted since the sidebar first saw it
   * (absent: not known), to tell whether its state changed since a scratch copy was made.
   */
  readonly kernelRuns?: number;
  /** The live cells and the active cell, as the sidebar's request context. */
  currentTarget(includeOutputs: boolean): ITarget;
  storedTurns(): IStoredTurn[];
  /** Insert `cells` tagged with `tag` (as one undo step), after `below` or the active cell. */
  insert(
    cells: IInsertionCell[],
    mode: InsertMode,
    tag: { request_id: string; intent: string },
    below?: number
  ): Promise<void>;
  /**
   * Store a turn in the notebook's metadata (in place of the entry with its request id, else
   * appended) and save the notebook.
   */
  recordTurn(turn: IStoredTurn): Promise<void>;
  /** Whether any cell inserted for this request is in the notebook now. */
  hasCellsOf(requestId: string): boolean;
  /** The code cells whose outputs hold an error, in notebook order. */
  failedCells(): IFailedCell[];
  /** Where the cell with this id is now, or null once it was deleted. */
  indexOfCell(cellId: string): number | null;
}

/**
 * The user's choices from the settings editor.
 */
export interface IAssistantOptions {
  n: number;
  style: NonNullable<IGenerateOptions['style']>;
  layout: NonNullable<IGenerateOptions['layout']>;
  includeOutputs: boolean;
  /** null: the server decides (greedy for one answer, sampled for several). */
  temperature: number | null;
}

/**
 * The options an answer is asked with: the user's, and ranking when several answers are
 * asked for or for a fix (a fix is always tried before it is offered).
 */
export function generateOptions(
  options: IAssistantOptions,
  isFix: boolean
): IGenerateOptions {
  const { n, style, layout, includeOutputs, temperature } = options;
  const asked: IGenerateOptions = {
    n,
    style,
    layout,
    include_outputs: includeOutputs
  };
  if (temperature !== null) {
    asked.temperature = temperature;
  }
  if (n > 1 || isFix) {
    asked.rank = true;
  }
  return asked;
}

/**
 * The options an agent run is asked with: the user's style, layout, outputs and temperature;
 * the number of candidates per step is the server's (3: their vote chooses the step).
 */
export function agentOptions(options: IAssistantOptions): IAgentOptions {
  const { style, layout, includeOutputs, temperature } = options;
  return {
    style,
    layout,
    include_outputs: includeOutputs,
    ...(temperature !== null ? { temperature } : {})
  };
}

export const DEFAULT_OPTIONS: IAssistantOptions = {
  n: 1,
  style: 'explained',
  layout: 'markdown+code',
  includeOutputs: true,
  temperature: null
};

export interface IModelOptions {
  fetchStatus: StatusFetcher;
  client: IGenerateClient;
  newId: () => string;
  now?: () => Date;
  /** How often to ask the status again while the model loads (ms). */
  pollMs?: number;
}
