import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

/** The lineage served by jupyter_server_test_config.py: 5 versions, 5 edges. */
const NODES = 5;
const EDGES = 5;

const TAB = '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="mgit-lineage-panel"]';

test.describe('mgit-lab lineage sidebar', () => {
  const errors: string[] = [];

  test.beforeEach(({ page }) => {
    errors.length = 0;
    // Browser errors never reach Playwright's output otherwise.
    page.on('pageerror', error => errors.push(error.message));
    page.on('console', message => {
      if (message.type() === 'error' && message.text().includes('mgit')) {
        errors.push(message.text());
      }
    });
  });

  test.afterEach(() => {
    expect(errors).toEqual([]);
  });

  test('has a sidebar tab that opens the panel', async ({ page }) => {
    await expect(page.locator(TAB)).toBeVisible();
    await page.sidebar.openTab('mgit-lineage-panel');
    await expect(page.locator('#mgit-lineage-panel')).toBeVisible();
    expect(await page.sidebar.isTabOpen('mgit-lineage-panel')).toBe(true);
  });

  test('draws the repository lineage as a DAG', async ({ page }) => {
    await page.sidebar.openTab('mgit-lineage-panel');
    const panel = page.locator('#mgit-lineage-panel');
    await expect(panel.locator('svg g.node')).toHaveCount(NODES);
    await expect(panel.locator('svg g.edgePath')).toHaveCount(EDGES);
    await expect(panel.locator('svg g.edgeLabel')).toHaveCount(EDGES);
    for (const name of ['base-model', 'fine-tuned', 'quantized-int8', 'pruned', 'merged']) {
      await expect(panel.locator('svg g.node', { hasText: name })).toHaveCount(1);
    }
    await expect(panel.locator('svg g.edgeLabel', { hasText: 'merge' })).toHaveCount(2);
    // parents are drawn above their children
    const box = async (name: string) =>
      (await panel.locator('svg g.node', { hasText: name }).boundingBox())!;
    expect((await box('base-model')).y).toBeLessThan((await box('fine-tuned')).y);
    expect((await box('fine-tuned')).y).toBeLessThan((await box('merged')).y);
    // the drawing fits the sidebar's width (no node cut off)
    const svgBox = (await panel.locator('svg').boundingBox())!;
    const panelBox = (await panel.boundingBox())!;
    expect(svgBox.x + svgBox.width).toBeLessThanOrEqual(panelBox.x + panelBox.width);
    await expect(panel.locator('.mgit-LineagePanel-warning')).toBeHidden();
    await page.screenshot({ path: 'test-results/lineage-panel.png' });
  });

  test('the open command shows the panel', async ({ page }) => {
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('mgit-lab:open');
    });
    await expect(page.locator('#mgit-lineage-panel')).toBeVisible();
    await expect(page.locator('#mgit-lineage-panel svg g.node')).toHaveCount(NODES);
  });

  test('says how to create a repository when there is none', async ({ page }) => {
    await page.route(/\/mgit\/api\/graph/, route =>
      route.fulfill({
        status: 404,
        contentType: 'application/json',
        body: JSON.stringify({ message: 'not an mgit repository', hint: 'run `mgit init`' })
      })
    );
    await page.sidebar.openTab('mgit-lineage-panel');
    const panel = page.locator('#mgit-lineage-panel');
    await expect(panel).toContainText('No mgit repository found: run mgit init');
    await expect(panel.locator('svg g.node')).toHaveCount(0);
    await page.screenshot({ path: 'test-results/lineage-empty.png' });
  });

  test('warns when the server extension version differs', async ({ page }) => {
    await page.route(/\/mgit\/api\/version/, route =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ version: '0.0.1' })
      })
    );
    await page.sidebar.openTab('mgit-lineage-panel');
    const warning = page.locator('#mgit-lineage-panel .mgit-LineagePanel-warning');
    await expect(warning).toBeVisible();
    await expect(warning).toContainText('0.0.1');
  });
});

test.describe('mgit-lab notebook widget', () => {
  test('LineageWidget draws the DAG in an output', async ({ page, tmpPath }) => {
    const errors: string[] = [];
    page.on('pageerror', error => errors.push(error.message));
    const notebook = 'lineage_widget.ipynb';
    await page.contents.uploadFile(
      path.resolve(__dirname, '../../examples', notebook),
      `${tmpPath}/${notebook}`
    );
    await page.notebook.openByPath(`${tmpPath}/${notebook}`);
    await page.notebook.activate(notebook);
    await page.notebook.run();
    const output = page.locator('.jp-OutputArea-output');
    await expect(output.locator('svg g.node')).toHaveCount(3, { timeout: 60000 });
    await expect(output.locator('svg g.edgePath')).toHaveCount(2);
    await expect(output.locator('svg g.node', { hasText: 'fine-tuned' })).toHaveCount(1);
    await page.screenshot({ path: 'test-results/lineage-widget.png' });
    expect(errors).toEqual([]);
  });
});
