import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';
import * as path from 'path';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** A notebook of the given cells, none of them run yet. */
export function notebookOf(
  cells: Array<{ cell_type: 'code' | 'markdown'; source: string }>
): string {
  const all = cells.map(cell =>
    cell.cell_type === 'code'
      ? { ...cell, metadata: {}, outputs: [], execution_count: null }
      : { ...cell, metadata: {} }
  );
  return JSON.stringify({
    cells: all,
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3',
        language: 'python'
      }
    },
    nbformat: 4,
    nbformat_minor: 5
  });
}

/** The agent's starting state, as tests/agent/task.py's SETUP, shown as the cell's value. */
export const FARES_SETUP =
  'import pandas as pd\n' +
  "fares = pd.DataFrame({'pclass': [1, 3, 1, 2], 'fare': [71.0, 7.0, 50.0, 20.0]," +
  " 'people': [1, 2, 2, 1]})\nfares";

/** A notebook whose first cell builds a DataFrame, then the given cells. */
export function notebookWith(
  cells: Array<{ cell_type: 'code' | 'markdown'; source: string }>
): string {
  return notebookOf([
    {
      cell_type: 'code',
      source:
        "import pandas as pd\norders = pd.DataFrame({'price': [3.0, 5.0, 10.0], 'city': ['Paris', 'Lyon', 'Paris']})\norders"
    },
    ...cells
  ]);
}

/** Upload, open and run the first cell of a notebook built by `notebookWith`. */
export async function openNotebook(
  page: IJupyterLabPageFixture,
  filePath: string,
  content: string
): Promise<void> {
  await page.contents.uploadContent(content, 'text', filePath);
  await page.notebook.openByPath(filePath);
  await page.notebook.activate(path.basename(filePath));
  // In place: running the last cell must not add an empty cell below it.
  await page.notebook.runCell(0, true);
}

export interface ICellInfo {
  cell_type: string;
  source: string;
  execution_count: number | null;
  metadata: Record<string, unknown>;
}

/** The cells of the active notebook, as nbformat JSON. */
export async function notebookCells(
  page: IJupyterLabPageFixture
): Promise<ICellInfo[]> {
  return page.evaluate(() => {
    const current = window.jupyterapp.shell.currentWidget as unknown as {
      content: { model: { toJSON(): { cells: unknown[] } } };
    };
    return current.content.model.toJSON().cells.map(cell => {
      const c = cell as Record<string, unknown>;
      const source = Array.isArray(c.source)
        ? c.source.join('')
        : String(c.source);
      return {
        cell_type: String(c.cell_type),
        source,
        execution_count:
          (c.execution_count as number | null | undefined) ?? null,
        metadata: (c.metadata as Record<string, unknown>) ?? {}
      };
    });
  });
}

/** Open the sidebar and wait for the server status. */
export async function openSidebar(page: IJupyterLabPageFixture) {
  await page.sidebar.openTab('jp-pachinco-panel');
  const panel = page.locator('#jp-pachinco-panel');
  await expect(
    panel.locator('.jp-Pachinco-status[data-status="ready"]')
  ).toBeVisible();
  await expect(panel.locator('.jp-Pachinco-intent')).toBeVisible();
  return panel;
}

/**
 * Record, in the page, each text the streaming answer shows before it is complete.
 */
export async function recordStreaming(
  page: IJupyterLabPageFixture
): Promise<void> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __pachincoSeen: string[] }).__pachincoSeen = seen;
    const panel = document.getElementById('jp-pachinco-panel')!;
    new MutationObserver(() => {
      for (const node of panel.querySelectorAll(
        '.jp-Pachinco-answer[data-complete="false"]'
      )) {
        const text = node.textContent ?? '';
        if (text && seen[seen.length - 1] !== text) {
          seen.push(text);
        }
      }
    }).observe(panel, { subtree: true, childList: true, characterData: true });
  });
}

export async function streamedTexts(
  page: IJupyterLabPageFixture
): Promise<string[]> {
  return page.evaluate(
    () => (window as unknown as { __pachincoSeen: string[] }).__pachincoSeen
  );
}

/** Type an intent into the sidebar and send it with Enter. */
export async function ask(panel: Locator, intent: string): Promise<void> {
  await panel.locator('.jp-Pachinco-intent').fill(intent);
  await panel.locator('.jp-Pachinco-intent').press('Enter');
}

