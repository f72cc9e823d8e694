/**
 * An agent run in the conversation: the task, the plan to edit before *Go*, the timeline of
 * steps (each with its state, code, vote and what it produced on the scratch copy), and the
 * controls to stop, retry and take the result into the notebook.
 *
 * Model text is shown through JupyterLab's rendermime as untrusted (sanitized); what a step
 * produced is `observationView.tsx`'s.
 */
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import * as React from 'react';

import { AgentModel, IPlacedRun } from './agentModel';
import {
  addStep,
  deleteStep,
  editStep,
  moveStep,
  planProblem,
  retryProblem
} from './agentPlan';
import { MAX_PLAN_STEPS, MAX_STEP_CHARS } from './agentProtocol';
import { IAgentRun, isActive, ITimelineStep, workedSteps } from './agentRun';
import { runStatusText, stepStateText } from './agentWords';
import { fence } from './conversation';
import { GrowingTextArea } from './growingTextArea';
import { RenderedMarkdown } from './markdown';
import { ObservationView } from './observationView';

export function AgentRunView(props: {
  placed: IPlacedRun;
  agent: AgentModel;
  rendermime: IRenderMimeRegistry | null;
}): JSX.Element {
  const { placed, agent, rendermime } = props;
  const run = placed.run;
  const active = isActive(run);
  return (
    <section
      className="jp-Pachinco-turn jp-Pachinco-agentRun"
      data-phase={run.phase}
      aria-label={`Work through: ${run.task}`}
    >
      <p className="jp-Pachinco-turn-intent">
        <span className="jp-Pachinco-agentBadge">Work through it</span>{' '}
        {run.task}
      </p>
      <p
        className="jp-Pachinco-agentStatus"
        role="status"
        aria-live="polite"
        aria-busy={active}
      >
        {runStatusText(run)}
      </p>
      {run.planDraft && (
        <pre className="jp-Pachinco-draft">{run.planDraft}</pre>
      )}
      {run.phase === 'editing' ? (
        <PlanEditor run={run} agent={agent} />
      ) : (
        run.steps.length > 0 && (
          <ol className="jp-Pachinco-timeline" aria-label="Steps">
            {run.steps.map(step => (
              <StepView
                key={step.number}
                run={run}
                step={step}
                agent={agent}
                rendermime={rendermime}
              />
            ))}
          </ol>
        )
      )}
      {run.error !== null && (
        <p className="jp-Pachinco-error" role="alert">
          {run.error.message}
        </p>
      )}
      <RunActions run={run} agent={agent} />
    </section>
  );
}

/**
 * The plan before *Go*: each step's text editable in place, moved up or down, deleted, and
 * new steps added. Every control is a button or a text box: all reachable with Tab.
 */
