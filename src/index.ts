/**
 * mgit-lab's JupyterLab plugins: the lineage sidebar and its command.
 */
import { ILabShell, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';

import { lineageIcon } from './icons';
import { LineagePanel } from './panel';
import { CommandIDs, PANEL_ID } from './tokens';

const lineagePlugin: JupyterFrontEndPlugin<void> = {
  id: 'mgit-lab:lineage',
  description: 'A left sidebar panel showing the model lineage graph of the mgit repository.',
  autoStart: true,
  requires: [ILabShell],
  activate: (app: JupyterFrontEnd, shell: ILabShell) => {
    const panel = new LineagePanel();
    panel.title.icon = lineageIcon;
    shell.add(panel, 'left', { rank: 900 });
    app.commands.addCommand(CommandIDs.open, {
      label: 'Show Model Lineage',
      caption: 'Open the mgit lineage sidebar',
      execute: () => shell.activateById(PANEL_ID)
    });
  }
};

export default [lineagePlugin];
