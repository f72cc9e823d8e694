import { ReactWidget } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Panel, Widget } from '@lumino/widgets';
import * as React from 'react';

import { AgentModel } from './agentModel';
import { pachincoIcon } from './icon';
import { PachincoModel } from './model';
import { PickerModel } from './models';
import { HeaderView } from './pickerView';
import { ConversationView, InputView } from './view';

/**
 * The Pachinco sidebar: a fixed header (title, model picker, status), the conversation,
 * which alone scrolls, and a fixed input at the bottom. Each part is its own widget
 * (`header`, `conversation`, `input`); the input holds the mode switch (an answer, or an
 * agent run) beside Send.
 */
export class PachincoPanel extends Panel {
  constructor(
    model: PachincoModel,
    agent: AgentModel,
    picker: PickerModel,
    rendermime: IRenderMimeRegistry | null
  ) {
    super();
    this.id = 'jp-pachinco-panel';
    this.addClass('jp-Pachinco-panel');
    this.title.icon = pachincoIcon;
    this.title.caption = 'Pachinco assistant';
    this._model = model;

    this.header = ReactWidget.create(
      React.createElement(HeaderView, { model, picker })
    );
    this.header.addClass('jp-Pachinco-headerArea');
    this.conversation = ReactWidget.create(
      React.createElement(ConversationView, { model, agent, rendermime })
    );
    this.conversation.addClass('jp-Pachinco-conversationArea');
    this.input = ReactWidget.create(
      React.createElement(InputView, { model, agent })
    );
    this.input.addClass('jp-Pachinco-inputArea');
    this.addWidget(this.header);
    this.addWidget(this.conversation);
    this.addWidget(this.input);
  }

  readonly header: Widget;
  readonly conversation: Widget;
  readonly input: Widget;

  /**
   * Put the keyboard in the request box, once the event that asked is over (the command
   * palette gives the focus back to where it was when it closes).
   */
  focusInput(): void {
    requestAnimationFrame(() => {
      this.input.node.querySelector('textarea')?.focus();
    });
  }

  protected onAfterShow(): void {
    // The model loads and the prompt's start is evaluated while the user reads and types.
    void this._model.prepare();
  }

  private _model: PachincoModel;
}
