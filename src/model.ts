import { ISignal, Signal } from '@lumino/signaling';

/**
 * What `GET /pachinco/status` tells the browser (never secrets).
 */
export interface IServerStatus {
  version: string;
  backend: string;
  model: string;
  base_url: string | null;
}

/**
 * Where the panel's knowledge of the server stands.
 */
export type StatusState =
  | { kind: 'loading' }
  | { kind: 'ready'; status: IServerStatus }
  | { kind: 'error'; message: string };

/**
 * Fetches the server's status; injected so the model holds no I/O of its own.
 */
export type StatusFetcher = () => Promise<IServerStatus>;

/**
 * The Pachinco panel's state: the server's status, with a signal on every change.
 */
export class PachincoModel {
  constructor(fetchStatus: StatusFetcher) {
    this._fetchStatus = fetchStatus;
  }

  get state(): StatusState {
    return this._state;
  }

  get stateChanged(): ISignal<this, StatusState> {
    return this._stateChanged;
  }

  /**
   * Ask the server again; the state goes through `loading` to `ready` or `error`.
   */
  async refresh(): Promise<void> {
    const request = ++this._latestRequest;
    this._setState({ kind: 'loading' });
    try {
      const status = await this._fetchStatus();
      if (request === this._latestRequest) {
        this._setState({ kind: 'ready', status });
      }
    } catch (error) {
      if (request === this._latestRequest) {
        this._setState({ kind: 'error', message: describeError(error) });
      }
    }
  }

  private _setState(state: StatusState): void {
    this._state = state;
    this._stateChanged.emit(state);
  }

  private _fetchStatus: StatusFetcher;
  private _latestRequest = 0;
  private _state: StatusState = { kind: 'loading' };
  private _stateChanged = new Signal<this, StatusState>(this);
}

/**
 * A message a person can act on, whatever was thrown.
 */
export function describeError(error: unknown): string {
  const detail = error instanceof Error ? error.message : String(error);
  return `Could not reach the Pachinco server extension (${detail}). Is jupyter_pachinco installed and enabled? Check \`jupyter server extension list\`.`;
}
