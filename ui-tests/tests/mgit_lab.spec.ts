import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

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
