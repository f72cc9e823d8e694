import { expect, galata, test } from '@jupyterlab/galata';

import {
  ask,
  notebookCells,
  notebookWith,
  openNotebook,
  openSidebar
} from './helpers';
import { INTENTS, requestsFor, scriptedStatus } from './scripted';

// The scripted model gives four candidates for one request: two agree on 'Paris', one says
// 'Lyon' (the first city in alphabetical order), one raises (../scripted_answers.py, RANKED).
test.describe('Pachinco ranking', () => {
  test.use({
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      'jupyter-pachinco:plugin': { candidates: 4 }
    }
  });

  test('shows the chosen answer with its output and vote; the keyboard flips to another, which is inserted', async ({
    page,
    request,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/ranked.ipynb`, notebookWith([]));
    const panel = await openSidebar(page);
    await ask(panel, INTENTS.ranked);

    const ranked = panel.locator('.jp-Pachinco-ranked');
    const position = ranked.locator('.jp-Pachinco-position');
    await expect(position).toHaveText('Chosen · 1 of 4');
    await expect(panel.locator('.jp-Pachinco-vote')).toBeVisible();
    const trial = ranked.locator('.jp-Pachinco-trial');
    await expect(trial).toHaveAttribute('data-status', 'ok');
    await expect(trial.locator('.jp-Pachinco-trial-headline')).toContainText(
      '2 of 4 give this output'
    );
    await expect(trial.locator('.jp-Pachinco-preview')).toContainText('Paris');
    await expect(ranked.locator('.jp-Pachinco-answer')).toContainText(
      'city of the dearest order'
    );
    // One request asked for the four candidates.
    const seen = requestsFor(await scriptedStatus(request), INTENTS.ranked);
    expect(seen[seen.length - 1].n).toBe(4);

    // Flip with the arrow keys, from an answer's button.
    await ranked.locator('.jp-Pachinco-insert-below').focus();
    await page.keyboard.press('ArrowRight');
    await expect(position).toHaveText('2 of 4');
    await expect(trial.locator('.jp-Pachinco-preview')).toContainText('Paris');
    await expect(ranked.locator('.jp-Pachinco-answer')).toContainText(
      'Sort by price'
    );
    await page.keyboard.press('ArrowRight');
    await expect(position).toHaveText('3 of 4');
    await expect(trial.locator('.jp-Pachinco-preview')).toContainText('Lyon');
    await expect(ranked.locator('.jp-Pachinco-answer')).toContainText(
      'first city in alphabetical order'
    );
    await page.keyboard.press('ArrowRight');
    await expect(position).toHaveText('4 of 4');
    await expect(trial).toHaveAttribute('data-status', 'error');
    await expect(trial.locator('.jp-Pachinco-preview')).toContainText(
      'KeyError'
    );
    await page.keyboard.press('ArrowLeft');
    await expect(position).toHaveText('3 of 4');

    // The user takes the one that differs: that is what goes into the notebook.
    await ranked.locator('.jp-Pachinco-insert-below').press('Enter');
    await expect.poll(async () => (await notebookCells(page)).length).toBe(3);
    const cells = await notebookCells(page);
    expect(cells[2].source).toContain("orders['city'].min()");
    expect(cells[2].execution_count).toBeNull();
  });
});
