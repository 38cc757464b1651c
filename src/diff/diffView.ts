/**
 * The diff of two versions in a main-area tab: a summary first (counts, top changes), the
 * module graph (unchanged plain, removed red, added green, changed weights marked apart from
 * structural changes), a structural/contextual switch, and the parameter table sortable by
 * relative change. The diff runs as a server job with a progress bar.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { computeLayout } from '../graph/layout';
import { renderLayout } from '../graph/render';
import { jobFraction, runJob } from '../jobs';
import { errorText } from '../notify';
import { IDiffParam, IModelDiff } from '../tokens';
import {
  diffLayoutInput,
  diffMark,
  paramName,
  ParamSortKey,
  sortParams,
  summaryCounts,
  topChanges
} from './diffModel';

/** Rows of the parameter table drawn at once (the rest is summarised). */
const MAX_ROWS = 400;

let diffCount = 0;

export class DiffView extends Widget {
  constructor(
    readonly repo: string,
    readonly a: string,
    readonly b: string
  ) {
    super();
    this.addClass('mgit-DiffView');
    this.id = `mgit-diff-${++diffCount}`;
    this.title.label = `Diff ${a} → ${b}`;
    this.title.closable = true;
    const head = document.createElement('div');
    head.className = 'mgit-DiffView-head';
    const h = document.createElement('h2');
    h.textContent = `${a} → ${b}`;
    const modes = document.createElement('div');
    modes.className = 'mgit-DiffView-modes';
    modes.setAttribute('role', 'radiogroup');
    modes.setAttribute('aria-label', 'Diff mode');
    for (const [mode, label] of [
      ['contextual', 'Contextual (weights too)'],
      ['structural', 'Structural (types and shapes)']
    ] as const) {
      const id = `${this.id}-${mode}`;
      const input = document.createElement('input');
      input.type = 'radio';
      input.name = `${this.id}-mode`;
      input.id = id;
      input.value = mode;
      input.checked = mode === 'contextual';
      input.addEventListener('change', () => {
        this._structural = mode === 'structural';
        void this.run();
      });
      const l = document.createElement('label');
      l.htmlFor = id;
      l.textContent = label;
      modes.append(input, l);
    }
    // granularity: module classes or paths shown as one node each (core `collapse`)
    const granularity = document.createElement('form');
    granularity.className = 'mgit-DiffView-granularity';
    const glabel = document.createElement('label');
    glabel.htmlFor = `${this.id}-collapse`;
    glabel.textContent = 'Collapse modules';
    this._collapse = document.createElement('input');
    this._collapse.id = `${this.id}-collapse`;
    this._collapse.className = 'jp-mod-styled';
    this._collapse.placeholder = 'class or path, e.g. Sequential';
    this._collapse.setAttribute('list', `${this.id}-types`);
    this._types = document.createElement('datalist');
    this._types.id = `${this.id}-types`;
    const apply = document.createElement('button');
    apply.type = 'submit';
    apply.className = 'jp-Button jp-mod-styled';
    apply.textContent = 'Apply';
    granularity.append(glabel, this._collapse, this._types, apply);
    granularity.addEventListener('submit', event => {
      event.preventDefault();
      void this.run();
    });
    head.append(h, modes, granularity);
    this._progress = document.createElement('div');
    this._progress.className = 'mgit-DiffView-progress';
    this._progress.setAttribute('role', 'status');
    this._content = document.createElement('div');
    this._content.className = 'mgit-DiffView-content';
    this.node.append(head, this._progress, this._content);
  }

  /** The last diff shown. */
  get diff(): IModelDiff | null {
    return this._diff;
  }