function PlanEditor(props: { run: IAgentRun; agent: AgentModel }): JSX.Element {
  const { run, agent } = props;
  const plan = run.plan;
  const set = (next: string[]) => agent.editPlan(run.requestId, next);
  const problem = planProblem(plan);
  return (
    <div className="jp-Pachinco-plan">
      <p className="jp-Pachinco-hint">
        Each step runs on a scratch copy of your kernel: nothing reaches your
        kernel or your notebook until you insert it.
      </p>
      <ol className="jp-Pachinco-planSteps">
        {plan.map((text, i) => (
          <li key={i} className="jp-Pachinco-planStep">
            <span className="jp-Pachinco-stepNumber" aria-hidden="true">
              {i + 1}.
            </span>
            <GrowingTextArea
              autoFocus={i === 0}
              className="jp-Pachinco-planText"
              aria-label={`Step ${i + 1}`}
              maxLength={MAX_STEP_CHARS}
              value={text}
              onChange={event => set(editStep(plan, i, event.target.value))}
            />
            <span className="jp-Pachinco-planTools">
              <button
                className="jp-ToolbarButtonComponent jp-mod-minimal jp-Button"
                aria-label={`Move step ${i + 1} up`}
                title="Move up"
                disabled={i === 0}
                onClick={() => set(moveStep(plan, i, -1))}
              >
                ↑
              </button>
              <button
                className="jp-ToolbarButtonComponent jp-mod-minimal jp-Button"
                aria-label={`Move step ${i + 1} down`}
                title="Move down"
                disabled={i === plan.length - 1}
                onClick={() => set(moveStep(plan, i, 1))}
              >
                ↓
              </button>
              <button
                className="jp-ToolbarButtonComponent jp-mod-minimal jp-Button jp-Pachinco-deleteStep"
                aria-label={`Delete step ${i + 1}`}
                title="Delete"
                onClick={() => set(deleteStep(plan, i))}
              >
                ×
              </button>
            </span>
          </li>
        ))}
      </ol>
      <div className="jp-Pachinco-actions">
        <button
          className="jp-mod-styled"
          disabled={plan.length >= MAX_PLAN_STEPS}
          title={
            plan.length >= MAX_PLAN_STEPS
              ? `A plan has at most ${MAX_PLAN_STEPS} steps`
              : undefined
          }
          onClick={() => set(addStep(plan, plan.length - 1))}
        >
          Add a step
        </button>
        <button
          className="jp-mod-styled jp-mod-accept jp-Pachinco-go"
          disabled={problem !== null || agent.busy}
          title={problem ?? undefined}
          aria-describedby={problem !== null ? planProblemId(run) : undefined}
          onClick={() => void agent.go(run.requestId)}
        >
          Go
        </button>
      </div>
      {problem !== null && (
        <p
          className="jp-Pachinco-hint jp-Pachinco-planProblem"
          id={planProblemId(run)}
        >
          {problem}
        </p>
      )}
    </div>
  );
}

function StepView(props: {
  run: IAgentRun;
  step: ITimelineStep;
  agent: AgentModel;
  rendermime: IRenderMimeRegistry | null;
}): JSX.Element {
  const { run, step, agent, rendermime } = props;
  const [editing, setEditing] = React.useState(false);
  const accepted = step.accepted;
  const idle = !isActive(run) && run.phase !== 'editing';
  const cannotRetry = retryProblem(run, step.number);
  return (
    <li
      className="jp-Pachinco-step"
      data-state={step.state}
      aria-label={`Step ${step.number}: ${stepStateText(step)}`}
    >
      <div className="jp-Pachinco-stepHead">
        <span className="jp-Pachinco-stepNumber">{step.number}</span>
        <span className="jp-Pachinco-stepText">{step.text}</span>
        <span className="jp-Pachinco-stepState" data-state={step.state}>
          {stepStateText(step)}
        </span>
      </div>
      {step.vote && <p className="jp-Pachinco-vote">{step.vote}</p>}
      {step.failure && step.state !== 'done' && (
        <p className="jp-Pachinco-stepFailure">
          {step.failure.reason}
          {step.failure.error ? `: ${step.failure.error}` : ''}
        </p>
      )}
      {step.failure && step.state === 'done' && (
        <details className="jp-Pachinco-repaired">
          <summary>
            Repaired: the first code failed (
            {step.failure.error ?? step.failure.reason})
          </summary>
          <pre>{step.failure.code}</pre>
        </details>
      )}
      {accepted === null && step.drafts.length > 0 && (
        <details className="jp-Pachinco-stepDraft" open={isActive(run)}>
          <summary>
            {step.drafts.length > 1
              ? `The model's text (candidate 1 of ${step.drafts.length})`
              : "The model's text"}
          </summary>
          <pre className="jp-Pachinco-draft">{step.drafts[0]}</pre>
        </details>
      )}
      {accepted !== null && (
        <>
          {accepted.explanation && accepted.explanation !== step.text && (
            <p className="jp-Pachinco-stepExplanation">
              {accepted.explanation}
            </p>
          )}
          <details className="jp-Pachinco-stepCode" open>
            <summary>Code</summary>
            <RenderedMarkdown
              text={fence(accepted.code)}
              rendermime={rendermime}
            />
          </details>
          <ObservationView
            observation={accepted.observation}
            rendermime={rendermime}
          />
        </>
      )}
      {idle && editing && (
        <GrowingTextArea
          className="jp-Pachinco-planText"
          aria-label={`Step ${step.number}, to work again`}
          maxLength={MAX_STEP_CHARS}
          autoFocus
          value={step.text}
          onChange={event =>
            agent.editStep(run.requestId, step.number, event.target.value)
          }
        />
      )}
      {idle && (
        <div className="jp-Pachinco-actions">
          {accepted !== null && (
            <button
              className="jp-mod-styled jp-Pachinco-insertStep"
              aria-label={`Insert step ${step.number}`}
              onClick={() => void agent.insertStep(run.requestId, step.number)}
            >
              Insert
            </button>
          )}
          {canRetryFrom(run, step) && (
            <>
              <button
                className="jp-mod-styled jp-Pachinco-editStep"
                aria-label={`Edit step ${step.number}`}
                aria-pressed={editing}
                onClick={() => setEditing(!editing)}
              >
                {editing ? 'Done editing' : 'Edit'}
              </button>
              <button
                className="jp-mod-styled jp-Pachinco-retry"
                aria-label={`Retry from step ${step.number}`}
                disabled={agent.busy || cannotRetry !== null}
                title={cannotRetry ?? undefined}
                onClick={() => {
                  setEditing(false);
                  void agent.retryFrom(run.requestId, step.number);
                }}
              >
                Retry from here
              </button>
            </>
          )}
        </div>
      )}
    </li>
  );
}

