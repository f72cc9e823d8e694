import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IChatTurn, storedMarkdown } from './conversation';
import { CandidateView, FixActions, RankedAnswers } from './answer';
import { RenderedMarkdown } from './markdown';
import { PachincoModel } from './model';
import { StatusState } from './session';
import { isolationMissing } from './isolation';
import { LoadingProgress } from './protocol';
import { showsOneAtATime } from './ranking';

/**
 * The status block at the top of the Pachinco panel.
 */
export function StatusView(props: { model: PachincoModel }): JSX.Element {
  const { model } = props;
  return (
    <UseSignal signal={model.stateChanged} initialArgs={model.state}>
      {(_, state) => <StatusBody state={state ?? model.state} model={model} />}
    </UseSignal>
  );
}

function StatusBody(props: {
  state: StatusState;
  model: PachincoModel;
}): JSX.Element {
  const { state, model } = props;
  if (state.kind === 'loading') {
    return (
      <div className="jp-Pachinco-status" aria-busy="true">
        Connecting to the assistant…
      </div>
    );
  }
  if (state.kind === 'error') {
    return (
      <div className="jp-Pachinco-status jp-Pachinco-error" role="alert">
        <p>{state.message}</p>
        <button
          className="jp-mod-styled jp-mod-accept"
          onClick={() => void model.refresh()}
        >
          Retry
        </button>
      </div>
    );
  }
  const { status } = state;
  return (
    <dl className="jp-Pachinco-status" data-status="ready">
      <dt>Version</dt>
      <dd className="jp-Pachinco-version">{status.version}</dd>
      <dt>Backend</dt>
      <dd className="jp-Pachinco-backend">{status.backend}</dd>
      <dt>Model</dt>
      <dd className="jp-Pachinco-model">{status.model}</dd>
      {status.base_url !== null && (
        <>
          <dt>Server</dt>
          <dd className="jp-Pachinco-server">{status.base_url}</dd>
        </>
      )}
      {status.trial_isolation && (
        <>
          <dt>Trial runs</dt>
          <dd
            className="jp-Pachinco-isolation"
            data-missing={isolationMissing(status.trial_isolation)}
          >
            {status.trial_isolation.summary}
          </dd>
        </>
      )}
    </dl>
  );
}

/**
 * The conversation with the active notebook and the intent box.
 */
export function ChatView(props: {
  model: PachincoModel;
  rendermime: IRenderMimeRegistry | null;
}): JSX.Element {
  const { model, rendermime } = props;
  return (
    <UseSignal signal={model.changed}>
      {() => (
        <div className="jp-Pachinco-chat">
          {model.loading !== null && <LoadingBar progress={model.loading} />}
          {model.session === null ? (
            <p className="jp-Pachinco-hint">
              Open a notebook to ask Pachinco about it.
            </p>
          ) : (
            <>
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
              <IntentBox model={model} />
            </>
          )}
        </div>
      )}
    </UseSignal>
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
 * Enter sends; Shift+Enter starts a new line.
 */
function IntentBox(props: { model: PachincoModel }): JSX.Element {
  const { model } = props;
  const [text, setText] = React.useState('');
  const send = () => {
    if (text.trim().length === 0 || model.busy) {
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
        onChange={event => setText(event.target.value)}
        onKeyDown={event => {
          if (event.key === 'Enter' && !event.shiftKey) {
            event.preventDefault();
            send();
          }
        }}
      />
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
          disabled={text.trim().length === 0}
          onClick={send}
        >
          Send
        </button>
      )}
    </div>
  );
}

function TurnView(props: {
  turn: IChatTurn;
  model: PachincoModel;
  rendermime: IRenderMimeRegistry | null;
}): JSX.Element {
  const { turn, model, rendermime } = props;
  const live = turn.candidates.length > 0;
  return (
    <section className="jp-Pachinco-turn" data-phase={turn.phase}>
      <p className="jp-Pachinco-turn-intent">{turn.intent}</p>
      {turn.context?.notice && (
        <p className="jp-Pachinco-notice">{turn.context.notice}</p>
      )}
      {turn.phase === 'streaming' && !live && (
        <p className="jp-Pachinco-hint" aria-busy="true">
          Thinking…
        </p>
      )}
      {turn.checking !== null && turn.ranking === null && (
        <p className="jp-Pachinco-hint jp-Pachinco-checking" aria-busy="true">
          Checking the answers on a copy of your variables…
        </p>
      )}
      {turn.ranking?.notice && (
        <p className="jp-Pachinco-notice">{turn.ranking.notice}</p>
      )}
      {turn.ranking !== null && turn.ranking.summary && (
        <p className="jp-Pachinco-vote">{turn.ranking.summary}</p>
      )}
      {showsOneAtATime(turn) ? (
        <RankedAnswers turn={turn} model={model} rendermime={rendermime} />
      ) : (
        turn.candidates.map((candidate, index) => (
          <CandidateView
            key={index}
            candidate={candidate}
            index={index}
            count={turn.candidates.length}
            onInsert={mode => void model.insert(turn, index, mode)}
            rendermime={rendermime}
            replaceHint={
              turn.fixOf !== null ? 'Replace the cell that raised' : null
            }
          />
        ))
      )}
      {!live && turn.stored !== null && (
        <div className="jp-Pachinco-answer" data-stored="true">
          <RenderedMarkdown
            text={storedMarkdown(turn.stored)}
            rendermime={rendermime}
          />
        </div>
      )}
      {turn.stored !== null && (
        <p className="jp-Pachinco-kept">Kept in the notebook.</p>
      )}
      {turn.phase === 'stopped' && <p className="jp-Pachinco-hint">Stopped.</p>}
      <FixActions turn={turn} model={model} />
      {turn.error !== null && (
        <div className="jp-Pachinco-error jp-Pachinco-turn-error" role="alert">
          {turn.error.message}
        </div>
      )}
    </section>
  );
}
