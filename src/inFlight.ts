/**
 * A streamed request in flight, and how it is stopped (the sidebar's answers and agent runs).
 */

export interface IInFlight {
  abort: AbortController;
  /** Set by Stop: however the stream ends, it ends as stopped. */
  stopped: boolean;
}

/**
 * Stop `inFlight`: marked stopped first (the server may end the stream, with `done`, before
 * the cancel request returns, and it must still end as stopped), then `cancel` asks the
 * server to stop, then the browser drops the stream, even when the cancel failed.
 */
export async function stopInFlight(
  inFlight: IInFlight,
  cancel: () => Promise<void>
): Promise<void> {
  inFlight.stopped = true;
  try {
    await cancel();
  } finally {
    inFlight.abort.abort();
  }
}
