import { expect, test } from '@jupyterlab/galata';

import {
  notebookWith,
  openNotebook,
  openSidebar,
  recordStreaming,
  streamedTexts
} from './helpers';

/**
 * The real pretrained SmolLM2-135M-Instruct GGUF answers through the in-process llama.cpp
 * backend (chosen by the .gguf path alone). Its answer is weak and not asserted on: only that
 * it streams into the sidebar, piece by piece, and that the turn then ends (stopped by the
 * user when the model is slower than the test on a busy CPU).
 */
test.describe('Pachinco with a real pretrained model (SmolLM2 through llama.cpp)', () => {
  test('the answer streams into the sidebar', async ({ page, tmpPath }) => {
    await openNotebook(page, `${tmpPath}/fares.ipynb`, notebookWith([]));
    const panel = await openSidebar(page);

    await recordStreaming(page);
    await panel.locator('.jp-Pachinco-intent').fill('mean price per city');
    await panel.locator('.jp-Pachinco-intent').press('Enter');

    // The answer grows in the sidebar while the model writes it.
    await expect
      .poll(async () => (await streamedTexts(page)).length, { timeout: 100000 })
      .toBeGreaterThan(3);
    // Not monotonic: the live parser may move text from prose into a code step as it reads.
    const seen = await streamedTexts(page);
    expect(new Set(seen).size).toBeGreaterThan(3);
    // Whether SmolLM2 is done or not, the turn ends: finished, or stopped by the user.
    const stop = panel.getByRole('button', { name: 'Stop' });
    if (await stop.isVisible()) {
      await stop.click();
    }
    await expect(
      panel.locator(
        '.jp-Pachinco-turn[data-phase="done"], .jp-Pachinco-turn[data-phase="stopped"]'
      )
    ).toBeVisible();
  });
});
