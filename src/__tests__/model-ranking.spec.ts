import { IChatTurn } from '../conversation';
import { GenerateEvent } from '../protocol';
import { IFailedCell } from '../repair';
import {
  answer,
  done,
  FakeSession,
  makeModel,
  ranked,
  ScriptedClient
} from './fakes';

describe('PachincoModel ranking and repair', () => {
  const answerAt = (index: number, code: string): GenerateEvent => ({
    type: 'answer',
    index,
    finish_reason: 'stop',
    candidate: { steps: [{ explanation: 'Fix', code }], code, prose: '' },
    cells: [{ cell_type: 'code', source: code }]
  });
  const rankingOf = (order: number[]): GenerateEvent => ({
    type: 'ranking',
    notice: null,
    summary: 'votes',
    order,
    candidates: order.map(index => ranked(index))
  });
  const failed: IFailedCell = {
    cellId: 'c2',
    code: "df['prices'].sum()",
    error: "KeyError: 'prices'",
    requestId: 'req-1'
  };

  it('sends a fix with the failing code, its error and the cells before it', async () => {
    const client = new ScriptedClient([
      answerAt(0, "df['price'].sum()"),
      rankingOf([0]),
      done
    ]);
    const model = makeModel(client);
    model.setSession(new FakeSession());
    const turn = (await model.fix(failed)) as IChatTurn;
    expect(client.requests).toEqual([
      {
        request_id: 'req-1',
        intent: '',
        notebook_path: 'work/analysis.ipynb',
        cells: [{ cell_type: 'code', source: 'df = make()', outputs: [] }],
        active_cell_index: 1,
        kernel_id: 'kernel-1',
        options: {
          n: 1,
          style: 'explained',
          layout: 'markdown+code',
          include_outputs: true,
          rank: true
        },
        fix: { code: "df['prices'].sum()", error: "KeyError: 'prices'" }
      }
    ]);
    expect(turn.intent).toBe("Fix: KeyError: 'prices'");
    expect(turn.fixOf).toBe('c2');
    expect(turn.ranking?.order).toEqual([0]);
  });

  it('replaces the failing cell where it is now', async () => {
    const model = makeModel(
      new ScriptedClient([answerAt(0, 'fixed()'), rankingOf([0]), done])
    );
    const session = new FakeSession();
    model.setSession(session);
    const turn = (await model.fix(failed)) as IChatTurn;
    session.cellIds = ['new', 'c0', 'c1', 'c2'];
    await model.insert(turn, 0, 'replace');
    expect(session.inserted.map(i => [i.mode, i.below])).toEqual([
      ['replace', 3]
    ]);
    session.cellIds = ['c0'];
    await model.insert(turn, 0, 'replace');
    // The failing cell was deleted: nothing is replaced, the fix goes below.
    expect(session.inserted[1].mode).toBe('below');
    expect(session.inserted[1].below).toBeUndefined();
  });

  it('does not ask for ranking with one candidate', async () => {
    const client = new ScriptedClient([answer, done]);
    const model = makeModel(client);
    model.setSession(new FakeSession());
    await model.send('mean price');
    expect(client.requests[0].options.rank).toBeUndefined();
    expect(client.requests[0].fix).toBeUndefined();
  });

  it('flips the shown answer within the ranked order', async () => {
    const model = makeModel(
      new ScriptedClient([
        answerAt(0, 'a'),
        answerAt(1, 'b'),
        answerAt(2, 'c'),
        rankingOf([2, 0, 1]),
        done
      ])
    );
    const session = new FakeSession();
    model.setSession(session);
    const turn = (await model.send('pick')) as IChatTurn;
    model.flip(turn, 1);
    expect(model.turns[0].shown).toBe(1);
    model.flip(model.turns[0], 5);
    expect(model.turns[0].shown).toBe(2);
  });

  it('inserts the chosen answer in the notebook-native flow', async () => {
    const model = makeModel(
      new ScriptedClient([
        answerAt(0, 'a'),
        answerAt(1, 'b'),
        rankingOf([1, 0]),
        done
      ])
    );
    const session = new FakeSession();
    model.setSession(session);
    await model.send('pick', {
      cells: [],
      activeCellIndex: null,
      insertBelow: 0
    });
    expect(session.inserted[0].cells).toEqual([
      { cell_type: 'code', source: 'b' }
    ]);
  });

  it('offers Fix only for the cells the turn inserted', async () => {
    const model = makeModel(new ScriptedClient([answer, done]));
    const session = new FakeSession();
    session.failed = [
      failed,
      { ...failed, cellId: 'c1', requestId: null },
      { ...failed, cellId: 'c0', requestId: 'other' }
    ];
    model.setSession(session);
    const turn = (await model.send('mean price')) as IChatTurn;
    expect(model.failedCellsOf(turn).map(c => c.cellId)).toEqual(['c2']);
  });
});
