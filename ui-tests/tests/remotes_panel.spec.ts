/**
 * The Remotes section of the lineage sidebar against real repositories and a real folder
 * remote: alice adds the remote (a bad name first: inline error), pushes one selected version,
 * bob fetches and pulls it (the graph shows it), bob pushes a version named like one of
 * alice's, and alice's push then fails naming the conflict; a remote without a lineage fails
 * clearly; keyboard-only add and axe. Screenshots in test-results/remotes/.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as path from 'path';

import { captureErrors, checkAxe, node, PANEL, ROOT } from './panelSupport';

test.describe.configure({ mode: 'serial' });
test.use({ mockUser: false });

const SECTION = `${PANEL} .mgit-Remotes`;
const PYTHON = path.resolve(__dirname, '../../.venv/bin/python');
const FIXTURE = path.resolve(__dirname, '../remotes_fixture.py');

function fixture(...args: string[]): void {
  execFileSync(PYTHON, [FIXTURE, ROOT, ...args], { encoding: 'utf-8' });
}

async function shot(page: IJupyterLabPageFixture, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/remotes/${name}.png` });
}

/** Show repository `repo` (a folder under the root) in the panel, Remotes unfolded. */
async function openRepo(page: IJupyterLabPageFixture, repo: string): Promise<void> {
  await page.sidebar.openTab('filebrowser');
  await page.filebrowser.openDirectory(repo);
  await page.sidebar.openTab('mgit-lineage-panel');
  await page.sidebar.setWidth(480, 'left');
  await expect(page.locator(`${PANEL} .mgit-LineagePanel-repoPicker`)).toHaveValue(repo);
  const toggle = page.locator(`${SECTION} .mgit-Remotes-toggle`);
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') {
    await toggle.click();
  }
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
}

function remote(page: IJupyterLabPageFixture, name: string) {
  return page.locator(`${SECTION} li.mgit-Remote[data-remote="${name}"]`);
}

/** Add a remote with the keyboard only: type the name, Tab, type the URL, Enter. */
async function addRemote(page: IJupyterLabPageFixture, name: string, url: string): Promise<void> {
  await page.locator(`${SECTION} input[name="name"]`).fill('');
  await page.locator(`${SECTION} input[name="name"]`).focus();
  await page.keyboard.type(name);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(url);
  await page.keyboard.press('Enter');
}

