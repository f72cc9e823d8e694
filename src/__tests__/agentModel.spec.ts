/**
 * The sidebar's agent model over a scripted agent client and an in-memory notebook: what
 * it asks the server, what it inserts, what it keeps.
 */
import type { AgentLine, IAcceptedStep, IAgentRequest } from '../agentProtocol';
import { IAgentClient } from '../agentClient';
import { AgentModel } from '../agentModel';
import { conversationOrder } from '../conversation';
import { acceptedStep, FakeSession, makeModel, ScriptedClient } from './fakes';

const PLAN = ['Divide the fare.', 'Average per class.'];

function step(number: number, code: string): IAcceptedStep {
  return acceptedStep(PLAN, number, code);
}

/** Answers each request with the next script; `hold` keeps a stream open until aborted. */
class ScriptedAgent implements IAgentClient {
  constructor(private readonly _scripts: AgentLine[][]) {}
  requests: IAgentRequest[] = [];
  cancelled: string[] = [];
  hold = false;

  async run(
    request: IAgentRequest,
    onLine: (line: AgentLine) => void,
    signal: AbortSignal
  ): Promise<void> {
    this.requests.push(request);
    for (const line of this._scripts[this.requests.length - 1] ?? []) {
      onLine(line);
    }
    if (this.hold) {
      await new Promise<void>((_, reject) =>
        signal.addEventListener('abort', () =>
          reject(new DOMException('aborted', 'AbortError'))
        )
      );
    }
  }

  async cancel(requestId: string): Promise<void> {
    this.cancelled.push(requestId);
  }
}

const planned: AgentLine[] = [
  {
    type: 'plan',
    steps: PLAN,
    revision: 0,
    after: 0,
    reason: null,
    given: false
  },
  {
    type: 'done',
    status: 'planned',
    steps_done: 0,
    failed_step: null,
    reason: null
  }
];

function worked(
  steps: IAcceptedStep[],
  status: 'finished' | 'cancelled'
): AgentLine[] {
  return [
    { type: 'scratch', state: 'ready', pid: 7 },
    {
      type: 'plan',
      steps: PLAN,
      revision: 0,
      after: 0,
      reason: null,
      given: true
    },
    ...steps.map((s): AgentLine => ({
      type: 'observation',
      step: s.number,
      observation: s.observation,
      text: s.observation_text,
      replayed: false,
      accepted: s
    })),
    {
      type: 'cells',
      steps,
      cells: ([] as IAcceptedStep['cells']).concat(...steps.map(s => s.cells))
    },
    {
      type: 'done',
      status,
      steps_done: steps.length,
      failed_step: null,
      reason: null
    }
  ];
}

function setUp(scripts: AgentLine[][]) {
  const chat = makeModel(new ScriptedClient([]));
  const session = new FakeSession();
  chat.setSession(session);
  const client = new ScriptedAgent(scripts);
  let id = 0;
  const agent = new AgentModel({
    chat,
    client,
    newId: () => `id-${++id}`,
    now: () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5))
  });
  return { chat, session, client, agent };
}

