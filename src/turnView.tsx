/**
 * One turn of the conversation: the question, the answers as they stream, their trial runs,
 * what became of them (inserted, not, undone), and its error.
 */
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import * as React from 'react';

import { IChatTurn, storedMarkdown } from './conversation';
import { CandidateView, FixActions, RankedAnswers } from './answer';
import { RenderedMarkdown } from './markdown';
import { PachincoModel } from './model';
import { showsOneAtATime } from './ranking';
import { turnStateText } from './turnRecords';

export function TurnView(props: {
  turn: IChatTurn;
  model: PachincoModel;
  rendermime: IRenderMimeRegistry | null;
}): JSX.Element {
  const { turn, model, rendermime } = props;
  const live = turn.candidates.length > 0;
  const stored = turn.stored;
  // A live answer without code says so itself (CandidateView): the kept turn's line would
  // say it a second time.
  const saidAlready =
    live &&
    stored?.outcome === 'no code' &&
    stored.inserted === false &&
    stored.undone !== true;
  return (
    <section className="jp-Pachinco-turn" data-phase={turn.phase}>
      <p className="jp-Pachinco-turn-intent">{turn.intent}</p>
      {turn.context?.notice && (
        <p className="jp-Pachinco-notice">{turn.context.notice}</p>
      )}
      {turn.phase === 'streaming' && !live && (
        <p className="jp-Pachinco-hint" aria-busy="true">
          Thinking…
        </p>
      )}
      {turn.checking !== null && turn.ranking === null && (
        <p className="jp-Pachinco-hint jp-Pachinco-checking" aria-busy="true">
          Checking the answers on a copy of your variables…
        </p>
      )}
      {turn.ranking?.notice && (
        <p className="jp-Pachinco-notice">{turn.ranking.notice}</p>
      )}
      {turn.ranking !== null && turn.ranking.summary && (
        <p className="jp-Pachinco-vote">{turn.ranking.summary}</p>
      )}
      {showsOneAtATime(turn) ? (
        <RankedAnswers turn={turn} model={model} rendermime={rendermime} />
      ) : (
        turn.candidates.map((candidate, index) => (
          <CandidateView
            key={index}
            candidate={candidate}
            index={index}
            count={turn.candidates.length}
            onInsert={mode => void model.insert(turn, index, mode)}
            rendermime={rendermime}
            replaceHint={
              turn.fixOf !== null ? 'Replace the cell that raised' : null
            }
          />
        ))
      )}
      {!live && stored !== null && storedMarkdown(stored) && (
        <div className="jp-Pachinco-answer" data-stored="true">
          <RenderedMarkdown
            text={storedMarkdown(stored)}
            rendermime={rendermime}
          />
        </div>
      )}
      {stored !== null && !saidAlready && (
        <p
          className={`jp-Pachinco-turn-state${stored.inserted !== false ? ' jp-Pachinco-kept' : ''}`}
          data-inserted={stored.inserted !== false ? 'true' : 'false'}
          data-undone={stored.undone ? 'true' : 'false'}
        >
          {turnStateText(stored)}
        </p>
      )}
      {turn.phase === 'stopped' && stored === null && (
        <p className="jp-Pachinco-hint">Stopped.</p>
      )}
      <FixActions turn={turn} model={model} />
      {turn.error !== null && (
        <div className="jp-Pachinco-error jp-Pachinco-turn-error" role="alert">
          {turn.error.message}
        </div>
      )}
    </section>
  );
}
