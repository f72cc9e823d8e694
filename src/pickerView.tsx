/**
 * The sidebar's fixed header: the title, the model that answers (a button that opens the
 * model picker), its state, and when it cannot load, a short error with the picker offered.
 */
import { UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { isolationMissing } from './isolation';
import { PachincoModel } from './model';
import { GROUPS, modelName, PickerModel, sameModel, sizeText } from './models';
import {
  IFoundModel,
  IModelChoice,
  IModelsAnswer,
  IServerStatus
} from './protocol';
import { StatusState } from './session';

export function HeaderView(props: {
  model: PachincoModel;
  picker: PickerModel;
}): JSX.Element {
  const { model, picker } = props;
  return (
    <div className="jp-Pachinco-header">
      <h2 className="jp-Pachinco-title">Pachinco</h2>
      <UseSignal signal={model.stateChanged} initialArgs={model.state}>
        {(_, state) => (
          <StatusLine
            state={state ?? model.state}
            model={model}
            picker={picker}
          />
        )}
      </UseSignal>
      <UseSignal signal={picker.changed}>
        {() => <PickerList picker={picker} />}
      </UseSignal>
    </div>
  );
}

function StatusLine(props: {
  state: StatusState;
  model: PachincoModel;
  picker: PickerModel;
}): JSX.Element {
  const { state, model, picker } = props;
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
        <p className="jp-Pachinco-message">{state.message}</p>
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
    <div className="jp-Pachinco-status" data-status="ready">
      <button
        className="jp-Pachinco-model-button"
        aria-haspopup="listbox"
        title="Choose the model that answers"
        onClick={() =>
          picker.state.kind === 'closed' ? void picker.open() : picker.close()
        }
      >
        <span className="jp-Pachinco-model-label">{labelOf(status)}</span>
        <span
          className="jp-Pachinco-model-state"
          data-state={status.model_state}
        >
          {stateWord(status)}
        </span>
        <span aria-hidden="true">▾</span>
      </button>
      {status.model_state === 'error' && (
        <ModelError status={status} picker={picker} />
      )}
      <details className="jp-Pachinco-details">
        <summary>Details</summary>
        <dl>
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
      </details>
    </div>
  );
}

function labelOf(status: IServerStatus): string {
  return status.choice ? modelName(status.choice) : status.model;
}

function stateWord(status: IServerStatus): string {
  switch (status.model_state) {
    case 'loading':
      return 'loading';
    case 'ready':
      return 'ready';
    case 'error':
      return 'cannot load';
    default:
      return '';
  }
}

/**
 * The model could not load: the first sentence of why (the rest on request), and the
 * picker, opened with what this machine has.
 */
function ModelError(props: {
  status: IServerStatus;
  picker: PickerModel;
}): JSX.Element {
  const { status, picker } = props;
  const message = status.error ?? 'The model could not load.';
  const first = message.split(/(?<=[.!?])\s/)[0];
  React.useEffect(() => {
    if (picker.state.kind === 'closed') {
      void picker.open();
    }
  }, [message]);
  return (
    <div className="jp-Pachinco-model-error" role="alert">
      <p className="jp-Pachinco-message">{first}</p>
      {first !== message && (
        <details>
          <summary>Why</summary>
          <p className="jp-Pachinco-message">{message}</p>
        </details>
      )}
      <p className="jp-Pachinco-hint">Choose a model this machine has:</p>
    </div>
  );
}

