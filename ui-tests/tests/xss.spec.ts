import { expect, test } from '@jupyterlab/galata';

import {
  ask,
  notebookCells,
  notebookWith,
  openNotebook,
  openSidebar
} from './helpers';
import { INTENTS } from './scripted';

// The scripted model answers this intent with an `<img onerror>` in an explanation and a
// `<script>` in the prose (../scripted_answers.py, XSS_ANSWER).
test.describe('Pachinco answers with markup', () => {
  test('render inert in the sidebar and in the inserted cells', async ({
    page,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/xss.ipynb`, notebookWith([]));
    const panel = await openSidebar(page);

    await ask(panel, INTENTS.markup);
    const answer = panel.locator('.jp-Pachinco-answer[data-complete="true"]');
    await expect(answer).toContainText('Look at the data');
    await expect(answer).toContainText('Count the rows');
    await expect(answer).toContainText('That is all.');

    const inertness = () =>
      page.evaluate(() => {
        const root = document.getElementById('jp-pachinco-panel')!;
        const notebook = document.querySelector('.jp-NotebookPanel') ?? root;
        return {
          flag: (window as unknown as { __xss?: string }).__xss ?? null,
          scripts:
            root.querySelectorAll('script').length +
            notebook.querySelectorAll('script').length,
          handlers:
            root.querySelectorAll('[onerror]').length +
            notebook.querySelectorAll('[onerror]').length
        };
      });
    expect(await inertness()).toEqual({ flag: null, scripts: 0, handlers: 0 });

    // Insert & run: a markdown explanation and a code cell, below the active cell.
    await answer.locator('.jp-Pachinco-insert-run').click();
    await expect.poll(async () => (await notebookCells(page)).length).toBe(3);
    await expect
      .poll(async () => (await notebookCells(page))[2].execution_count)
      .not.toBeNull();
    const cells = await notebookCells(page);
    expect(cells.map(cell => cell.cell_type)).toEqual([
      'code',
      'markdown',
      'code'
    ]);
    expect(cells[1].source).toContain('Look at the data');
    expect(cells[2].source).toContain('orders.head()');
    await expect(
      page.locator('.jp-MarkdownCell .jp-RenderedMarkdown').first()
    ).toContainText('Look at the data');
    expect(await inertness()).toEqual({ flag: null, scripts: 0, handlers: 0 });
  });
});
