import { expect, test } from '@jupyterlab/galata';

import { ask, notebookWith, openNotebook, openSidebar } from './helpers';
import {
  INTENTS,
  modelDown,
  modelUp,
  requestsFor,
  scriptedStatus
} from './scripted';

test.describe('Pachinco stop and failures', () => {
  test('Stop ends the generation on the model server and keeps the partial answer', async ({
    page,
    request,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/stop.ipynb`, notebookWith([]));
    const panel = await openSidebar(page);
    const before = requestsFor(await scriptedStatus(request), INTENTS.slow);
    await ask(panel, INTENTS.slow);

    // The scripted answer streams one piece every quarter second for about a minute.
    const partial = panel.locator('.jp-Pachinco-answer[data-complete="false"]');
    await expect(partial).toContainText('word3');
    await panel.locator('.jp-Pachinco-stop').click();
    await expect(
      panel.locator('.jp-Pachinco-turn[data-phase="stopped"]')
    ).toBeVisible();

    // The model server saw the connection closed while it was still streaming.
    await expect
      .poll(async () =>
        requestsFor(await scriptedStatus(request), INTENTS.slow)
          .slice(before.length)
          .map(seen => seen.state)
      )
      .toEqual(['closed_by_client']);
    // The partial answer stays readable; it never reached its end.
    const shown = panel.locator('.jp-Pachinco-turn').last();
    await expect(shown).toContainText('Count the orders slowly');
    await expect(shown).toContainText('word3');
    expect(await shown.innerText()).not.toContain('word399 = 399');
  });

  test('an unreachable model shows what to do in place; the next request works once it is back', async ({
    page,
    request,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/down.ipynb`, notebookWith([]));
    const panel = await openSidebar(page);
    await modelDown(request);
    try {
      expect((await scriptedStatus(request)).listening).toBe(false);
      await ask(panel, INTENTS.total);
      const failed = panel.locator('.jp-Pachinco-turn').last();
      await expect(failed).toHaveAttribute('data-phase', 'error');
      const error = failed.locator('.jp-Pachinco-turn-error');
      await expect(error).toContainText('Cannot connect to the model server');
      await expect(error).toContainText(
        'Check that the server is running and that BackendSettings.base_url'
      );
    } finally {
      await modelUp(request);
    }
    await ask(panel, INTENTS.total);
    const answer = panel
      .locator('.jp-Pachinco-turn')
      .last()
      .locator('.jp-Pachinco-answer[data-complete="true"]');
    await expect(answer).toContainText('Add up the prices');
    await expect(answer.locator('.jp-Pachinco-insert-run')).toBeVisible();
    // The first turn keeps its error.
    await expect(panel.locator('.jp-Pachinco-turn-error')).toHaveCount(1);
  });
});
