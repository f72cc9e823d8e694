import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import {
  INotebookTracker,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { UUID } from '@lumino/coreutils';

import { completionPlugin } from './completionPlugin';
import { requestAPI } from './handler';
import { pachincoIcon } from './icon';
import { PachincoModel } from './model';
import { PickerModel, serverModelsAPI } from './models';
import { NotebookSession } from './notebook';
import { PachincoPanel } from './panel';
import { IServerStatus } from './protocol';
import { failedCellOf, ICellJSON } from './repair';
import { AgentModel, AskMode } from './agentModel';
import { ServerAgentClient } from './agentClient';
import { bindSettings } from './settings';
import { addProgressItem, whileSolving } from './statusbar';
import { ServerGenerateClient } from './stream';

/**
 * The command ids of the extension.
 */
export namespace CommandIDs {
  export const openPanel = 'pachinco:open-panel';
  export const solveMarkdownCell = 'pachinco:solve-markdown-cell';
  export const fixCell = 'pachinco:fix-cell';
  export const workThrough = 'pachinco:work-through';
  export const answerMode = 'pachinco:answer-mode';
}

const PLUGIN_ID = 'jupyter-pachinco:plugin';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'An AI pair programmer for pandas notebooks.',
  autoStart: true,
  optional: [
    ICommandPalette,
    ILayoutRestorer,
    ISettingRegistry,
    INotebookTracker,
    IRenderMimeRegistry,
    IStatusBar
  ],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    tracker: INotebookTracker | null,
    rendermime: IRenderMimeRegistry | null,
    statusBar: IStatusBar | null
  ) => {
    const model = new PachincoModel({
      fetchStatus: () => requestAPI<IServerStatus>('status'),
      client: new ServerGenerateClient(),
      newId: () => UUID.uuid4()
    });
    const agent = new AgentModel({
      chat: model,
      client: new ServerAgentClient(),
      newId: () => UUID.uuid4()
    });
    const picker = new PickerModel(serverModelsAPI);
    picker.onChosen = () => {
      void model.refresh().then(() => model.prepare());
    };
    const panel = new PachincoPanel(model, agent, picker, rendermime);
    app.shell.add(panel, 'right', { rank: 1000 });
    addProgressItem(statusBar, model, agent);
    if (restorer) {
      restorer.add(panel, panel.id);
    }

    app.commands.addCommand(CommandIDs.openPanel, {
      label: 'Open the Pachinco assistant',
      caption: 'Show the Pachinco sidebar',
      icon: pachincoIcon,
      execute: () => {
        app.shell.activateById(panel.id);
        void model.refresh();
      }
    });
    addModeCommands(app, panel, agent);
    if (palette) {
      for (const command of [
        CommandIDs.openPanel,
        CommandIDs.workThrough,
        CommandIDs.answerMode
      ]) {
        palette.addItem({ command, category: 'Pachinco' });
      }
    }
    if (tracker) {
      bindNotebooks(app, model, tracker, palette);
      // Cells inserted, deleted or undone: a run's cells may have gone, or come back.
      model.changed.connect(() => agent.notebookChanged());
    }
    if (settingRegistry) {
      void settingRegistry.load(PLUGIN_ID).then(settings => {
        // Added on the right above; moved only when the `sidebar` setting says otherwise.
        bindSettings(
          app,
          panel,
          model,
          agent,
          picker,
          serverModelsAPI,
          settings,
          'right'
        );
      });
    }

    void model.refresh();
  }
};

/**
 * The commands that choose what Send does: work through a task (the agent), or answer.
 */
function addModeCommands(
  app: JupyterFrontEnd,
  panel: PachincoPanel,
  agent: AgentModel
): void {
  const choose = (mode: AskMode) => {
    agent.mode = mode;
    app.shell.activateById(panel.id);
    panel.focusInput();
  };
  app.commands.addCommand(CommandIDs.workThrough, {
    label: 'Work through a task with Pachinco',
    caption:
      'Plan a task, work each step on a scratch copy of the kernel, then insert the steps that ran',
    icon: pachincoIcon,
    isToggled: () => agent.mode === 'agent',
    execute: () => choose('agent')
  });
  app.commands.addCommand(CommandIDs.answerMode, {
    label: 'Ask Pachinco for an answer',
    caption: 'Send asks for explained code in one go',
    icon: pachincoIcon,
    isToggled: () => agent.mode === 'answer',
    execute: () => choose('answer')
  });
  agent.changed.connect(() => app.commands.notifyCommandChanged());
}

/**
 * Keep the sidebar on the active notebook, and add the markdown-cell command.
 */
