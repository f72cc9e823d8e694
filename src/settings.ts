/**
 * The settings editor's values applied to the sidebar: the request options, the mode Send
 * starts in and whether the agent's plan is shown first, which sidebar
 * holds the panel (moved only when that setting changes: any other change leaves it where it
 * is, open or closed), the servers the picker lists, and the model (the same choice the
 * picker makes: changing it in the editor switches the server's model).
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { PartialJSONValue } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { AgentModel } from './agentModel';
import { PachincoModel } from './model';
import { IModelsAPI, PickerModel, sameModel } from './models';
import { IModelChoice, IServerEntry } from './protocol';
import { DEFAULT_OPTIONS, IAssistantOptions } from './session';

export type Side = 'left' | 'right';

export function readOptions(
  settings: ISettingRegistry.ISettings
): IAssistantOptions {
  const get = (key: string) => settings.get(key).composite;
  const n = Number(get('candidates'));
  const temperature = get('temperature');
  return {
    n: Number.isInteger(n) && n >= 1 && n <= 8 ? n : DEFAULT_OPTIONS.n,
    style:
      (get('style') as IAssistantOptions['style']) ?? DEFAULT_OPTIONS.style,
    layout:
      (get('layout') as IAssistantOptions['layout']) ?? DEFAULT_OPTIONS.layout,
    includeOutputs: get('includeOutputs') !== false,
    temperature:
      typeof temperature === 'number' && temperature >= 0 && temperature <= 2
        ? temperature
        : null
  };
}

export function readModel(
  settings: ISettingRegistry.ISettings
): IModelChoice | null {
  const value = settings.get('model').composite as unknown;
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const choice = value as Partial<IModelChoice>;
  return typeof choice.backend === 'string' && typeof choice.model === 'string'
    ? (choice as IModelChoice)
    : null;
}

export function readServers(
  settings: ISettingRegistry.ISettings
): IServerEntry[] {
  const value = settings.get('servers').composite as unknown;
  return Array.isArray(value)
    ? (value as IServerEntry[]).filter(s => typeof s?.base_url === 'string')
    : [];
}

/**
 * Keep the sidebar in step with the settings; the picker's choices are saved there too.
 */
export function bindSettings(
  app: JupyterFrontEnd,
  panel: Widget,
  model: PachincoModel,
  agent: AgentModel,
  picker: PickerModel,
  api: IModelsAPI,
  settings: ISettingRegistry.ISettings,
  initialSide: Side
): void {
  let side = initialSide;
  let applied = readModel(settings);
  // The mode follows the setting when it changes; the switch beside Send changes it between.
  let mode: unknown = undefined;
  const same = (a: IModelChoice | null, b: IModelChoice | null) =>
    a === null || b === null ? a === b : sameModel(a, b);
  const apply = () => {
    const wanted: Side =
      settings.get('sidebar').composite === 'left' ? 'left' : 'right';
    if (wanted !== side) {
      const wasOpen = panel.isVisible;
      side = wanted;
      app.shell.add(panel, side, { rank: 1000 });
      if (wasOpen) {
        app.shell.activateById(panel.id);
      }
    }
    model.options = readOptions(settings);
    const wantedMode = settings.get('mode').composite;
    if (wantedMode !== mode) {
      mode = wantedMode;
      agent.mode = wantedMode === 'agent' ? 'agent' : 'answer';
    }
    agent.planFirst = settings.get('planFirst').composite !== false;
    picker.servers = readServers(settings);
    const chosen = readModel(settings);
    if (!same(chosen, applied)) {
      // Changed in the settings editor: switch the server's model.
      applied = chosen;
      void api.choose(chosen).then(
        () => model.refresh(),
        () => model.refresh()
      );
    }
  };
  apply();
  settings.changed.connect(apply);
  picker.onServersChanged = servers => {
    void settings.set('servers', servers as unknown as PartialJSONValue);
  };
  // The picker switches the server first (a refusal shows in the picker), then saves the
  // choice in the settings, so that the editor shows the same choice.
  picker.chooser = async choice => {
    await api.choose(choice);
    applied = choice;
    // Empty fields mean "the configured value"; the settings schema checks the ones given.
    let given: Record<string, unknown> | null = null;
    if (choice !== null) {
      given = {};
      for (const [field, value] of Object.entries(choice)) {
        if (value !== '') {
          given[field] = value;
        }
      }
    }
    await settings.set('model', given as unknown as PartialJSONValue);
  };
}
