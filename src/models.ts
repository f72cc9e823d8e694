/**
 * The model picker as plain state: what the server found, which model answers, choosing one.
 * The requests are injected (`IModelsAPI`), so the tests can use a fake; the view is in
 * `pickerView.tsx`.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { requestAPI } from './handler';
import {
  IFoundModel,
  IModelChoice,
  IModelsAnswer,
  IServerEntry,
  IServerStatus
} from './protocol';

export interface IModelsAPI {
  /** What the server found, also asking these servers' /models. */
  list(servers: IServerEntry[]): Promise<IModelsAnswer>;
  /** Switch the server's model (null: back to its configured one); the new status. */
  choose(choice: IModelChoice | null): Promise<IServerStatus>;
}

export const serverModelsAPI: IModelsAPI = {
  list: servers =>
    requestAPI<IModelsAnswer>('models', {
      method: 'POST',
      body: JSON.stringify({ servers })
    }),
  choose: choice =>
    requestAPI<IServerStatus>('model', {
      method: 'POST',
      body: JSON.stringify({ choice })
    })
};

/** The groups the picker shows, in order, with their headings. */
export const GROUPS: Array<{
  title: string;
  sources: IFoundModel['source'][];
}> = [
  { title: 'On this machine', sources: ['packaged', 'lmstudio', 'hf-cache'] },
  { title: 'Ollama', sources: ['ollama', 'ollama-folder'] },
  { title: 'Servers', sources: ['server'] }
];

/**
 * Whether two choices name the same model.
 */
export function sameModel(a: IModelChoice, b: IModelChoice): boolean {
  return (
    a.backend === b.backend &&
    a.model === b.model &&
    (a.base_url ?? '') === (b.base_url ?? '')
  );
}

/**
 * A short name for a model: its label, else the end of its path or its name.
 */
export function modelName(choice: IModelChoice): string {
  if (choice.label && choice.label !== 'Server configuration') {
    return choice.label;
  }
  const parts = choice.model.split('/');
  return parts[parts.length - 1] || choice.model;
}

export function sizeText(bytes: number | null): string {
  if (bytes === null || bytes <= 0) {
    return '';
  }
  return bytes >= 1e9
    ? `${(bytes / 1e9).toFixed(1)} GB`
    : `${Math.max(1, Math.round(bytes / 1e6))} MB`;
}

export type PickerState =
  | { kind: 'closed' }
  | { kind: 'listing' }
  | { kind: 'listed'; answer: IModelsAnswer }
  | { kind: 'error'; message: string };

/**
 * The picker: open or closed, what it lists, the servers the user added.
 */
export class PickerModel {
  constructor(private readonly _api: IModelsAPI) {
    this.chooser = async choice => {
      await this._api.choose(choice);
    };
  }

  /**
   * How a choice is made: by default straight to the server; with settings, also saved
   * there (so that the settings editor shows the same choice). It throws the refusal.
   */
  chooser: (choice: IModelChoice | null) => Promise<void>;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get state(): PickerState {
    return this._state;
  }

  get choosing(): boolean {
    return this._choosing;
  }

  /** Why the last choice failed, in the server's words. */
  get failure(): string | null {
    return this._failure;
  }

  servers: IServerEntry[] = [];

  /** Called with the new list when the user adds or removes a server. */
  onServersChanged: (servers: IServerEntry[]) => void = () => undefined;

  /** Called after a model was chosen (the panel refreshes the status). */
  onChosen: () => void = () => undefined;

  async open(): Promise<void> {
    this._set({ kind: 'listing' });
    this._failure = null;
    try {
      this._set({ kind: 'listed', answer: await this._api.list(this.servers) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this._set({ kind: 'error', message });
    }
  }

  close(): void {
    this._set({ kind: 'closed' });
  }

  async choose(choice: IModelChoice | null): Promise<void> {
    this._choosing = true;
    this._failure = null;
    this._changed.emit();
    try {
      await this.chooser(choice);
      this._set({ kind: 'closed' });
      this.onChosen();
    } catch (error) {
      this._failure = error instanceof Error ? error.message : String(error);
    } finally {
      this._choosing = false;
      this._changed.emit();
    }
  }

  /** Add an OpenAI-compatible server (its key only as a variable's name) and list again. */
  async addServer(entry: IServerEntry): Promise<void> {
    const kept = this.servers.filter(s => s.base_url !== entry.base_url);
    this.servers = [...kept, entry];
    this.onServersChanged(this.servers);
    await this.open();
  }

  private _set(state: PickerState): void {
    this._state = state;
    this._changed.emit();
  }

  private _state: PickerState = { kind: 'closed' };
  private _choosing = false;
  private _failure: string | null = null;
  private _changed = new Signal<this, void>(this);
}
