/**
 * Shared helpers of the lineage panel's Galata tests: console-error capture, the panel and
 * node locators, screenshots of every step, the axe check, and the mgit CLI on the fixture.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as path from 'path';

export const PANEL = '#mgit-lineage-panel';
export const TAB = '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="mgit-lineage-panel"]';

/** The server's root (see playwright.config.js). */
export const ROOT = process.env.JUPYTERLAB_GALATA_ROOT_DIR ?? '';

/** The venv's `mgit` (ui-tests/ is inside the worktree). */
const MGIT = path.resolve(__dirname, '../../.venv/bin/mgit');

export function mgit(...args: string[]): string {
  return execFileSync(MGIT, args, { cwd: ROOT, encoding: 'utf-8' });
}

/** Collect every browser console error and page error of `page`. */
export function captureErrors(page: IJupyterLabPageFixture): string[] {
  const errors: string[] = [];
  page.on('pageerror', error => errors.push(`pageerror: ${error.message}`));
  page.on('console', message => {
    if (message.type() === 'error') {
      errors.push(`console: ${message.text()}`);
    }
  });
  return errors;
}

export async function shot(page: IJupyterLabPageFixture, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/panel/${name}.png` });
}

export function node(page: IJupyterLabPageFixture, name: string) {
  return page.locator(`${PANEL} g.mgit-node[role="option"]`).filter({
    has: page.locator(`text.mgit-node-name:text-is("${name}")`)
  });
}

/** Open the panel on the `models` repository (via the file browser). */
export async function openModels(page: IJupyterLabPageFixture): Promise<void> {
  await page.filebrowser.openDirectory('models');
  await page.sidebar.openTab('mgit-lineage-panel');
  await expect(node(page, 'base')).toHaveCount(1);
}

/** axe-core on `selector`: no serious or critical violation. Returns all violations' ids. */
export async function checkAxe(page: IJupyterLabPageFixture, selector: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).include(selector).analyze();
  const bad = result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map(v => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(' | ')}`)
  ).toEqual([]);
  return result.violations.map(v => `${v.id}:${v.impact}`);
}
