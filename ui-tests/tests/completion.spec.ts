import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { notebookCells, notebookWith, openNotebook } from './helpers';

// This file runs against the server of `jupyter_server_completion_config.py`, whose model is
// the tests' fake model server: `orders.groupby("` is answered at once, `slow_total = orders`
// slowly, and `GET /_script/status` tells how each request ended there.
const modelStatus = `http://127.0.0.1:${
  process.env.PACHINCO_UI_COMPLETION_MODEL_PORT || '8932'
}/_script/status`;

interface IModelRequest {
  /** The end of the prompt (the text before the cursor). */
  asked: string;
  state: string;
}

async function typeInNewCell(
  page: IJupyterLabPageFixture,
  index: number,
  text: string
): Promise<void> {
  await page.notebook.enterCellEditingMode(index);
  await page.keyboard.type(text);
}

const ghost = (page: IJupyterLabPageFixture) =>
  page.locator('.jp-Notebook .jp-GhostText');

test.describe('Inline completions', () => {
  test.beforeEach(async ({ page, tmpPath }) => {
    await openNotebook(
      page,
      `${tmpPath}/completion.ipynb`,
      notebookWith([{ cell_type: 'code', source: '' }])
    );
  });

  test('typing shows ghost text and Tab inserts it', async ({ page }) => {
    await typeInNewCell(page, 1, 'by_city = orders.groupby("');
    await expect(ghost(page)).toHaveText('city")["price"].sum()');
    await page.keyboard.press('Tab');
    await expect(ghost(page)).toHaveCount(0);
    await expect
      .poll(async () => (await notebookCells(page))[1].source)
      .toBe('by_city = orders.groupby("city")["price"].sum()');
  });

  test('Escape dismisses the ghost text and leaves the cell as typed', async ({
    page
  }) => {
    await typeInNewCell(page, 1, 'by_city = orders.groupby("');
    await expect(ghost(page)).toHaveText('city")["price"].sum()');
    await page.keyboard.press('Escape');
    await expect(ghost(page)).toHaveCount(0);
    expect((await notebookCells(page))[1].source).toBe(
      'by_city = orders.groupby("'
    );
  });

  test('a keystroke during a slow suggestion ends its request on the model server', async ({
    page
  }) => {
    // The model server lives as long as the web server: only this test's requests count
    // (`--repeat-each` runs it again against the same log).
    const modelRequests = async () =>
      (
        (await (await page.request.get(modelStatus)).json()) as {
          requests: IModelRequest[];
        }
      ).requests;
    const earlier = (await modelRequests()).length;
    await typeInNewCell(page, 1, 'slow_total = orders');
    await expect(ghost(page)).toContainText('.price');
    const slow = async () =>
      (await modelRequests())
        .slice(earlier)
        .filter(r => r.asked.endsWith('slow_total = orders'));
    expect((await slow()).map(r => r.state)).toEqual(['streaming']);
    await page.keyboard.type(' ');
    await expect
      .poll(async () => (await slow()).map(r => r.state))
      .toEqual(['closed_by_client']);
    expect((await notebookCells(page))[1].source).toBe('slow_total = orders ');
  });
});