/** The outputs of code cell `index` of the active notebook, as nbformat JSON. */
export async function cellOutputs(
  page: IJupyterLabPageFixture,
  index: number
): Promise<Array<Record<string, unknown>>> {
  return page.evaluate((at: number) => {
    const current = window.jupyterapp.shell.currentWidget as unknown as {
      content: {
        model: { toJSON(): { cells: Array<{ outputs?: unknown[] }> } };
      };
    };
    const cell = current.content.model.toJSON().cells[at];
    return (cell.outputs ?? []) as Array<Record<string, unknown>>;
  }, index);
}

/** The text of `expression` evaluated in the active notebook's kernel (no cell, no history). */
export async function kernelValue(
  page: IJupyterLabPageFixture,
  expression: string
): Promise<string> {
  return page.evaluate(async (asked: string) => {
    const current = window.jupyterapp.shell.currentWidget as unknown as {
      sessionContext: {
        session: {
          kernel: {
            requestExecute(content: Record<string, unknown>): {
              done: Promise<{ content: Record<string, unknown> }>;
            };
          };
        };
      };
    };
    const reply = await current.sessionContext.session.kernel.requestExecute({
      code: '',
      silent: true,
      store_history: false,
      user_expressions: { x: asked }
    }).done;
    const found = (
      reply.content.user_expressions as Record<
        string,
        { status: string; data?: Record<string, string> }
      >
    ).x;
    return found.status === 'ok' ? found.data!['text/plain'] : `error: ${found.status}`;
  }, expression);
}

/** The text of an output (stream text, or an execute result's text/plain). */
export function outputText(output: Record<string, unknown>): string {
  const join = (value: unknown) =>
    Array.isArray(value) ? value.join('') : String(value ?? '');
  if (output.output_type === 'stream') {
    return join(output.text);
  }
  if (output.output_type === 'error') {
    return `${String(output.ename)}: ${String(output.evalue)}`;
  }
  const data = (output.data as Record<string, unknown> | undefined) ?? {};
  return join(data['text/plain']);
}

/** Wait until code cell `index` has run (it has an execution count). */
export async function untilRun(
  page: IJupyterLabPageFixture,
  index: number
): Promise<void> {
  await expect
    .poll(async () => (await notebookCells(page))[index]?.execution_count)
    .toEqual(expect.any(Number));
}

/** Reload the page and open the notebook again (the restored workspace may hide it). */
export async function reloadAndOpen(
  page: IJupyterLabPageFixture,
  filePath: string
): Promise<void> {
  const galataPage = page as unknown as {
    reload(options: { waitForIsReady: boolean }): Promise<unknown>;
  };
  await galataPage.reload({ waitForIsReady: false });
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
  await page.waitForFunction(() => typeof window.jupyterapp === 'object');
  await page.evaluate(async (file: string) => {
    await window.jupyterapp.started;
    await window.jupyterapp.restored;
    await window.jupyterapp.commands.execute('docmanager:open', { path: file });
  }, filePath);
  await page.notebook.activate(path.basename(filePath));
}

/** Where the README's screenshots go, or null unless PACHINCO_UPDATE_SCREENSHOTS=1. */
export function screenshotPath(name: string): string | null {
  return process.env.PACHINCO_UPDATE_SCREENSHOTS === '1'
    ? path.join(repoRoot, 'docs', 'images', name)
    : null;
}

/** Make the right sidebar (holding `panel`) `width` pixels wide, within 5 px. */
export async function sidebarWidth(
  page: IJupyterLabPageFixture,
  panel: Locator,
  width: number
): Promise<void> {
  await page.evaluate((wanted: number) => {
    const shell = window.jupyterapp.shell as unknown as {
      _hsplitPanel: {
        node: HTMLElement;
        relativeSizes(): number[];
        setRelativeSizes(sizes: number[]): void;
      };
    };
    const split = shell._hsplitPanel;
    const total = split.node.getBoundingClientRect().width;
    const [left] = split.relativeSizes();
    const right = wanted / total;
    split.setRelativeSizes([left, 1 - left - right, right]);
  }, width);
  await expect
    .poll(async () => Math.round((await panel.boundingBox())!.width))
    .toBeGreaterThanOrEqual(width - 5);
  expect(Math.round((await panel.boundingBox())!.width)).toBeLessThanOrEqual(
    width + 5
  );
}
