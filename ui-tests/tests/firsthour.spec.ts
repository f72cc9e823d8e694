import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';

import {
  ask,
  notebookCells,
  notebookWith,
  openNotebook,
  openSidebar,
  reloadAndOpen,
  sidebarWidth
} from './helpers';
import { INTENTS, scriptedStatus } from './scripted';

// A newcomer's first hour (issue 28). Answers come from two scripted model servers
// (../scripted_answers.py: RULES and SECOND_RULES); everything else is the real pipeline.

/** Back to the server's configured model, whatever a test chose. */
async function configuredModel(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(async () => {
    await fetch('/pachinco/model', {
      method: 'POST',
      body: JSON.stringify({ choice: null })
    });
  });
}

/** The stored turns of a saved notebook, read from the server. */
async function savedTurns(
  page: IJupyterLabPageFixture,
  file: string
): Promise<Array<Record<string, unknown>>> {
  return page.evaluate(async (filePath: string) => {
    const response = await fetch(`/api/contents/${filePath}?content=1`);
    if (!response.ok) {
      return [];
    }
    const model = await response.json();
    return model.content?.metadata?.pachinco?.turns ?? [];
  }, file);
}

async function finishedAnswer(panel: Locator, text: string): Promise<Locator> {
  // The turn has ended (its candidates ranked): while they stream, each shows apart.
  const turn = panel.locator('.jp-Pachinco-turn').last();
  await expect(turn).toHaveAttribute('data-phase', 'done');
  const answer = turn.locator('.jp-Pachinco-answer[data-complete="true"]');
  await expect(answer).toContainText(text);
  return answer;
}

test.describe('A newcomer picks a model', () => {
  test.afterEach(async ({ page }) => {
    await configuredModel(page);
  });

  test('picks a model in the picker and gets an answer from it', async ({
    page,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/pick.ipynb`, notebookWith([]));
    const panel = await openSidebar(page);
    await ask(panel, INTENTS.whichModel);
    await finishedAnswer(panel, 'the first scripted server');

    await panel.locator('.jp-Pachinco-model-button').click();
    const picker = panel.locator('.jp-Pachinco-picker');
    await expect(picker).toContainText('On this machine');
    await expect(picker).toContainText('tiny demo model');
    const second = picker.getByRole('option', {
      name: /second-coder \(second scripted server\)/
    });
    await second.click();
    await expect(picker).toBeHidden();
    await expect(panel.locator('.jp-Pachinco-model-label')).toHaveText(
      'second-coder (second scripted server)'
    );

    await ask(panel, INTENTS.whichModel);
    await finishedAnswer(panel, 'the second scripted server');

    // And back: the server's configuration answers again, without a restart.
    await panel.locator('.jp-Pachinco-model-button').click();
    await picker.getByRole('option', { name: /Server configuration/ }).click();
    await expect(panel.locator('.jp-Pachinco-model-label')).toHaveText(
      'scripted'
    );
    await ask(panel, INTENTS.whichModel);
    await finishedAnswer(panel, 'the first scripted server');
  });

  test('a settings change leaves the panel where it is', async ({
    page,
    request,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/settings.ipynb`, notebookWith([]));
    const panel = await openSidebar(page);
    const before = await panel.boundingBox();
    await page.evaluate(async () => {
      const registry = await window.galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      await registry!.set('jupyter-pachinco:plugin', 'candidates', 2);
    });
    await page.waitForTimeout(500); // a re-added panel would collapse or move by now
    await expect(panel).toBeVisible();
    expect(await panel.boundingBox()).toEqual(before);
    await expect(panel.locator('.jp-Pachinco-intent')).toBeVisible();
    // The setting took effect: two candidates, sampled.
    await ask(panel, INTENTS.total);
    await finishedAnswer(panel, 'Add up the prices');
    const seen = (await scriptedStatus(request)).requests;
    expect(seen[seen.length - 1].n).toBe(2);
  });
});

