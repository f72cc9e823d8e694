import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

import {
  notebookCells,
  notebookWith,
  openNotebook,
  openSidebar,
  recordStreaming,
  repoRoot,
  streamedTexts
} from './helpers';

// The tiny offline model answers greedily, so this intent always gets the same code.
const INTENT = 'average price';

test.describe('Pachinco conversation (tiny offline model)', () => {
  test('streams an answer, inserts and runs it, and keeps the conversation', async ({
    page,
    tmpPath
  }) => {
    const file = `${tmpPath}/sales.ipynb`;
    await openNotebook(page, file, notebookWith([]));
    const panel = await openSidebar(page);

    await recordStreaming(page);
    await panel.locator('.jp-Pachinco-intent').fill(INTENT);
    await panel.locator('.jp-Pachinco-intent').press('Enter');

    const answer = panel.locator('.jp-Pachinco-answer[data-complete="true"]');
    await expect(answer).toBeVisible();
    await expect(
      panel.locator('.jp-Pachinco-turn[data-phase="done"]')
    ).toBeVisible();
    // The answer grew in several pieces before it was complete.
    expect((await streamedTexts(page)).length).toBeGreaterThan(1);
    await page.screenshot({
      path: path.join(repoRoot, 'docs', 'images', 'answer-in-sidebar.png')
    });

    await answer.locator('.jp-Pachinco-insert-run').click();
    await expect
      .poll(async () => (await notebookCells(page)).length)
      .toBeGreaterThan(1);
    await expect
      .poll(async () => {
        const cells = await notebookCells(page);
        return cells[cells.length - 1].execution_count;
      })
      .not.toBeNull();
    const cells = await notebookCells(page);
    const inserted = cells.slice(1);
    expect(inserted.some(cell => cell.cell_type === 'code')).toBe(true);
    for (const cell of inserted) {
      expect(cell.metadata.pachinco).toMatchObject({ intent: INTENT });
    }
    for (const cell of inserted.filter(c => c.cell_type === 'code')) {
      expect(cell.execution_count).not.toBeNull();
    }
    await expect(panel.locator('.jp-Pachinco-kept')).toBeVisible();
    await page.screenshot({
      path: path.join(repoRoot, 'docs', 'images', 'inserted-cells.png')
    });

    // The turn was saved with the notebook: it is there after a reload.
    await expect
      .poll(() =>
        page.evaluate(async (filePath: string) => {
          const response = await fetch(`/api/contents/${filePath}?content=1`);
          const model = await response.json();
          return model.content.metadata.pachinco?.turns?.length ?? 0;
        }, file)
      )
      .toBe(1);
    // The restored workspace shows the notebook, not the Launcher galata waits for by default.
    const galataPage = page as unknown as {
      reload(options: { waitForIsReady: boolean }): Promise<unknown>;
    };
    await galataPage.reload({ waitForIsReady: false });
    await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
    await page.waitForFunction(() => typeof window.jupyterapp === 'object');
    await page.evaluate(async (filePath: string) => {
      await window.jupyterapp.started;
      await window.jupyterapp.restored;
      await window.jupyterapp.commands.execute('docmanager:open', {
        path: filePath
      });
    }, file);
    await page.notebook.activate('sales.ipynb');
    const reloaded = await openSidebar(page);
    await expect(reloaded.locator('.jp-Pachinco-turn-intent')).toHaveText([
      INTENT
    ]);
    await expect(
      reloaded.locator('.jp-Pachinco-answer[data-stored="true"]')
    ).toBeVisible();
  });

  test('solves a markdown cell below it, and one undo removes the insertion', async ({
    page,
    tmpPath
  }) => {
    const file = `${tmpPath}/ask.ipynb`;
    await openNotebook(
      page,
      file,
      notebookWith([{ cell_type: 'markdown', source: INTENT }])
    );
    await page.notebook.selectCells(1);

    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('pachinco:solve-markdown-cell');
    });
    await expect
      .poll(async () => (await notebookCells(page)).length)
      .toBeGreaterThan(2);
    const cells = await notebookCells(page);
    expect(cells[1]).toMatchObject({ cell_type: 'markdown', source: INTENT });
    const inserted = cells.slice(2);
    expect(inserted.some(cell => cell.cell_type === 'code')).toBe(true);
    for (const cell of inserted) {
      expect(cell.metadata.pachinco).toMatchObject({ intent: INTENT });
    }
    // Never run without being asked.
    for (const cell of inserted.filter(c => c.cell_type === 'code')) {
      expect(cell.execution_count).toBeNull();
    }

    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('notebook:undo-cell-action');
    });
    await expect.poll(async () => (await notebookCells(page)).length).toBe(2);
  });
});
