import { IServerStatus, PachincoModel, StatusState } from '../model';

const status: IServerStatus = {
  version: '1.2.3',
  backend: 'openai',
  model: 'tiny',
  base_url: 'http://127.0.0.1:9/v1'
};

function recordStates(model: PachincoModel): StatusState[] {
  const seen: StatusState[] = [];
  model.stateChanged.connect((_, state) => seen.push(state));
  return seen;
}

describe('PachincoModel', () => {
  it('goes from loading to ready with the server status', async () => {
    const model = new PachincoModel(async () => status);
    const seen = recordStates(model);
    await model.refresh();
    expect(seen.map(s => s.kind)).toEqual(['loading', 'ready']);
    expect(model.state).toEqual({ kind: 'ready', status });
  });

  it('turns a failure into an actionable error message', async () => {
    const model = new PachincoModel(async () => {
      throw new Error('404 Not Found');
    });
    await model.refresh();
    expect(model.state.kind).toBe('error');
    const message = (model.state as { message: string }).message;
    expect(message).toContain('404 Not Found');
    expect(message).toContain('jupyter server extension list');
  });

  it('keeps only the answer to the latest refresh', async () => {
    const answers: Array<(value: IServerStatus) => void> = [];
    const model = new PachincoModel(
      () => new Promise<IServerStatus>(resolve => answers.push(resolve))
    );
    const first = model.refresh();
    const second = model.refresh();
    answers[1]({ ...status, version: 'new' });
    answers[0]({ ...status, version: 'old' });
    await Promise.all([first, second]);
    expect(model.state).toEqual({
      kind: 'ready',
      status: { ...status, version: 'new' }
    });
  });
});
