import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

const repoRoot = path.resolve(__dirname, '..', '..');

test.describe('Pachinco sidebar', () => {
  test('opens from the command palette and shows the server status', async ({
    page
  }) => {
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute(
        'apputils:activate-command-palette'
      );
    });
    const palette = page.locator('#command-palette');
    await palette.locator('input').fill('Open the Pachinco assistant');
    await palette
      .locator('.lm-CommandPalette-item', {
        hasText: 'Open the Pachinco assistant'
      })
      .first()
      .click();

    const panel = page.locator('#jp-pachinco-panel');
    await expect(panel).toBeVisible();
    await expect(
      panel.locator('.jp-Pachinco-status[data-status="ready"]')
    ).toBeVisible();

    const status = await page.evaluate(async () => {
      const response = await fetch('/pachinco/status');
      return (await response.json()) as {
        version: string;
        backend: string;
        trial_isolation: { summary: string };
      };
    });
    await expect(panel.locator('.jp-Pachinco-version')).toHaveText(
      status.version
    );
    // The user is told how trial runs are isolated on this machine.
    await expect(panel.locator('.jp-Pachinco-isolation')).toHaveText(
      status.trial_isolation.summary
    );
    await expect(panel.locator('.jp-Pachinco-backend')).toHaveText(
      status.backend
    );
  });

  test('opens from the sidebar tab beside the quickstart notebook', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadFile(
      path.join(repoRoot, 'examples', 'quickstart.ipynb'),
      `${tmpPath}/quickstart.ipynb`
    );
    await page.notebook.openByPath(`${tmpPath}/quickstart.ipynb`);
    await page.notebook.activate('quickstart.ipynb');

    await page.sidebar.openTab('jp-pachinco-panel');
    const panel = page.locator('#jp-pachinco-panel');
    await expect(
      panel.locator('.jp-Pachinco-status[data-status="ready"]')
    ).toBeVisible();
    await expect(panel.locator('.jp-Pachinco-model')).not.toBeEmpty();
  });
});