describe('AgentModel', () => {
  it('asks for the plan first, then works through the edited plan', async () => {
    const one = step(1, 'a = 1');
    const { session, client, agent } = setUp([
      planned,
      worked([one], 'finished')
    ]);
    const run = await agent.start('  mean fare  ');
    expect(run?.phase).toBe('editing');
    expect(client.requests[0]).toMatchObject({
      task: 'mean fare',
      go: false,
      kernel_id: 'kernel-1',
      notebook_path: 'work/analysis.ipynb',
      options: {
        layout: 'markdown+code',
        style: 'explained',
        include_outputs: true
      }
    });
    // Nothing is kept while the plan waits for Go.
    expect(session.stored).toEqual([]);

    agent.editPlan(run!.requestId, [PLAN[0], '  ']);
    await agent.go(run!.requestId);
    expect(client.requests[1]).toMatchObject({ go: true, plan: [PLAN[0]] });
    expect(client.requests[1].done).toBeUndefined();
    // Each HTTP request has its own id; the run keeps the first.
    expect(client.requests[1].request_id).not.toBe(
      client.requests[0].request_id
    );
    const [placed] = agent.runs;
    expect(placed.run.phase).toBe('finished');
    expect(session.stored).toEqual([
      expect.objectContaining({
        request_id: run!.requestId,
        intent: 'mean fare',
        code: 'a = 1',
        inserted: false,
        outcome: 'answered'
      })
    ]);
  });

  it('works at once when the plan is not to be shown first', async () => {
    const { client, agent } = setUp([worked([step(1, 'a = 1')], 'finished')]);
    agent.planFirst = false;
    const run = await agent.start('mean fare');
    expect(client.requests[0].go).toBe(true);
    expect(client.requests[0].plan).toBeUndefined();
    // The plan line does not stop it for editing: it works on to the end.
    expect(run?.phase).toBe('finished');
    expect(run?.plan).toEqual(PLAN);
  });

  it('inserts every worked step as one insertion, tagged, and records it', async () => {
    const steps = [step(1, 'a = 1'), step(2, 'a + 1')];
    const { session, agent } = setUp([worked(steps, 'finished')]);
    agent.planFirst = false;
    const run = await agent.start('mean fare');
    await agent.insertAll(run!.requestId, 'run');
    expect(session.inserted).toEqual([
      {
        cells: ([] as IAcceptedStep['cells']).concat(
          ...steps.map(s => s.cells)
        ),
        mode: 'run',
        tag: { request_id: run!.requestId, intent: 'mean fare' },
        below: undefined
      }
    ]);
    expect(session.stored[0]).toMatchObject({
      inserted: true,
      inserted_code: 'a = 1\n\na + 1'
    });

    // Undone: its cells are gone, and the kept turn says so; redone: back.
    agent.notebookChanged();
    expect(session.stored[0]).toMatchObject({ inserted: false, undone: true });
    session.tagged.add(run!.requestId);
    agent.notebookChanged();
    expect(session.stored[0]).toMatchObject({ inserted: true, undone: false });
  });

  it('inserts one step alone', async () => {
    const steps = [step(1, 'a = 1'), step(2, 'a + 1')];
    const { session, agent } = setUp([worked(steps, 'finished')]);
    agent.planFirst = false;
    const run = await agent.start('mean fare');
    await agent.insertStep(run!.requestId, 2);
    expect(session.inserted.map(i => i.cells)).toEqual([steps[1].cells]);
  });

  it('stops: cancels the stream on the server and keeps the worked steps', async () => {
    const one = step(1, 'a = 1');
    const lines = worked([one], 'finished').slice(0, 3);
    const { client, agent } = setUp([lines]);
    agent.planFirst = false;
    client.hold = true;
    const started = agent.start('mean fare');
    await Promise.resolve();
    expect(agent.busy).toBe(true);
    // The status bar's words for it: step 1 ran, nothing is being tried.
    expect(agent.progress).toBe('Working…');
    await agent.stop();
    const run = await started;
    expect(client.cancelled).toEqual([client.requests[0].request_id]);
    expect(run?.phase).toBe('stopped');
    expect(run?.steps[0].accepted).toEqual(one);
    expect(agent.busy).toBe(false);
    expect(agent.progress).toBeNull();
  });

  it('retries from a step: the steps before it are sent to be replayed', async () => {
    const one = step(1, 'a = 1');
    const stopped: AgentLine[] = [
      ...worked([one], 'cancelled').slice(0, 3),
      { type: 'step', step: 2, text: PLAN[1] },
      { type: 'cells', steps: [one], cells: one.cells },
      {
        type: 'done',
        status: 'cancelled',
        steps_done: 1,
        failed_step: null,
        reason: null
      }
    ];
    const { client, agent } = setUp([
      stopped,
      worked([one, step(2, 'a')], 'finished')
    ]);
    agent.planFirst = false;
    const run = await agent.start('mean fare');
    agent.editStep(run!.requestId, 2, 'Average per class, carefully.');
    await agent.retryFrom(run!.requestId, 2);
    expect(client.requests[1]).toMatchObject({
      go: true,
      plan: [PLAN[0], 'Average per class, carefully.'],
      done: [{ explanation: 'Explained 1.', code: 'a = 1' }]
    });
    expect(agent.runs[0].run.phase).toBe('finished');
  });

  it('says when the kernel ran code since the scratch copy was made', async () => {
    const { session, agent } = setUp([worked([step(1, 'a = 1')], 'finished')]);
    agent.planFirst = false;
    const counted = session as FakeSession & { kernelRuns: number };
    counted.kernelRuns = 2;
    const run = await agent.start('mean fare');
    expect(agent.kernelChangedSince(run!.requestId)).toBe(false);
    counted.kernelRuns = 3;
    expect(agent.kernelChangedSince(run!.requestId)).toBe(true);
  });

  it('shows a refused request as the run error', async () => {
    const { agent } = setUp([]);
    const client = (agent as unknown as { _client: ScriptedAgent })._client;
    client.run = async () => {
      throw new Error('400: `task` is empty');
    };
    const run = await agent.start('x');
    expect(run?.phase).toBe('error');
    expect(run?.error?.message).toContain('`task` is empty');
  });
});

describe('the conversation order', () => {
  it('puts each run after the chat turns there were when it started', () => {
    expect(
      conversationOrder(3, [{ after: 0 }, { after: 2 }, { after: 3 }])
    ).toEqual([
      { kind: 'run', index: 0 },
      { kind: 'turn', index: 0 },
      { kind: 'turn', index: 1 },
      { kind: 'run', index: 1 },
      { kind: 'turn', index: 2 },
      { kind: 'run', index: 2 }
    ]);
    expect(conversationOrder(2, [])).toEqual([
      { kind: 'turn', index: 0 },
      { kind: 'turn', index: 1 }
    ]);
  });
});
