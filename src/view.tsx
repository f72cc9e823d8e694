/**
 * The sidebar's conversation (it scrolls between the fixed header and the fixed input, and
 * follows the stream unless the user scrolled up) and its input box.
 */
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { PachincoModel } from './model';
import { LoadingProgress } from './protocol';
import { TurnView } from './turnView';

/** How close to the bottom (px) still counts as "at the bottom" to follow the stream. */
const FOLLOW_SLACK_PX = 40;

/**
 * The conversation with the active notebook, in its own scrolling area.
 */
export function ConversationView(props: {
  model: PachincoModel;
  rendermime: IRenderMimeRegistry | null;
}): JSX.Element {
  const { model, rendermime } = props;
  return (
    <UseSignal signal={model.changed}>
      {() => (
        <Following>
          {model.notice !== null && (
            <div className="jp-Pachinco-banner" role="alert">
              <span>{model.notice}</span>
              <button
                className="jp-mod-styled"
                aria-label="Dismiss"
                onClick={() => model.dismissNotice()}
              >
                ×
              </button>
            </div>
          )}
          {model.loading !== null && <LoadingBar progress={model.loading} />}
          {model.session === null ? (
            <p className="jp-Pachinco-hint">
              Open a notebook to ask Pachinco about it.
            </p>
          ) : (
            <div className="jp-Pachinco-turns">
              {model.turns.map(turn => (
                <TurnView
                  key={turn.requestId}
                  turn={turn}
                  model={model}
                  rendermime={rendermime}
                />
              ))}
            </div>
          )}
        </Following>
      )}
    </UseSignal>
  );
}

/**
 * A scrolling area that stays at the bottom as its content grows, unless the user scrolled
 * up; then a button brings them back.
 */
function Following(props: { children: React.ReactNode }): JSX.Element {
  const area = React.useRef<HTMLDivElement>(null);
  const following = React.useRef(true);
  const [away, setAway] = React.useState(false);
  const resizes = React.useRef<ResizeObserver | null>(null);
  React.useLayoutEffect(() => {
    const node = area.current;
    if (node === null) {
      return;
    }
    if (following.current) {
      node.scrollTop = node.scrollHeight;
    }
    // Content also grows after a render (markdown and outputs render asynchronously):
    // follow that too, while following.
    if (resizes.current === null && typeof ResizeObserver !== 'undefined') {
      resizes.current = new ResizeObserver(() => {
        if (following.current && area.current !== null) {
          area.current.scrollTop = area.current.scrollHeight;
        }
      });
    }
    for (const child of Array.from(node.children)) {
      resizes.current?.observe(child);
    }
  });
  React.useEffect(() => () => resizes.current?.disconnect(), []);
  const onScroll = () => {
    const node = area.current;
    if (node !== null) {
      const gap = node.scrollHeight - node.scrollTop - node.clientHeight;
      following.current = gap <= FOLLOW_SLACK_PX;
      setAway(!following.current);
    }
  };
  return (
    <div className="jp-Pachinco-conversation" ref={area} onScroll={onScroll}>
      {props.children}
      {away && (
        <button
          className="jp-mod-styled jp-Pachinco-latest"
          onClick={() => {
            following.current = true;
            setAway(false);
            area.current?.scrollTo({ top: area.current.scrollHeight });
          }}
        >
          ↓ Latest
        </button>
      )}
    </div>
  );
}

function LoadingBar(props: { progress: LoadingProgress }): JSX.Element {
  const { progress } = props;
  const value = progress.fraction ?? undefined;
  return (
    <div className="jp-Pachinco-progress" role="status">
      <progress max={1} value={value} />
      <span>{progress.message}</span>
    </div>
  );
}

/**
 * The input at the bottom: Enter sends, Shift+Enter starts a new line. `controls` go beside
 * Send (room for a mode switch).
 */
export function InputView(props: {
  model: PachincoModel;
  controls?: React.ReactNode;
}): JSX.Element {
  const { model, controls } = props;
  return (
    <UseSignal signal={model.changed}>
      {() => <IntentBox model={model} controls={controls} />}
    </UseSignal>
  );
}

function IntentBox(props: {
  model: PachincoModel;
  controls?: React.ReactNode;
}): JSX.Element {
  const { model, controls } = props;
  const [text, setText] = React.useState('');
  const send = () => {
    if (text.trim().length === 0 || model.busy || model.session === null) {
      return;
    }
    setText('');
    void model.send(text);
  };
  return (
    <div className="jp-Pachinco-ask">
      <textarea
        className="jp-Pachinco-intent"
        aria-label="What do you want to do with your data?"
        placeholder="What do you want to do with your data? (Enter sends, Shift+Enter adds a line)"
        rows={3}
        value={text}
        disabled={model.session === null}
        onFocus={() => void model.prepare()}
        onChange={event => setText(event.target.value)}
        onKeyDown={event => {
          if (event.key === 'Enter' && !event.shiftKey) {
            event.preventDefault();
            send();
          }
        }}
      />
      <div className="jp-Pachinco-ask-controls">
        {controls}
        {model.busy ? (
          <button
            className="jp-mod-styled jp-mod-warn jp-Pachinco-stop"
            onClick={() => void model.stop()}
          >
            Stop
          </button>
        ) : (
          <button
            className="jp-mod-styled jp-mod-accept jp-Pachinco-send"
            disabled={text.trim().length === 0 || model.session === null}
            onClick={send}
          >
            Send
          </button>
        )}
      </div>
    </div>
  );
}
