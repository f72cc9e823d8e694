import {
  answerMarkdown,
  applyEvent,
  readStoredTurns,
  startTurn,
  storedMarkdown,
  utcTime,
  withStoredTurn
} from '../conversation';

describe('applyEvent', () => {
  it('grows a candidate per index from deltas and steps', () => {
    let turn = startTurn('r', 'intent');
    turn = applyEvent(turn, { type: 'delta', index: 1, text: 'a' });
    turn = applyEvent(turn, { type: 'delta', index: 1, text: 'b' });
    turn = applyEvent(turn, {
      type: 'steps',
      index: 1,
      steps: [{ explanation: 'e', code: 'c' }]
    });
    expect(turn.candidates).toHaveLength(2);
    expect(turn.candidates[0]).toEqual({
      text: '',
      reasoning: '',
      steps: [],
      answer: null
    });
    expect(turn.candidates[1].text).toBe('ab');
    expect(turn.candidates[1].steps).toEqual([{ explanation: 'e', code: 'c' }]);
  });

  it("keeps a reasoning model's thinking apart from the answer text", () => {
    let turn = startTurn('r', 'intent');
    turn = applyEvent(turn, { type: 'reasoning', index: 0, text: 'Let me ' });
    turn = applyEvent(turn, { type: 'reasoning', index: 0, text: 'draft.' });
    turn = applyEvent(turn, { type: 'delta', index: 0, text: 'df.x' });
    expect(turn.candidates[0].reasoning).toBe('Let me draft.');
    expect(turn.candidates[0].text).toBe('df.x');
  });

  it('does not change the turn it is given', () => {
    const turn = startTurn('r', 'intent');
    applyEvent(turn, { type: 'delta', index: 0, text: 'a' });
    expect(turn.candidates).toEqual([]);
  });

  it('keeps an error phase when done follows', () => {
    let turn = startTurn('r', 'i');
    turn = applyEvent(turn, { type: 'error', kind: 'K', message: 'm' });
    turn = applyEvent(turn, { type: 'done', finish_reasons: [] });
    expect(turn.phase).toBe('error');
  });
});

describe('answerMarkdown', () => {
  it('numbers explanations and fences code, longer than backticks inside', () => {
    const text = answerMarkdown(
      [
        { explanation: 'Load', code: 'x = "```"' },
        { explanation: '', code: 'y' }
      ],
      ' Done. '
    );
    expect(text).toBe(
      '**Step 1.** Load\n\n````python\nx = "```"\n````\n\n**Step 2.**\n\n```python\ny\n```\n\nDone.'
    );
  });

  it('shows a stored turn as its explanation and code', () => {
    expect(
      storedMarkdown({ intent: 'i', code: 'a', explanation: '1. E', time: '' })
    ).toBe('1. E\n\n```python\na\n```');
  });
});

describe('stored turns', () => {
  it('writes times as Python isoformat does', () => {
    expect(utcTime(new Date(Date.UTC(2026, 10, 26, 11, 5, 9, 999)))).toBe(
      '2026-11-26T11:05:09+00:00'
    );
  });

  it('reads well-formed turns and leaves out the rest', () => {
    const ours = {
      turns: [
        { intent: 'a', code: 'x' },
        { intent: 1, code: 'x' },
        'junk',
        { intent: 'b', code: 'y', explanation: 'e', time: 't' }
      ]
    };
    expect(readStoredTurns(ours)).toEqual([
      { intent: 'a', code: 'x', explanation: '', time: '' },
      { intent: 'b', code: 'y', explanation: 'e', time: 't' }
    ]);
    expect(readStoredTurns(undefined)).toEqual([]);
    expect(readStoredTurns({ turns: 'no' })).toEqual([]);
  });

  it('appends, keeps other keys and only the newest turns', () => {
    const turn = (intent: string) => ({
      intent,
      code: 'c',
      explanation: '',
      time: 't'
    });
    const ours = { other: 1, turns: [turn('a'), turn('b')] };
    const updated = withStoredTurn(ours, turn('c'), 2);
    expect(updated).toEqual({ other: 1, turns: [turn('b'), turn('c')] });
    expect(ours.turns).toHaveLength(2);
  });
});
