/**
 * The lineage sidebar as a workbench, against the real repositories of lineage_fixture.py:
 * find the repository, read the lineage, select, details, diff, tests, merge, cascade,
 * reparent, remove, keyboard-only use, dark theme, a CLI `mgit add` appearing by itself,
 * and axe-core checks. Every step leaves a screenshot in test-results/panel/.
 */
import { expect, test } from '@jupyterlab/galata';

import {
  CANVAS,
  captureErrors,
  checkAxe,
  DETAILS,
  mgit,
  node,
  openModels,
  PANEL,
  reveal,
  ROOT,
  shot,
  TAB
} from './panelSupport';

test.describe.configure({ mode: 'serial' });
// Galata mocks /api/me with a regex that also catches .../mgit/api/merge/...: use the real one
test.use({ mockUser: false });

test.describe('mgit lineage panel', () => {
  let errors: string[] = [];
  /** Console errors a test expects (e.g. the browser logging a refused request). */
  let expected: RegExp[] = [];
  test.beforeEach(({ page }) => {
    errors = captureErrors(page);
    expected = [];
  });
  test.afterEach(() => {
    expect(errors.filter(e => !expected.some(re => re.test(e)))).toEqual([]);
  });

  test('finds the repository of the file browser folder, with a picker for several', async ({
    page
  }) => {
    await expect(page.locator(TAB)).toBeVisible();
    await page.sidebar.openTab('mgit-lineage-panel');
    const picker = page.locator(`${PANEL} .mgit-LineagePanel-repoPicker`);
    // the test's own folder holds no repository: the picker lists the root's two
    await expect(picker.locator('option')).toHaveText(['choose a repository…', 'models', 'other']);
    await expect(page.locator(PANEL)).toContainText('No mgit repository found');
    await expect(page.locator(`${PANEL} .mgit-LineagePanel-init`)).toBeVisible();
    await shot(page, '01-no-repository-picker');
    // into a subfolder of a repository: the panel walks up to it
    await page.sidebar.openTab('filebrowser');
    await page.filebrowser.openDirectory('models/notebooks');
    await page.sidebar.openTab('mgit-lineage-panel');
    await expect(picker).toHaveValue('models');
    await expect(node(page, 'base')).toHaveCount(1);
    await shot(page, '02-subfolder-finds-models');
    // the picker switches repository
    await picker.selectOption('other');
    await expect(node(page, 'other-base')).toBeInViewport();
    await expect(node(page, 'base')).toHaveCount(0);
    await shot(page, '03-picker-other-repository');
  });

  test('draws readable nodes with badges, relation edges, clusters, pan and zoom', async ({
    page
  }) => {
    await openModels(page);
    const base = node(page, 'base');
    const box = (await base.boundingBox())!;
    expect(box.height).toBeGreaterThanOrEqual(60); // readable at any graph size, never a thumbnail
    const fontSize = await base
      .locator('text.mgit-node-name')
      .evaluate(el => parseFloat(getComputedStyle(el).fontSize));
    expect(fontSize).toBeGreaterThanOrEqual(13);
    await expect(base.locator('.mgit-badge-none')).toHaveCount(1);
    await expect(base).toHaveAttribute('aria-label', /base, two-task, tests not run/);
    await expect(page.locator(`${PANEL} g.edgePath.mgit-rel-version`)).toHaveCount(1);
    // the sweep of eight fine-tunes is one cluster node; a click expands it
    const cluster = page.locator(`${PANEL} g.mgit-cluster`);
    await reveal(page, 'ft-b');
    await expect(cluster).toHaveCount(1);
    await expect(cluster).toContainText('8 sibling versions');
    await shot(page, '04-lineage-with-cluster');
    await cluster.click();
    await expect(cluster).toHaveCount(0);
    await page.locator(`${PANEL} [data-command="mgit-lab:fit"]`).click();
    await expect(page.locator(`${PANEL} g.mgit-node`)).toHaveCount(13);
    await shot(page, '05-fit-expanded-sweep');
    // zoom buttons and the wheel change the scale; tags and the minimap are drawn
    const scale = async () =>
      Number(
        (await page.locator(`${PANEL} g.mgit-viewport`).getAttribute('transform'))!.match(
          /scale\(([\d.]+)\)/
        )![1]
      );
    const fitted = await scale();
    await page.locator(`${PANEL} [data-command="mgit-lab:zoom-in"]`).click();
    await expect.poll(scale).toBeGreaterThan(fitted);
    const canvasBox = (await page.locator(CANVAS).boundingBox())!;
    await page.mouse.move(canvasBox.x + canvasBox.width / 2, canvasBox.y + canvasBox.height / 2);
    const before = await scale();
    await page.mouse.wheel(0, 300);
    await expect.poll(scale).toBeLessThan(before);
    // drag pans
    const t0 = await page.locator(`${PANEL} g.mgit-viewport`).getAttribute('transform');
    await page.mouse.move(canvasBox.x + 40, canvasBox.y + canvasBox.height - 40);
    await page.mouse.down();
    await page.mouse.move(canvasBox.x + 140, canvasBox.y + canvasBox.height - 90, { steps: 5 });
    await page.mouse.up();
    expect(await page.locator(`${PANEL} g.mgit-viewport`).getAttribute('transform')).not.toBe(t0);
    await reveal(page, 'pruned');
    await expect(node(page, 'pruned').locator('.mgit-node-tags')).toHaveText('#small');
    await shot(page, '06-zoomed-tags');
    await checkAxe(page, PANEL);
  });

  test('click selects and opens details; shift-click adds a second node', async ({ page }) => {
    await openModels(page);
    await node(page, 'base').click();
    await expect(node(page, 'base')).toHaveAttribute('aria-selected', 'true');
    const details = page.locator(DETAILS);
    await expect(details.locator('.mgit-Details-title')).toContainText('base');
    await expect(details).toContainText('pre-trained');
    await expect(details).toContainText('parameters');
    await expect(details).toContainText('stored / raw');
    await expect(details.locator('.mgit-Details-link')).toContainText(['ft-a', 'ft-b', 'base-v2']);
    await shot(page, '07-details-of-base');
    await node(page, 'base-v2').click({ modifiers: ['Shift'] });
    await expect(node(page, 'base')).toHaveAttribute('aria-selected', 'true');
    await expect(node(page, 'base-v2')).toHaveAttribute('aria-selected', 'true');
    // a child link in the details selects that version
    await details.locator('.mgit-Details-link', { hasText: 'ft-a' }).click();
    await expect(details.locator('.mgit-Details-title')).toContainText('ft-a');
    await expect(details).toContainText('Tests');
    await shot(page, '08-details-of-ft-a');
    // the context menu offers every action on the node
    await node(page, 'ft-a').click({ button: 'right' });
    const menu = page.locator('.lm-Menu.mgit-ContextMenu');
    await expect(menu).toBeVisible();
    for (const label of ['Run Tests', 'Diff With…', 'Merge With…', 'Cascade From Here…', 'Tag…']) {
      await expect(menu.locator('.lm-Menu-itemLabel', { hasText: label })).toHaveCount(1);
    }
    await expect(menu.locator('.lm-Menu-itemLabel', { hasText: 'Remove…' })).toHaveCount(1);
    await shot(page, '08b-context-menu');
    await page.keyboard.press('Escape');
    await expect(menu).toHaveCount(0);
  });

  test('diff opens a tab with the module graph and a sortable parameter table', async ({
    page
  }) => {
    await openModels(page);
    await node(page, 'base').click();
    await node(page, 'base-v2').click({ modifiers: ['Shift'] });
    await page.locator(`${PANEL} [data-command="mgit-lab:diff"]`).click();
    const view = page.locator('.mgit-DiffView');
    await expect(view.locator('.mgit-DiffView-summary')).toBeVisible({ timeout: 60000 });
    await expect(view.locator('.mgit-DiffView-graph svg g.node').first()).toBeVisible();
    await expect(
      view.locator('.mgit-DiffView-graph svg g.node.mgit-diff-weights').first()
    ).toBeVisible();
    await expect(view.locator('.mgit-DiffView-params tbody tr').first()).toBeVisible();
    await expect(view.locator('.mgit-DiffView-summary')).toContainText(
      'parameter tensor(s) differ'
    );
    await shot(page, '09-diff-tab');
    const header = view.locator('th', { hasText: 'parameter' }).locator('button');
    await header.click();
    await expect(view.locator('th[aria-sort="ascending"]')).toContainText('parameter');
    // the structural switch reruns the diff: weights no longer count
    await view.locator('input[value="structural"]').check();
    await expect(view.locator('.mgit-DiffView-summary')).toContainText('structural', {
      timeout: 60000
    });
    await expect(view.locator('.mgit-DiffView-graph svg g.node.mgit-diff-weights')).toHaveCount(0);
    await shot(page, '10-diff-structural');
    // granularity: the trunk (a Sequential) as one node
    const modules = await view.locator('.mgit-DiffView-graph svg g.node').count();
    await view.locator('.mgit-DiffView-granularity input').fill('trunk');
    await view.locator('.mgit-DiffView-granularity button').click();
    await expect
      .poll(() => view.locator('.mgit-DiffView-graph svg g.node').count(), { timeout: 60000 })
      .toBeLessThan(modules);
    await expect(view.locator('.mgit-DiffView-graph svg g.node', { hasText: 'trunk' })).toHaveCount(
      1
    );
    await checkAxe(page, '.mgit-DiffView');
  });

  test('run tests: progress, then the badge changes without a reload', async ({ page }) => {
    await openModels(page);
    await expect(node(page, 'base').locator('.mgit-badge-none')).toHaveCount(1);
    await node(page, 'base').click();
    await page.locator(`${PANEL} [data-command="mgit-lab:run-tests"]`).click();
    await expect(page.locator(`${PANEL} .mgit-LineagePanel-progress`)).toBeVisible();
    await shot(page, '11-tests-running');
    await expect(node(page, 'base').locator('.mgit-badge-none')).toHaveCount(0, { timeout: 60000 });
    await expect(node(page, 'base').locator('.mgit-badge-pass, .mgit-badge-fail')).toHaveCount(1);
    await expect(page.locator(DETAILS)).toContainText('task_a');
    await shot(page, '12-tests-badge-updated');
  });

  test('merge: dialog from the strategy registry, plan, new node selected', async ({ page }) => {
    await openModels(page);
    await reveal(page, 'ft-a');
    await node(page, 'ft-a').click();
    await reveal(page, 'ft-b');
    await node(page, 'ft-b').click({ modifiers: ['Shift'] });
    await page.locator(`${PANEL} [data-command="mgit-lab:merge"]`).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.locator('.mgit-MergeForm-plan')).toContainText('Common ancestor: base');
    await expect(dialog.locator('.mgit-MergeForm-counts')).toContainText('merge automatically');
    const strategy = dialog.locator('.mgit-MergeForm-strategy');
    expect(await strategy.locator('option').count()).toBeGreaterThan(2);
    await strategy.selectOption('weighted-average');
    await expect(dialog.locator('.mgit-MergeForm-arg input[type="number"]').first()).toBeVisible();
    await shot(page, '13-merge-dialog');
    await checkAxe(page, '.jp-Dialog');
    await dialog.locator('.mgit-MergeForm input[placeholder^="default"]').fill('merged-ab');
    await dialog.locator('.jp-Dialog-button.jp-mod-accept').click();
    await expect(node(page, 'merged-ab')).toHaveAttribute('aria-selected', 'true', {
      timeout: 60000
    });
    await expect(page.locator(DETAILS)).toContainText('merged-ab');
    await expect(page.locator(`${PANEL} g.edgePath.mgit-rel-merge`)).toHaveCount(2);
    await shot(page, '14-merged-node-selected');
  });

  test('cascade from base to base-v2: plan, progress, before/after metrics', async ({ page }) => {
    await openModels(page);
    await node(page, 'base').click();
    await reveal(page, 'base-v2');
    await node(page, 'base-v2').click({ modifiers: ['Shift'] });
    await page.locator(`${PANEL} [data-command="mgit-lab:cascade"]`).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Rebuild', { timeout: 60000 });
    await expect(dialog.locator('table')).toContainText('ft-a');
    await shot(page, '15-cascade-plan');
    await dialog.locator('.jp-Dialog-button.jp-mod-accept').click();
    const view = page.locator('.mgit-CascadeView');
    await expect(view).toContainText('rebuilt', { timeout: 120000 });
    await expect(view.locator('caption', { hasText: 'metrics before and after' })).toHaveCount(1);
    await expect(view.locator('th', { hasText: 'before' })).toHaveCount(1);
    await shot(page, '16-cascade-report');
  });

  test('reparent gives a version another parent', async ({ page }) => {
    await openModels(page);
    await reveal(page, 'pruned');
    await node(page, 'pruned').click();
    await reveal(page, 'ft-a');
    await node(page, 'ft-a').click({ modifiers: ['Shift'] });
    // selection order: [pruned, ft-a] -> ft-a becomes the parent of pruned
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('mgit-lab:reparent');
    });
    const prunedId = await node(page, 'pruned').getAttribute('data-id');
    const ftaId = await node(page, 'ft-a').getAttribute('data-id');
    await expect(
      page.locator(`${PANEL} g.edgePath[data-source="${ftaId}"][data-target="${prunedId}"]`)
    ).toHaveCount(1, { timeout: 15000 });
    await expect(page.locator(DETAILS).locator('.mgit-Details-link').first()).toHaveText('ft-a');
    await shot(page, '16b-reparented');
  });

  test('collapse a subtree, filter by tag, export a version to the file browser', async ({
    page
  }) => {
    await openModels(page);
    await reveal(page, 'ft-b');
    await node(page, 'ft-b').click();
    await page.evaluate(() => window.jupyterapp.commands.execute('mgit-lab:toggle-collapse'));
    await expect(page.locator(`${PANEL} g.mgit-cluster`)).toHaveCount(0);
    await expect(node(page, 'ft-b').locator('.mgit-node-tags')).toContainText('hidden');
    await shot(page, '17-collapsed-subtree');
    await page.evaluate(() => window.jupyterapp.commands.execute('mgit-lab:toggle-collapse'));
    await page.locator(`${PANEL} .mgit-LineagePanel-search`).fill('tag:small');
    await expect(node(page, 'pruned')).not.toHaveClass(/mgit-mod-dim/);
    await expect(node(page, 'ft-a')).toHaveClass(/mgit-mod-dim/); // drawn next to pruned, its parent now
    await shot(page, '17b-filter-by-tag');
    await page.locator(`${PANEL} .mgit-LineagePanel-search`).fill('');
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('mgit-lab:export'); // it waits for the dialog
    });
    const input = page.locator('.jp-Dialog input');
    await expect(input).toHaveValue(/ft-b\.safetensors$/);
    await input.fill('models/ft-b-export.safetensors');
    await page.locator('.jp-Dialog-button.jp-mod-accept').click();
    await expect.poll(() => page.contents.fileExists('models/ft-b-export.safetensors')).toBe(true);
    await expect(page.locator('.jp-Notification-Toast-success, .Toastify__toast')).toContainText(
      'Exported ft-b'
    );
    await shot(page, '17c-exported');
    // the same path again: the server refuses, the notification says why and what to do
    expected = [/status of 409/];
    await expect(page.locator('.Toastify__toast--success')).toHaveCount(0, { timeout: 10000 });
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('mgit-lab:export');
    });
    await page.locator('.jp-Dialog input').fill('models/ft-b-export.safetensors');
    await page.locator('.jp-Dialog-button.jp-mod-accept').click();
    await expect(
      page.locator('.jp-Notification-Toast-error, .Toastify__toast--error').last()
    ).toContainText('already exists');
    await page.waitForTimeout(800); // the toast slides in
    await shot(page, '17d-export-refused-notification');
  });

  test('remove: confirmation, and the server refusal shown with its reason', async ({ page }) => {
    expected = [/status of 409/];
    await openModels(page);
    await node(page, 'base').click();
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('mgit-lab:remove'); // it waits for the dialog
    });
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Remove base?');
    await shot(page, '18-remove-confirm');
    await dialog.locator('.jp-Dialog-button.jp-mod-warn').click();
    await expect(page.locator('.jp-Dialog')).toContainText('base was not removed');
    await expect(page.locator('.jp-Dialog-body')).toContainText(/child|depend|descendant/i);
    await shot(page, '19-remove-refused');
    await page.locator('.jp-Dialog-button.jp-mod-accept').click();
    await expect(node(page, 'base')).toHaveCount(1);
  });

  test('keyboard only: palette, arrows, select two, diff', async ({ page }) => {
    await openModels(page);
    await page.locator('#jp-main-dock-panel').click({ position: { x: 300, y: 300 } });
    await page.keyboard.press('Control+Shift+C');
    await page.keyboard.type('Show Model Lineage');
    await page.keyboard.press('Enter');
    await expect(page.locator(CANVAS)).toBeFocused();
    await page.keyboard.press('ArrowDown'); // focus the first node (base)
    await expect(page.locator(CANVAS)).toHaveAttribute('aria-activedescendant', /mgit-node-/);
    await page.keyboard.press('Space'); // select it
    await expect(node(page, 'base')).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('ArrowDown'); // to a child
    await page.keyboard.press('Shift+Space'); // second selection
    await expect(page.locator(`${PANEL} g.mgit-node[aria-selected="true"]`)).toHaveCount(2);
    await page.keyboard.press('Enter'); // details of the focused node
    await expect(page.locator(DETAILS)).toBeVisible();
    await shot(page, '20-keyboard-selection');
    await page.keyboard.press('Control+Shift+C');
    await page.keyboard.type('Diff With');
    await page.keyboard.press('Enter');
    await expect(page.locator('.mgit-DiffView .mgit-DiffView-params')).toBeVisible({
      timeout: 60000
    });
    await shot(page, '21-keyboard-diff');
  });

  test('dark theme: JupyterLab variables only, axe clean', async ({ page }) => {
    await openModels(page);
    await page.theme.setDarkTheme();
    await node(page, 'base').click();
    const fill = await node(page, 'base')
      .locator('.mgit-node-box')
      .evaluate(el => getComputedStyle(el).fill);
    const bg = await page.evaluate(() =>
      getComputedStyle(document.body).getPropertyValue('--jp-layout-color2').trim()
    );
    expect(fill).not.toBe('rgb(255, 255, 255)');
    expect(bg).not.toBe('');
    await shot(page, '22-dark-theme');
    await checkAxe(page, PANEL);
    await page.theme.setLightTheme();
  });

  test('a version added with the CLI appears by itself, keeping the selection', async ({
    page
  }) => {
    await openModels(page);
    await node(page, 'base').click();
    mgit('-C', 'models', 'export', 'ft-a', 'cli-model.safetensors');
    mgit('-C', 'models', 'add', 'cli-model.safetensors', '--name', 'cli-added', '--parent', 'ft-a');
    await page.locator(`${PANEL} [data-command="mgit-lab:fit"]`).click();
    await expect(node(page, 'cli-added')).toHaveCount(1, { timeout: 8000 });
    await expect(node(page, 'base')).toHaveAttribute('aria-selected', 'true');
    await shot(page, '23-cli-add-appeared-fit');
    await node(page, 'cli-added').click();
    await page.locator(`${PANEL} [data-command="mgit-lab:zoom-to-selection"]`).click();
    await expect(page.locator(DETAILS)).toContainText('cli-added');
    await shot(page, '23b-cli-added-zoomed');
  });

  test('offers mgit init where there is no repository', async ({ page }) => {
    await page.contents.createDirectory('fresh');
    await page.sidebar.openTab('filebrowser');
    await page.filebrowser.openDirectory('fresh');
    await page.sidebar.openTab('mgit-lineage-panel');
    await page.locator(`${PANEL} .mgit-LineagePanel-init`).click();
    await page.locator('.jp-Dialog-button.jp-mod-accept').click();
    await expect(page.locator(`${PANEL} .mgit-LineagePanel-message`)).toBeVisible();
    await expect(page.locator(`${PANEL} .mgit-LineagePanel-message`)).toContainText(
      'no model versions yet'
    );
    await expect(page.locator(`${PANEL} .mgit-LineagePanel-repoPicker`)).toHaveValue('fresh');
    expect(ROOT).not.toBe('');
    await shot(page, '24-init-repository');
  });
});
