/**
 * The Remotes section's state, without any DOM: the repository's remotes, each one's
 * ahead/behind status, the transfer running (with its job's progress) and the last outcome
 * per remote. Requests go through the injected `request` and `runJob` (the one seam, faked
 * in tests).
 */
import { ISignal, Signal } from '@lumino/signaling';

import type { requestAPI } from '../api';
import type { runJob } from '../jobs';
import { MgitRequestError } from '../requestError';
import {
  IJobPayload,
  IRemoteInfo,
  IRemoteList,
  IRemoteTracking,
  ITransferPayload
} from '../tokens';
import { remoteNameProblem, remoteUrlProblem, TransferVerb, transferFailure } from './remoteText';

export type RequestFunction = typeof requestAPI;
export type JobFunction = typeof runJob;

/** What the last transfer with a remote ended with. */
export interface IOutcome {
  verb: TransferVerb;
  ok: boolean;
  /** the result (ok) */
  result: ITransferPayload | null;
  /** one line saying what failed (not ok) */
  error: string;
  /** the failure's HTTP status (409 a conflict, 502 an unreachable remote, ...) */
  status: number;
}

/** A transfer in progress. */
export interface IRunning {
  verb: TransferVerb;
  remote: string;
  versions: string[];
  job: IJobPayload | null;
}

/** Which part of the state changed. */
export type RemotesChange = 'remotes' | 'tracking' | 'running' | 'outcome' | 'form';

export class RemotesModel {
  constructor(
    private _request: RequestFunction,
    private _runJob: JobFunction
  ) {}

  get changed(): ISignal<this, RemotesChange> {
    return this._changed;
  }

  /** The repository whose remotes these are (null: none). */
  get repo(): string | null {
    return this._repo;
  }

  get remotes(): readonly IRemoteInfo[] {
    return this._remotes;
  }

  /** Why the list could not be loaded ('' when it was). */
  get loadError(): string {
    return this._loadError;
  }

  tracking(name: string): IRemoteTracking | undefined {
    return this._tracking.get(name);
  }

  outcome(name: string): IOutcome | undefined {
    return this._outcomes.get(name);
  }

  get running(): IRunning | null {
    return this._running;
  }

  /** The add form's error ('' none) and which field it is about. */
  get formError(): { text: string; field: 'name' | 'url' | 'endpoint' | null } {
    return this._formError;
  }

  /** Show the remotes of `repo` (null: no repository). */
  async setRepository(repo: string | null): Promise<void> {
    if (repo === this._repo && this._loaded) {
      return;
    }
    this._repo = repo;
    this._remotes = [];
    this._tracking.clear();
    this._outcomes.clear();
    this._loaded = false;
    this._setFormError('', null);
    this._changed.emit('remotes');
    await this.reload();
  }

  /** Fetch the list of remotes and their status again. */
  async reload(): Promise<void> {
    const repo = this._repo;
    if (repo === null) {
      return;
    }
    try {
      const list = await this._request<IRemoteList>(`remotes?${query(repo)}`);
      if (repo !== this._repo) {
        return;
      }
      this._remotes = list.remotes;
      this._loadError = '';
      this._loaded = true;
    } catch (error) {
      this._loadError = error instanceof MgitRequestError ? error.details : String(error);
    }
    this._changed.emit('remotes');
    await this.refreshTracking();
  }

  /** Ahead/behind of every remote (no network on the server: as of the last read). */
  async refreshTracking(): Promise<void> {
    const repo = this._repo;
    if (repo === null) {
      return;
    }
    const results = await Promise.all(
      this._remotes.map(async r => {
        try {
          return await this._request<IRemoteTracking>(
            `remotes/${encodeURIComponent(r.name)}/status?${query(repo)}`
          );
        } catch {
          return null; // a remote removed meanwhile: the next reload drops it
        }
      })
    );
    if (repo !== this._repo) {
      return;
    }
    for (const t of results) {
      if (t) {
        this._tracking.set(t.name, t);
      }
    }
    this._changed.emit('tracking');
  }

