/**
 * Repair as plain data: which assistant-inserted cells raised, and the fix request built
 * from a failing cell's code and traceback.
 */
import { IFixRequest } from './protocol';

/**
 * A notebook cell as nbformat JSON (with the id JupyterLab gives every cell).
 */
export interface ICellJSON {
  id?: string;
  cell_type: string;
  source: string | string[];
  outputs?: unknown[];
  metadata?: Record<string, unknown>;
}

/**
 * A code cell whose outputs hold an error.
 */
export interface IFailedCell {
  cellId: string;
  code: string;
  /** The traceback text, without terminal colour codes. */
  error: string;
  /** The request that inserted the cell, when the assistant did. */
  requestId: string | null;
}

// The terminal escape sequences IPython colours tracebacks with.
// eslint-disable-next-line no-control-regex
const ANSI_ESCAPE = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_ESCAPE, '');
}

/**
 * The traceback text of the first error output, or null when no output is an error.
 */
export function errorTextOf(outputs: readonly unknown[]): string | null {
  for (const output of outputs) {
    if (!isRecord(output) || output.output_type !== 'error') {
      continue;
    }
    const traceback = Array.isArray(output.traceback)
      ? output.traceback.map(String).join('\n')
      : '';
    const text = traceback.trim()
      ? traceback
      : `${String(output.ename ?? 'Error')}: ${String(output.evalue ?? '')}`;
    return stripAnsi(text);
  }
  return null;
}

/**
 * The cell as a failed cell, or null when it is not a code cell with an error output.
 */
export function failedCellOf(cell: ICellJSON): IFailedCell | null {
  if (cell.cell_type !== 'code' || cell.id === undefined) {
    return null;
  }
  const error = errorTextOf(cell.outputs ?? []);
  if (error === null) {
    return null;
  }
  const tag = cell.metadata?.pachinco;
  const requestId =
    isRecord(tag) && typeof tag.request_id === 'string' ? tag.request_id : null;
  const code = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
  return { cellId: cell.id, code, error, requestId };
}

/**
 * The code cells the assistant inserted that raised, in notebook order.
 */
export function failedAssistantCells(
  cells: readonly ICellJSON[]
): IFailedCell[] {
  return cells
    .map(failedCellOf)
    .filter(
      (failed): failed is IFailedCell =>
        failed !== null && failed.requestId !== null
    );
}

export function fixRequestOf(failed: IFailedCell): IFixRequest {
  return { code: failed.code, error: failed.error };
}

/**
 * How a fix turn is titled in the sidebar: the error's last line.
 */
export function fixTitle(failed: IFailedCell): string {
  const lines = failed.error
    .split('\n')
    .map(line => line.trim())
    .filter(line => line.length > 0);
  const last = lines[lines.length - 1] ?? 'the cell raised an error';
  return `Fix: ${last}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
