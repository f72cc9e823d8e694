import { expect, test } from '@jupyterlab/galata';

import {
  ask,
  cellOutputs,
  notebookCells,
  notebookWith,
  openNotebook,
  openSidebar,
  outputText,
  untilRun
} from './helpers';
import { INTENTS } from './scripted';

// The scripted answer to INTENTS.broken uses a column that does not exist; the scripted fix
// request (matched by its KeyError) answers with the right column.
test.describe('Pachinco repair', () => {
  test('Fix trial-runs a correction of an inserted cell that raised; Replace cell puts it in place', async ({
    page,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/fix.ipynb`, notebookWith([]));
    const panel = await openSidebar(page);
    await ask(panel, INTENTS.broken);
    const answer = panel.locator('.jp-Pachinco-answer[data-complete="true"]');
    await answer.locator('.jp-Pachinco-insert-run').click();
    await untilRun(page, 2);
    expect((await cellOutputs(page, 2)).map(outputText).join('\n')).toContain(
      "KeyError: 'prices'"
    );

    await panel.locator('.jp-Pachinco-fix').click();
    const fixTurn = panel.locator('.jp-Pachinco-turn').last();
    await expect(fixTurn.locator('.jp-Pachinco-turn-intent')).toContainText(
      'Fix:'
    );
    // The correction was tried on a copy of the variables before it is offered.
    const trial = fixTurn.locator('.jp-Pachinco-trial');
    await expect(trial).toHaveAttribute('data-status', 'ok');
    await expect(trial.locator('.jp-Pachinco-preview')).toContainText('12.0');
    await fixTurn.locator('.jp-Pachinco-replace').click();

    // The failing code cell is replaced by the correction (explanation and code).
    await expect
      .poll(async () => (await notebookCells(page)).map(cell => cell.source))
      .toEqual([
        expect.stringContaining('orders = pd.DataFrame'),
        expect.stringContaining('Add the tax to each price'),
        expect.stringContaining('the column is `price`'),
        expect.stringContaining("orders['price'] * 1.2")
      ]);
    const cells = await notebookCells(page);
    expect(cells.map(cell => cell.cell_type)).toEqual([
      'code',
      'markdown',
      'markdown',
      'code'
    ]);
    await page.notebook.runCell(3, true);
    await untilRun(page, 3);
    const output = (await cellOutputs(page, 3)).map(outputText).join('\n');
    expect(output).toMatch(/2\s+12\.0/);
    expect(output).not.toContain('Error');
  });
});
