import type { IncomingMessage } from 'node:http';
import { print } from 'graphql';
import { TasksDocument, type TaskFieldsFragment, type TasksQuery } from '../graphql/generated/graphql.js';
import { TASKS_VARIABLES } from '../graphql/task-list.js';
import { GATEWAY_GRAPHQL_PATH } from '@longrun/server-common';
import type { Gateway, ServerContext } from './gateway/yoga.js';
import { encodePageData, PAGE_DATA_HEADER } from './page-data.js';

/**
 * How long the first view may wait for the list. A slow backend must not hold the whole page:
 * past this the shell is sent without the list and the client loads it (and says what is wrong).
 */
const LIST_WAIT_MS = 1500;

const LIST_REQUEST = JSON.stringify({
  query: print(TasksDocument),
  variables: TASKS_VARIABLES,
  // The page's own operation: accepted with TRUSTED_DOCUMENTS=true too.
  extensions: { persistedQuery: { version: 1, sha256Hash: (TasksDocument as { __meta__?: { hash?: string } }).__meta__?.hash } },
});

/**
 * Before Next renders the page: the session's tasks, read through the gateway in-process (same
 * schema, limits, masking and trusted documents as /api/graphql), into the page-data header.
 * No header when that is not possible in time (backend down or slow): the page then renders
 * without the list, and the browser loads it itself and shows what went wrong.
 */
export function pageDataReader(gateway: Gateway) {
  return async (req: IncomingMessage, user: string): Promise<void> => {
    delete req.headers[PAGE_DATA_HEADER];
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/') return;
    const tasks = await withDeadline(readTasks(gateway, user), LIST_WAIT_MS).catch(() => null);
    if (tasks) req.headers[PAGE_DATA_HEADER] = encodePageData(tasks);
  };
}

async function readTasks(gateway: Gateway, user: string): Promise<TaskFieldsFragment[] | null> {
  const response = await gateway.yoga.fetch(
    `http://localhost${GATEWAY_GRAPHQL_PATH}`,
    { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: LIST_REQUEST },
    // Only `user` is read from the server context (see yoga.ts); there is no socket here.
    { user } as ServerContext,
  );
  const result = (await response.json()) as { data?: TasksQuery; errors?: unknown[] };
  return result.errors?.length || !result.data ? null : result.data.tasks;
}

async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([work, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)))]).finally(() => clearTimeout(timer));
}
