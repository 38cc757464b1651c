/**
 * mgit-lab's JupyterLab plugins: the lineage sidebar, its commands and palette entries.
 * The panel follows the default file browser: it shows the repository containing the
 * browser's folder (walking up like git).
 */
import { ILabShell, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';

import { registerCommands } from './commands';
import { lineageIcon } from './icons';
import { LineagePanel } from './panel';
import { attachRemotes } from './remotes/remoteCommands';

const lineagePlugin: JupyterFrontEndPlugin<void> = {
  id: 'mgit-lab:lineage',
  description: 'A left sidebar panel: the model lineage of the mgit repository, and its workbench.',
  autoStart: true,
  requires: [ILabShell],
  optional: [ICommandPalette, IDefaultFileBrowser],
  activate: (
    app: JupyterFrontEnd,
    shell: ILabShell,
    palette: ICommandPalette | null,
    browser: IDefaultFileBrowser | null
  ) => {
    const panel = new LineagePanel(app.commands);
    panel.title.icon = lineageIcon;
    shell.add(panel, 'left', { rank: 900 });
    const folder = (): string => browser?.model.path ?? '';
    registerCommands(app, panel, palette, folder);
    attachRemotes(app, panel, palette);
    if (browser) {
      browser.model.pathChanged.connect(() => void panel.model.setFolder(folder()));
      void browser.model.restored.then(() => panel.model.setFolder(folder()));
    }
  }
};

export default [lineagePlugin];
