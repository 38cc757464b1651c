/**
 * The details pane of the selected version: metadata, message, author, created, parameter
 * count, stored vs raw size, metrics, test history (metrics against thresholds), parents and
 * children (click to select), tags, and the evidence parent inference recorded.
 */
import { humanBytes } from '../graph/nodeDrawing';
import { IMetricCheck, IParentRef, IVersionDetail } from '../tokens';
import { element as h } from '../dom';

export interface IDetailsHandlers {
  /** A parent or child link was activated. */
  onSelectVersion(id: string): void;
}

function section(title: string): HTMLElement {
  const s = h('section', 'mgit-Details-section');
  s.append(h('h4', 'mgit-Details-heading', title));
  return s;
}

function table(headers: string[], rows: (string | Node)[][], caption: string): HTMLTableElement {
  const t = h('table', 'mgit-Details-table');
  t.append(h('caption', 'mgit-visually-hidden', caption));
  const head = t.createTHead().insertRow();
  for (const name of headers) {
    const th = h('th', '', name);
    th.scope = 'col';
    head.append(th);
  }
  const body = t.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const cell of row) {
      const td = tr.insertCell();
      td.append(cell);
    }
  }
  return t;
}

function formatNumber(v: unknown): string {
  if (typeof v === 'number') {
    return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toPrecision(4);
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function checkText(check: IMetricCheck | undefined, value: number): string {
  const v = formatNumber(value);
  if (!check || !check.condition) {
    return v;
  }
  const mark = check.passed === false ? '✗' : check.passed ? '✓' : '';
  return `${v} (${check.condition}) ${mark}`.trim();
}

/** The pane's content for `detail`. */
export function renderDetails(detail: IVersionDetail, handlers: IDetailsHandlers): HTMLElement {
  const root = h('div', 'mgit-Details-content');
  const title = h('h3', 'mgit-Details-title', detail.name);
  const status = h('span', `mgit-Details-status mgit-status-${detail.test_status}`);
  status.textContent =
    detail.test_status === 'pass'
      ? 'tests pass'
      : detail.test_status === 'fail'
        ? 'tests fail'
        : 'tests not run';
  title.append(' ', status);
  root.append(title);
  if (detail.message) {
    root.append(h('p', 'mgit-Details-message', detail.message));
  }

  const facts = h('dl', 'mgit-Details-facts');
  const fact = (k: string, v: string): void => {
    facts.append(h('dt', '', k), h('dd', '', v));
  };
  fact('model type', detail.model_type ?? '—');
  fact('author', detail.author || '—');
  fact('created', new Date(detail.created).toLocaleString());
  fact('parameters', detail.num_parameters.toLocaleString('en-US'));
  fact('tensors', String(detail.num_tensors));
  const ratio = detail.raw_bytes
    ? ` (${((100 * detail.stored_bytes) / detail.raw_bytes).toFixed(1)}%)`
    : '';
  fact(
    'stored / raw',
    `${humanBytes(detail.stored_bytes)} / ${humanBytes(detail.raw_bytes)}${ratio}`
  );
  if (detail.lossy) {
    fact('storage', `lossy (bound ${formatNumber(detail.metadata['lossy_bound'])})`);
  }
  const m = detail.manifest;
  if (detail.parents.length) {
    fact(
      'vs parent',
      `${m.same_as_parent} same, ${m.changed_from_parent} changed, ${m.added} added, ${m.removed} removed`
    );
  }
  fact('id', detail.id.slice(0, 12));
  root.append(facts);

  if (detail.tags.length) {
    const s = section('Tags');
    const list = h('ul', 'mgit-Details-tags');
    detail.tags.forEach(t => list.append(h('li', 'mgit-Details-tag', t)));
    s.append(list);
    root.append(s);
  }

  const links = (title: string, refs: IParentRef[]): void => {
    const s = section(title);
    if (!refs.length) {
      s.append(h('p', 'mgit-Details-none', 'none'));
    }
    const list = h('ul', 'mgit-Details-links');
    for (const ref of refs) {
      const li = h('li');
      const button = h('button', 'mgit-Details-link', ref.name);
      button.type = 'button';
      button.title = `select ${ref.name}`;
      button.addEventListener('click', () => handlers.onSelectVersion(ref.id));
      li.append(button, h('span', `mgit-Details-relation mgit-rel-${ref.relation}`, ref.relation));
      list.append(li);
    }
    s.append(list);
    root.append(s);
  };
  links('Parents', detail.parents);
  links('Children', detail.children);

  const metrics = Object.entries(detail.metrics ?? {});
  if (metrics.length) {
    const s = section('Metrics');
    s.append(
      table(
        ['metric', 'value'],
        metrics.map(([k, v]) => [k, formatNumber(v)]),
        'metrics'
      )
    );
    root.append(s);
  }

  const tests = Object.entries(detail.tests ?? {});
  const ts = section('Tests');
  if (!tests.length) {
    ts.append(h('p', 'mgit-Details-none', 'no test results stored'));
  } else {
    const rows = tests.map(([name, raw]) => {
      const r = raw as {
        status?: string;
        metrics?: { [k: string]: number };
        checks?: { [k: string]: IMetricCheck };
        ran_at?: string;
      };
      const metricText = Object.entries(r.metrics ?? {})
        .map(([k, v]) => `${k} ${checkText(r.checks?.[k], v)}`)
        .join('; ');
      const st = h(
        'span',
        `mgit-status-${r.status === 'passed' ? 'pass' : r.status === 'failed' ? 'fail' : 'none'}`,
        r.status ?? '?'
      );
      return [name, st, metricText, r.ran_at ? new Date(r.ran_at).toLocaleString() : ''];
    });
    ts.append(table(['test', 'status', 'metrics vs thresholds', 'ran'], rows, 'test results'));
  }
  root.append(ts);

  const inference = detail.metadata['inference'] as
    | {
        parent?: string | null;
        confidence?: number;
        reason?: string;
        relation?: string | null;
        candidates?: { name: string; distance: number; score: number; coverage: number }[];
      }
    | undefined;
  if (inference) {
    const s = section('Parent inference');
    const p = h('p', 'mgit-Details-inference');
    p.textContent =
      `${inference.parent ? `inferred parent ${inference.parent}` : 'no parent inferred'}` +
      (inference.confidence !== undefined
        ? ` (confidence ${(100 * inference.confidence).toFixed(0)}%)`
        : '') +
      (inference.reason ? `: ${inference.reason}` : '');
    s.append(p);
    if (inference.candidates?.length) {
      s.append(
        table(
          ['candidate', 'distance', 'coverage', 'score'],
          inference.candidates
            .slice(0, 5)
            .map(c => [
              c.name,
              formatNumber(c.distance),
              formatNumber(c.coverage),
              formatNumber(c.score)
            ]),
          'inference candidates'
        )
      );
    }
    root.append(s);
  }
  return root;
}
