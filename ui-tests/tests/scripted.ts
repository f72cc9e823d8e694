/**
 * The intents the scripted model server answers (`../scripted_answers.py` holds the answers)
 * and the server's control endpoints: what it saw, going down and coming back.
 */
import { APIRequestContext } from '@playwright/test';

export const INTENTS = {
  quickstart:
    'average fare per passenger class, as a percentage of the overall average',
  cityAverage: 'average price per city',
  total: 'total price',
  ranked: 'city of the most expensive order',
  broken: 'price with tax',
  slow: 'count the orders slowly',
  markup: 'show the data',
  thinking: 'mean price, after some thought',
  whichModel: 'which model answers',
  long: 'a long answer, please',
  gentle: 'tally the orders gently',
  // The agent's acceptance task of tests/agent/task.py (`AGENT_INTENT` there).
  agent: 'mean fare per person in each passenger class, highest first',
  // The agent in the sidebar (`SIDEBAR_AGENT_INTENT`, `SLOW_AGENT_INTENT` there).
  sidebarAgent: 'mean fare per person in each class, as a table and a chart',
  slowAgent: 'mean fare per person in each passenger class, without hurry'
};

/** The rule that answers step 1 of every agent task here (the same first step). */
export const AGENT_STEP_1 =
  "Write the code for step 1 only: Work out the fare each person paid: the fare divided by the party's size.";

/** The rule that would answer step 5 of the sidebar agent's plan (deleted before Go). */
export const SIDEBAR_SAVE_STEP =
  'Write the code for step 5 only: Save the chart to a file.';

/** The rule that answers the agent's repair of its step 2 (`AGENT_REPAIR`). */
export const AGENT_REPAIR = "KeyError: 'Column not found: per_persn'";

const controlPort = process.env.PACHINCO_UI_MODEL_CONTROL_PORT || '8895';
const control = `http://127.0.0.1:${controlPort}/_script`;

export interface IScriptedRequest {
  path: string;
  /** The scripted rule that answered it, or null. */
  rule: string | null;
  state: 'streaming' | 'done' | 'closed_by_client';
  n: number;
  asked: string;
}

export interface IScriptedStatus {
  listening: boolean;
  requests: IScriptedRequest[];
}

/** What the scripted model server saw, from its control port. */
export async function scriptedStatus(
  request: APIRequestContext
): Promise<IScriptedStatus> {
  return (await (
    await request.get(`${control}/status`)
  ).json()) as IScriptedStatus;
}

/** The model server stops listening: connections to it are refused. */
export async function modelDown(request: APIRequestContext): Promise<void> {
  await request.post(`${control}/down`);
}

/** The model server listens again on its port. */
export async function modelUp(request: APIRequestContext): Promise<void> {
  await request.post(`${control}/up`);
}

/** The requests whose problem line is `intent`. */
export function requestsFor(
  status: IScriptedStatus,
  intent: string
): IScriptedRequest[] {
  return status.requests.filter(seen => seen.rule === `Problem: ${intent}`);
}