function PickerList(props: { picker: PickerModel }): JSX.Element | null {
  const { picker } = props;
  const state = picker.state;
  if (state.kind === 'closed') {
    return null;
  }
  return (
    <div className="jp-Pachinco-picker" role="listbox" aria-label="Models">
      {state.kind === 'listing' && (
        <p className="jp-Pachinco-hint" aria-busy="true">
          Looking for models…
        </p>
      )}
      {state.kind === 'error' && (
        <p className="jp-Pachinco-error jp-Pachinco-message">{state.message}</p>
      )}
      {state.kind === 'listed' && (
        <Found picker={picker} answer={state.answer} />
      )}
      {picker.failure !== null && (
        <p className="jp-Pachinco-error jp-Pachinco-message" role="alert">
          {picker.failure}
        </p>
      )}
      <AddServer picker={picker} />
      <button
        className="jp-mod-styled jp-Pachinco-picker-close"
        onClick={() => picker.close()}
      >
        Close
      </button>
    </div>
  );
}

function Found(props: {
  picker: PickerModel;
  answer: IModelsAnswer;
}): JSX.Element {
  const { picker, answer } = props;
  const item = (found: IFoundModel) => (
    <ModelItem
      key={found.id}
      label={found.label}
      detail={[found.note, sizeText(found.size_bytes)]
        .filter(Boolean)
        .join(' · ')}
      choice={found.choice}
      active={sameModel(found.choice, answer.active)}
      picker={picker}
    />
  );
  return (
    <>
      {GROUPS.map(group => {
        const models = answer.models.filter(m =>
          group.sources.includes(m.source)
        );
        return models.length === 0 ? null : (
          <section key={group.title} className="jp-Pachinco-picker-group">
            <h3>{group.title}</h3>
            {models.map(item)}
          </section>
        );
      })}
      <section className="jp-Pachinco-picker-group">
        <h3>Configured</h3>
        <ModelItem
          label={`Server configuration: ${modelName({ ...answer.configured, label: '' })}`}
          detail={answer.explicit ? 'given when JupyterLab started' : ''}
          choice={null}
          active={sameModel(answer.configured, answer.active)}
          picker={picker}
        />
      </section>
      {answer.notes.map(note => (
        <p key={note} className="jp-Pachinco-hint jp-Pachinco-message">
          {note}
        </p>
      ))}
    </>
  );
}

function ModelItem(props: {
  label: string;
  detail: string;
  choice: IModelChoice | null;
  active: boolean;
  picker: PickerModel;
}): JSX.Element {
  const { label, detail, choice, active, picker } = props;
  return (
    <button
      className="jp-Pachinco-picker-item"
      role="option"
      aria-selected={active}
      data-active={active ? 'true' : 'false'}
      disabled={picker.choosing}
      onClick={() => void picker.choose(choice)}
    >
      <span className="jp-Pachinco-picker-label">
        {active ? '✓ ' : ''}
        {label}
      </span>
      {detail && <span className="jp-Pachinco-picker-detail">{detail}</span>}
    </button>
  );
}

/**
 * An OpenAI-compatible server: its URL and the NAME of the variable with its key.
 */
function AddServer(props: { picker: PickerModel }): JSX.Element {
  const { picker } = props;
  const [url, setUrl] = React.useState('');
  const [keyEnv, setKeyEnv] = React.useState('');
  const valid = /^https?:\/\/\S+$/.test(url.trim());
  return (
    <details className="jp-Pachinco-add-server">
      <summary>Add an OpenAI-compatible server</summary>
      <label>
        Base URL
        <input
          className="jp-mod-styled"
          placeholder="http://127.0.0.1:8000/v1"
          value={url}
          onChange={event => setUrl(event.target.value)}
        />
      </label>
      <label>
        Environment variable with the API key (its name, never the key)
        <input
          className="jp-mod-styled"
          placeholder="OPENAI_API_KEY"
          value={keyEnv}
          onChange={event => setKeyEnv(event.target.value)}
        />
      </label>
      <button
        className="jp-mod-styled jp-mod-accept"
        disabled={!valid}
        onClick={() =>
          void picker.addServer({
            base_url: url.trim().replace(/\/+$/, ''),
            ...(keyEnv.trim() ? { api_key_env: keyEnv.trim() } : {})
          })
        }
      >
        List its models
      </button>
    </details>
  );
}