  /**
   * Add a remote. Checks the input first (one message naming the field), then asks the
   * server, whose refusal (taken name, path outside the root, ...) becomes the message.
   * Returns whether it was added.
   */
  async add(name: string, url: string, endpoint = ''): Promise<boolean> {
    const repo = this._repo;
    if (repo === null) {
      this._setFormError('Open a repository first.', null);
      return false;
    }
    const nameProblem = remoteNameProblem(name);
    const urlProblem = nameProblem ? null : remoteUrlProblem(url);
    const endpointProblem =
      nameProblem || urlProblem || !endpoint.trim() || /^https?:\/\//.test(endpoint.trim())
        ? null
        : 'The endpoint URL must start with http:// or https://, e.g. http://127.0.0.1:9000.';
    if (nameProblem || urlProblem || endpointProblem) {
      this._setFormError(
        (nameProblem ?? urlProblem ?? endpointProblem) as string,
        nameProblem ? 'name' : urlProblem ? 'url' : 'endpoint'
      );
      return false;
    }
    const options: Record<string, string> = endpoint.trim()
      ? { endpoint_url: endpoint.trim() }
      : {};
    try {
      const list = await this._request<IRemoteList>('remotes', {
        method: 'POST',
        body: JSON.stringify({ repo, name: name.trim(), url: url.trim(), options })
      });
      this._remotes = list.remotes;
    } catch (error) {
      const text = error instanceof MgitRequestError ? error.details : String(error);
      const field = /name/i.test(text) ? 'name' : /endpoint/i.test(text) ? 'endpoint' : 'url';
      this._setFormError(`Cannot add ${name.trim()}: ${text}`, field);
      return false;
    }
    this._setFormError('', null);
    this._changed.emit('remotes');
    await this.refreshTracking();
    return true;
  }

  /** Remove the remote `name` (nothing on the remote is touched). */
  async remove(name: string): Promise<void> {
    const repo = this._repo;
    if (repo === null) {
      return;
    }
    const list = await this._request<IRemoteList>(
      `remotes/${encodeURIComponent(name)}?${query(repo)}`,
      { method: 'DELETE' }
    );
    this._remotes = list.remotes;
    this._tracking.delete(name);
    this._outcomes.delete(name);
    this._changed.emit('remotes');
  }

  /**
   * Run `verb` with the remote `remote` (versions: push only those and their ancestors;
   * empty: all) as a server job, reporting its progress; one transfer at a time.
   * Returns the outcome (also kept for `outcome(remote)`).
   */
  async transfer(verb: TransferVerb, remote: string, versions: string[] = []): Promise<IOutcome> {
    const repo = this._repo;
    if (this._running) {
      return this._keep(remote, {
        verb,
        ok: false,
        result: null,
        error: `Wait for the ${this._running.verb} with ${this._running.remote} to finish.`,
        status: 409
      });
    }
    if (repo === null) {
      return { verb, ok: false, result: null, error: 'Open a repository first.', status: 400 };
    }
    this._running = { verb, remote, versions, job: null };
    this._outcomes.delete(remote);
    this._changed.emit('running');
    let outcome: IOutcome;
    try {
      const result = await this._runJob<ITransferPayload>(
        verb,
        { repo, remote, ...(versions.length ? { versions } : {}) },
        job => {
          if (this._running) {
            this._running = { ...this._running, job };
            this._changed.emit('running');
          }
        }
      );
      outcome = { verb, ok: true, result, error: '', status: 200 };
    } catch (error) {
      outcome = {
        verb,
        ok: false,
        result: null,
        error: transferFailure(verb, remote, error),
        status: error instanceof MgitRequestError ? error.status : 500
      };
    } finally {
      this._running = null;
      this._changed.emit('running');
    }
    this._keep(remote, outcome);
    if (repo === this._repo) {
      await this.refreshTracking();
    }
    return outcome;
  }

  private _keep(remote: string, outcome: IOutcome): IOutcome {
    this._outcomes.set(remote, outcome);
    this._changed.emit('outcome');
    return outcome;
  }

  private _setFormError(text: string, field: 'name' | 'url' | 'endpoint' | null): void {
    if (text === this._formError.text && field === this._formError.field) {
      return;
    }
    this._formError = { text, field };
    this._changed.emit('form');
  }

  private _changed = new Signal<this, RemotesChange>(this);
  private _repo: string | null = null;
  private _loaded = false;
  private _loadError = '';
  private _remotes: IRemoteInfo[] = [];
  private _tracking = new Map<string, IRemoteTracking>();
  private _outcomes = new Map<string, IOutcome>();
  private _running: IRunning | null = null;
  private _formError: { text: string; field: 'name' | 'url' | 'endpoint' | null } = {
    text: '',
    field: null
  };
}

function query(repo: string): string {
  return `repo=${encodeURIComponent(repo)}`;
}