  /** Run the diff job (mode and granularity as chosen in the tab) and show its result. */
  async run(): Promise<void> {
    const structural = this._structural;
    const collapse = this._collapse.value
      .split(',')
      .map(c => c.trim())
      .filter(Boolean);
    const token = ++this._token;
    this._content.textContent = '';
    this._setProgress('Starting the diff…', 0);
    try {
      const diff = await runJob<IModelDiff>(
        'diff',
        {
          repo: this.repo,
          a: this.a,
          b: this.b,
          structural,
          ...(collapse.length ? { collapse } : {})
        },
        job =>
          this._setProgress(`${job.title}: ${job.progress.step || job.status}`, jobFraction(job))
      );
      if (token !== this._token) {
        return;
      }
      this._diff = diff;
      const types = new Set(diff.nodes.map(n => (n.b ?? n.a)?.type).filter(Boolean) as string[]);
      this._types.textContent = '';
      [...types].sort().forEach(t => this._types.append(new Option(t, t)));
      this._progress.textContent = '';
      this._progress.hidden = true;
      this._render(diff);
    } catch (error) {
      if (token === this._token) {
        this._progress.hidden = false;
        this._progress.textContent = `The diff failed: ${errorText(error)}`;
        this._progress.classList.add('mgit-mod-error');
      }
    }
  }

  private _setProgress(text: string, fraction: number | null): void {
    this._progress.hidden = false;
    this._progress.classList.remove('mgit-mod-error');
    this._progress.textContent = '';
    const label = document.createElement('span');
    label.textContent = text;
    const bar = document.createElement('div');
    bar.className = 'mgit-progressbar';
    bar.setAttribute('role', 'progressbar');
    bar.setAttribute('aria-label', 'diff progress');
    const fill = document.createElement('div');
    fill.className = 'mgit-progressbar-fill' + (fraction === null ? ' mgit-mod-indeterminate' : '');
    fill.style.width = fraction === null ? '30%' : `${Math.round(100 * fraction)}%`;
    bar.append(fill);
    this._progress.append(label, bar);
  }

  private _render(diff: IModelDiff): void {
    const c = this._content;
    c.textContent = '';
    // summary first
    const counts = summaryCounts(diff);
    const summary = document.createElement('section');
    summary.className = 'mgit-DiffView-summary';
    const line = document.createElement('p');
    line.textContent = diff.summary.identical
      ? `No difference (${diff.mode}).`
      : `${diff.mode} diff: ${counts.params} parameter tensor(s) differ; modules: ` +
        `${counts.weights} with changed weights, ${counts.changed} changed in structure, ` +
        `${counts.added} added, ${counts.removed} removed, ${counts.same} unchanged. ` +
        `${diff.summary.changed_elements.toLocaleString('en-US')} elements changed.`;
    summary.append(line);
    const top = topChanges(diff.params);
    if (top.length) {
      const list = document.createElement('ol');
      list.className = 'mgit-DiffView-top';
      list.setAttribute('aria-label', 'largest relative changes');
      for (const p of top) {
        const li = document.createElement('li');
        li.textContent = `${paramName(p)}: relative change ${(p.relative ?? 0).toPrecision(3)}`;
        list.append(li);
      }
      summary.append(list);
    }
    for (const note of diff.notes) {
      const n = document.createElement('p');
      n.className = 'mgit-DiffView-note';
      n.textContent = note;
      summary.append(n);
    }
    c.append(summary);

    // module graph
    const graphSection = document.createElement('section');
    graphSection.className = 'mgit-DiffView-graphSection';
    const gh = document.createElement('h3');
    gh.textContent = `Module graph (${diff.nodes.length} modules)`;
    const legend = document.createElement('ul');
    legend.className = 'mgit-DiffView-legend';
    for (const [mark, text] of [
      ['same', 'unchanged'],
      ['weights', 'changed weights'],
      ['changed', 'changed structure'],
      ['added', 'added'],
      ['removed', 'removed']
    ]) {
      const li = document.createElement('li');
      li.className = `mgit-diff-${mark}`;
      li.textContent = text;
      legend.append(li);
    }
    const host = document.createElement('div');
    host.className = 'mgit-DiffView-graph';
    host.tabIndex = 0;
    host.setAttribute('role', 'region');
    host.setAttribute('aria-label', 'module graph of the diff (scrollable)');
    graphSection.append(gh, legend, host);
    c.append(graphSection);
    const marks = new Map(diff.nodes.map(n => [n.id, diffMark(n)]));
    const svg = renderLayout(
      host,
      computeLayout(diffLayoutInput(diff), { nodesep: 16, ranksep: 28 }),
      {
        nodeClass: id => `mgit-diff-${marks.get(id) ?? 'same'}`
      }
    );
    svg.setAttribute('aria-label', `module graph: ${diff.nodes.length} modules`);

    // parameter table
    const tableSection = document.createElement('section');
    const th = document.createElement('h3');
    th.textContent = `Parameters (${diff.params.length})`;
    this._table = document.createElement('div');
    tableSection.append(th, this._table);
    c.append(tableSection);
    this._renderTable(diff.params);
  }

