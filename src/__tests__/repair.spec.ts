import {
  errorTextOf,
  failedAssistantCells,
  failedCellOf,
  fixRequestOf,
  fixTitle,
  ICellJSON,
  stripAnsi
} from '../repair';

const ESC = '\u001b';

const errorOutput = {
  output_type: 'error',
  ename: 'KeyError',
  evalue: "'prices'",
  traceback: [
    `${ESC}[0;31m---------------------------------------------------------------------------${ESC}[0m`,
    `${ESC}[0;31mKeyError${ESC}[0m                                  Traceback (most recent call last)`,
    `Cell ${ESC}[0;32mIn[3], line 1${ESC}[0m`,
    `${ESC}[0;31mKeyError${ESC}[0m: 'prices'`
  ]
};

const failing: ICellJSON = {
  id: 'cell-2',
  cell_type: 'code',
  source: ["total = df['prices']", '.sum()'],
  outputs: [{ output_type: 'stream', name: 'stdout', text: 'hi' }, errorOutput],
  metadata: { pachinco: { request_id: 'req-1', intent: 'total price' } }
};

describe('repair', () => {
  it('strips terminal colours from a traceback', () => {
    expect(stripAnsi(`${ESC}[0;31mKeyError${ESC}[0m: 'x'`)).toBe(
      "KeyError: 'x'"
    );
  });

  it('reads the traceback text of the error output', () => {
    const text = errorTextOf(failing.outputs!);
    expect(text).toContain("KeyError: 'prices'");
    expect(text).toContain('Traceback (most recent call last)');
    expect(text).not.toContain(ESC);
    expect(errorTextOf([{ output_type: 'stream', text: 'x' }])).toBeNull();
  });

  it('falls back to the exception name and value without a traceback', () => {
    expect(
      errorTextOf([
        {
          output_type: 'error',
          ename: 'ValueError',
          evalue: 'bad',
          traceback: []
        }
      ])
    ).toBe('ValueError: bad');
  });

  it('builds the fix request body from a cell with an error output', () => {
    const failed = failedCellOf(failing)!;
    expect(failed.cellId).toBe('cell-2');
    expect(failed.requestId).toBe('req-1');
    expect(fixRequestOf(failed)).toEqual({
      code: "total = df['prices'].sum()",
      error: [
        '---------------------------------------------------------------------------',
        'KeyError                                  Traceback (most recent call last)',
        'Cell In[3], line 1',
        "KeyError: 'prices'"
      ].join('\n')
    });
    expect(fixTitle(failed)).toBe("Fix: KeyError: 'prices'");
  });

  it('lists only the assistant-inserted code cells that raised', () => {
    const cells: ICellJSON[] = [
      {
        id: 'a',
        cell_type: 'code',
        source: 'x',
        outputs: [errorOutput],
        metadata: {}
      },
      {
        id: 'b',
        cell_type: 'code',
        source: 'y',
        outputs: [],
        metadata: failing.metadata
      },
      {
        id: 'c',
        cell_type: 'markdown',
        source: 'z',
        metadata: failing.metadata
      },
      failing
    ];
    expect(failedAssistantCells(cells).map(c => c.cellId)).toEqual(['cell-2']);
    expect(failedCellOf(cells[0])?.requestId).toBeNull();
    expect(failedCellOf(cells[1])).toBeNull();
  });
});
