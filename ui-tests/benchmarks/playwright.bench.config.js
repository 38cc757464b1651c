/**
 * The panel's browser benchmark: same server and Chromium as the UI tests, its own files.
 *
 *     cd ui-tests && flock /tmp/galata.lock jlpm playwright test -c benchmarks/playwright.bench.config.js
 */
const base = require('../playwright.config.js');

module.exports = {
  ...base,
  testDir: __dirname,
  testMatch: '*.bench.ts',
  // not test-results/: a benchmark run must not wipe the UI tests' screenshots
  outputDir: require('path').resolve(__dirname, '../bench-results'),
  timeout: 240000,
  webServer: { ...base.webServer, cwd: require('path').resolve(__dirname, '..') }
};
