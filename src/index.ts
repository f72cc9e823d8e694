import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { requestAPI } from './handler';
import { pachincoIcon } from './icon';
import { IServerStatus, PachincoModel } from './model';
import { PachincoPanel } from './panel';

/**
 * The command ids of the extension.
 */
export namespace CommandIDs {
  export const openPanel = 'pachinco:open-panel';
}

const PLUGIN_ID = 'jupyter-pachinco:plugin';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'An AI pair programmer for pandas notebooks.',
  autoStart: true,
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    const model = new PachincoModel(() => requestAPI<IServerStatus>('status'));
    const panel = new PachincoPanel(model);
    app.shell.add(panel, 'right', { rank: 1000 });
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
    if (palette) {
      palette.addItem({ command: CommandIDs.openPanel, category: 'Pachinco' });
    }

    if (settingRegistry) {
      void settingRegistry.load(PLUGIN_ID).then(settings => {
        const moveTo = (side: unknown) => {
          const area = side === 'left' ? 'left' : 'right';
          app.shell.add(panel, area, { rank: 1000 });
        };
        moveTo(settings.get('sidebar').composite);
        settings.changed.connect(() =>
          moveTo(settings.get('sidebar').composite)
        );
      });
    }

    void model.refresh();
  }
};

export default plugin;
