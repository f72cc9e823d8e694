/**
 * The conversation as plain data: how events change a turn, and how turns are stored in the
 * notebook's metadata (`metadata.pachinco.turns`, the shape `context/turns.py` reads).
 */
import {
  GenerateEvent,
  IAnswerEvent,
  ICandidate,
  IContextEvent,
  IRankingEvent,
  IStep,
  IStoredTurn,
  TurnOutcome
} from './protocol';

/**
 * The most turns kept in a notebook, as on the server.
 */
export const MAX_STORED_TURNS = 200;

export interface ICandidateView {
  /** The raw text so far, shown until steps are known. */
  text: string;
  /** A reasoning model's thinking so far, shown apart from the answer. */
  reasoning: string;
  steps: IStep[];
  answer: IAnswerEvent | null;
}

export type TurnPhase = 'streaming' | 'done' | 'stopped' | 'error';

export interface IChatTurn {
  requestId: string;
  intent: string;
  phase: TurnPhase;
  candidates: ICandidateView[];
  context: IContextEvent | null;
  error: { kind: string; message: string } | null;
  /** A turn read back from the notebook's metadata: its answer was kept. */
  stored: IStoredTurn | null;
  /** How many candidates are being trial-run, until their ranking arrives. */
  checking: number | null;
  /** The trial runs' verdict: the candidates best first. */
  ranking: IRankingEvent | null;
  /** Which answer is shown: a position in the ranked order (0: the chosen one). */
  shown: number;
  /** For a fix: the id of the cell that raised, which "Replace cell" acts on. */
  fixOf: string | null;
}

export function startTurn(requestId: string, intent: string): IChatTurn {
  return {
    requestId,
    intent,
    phase: 'streaming',
    candidates: [],
    context: null,
    error: null,
    stored: null,
    checking: null,
    ranking: null,
    shown: 0,
    fixOf: null
  };
}

/**
 * The turn after `event` (the input is not changed).
 */
export function applyEvent(turn: IChatTurn, event: GenerateEvent): IChatTurn {
  switch (event.type) {
    case 'context':
      return { ...turn, context: event };
    case 'delta':
      return updateCandidate(turn, event.index, c => ({
        ...c,
        text: c.text + event.text
      }));
    case 'reasoning':
      return updateCandidate(turn, event.index, c => ({
        ...c,
        reasoning: c.reasoning + event.text
      }));
    case 'steps':
      return updateCandidate(turn, event.index, c => ({
        ...c,
        steps: event.steps
      }));
    case 'answer':
      return updateCandidate(turn, event.index, c => ({
        ...c,
        steps: event.candidate.steps,
        answer: event
      }));
    case 'ranking_started':
      return { ...turn, checking: event.candidates };
    case 'ranking':
      return { ...turn, checking: null, ranking: event, shown: 0 };
    case 'done':
      return turn.phase === 'streaming' ? { ...turn, phase: 'done' } : turn;
    case 'error':
      return {
        ...turn,
        phase: 'error',
        error: { kind: event.kind, message: event.message }
      };
    default:
      return turn;
  }
}

function updateCandidate(
  turn: IChatTurn,
  index: number,
  change: (candidate: ICandidateView) => ICandidateView
): IChatTurn {
  const candidates = [...turn.candidates];
  while (candidates.length <= index) {
    candidates.push({ text: '', reasoning: '', steps: [], answer: null });
  }
  candidates[index] = change(candidates[index]);
  return { ...turn, candidates };
}

/**
 * Markdown for an answer's steps: each explanation, then its code in a fence.
 */
export function answerMarkdown(steps: IStep[], prose = ''): string {
  const parts = steps.map((step, i) => {
    const heading = step.explanation
      ? `**Step ${i + 1}.** ${step.explanation}`
      : `**Step ${i + 1}.**`;
    return step.code ? `${heading}\n\n${fence(step.code)}` : heading;
  });
  if (prose.trim()) {
    parts.push(prose.trim());
  }
  return parts.join('\n\n');
}

/**
 * A code fence longer than any backtick run inside the code.
 */
