/**
 * Small parts of the sidebar drawn from state: the repository picker, the job progress line
 * and the message shown instead of the graph (with an optional action button).
 */
import { IJobPayload } from '../tokens';
import { LineageModel } from './lineageModel';

let pickerCount = 0;

/** Fill `bar` with the repository label and picker for `model`. */
export function renderRepositoryPicker(bar: HTMLElement, model: LineageModel): void {
  bar.textContent = '';
  const list = model.repositories;
  const label = document.createElement('label');
  label.className = 'mgit-LineagePanel-repoLabel';
  label.textContent = 'Repository';
  const select = document.createElement('select');
  select.className = 'mgit-LineagePanel-repoPicker jp-mod-styled';
  select.setAttribute('aria-label', 'mgit repository');
  const repos = list?.repositories ?? [];
  const current = model.repo;
  if (current === null) {
    const none = document.createElement('option');
    none.value = '';
    none.textContent = repos.length ? 'choose a repository…' : 'none found';
    none.selected = true;
    select.append(none);
  }
  for (const r of repos) {
    const option = document.createElement('option');
    option.value = r.path;
    option.textContent = r.path || `${r.name} (root)`;
    option.selected = r.path === current;
    select.append(option);
  }
  if (current !== null && !repos.some(r => r.path === current)) {
    const option = document.createElement('option');
    option.value = current;
    option.textContent = current || '(root)';
    option.selected = true;
    select.append(option);
  }
  select.disabled = repos.length === 0;
  select.addEventListener('change', () => {
    if (select.value !== '' || repos.some(r => r.path === '')) {
      void model.useRepository(select.value);
    }
  });
  const id = `mgit-repo-picker-${++pickerCount}`;
  select.id = id;
  label.htmlFor = id;
  bar.append(label, select);
}

/** Show a job's progress in `el` (a null title hides it). */
export function renderProgress(
  el: HTMLElement,
  title: string | null,
  job: IJobPayload | undefined,
  fraction: number | null
): void {
  el.textContent = '';
  el.hidden = title === null;
  if (title === null) {
    return;
  }
  const label = document.createElement('span');
  label.textContent = `${title}${job?.progress.step ? `: ${job.progress.step}` : ''}`;
  const bar = document.createElement('div');
  bar.className = 'mgit-progressbar';
  bar.setAttribute('role', 'progressbar');
  bar.setAttribute('aria-label', title);
  if (fraction !== null) {
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', '100');
    bar.setAttribute('aria-valuenow', String(Math.round(100 * fraction)));
  }
  const fill = document.createElement('div');
  fill.className = 'mgit-progressbar-fill' + (fraction === null ? ' mgit-mod-indeterminate' : '');
  fill.style.width = fraction === null ? '30%' : `${Math.round(100 * fraction)}%`;
  bar.append(fill);
  el.append(label, bar);
}

/** Show `text` (`code` spans in backticks) in `el`, with an optional action button. */
export function renderMessage(
  el: HTMLElement,
  text: string,
  isError: boolean,
  action: { label: string; title: string; onClick: () => void } | null
): void {
  el.hidden = false;
  el.textContent = '';
  el.className = 'mgit-LineagePanel-message' + (isError ? ' mgit-LineagePanel-error' : '');
  const p = document.createElement('p');
  text.split('`').forEach((part, i) => {
    if (i % 2 === 1) {
      const code = document.createElement('code');
      code.textContent = part;
      p.append(code);
    } else {
      p.append(document.createTextNode(part));
    }
  });
  el.append(p);
  if (action) {
    const button = document.createElement('button');
    button.className = 'jp-Button jp-mod-styled jp-mod-accept mgit-LineagePanel-init';
    button.type = 'button';
    button.textContent = action.label;
    button.title = action.title;
    button.addEventListener('click', action.onClick);
    el.append(button);
  }
}
