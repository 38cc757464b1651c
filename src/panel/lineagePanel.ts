/**
 * The lineage sidebar: repository bar (picker, create), toolbar (zoom, fit, search), the
 * interactive graph, a progress line for jobs, and the details pane of the selection.
 * State lives in `LineageModel`; actions are commands (see `commands.ts`).
 */
import { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import { Menu, Widget } from '@lumino/widgets';

import { MgitRequestError, requestAPI } from '../api';
import { renderDetails } from '../details/detailsPane';
import { LineageCanvas } from '../graph/lineageCanvas';
import { buildLineageView, ILineageView, layoutLineageView } from '../graph/lineageView';
import { neighbour } from '../graph/navigation';
import { clickSelection } from '../graph/selection';
import { CommandIDs, IJobPayload, IVersionDetail, IVersionPayload, PANEL_ID } from '../tokens';
import { VERSION } from '../version';
import { LineageModel } from './lineageModel';
import { renderMessage, renderProgress, renderRepositoryPicker } from './statusViews';
import { buildToolbar } from './toolbar';

/** What the panel shows when no repository contains the file browser's folder. */
export const EMPTY_MESSAGE = 'No mgit repository found: run `mgit init`';

export class LineagePanel extends Widget {
  readonly model = new LineageModel(requestAPI);

  constructor(readonly commands: CommandRegistry) {
    super();
    this.id = PANEL_ID;
    this.addClass('mgit-LineagePanel');
    this.title.caption = 'Model lineage (mgit)';

    this._repoBar = document.createElement('div');
    this._repoBar.className = 'mgit-LineagePanel-repo';
    const toolbar = buildToolbar(commands, (text: string) => this.setFilter(text));
    this._search = toolbar.search;

    this._warning = document.createElement('div');
    this._warning.className = 'mgit-LineagePanel-warning';
    this._warning.hidden = true;
    this._progress = document.createElement('div');
    this._progress.className = 'mgit-LineagePanel-progress';
    this._progress.setAttribute('role', 'status');
    this._progress.hidden = true;

    this._body = document.createElement('div');
    this._body.className = 'mgit-LineagePanel-body';
    this._message = document.createElement('div');
    this._message.className = 'mgit-LineagePanel-message';
    this.canvas = new LineageCanvas({
      onNodeClick: (id, additive) => this._click(id, additive),
      onNodeOpen: id => this._open(id),
      onContextMenu: (id, x, y) => this._contextMenu(id, x, y),
      onArrow: (focus, key) => {
        const layout = this.canvas.layout;
        if (!layout) {
          return;
        }
        const next = focus
          ? (neighbour(layout, focus, key) ?? focus)
          : (layout.nodes[0]?.id ?? null);
        this.canvas.setFocus(next);
      }
    });
    this._body.append(this.canvas.node, this._message);

    this._details = document.createElement('div');
    this._details.className = 'mgit-LineagePanel-details';
    this._details.setAttribute('role', 'region');
    this._details.setAttribute('aria-label', 'Version details');
    this._details.hidden = true;

    this.node.append(
      this._repoBar,
      toolbar.node,
      this._warning,
      this._progress,
      this._body,
      this._details
    );
    this.model.changed.connect((_, what) => this._onModel(what));
  }

  readonly canvas: LineageCanvas;

  /** The drawn view (with clusters). */
  get view(): ILineageView | null {
    return this._view;
  }

  /** The revision of the graph on display (-1 before the first load). */
  get revision(): number {
    return this.model.revision;
  }

  /** Reload the graph (also finds the repository again when there was none). */
  async refresh(): Promise<void> {
    void this._checkVersion();
    await this.model.reload();
  }

  /** Filter the drawing by name, type, tag or test status (`type:x tag:y test:fail`). */
  setFilter(text: string): void {
    this._filter = text;
    if (this._search.value !== text) {
      this._search.value = text;
    }
    this._redraw();
    const first = this._view?.matches.find(id => this.canvas.layout?.nodes.some(n => n.id === id));
    if (first) {
      this.canvas.setFocus(first);
    }
  }

  focusSearch(): void {
    this._search.focus();
    this._search.select();
  }

  /** Select versions (ids) and show the first one's details. */
  select(ids: string[]): void {
    this.model.setSelection(ids);
    if (ids[0]) {
      this.canvas.setFocus(ids[0]);
    }
  }

  /** Toggle the collapsed state of the focused/selected version's subtree. */
  toggleCollapse(id: string): void {
    if (this._collapsed.has(id)) {
      this._collapsed.delete(id);
    } else {
      this._collapsed.add(id);
    }
    this._redraw();
  }

  /** Add a section (e.g. Remotes) below the graph and the details. */
  addSection(section: HTMLElement): void {
    this.node.append(section);
  }

  /** Show a job's progress line (null hides it). */
  showProgress(title: string | null, job?: IJobPayload, fraction?: number | null): void {
    renderProgress(this._progress, title, job, fraction ?? null);
  }

  /** Fetch and show the details of version `id` (the selection's first). */
  async showDetails(id: string): Promise<void> {
    const token = ++this._detailsToken;
    this._details.hidden = false;
    this._details.setAttribute('aria-busy', 'true');
    try {
      const detail = await requestAPI<IVersionDetail>(
        `versions/${encodeURIComponent(id)}?${this.model.repoQuery()}`
      );
      if (token !== this._detailsToken) {
        return;
      }
      this._details.textContent = '';
      const close = document.createElement('button');
      close.className = 'mgit-Details-close';
      close.type = 'button';
      close.textContent = '×';
      close.title = 'Close the details';
      close.setAttribute('aria-label', 'Close the details');
      close.addEventListener('click', () => {
        this._details.hidden = true;
        this._detailsShown = null;
        this.canvas.node.focus();
      });
      this._details.append(
        close,
        renderDetails(detail, { onSelectVersion: vid => this.select([vid]) })
      );
      this._detailsShown = id;
    } catch (error) {
      this._details.textContent =
        'Cannot load the details: ' +
        (error instanceof MgitRequestError ? error.details : String(error));
    } finally {
      this._details.removeAttribute('aria-busy');
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this._checkVersion();
    if (this.model.status === 'idle') {
      void this.model.findRepositories();
    }
    this.model.startPolling();
    this.canvas.resized();
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    if (!this.node.contains(document.activeElement)) {
      this.canvas.node.focus();
    }
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.model.stopPolling();
  }

  protected onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.canvas.resized();
  }

  // ------------------------------------------------------------ model -> view

  private _onModel(what: string): void {
    if (what === 'repos' || what === 'status') {
      this._renderRepoBar();
      this._renderStatus();
    }
    if (what === 'graph') {
      // a new repository (or the first graph) starts at the top; a refresh keeps the view
      const fresh = this._view === null || this._drawnRepo !== this.model.repo;
      this._redraw();
      if (fresh && this._view) {
        this._drawnRepo = this.model.repo;
        requestAnimationFrame(() => this.canvas.showStart());
      }
      if (this._detailsShown && this.model.node(this._detailsShown)) {
        void this.showDetails(this._detailsShown);
      }
    }
    if (what === 'selection') {
      this._redraw();
      const first = this.model.selection[0];
      if (first) {
        void this.showDetails(first);
      } else {
        this._details.hidden = true;
        this._detailsShown = null;
      }
      this.commands.notifyCommandChanged();
    }
  }

  private _redraw(): void {
    const payload = this.model.payload;
    if (!payload || this.model.status !== 'ready') {
      return;
    }
    if (!payload.nodes.length) {
      this._view = null;
      this._showMessage('The repository has no model versions yet: add one with `mgit add`');
      return;
    }
    this._message.hidden = true;
    this.canvas.node.hidden = false;
    this._view = buildLineageView(payload, {
      filter: { text: this._filter },
      collapsed: this._collapsed,
      expanded: this._expanded,
      keep: new Set(this.model.selection)
    });
    this.canvas.setGraph(this._view, layoutLineageView(this._view));
    this.canvas.setSelection(this.model.selection);
  }

  private _renderStatus(): void {
    const status = this.model.status;
    if (status === 'none') {
      this._view = null;
      const where = this.model.folder ? `\`${this.model.folder}\`` : "the server's root";
      this._showMessage(`${EMPTY_MESSAGE} (no repository at or above ${where})`, false, true);
    } else if (status === 'error') {
      this._showMessage(`Cannot load the lineage graph: ${this.model.error}`, true);
    } else if (status === 'loading') {
      this._showMessage('Loading the lineage…');
    } else if (status === 'ready') {
      this._redraw(); // the graph, or the message of an empty repository
    }
  }

  private _renderRepoBar(): void {
    renderRepositoryPicker(this._repoBar, this.model);
  }

  private _showMessage(text: string, isError = false, offerInit = false): void {
    this.canvas.node.hidden = true;
    const folder = this.model.folder;
    renderMessage(
      this._message,
      text,
      isError,
      offerInit
        ? {
            label: `Create a repository in ${folder ? folder.split('/').pop() : 'the root folder'}`,
            title: `mgit init in ${folder || 'the server root'}`,
            onClick: () => void this.commands.execute(CommandIDs.initRepository)
          }
        : null
    );
  }

  // ------------------------------------------------------------ input

  private _click(id: string, additive: boolean): void {
    if (id.startsWith('cluster:')) {
      this._expanded.add(id);
      this._redraw();
      return;
    }
    this.model.setSelection(clickSelection(this.model.selection, id, additive));
    this.canvas.setFocus(id);
  }

  private _open(id: string): void {
    if (id.startsWith('cluster:')) {
      this._click(id, false);
      return;
    }
    if (!this.model.selection.includes(id)) {
      this.model.setSelection([id]);
    }
    void this.showDetails(id);
  }

  private _contextMenu(id: string, x: number, y: number): void {
    if (id.startsWith('cluster:')) {
      return;
    }
    if (!this.model.selection.includes(id)) {
      this.model.setSelection([id]);
    }
    const menu = new Menu({ commands: this.commands });
    menu.addClass('mgit-ContextMenu');
    for (const command of CONTEXT_COMMANDS) {
      if (command === '-') {
        menu.addItem({ type: 'separator' });
      } else {
        menu.addItem({ command });
      }
    }
    menu.aboutToClose.connect(() => {
      this.canvas.node.focus();
    });
    menu.open(x, y);
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
    } catch {
      // No server extension at all: the graph request reports it.
      this._versionChecked = false;
    }
  }

  private _repoBar: HTMLDivElement;
  private _search: HTMLInputElement;
  private _warning: HTMLDivElement;
  private _progress: HTMLDivElement;
  private _body: HTMLDivElement;
  private _message: HTMLDivElement;
  private _details: HTMLDivElement;
  private _detailsShown: string | null = null;
  private _detailsToken = 0;
  private _view: ILineageView | null = null;
  private _drawnRepo: string | null = null;
  private _filter = '';
  private _collapsed = new Set<string>();
  private _expanded = new Set<string>();
  private _versionChecked = false;
}

/** The node context menu, in order ('-' is a separator). */
export const CONTEXT_COMMANDS = [
  CommandIDs.details,
  '-',
  CommandIDs.runTests,
  CommandIDs.diff,
  CommandIDs.merge,
  CommandIDs.cascade,
  '-',
  CommandIDs.tag,
  CommandIDs.rename,
  CommandIDs.reparent,
  CommandIDs.exportVersion,
  CommandIDs.pushSelected,
  CommandIDs.collapse,
  '-',
  CommandIDs.remove
];
