/**
 * Update cascade from the panel: confirm with the dry-run plan, run the cascade job with
 * progress, then show a tab with what was rebuilt and the before/after metric table.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, MainAreaWidget, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { jobFraction, runJob } from '../jobs';
import { notifyError } from '../notify';
import { LineagePanel } from '../panel/lineagePanel';
import { ICascadeReport } from '../tokens';

/** Rows of the metric table: [descendant, new version, test, metric, before, after]. */
export function metricRows(report: ICascadeReport): (string | number | null)[][] {
  const rows: (string | number | null)[][] = [];
  for (const e of report.entries) {
    const tests = new Set([...Object.keys(e.before), ...Object.keys(e.after)]);
    for (const test of [...tests].sort()) {
      const metrics = new Set([
        ...Object.keys(e.before[test] ?? {}),
        ...Object.keys(e.after[test] ?? {})
      ]);
      for (const m of [...metrics].sort()) {
        rows.push([e.old, e.new, test, m, e.before[test]?.[m] ?? null, e.after[test]?.[m] ?? null]);
      }
    }
  }
  return rows;
}

function fmt(v: string | number | null): string {
  if (v === null) {
    return '—';
  }
  return typeof v === 'number' ? v.toPrecision(4) : v;
}

function table(
  headers: string[],
  rows: (string | number | null)[][],
  caption: string
): HTMLTableElement {
  const t = document.createElement('table');
  t.className = 'mgit-CascadeView-table';
  const c = document.createElement('caption');
  c.textContent = caption;
  t.append(c);
  const head = t.createTHead().insertRow();
  headers.forEach(text => {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = text;
    head.append(th);
  });
  const body = t.createTBody();
  rows.forEach(r => {
    const tr = body.insertRow();
    r.forEach(v => (tr.insertCell().textContent = fmt(v)));
  });
  return t;
}

let cascadeCount = 0;

export function renderCascadeReport(report: ICascadeReport): HTMLElement {
  const root = document.createElement('div');
  root.className = 'mgit-CascadeView-content';
  const h = document.createElement('h2');
  h.textContent = `Cascade ${report.old} → ${report.new}`;
  const p = document.createElement('p');
  p.textContent =
    `${report.updated.length} rebuilt, ${report.not_updated.length} not rebuilt` +
    (report.complete ? ': every descendant rebuilt and passed its tests.' : '.');
  root.append(h, p);
  root.append(
    table(
      ['descendant', 'rebuilt as', 'status', 'recipe', 'reason'],
      report.entries.map(e => [e.old, e.new, e.status, e.recipe, e.reason]),
      'rebuilt versions'
    )
  );
  const rows = metricRows(report);
  root.append(
    rows.length
      ? table(
          ['descendant', 'rebuilt as', 'test', 'metric', 'before', 'after'],
          rows,
          'metrics before and after'
        )
      : Object.assign(document.createElement('p'), {
          textContent: 'No test metrics were recorded.'
        })
  );
  return root;
}

export async function openCascade(
  app: JupyterFrontEnd,
  panel: LineagePanel,
  old: string,
  next: string
): Promise<ICascadeReport | null> {
  const repo = panel.model.repo ?? '';
  let plan: ICascadeReport;
  try {
    plan = await runJob<ICascadeReport>('cascade', { repo, old, new: next, dry_run: true });
  } catch (error) {
    notifyError(`Cannot plan the cascade ${old} → ${next}`, error);
    return null;
  }
  const body = document.createElement('div');
  body.append(
    Object.assign(document.createElement('p'), {
      textContent: `Rebuild ${plan.entries.length} descendant(s) of ${old} on ${next}:`
    }),
    table(
      ['descendant', 'recipe', 'parents'],
      plan.entries.map(e => [e.old, e.recipe, e.parents.join(', ')]),
      'planned rebuilds'
    )
  );
  const answer = await showDialog({
    title: `Cascade ${old} → ${next}`,
    body: new Widget({ node: body }),
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Run cascade' })]
  });
  if (!answer.button.accept) {
    return null;
  }
  const title = `Cascade ${old} → ${next}`;
  try {
    const report = await runJob<ICascadeReport>('cascade', { repo, old, new: next }, job =>
      panel.showProgress(title, job, jobFraction(job))
    );
    const content = new Widget({ node: renderCascadeReport(report) });
    content.addClass('mgit-CascadeView');
    const widget = new MainAreaWidget({ content });
    widget.id = `mgit-cascade-${++cascadeCount}`;
    widget.title.label = title;
    widget.title.closable = true;
    app.shell.add(widget, 'main');
    app.shell.activateById(widget.id);
    await panel.model.reload();
    return report;
  } catch (error) {
    notifyError(`The cascade ${old} → ${next} failed`, error);
    return null;
  } finally {
    panel.showProgress(null);
  }
}
