import { MarkdownCell } from '@jupyterlab/cells';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';

import { readStoredTurns, withStoredTurn } from './conversation';
import { INotebookSession, InsertMode, ITarget } from './session';
import { IContextCell, IInsertionCell, IStoredTurn } from './protocol';
import { failedCellOf, ICellJSON, IFailedCell } from './repair';

const METADATA_KEY = 'pachinco';

/** The part of the notebook's Yjs undo manager that ends a capture group. */
interface IUndoCapture {
  stopCapturing(): void;
}

/**
 * The sidebar's view of one open notebook: its cells as context, insertion as one undo
 * step, and the conversation kept in `metadata.pachinco.turns`.
 */
export class NotebookSession implements INotebookSession {
  constructor(readonly panel: NotebookPanel) {
    // Every execution the kernel announces (from this notebook, a console or another
    // client), and every restart, changes its state.
    panel.sessionContext.iopubMessage.connect((_, message) => {
      if (message.header.msg_type === 'execute_input') {
        this._kernelRuns += 1;
      }
    });
    panel.sessionContext.statusChanged.connect((_, status) => {
      if (status === 'restarting' || status === 'autorestarting') {
        this._kernelRuns += 1;
      }
    });
  }

  private _kernelRuns = 0;

  get kernelRuns(): number {
    return this._kernelRuns;
  }

  /** The save in flight, if any: saves of the turns go one after the other. */
  private _saving: Promise<void> = Promise.resolve();

  get path(): string | null {
    return this.panel.context.path || null;
  }

  get kernelId(): string | null {
    return this.panel.sessionContext.session?.kernel?.id ?? null;
  }

  currentTarget(includeOutputs: boolean): ITarget {
    const index = this.panel.content.activeCellIndex;
    return {
      cells: this.contextCells(includeOutputs),
      activeCellIndex: index >= 0 ? index : null
    };
  }

  /**
   * The notebook's cells as the server reads them (outputs only when asked for).
   */
  contextCells(includeOutputs: boolean, upTo?: number): IContextCell[] {
    const cells = this.panel.content.model?.sharedModel.cells ?? [];
    return cells.slice(0, upTo).map(cell => {
      const json = cell.toJSON();
      const source = Array.isArray(json.source)
        ? json.source.join('')
        : json.source;
      const out: IContextCell = {
        cell_type: json.cell_type as IContextCell['cell_type'],
        source
      };
      if (includeOutputs && json.cell_type === 'code') {
        out.outputs = (json.outputs as unknown[]) ?? [];
      }
      return out;
    });
  }

  failedCells(): IFailedCell[] {
    const cells = this.panel.content.model?.sharedModel.cells ?? [];
    return cells
      .map(cell => failedCellOf(cell.toJSON() as unknown as ICellJSON))
      .filter((failed): failed is IFailedCell => failed !== null);
  }

  hasCellsOf(requestId: string): boolean {
    const cells = this.panel.content.model?.sharedModel.cells ?? [];
    return cells.some(cell => {
      const tag = cell.getMetadata(METADATA_KEY) as
        { request_id?: unknown } | undefined;
      return tag?.request_id === requestId;
    });
  }

  indexOfCell(cellId: string): number | null {
    const cells = this.panel.content.model?.sharedModel.cells ?? [];
    const at = cells.findIndex(cell => cell.id === cellId);
    return at >= 0 ? at : null;
  }

  storedTurns(): IStoredTurn[] {
    const model = this.panel.content.model;
    return model ? readStoredTurns(model.getMetadata(METADATA_KEY)) : [];
  }

  async insert(
    cells: IInsertionCell[],
    mode: InsertMode,
    tag: { request_id: string; intent: string },
    below?: number
  ): Promise<void> {
    const notebook = this.panel.content;
    const shared = notebook.model?.sharedModel;
    if (!shared) {
      throw new Error('The notebook is not loaded yet.');
    }
    const active = Math.max(notebook.activeCellIndex, 0);
    const anchor = below ?? active;
    const at =
      mode === 'replace' ? anchor : Math.min(anchor + 1, shared.cells.length);
    const newCells = cells.map(cell => ({
      cell_type: cell.cell_type,
      source: cell.source,
      metadata: { pachinco: { ...tag } }
    }));
    // One transaction between capture boundaries: a single undo removes the whole insertion.
    const history = (shared as unknown as { undoManager?: IUndoCapture })
      .undoManager;
    history?.stopCapturing();
    shared.transact(() => {
      if (mode === 'replace' && shared.cells.length > 0) {
        shared.deleteCell(anchor);
      }
      shared.insertCells(at, newCells);
    });
    history?.stopCapturing();
    const inserted = notebook.widgets.slice(at, at + cells.length);
    for (const widget of inserted) {
      if (widget instanceof MarkdownCell) {
        widget.rendered = true;
      }
    }
    notebook.activeCellIndex = at + cells.length - 1;
    // Replacing a cell with a long output must not leave the view on blank space.
    void notebook.scrollToItem(notebook.activeCellIndex, 'smart');
    if (mode === 'run') {
      await NotebookActions.runCells(
        notebook,
        inserted,
        this.panel.sessionContext
      );
    }
  }

  async recordTurn(turn: IStoredTurn): Promise<void> {
    const model = this.panel.content.model;
    if (!model) {
      return;
    }
    model.setMetadata(
      METADATA_KEY,
      withStoredTurn(model.getMetadata(METADATA_KEY), turn)
    );
    // A save started while another is in flight finds the file changed on disk by the
    // first, and JupyterLab would ask the user whether to overwrite it or revert.
    const save = this._saving.then(() => this.panel.context.save());
    this._saving = save.catch(() => undefined);
    await save;
  }
}