function planProblemId(run: IAgentRun): string {
  return `jp-Pachinco-planProblem-${run.requestId}`;
}

/** Retry from a step when every step before it worked, and it or a later one did not. */
function canRetryFrom(run: IAgentRun, step: ITimelineStep): boolean {
  const before = run.steps.filter(s => s.number < step.number);
  return (
    before.every(s => s.accepted !== null) &&
    (step.accepted === null || run.phase !== 'finished')
  );
}

/**
 * Stop while the run goes; then *Insert all* and *Insert & run all* (after a warning when the
 * kernel ran code since the scratch copy was made).
 */
function RunActions(props: {
  run: IAgentRun;
  agent: AgentModel;
}): JSX.Element | null {
  const { run, agent } = props;
  const [confirming, setConfirming] = React.useState<'below' | 'run' | null>(
    null
  );
  if (isActive(run)) {
    return (
      <div className="jp-Pachinco-actions">
        <button
          className="jp-mod-styled jp-mod-warn jp-Pachinco-stopRun"
          onClick={() => void agent.stop()}
        >
          Stop
        </button>
      </div>
    );
  }
  const worked = workedSteps(run).length;
  if (worked === 0 || run.phase === 'editing') {
    return null;
  }
  // Once the cells are in the notebook, another press adds a second copy: the label says so.
  const again = run.inserted ? ' again' : '';
  const take = (mode: 'below' | 'run') => {
    if (confirming === null && agent.kernelChangedSince(run.requestId)) {
      setConfirming(mode);
      return;
    }
    setConfirming(null);
    void agent.insertAll(run.requestId, mode);
  };
  return (
    <div className="jp-Pachinco-runActions">
      {run.inserted ? (
        <p className="jp-Pachinco-turn-state">Inserted into the notebook.</p>
      ) : (
        agent.wasUndone(run.requestId) && (
          <p className="jp-Pachinco-turn-state">Insertion undone.</p>
        )
      )}
      {confirming !== null && (
        <div className="jp-Pachinco-banner" role="alert">
          <span>
            Your kernel ran code since the scratch copy was made: these steps
            ran on the state before, and may not run the same now.
          </span>
          <button
            className="jp-mod-styled jp-mod-warn jp-Pachinco-insertAnyway"
            onClick={() => take(confirming)}
          >
            Insert anyway
          </button>
          <button className="jp-mod-styled" onClick={() => setConfirming(null)}>
            Cancel
          </button>
        </div>
      )}
      <div className="jp-Pachinco-actions">
        <button
          className="jp-mod-styled jp-mod-accept jp-Pachinco-insertAll"
          aria-label={`Insert all ${worked} steps${again}`}
          onClick={() => take('below')}
        >
          Insert all{again}
        </button>
        <button
          className="jp-mod-styled jp-Pachinco-insertRunAll"
          aria-label={`Insert and run all ${worked} steps${again}`}
          onClick={() => take('run')}
        >
          Insert &amp; run all{again}
        </button>
      </div>
    </div>
  );
}
