/**
 * Galata configuration. Playwright cannot download browsers here, so the tests use Debian's
 * chromium; videos are off because galata's ffmpeg download fails offline.
 *
 * One JupyterLab server per entry of `servers`, each with its own project:
 * - `scripted`: the scripted OpenAI-compatible model (`scripted_answers.py`) answers; every
 *   test that asserts what the assistant wrote, ranked or repaired runs here;
 * - `tiny`: the tiny offline model in the in-process transformers backend, for the one test
 *   that proves that backend streams into the sidebar;
 * - `real-model`: the real SmolLM2 GGUF through llama.cpp;
 * - `completion`: the fake model server (`tests/support/fake_openai.py`) with completion rules,
 *   behind the inline completion tests.
 * To add a server, add an entry (its port from an environment variable, with a default) and
 * its `jupyter_server_<name>_config.py`; tests go to the first entry whose `testMatch` matches.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const servers = [
  {
    name: 'real-model',
    config: 'jupyter_server_smollm2_config.py',
    port: process.env.PACHINCO_UI_SMOLLM2_PORT || '8894',
    testMatch: /real-model\.spec\.ts/
  },
  {
    name: 'completion',
    config: 'jupyter_server_completion_config.py',
    port: process.env.PACHINCO_UI_COMPLETION_PORT || '8931',
    testMatch: /completion\.spec\.ts/
  },
  {
    name: 'tiny',
    config: 'jupyter_server_tiny_config.py',
    port: process.env.PACHINCO_UI_TINY_PORT || '8897',
    testMatch: /tiny\.spec\.ts/
  },
  {
    name: 'scripted',
    config: 'jupyter_server_test_config.py',
    port: process.env.PACHINCO_UI_PORT || '8898',
    testMatch: /.*\.spec\.ts/
  }
];

// Each test file runs in exactly one project: the first whose testMatch matches it.
const projects = servers.map((server, at) => ({
  name: server.name,
  testMatch: server.testMatch,
  testIgnore: servers.slice(0, at).map(earlier => earlier.testMatch),
  use: { baseURL: `http://127.0.0.1:${server.port}` }
}));

module.exports = {
  ...baseConfig,
  timeout: 120000,
  expect: { timeout: 30000 },
  retries: 0,
  workers: 1,
  reporter: [['list']],
  use: {
    ...baseConfig.use,
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
  projects,
  webServer: servers.map(server => ({
    command: `jupyter lab --config ${server.config}`,
    url: `http://127.0.0.1:${server.port}/lab`,
    timeout: 180 * 1000,
    reuseExistingServer: false
  }))
};
