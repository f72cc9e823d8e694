import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';
import * as path from 'path';

import {
  ask,
  FARES_SETUP,
  cellOutputs,
  kernelValue,
  notebookCells,
  notebookOf,
  openSidebar,
  outputText,
  reloadAndOpen,
  screenshotPath,
  sidebarWidth,
  untilRun
} from './helpers';
import {
  AGENT_REPAIR,
  AGENT_STEP_1,
  INTENTS,
  scriptedStatus,
  SIDEBAR_SAVE_STEP
} from './scripted';

// The agent in the sidebar, against the scripted model (scripted_answers.py: the plans and
// every step's code; step 2 first misspells a column and is repaired). The loop, the kernel,
// its scratch copy and the trial runs are the real ones.


async function openFares(
  page: IJupyterLabPageFixture,
  file: string
): Promise<Locator> {
  await page.contents.uploadContent(
    notebookOf([{ cell_type: 'code', source: FARES_SETUP }]),
    'text',
    file
  );
  await page.notebook.openByPath(file);
  await page.notebook.activate(path.basename(file));
  await page.notebook.runCell(0, true);
  await untilRun(page, 0);
  return openSidebar(page);
}

/** What the active notebook holds: cells with their pachinco tags, and its stored turns. */
async function notebookJSON(page: IJupyterLabPageFixture): Promise<{
  cells: Array<{
    cell_type: string;
    source: string;
    metadata: { pachinco?: { request_id?: string } };
  }>;
  turns: Array<Record<string, unknown>>;
}> {
  return page.evaluate(() => {
    const current = window.jupyterapp.shell.currentWidget as unknown as {
      content: { model: { toJSON(): Record<string, unknown> } };
    };
    const json = current.content.model.toJSON() as {
      cells: Array<{ cell_type: string; source: string | string[]; metadata: object }>;
      metadata: { pachinco?: { turns?: Array<Record<string, unknown>> } };
    };
    return {
      cells: json.cells.map(cell => ({
        cell_type: cell.cell_type,
        source: Array.isArray(cell.source) ? cell.source.join('') : cell.source,
        metadata: cell.metadata
      })),
      turns: json.metadata.pachinco?.turns ?? []
    };
  }) as never;
}

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

