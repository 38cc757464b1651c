/**
 * The sidebar's state, without any DOM: which repository, its graph payload and revision,
 * the selection, and the view state (filter, collapsed subtrees, expanded clusters).
 *
 * It keeps itself current by polling `GET revision` (a stat and a cached integer on the
 * server) every `pollMs`; only when the revision moved is the graph fetched again, and the
 * selection and view state survive the refresh.
 */
import { ISignal, Signal } from '@lumino/signaling';

import type { requestAPI } from '../api';
import { MgitRequestError } from '../requestError';
import { pruneSelection } from '../graph/selection';
import { IGraphNode, IGraphPayload, IRepositoryList, IRevisionPayload } from '../tokens';

/** Where the panel stands: no repository found, loading, a graph, or an error. */
export type LineageStatus = 'idle' | 'none' | 'loading' | 'ready' | 'error';

/** The request function the model uses (`requestAPI`; tests pass a fake). */
export type RequestFunction = typeof requestAPI;

export class LineageModel {
  /** Polling interval of the revision (ms). */
  pollMs = 2000;

  constructor(private _request: RequestFunction) {}

  get changed(): ISignal<this, 'graph' | 'selection' | 'repos' | 'status'> {
    return this._changed;
  }

  get status(): LineageStatus {
    return this._status;
  }

  get error(): string {
    return this._error;
  }

  /** The repository on display (relative to the server root; '' the root), or null. */
  get repo(): string | null {
    return this._repo;
  }

  /** The folder the file browser shows (relative to the server root). */
  get folder(): string {
    return this._folder;
  }

  get repositories(): IRepositoryList | null {
    return this._repos;
  }

  get payload(): IGraphPayload | null {
    return this._payload;
  }

  get revision(): number {
    return this._payload?.revision ?? -1;
  }

  get selection(): readonly string[] {
    return this._selection;
  }

  node(id: string): IGraphNode | undefined {
    return this._byId.get(id);
  }

  nodeByName(name: string): IGraphNode | undefined {
    return this._payload?.nodes.find(n => n.name === name);
  }

  /** The request parameter naming the repository. */
  repoQuery(): string {
    return `repo=${encodeURIComponent(this._repo ?? '')}`;
  }

  /**
   * Follow the file browser to `folder`: the repository at or above it becomes current
   * (unless the user picked one explicitly while it stays inside that folder's tree).
   */
  async setFolder(folder: string): Promise<void> {
    this._folder = folder;
    await this.findRepositories();
  }

  /** Ask the server which repositories exist and which one is nearest the folder. */
  async findRepositories(): Promise<void> {
    let list: IRepositoryList;
    try {
      list = await this._request<IRepositoryList>(`repos?near=${encodeURIComponent(this._folder)}`);
    } catch (error) {
      this._setStatus('error', error instanceof MgitRequestError ? error.details : String(error));
      return;
    }
    this._repos = list;
    this._changed.emit('repos');
    const target =
      list.nearest ??
      this._picked ??
      (list.repositories.length === 1 ? list.repositories[0].path : null);
    if (target === null) {
      this._repo = null;
      this._payload = null;
      this._byId.clear();
      this._setStatus('none');
      this._changed.emit('graph');
      return;
    }
    if (target !== this._repo || this._status !== 'ready') {
      await this.useRepository(target, false);
    }
  }

  /** Show repository `path` (picked by the user when `explicit`). */
  async useRepository(path: string, explicit = true): Promise<void> {
    if (explicit) {
      this._picked = path;
    }
    if (path !== this._repo) {
      this._repo = path;
      this._payload = null;
      this._byId.clear();
      this._selection = [];
      this._changed.emit('selection');
    }
    await this.reload();
  }

  /** Create a repository in the file browser's folder (`mgit init`) and show it. */
  async initRepository(path = this._folder): Promise<void> {
    await this._request('repos', { method: 'POST', body: JSON.stringify({ path }) });
    this._picked = path;
    await this.findRepositories();
  }

  /** Fetch the graph now (also when the revision did not move). */
  async reload(): Promise<void> {
    if (this._repo === null) {
      await this.findRepositories();
      return;
    }
    if (!this._payload) {
      this._setStatus('loading');
    }
    try {
      const payload = await this._request<IGraphPayload>(`graph?${this.repoQuery()}`);
      // ready before the graph signal, so listeners draw it
      this._status = 'ready';
      this._error = '';
      this._setPayload(payload);
      this._changed.emit('status');
    } catch (error) {
      if (error instanceof MgitRequestError && error.status === 404) {
        this._repo = null;
        await this.findRepositories();
        return;
      }
      this._setStatus('error', error instanceof MgitRequestError ? error.details : String(error));
    }
  }

  /** One poll: fetch the graph only if the revision moved. Returns whether it did. */
  async poll(): Promise<boolean> {
    if (this._repo === null || this._status !== 'ready' || this._polling) {
      return false;
    }
    this._polling = true;
    try {
      const { revision } = await this._request<IRevisionPayload>(`revision?${this.repoQuery()}`);
      if (revision !== this.revision) {
        await this.reload();
        return true;
      }
    } catch {
      // the next poll retries; a lasting failure shows on the next explicit reload
    } finally {
      this._polling = false;
    }
    return false;
  }

  /** Start polling (idempotent). */
  startPolling(): void {
    if (this._timer === null) {
      this._timer = setInterval(() => void this.poll(), this.pollMs);
    }
  }

  stopPolling(): void {
    if (this._timer !== null) {
      clearInterval(this._timer);
      this._timer = null;
    }
  }

  setSelection(ids: readonly string[]): void {
    const next = ids.filter(id => this._byId.has(id));
    if (next.join('\0') === this._selection.join('\0')) {
      return;
    }
    this._selection = next;
    this._changed.emit('selection');
  }

  private _setPayload(payload: IGraphPayload): void {
    this._payload = payload;
    this._byId = new Map(payload.nodes.map(n => [n.id, n]));
    const kept = pruneSelection(this._selection, id => this._byId.has(id));
    const selectionChanged = kept.length !== this._selection.length;
    this._selection = kept;
    this._changed.emit('graph');
    if (selectionChanged) {
      this._changed.emit('selection');
    }
  }

  private _setStatus(status: LineageStatus, error = ''): void {
    this._status = status;
    this._error = error;
    this._changed.emit('status');
  }

  private _changed = new Signal<this, 'graph' | 'selection' | 'repos' | 'status'>(this);
  private _status: LineageStatus = 'idle';
  private _error = '';
  private _folder = '';
  private _repo: string | null = null;
  private _picked: string | null = null;
  private _repos: IRepositoryList | null = null;
  private _payload: IGraphPayload | null = null;
  private _byId = new Map<string, IGraphNode>();
  private _selection: string[] = [];
  private _timer: ReturnType<typeof setInterval> | null = null;
  private _polling = false;
}
