/**
 * What an agent step produced on the scratch copy of the kernel. The figures are the PNGs the
 * scratch rendered, shown through rendermime's `image/png` renderer (untrusted); the value's
 * preview, stdout and the traceback are plain text that React escapes.
 */
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import * as React from 'react';

import type { IObservation } from './agentProtocol';
import { valueCaption } from './agentWords';
import { RenderedMime } from './markdown';

/** Longer previews, stdout and tracebacks start collapsed (lines). */
const LONG_LINES = 12;

/** A base64 PNG as the scratch sends it; anything else is not shown. */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * What a step produced on the scratch copy: the value's preview (a DataFrame as a small
 * table, with its shape), stdout, the error with a short traceback, figure thumbnails.
 */
export function ObservationView(props: {
  observation: IObservation;
  rendermime: IRenderMimeRegistry | null;
}): JSX.Element {
  const { observation, rendermime } = props;
  const value = observation.value;
  const caption = valueCaption(observation);
  const stdout = streamText(observation.stdout);
  const error = observation.error;
  return (
    <div className="jp-Pachinco-observation" data-status={observation.status}>
      {value !== null && (
        <Collapsible
          className="jp-Pachinco-preview"
          label={caption ?? 'Value'}
          text={value.preview}
        />
      )}
      {stdout && (
        <Collapsible
          className="jp-Pachinco-stdout"
          label="Printed"
          text={stdout}
        />
      )}
      {error !== null && (
        <Collapsible
          className="jp-Pachinco-traceback"
          label={`${error.type}: ${error.message}`}
          text={shortTraceback(error)}
        />
      )}
      {observation.figures.length > 0 && (
        <div className="jp-Pachinco-figures">
          {observation.figures.map((figure, i) =>
            figure.png !== null && BASE64.test(figure.png) ? (
              <Thumbnail
                key={i}
                png={figure.png}
                title={
                  figure.title || figure.axes[0]?.title || `Figure ${i + 1}`
                }
                rendermime={rendermime}
              />
            ) : null
          )}
        </div>
      )}
    </div>
  );
}

function Collapsible(props: {
  className: string;
  label: string;
  text: string;
}): JSX.Element {
  const { className, label, text } = props;
  const long = text.split('\n').length > LONG_LINES;
  return (
    <details className={className} open={!long}>
      <summary>{label}</summary>
      <pre>{text}</pre>
    </details>
  );
}

function streamText(summary: IObservation['stdout']): string {
  if (summary.chars === 0) {
    return '';
  }
  return summary.tail ? `${summary.head}\n…\n${summary.tail}` : summary.head;
}

function shortTraceback(error: NonNullable<IObservation['error']>): string {
  const frames = error.frames.map(
    frame =>
      `${frame.file}${frame.line !== null ? `:${frame.line}` : ''} in ${frame.function}\n    ${frame.code}`
  );
  const omitted =
    error.frames_omitted > 0
      ? [`… ${error.frames_omitted} frames left out`]
      : [];
  return [...omitted, ...frames, `${error.type}: ${error.message}`].join('\n');
}

/** A figure the scratch rendered, through rendermime's `image/png` renderer. */
function Thumbnail(props: {
  png: string;
  title: string;
  rendermime: IRenderMimeRegistry | null;
}): JSX.Element | null {
  const { png, title, rendermime } = props;
  const describe = React.useCallback(
    (node: HTMLElement) =>
      node.querySelector('img')?.setAttribute('alt', title),
    [title]
  );
  return (
    <figure className="jp-Pachinco-figure">
      {rendermime !== null && (
        <RenderedMime
          mimeType="image/png"
          data={png}
          rendermime={rendermime}
          then={describe}
        />
      )}
      <figcaption>{title}</figcaption>
    </figure>
  );
}
