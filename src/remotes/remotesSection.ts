/**
 * The Remotes section of the lineage sidebar, drawn from `RemotesModel`: a header that
 * folds it (with a one-line summary), the remotes (name, URL, what is to push and to pull,
 * fetch / pull / push / remove), the running transfer's progress, each remote's last
 * result or error, and the form that adds a remote (its error inline, on the field).
 *
 * Actions go out through `IRemotesHandlers` (commands), never as requests from here.
 */
import { jobFraction } from '../jobs';
import { renderProgress } from '../panel/statusViews';
import { IRemoteInfo } from '../tokens';
import { RemoteForm } from './remoteForm';
import { IOutcome, RemotesChange, RemotesModel } from './remotesModel';
import {
  displayUrl,
  middleEllipsis,
  trackingText,
  TransferVerb,
  transferSummary
} from './remoteText';
import { element as el } from '../dom';

export interface IRemotesHandlers {
  /** Start `verb` with `remote` (push: `selected` pushes the graph's selection only). */
  transfer(verb: TransferVerb, remote: string, selected: boolean): void;
  /** Ask, then remove `remote`. */
  remove(remote: string): void;
  /** Names of the versions selected in the graph. */
  selection(): string[];
}

let sectionCount = 0;

const VERBS: [TransferVerb, string, string][] = [
  [
    'fetch',
    'Fetch',
    'Receive the versions of {r} this repository lacks (the lineage is unchanged)'
  ],
  ['pull', 'Pull', 'Fetch from {r}, then add its new versions to the lineage'],
  ['push', 'Push', 'Send the versions {r} lacks']
];

export class RemotesSection {
  readonly node: HTMLElement;

  constructor(
    readonly model: RemotesModel,
    private _handlers: IRemotesHandlers
  ) {
    const id = `mgit-remotes-${++sectionCount}`;
    this.node = el('section', 'mgit-Remotes');
    this.node.setAttribute('aria-labelledby', `${id}-toggle`);

    const heading = el('h3', 'mgit-Remotes-heading');
    this._toggle = el('button', 'mgit-Remotes-toggle');
    this._toggle.type = 'button';
    this._toggle.id = `${id}-toggle`;
    this._toggle.setAttribute('aria-expanded', 'false');
    this._toggle.setAttribute('aria-controls', `${id}-body`);
    this._toggle.addEventListener('click', () => this.setExpanded(!this.expanded));
    this._summary = el('span', 'mgit-Remotes-summary');
    this._toggle.append(el('span', 'mgit-Remotes-title', 'Remotes'), this._summary);
    heading.append(this._toggle);

    this._body = el('div', 'mgit-Remotes-body');
    this._body.id = `${id}-body`;
    this._body.hidden = true;

    const scope = el('div', 'mgit-Remotes-scope');
    const scopeLabel = el('label', '', 'Push');
    this._scope = el('select', 'mgit-Remotes-scopePicker jp-mod-styled');
    this._scope.id = `${id}-scope`;
    scopeLabel.htmlFor = this._scope.id;
    this._scope.setAttribute('aria-label', 'Versions to push');
    this._scope.addEventListener('change', () => this._render());
    scope.append(scopeLabel, this._scope);

    this._list = el('ul', 'mgit-Remotes-list');
    this._list.setAttribute('aria-label', 'Remotes of this repository');
    this._empty = el('p', 'mgit-Remotes-empty');

    this._form = new RemoteForm(model, id, () =>
      this._list.querySelector<HTMLElement>('.mgit-Remote-action')?.focus()
    );
    this._body.append(scope, this._empty, this._list, this._form.node);
    this.node.append(heading, this._body);
    model.changed.connect((_, what) => this._onModel(what));
    this.updateScope();
    this._render();
  }

  get expanded(): boolean {
    return !this._body.hidden;
  }

  /** Unfold (or fold) the section; unfolding also reloads the remotes (the CLI may have changed them). */
  setExpanded(open: boolean): void {
    this._body.hidden = !open;
    this._toggle.setAttribute('aria-expanded', String(open));
    this.node.classList.toggle('mgit-mod-expanded', open);
    if (open) {
      void this.model.reload();
    }
  }