test.describe('The agent in the sidebar', () => {
  test('plans, is edited, repairs a step, shows a table and a chart, and inserts it all', async ({
    page,
    request,
    tmpPath
  }) => {
    const panel = await openFares(page, `${tmpPath}/agent-sidebar.ipynb`);
    const before = (await scriptedStatus(request)).requests;

    // Start from the mode switch beside Send.
    const mode = panel.locator('.jp-Pachinco-modeButton[data-mode="agent"]');
    await mode.click();
    await expect(mode).toHaveAttribute('aria-checked', 'true');
    await ask(panel, INTENTS.sidebarAgent);

    // The plan comes first, editable: delete its last step (it would write a file).
    const run = panel.locator('.jp-Pachinco-agentRun').last();
    const steps = run.locator('.jp-Pachinco-planText');
    await expect(steps).toHaveCount(5);
    await expect(steps.nth(4)).toHaveValue('Save the chart to a file.');
    await run.getByRole('button', { name: 'Delete step 5' }).click();
    await expect(steps).toHaveCount(4);
    await run.locator('.jp-Pachinco-go').click();

    await expect(run).toHaveAttribute('data-phase', 'finished', {
      timeout: 110000
    });
    const timeline = run.locator('.jp-Pachinco-step');
    await expect(timeline).toHaveCount(4);
    for (const at of [0, 1, 2, 3]) {
      await expect(timeline.nth(at)).toHaveAttribute('data-state', 'done');
    }
    // Step 2 failed on the scratch copy, and its repair worked.
    await expect(timeline.nth(1).locator('.jp-Pachinco-stepState')).toHaveText(
      'done after 1 repair'
    );
    await expect(timeline.nth(1).locator('.jp-Pachinco-repaired')).toContainText(
      'KeyError'
    );
    // Step 3's value, a DataFrame, as a small table with its shape.
    const preview = timeline.nth(2).locator('.jp-Pachinco-preview');
    await expect(preview.locator('summary')).toHaveText(
      'DataFrame · 3 rows × 2 columns'
    );
    const shown = (await preview.locator('pre').textContent()) ?? '';
    expect(shown).toMatch(/0\s+1\s+48\.0[^]*1\s+2\s+20\.0[^]*2\s+3\s+3\.5/);
    // Step 4's figure, a thumbnail of the PNG the scratch rendered, through rendermime.
    const image = timeline.nth(3).locator('.jp-Pachinco-figure img');
    await expect(image).toHaveAttribute('src', /^data:image\/png;base64,/);
    expect(await image.evaluate(img => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(50);
    await expect(timeline.nth(3).locator('figcaption')).toHaveText(
      'Mean fare per person'
    );

    // What the model was asked: one repair, and never the deleted step.
    const asked = (await scriptedStatus(request)).requests.slice(before.length);
    expect(asked.filter(seen => seen.rule === AGENT_REPAIR)).toHaveLength(1);
    expect(asked.filter(seen => seen.rule === SIDEBAR_SAVE_STEP)).toHaveLength(0);
    // Nothing reached the user's kernel: the steps ran on the scratch copy only.
    expect(
      await kernelValue(page, "(list(fares.columns), 'table' in globals())")
    ).toBe("(['pclass', 'fare', 'people'], False)");

    // Insert all: the steps' cells, tagged, in one undo step.
    const count = (await notebookCells(page)).length;
    await run.locator('.jp-Pachinco-insertAll').click();
    await expect(run.locator('.jp-Pachinco-turn-state')).toHaveText(
      'Inserted into the notebook.'
    );
    // Another press would add a second copy: the button says so.
    await expect(run.locator('.jp-Pachinco-insertAll')).toHaveText('Insert all again');
    let notebook = await notebookJSON(page);
    const inserted = notebook.cells.slice(count);
    expect(inserted.length).toBeGreaterThanOrEqual(4);
    const code = inserted
      .filter(cell => cell.cell_type === 'code')
      .map(cell => cell.source)
      .join('\n');
    expect(code).toMatch(/per_person'\] =[^]*groupby[^]*reset_index[^]*plot\.bar/);
    expect(code).not.toContain('per_persn');
    expect(code).not.toContain('savefig');
    const tags = new Set(inserted.map(cell => cell.metadata.pachinco?.request_id));
    expect(tags.size).toBe(1);
    expect([...tags][0]).toBeTruthy();
    // The run is kept in the notebook like any other turn.
    const kept = notebook.turns.find(turn => turn.intent === INTENTS.sidebarAgent);
    expect(kept?.inserted).toBe(true);
    expect(String(kept?.code)).toContain('reset_index');

    // One undo removes every inserted cell, and the kept turn says so.
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('notebook:undo-cell-action');
    });
    await expect.poll(async () => (await notebookCells(page)).length).toBe(count);
    await expect(run.locator('.jp-Pachinco-turn-state')).toHaveText('Insertion undone.');
    await expect(run.locator('.jp-Pachinco-insertAll')).toHaveText('Insert all');
    notebook = await notebookJSON(page);
    expect(
      notebook.turns.find(turn => turn.intent === INTENTS.sidebarAgent)?.inserted
    ).toBe(false);

    // Insert & run all: the cells run in the kernel give what the timeline showed.
    await run.locator('.jp-Pachinco-insertRunAll').click();
    notebook = await notebookJSON(page);
    const tableAt = notebook.cells.findIndex(cell => cell.source.includes('reset_index'));
    const chartAt = notebook.cells.findIndex(cell => cell.source.includes('plot.bar'));
    expect(tableAt).toBeGreaterThan(0);
    await untilRun(page, chartAt);
    const table = (await cellOutputs(page, tableAt)).map(outputText).join('\n');
    expect(squash(table)).toBe(squash(shown));
    const chart = await cellOutputs(page, chartAt);
    expect(
      chart.some(output => 'image/png' in ((output.data as object | undefined) ?? {}))
    ).toBe(true);
  });

  test('stops, keeps the finished steps, and retries from an edited step', async ({
    page,
    request,
    tmpPath
  }) => {
    const file = `${tmpPath}/agent-stop.ipynb`;
    const panel = await openFares(page, file);
    await panel.locator('.jp-Pachinco-modeButton[data-mode="agent"]').click();
    await ask(panel, INTENTS.slowAgent);
    const run = panel.locator('.jp-Pachinco-agentRun').last();
    await expect(run.locator('.jp-Pachinco-planText')).toHaveCount(2);
    await run.locator('.jp-Pachinco-go').click();

    // Step 2's model is slow: stop while it writes.
    const timeline = run.locator('.jp-Pachinco-step');
    await expect(timeline.nth(0)).toHaveAttribute('data-state', 'done', {
      timeout: 60000
    });
    await expect(timeline.nth(1)).toHaveAttribute('data-state', 'trying');
    await run.locator('.jp-Pachinco-stopRun').click();
    await expect(run).toHaveAttribute('data-phase', 'stopped');
    await expect(timeline.nth(0)).toHaveAttribute('data-state', 'done');
    await expect(timeline.nth(1)).toHaveAttribute('data-state', 'stopped');
    await expect(run.locator('.jp-Pachinco-agentStatus')).toHaveText(
      'Stopped: the 1 step that worked is kept.'
    );
    await expect(run.locator('.jp-Pachinco-insertAll')).toBeEnabled();
    await expect(timeline.nth(0).locator('.jp-Pachinco-insertStep')).toBeVisible();

    // Edit step 2, then retry from it: step 1 is replayed as it is, not asked again.
    const firstAsked = (await scriptedStatus(request)).requests.filter(
      seen => seen.rule === AGENT_STEP_1
    ).length;
    await run.getByRole('button', { name: 'Edit step 2' }).click();
    await run
      .getByRole('textbox', { name: 'Step 2, to work again' })
      .fill('Average that per-person fare within each passenger class.');
    await run.getByRole('button', { name: 'Retry from step 2' }).click();
    await expect(run).toHaveAttribute('data-phase', 'finished', {
      timeout: 110000
    });
    await expect(timeline.nth(1)).toHaveAttribute('data-state', 'done');
    await expect(timeline.nth(1).locator('.jp-Pachinco-stepText')).toHaveText(
      'Average that per-person fare within each passenger class.'
    );
    expect(
      (await scriptedStatus(request)).requests.filter(seen => seen.rule === AGENT_STEP_1)
    ).toHaveLength(firstAsked);
    await expect(timeline.nth(1).locator('.jp-Pachinco-preview pre')).toContainText(
      '48.0'
    );

    // The user's kernel runs a cell after the scratch copy was made: asked before inserting.
    const count = (await notebookCells(page)).length;
    await page.notebook.runCell(0, true);
    await untilRun(page, 0);
    await run.locator('.jp-Pachinco-insertAll').click();
    await expect(run.locator('.jp-Pachinco-banner')).toContainText(
      'Your kernel ran code since the scratch copy was made'
    );
    expect((await notebookCells(page)).length).toBe(count);
    await run.locator('.jp-Pachinco-insertAnyway').click();
    await expect
      .poll(async () => (await notebookCells(page)).length)
      .toBeGreaterThan(count);

    // Kept in the notebook like any other turn: a reload shows it.
    await expect
      .poll(async () => (await notebookJSON(page)).turns.map(turn => turn.outcome))
      .toEqual(['answered']);
    await reloadAndOpen(page, file);
    const reloaded = await openSidebar(page);
    await expect(reloaded.locator('.jp-Pachinco-turn-intent')).toHaveText(
      INTENTS.slowAgent
    );
    await expect(reloaded.locator('.jp-Pachinco-turn').last()).toContainText(
      "groupby('pclass')['per_person']"
    );
  });

  test('is found in the command palette', async ({ page, tmpPath }) => {
    const panel = await openFares(page, `${tmpPath}/agent-palette.ipynb`);
    const mode = (name: string) =>
      panel.locator(`.jp-Pachinco-modeButton[data-mode="${name}"]`);
    await expect(mode('answer')).toHaveAttribute('aria-checked', 'true');
    await page.keyboard.press('Control+Shift+c');
    await page.keyboard.type('Work through a task');
    await expect(
      page.locator('.lm-CommandPalette-item', {
        hasText: 'Work through a task with Pachinco'
      })
    ).toBeVisible();
    await page.keyboard.press('Enter');
    await expect(mode('agent')).toHaveAttribute('aria-checked', 'true');
    await expect(panel.locator('.jp-Pachinco-intent')).toBeFocused();
    await expect(panel.locator('.jp-Pachinco-send')).toHaveText('Plan');
    // And back to answers the same way.
    await page.keyboard.press('Control+Shift+c');
    await page.keyboard.type('Ask Pachinco for an answer');
    await page.keyboard.press('Enter');
    await expect(mode('answer')).toHaveAttribute('aria-checked', 'true');
    await expect(panel.locator('.jp-Pachinco-send')).toHaveText('Send');
  });

  test('runs from the keyboard alone', async ({ page, tmpPath }) => {
    await openFares(page, `${tmpPath}/agent-keys.ipynb`);
    const panel = page.locator('#jp-pachinco-panel');
    // The shortcut switches to "Work through it" and puts the keyboard in the request box.
    await page.locator('.jp-Notebook').first().click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Alt+w');
    await expect(
      panel.locator('.jp-Pachinco-modeButton[data-mode="agent"]')
    ).toHaveAttribute('aria-checked', 'true');
    await expect(panel.locator('.jp-Pachinco-intent')).toBeFocused();
    await page.keyboard.type(INTENTS.sidebarAgent);
    await page.keyboard.press('Enter');

    const run = panel.locator('.jp-Pachinco-agentRun').last();
    // The plan's first step has the keyboard; Tab reaches each control in turn.
    await expect(run.getByRole('textbox', { name: 'Step 1' })).toBeFocused();
    await tabTo(page, 'Delete step 5');
    await page.keyboard.press('Enter');
    await expect(run.locator('.jp-Pachinco-planText')).toHaveCount(4);
    await tabTo(page, 'Go');
    await page.keyboard.press('Enter');
    await expect(run).toHaveAttribute('data-phase', 'finished', {
      timeout: 110000
    });
    const count = (await notebookCells(page)).length;
    await tabTo(page, 'Insert all 4 steps');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await notebookCells(page)).length).toBeGreaterThan(count);
  });
});

