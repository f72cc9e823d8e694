/**
 * Galata configuration. Playwright cannot download browsers here, so the tests use Debian's
 * chromium; videos are off because galata's ffmpeg download fails offline.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const port = process.env.PACHINCO_UI_PORT || '8898';

module.exports = {
  ...baseConfig,
  timeout: 120000,
  expect: { timeout: 30000 },
  retries: 0,
  workers: 1,
  reporter: [['list']],
  use: {
    ...baseConfig.use,
    baseURL: `http://127.0.0.1:${port}`,
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  webServer: {
    command: 'npm start',
    url: `http://127.0.0.1:${port}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: false
  }
};
