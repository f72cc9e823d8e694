/**
 * Talks to the agent endpoints (`POST /pachinco/agent`, NDJSON; `POST /pachinco/agent/cancel`);
 * the agent model gets it injected, so tests can use a fake.
 */
import { ServerConnection } from '@jupyterlab/services';

import type { AgentLine, IAgentRequest } from './agentProtocol';
import { requestAPI } from './handler';
import { postForLines, readLines } from './stream';

const LINE_TYPES = new Set([
  'scratch',
  'plan',
  'step',
  'delta',
  'loading',
  'trial',
  'repair',
  'observation',
  'cells',
  'done',
  'error'
]);

export interface IAgentClient {
  /** Send the request and call `onLine` for every line until the stream ends. */
  run(
    request: IAgentRequest,
    onLine: (line: AgentLine) => void,
    signal: AbortSignal
  ): Promise<void>;
  /** Ask the server to stop run `requestId` (its scratch copy is ended). */
  cancel(requestId: string): Promise<void>;
}

/**
 * An agent line, or null for an object this client does not know (a newer server).
 */
export function asAgentLine(value: unknown): AgentLine | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' && LINE_TYPES.has(type)
    ? (value as AgentLine)
    : null;
}

export class ServerAgentClient implements IAgentClient {
  constructor(
    private readonly _settings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {}

  async run(
    request: IAgentRequest,
    onLine: (line: AgentLine) => void,
    signal: AbortSignal
  ): Promise<void> {
    const body = await postForLines(this._settings, 'agent', request, signal);
    await readLines(body, value => {
      const line = asAgentLine(value);
      if (line !== null) {
        onLine(line);
      }
    });
  }

  async cancel(requestId: string): Promise<void> {
    await requestAPI<{ cancelled: boolean }>(
      'agent/cancel',
      { method: 'POST', body: JSON.stringify({ request_id: requestId }) },
      this._settings
    );
  }
}
