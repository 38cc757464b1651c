/**
 * Playwright configuration for Galata, run against Debian's Chromium (/usr/bin/chromium):
 * Playwright's own browser builds cannot be downloaded here.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

// One server root for the server (jupyter_server_test_config.py) and the tests (they run the
// mgit CLI in it): set before the web server starts, inherited by both.
if (!process.env.JUPYTERLAB_GALATA_ROOT_DIR) {
  process.env.JUPYTERLAB_GALATA_ROOT_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'galata-mgit-'));
}

module.exports = {
  ...baseConfig,
  // Galata's base config picks the `github` reporter under CI, unreadable in a log.
  reporter: [['list']],
  workers: 1,
  retries: 0,
  use: {
    ...baseConfig.use,
    baseURL: 'http://127.0.0.1:8888',
    trace: 'off',
    video: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync'
      ]
    }
  },
  webServer: {
    command: 'jlpm start',
    url: 'http://127.0.0.1:8888/lab',
    timeout: 120000,
    reuseExistingServer: !process.env.CI
  }
};
