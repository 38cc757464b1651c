import { expect, test } from '@jupyterlab/galata';

import { captureErrors, node, openModels, PANEL, shot, TAB } from './panelSupport';

test.describe('mgit lineage panel', () => {
  let errors: string[] = [];
  test.beforeEach(({ page }) => {
    errors = captureErrors(page);
  });
  test.afterEach(() => {
    expect(errors).toEqual([]);
  });

  test('smoke', async ({ page }) => {
    await expect(page.locator(TAB)).toBeVisible();
    await page.filebrowser.openDirectory('models');
    await page.sidebar.openTab('mgit-lineage-panel');
    await page.waitForTimeout(1500);
    console.log(await page.evaluate(() => {
      const p = document.querySelector('#mgit-lineage-panel')!;
      const b = p.querySelector('.mgit-LineagePanel-body')!.getBoundingClientRect();
      return JSON.stringify({ n: p.querySelectorAll('g.mgit-node').length, b, html: p.innerHTML.slice(0, 1500) });
    }));
    await shot(page, 'debug');
    await openModels(page);
    await shot(page, 'smoke');
    await node(page, 'base').click();
    await expect(page.locator(`${PANEL} .mgit-LineagePanel-details`)).toContainText('parameters');
    await shot(page, 'smoke-details');
    void PANEL;
  });
});
