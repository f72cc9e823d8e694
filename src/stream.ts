import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { PachincoAPIError, requestAPI } from './handler';
import { asGenerateEvent, NdjsonDecoder } from './ndjson';
import { GenerateEvent, IGenerateRequest } from './protocol';

/**
 * A prepare request: a generate request without the question.
 */
export type IPrepareRequest = Omit<
  IGenerateRequest,
  'request_id' | 'intent' | 'fix'
>;

/**
 * Talks to the generate endpoints; the model gets it injected, so tests can use a fake.
 */
export interface IGenerateClient {
  /**
   * Send the request and call `onEvent` for every event until the stream ends.
   */
  generate(
    request: IGenerateRequest,
    onEvent: (event: GenerateEvent) => void,
    signal: AbortSignal
  ): Promise<void>;
  /**
   * Ask the server to stop the generation of `requestId`.
   */
  cancel(requestId: string): Promise<void>;
  /**
   * Ask the server to load the model and evaluate the prompt's start for this notebook.
   */
  prepare(request: IPrepareRequest): Promise<void>;
}

/**
 * The client over `fetch`: `ServerConnection.makeRequest` adds the token, the XSRF header
 * and the cookies, and its response body is read as it arrives.
 */
export class ServerGenerateClient implements IGenerateClient {
  constructor(
    private readonly _settings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {}

  async generate(
    request: IGenerateRequest,
    onEvent: (event: GenerateEvent) => void,
    signal: AbortSignal
  ): Promise<void> {
    const body = await postForLines(
      this._settings,
      'generate',
      request,
      signal
    );
    await readEvents(body, onEvent);
  }

  async cancel(requestId: string): Promise<void> {
    await requestAPI<{ cancelled: boolean }>(
      'generate/cancel',
      { method: 'POST', body: JSON.stringify({ request_id: requestId }) },
      this._settings
    );
  }

  async prepare(request: IPrepareRequest): Promise<void> {
    await requestAPI<unknown>(
      'prepare',
      { method: 'POST', body: JSON.stringify(request) },
      this._settings
    );
  }
}

/**
 * Decode an NDJSON body into events, as the bytes arrive.
 */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: GenerateEvent) => void
): Promise<void> {
  await readLines(body, value => {
    const event = asGenerateEvent(value);
    if (event !== null) {
      onEvent(event);
    }
  });
}

/**
 * Decode an NDJSON body into parsed lines, as the bytes arrive (a line may arrive in pieces).
 */
export async function readLines(
  body: ReadableStream<Uint8Array>,
  onLine: (value: unknown) => void
): Promise<void> {
  const reader = body.getReader();
  const text = new TextDecoder();
  const lines = new NdjsonDecoder();
  const deliver = (values: unknown[]) => values.forEach(onLine);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    deliver(lines.push(text.decode(value, { stream: true })));
  }
  deliver(lines.push(text.decode()));
  deliver(lines.finish());
}

/**
 * POST `body` to `pachinco/<endpoint>` asking for NDJSON; the response's body, or the
 * server's error (its JSON `message`) as a `PachincoAPIError`.
 */
export async function postForLines(
  settings: ServerConnection.ISettings,
  endpoint: string,
  body: unknown,
  signal: AbortSignal
): Promise<ReadableStream<Uint8Array>> {
  const url = URLExt.join(settings.baseUrl, 'pachinco', endpoint);
  const response = await ServerConnection.makeRequest(
    url,
    {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { Accept: 'application/x-ndjson' },
      signal
    },
    settings
  );
  if (!response.ok) {
    throw await errorOf(response);
  }
  if (response.body === null) {
    throw new PachincoAPIError('The server answered without a body.', 502);
  }
  return response.body;
}

async function errorOf(response: Response): Promise<PachincoAPIError> {
  const text = await response.text();
  let message = `${response.status} ${response.statusText}`;
  try {
    const data = JSON.parse(text) as { message?: unknown };
    if (typeof data.message === 'string') {
      message = data.message;
    }
  } catch {
    // Not JSON (a proxy's page, say): keep the status line.
  }
  return new PachincoAPIError(message, response.status);
}
