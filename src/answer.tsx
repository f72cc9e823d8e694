/**
 * One answer of a turn: its explained steps, its trial run, and the actions on it.
 */
import { Clipboard } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import * as React from 'react';

import { answerMarkdown, ICandidateView, IChatTurn } from './conversation';
import { RenderedMarkdown } from './markdown';
import { PachincoModel } from './model';
import { InsertMode } from './session';
import { IRankedCandidate } from './protocol';
import {
  copiesOf,
  describeTrial,
  rankedOrder,
  shownIndex,
  trialOf
} from './ranking';

/**
 * One answer at a time, best first, with previous/next buttons (and the arrow keys).
 */
export function RankedAnswers(props: {
  turn: IChatTurn;
  model: PachincoModel;
  rendermime: IRenderMimeRegistry | null;
}): JSX.Element | null {
  const { turn, model, rendermime } = props;
  const index = shownIndex(turn);
  if (index === null) {
    return null;
  }
  const count = rankedOrder(turn).length;
  const position = Math.min(Math.max(turn.shown, 0), count - 1);
  const trial = trialOf(turn, index);
  return (
    <div
      className="jp-Pachinco-ranked"
      data-candidate={index}
      onKeyDown={event => {
        if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
          event.preventDefault();
          model.flip(turn, event.key === 'ArrowLeft' ? -1 : 1);
        }
      }}
    >
      {count > 1 && (
        <div className="jp-Pachinco-flip">
          <button
            className="jp-mod-styled jp-Pachinco-previous"
            aria-label="Previous answer"
            title="Previous answer (Left arrow)"
            disabled={position === 0}
            onClick={() => model.flip(turn, -1)}
          >
            ‹
          </button>
          <span className="jp-Pachinco-position" aria-live="polite">
            {position === 0 && turn.ranking !== null ? 'Chosen · ' : ''}
            {position + 1} of {count}
          </span>
          <button
            className="jp-mod-styled jp-Pachinco-next"
            aria-label="Next answer"
            title="Next answer (Right arrow)"
            disabled={position === count - 1}
            onClick={() => model.flip(turn, 1)}
          >
            ›
          </button>
        </div>
      )}
      {trial !== null && (
        <TrialView
          trial={trial}
          total={turn.candidates.length}
          intent={turn.ranking?.intent ?? null}
        />
      )}
      {copiesOf(turn, index) > 1 && (
        <p className="jp-Pachinco-hint jp-Pachinco-copies">
          {copiesOf(turn, index)} of the {turn.candidates.length} answers are
          this same code.
        </p>
      )}
      <CandidateView
        candidate={turn.candidates[index]}
        index={index}
        count={1}
        onInsert={mode => void model.insert(turn, index, mode)}
        rendermime={rendermime}
        replaceHint={
          turn.fixOf !== null ? 'Replace the cell that raised' : null
        }
      />
    </div>
  );
}

/**
 * What the trial run of an answer gave, as plain text (React escapes it).
 */
function TrialView(props: {
  trial: IRankedCandidate;
  total: number;
  intent: string | null;
}): JSX.Element {
  const { trial, total, intent } = props;
  const text = describeTrial(trial, total, intent);
  const lost = trial.verdict && trial.verdict !== 'kept';
  return (
    <div
      className="jp-Pachinco-trial"
      data-status={lost ? 'lost' : trial.status}
    >
      <p className="jp-Pachinco-trial-headline">{text.headline}</p>
      {text.detail && <pre className="jp-Pachinco-preview">{text.detail}</pre>}
    </div>
  );
}

/**
 * A Fix button for each cell this turn inserted that raised when run.
 */
export function FixActions(props: {
  turn: IChatTurn;
  model: PachincoModel;
}): JSX.Element | null {
  const { turn, model } = props;
  const failed = model.failedCellsOf(turn);
  if (failed.length === 0) {
    return null;
  }
  return (
    <div className="jp-Pachinco-repair" role="group" aria-label="Repair">
      {failed.map(cell => (
        <div key={cell.cellId} className="jp-Pachinco-failed">
          <p className="jp-Pachinco-hint">
            An inserted cell raised an error when it ran.
          </p>
          <button
            className="jp-mod-styled jp-mod-accept jp-Pachinco-fix"
            disabled={model.busy}
            onClick={() => void model.fix(cell)}
          >
            Fix
          </button>
        </div>
      ))}
    </div>
  );
}

export function CandidateView(props: {
  candidate: ICandidateView;
  index: number;
  count: number;
  onInsert: (mode: InsertMode) => void;
  rendermime: IRenderMimeRegistry | null;
  replaceHint: string | null;
}): JSX.Element {
  const { candidate, index, count, onInsert, rendermime, replaceHint } = props;
  const answer = candidate.answer;
  const prose = answer?.candidate.prose ?? '';
  // Streamed thinking, or (for thinking found in the answer's text) the parsed candidate's.
  const reasoning = candidate.reasoning || (answer?.candidate.reasoning ?? '');
  const hasSteps = candidate.steps.length > 0 || prose.trim().length > 0;
  const canInsert =
    answer !== null && answer.has_code !== false && answer.cells.length > 0;
  return (
    <div
      className="jp-Pachinco-answer"
      data-complete={answer !== null ? 'true' : 'false'}
    >
      {count > 1 && (
        <p className="jp-Pachinco-candidate-label">
          Answer {index + 1} of {count}
        </p>
      )}
      {reasoning.trim().length > 0 && (
        <details className="jp-Pachinco-reasoning">
          <summary>Thinking</summary>
          <pre className="jp-Pachinco-raw">{reasoning.trim()}</pre>
        </details>
      )}
      {hasSteps ? (
        <RenderedMarkdown
          text={answerMarkdown(candidate.steps, prose)}
          rendermime={rendermime}
        />
      ) : (
        <pre className="jp-Pachinco-raw">{candidate.text}</pre>
      )}
      {answer?.finish_reason === 'length' && (
        <p className="jp-Pachinco-hint">
          The answer reached its length limit and may be cut short.
        </p>
      )}
      {answer !== null && !canInsert && (
        <p className="jp-Pachinco-hint jp-Pachinco-no-code">
          No code: this answer holds nothing to insert. Try rephrasing the
          request.
        </p>
      )}
      {canInsert && (
        <div className="jp-Pachinco-actions">
          <button
            className="jp-mod-styled jp-Pachinco-insert-below"
            onClick={() => onInsert('below')}
          >
            Insert below
          </button>
          <button
            className="jp-mod-styled jp-Pachinco-insert-run"
            onClick={() => onInsert('run')}
          >
            Insert &amp; run
          </button>
          <button
            className="jp-mod-styled jp-Pachinco-replace"
            title={replaceHint ?? undefined}
            onClick={() => onInsert('replace')}
          >
            Replace cell
          </button>
          <CopyButton code={answer.candidate.code} />
        </div>
      )}
    </div>
  );
}

/**
 * Copy the code, and say so for a moment.
 */
function CopyButton(props: { code: string }): JSX.Element {
  const [said, setSaid] = React.useState<string | null>(null);
  React.useEffect(() => {
    if (said === null) {
      return;
    }
    const timer = window.setTimeout(() => setSaid(null), 2000);
    return () => window.clearTimeout(timer);
  }, [said]);
  return (
    <button
      className="jp-mod-styled jp-Pachinco-copy"
      aria-live="polite"
      onClick={() => {
        try {
          Clipboard.copyToSystem(props.code);
          setSaid('Copied ✓');
        } catch {
          setSaid('Could not copy');
        }
      }}
    >
      {said ?? 'Copy'}
    </button>
  );
}
