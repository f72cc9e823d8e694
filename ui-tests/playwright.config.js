/**
 * Galata configuration. Playwright cannot download browsers here, so the tests use Debian's
 * chromium; videos are off because galata's ffmpeg download fails offline.
 *
 * Two servers: the tiny offline model answers the `main` project; a scripted
 * OpenAI-compatible model that answers with markup serves the `xss` project.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const port = process.env.PACHINCO_UI_PORT || '8898';
const xssPort = process.env.PACHINCO_UI_XSS_PORT || '8899';
// The real SmolLM2 GGUF through llama.cpp answers the `real-model` project.
const smollm2Port = process.env.PACHINCO_UI_SMOLLM2_PORT || '8897';

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
  projects: [
    { name: 'main', testIgnore: /(xss|real-model)\.spec\.ts/ },
    {
      name: 'xss',
      testMatch: /xss\.spec\.ts/,
      use: { baseURL: `http://127.0.0.1:${xssPort}` }
    },
    {
      name: 'real-model',
      testMatch: /real-model\.spec\.ts/,
      use: { baseURL: `http://127.0.0.1:${smollm2Port}` }
    }
  ],
  webServer: [
    {
      command: 'npm start',
      url: `http://127.0.0.1:${port}/lab`,
      timeout: 180 * 1000,
      reuseExistingServer: false
    },
    {
      command: 'npm run start:xss',
      url: `http://127.0.0.1:${xssPort}/lab`,
      timeout: 180 * 1000,
      reuseExistingServer: false
    },
    {
      command: 'npm run start:smollm2',
      url: `http://127.0.0.1:${smollm2Port}/lab`,
      timeout: 180 * 1000,
      reuseExistingServer: false
    }
  ]
};
