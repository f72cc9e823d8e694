import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import * as path from 'path';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** A notebook whose first cell builds a DataFrame, then the given cells. */
export function notebookWith(
  cells: Array<{ cell_type: 'code' | 'markdown'; source: string }>
): string {
  const first = {
    cell_type: 'code',
    source:
      "import pandas as pd\norders = pd.DataFrame({'price': [3.0, 5.0, 10.0], 'city': ['Paris', 'Lyon', 'Paris']})\norders",
    metadata: {},
    outputs: [],
    execution_count: null
  };
  const rest = cells.map(cell =>
    cell.cell_type === 'code'
      ? { ...cell, metadata: {}, outputs: [], execution_count: null }
      : { ...cell, metadata: {} }
  );
  return JSON.stringify({
    cells: [first, ...rest],
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
