import { UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { PachincoModel, StatusState } from './model';

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
    </dl>
  );
}
