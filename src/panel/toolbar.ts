/**
 * The sidebar's toolbar: view buttons (zoom, fit, zoom to selection, refresh), action buttons
 * (tests, diff, merge, cascade) and the search box. Each button runs a command, so it shares
 * its label, enabled state and keyboard path with the palette and the context menu.
 */
import { CommandRegistry } from '@lumino/commands';

import { CommandIDs } from '../tokens';

/** [command, short text on the button] */
const VIEW_BUTTONS: [string, string][] = [
  [CommandIDs.zoomIn, '+'],
  [CommandIDs.zoomOut, '−'],
  [CommandIDs.fit, 'Fit'],
  [CommandIDs.zoomSelection, 'Sel'],
  [CommandIDs.refresh, '⟳']
];

const ACTION_BUTTONS: [string, string][] = [
  [CommandIDs.runTests, 'Test'],
  [CommandIDs.diff, 'Diff'],
  [CommandIDs.merge, 'Merge'],
  [CommandIDs.cascade, 'Cascade']
];

export function buildToolbar(
  commands: CommandRegistry,
  onSearch: (text: string) => void
): { node: HTMLElement; search: HTMLInputElement } {
  const node = document.createElement('div');
  node.className = 'mgit-LineagePanel-toolbar';
  node.setAttribute('role', 'toolbar');
  node.setAttribute('aria-label', 'Lineage tools');
  const buttons: [string, HTMLButtonElement][] = [];
  const group = (items: [string, string][], cls: string): HTMLElement => {
    const g = document.createElement('div');
    g.className = `mgit-LineagePanel-group ${cls}`;
    for (const [id, text] of items) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'mgit-LineagePanel-button';
      b.dataset.command = id;
      b.textContent = text;
      b.addEventListener('click', () => void commands.execute(id));
      buttons.push([id, b]);
      g.append(b);
    }
    return g;
  };
  const search = document.createElement('input');
  search.type = 'search';
  search.className = 'mgit-LineagePanel-search jp-mod-styled';
  search.placeholder = 'Filter: name, type:x, tag:x, test:fail';
  search.setAttribute('aria-label', 'Filter versions by name, model type, tag or test status');
  search.addEventListener('input', () => onSearch(search.value));
  search.addEventListener('keydown', event => {
    if (event.key === 'Escape') {
      search.value = '';
      onSearch('');
    }
  });
  node.append(
    group(VIEW_BUTTONS, 'mgit-mod-view'),
    group(ACTION_BUTTONS, 'mgit-mod-actions'),
    search
  );
  const sync = (): void => {
    for (const [id, b] of buttons) {
      if (!commands.hasCommand(id)) {
        continue;
      }
      const label = commands.label(id);
      b.title = commands.caption(id) || label;
      b.setAttribute('aria-label', label);
      b.disabled = !commands.isEnabled(id);
    }
  };
  commands.commandChanged.connect(sync);
  requestAnimationFrame(sync);
  return { node, search };
}