test.describe('The agent in a narrow sidebar', () => {
  test.use({ viewport: { width: 1280, height: 1400 } });
  for (const theme of ['JupyterLab Light', 'JupyterLab Dark']) {
    const name = theme.split(' ')[1].toLowerCase();
    test(`fits a 360-pixel sidebar, plan and timeline (${theme})`, async ({
      page,
      tmpPath
    }) => {
      await page.theme.setTheme(theme);
      const panel = await openFares(page, `${tmpPath}/agent-${name}.ipynb`);
      await page.sidebar.close('left');
      await sidebarWidth(page, panel, 360);
      await panel.locator('.jp-Pachinco-modeButton[data-mode="agent"]').click();
      await ask(panel, INTENTS.sidebarAgent);
      const run = panel.locator('.jp-Pachinco-agentRun').last();
      await expect(run.locator('.jp-Pachinco-planText')).toHaveCount(5);
      await run.getByRole('button', { name: 'Delete step 5' }).click();
      expect(await overflowing(panel)).toEqual([]);
      await shoot(page, panel, `agent-plan-${name}.png`);

      await run.locator('.jp-Pachinco-go').click();
      await expect(run).toHaveAttribute('data-phase', 'finished', {
        timeout: 110000
      });
      await expect(run.locator('.jp-Pachinco-figure img')).toBeVisible();
      expect(await overflowing(panel)).toEqual([]);
      // Show the repaired step, the table and the chart.
      await run.locator('.jp-Pachinco-step').nth(1).scrollIntoViewIfNeeded();
      await run
        .locator('.jp-Pachinco-step')
        .nth(1)
        .evaluate(node => node.scrollIntoView({ block: 'start' }));
      await shoot(page, panel, `agent-timeline-${name}.png`);
    });
  }
});

