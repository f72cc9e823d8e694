/**
 * The sidebar's conversation (it scrolls between the fixed header and the fixed input, and
 * follows the stream unless the user scrolled up) and its input box.
 */
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { AgentModel, AskMode } from './agentModel';
import { AgentRunView } from './agentView';
import { conversationOrder } from './conversation';
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
  agent: AgentModel;
  rendermime: IRenderMimeRegistry | null;
}): JSX.Element {
  const { model, agent, rendermime } = props;
  return (
    <UseSignal signal={agent.changed}>
      {() => (
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
              {model.loading !== null && (
                <LoadingBar progress={model.loading} />
              )}
              {model.session === null ? (
                <p className="jp-Pachinco-hint">
                  Open a notebook to ask Pachinco about it.
                </p>
              ) : (
                <div className="jp-Pachinco-turns">
                  {conversationOrder(model.turns.length, agent.runs).map(
                    item =>
                      item.kind === 'turn' ? (
                        <TurnView
                          key={model.turns[item.index].requestId}
                          turn={model.turns[item.index]}
                          model={model}
                          rendermime={rendermime}
                        />
                      ) : (
                        <AgentRunView
                          key={agent.runs[item.index].run.requestId}
                          placed={agent.runs[item.index]}
                          agent={agent}
                          rendermime={rendermime}
                        />
                      )
                  )}
                </div>
              )}
            </Following>
          )}
        </UseSignal>
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
 * The input at the bottom: Enter sends, Shift+Enter starts a new line. Beside Send, the mode
 * switch: an answer, or a run that works through the task on a scratch copy.
 */
export function InputView(props: {
  model: PachincoModel;
  agent: AgentModel;
}): JSX.Element {
  const { model, agent } = props;
  return (
    <UseSignal signal={agent.changed}>
      {() => (
        <UseSignal signal={model.changed}>
          {() => <IntentBox model={model} agent={agent} />}
        </UseSignal>
      )}
    </UseSignal>
  );
}

const MODES: Array<{ mode: AskMode; label: string; title: string }> = [
  {
    mode: 'answer',
    label: 'Answer',
    title: 'Answer in one go: explained code to insert'
  },
  {
    mode: 'agent',
    label: 'Work through it',
    title:
      'Plan the task, work each step on a scratch copy of the kernel, then insert the steps that ran'
  }
];

function ModeSwitch(props: { agent: AgentModel }): JSX.Element {
  const { agent } = props;
  return (
    <div
      className="jp-Pachinco-mode"
      role="radiogroup"
      aria-label="How Pachinco answers"
    >
      {MODES.map(({ mode, label, title }) => (
        <button
          key={mode}
          role="radio"
          aria-checked={agent.mode === mode}
          className="jp-ToolbarButtonComponent jp-Button jp-mod-minimal jp-Pachinco-modeButton"
          data-mode={mode}
          title={title}
          onClick={() => (agent.mode = mode)}
        >
          {label}
        </button>
      ))}
    </div>
  );
}

function IntentBox(props: {
  model: PachincoModel;
  agent: AgentModel;
}): JSX.Element {
  const { model, agent } = props;
  const [text, setText] = React.useState('');
  const busy = model.busy || agent.busy;
  const send = () => {
    if (text.trim().length === 0 || busy || model.session === null) {
      return;
    }
    setText('');
    if (agent.mode === 'agent') {
      void agent.start(text);
    } else {
      void model.send(text);
    }
  };
  const working = agent.mode === 'agent';
  return (
    <div className="jp-Pachinco-ask">
      <textarea
        className="jp-Pachinco-intent"
        aria-label={
          working
            ? 'What should Pachinco work through, step by step?'
            : 'What do you want to do with your data?'
        }
        placeholder={
          working
            ? 'A task to work through step by step (Enter plans it, Shift+Enter adds a line)'
            : 'What do you want to do with your data? (Enter sends, Shift+Enter adds a line)'
        }
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
        <ModeSwitch agent={agent} />
        {busy ? (
          <button
            className="jp-mod-styled jp-mod-warn jp-Pachinco-stop"
            onClick={() => void (agent.busy ? agent.stop() : model.stop())}
          >
            Stop
          </button>
        ) : (
          <button
            className="jp-mod-styled jp-mod-accept jp-Pachinco-send"
            disabled={text.trim().length === 0 || model.session === null}
            onClick={send}
          >
            {working && agent.planFirst ? 'Plan' : 'Send'}
          </button>
        )}
      </div>
    </div>
  );
}
