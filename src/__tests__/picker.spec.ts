import { IModelsAPI, modelName, PickerModel, sizeText } from '../models';
import { IModelChoice, IModelsAnswer, IServerEntry } from '../protocol';
import { status } from './fakes';

const demo: IModelChoice = {
  backend: 'llamacpp',
  model: '/x/SmolLM2.gguf',
  label: 'SmolLM2-135M-Instruct (tiny demo model)'
};

function fakeAPI(refuse = false): IModelsAPI & {
  asked: IServerEntry[][];
  chosen: Array<IModelChoice | null>;
} {
  const api = {
    asked: [] as IServerEntry[][],
    chosen: [] as Array<IModelChoice | null>,
    async list(servers: IServerEntry[]): Promise<IModelsAnswer> {
      api.asked.push(servers);
      return {
        models: [
          {
            id: 'p',
            label: demo.label!,
            source: 'packaged',
            choice: demo,
            size_bytes: 94e6,
            note: ''
          }
        ],
        notes: [],
        active: demo,
        configured: demo,
        default_download: 'owner/repo/file.gguf',
        explicit: false
      };
    },
    async choose(choice: IModelChoice | null) {
      if (refuse) {
        throw new Error(
          "There is no GGUF file at '/gone.gguf' (looked at ...)"
        );
      }
      api.chosen.push(choice);
      return status;
    }
  };
  return api;
}

describe('the model picker', () => {
  it('lists what the server found, then chooses and closes', async () => {
    const api = fakeAPI();
    const picker = new PickerModel(api);
    let chosen = 0;
    picker.onChosen = () => chosen++;
    await picker.open();
    expect(picker.state.kind).toBe('listed');
    await picker.choose(demo);
    expect(api.chosen).toEqual([demo]);
    expect(picker.state.kind).toBe('closed');
    expect(chosen).toBe(1);
  });

  it('keeps the list open and says why a choice was refused', async () => {
    const picker = new PickerModel(fakeAPI(true));
    await picker.open();
    await picker.choose({ backend: 'llamacpp', model: '/gone.gguf' });
    expect(picker.state.kind).toBe('listed');
    expect(picker.failure).toMatch(/looked at/);
  });

  it('adds a server by its URL and the name of its key variable', async () => {
    const api = fakeAPI();
    const picker = new PickerModel(api);
    const saved: IServerEntry[][] = [];
    picker.onServersChanged = servers => saved.push(servers);
    const entry = { base_url: 'http://h:8000/v1', api_key_env: 'TEAM_API_KEY' };
    await picker.addServer(entry);
    await picker.addServer(entry);
    expect(saved[1]).toEqual([entry]);
    expect(api.asked[1]).toEqual([entry]);
  });

  it('names models and sizes shortly', () => {
    expect(modelName(demo)).toBe('SmolLM2-135M-Instruct (tiny demo model)');
    expect(
      modelName({
        backend: 'llamacpp',
        model: '/a/b/c.gguf',
        label: 'Server configuration'
      })
    ).toBe('c.gguf');
    expect(sizeText(94e6)).toBe('94 MB');
    expect(sizeText(1.1e9)).toBe('1.1 GB');
    expect(sizeText(null)).toBe('');
  });
});
