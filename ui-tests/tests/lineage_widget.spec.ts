import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

/**
 * LineageWidget in a notebook output: drawn by the panel's drawLineage (same badges and
 * edges), clicks select nodes with the panel's rule (click one, Shift-click adds),
 * the selection reaches the kernel (`w.selected`), a selection set in Python is highlighted,
 * and a version added in a later cell appears.
 */
test.describe('mgit-lab LineageWidget', () => {
  test('clicking two nodes sets w.selected in the kernel', async ({ page, tmpPath }) => {
    const errors: string[] = [];
    page.on('pageerror', error => errors.push(error.message));
    const name = 'widget_selection.ipynb';
    await page.contents.uploadFile(
      path.resolve(__dirname, '../notebooks', name),
      `${tmpPath}/${name}`
    );
    await page.notebook.openByPath(`${tmpPath}/${name}`);
    await page.notebook.activate(name);

    await page.notebook.runCell(0);
    const widget = page.locator('.jp-OutputArea-output .mgit-LineageWidget');
    const node = (label: string) => widget.locator('svg g.node', { hasText: label });
    await expect(widget.locator('svg g.node')).toHaveCount(3, { timeout: 60000 });
    await expect(widget.locator('svg g.edgePath')).toHaveCount(2);

    // the panel's badges, drawn by the panel's drawLineage: test status, tag, lossy, size
    await expect(widget.locator('g.node .mgit-badge-none')).toHaveCount(3);
    await expect(node('half').locator('.mgit-node-tags')).toHaveText('#fp16');
    await expect(node('half').locator('.mgit-badge-lossy')).toHaveCount(1);
    await expect(node('base-model').locator('.mgit-badge-lossy')).toHaveCount(0);
    await expect(node('base-model').locator('.mgit-node-sub')).toContainText(
      / · \d+(\.\d+)? [KMGT]?B$/
    );
    await expect(widget.locator('g.edgePath.mgit-rel-finetune')).toHaveCount(1);
    await expect(widget.locator('g.edgePath.mgit-rel-quantize')).toHaveCount(1);

    // the panel's click rule: a click selects one version, Shift-click adds a second
    await node('half').click();
    await expect(widget.locator('g.node.mgit-mod-selected')).toHaveCount(1);
    await node('base-model').click();
    await expect(widget.locator('g.node.mgit-mod-selected')).toHaveCount(1);
    await expect(node('base-model')).toHaveClass(/mgit-mod-selected/);
    await node('fine-tuned').click({ modifiers: ['Shift'] });
    await expect(widget.locator('g.node.mgit-mod-selected')).toHaveCount(2);
    await expect(widget.locator('.mgit-LineageWidget-status')).toHaveText(
      'selected: base-model, fine-tuned'
    );
    await widget.screenshot({ path: 'test-results/lineage-widget-selection.png' });

    await page.notebook.runCell(1);
    const printed = page.locator('.jp-Cell').nth(1).locator('.jp-OutputArea-output');
    await expect(printed).toHaveText("selected: ['base-model', 'fine-tuned']");

    // Python -> browser: only 'half' is highlighted
    await page.notebook.runCell(2);
    await expect(widget.locator('g.node.mgit-mod-selected')).toHaveCount(1);
    await expect(node('half')).toHaveClass(/mgit-mod-selected/);

    // the widget follows the repository: a version added in a later cell appears
    await page.notebook.runCell(3);
    await expect(widget.locator('svg g.node')).toHaveCount(4, { timeout: 15000 });
    await expect(node('doubled')).toHaveCount(1);
    await expect(node('half')).toHaveClass(/mgit-mod-selected/);
    expect(errors).toEqual([]);
  });

  test('%mgit tables sort by a clicked header', async ({ page, tmpPath }) => {
    const name = 'widget_selection.ipynb';
    await page.contents.uploadFile(
      path.resolve(__dirname, '../notebooks', name),
      `${tmpPath}/${name}`
    );
    await page.notebook.openByPath(`${tmpPath}/${name}`);
    await page.notebook.activate(name);
    await page.notebook.runCell(0);
    await page.notebook.runCell(4);
    const table = page.locator('.jp-Cell').nth(4).locator('.mgit-html table');
    await expect(table.locator('tbody tr')).toHaveCount(3, { timeout: 30000 });
    const names = () => table.locator('tbody tr td:first-child').allTextContents();
    expect(await names()).toEqual(['base-model', 'fine-tuned', 'half']);
    // "raw": half (float16) is the smallest; a second click reverses the order
    const raw = table.locator('th', { hasText: /^raw$/ });
    await raw.click();
    expect((await names())[0]).toBe('half');
    await raw.click();
    expect((await names())[2]).toBe('half');
  });
});
