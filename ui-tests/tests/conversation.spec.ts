import { expect, galata, test } from '@jupyterlab/galata';

import {
  ask,
  cellOutputs,
  notebookCells,
  notebookWith,
  openNotebook,
  openSidebar,
  outputText,
  recordStreaming,
  reloadAndOpen,
  streamedTexts,
  untilRun
} from './helpers';
import { INTENTS } from './scripted';

// Answers come from the scripted model server (../scripted_answers.py).
test.describe('Pachinco conversation', () => {
  test('streams an answer, inserts and runs it below the active cell, and keeps the conversation', async ({
    page,
    tmpPath
  }) => {
    const file = `${tmpPath}/sales.ipynb`;
    await openNotebook(
      page,
      file,
      notebookWith([{ cell_type: 'markdown', source: '## Notes' }])
    );
    await page.notebook.selectCells(0);
    const panel = await openSidebar(page);

    await recordStreaming(page);
    await ask(panel, INTENTS.cityAverage);
    const answer = panel.locator('.jp-Pachinco-answer[data-complete="true"]');
    await expect(answer).toContainText('Group the orders by city');
    await expect(answer).toContainText('Average the price in each group');
    await expect(
      panel.locator('.jp-Pachinco-turn[data-phase="done"]')
    ).toBeVisible();
    // The answer grew in several pieces before it was complete.
    expect((await streamedTexts(page)).length).toBeGreaterThan(1);

    await answer.locator('.jp-Pachinco-insert-run').click();
    await untilRun(page, 2);
    const cells = await notebookCells(page);
    // A markdown explanation and a code cell, between the active cell and the next one.
    expect(cells.map(cell => cell.cell_type)).toEqual([
      'code',
      'markdown',
      'code',
      'markdown'
    ]);
    expect(cells[1].source).toContain('Group the orders by city');
    expect(cells[2].source).toContain(
      "by_city = orders.groupby('city')['price']"
    );
    expect(cells[2].source).toContain('by_city.mean()');
    expect(cells[3].source).toBe('## Notes');
    for (const cell of cells.slice(1, 3)) {
      expect(cell.metadata.pachinco).toMatchObject({
        intent: INTENTS.cityAverage
      });
    }
    const output = (await cellOutputs(page, 2)).map(outputText).join('\n');
    expect(output).toMatch(/Lyon\s+5\.0/);
    expect(output).toMatch(/Paris\s+6\.5/);
    await expect(panel.locator('.jp-Pachinco-kept')).toBeVisible();

    // The turn was saved with the notebook: it is there after a reload.
    await expect
      .poll(() =>
        page.evaluate(async (filePath: string) => {
          const response = await fetch(`/api/contents/${filePath}?content=1`);
          if (!response.ok) {
            return `HTTP ${response.status}`; // polled again until the save is readable
          }
          const model = await response.json();
          return model.content?.metadata?.pachinco?.turns?.length ?? 0;
        }, file)
      )
      .toBe(1);
    await reloadAndOpen(page, file);
    const reloaded = await openSidebar(page);
    await expect(reloaded.locator('.jp-Pachinco-turn-intent')).toHaveText([
      INTENTS.cityAverage
    ]);
    const stored = reloaded.locator('.jp-Pachinco-answer[data-stored="true"]');
    await expect(stored).toContainText('Group the orders by city');
  });

  test("shows a reasoning model's thinking folded apart, and inserts only its answer", async ({
    page,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/thinking.ipynb`, notebookWith([]));
    const panel = await openSidebar(page);
    await ask(panel, INTENTS.thinking);
    const answer = panel.locator('.jp-Pachinco-answer[data-complete="true"]');
    await expect(answer).toContainText('Average the prices');
    const thinking = answer.locator('details.jp-Pachinco-reasoning');
    await expect(thinking.locator('summary')).toHaveText('Thinking');
    // Folded by default: the draft is there, but not shown until asked for.
    await expect(thinking).not.toHaveAttribute('open', /.*/);
    await expect(thinking.locator('pre')).toBeHidden();
    await thinking.locator('summary').click();
    await expect(thinking.locator('pre')).toContainText('draft_total');
    await expect(answer.locator('.jp-RenderedHTMLCommon')).not.toContainText(
      'draft_total'
    );

    await answer.locator('.jp-Pachinco-insert-below').click();
    const cells = await notebookCells(page);
    const inserted = cells.map(cell => cell.source).join('\n');
    expect(inserted).toContain("orders['price'].mean()");
    expect(inserted).not.toContain('draft_total');
  });

  test('solves a markdown cell below it, and one undo removes the insertion', async ({
    page,
    tmpPath
  }) => {
    await openNotebook(
      page,
      `${tmpPath}/ask.ipynb`,
      notebookWith([{ cell_type: 'markdown', source: INTENTS.total }])
    );
    await page.notebook.selectCells(1);

    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('pachinco:solve-markdown-cell');
    });
    await expect.poll(async () => (await notebookCells(page)).length).toBe(4);
    const cells = await notebookCells(page);
    expect(cells.map(cell => [cell.cell_type, cell.source])).toEqual([
      ['code', expect.stringContaining('orders = pd.DataFrame')],
      ['markdown', INTENTS.total],
      ['markdown', expect.stringContaining('Add up the prices')],
      ['code', expect.stringContaining("orders['price'].sum()")]
    ]);
    for (const cell of cells.slice(2)) {
      expect(cell.metadata.pachinco).toMatchObject({ intent: INTENTS.total });
    }
    // Never run without being asked.
    expect(cells[3].execution_count).toBeNull();

    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('notebook:undo-cell-action');
    });
    await expect.poll(async () => (await notebookCells(page)).length).toBe(2);
    expect((await notebookCells(page)).map(cell => cell.source)).toEqual([
      expect.stringContaining('orders = pd.DataFrame'),
      INTENTS.total
    ]);
  });
});

test.describe('Pachinco insertion layout cell-per-step', () => {
  test.use({
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      'jupyter-pachinco:plugin': { layout: 'cell-per-step' }
    }
  });

  test('inserts a markdown and a code cell per step', async ({
    page,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/steps.ipynb`, notebookWith([]));
    const panel = await openSidebar(page);
    await ask(panel, INTENTS.cityAverage);
    const answer = panel.locator('.jp-Pachinco-answer[data-complete="true"]');
    await answer.locator('.jp-Pachinco-insert-below').click();

    await expect.poll(async () => (await notebookCells(page)).length).toBe(5);
    const cells = await notebookCells(page);
    expect(cells.slice(1).map(cell => [cell.cell_type, cell.source])).toEqual([
      ['markdown', expect.stringContaining('Group the orders by city')],
      [
        'code',
        expect.stringContaining("by_city = orders.groupby('city')['price']")
      ],
      ['markdown', expect.stringContaining('Average the price in each group')],
      ['code', expect.stringContaining('by_city.mean()')]
    ]);
    // Each step's code cell holds that step only.
    expect(cells[2].source).not.toContain('by_city.mean()');
  });
});
