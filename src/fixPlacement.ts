/**
 * Where a fix reads its context from and where its answer goes, as plain functions of the
 * failing cell's current index (null once the user deleted that cell).
 */
import { InsertMode, ITarget } from './session';

/**
 * The context of a fix: the cells before the failing one (the fix request carries that cell
 * itself). When the cell is gone, the cells before the active cell.
 */
export function fixTarget(where: ITarget, failingAt: number | null): ITarget {
  const before = failingAt === null ? where.activeCellIndex : failingAt - 1;
  return {
    ...where,
    activeCellIndex: before !== null && before >= 0 ? before : null
  };
}

/**
 * Where a fix's answer goes: at the failing cell (replacing it, or below it); once that cell
 * is deleted, below the active cell, since there is nothing left to replace.
 */
export function fixInsertion(
  failingAt: number | null,
  mode: InsertMode
): { below: number | undefined; mode: InsertMode } {
  return {
    below: failingAt ?? undefined,
    mode: failingAt === null && mode === 'replace' ? 'below' : mode
  };
}