  /** Unfold and put the focus in the add form's name field. */
  focusAdd(): void {
    this.setExpanded(true);
    this._form.focus();
  }

  /** Whether a push sends the selection only (else every version). */
  get pushSelected(): boolean {
    return this._scope.value === 'selected' && this._handlers.selection().length > 0;
  }

  /** Redraw the push scope after the graph's selection changed. */
  updateScope(): void {
    const names = this._handlers.selection();
    const keep = this._scope.value === 'selected' && names.length > 0;
    this._scope.textContent = '';
    const all = el('option', '', 'all versions');
    all.value = 'all';
    const selected = el(
      'option',
      '',
      names.length
        ? `the ${names.length} selected: ${names.slice(0, 3).join(', ')}${names.length > 3 ? '…' : ''} (+ ancestors)`
        : 'the selected versions (select some in the graph)'
    );
    selected.value = 'selected';
    selected.disabled = names.length === 0;
    this._scope.append(all, selected);
    this._scope.value = keep ? 'selected' : 'all';
    this._render();
  }

  // ------------------------------------------------------------ drawing

  private _onModel(what: RemotesChange): void {
    if (what === 'form') {
      this._form.renderError();
    } else {
      this._render();
    }
  }

  private _render(): void {
    const focused = this._focusKey();
    const m = this.model;
    const remotes = m.remotes;
    this._summary.textContent = this._summaryText();
    this._empty.hidden = remotes.length > 0 && !m.loadError;
    this._empty.classList.toggle('mgit-mod-error', Boolean(m.loadError));
    this._empty.textContent = m.loadError
      ? `Cannot list the remotes: ${m.loadError}`
      : m.repo === null
        ? 'Open a repository to see its remotes.'
        : 'No remote yet: add a folder or s3://bucket/prefix below, then push.';
    this._list.textContent = '';
    for (const r of remotes) {
      this._list.append(this._renderRemote(r));
    }
    this._form.setEnabled(m.repo !== null);
    if (focused) {
      this.node.querySelector<HTMLElement>(`[data-key="${CSS.escape(focused)}"]`)?.focus();
    }
  }

  private _summaryText(): string {
    const m = this.model;
    if (m.running) {
      return ` · ${m.running.verb}ing ${m.running.verb === 'push' ? 'to' : 'from'} ${m.running.remote}…`;
    }
    if (!m.remotes.length) {
      return m.repo === null ? '' : ' · none';
    }
    const parts = m.remotes.slice(0, 2).map(r => {
      const t = m.tracking(r.name);
      if (!t || t.ahead_count === null || t.behind_count === null) {
        return `${r.name}: not fetched`;
      }
      const bits = [
        t.ahead_count ? `${t.ahead_count} to push` : '',
        t.behind_count ? `${t.behind_count} to pull` : ''
      ].filter(Boolean);
      return `${r.name}: ${bits.join(', ') || 'up to date'}`;
    });
    return ` · ${parts.join('; ')}${m.remotes.length > 2 ? '; …' : ''}`;
  }