test.describe('mgit remotes panel', () => {
  let errors: string[] = [];
  test.beforeAll(() => fixture('team'));
  test.beforeEach(({ page }) => {
    errors = captureErrors(page);
  });
  test.afterEach(() => {
    expect(errors).toEqual([]);
  });

  test('push a selected version to a folder remote, fetch and pull it elsewhere, see conflicts', async ({
    page
  }) => {
    const t0 = Date.now();
    // alice: no remote yet; a bad name is refused inline, on its field, before any request
    await openRepo(page, 'team/alice');
    await expect(node(page, 'ft')).toHaveCount(1);
    await expect(page.locator(`${SECTION} .mgit-Remotes-empty`)).toContainText('No remote yet');
    await addRemote(page, 'my remote', 'team/shared');
    const error = page.locator(`${SECTION} .mgit-Remotes-formError`);
    await expect(error).toHaveText(/^Invalid remote name “my remote”: use 1-64 letters/);
    await expect(page.locator(`${SECTION} input[name="name"]`)).toHaveAttribute(
      'aria-invalid',
      'true'
    );
    await expect(page.locator(`${SECTION} input[name="name"]`)).toBeFocused();
    await shot(page, '01-invalid-name');
    await addRemote(page, 'origin', 'team/shared');
    const origin = remote(page, 'origin');
    await expect(origin.locator('.mgit-Remote-name')).toHaveText('origin');
    await expect(origin.locator('.mgit-Remote-url')).toHaveAttribute('title', /\/team\/shared$/);
    await expect(origin.locator('.mgit-Remote-status')).toContainText('Not fetched yet');
    await expect(error).toBeHidden();

    // push the selected version only
    await node(page, 'base').click();
    await page.locator(`${SECTION} .mgit-Remotes-scopePicker`).selectOption('selected');
    const push = origin.locator('button[data-verb="push"]');
    await expect(push).toHaveAttribute('aria-label', 'Push the selected versions to origin');
    await push.click();
    await expect(origin.locator('.mgit-Remote-outcome')).toContainText(
      'Pushed 1 version (base) to origin: 4 objects in 1 pack'
    );
    await expect(origin.locator('.mgit-Remote-status')).toContainText('1 version to push (ft)');
    await expect(page.locator(`${SECTION} .mgit-Remotes-summary`)).toContainText(
      'origin: 1 to push'
    );
    await shot(page, '02-alice-pushed-base');

    // bob: the same remote; fetch says what is to pull, pull brings it into the graph
    await openRepo(page, 'team/bob');
    await expect(page.locator(PANEL)).toContainText('no model versions yet');
    await addRemote(page, 'origin', 'team/shared');
    const bobOrigin = remote(page, 'origin');
    await bobOrigin.locator('button[data-verb="fetch"]').click();
    await expect(bobOrigin.locator('.mgit-Remote-outcome')).toContainText(
      'Fetched 1 version (base) from origin'
    );
    await expect(bobOrigin.locator('.mgit-Remote-status')).toContainText(
      '1 version to pull (base)'
    );
    await bobOrigin.locator('button[data-verb="pull"]').click();
    await expect(node(page, 'base')).toHaveCount(1);
    await expect(node(page, 'base')).toHaveAttribute('aria-selected', 'true');
    await expect(bobOrigin.locator('.mgit-Remote-outcome')).toContainText(
      'Pulled 1 version (base) from origin: no object (the tensors were there already)'
    );
    await expect(bobOrigin.locator('.mgit-Remote-status')).toContainText('Up to date');
    await shot(page, '03-bob-pulled-base');

    // bob adds another version named "ft" and pushes everything
    fixture('add', 'team/bob', 'ft', '7');
    await expect(node(page, 'ft')).toHaveCount(1, { timeout: 10000 }); // the panel polls
    await expect(bobOrigin.locator('.mgit-Remote-status')).toContainText('1 version to push (ft)');
    await page.locator(`${SECTION} .mgit-Remotes-scopePicker`).selectOption('all');
    // the job's answers are slowed down here so its progress can be seen while it runs
    const slow = async (route: import('@playwright/test').Route): Promise<void> => {
      await new Promise(resolve => setTimeout(resolve, 1500));
      await route.continue();
    };
    await page.route('**/mgit/api/jobs/*', slow);
    await bobOrigin.locator('button[data-verb="push"]').click();
    const progress = bobOrigin.locator('.mgit-Remote-progress[role="status"]');
    await expect(progress).toContainText('Pushing to origin');
    await expect(progress.locator('[role="progressbar"]')).toBeVisible();
    await expect(page.locator(`${SECTION} .mgit-Remotes-summary`)).toContainText(
      'pushing to origin…'
    );
    await expect(bobOrigin.locator('button[data-verb="pull"]')).toHaveAttribute(
      'aria-disabled',
      'true'
    );
    await shot(page, '03b-bob-push-in-progress');
    await expect(bobOrigin.locator('.mgit-Remote-outcome')).toContainText(
      'Pushed 1 version (ft) to origin'
    );
    await page.unroute('**/mgit/api/jobs/*', slow);
    await expect(progress).toHaveCount(0);

    // alice's push of everything now clashes on "ft": refused, named, nothing overwritten
    await openRepo(page, 'team/alice');
    await page.locator(`${SECTION} .mgit-Remotes-scopePicker`).selectOption('all');
    await remote(page, 'origin').locator('button[data-verb="push"]').click();
    const failure = remote(page, 'origin').locator('.mgit-Remote-outcome[role="alert"]');
    await expect(failure).toContainText('Push to origin: Conflict: 1 name(s) label different');
    await expect(failure).toContainText("'ft'");
    await expect(failure).toContainText('rename the local version');
    await expect(remote(page, 'origin').locator('.mgit-Remote-status')).toContainText(
      '1 version to push (ft); 1 version to pull (ft)'
    );

    // a folder without a lineage: a clear failure; then the remote is removed (confirmed)
    await addRemote(page, 'nowhere', 'team/nothing-here');
    await remote(page, 'nowhere').locator('button[data-verb="fetch"]').click();
    await expect(remote(page, 'nowhere').locator('.mgit-Remote-outcome')).toContainText(
      'Fetch from nowhere: Failed: there is no mgit lineage at'
    );
    await shot(page, '04-alice-conflict-and-missing-remote');
    await checkAxe(page, SECTION);
    // the dark theme: the section's text and outcomes stay readable (axe's contrast rules)
    await page.theme.setDarkTheme();
    await shot(page, '05-dark-theme');
    await checkAxe(page, SECTION);
    await page.theme.setLightTheme();
    await remote(page, 'nowhere').locator('.mgit-Remote-remove').click();
    await page.locator('.jp-Dialog .jp-mod-warn').click();
    await expect(remote(page, 'nowhere')).toHaveCount(0);
    await expect(remote(page, 'origin')).toHaveCount(1);
    console.log(`remotes panel test: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
});
