import { ReactWidget } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Panel } from '@lumino/widgets';
import * as React from 'react';

import { pachincoIcon } from './icon';
import { PachincoModel } from './model';
import { ChatView, StatusView } from './view';

/**
 * The Pachinco sidebar: a Lumino panel that hosts the React views.
 */
export class PachincoPanel extends Panel {
  constructor(model: PachincoModel, rendermime: IRenderMimeRegistry | null) {
    super();
    this.id = 'jp-pachinco-panel';
    this.addClass('jp-Pachinco-panel');
    this.title.icon = pachincoIcon;
    this.title.caption = 'Pachinco assistant';

    const header = ReactWidget.create(
      React.createElement('h2', { className: 'jp-Pachinco-title' }, 'Pachinco')
    );
    this.addWidget(header);
    this.addWidget(
      ReactWidget.create(React.createElement(StatusView, { model }))
    );
    this.addWidget(
      ReactWidget.create(React.createElement(ChatView, { model, rendermime }))
    );
  }
}
