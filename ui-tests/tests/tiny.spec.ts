import { expect, test } from '@jupyterlab/galata';

import {
  ask,
  notebookWith,
  openNotebook,
  openSidebar,
  recordStreaming,
  streamedTexts
} from './helpers';

// This file runs against `jupyter_server_tiny_config.py`: the tiny model, trained offline for
// seconds, answers in the in-process transformers backend. What it writes is noise, so this
// test asserts only that its answer streams into the sidebar and completes.
test.describe('Pachinco with the in-process transformers backend', () => {
  test('streams the tiny model into the sidebar until the answer completes', async ({
    page,
    tmpPath
  }) => {
    // On two busy CPU cores the model writes its 384 tokens at 5 to 15 a second.
    test.setTimeout(240_000);
    await openNotebook(page, `${tmpPath}/tiny.ipynb`, notebookWith([]));
    const panel = await openSidebar(page);
    await expect(panel.locator('.jp-Pachinco-backend')).toHaveText(
      'transformers'
    );

    await recordStreaming(page);
    await ask(panel, 'average price');
    await expect(
      panel.locator('.jp-Pachinco-answer[data-complete="true"]')
    ).toBeVisible({ timeout: 180_000 });
    await expect(
      panel.locator('.jp-Pachinco-turn[data-phase="done"]')
    ).toBeVisible();
    await expect(panel.locator('.jp-Pachinco-turn-error')).toHaveCount(0);
    // Text arrived before the answer was complete: it was streamed, not sent at the end.
    expect((await streamedTexts(page)).length).toBeGreaterThan(0);
  });
});