  private _renderTable(params: IDiffParam[]): void {
    const sorted = sortParams(params, this._sortKey, this._descending);
    const table = document.createElement('table');
    table.className = 'mgit-DiffView-params';
    const caption = document.createElement('caption');
    caption.className = 'mgit-visually-hidden';
    caption.textContent = 'parameters of the diff, sortable';
    table.append(caption);
    const head = table.createTHead().insertRow();
    const columns: [ParamSortKey | null, string][] = [
      ['name', 'parameter'],
      ['status', 'status'],
      [null, 'shape'],
      ['numel', 'elements'],
      ['relative', 'relative change'],
      ['fraction', 'fraction changed']
    ];
    for (const [key, label] of columns) {
      const cell = document.createElement('th');
      cell.scope = 'col';
      if (key) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'mgit-DiffView-sort';
        button.textContent =
          label + (this._sortKey === key ? (this._descending ? ' ▼' : ' ▲') : '');
        cell.setAttribute(
          'aria-sort',
          this._sortKey === key ? (this._descending ? 'descending' : 'ascending') : 'none'
        );
        button.addEventListener('click', () => {
          this._descending = this._sortKey === key ? !this._descending : key !== 'name';
          this._sortKey = key;
          this._renderTable(params);
        });
        cell.append(button);
      } else {
        cell.textContent = label;
      }
      head.append(cell);
    }
    const body = table.createTBody();
    for (const p of sorted.slice(0, MAX_ROWS)) {
      const row = body.insertRow();
      row.className = `mgit-diff-${p.status}`;
      const shape = (s: number[] | null): string => (s ? `[${s.join(', ')}]` : '—');
      const cells = [
        paramName(p),
        p.status,
        p.shape_a && p.shape_b && shape(p.shape_a) !== shape(p.shape_b)
          ? `${shape(p.shape_a)} → ${shape(p.shape_b)}`
          : shape(p.shape_b ?? p.shape_a),
        p.numel.toLocaleString('en-US'),
        p.relative === null ? '—' : p.relative.toPrecision(3),
        p.fraction_changed === null ? '—' : `${(100 * p.fraction_changed).toFixed(1)}%`
      ];
      cells.forEach(text => (row.insertCell().textContent = text));
    }
    this._table.textContent = '';
    this._table.append(table);
    if (sorted.length > MAX_ROWS) {
      const more = document.createElement('p');
      more.textContent = `${sorted.length - MAX_ROWS} more parameters not shown (sort to see others).`;
      this._table.append(more);
    }
  }

  private _progress: HTMLDivElement;
  private _content: HTMLDivElement;
  private _table: HTMLDivElement = document.createElement('div');
  private _diff: IModelDiff | null = null;
  private _token = 0;
  private _structural = false;
  private _collapse: HTMLInputElement;
  private _types: HTMLDataListElement;
  private _sortKey: ParamSortKey = 'relative';
  private _descending = true;
}

/** Open a diff tab in the main area and start the diff. */
export function openDiff(
  app: JupyterFrontEnd,
  repo: string,
  a: string,
  b: string
): MainAreaWidget<DiffView> {
  const content = new DiffView(repo, a, b);
  const widget = new MainAreaWidget({ content });
  widget.id = content.id + '-tab';
  widget.title.label = content.title.label;
  widget.title.closable = true;
  app.shell.add(widget, 'main');
  app.shell.activateById(widget.id);
  void content.run();
  return widget;
}
