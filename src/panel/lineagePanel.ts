/**
 * The lineage sidebar: fetches `GET mgit/api/graph` and draws the DAG, or says why not.
 */
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { MgitRequestError, requestAPI } from '../api';
import { computeLayout, lineageToLayoutInput } from '../graph/layout';
import { renderLayout } from '../graph/render';
import { IGraphPayload, IVersionPayload, PANEL_ID } from '../tokens';
import { VERSION } from '../version';

/** What the panel shows when the server root holds no repository. */
export const EMPTY_MESSAGE = 'No mgit repository found: run `mgit init`';

export class LineagePanel extends Widget {
  constructor() {
    super();
    this.id = PANEL_ID;
    this.addClass('mgit-LineagePanel');
    this.title.caption = 'Model lineage (mgit)';

    const header = document.createElement('div');
    header.className = 'mgit-LineagePanel-header';
    const title = document.createElement('span');
    title.className = 'mgit-LineagePanel-title';
    title.textContent = 'Model lineage';
    const refresh = document.createElement('button');
    refresh.className = 'mgit-LineagePanel-refresh';
    refresh.textContent = 'Refresh';
    refresh.title = 'Reload the lineage graph';
    refresh.addEventListener('click', () => void this.refresh());
    header.append(title, refresh);

    this._warning = document.createElement('div');
    this._warning.className = 'mgit-LineagePanel-warning';
    this._warning.hidden = true;
    this._body = document.createElement('div');
    this._body.className = 'mgit-LineagePanel-body';
    this.node.append(header, this._warning, this._body);
  }

  /** The revision of the graph on display (-1 before the first load). */
  get revision(): number {
    return this._revision;
  }

  /** Fetch the graph and redraw. Never throws: failures are shown in the panel. */
  async refresh(): Promise<void> {
    void this._checkVersion();
    let payload: IGraphPayload;
    try {
      payload = await requestAPI<IGraphPayload>('graph');
    } catch (error) {
      this._revision = -1;
      if (error instanceof MgitRequestError && error.status === 404) {
        this._showMessage(EMPTY_MESSAGE);
      } else {
        const details = error instanceof MgitRequestError ? error.details : String(error);
        this._showMessage(`Cannot load the lineage graph: ${details}`, true);
      }
      return;
    }
    this._revision = payload.revision;
    if (payload.nodes.length === 0) {
      this._showMessage('The repository has no model versions yet: add one with `mgit add`');
      return;
    }
    this._body.textContent = '';
    const host = document.createElement('div');
    this._body.append(host);
    renderLayout(host, computeLayout(lineageToLayoutInput(payload)));
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.refresh();
  }

  private async _checkVersion(): Promise<void> {
    if (this._versionChecked) {
      return;
    }
    this._versionChecked = true;
    try {
      const { version } = await requestAPI<IVersionPayload>('version');
      if (version !== VERSION) {
        this._warning.textContent =
          `mgit-lab's server extension is ${version} but this frontend is ${VERSION}: ` +
          'reinstall mgit-lab and restart JupyterLab.';
        this._warning.hidden = false;
        console.warn(this._warning.textContent);
      }
    } catch (error) {
      // No server extension at all: the graph request reports it.
      this._versionChecked = false;
    }
  }

  private _showMessage(text: string, isError = false): void {
    this._body.textContent = '';
    const message = document.createElement('div');
    message.className = 'mgit-LineagePanel-message' + (isError ? ' mgit-LineagePanel-error' : '');
    // Render `code` spans of the message as <code>.
    text.split('`').forEach((part, i) => {
      if (i % 2 === 1) {
        const code = document.createElement('code');
        code.textContent = part;
        message.append(code);
      } else {
        message.append(document.createTextNode(part));
      }
    });
    this._body.append(message);
  }

  private _warning: HTMLDivElement;
  private _body: HTMLDivElement;
  private _revision = -1;
  private _versionChecked = false;
}
