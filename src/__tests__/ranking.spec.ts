import { applyEvent, IChatTurn, startTurn } from '../conversation';
import { GenerateEvent, IRankingEvent } from '../protocol';
import {
  copiesOf,
  describeTrial,
  flipped,
  rankedOrder,
  showsOneAtATime,
  shownIndex,
  trialOf
} from '../ranking';
import { ranked } from './fakes';

function answerLine(index: number, code: string): GenerateEvent {
  return {
    type: 'answer',
    index,
    finish_reason: 'stop',
    candidate: { steps: [{ explanation: 'Sum', code }], code, prose: '' },
    cells: [{ cell_type: 'code', source: code }]
  };
}

// Answers 0 and 2 agree; answer 1 raised.
const ranking: IRankingEvent = {
  type: 'ranking',
  notice: null,
  summary: '2 of 3 answers agree; 1 failed.',
  order: [2, 0, 1],
  candidates: [
    ranked(2, { votes: 2, group: 0, preview: '18' }),
    ranked(0, { votes: 2, group: 0, preview: '18' }),
    ranked(1, {
      status: 'error',
      votes: 0,
      group: null,
      type: null,
      preview: null,
      error: "KeyError: 'prices'"
    })
  ]
};

function play(events: GenerateEvent[]): IChatTurn {
  return events.reduce(applyEvent, startTurn('req-1', 'total price'));
}

const answers = [
  answerLine(0, "df['price'].sum()"),
  answerLine(1, "df['prices'].sum()"),
  answerLine(2, 'df.price.sum()')
];

describe('ranking applied to a turn', () => {
  it('says the answers are being checked until the ranking arrives', () => {
    const turn = play([...answers, { type: 'ranking_started', candidates: 3 }]);
    expect(turn.checking).toBe(3);
    expect(turn.ranking).toBeNull();
    const ranked = applyEvent(turn, ranking);
    expect(ranked.checking).toBeNull();
    expect(ranked.ranking).toEqual(ranking);
  });

  it('shows the chosen answer first, then the others in ranked order', () => {
    const turn = play([
      ...answers,
      ranking,
      { type: 'done', finish_reasons: [] }
    ]);
    expect(showsOneAtATime(turn)).toBe(true);
    expect(rankedOrder(turn)).toEqual([2, 0, 1]);
    expect(shownIndex(turn)).toBe(2);
    expect(trialOf(turn, 2)?.preview).toBe('18');
  });

  it('flips through the alternatives and stops at both ends', () => {
    const turn = play([...answers, ranking]);
    const second = flipped(turn, 1);
    expect(shownIndex(second)).toBe(0);
    const third = flipped(second, 1);
    expect(shownIndex(third)).toBe(1);
    expect(describeTrial(trialOf(third, 1)!).detail).toBe("KeyError: 'prices'");
    expect(shownIndex(flipped(third, 1))).toBe(1);
    expect(shownIndex(flipped(turn, -1))).toBe(2);
    expect(turn.shown).toBe(0);
  });

  it('keeps answers the ranking does not name, after the ranked ones', () => {
    const partial: IRankingEvent = {
      ...ranking,
      order: [1, 7, 1],
      candidates: [ranked(1)]
    };
    const turn = play([...answers, partial]);
    expect(rankedOrder(turn)).toEqual([1, 0, 2]);
  });

  it('lists several unranked answers one at a time once they are done', () => {
    const streaming = play(answers);
    expect(showsOneAtATime(streaming)).toBe(false);
    const done = applyEvent(streaming, { type: 'done', finish_reasons: [] });
    expect(showsOneAtATime(done)).toBe(true);
    expect(rankedOrder(done)).toEqual([0, 1, 2]);
  });
});

describe('trial run descriptions', () => {
  it('gives the type, shape, votes and preview of a result', () => {
    const text = describeTrial(
      ranked(0, {
        type: 'DataFrame',
        shape: [3, 2],
        votes: 5,
        preview: '   a  b\n0  1  2',
        stdout: 'done'
      }),
      8
    );
    expect(text.headline).toBe(
      'Gives DataFrame of shape (3, 2) · 5 of 8 give this output'
    );
    expect(text.detail).toBe('   a  b\n0  1  2\ndone');
  });

  it('writes a one-dimensional shape as a Python tuple', () => {
    const text = describeTrial(ranked(0, { type: 'Series', shape: [4] }));
    expect(text.headline).toBe('Gives Series of shape (4,)');
  });

  it('says why an answer was not run', () => {
    const text = describeTrial(
      ranked(0, {
        status: 'not_run',
        side_effects: ['writes a file (to_csv)', 'deletes a file (os.remove)']
      })
    );
    expect(text.headline).toContain('Not tried');
    expect(text.detail).toBe(
      'writes a file (to_csv)\ndeletes a file (os.remove)'
    );
  });

  it('tells a timeout from an error', () => {
    expect(
      describeTrial(
        ranked(0, { status: 'timeout', error: 'timed out after 10 s' })
      ).headline
    ).toContain('too long');
    expect(
      describeTrial(ranked(0, { status: 'error', error: 'ZeroDivisionError' }))
        .headline
    ).toContain('Failed on the copy');
  });

  it('labels an answer without code as such, never as an error', () => {
    const text = describeTrial(ranked(0, { status: 'no_code' }));
    expect(text.headline).toMatch(/^No code/);
    expect(text.headline).not.toMatch(/error|Failed/);
  });

  it('says whether a fix still does what the cell meant', () => {
    const intent = "sets df['total'] and shows its result";
    expect(
      describeTrial(ranked(0, { verdict: 'kept' }), 2, intent).headline
    ).toMatch(
      /^Ran, and still sets df\['total'\] and shows its result\. Gives int · 1 of 2/
    );
    const lost = describeTrial(
      ranked(0, { verdict: "no longer sets df['total']" }),
      1,
      intent
    );
    expect(lost.headline).toMatch(
      /^Ran, but no longer sets df\['total'\] \(the cell sets/
    );
  });
});

describe('identical answers', () => {
  it('shows each distinct code once and counts its copies', () => {
    let turn = startTurn('r', 'q');
    for (const index of [0, 1, 2]) {
      turn = applyEvent(turn, answerLine(index, index === 1 ? 'b' : 'a'));
    }
    turn = applyEvent(turn, {
      type: 'ranking',
      notice: null,
      summary: '3 answers, 2 distinct',
      order: [0, 2, 1],
      candidates: [
        ranked(0, { votes: 2 }),
        ranked(2, { same_as: 0, votes: 2 }),
        ranked(1)
      ]
    });
    expect(rankedOrder(turn)).toEqual([0, 1]);
    expect(copiesOf(turn, 0)).toBe(2);
    expect(copiesOf(turn, 1)).toBe(1);
  });
});