  private _renderRemote(r: IRemoteInfo): HTMLElement {
    const m = this.model;
    const li = el('li', 'mgit-Remote');
    li.dataset.remote = r.name;
    const head = el('div', 'mgit-Remote-head');
    const url = displayUrl(r.url);
    const urlEl = el('span', 'mgit-Remote-url', middleEllipsis(url, 52));
    urlEl.title = url;
    head.append(el('span', 'mgit-Remote-name', r.name), urlEl);
    const endpoint = r.options['endpoint_url'];
    if (endpoint) {
      const ep = el(
        'span',
        'mgit-Remote-option',
        `endpoint ${middleEllipsis(displayUrl(endpoint), 40)}`
      );
      ep.title = displayUrl(endpoint);
      head.append(ep);
    }
    if (r.promisor) {
      head.append(el('span', 'mgit-Remote-option', 'partial clone source'));
    }
    const tracking = m.tracking(r.name);
    const status = el('div', 'mgit-Remote-status', tracking ? trackingText(tracking) : '…');

    const actions = el('div', 'mgit-Remote-actions');
    actions.setAttribute('role', 'group');
    actions.setAttribute('aria-label', `Actions for remote ${r.name}`);
    const busy = m.running !== null;
    for (const [verb, text, caption] of VERBS) {
      const b = el('button', 'mgit-LineagePanel-button mgit-Remote-action', text);
      b.type = 'button';
      b.dataset.key = `${r.name}:${verb}`;
      b.dataset.verb = verb;
      const selected = verb === 'push' && this.pushSelected;
      const label =
        verb === 'push'
          ? `Push ${selected ? 'the selected versions' : 'all versions'} to ${r.name}`
          : `${text} from ${r.name}`;
      b.setAttribute('aria-label', label);
      b.title = caption.replace('{r}', r.name) + (busy ? ' (another transfer is running)' : '');
      // aria-disabled keeps the focus on the button while a transfer runs
      b.setAttribute('aria-disabled', String(busy));
      b.addEventListener('click', () => {
        if (!this.model.running) {
          this._handlers.transfer(verb, r.name, verb === 'push' && this.pushSelected);
        }
      });
      actions.append(b);
    }
    const remove = el('button', 'mgit-LineagePanel-button mgit-Remote-remove', 'Remove');
    remove.type = 'button';
    remove.dataset.key = `${r.name}:remove`;
    remove.setAttribute('aria-label', `Remove the remote ${r.name}`);
    remove.title = `Forget the remote ${r.name} (nothing on it is deleted)`;
    remove.setAttribute('aria-disabled', String(busy));
    remove.addEventListener('click', () => {
      if (!this.model.running) {
        this._handlers.remove(r.name);
      }
    });
    actions.append(remove);
    li.append(head, status, actions);

    const running = m.running;
    if (running && running.remote === r.name) {
      const progress = el('div', 'mgit-Remote-progress');
      progress.setAttribute('role', 'status');
      const title = `${running.verb === 'push' ? 'Pushing to' : running.verb === 'pull' ? 'Pulling from' : 'Fetching from'} ${r.name}`;
      const job = running.job ?? undefined;
      renderProgress(progress, title, job, job ? jobFraction(job) : null);
      li.append(progress);
    }
    const outcome = m.outcome(r.name);
    if (outcome && !(running && running.remote === r.name)) {
      li.append(renderOutcome(outcome));
    }
    return li;
  }

  private _focusKey(): string | null {
    const active = document.activeElement as HTMLElement | null;
    return active && this._list.contains(active) ? (active.dataset.key ?? null) : null;
  }

  private _toggle: HTMLButtonElement;
  private _summary: HTMLSpanElement;
  private _body: HTMLDivElement;
  private _scope: HTMLSelectElement;
  private _list: HTMLUListElement;
  private _empty: HTMLParagraphElement;
  private _form: RemoteForm;
}

/** A finished transfer's result (a status line) or failure (an alert). */
function renderOutcome(outcome: IOutcome): HTMLElement {
  const box = el('div', 'mgit-Remote-outcome');
  if (outcome.ok && outcome.result) {
    const { text, problems } = transferSummary(outcome.result);
    box.setAttribute('role', 'status');
    box.classList.add(problems.length ? 'mgit-mod-warn' : 'mgit-mod-ok');
    box.append(el('p', '', text));
    if (problems.length) {
      const ul = el('ul', 'mgit-Remote-problems');
      problems.forEach(p => ul.append(el('li', '', p)));
      box.append(ul);
    }
  } else {
    box.setAttribute('role', 'alert');
    box.classList.add('mgit-mod-error');
    if (outcome.status === 409) {
      box.classList.add('mgit-mod-conflict');
    }
    box.append(el('p', '', outcome.error));
  }
  return box;
}
