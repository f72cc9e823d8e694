import { endedTurn, failedTurn } from '../errors';
import { startTurn } from '../conversation';
import { fixInsertion, fixTarget } from '../fixPlacement';
import { ITarget } from '../session';

const where: ITarget = { cells: [], activeCellIndex: 4 };

describe('fixTarget', () => {
  it('reads the cells before the failing cell', () => {
    expect(fixTarget(where, 2).activeCellIndex).toBe(1);
  });

  it('has no context cell when the first cell failed', () => {
    expect(fixTarget(where, 0).activeCellIndex).toBeNull();
  });

  it('falls back to the active cell once the failing cell is deleted', () => {
    expect(fixTarget(where, null).activeCellIndex).toBe(4);
  });
});

describe('fixInsertion', () => {
  it('replaces the failing cell where it is now', () => {
    expect(fixInsertion(3, 'replace')).toEqual({ below: 3, mode: 'replace' });
  });

  it('inserts below the active cell once the failing cell is deleted', () => {
    expect(fixInsertion(null, 'replace')).toEqual({
      below: undefined,
      mode: 'below'
    });
    expect(fixInsertion(null, 'run')).toEqual({
      below: undefined,
      mode: 'run'
    });
  });
});

describe('endedTurn and failedTurn', () => {
  const streaming = startTurn('r1', 'plot it');

  it('a stopped stream ends stopped, even after done', () => {
    expect(endedTurn({ ...streaming, phase: 'done' }, true).phase).toBe(
      'stopped'
    );
  });

  it('a stream that ended while still streaming was cut short', () => {
    const ended = endedTurn(streaming, false);
    expect(ended.phase).toBe('error');
    expect(ended.error?.kind).toBe('IncompleteAnswer');
  });

  it('a request that threw is an error in words, unless it was aborted', () => {
    expect(failedTurn(streaming, true, new Error('x')).phase).toBe('stopped');
    const failed = failedTurn(streaming, false, new Error('refused'));
    expect(failed.phase).toBe('error');
    expect(failed.error?.message).toContain('refused');
  });
});
