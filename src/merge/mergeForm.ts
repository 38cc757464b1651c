/**
 * The merge dialog's body, rendered from the server's strategy registry (each strategy's
 * self-description: name, help, arguments with types, ranges and defaults) and the dry-run
 * plan (automatic vs conflicting parameters, the common ancestor).
 */
import { Widget } from '@lumino/widgets';

import { IMergeArgumentInfo, IMergePlan, IMergeStrategyInfo } from '../tokens';

export interface IMergeChoice {
  strategy: string;
  args: { [name: string]: number | boolean | string };
  name: string;
}

/** The value of one argument input, typed as the strategy declares. */
export function argumentValue(
  info: IMergeArgumentInfo,
  input: HTMLInputElement
): number | boolean | string {
  if (info.type === 'bool') {
    return input.checked;
  }
  if (info.type === 'int') {
    return parseInt(input.value, 10);
  }
  if (info.type === 'float') {
    return parseFloat(input.value);
  }
  return input.value;
}

let formCount = 0;

export class MergeForm extends Widget {
  constructor(
    readonly plan: IMergePlan,
    readonly strategies: IMergeStrategyInfo[]
  ) {
    super();
    this.addClass('mgit-MergeForm');
    const uid = `mgit-merge-${++formCount}`;
    const summary = document.createElement('section');
    summary.className = 'mgit-MergeForm-plan';
    const anc = document.createElement('p');
    anc.textContent = plan.ancestor_name
      ? `Common ancestor: ${plan.ancestor_name}`
      : 'No common ancestor: strategies that need one are unavailable.';
    const counts = document.createElement('p');
    counts.className = 'mgit-MergeForm-counts';
    counts.textContent =
      `${plan.auto} parameter(s) merge automatically, ${plan.conflicts} conflict(s)` +
      ` (${Object.entries(plan.counts)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')})`;
    summary.append(anc, counts);
    const conflicts = plan.parameters.filter(p => !p.auto);
    if (conflicts.length) {
      const list = document.createElement('ul');
      list.className = 'mgit-MergeForm-conflicts';
      list.setAttribute('aria-label', 'conflicting parameters');
      for (const p of conflicts.slice(0, 8)) {
        const li = document.createElement('li');
        li.textContent = `${p.name} (${p.state})`;
        list.append(li);
      }
      if (conflicts.length > 8) {
        const li = document.createElement('li');
        li.textContent = `… ${conflicts.length - 8} more`;
        list.append(li);
      }
      summary.append(list);
    }

    const strategyLabel = document.createElement('label');
    strategyLabel.textContent = 'Strategy';
    strategyLabel.htmlFor = `${uid}-strategy`;
    this._select = document.createElement('select');
    this._select.id = `${uid}-strategy`;
    this._select.className = 'jp-mod-styled mgit-MergeForm-strategy';
    const previews = new Map(plan.strategies.map(s => [s.name, s]));
    let firstUsable = '';
    for (const s of strategies) {
      const option = document.createElement('option');
      option.value = s.name;
      const preview = previews.get(s.name);
      const usable = preview ? preview.applicable : !(s.needs_ancestor && !plan.ancestor);
      option.textContent = usable ? s.name : `${s.name} (not applicable)`;
      option.disabled = !usable;
      if (usable && !firstUsable) {
        firstUsable = s.name;
      }
      this._select.append(option);
    }
    this._select.value =
      strategies.some(s => s.name === 'average') && previews.get('average')?.applicable !== false
        ? 'average'
        : firstUsable;
    this._help = document.createElement('p');
    this._help.className = 'mgit-MergeForm-help';
    this._help.id = `${uid}-help`;
    this._select.setAttribute('aria-describedby', this._help.id);
    this._args = document.createElement('fieldset');
    this._args.className = 'mgit-MergeForm-args';
    this._select.addEventListener('change', () => this._renderArgs(uid));

    const nameLabel = document.createElement('label');
    nameLabel.textContent = 'Name of the merged version';
    nameLabel.htmlFor = `${uid}-name`;
    this._name = document.createElement('input');
    this._name.id = `${uid}-name`;
    this._name.className = 'jp-mod-styled';
    this._name.placeholder = 'default: chosen by mgit';
    this.node.append(
      summary,
      strategyLabel,
      this._select,
      this._help,
      this._args,
      nameLabel,
      this._name
    );
    this._renderArgs(uid);
  }

  /** What the user chose. */
  getValue(): IMergeChoice {
    const info = this.strategies.find(s => s.name === this._select.value);
    const args: IMergeChoice['args'] = {};
    for (const a of info?.arguments ?? []) {
      const input = this._inputs.get(a.name);
      if (input) {
        args[a.name] = argumentValue(a, input);
      }
    }
    return { strategy: this._select.value, args, name: this._name.value.trim() };
  }

  private _renderArgs(uid: string): void {
    const info = this.strategies.find(s => s.name === this._select.value);
    const preview = this.plan.strategies.find(s => s.name === this._select.value);
    // the preview's reason repeats the description after a colon: keep what it adds
    const description = info?.description ?? '';
    const reason = (preview?.reason ?? '').replace(`: ${description}`, '');
    this._help.textContent = description + (reason && reason !== description ? ` (${reason})` : '');
    this._args.textContent = '';
    this._inputs.clear();
    const legend = document.createElement('legend');
    legend.textContent = info?.arguments.length ? 'Arguments' : 'No arguments';
    this._args.append(legend);
    for (const a of info?.arguments ?? []) {
      const row = document.createElement('div');
      row.className = 'mgit-MergeForm-arg';
      const id = `${uid}-arg-${a.name}`;
      const label = document.createElement('label');
      label.htmlFor = id;
      const range = a.min !== null || a.max !== null ? `, ${a.min ?? '−∞'} to ${a.max ?? '∞'}` : '';
      label.textContent = `${a.name} (${a.type}${range})`;
      const input = document.createElement('input');
      input.id = id;
      input.name = a.name;
      input.dataset.arg = a.name;
      if (a.type === 'bool') {
        input.type = 'checkbox';
        input.checked = Boolean(a.default);
      } else if (a.type === 'str') {
        input.type = 'text';
        input.className = 'jp-mod-styled';
        input.value = a.default === null || a.default === undefined ? '' : String(a.default);
      } else {
        input.type = 'number';
        input.className = 'jp-mod-styled';
        input.step = a.type === 'int' ? '1' : 'any';
        if (a.min !== null) {
          input.min = String(a.min);
        }
        if (a.max !== null) {
          input.max = String(a.max);
        }
        input.value = a.default === null || a.default === undefined ? '' : String(a.default);
      }
      const help = document.createElement('small');
      help.id = `${id}-help`;
      help.textContent = a.description;
      input.setAttribute('aria-describedby', help.id);
      row.append(label, input, help);
      this._args.append(row);
      this._inputs.set(a.name, input);
    }
  }

  private _select: HTMLSelectElement;
  private _help: HTMLParagraphElement;
  private _args: HTMLFieldSetElement;
  private _name: HTMLInputElement;
  private _inputs = new Map<string, HTMLInputElement>();
}