/**
 * The elements in `panel` that reach past its right edge (cut off), other than inside blocks
 * that scroll sideways; each as its class and text.
 */
async function overflowing(panel: Locator): Promise<string[]> {
  return panel.evaluate(root => {
    const right = root.getBoundingClientRect().right + 1;
    const cut: string[] = [];
    for (const node of Array.from(root.querySelectorAll('*'))) {
      // Code and previews scroll sideways inside their block: only the block must fit.
      if (node.parentElement?.closest('pre')) {
        continue;
      }
      const box = node.getBoundingClientRect();
      if (box.width > 0 && box.right > right) {
        cut.push(`${node.className}: ${(node.textContent ?? '').slice(0, 40)}`);
      }
    }
    return cut;
  });
}

/** The sidebar's picture for the README (only with PACHINCO_UPDATE_SCREENSHOTS=1). */
async function shoot(
  page: IJupyterLabPageFixture,
  panel: Locator,
  name: string
): Promise<void> {
  const shot = screenshotPath(name);
  if (shot) {
    await page.screenshot({ path: shot, clip: (await panel.boundingBox())! });
  }
}

/**
 * Press Tab until the focused element's accessible name (aria-label, else its text) is
 * `name`; fails after 60 presses.
 */
async function tabTo(page: IJupyterLabPageFixture, name: string): Promise<void> {
  for (let press = 0; press < 60; press++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const node = document.activeElement as HTMLElement | null;
      return node?.getAttribute('aria-label') ?? node?.textContent?.trim() ?? '';
    });
    if (focused === name) {
      return;
    }
  }
  throw new Error(`Tab never reached "${name}".`);
}
