/**
 * Progress where the user looks when the sidebar is closed: a status bar item while a
 * request or an agent run goes ("Pachinco: writing the answer (step 2)…", "Pachinco: Step 2 of
 * 4: repairing (attempt 2)"), and a line on the markdown cell
 * that "Solve this markdown cell" is answering.
 */
import { Cell } from '@jupyterlab/cells';
import { IStatusBar } from '@jupyterlab/statusbar';
import { Widget } from '@lumino/widgets';

import { AgentModel } from './agentModel';
import { PachincoModel } from './model';

export const SOLVING_CLASS = 'jp-Pachinco-solving';

/**
 * The status bar item; shown only while a request is in flight.
 */
export class ProgressItem extends Widget {
  constructor(
    private readonly _model: PachincoModel,
    private readonly _agent: AgentModel | null = null
  ) {
    super();
    this.addClass('jp-Pachinco-statusbar');
    this.node.setAttribute('role', 'status');
    this.node.setAttribute('aria-live', 'polite');
    _model.changed.connect(this._update, this);
    _agent?.changed.connect(this._update, this);
    this._update();
  }

  private _update(): void {
    const progress = this._model.progress ?? this._agent?.progress ?? null;
    this.node.textContent = progress === null ? '' : `Pachinco: ${progress}`;
    this.node.title = this.node.textContent;
    this.node.hidden = progress === null;
  }
}

export function addProgressItem(
  statusBar: IStatusBar | null,
  model: PachincoModel,
  agent: AgentModel
): void {
  if (statusBar === null) {
    return;
  }
  statusBar.registerStatusItem('jupyter-pachinco:progress', {
    item: new ProgressItem(model, agent),
    align: 'left',
    rank: 1000,
    isActive: () => true,
    activeStateChanged: model.changed
  });
}

/**
 * Mark `cell` as being solved until `work` settles; the cell shows what is happening.
 */
export async function whileSolving<T>(
  cell: Cell,
  model: PachincoModel,
  work: Promise<T>
): Promise<T> {
  const show = () => {
    cell.node.dataset.pachincoProgress = model.progress ?? 'Asking the model…';
  };
  cell.addClass(SOLVING_CLASS);
  show();
  model.changed.connect(show);
  try {
    return await work;
  } finally {
    model.changed.disconnect(show);
    cell.removeClass(SOLVING_CLASS);
    delete cell.node.dataset.pachincoProgress;
  }
}