function bindNotebooks(
  app: JupyterFrontEnd,
  model: PachincoModel,
  tracker: INotebookTracker,
  palette: ICommandPalette | null
): void {
  const sessions = new WeakMap<NotebookPanel, NotebookSession>();
  const sessionFor = (panel: NotebookPanel) => {
    let session = sessions.get(panel);
    if (session === undefined) {
      const created = new NotebookSession(panel);
      session = created;
      sessions.set(panel, created);
      watchNotebook(panel, created, model);
    }
    return session;
  };
  const follow = () => {
    const current = tracker.currentWidget;
    if (current === null) {
      model.setSession(null);
      return;
    }
    // The stored turns are read from the model once the file is loaded.
    void current.context.ready.then(() => {
      if (tracker.currentWidget === current) {
        model.setSession(sessionFor(current));
      }
    });
  };
  tracker.currentChanged.connect(follow);
  follow();

  const activeMarkdownCell = () => {
    const cell = tracker.activeCell;
    return cell !== null && cell.model.type === 'markdown' ? cell : null;
  };
  app.commands.addCommand(CommandIDs.solveMarkdownCell, {
    label: 'Solve this markdown cell with Pachinco',
    caption:
      'Use the active markdown cell as the request and insert the explained solution below it',
    icon: pachincoIcon,
    isEnabled: () => activeMarkdownCell() !== null && !model.busy,
    execute: async () => {
      const current = tracker.currentWidget;
      const cell = activeMarkdownCell();
      if (current === null || cell === null) {
        return;
      }
      await current.context.ready;
      const session = sessionFor(current);
      model.setSession(session);
      const index = current.content.activeCellIndex;
      // The cell and the status bar show the progress: the sidebar may well be closed.
      await whileSolving(
        cell,
        model,
        model.send(cell.model.sharedModel.getSource(), {
          cells: session.contextCells(model.options.includeOutputs, index),
          activeCellIndex: index > 0 ? index - 1 : null,
          insertBelow: index
        })
      );
    }
  });
  app.contextMenu.addItem({
    command: CommandIDs.solveMarkdownCell,
    selector: '.jp-Notebook .jp-MarkdownCell',
    rank: 20
  });
  if (palette) {
    palette.addItem({
      command: CommandIDs.solveMarkdownCell,
      category: 'Pachinco'
    });
  }
  addFixCommand(app, model, tracker, sessionFor, palette);
}

/**
 * The Fix command for the active cell when it raised, and the sidebar's Fix actions kept
 * up to date as cells run.
 */
function addFixCommand(
  app: JupyterFrontEnd,
  model: PachincoModel,
  tracker: INotebookTracker,
  sessionFor: (panel: NotebookPanel) => NotebookSession,
  palette: ICommandPalette | null
): void {
  NotebookActions.executed.connect((_, { notebook }) => {
    if (tracker.currentWidget?.content === notebook) {
      model.dismissNotice();
      model.notebookChanged();
    }
  });
  const activeFailure = () => {
    const cell = tracker.activeCell;
    if (cell === null || cell.model.type !== 'code') {
      return null;
    }
    return failedCellOf(
      cell.model.sharedModel.toJSON() as unknown as ICellJSON
    );
  };
  app.commands.addCommand(CommandIDs.fixCell, {
    label: 'Fix this cell with Pachinco',
    caption:
      'Send the cell and its error to the assistant for a corrected version, tried before it is offered',
    icon: pachincoIcon,
    isEnabled: () => activeFailure() !== null && !model.busy,
    execute: async () => {
      const current = tracker.currentWidget;
      const failed = activeFailure();
      if (current === null || failed === null) {
        return;
      }
      await current.context.ready;
      model.setSession(sessionFor(current));
      app.commands.execute(CommandIDs.openPanel).catch(reason => {
        console.error('Could not open the Pachinco sidebar.', reason);
      });
      await model.fix(failed);
    }
  });
  app.contextMenu.addItem({
    command: CommandIDs.fixCell,
    selector: '.jp-Notebook .jp-CodeCell',
    rank: 21
  });
  if (palette) {
    palette.addItem({ command: CommandIDs.fixCell, category: 'Pachinco' });
  }
}

/**
 * Follow one notebook: cells inserted, deleted or an insertion undone (the kept turns say
 * whether their answer is still in the notebook), and its kernel restarting (said in the
 * sidebar: the variables are gone).
 */
function watchNotebook(
  panel: NotebookPanel,
  session: NotebookSession,
  model: PachincoModel
): void {
  const cellsChanged = () => {
    if (model.session === session) {
      model.notebookChanged();
    }
  };
  panel.content.model?.cells.changed.connect(cellsChanged);
  panel.sessionContext.statusChanged.connect((_, status) => {
    if (status === 'restarting' || status === 'autorestarting') {
      model.kernelRestarted(session);
    }
  });
}

export default [plugin, completionPlugin];