export function fence(code: string): string {
  const longest = Math.max(
    2,
    ...(code.match(/`+/g) ?? []).map(run => run.length)
  );
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}python\n${code}\n${ticks}`;
}

/**
 * The explanation kept in history: the steps' explanations as a numbered list.
 */
export function explanationOf(candidate: ICandidate): string {
  return candidate.steps
    .filter(step => step.explanation.trim())
    .map((step, i) => `${i + 1}. ${step.explanation}`)
    .join('\n');
}

/**
 * ISO 8601 UTC to the second, as Python's `isoformat(timespec="seconds")` writes it.
 */
export function utcTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/**
 * A turn as kept in the notebook: what was asked, the answer shown (its code and
 * explanation, or none), and whether it is in the notebook.
 */
export function storedTurnOf(
  requestId: string,
  intent: string,
  candidate: ICandidate | null,
  when: Date,
  outcome: TurnOutcome
): IStoredTurn {
  return {
    intent,
    code: candidate?.code ?? '',
    explanation: candidate ? explanationOf(candidate) : '',
    time: utcTime(when),
    request_id: requestId,
    inserted: false,
    outcome
  };
}

/**
 * Whether a stored turn's answer is in the notebook (older entries without the field were
 * only ever written when inserted).
 */
export function isInserted(stored: IStoredTurn): boolean {
  return stored.inserted !== false;
}

/**
 * The turns in our metadata entry (`metadata.pachinco`); malformed entries are left out.
 */
export function readStoredTurns(ours: unknown): IStoredTurn[] {
  const turns = isRecord(ours) ? ours.turns : undefined;
  if (!Array.isArray(turns)) {
    return [];
  }
  const kept: IStoredTurn[] = [];
  for (const entry of turns) {
    if (
      isRecord(entry) &&
      typeof entry.intent === 'string' &&
      typeof entry.code === 'string'
    ) {
      kept.push({
        intent: entry.intent,
        code: entry.code,
        explanation:
          typeof entry.explanation === 'string' ? entry.explanation : '',
        time: typeof entry.time === 'string' ? entry.time : '',
        ...optionalFields(entry)
      });
    }
  }
  return kept;
}

const OUTCOMES: TurnOutcome[] = ['answered', 'no code', 'failed', 'stopped'];

function optionalFields(entry: Record<string, unknown>): Partial<IStoredTurn> {
  const found: Partial<IStoredTurn> = {};
  for (const name of ['request_id', 'inserted_code'] as const) {
    if (typeof entry[name] === 'string') {
      found[name] = entry[name] as string;
    }
  }
  for (const name of ['inserted', 'undone'] as const) {
    if (typeof entry[name] === 'boolean') {
      found[name] = entry[name] as boolean;
    }
  }
  if (OUTCOMES.includes(entry.outcome as TurnOutcome)) {
    found.outcome = entry.outcome as TurnOutcome;
  }
  return found;
}

/**
 * Our metadata entry with `turn` in it: in place of the entry with its `request_id` (one
 * entry per request, however often it is stored), else appended (newest `max` kept);
 * other keys are kept.
 */
export function withStoredTurn(
  ours: unknown,
  turn: IStoredTurn,
  max = MAX_STORED_TURNS
): Record<string, unknown> {
  const base = isRecord(ours) ? { ...ours } : {};
  const turns = readStoredTurns(ours);
  const at =
    turn.request_id === undefined
      ? -1
      : turns.findIndex(t => t.request_id === turn.request_id);
  if (at >= 0) {
    turns[at] = turn;
  } else {
    turns.push(turn);
  }
  return { ...base, turns: turns.slice(-max) };
}

/**
 * A stored turn shown again in the sidebar (its request id kept, so that an undo of its
 * insertion is still noticed).
 */
export function turnFromStored(stored: IStoredTurn, index: number): IChatTurn {
  return {
    ...startTurn(stored.request_id ?? `stored-${index}`, stored.intent),
    phase: 'done',
    stored
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Markdown for a turn read back from history: its explanation, then its code.
 */
export function storedMarkdown(stored: IStoredTurn): string {
  const parts = [
    stored.explanation.trim(),
    stored.code ? fence(stored.code) : ''
  ];
  return parts.filter(part => part.length > 0).join('\n\n');
}

/**
 * The chat turns and the agent runs in the order they were asked: a run goes after the chat
 * turns there were when it started.
 */
export function conversationOrder(
  turns: number,
  runs: readonly { after: number }[]
): Array<{ kind: 'turn' | 'run'; index: number }> {
  const order: Array<{ kind: 'turn' | 'run'; index: number }> = [];
  let next = 0;
  for (let t = 0; t <= turns; t++) {
    while (next < runs.length && runs[next].after <= t) {
      order.push({ kind: 'run', index: next++ });
    }
    if (t < turns) {
      order.push({ kind: 'turn', index: t });
    }
  }
  while (next < runs.length) {
    order.push({ kind: 'run', index: next++ });
  }
  return order;
}
