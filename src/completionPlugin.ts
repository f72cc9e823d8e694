import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICompletionProviderManager } from '@jupyterlab/completer';
import { URLExt } from '@jupyterlab/coreutils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { UUID } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { PachincoAPIError, requestAPI } from './handler';
import {
  asCompleteLine,
  CompleteLine,
  ICellSource,
  ICompleteRequest,
  INotebookPlace,
  readCompletionSettings
} from './completionLogic';
import { ICompleteClient, PachincoInlineProvider } from './completionProvider';
import { NdjsonDecoder } from './ndjson';

const PLUGIN_ID = 'jupyter-pachinco:completion';

/**
 * Ghost-text inline completions in notebook code cells, from the Pachinco server.
 */
export const completionPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Inline (ghost-text) completions that know the kernel’s DataFrames.',
  autoStart: true,
  requires: [ICompletionProviderManager],
  optional: [ISettingRegistry],
  activate: (
    _app: JupyterFrontEnd,
    manager: ICompletionProviderManager,
    settingRegistry: ISettingRegistry | null
  ) => {
    const provider = new PachincoInlineProvider({
      client: new ServerCompleteClient(),
      placeOf: notebookPlace,
      newId: () => UUID.uuid4()
    });
    manager.registerInlineProvider(provider);
    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          const apply = () => {
            provider.settings = readCompletionSettings(
              key => settings.get(key).composite
            );
          };
          apply();
          settings.changed.connect(apply);
        })
        .catch(reason => {
          console.error(
            'Pachinco: could not load completion settings.',
            reason
          );
        });
    }
  }
};

/**
 * The cells above the active code cell of a notebook, its kernel and path; null elsewhere.
 */
export function notebookPlace(widget: Widget): INotebookPlace | null {
  if (!(widget instanceof NotebookPanel)) {
    return null;
  }
  const notebook = widget.content;
  const active = notebook.activeCell;
  if (active === null || active.model.type !== 'code') {
    return null;
  }
  const cellsAbove: ICellSource[] = [];
  const cells = notebook.model?.cells;
  for (let i = 0; cells && i < notebook.activeCellIndex; i++) {
    const cell = cells.get(i);
    cellsAbove.push({
      cell_type:
        cell.type === 'code' || cell.type === 'markdown' ? cell.type : 'raw',
      source: cell.sharedModel.getSource()
    });
  }
  return {
    cellsAbove,
    kernelId: widget.sessionContext.session?.kernel?.id ?? null,
    notebookPath: widget.context.path
  };
}

/**
 * The client over `fetch`: `ServerConnection.makeRequest` adds the token and XSRF header.
 */
class ServerCompleteClient implements ICompleteClient {
  constructor(
    private readonly _settings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {}

  async complete(
    request: ICompleteRequest,
    onLine: (line: CompleteLine) => void,
    signal: AbortSignal
  ): Promise<void> {
    const url = URLExt.join(this._settings.baseUrl, 'pachinco', 'complete');
    const response = await ServerConnection.makeRequest(
      url,
      { method: 'POST', body: JSON.stringify(request), signal },
      this._settings
    );
    if (!response.ok || response.body === null) {
      throw new PachincoAPIError(
        `The completion failed: ${response.status} ${response.statusText}`,
        response.status
      );
    }
    const reader = response.body.getReader();
    const text = new TextDecoder();
    const lines = new NdjsonDecoder();
    const deliver = (values: unknown[]) => {
      values.map(asCompleteLine).forEach(line => line && onLine(line));
    };
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      deliver(lines.push(text.decode(value, { stream: true })));
    }
    deliver(lines.finish());
  }

  async cancel(requestId: string): Promise<void> {
    await requestAPI<{ cancelled: boolean }>(
      'complete/cancel',
      { method: 'POST', body: JSON.stringify({ request_id: requestId }) },
      this._settings
    );
  }
}
