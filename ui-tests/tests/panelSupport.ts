/**
 * Shared helpers of the lineage panel's Galata tests: console-error capture, the panel and
 * node locators, screenshots of every step, the axe check, and the mgit CLI on the fixture.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as path from 'path';

export const PANEL = '#mgit-lineage-panel';
export const CANVAS = `${PANEL} .mgit-LineageCanvas`;
export const DETAILS = `${PANEL} .mgit-LineagePanel-details`;
export const TAB = '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="mgit-lineage-panel"]';

/** The server's root (see playwright.config.js). */
export const ROOT = process.env.JUPYTERLAB_GALATA_ROOT_DIR ?? '';

/** The venv's `mgit` (ui-tests/ is inside the worktree). */
const MGIT = path.resolve(__dirname, '../../.venv/bin/mgit');

/** Run the mgit CLI in the server's root. */
export function mgit(...args: string[]): string {
  return execFileSync(MGIT, args, { cwd: ROOT, encoding: 'utf-8' });
}

/** Collect every browser console error and page error of `page`. */
export function captureErrors(page: IJupyterLabPageFixture): string[] {
  const errors: string[] = [];
  page.on('pageerror', error => errors.push(`pageerror: ${error.message} ${error.stack ?? ''}`));
  page.on('console', message => {
    if (message.type() === 'error') {
      errors.push(`console: ${message.text()}`);
    }
  });
  return errors;
}

/** Save a screenshot of the whole page as test-results/panel/<name>.png. */
export async function shot(page: IJupyterLabPageFixture, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/panel/${name}.png` });
}

/** The drawn node of version `name` (only drawn nodes exist: the canvas is virtualised). */
export function node(page: IJupyterLabPageFixture, name: string) {
  return page.locator(`${PANEL} g.mgit-node[role="option"]`).filter({
    has: page.locator(`text.mgit-node-name:text-is("${name}")`)
  });
}

/** Open the panel on the `models` repository, following the file browser into it. */
export async function openModels(page: IJupyterLabPageFixture, folder = 'models'): Promise<void> {
  await page.sidebar.openTab('filebrowser');
  await page.filebrowser.openDirectory(folder);
  await page.sidebar.openTab('mgit-lineage-panel');
  await page.sidebar.setWidth(560, 'left');
  await expect(page.locator(`${PANEL} .mgit-LineagePanel-repoPicker`)).toHaveValue('models');
  await expect(node(page, 'base')).toHaveCount(1);
}

/** Filter the panel to `text` (the first match is scrolled into view), then clear it. */
export async function reveal(page: IJupyterLabPageFixture, name: string): Promise<void> {
  const search = page.locator(`${PANEL} .mgit-LineagePanel-search`);
  await search.fill(name);
  await expect(node(page, name)).toHaveCount(1);
  await search.fill('');
}

/** axe-core on `selector`: no serious or critical violation. Returns every violation's id. */
export async function checkAxe(page: IJupyterLabPageFixture, selector: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).include(selector).analyze();
  const bad = result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map(
      v =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .map(n => n.target.join(' '))
          .slice(0, 3)
          .join(' | ')}`
    )
  ).toEqual([]);
  const summary = result.violations.map(v => `${v.id}:${v.impact}`);
  console.log(
    `axe ${selector}: ${result.passes.length} rules pass; other violations: ${summary.join(', ') || 'none'}`
  );
  return summary;
}