test.describe('Every turn kept', () => {
  test('reload and see every turn, including ones not inserted', async ({
    page,
    tmpPath
  }) => {
    const file = `${tmpPath}/kept.ipynb`;
    await openNotebook(page, file, notebookWith([]));
    const panel = await openSidebar(page);
    await ask(panel, INTENTS.total);
    await finishedAnswer(panel, 'Add up the prices');
    await ask(panel, INTENTS.cityAverage);
    const answer = await finishedAnswer(panel, 'Group the orders by city');
    await answer.locator('.jp-Pachinco-insert-below').click();
    await expect
      .poll(async () => (await savedTurns(page, file)).length)
      .toBe(2);
    await expect
      .poll(async () => (await savedTurns(page, file)).map(t => t.inserted))
      .toEqual([false, true]);

    await reloadAndOpen(page, file);
    const reloaded = await openSidebar(page);
    await expect(reloaded.locator('.jp-Pachinco-turn-intent')).toHaveText([
      INTENTS.total,
      INTENTS.cityAverage
    ]);
    const states = reloaded.locator('.jp-Pachinco-turn-state');
    await expect(states).toHaveText([
      'Not inserted.',
      'Inserted into the notebook.'
    ]);
    await expect(
      reloaded.locator('.jp-Pachinco-answer[data-stored="true"]').first()
    ).toContainText("orders['price'].sum()");
  });

  test('undo an insertion and see the turn marked', async ({
    page,
    tmpPath
  }) => {
    const file = `${tmpPath}/undo.ipynb`;
    await openNotebook(page, file, notebookWith([]));
    const panel = await openSidebar(page);
    await ask(panel, INTENTS.total);
    const answer = await finishedAnswer(panel, 'Add up the prices');
    await answer.locator('.jp-Pachinco-insert-below').click();
    await expect(panel.locator('.jp-Pachinco-turn-state')).toHaveText(
      'Inserted into the notebook.'
    );
    await expect.poll(async () => (await notebookCells(page)).length).toBe(3);

    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('notebook:undo-cell-action');
    });
    await expect.poll(async () => (await notebookCells(page)).length).toBe(1);
    const state = panel.locator('.jp-Pachinco-turn-state');
    await expect(state).toHaveAttribute('data-undone', 'true');
    await expect(state).toContainText('Insertion undone');
    // Saved, so that the next prompt does not build on the undone answer.
    await expect
      .poll(async () => (await savedTurns(page, file))[0]?.inserted)
      .toBe(false);
  });

  test('an answer without code says so once, and is kept labelled so', async ({
    page,
    tmpPath
  }) => {
    const file = `${tmpPath}/no-code.ipynb`;
    await openNotebook(page, file, notebookWith([]));
    const panel = await openSidebar(page);
    // No scripted rule knows this request: the scripted server answers in prose only.
    await ask(panel, 'a request the scripted model has no rule for');
    const turn = panel.locator('.jp-Pachinco-turn').last();
    await expect(turn).toHaveAttribute('data-phase', 'done');
    await expect(turn.locator('.jp-Pachinco-no-code')).toBeVisible();
    await expect(turn.locator('.jp-Pachinco-insert-below')).toHaveCount(0);
    await expect.poll(async () => (await savedTurns(page, file))[0]?.outcome).toBe('no code');
    await expect(turn.locator('.jp-Pachinco-turn-state')).toHaveCount(0);

    await reloadAndOpen(page, file);
    const reloaded = await openSidebar(page);
    await expect(reloaded.locator('.jp-Pachinco-turn-state')).toHaveText(
      'No code in the answer: nothing to insert.'
    );
  });
});

test.describe('Silences broken', () => {
  test('Solve with the sidebar closed shows progress', async ({
    page,
    tmpPath
  }) => {
    await openNotebook(
      page,
      `${tmpPath}/solve.ipynb`,
      notebookWith([{ cell_type: 'markdown', source: INTENTS.gentle }])
    );
    await page.notebook.selectCells(1);
    await expect(page.locator('#jp-pachinco-panel')).toBeHidden();
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('pachinco:solve-markdown-cell');
    });
    const item = page.locator('.jp-Pachinco-statusbar');
    await expect(item).toBeVisible();
    await expect(item).toHaveText(/^Pachinco: /);
    const solving = page.locator('.jp-MarkdownCell.jp-Pachinco-solving');
    await expect(solving).toBeVisible();
    await expect(solving).toHaveAttribute('data-pachinco-progress', /\w/);
    await expect.poll(async () => (await notebookCells(page)).length).toBe(4);
    await expect(item).toBeHidden();
    await expect(solving).toHaveCount(0);
  });

  test('a kernel restart is noticed and said', async ({ page, tmpPath }) => {
    await openNotebook(page, `${tmpPath}/restart.ipynb`, notebookWith([]));
    const panel = await openSidebar(page);
    await page.evaluate(async () => {
      const current = window.jupyterapp.shell.currentWidget as unknown as {
        sessionContext: { restartKernel(): Promise<void> };
      };
      await current.sessionContext.restartKernel();
    });
    await expect(panel.locator('.jp-Pachinco-banner')).toContainText(
      'The kernel restarted'
    );
  });
});

test.describe('A sidebar that stays put', () => {
  for (const theme of ['JupyterLab Light', 'JupyterLab Dark']) {
    test(`header and input stay visible through a long answer at 360 px (${theme})`, async ({
      page,
      tmpPath
    }) => {
      await page.theme.setTheme(theme);
      await openNotebook(page, `${tmpPath}/long.ipynb`, notebookWith([]));
      const panel = await openSidebar(page);
      await sidebarWidth(page, panel, 360);

      await ask(panel, INTENTS.long);
      const header = panel.locator('.jp-Pachinco-model-button');
      const input = panel.locator('.jp-Pachinco-intent');
      const streaming = panel.locator(
        '.jp-Pachinco-turn[data-phase="streaming"]'
      );
      await expect(streaming).toBeVisible();
      for (let look = 0; look < 5; look++) {
        await expect(header).toBeInViewport();
        await expect(input).toBeInViewport();
        await page.waitForTimeout(600);
      }
      await page.screenshot({
        path: test.info().outputPath(`streaming-360-${theme.split(' ')[1]}.png`)
      });
      await finishedAnswer(panel, 'Show the last step');
      await expect(header).toBeInViewport();
      await expect(input).toBeInViewport();
      // The conversation followed the stream to its end.
      const gap = await panel
        .locator('.jp-Pachinco-conversation')
        .evaluate(
          node => node.scrollHeight - node.scrollTop - node.clientHeight
        );
      expect(gap).toBeLessThanOrEqual(41);
      // Code keeps its lines: a long one scrolls sideways, never wraps every few words.
      const blocks = await panel
        .locator('.jp-Pachinco-answer pre')
        .evaluateAll(nodes =>
          nodes.map(node => {
            const style = getComputedStyle(node);
            return [style.whiteSpace, style.overflowX];
          })
        );
      expect(blocks.length).toBeGreaterThan(0);
      for (const [whiteSpace, overflowX] of blocks) {
        expect(whiteSpace).toBe('pre');
        expect(overflowX).toBe('auto');
      }
      await page.screenshot({
        path: test.info().outputPath(`answered-360-${theme.split(' ')[1]}.png`)
      });
    });
  }
});
