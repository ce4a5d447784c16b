import type { IncomingMessage } from 'node:http';
import { print, type DocumentNode } from 'graphql';
import { TaskHistoryDocument, TaskKindsDocument } from '../graphql/generated/graphql.js';
import { listVariables, parseListFilter } from '../graphql/task-list.js';
import { GATEWAY_GRAPHQL_PATH } from '@longrun/server-common';
import type { Gateway, ServerContext } from './gateway/yoga.js';
import { encodePageData, PAGE_DATA_HEADER, type PageData } from './page-data.js';

/**
 * How long the first view may wait for its data. A slow backend must not hold the whole page:
 * past this the shell is sent without it and the client loads it (and says what is wrong).
 */
const LIST_WAIT_MS = 1500;

/** A request body for one of the page's own operations: accepted with TRUSTED_DOCUMENTS=true too. */
function pageRequest(document: DocumentNode, variables: Record<string, unknown>): string {
  const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
  return JSON.stringify({ query: print(document), variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
}

const KINDS_REQUEST = pageRequest(TaskKindsDocument, {});

/**
 * Before Next renders the page: the session's tasks and the kinds the start form offers, read
 * through the gateway in-process (same schema, limits, masking and trusted documents as
 * /api/graphql), into the page-data header. What cannot be read in time (backend down or slow)
 * is left out: the browser then loads it itself and shows what went wrong.
 */
export function pageDataReader(gateway: Gateway) {
  return async (req: IncomingMessage, user: string): Promise<void> => {
    delete req.headers[PAGE_DATA_HEADER];
    const [path, query = ''] = (req.url ?? '/').split('?', 2);
    if (req.method !== 'GET' || path !== '/') return;
    // The list's filter is in the URL query (`?status=ERROR&kind=primes`), as the page keeps it.
    const filter = parseListFilter(query);
    const read = <T>(body: string) => withDeadline(readData<T>(gateway, user, body), LIST_WAIT_MS).catch(() => null);
    const [list, kinds] = await Promise.all([
      read<{ taskHistory: PageData['history'] }>(pageRequest(TaskHistoryDocument, listVariables(filter))),
      read<Pick<PageData, 'taskKinds'>>(KINDS_REQUEST),
    ]);
    const data: PageData = { filter, history: list?.taskHistory ?? null, taskKinds: kinds?.taskKinds ?? null };
    req.headers[PAGE_DATA_HEADER] = encodePageData(data);
  };
}

async function readData<T>(gateway: Gateway, user: string, body: string): Promise<T | null> {
  const response = await gateway.yoga.fetch(
    `http://localhost${GATEWAY_GRAPHQL_PATH}`,
    { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body },
    // Only `user` is read from the server context (see yoga.ts); there is no socket here.
    { user } as ServerContext,
  );
  const result = (await response.json()) as { data?: T; errors?: unknown[] };
  return result.errors?.length || !result.data ? null : result.data;
}

async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([work, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)))]).finally(() => clearTimeout(timer));
}
