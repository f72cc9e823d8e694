import { expect, test } from '@jupyterlab/galata';
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
  repoRoot,
  screenshotPath,
  untilRun
} from './helpers';
import { AGENT_REPAIR, INTENTS, scriptedStatus } from './scripted';

// The README's screenshots: the quickstart notebook and the scripted model's answer to its
// first suggested question, which is correct. The test checks the answer and its output on
// every run; it writes docs/images/*.png only with PACHINCO_UPDATE_SCREENSHOTS=1.
test.describe('Pachinco on the quickstart notebook', () => {
  test('answers its first question correctly, inserted and run', async ({
    page,
    tmpPath
  }) => {
    const file = `${tmpPath}/quickstart.ipynb`;
    await page.contents.uploadFile(
      path.join(repoRoot, 'examples', 'quickstart.ipynb'),
      file
    );
    await page.notebook.openByPath(file);
    await page.notebook.activate('quickstart.ipynb');
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('notebook:run-all-cells');
    });
    const count = (await notebookCells(page)).length;
    await untilRun(page, 4);
    await page.notebook.selectCells(count - 1);
    const panel = await openSidebar(page);
    await expect(panel.locator('.jp-Pachinco-model')).toHaveText('scripted');
    const panelShot = screenshotPath('pachinco-panel.png');
    if (panelShot) {
      await page.screenshot({ path: panelShot });
    }

    await ask(panel, INTENTS.quickstart);
    const answer = panel.locator('.jp-Pachinco-answer[data-complete="true"]');
    await expect(answer).toContainText(
      'Average the fare within each passenger class'
    );
    // Code keeps its lines in the narrow sidebar: a block wider than the sidebar scrolls
    // sideways (nothing is out of reach), it never wraps every few words.
    const unreachable = await answer.locator('pre').evaluateAll(blocks =>
      blocks
        .filter(block => block.scrollWidth > block.clientWidth + 1)
        .filter(block => getComputedStyle(block).overflowX !== 'auto')
        .map(block => block.textContent)
    );
    expect(unreachable).toEqual([]);
    const answerShot = screenshotPath('answer-in-sidebar.png');
    if (answerShot) {
      await page.screenshot({ path: answerShot });
    }

    await answer.locator('.jp-Pachinco-insert-run').click();
    await untilRun(page, count + 1);
    const cells = await notebookCells(page);
    expect(cells.slice(count).map(cell => cell.cell_type)).toEqual([
      'markdown',
      'code'
    ]);
    // Class averages 69.29, 19.50 and 7.74 against an overall 33.76.
    const output = (await cellOutputs(page, count + 1))
      .map(outputText)
      .join('\n');
    expect(output).toMatch(/1\s+205\.2/);
    expect(output).toMatch(/2\s+57\.8/);
    expect(output).toMatch(/3\s+22\.9/);
    const insertedShot = screenshotPath('inserted-cells.png');
    if (insertedShot) {
      await page.notebook
        .getCellLocator(count + 1)
        .then(cell => cell?.scrollIntoViewIfNeeded());
      await page.screenshot({ path: insertedShot });
    }
  });
});

// The README's picture of an agent run: `%%pachinco --agent` works the acceptance task of
// tests/agent/ through on a scratch copy of the kernel. The scripted model (scripted_answers.py)
// answers the plan and each step; its first code for step 2 misspells a column, and the repair
// sees the traceback. The loop, the kernel, its scratch and the trial runs are the real ones.
// The test checks the timeline, the inserted cell and the value that cell gives on every run;
// it writes docs/images/agent-run.png only with PACHINCO_UPDATE_SCREENSHOTS=1.
test.describe('The agent through the magic', () => {
  test.use({ viewport: { width: 1024, height: 1440 } });

  test('works a task through, repairs a step and inserts cells that run', async ({
    page,
    request,
    tmpPath
  }) => {
    const file = `${tmpPath}/agent.ipynb`;
    const before = (await scriptedStatus(request)).requests.length;
    const content = notebookOf([
      { cell_type: 'code', source: '%load_ext jupyter_pachinco' },
      { cell_type: 'code', source: FARES_SETUP },
      {
        cell_type: 'code',
        source: `%%pachinco --agent -n 3 --insert\n${INTENTS.agent}`
      }
    ]);
    await page.contents.uploadContent(content, 'text', file);
    await page.notebook.openByPath(file);
    await page.notebook.activate('agent.ipynb');
    await page.sidebar.close('left');
    for (const index of [0, 1, 2]) {
      await page.notebook.runCell(index, true);
      await untilRun(page, index);
    }

    // The timeline, in order: the plan, each step, the repair of step 2 with its error.
    const said = (await cellOutputs(page, 2)).map(outputText).join('\n');
    const order = [
      'Plan:',
      'Step 1: Work out the fare each person paid',
      'Step 2: Average that per-person fare',
      'repair 1: every candidate failed (KeyError',
      'Step 3: Sort the averages from highest to lowest.',
      'Done: 3 steps ran on a scratch copy of your kernel.'
    ].map(line => said.indexOf(line));
    expect(order.every(at => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(said).toContain('tried 3 candidates: #1 used, 3 of 3 agree');
    // This run's requests only: other tests ask for the same repair.
    const repairs = (await scriptedStatus(request)).requests.slice(before).filter(
      seen => seen.rule === AGENT_REPAIR
    );
    expect(repairs).toHaveLength(1);

    // --insert: the steps that ran, in one new cell below, the misspelt attempt left out.
    await expect.poll(async () => (await notebookCells(page)).length).toBe(4);
    const inserted = (await notebookCells(page))[3];
    expect(inserted.cell_type).toBe('code');
    expect(inserted.source).toMatch(
      /# Step 1:[^]*fares\['per_person'\] =[^]*# Step 2:[^]*# Step 3:[^]*sort_values/
    );
    expect(inserted.source).not.toContain('per_persn');
    // Nothing reached the kernel yet: the steps ran on the scratch copy only.
    expect(await kernelValue(page, "(list(fares.columns), 'means' in globals())")).toBe(
      "(['pclass', 'fare', 'people'], False)"
    );

    // Run in the kernel, the inserted cell gives the final value, highest first.
    await page.notebook.runCell(3, true);
    await untilRun(page, 3);
    const value = (await cellOutputs(page, 3)).map(outputText).join('\n');
    const rows = [/1\s+48\.0/, /2\s+20\.0/, /3\s+3\.5/].map(row =>
      value.search(row)
    );
    expect(rows.every(at => at >= 0)).toBe(true);
    expect([...rows].sort((a, b) => a - b)).toEqual(rows);

    const shot = screenshotPath('agent-run.png');
    if (shot) {
      await page.screenshot({ path: shot });
    }
  });
});
