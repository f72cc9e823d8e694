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
 * it streams into the sidebar, piece by piece, and completes.
 */
test.describe('Pachinco with a real pretrained model (SmolLM2 through llama.cpp)', () => {
  test('the answer streams into the sidebar', async ({ page, tmpPath }) => {
    await openNotebook(
      page,
      `${tmpPath}/fares.ipynb`,
      notebookWith([])
    );
    const panel = await openSidebar(page);

    await recordStreaming(page);
    await panel.locator('.jp-Pachinco-intent').fill('mean price per city');
    await panel.locator('.jp-Pachinco-intent').press('Enter');

    const answer = panel.locator('.jp-Pachinco-answer[data-complete="true"]');
    await expect(answer).toBeVisible({ timeout: 110000 });
    await expect(
      panel.locator('.jp-Pachinco-turn[data-phase="done"]')
    ).toBeVisible();
    const seen = await streamedTexts(page);
    expect(seen.length).toBeGreaterThan(2);
    // Each shown text extends the one before: the answer grew as the model wrote it.
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i].length).toBeGreaterThanOrEqual(seen[i - 1].length);
    }
    expect(((await answer.textContent()) ?? '').trim().length).toBeGreaterThan(0);
  });
});
