import { createClient, type Client, type ClientOptions, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

/** A GraphQL response as it arrives over the wire. */
export interface GqlResult<D = any> {
  data?: D | null;
  errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, any> }>;
  extensions?: Record<string, unknown>;
}

export interface GqlHttpResponse<D = any> {
  status: number;
  headers: Headers;
  /** The parsed JSON body (undefined if the body was not JSON; see `text`). */
  body: GqlResult<D> | undefined;
  text: string;
}

/** POSTs one operation and returns status, headers and the parsed body. Never throws on 4xx/5xx. */
export async function gqlHttpResponse<D = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<GqlHttpResponse<D>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let body: GqlResult<D> | undefined;
  try {
    body = JSON.parse(text) as GqlResult<D>;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** POSTs one operation and returns the parsed JSON body (throws if the body is not JSON). */
export async function gqlHttp<D = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GqlResult<D>> {
  const res = await gqlHttpResponse<D>(url, query, variables, headers);
  if (res.body === undefined) throw new Error(`gqlHttp: HTTP ${res.status}, body is not JSON: ${res.text.slice(0, 500)}`);
  return res.body;
}

/** The headers the backend wants from its trusted caller: the internal token and the asserted user. */
export function backendHeaders(token: string, user?: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...(user === undefined ? {} : { 'x-longrun-user': user }) };
}

/** The first error's `extensions.code`, or undefined. */
export function errorCode(result: GqlResult | undefined): string | undefined {
  return result?.errors?.[0]?.extensions?.code;
}

export interface WsClient extends Client {
  /** Every close event this client saw (code and reason), in order. */
  readonly closes: Array<{ code: number; reason: string }>;
  /** How many times the socket was opened. */
  readonly connects: () => number;
}

const liveClients = new Set<Client>();

/** One `next` payload of a subscription. */
export type Result<D> = FormattedExecutionResult<D, unknown>;

/**
 * A graphql-ws client over `ws`. Defaults suit tests: lazy, no retries (so a refused
 * connection surfaces at once in the subscription's `error`). Dispose it (or call
 * `disposeAllClients()` in `after`), or its socket keeps the test process alive.
 */
export function wsClient(url: string, options: Partial<ClientOptions> = {}): WsClient {
  const closes: Array<{ code: number; reason: string }> = [];
  let connects = 0;
  const userOn = options.on ?? {};
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    ...options,
    on: {
      ...userOn,
      connected: (...args) => {
        connects += 1;
        userOn.connected?.(...args);
      },
      closed: (event) => {
        const e = event as { code?: number; reason?: string };
        closes.push({ code: e?.code ?? 0, reason: String(e?.reason ?? '') });
        userOn.closed?.(event);
      },
    },
  });
  liveClients.add(client);
  const dispose = client.dispose.bind(client);
  return Object.assign(client, {
    closes,
    connects: () => connects,
    dispose: () => {
      liveClients.delete(client);
      return dispose();
    },
  });
}

/** A client for the backend: internal token in connectionParams. */
export function backendWsClient(wsUrl: string, token: string | undefined, options: Partial<ClientOptions> = {}): WsClient {
  return wsClient(wsUrl, { connectionParams: token === undefined ? {} : { token }, ...options });
}

export async function disposeAllClients(): Promise<void> {
  await Promise.all(
    [...liveClients].map(async (c) => {
      liveClients.delete(c);
      await c.dispose();
    }),
  );
}

export interface CollectResult<D = any> {
  /** Every `next` payload, in order. */
  results: Result<D>[];
  /** `results[i].data`, for convenience. */
  data: D[];
  /** Set when the operation ended with an error (GraphQL errors array, a CloseEvent, or an Error). */
  error?: unknown;
  /** True when it ended with `complete`. */
  completed: boolean;
  /**
   * Every GraphQL error the operation got, wherever it came from: graphql-ws delivers errors
   * raised while creating the event stream (e.g. NOT_FOUND) as a `next` with `errors`, then
   * `complete`; validation errors arrive as an `error` message.
   */
  errors: NonNullable<Result<unknown>['errors']>[number][];
}

/** A live subscription: what arrived so far, a way to wait for a particular event, and its end. */
export interface Watch<D = any> {
  readonly results: Result<D>[];
  readonly data: D[];
  /** Resolves with how it ended (complete or error); never rejects. */
  readonly done: Promise<CollectResult<D>>;
  /** Resolves with the first payload (already received or future) whose data matches. */
  waitFor(predicate: (data: D, result: Result<D>) => boolean, timeoutMs: number): Promise<D>;
  unsubscribe(): void;
}

/** Starts a subscription and records everything it receives. */
export function watch<D = any>(client: Client, query: string, variables?: Record<string, unknown>, extensions?: Record<string, unknown>): Watch<D> {
  const results: Result<D>[] = [];
  const data: D[] = [];
  type Waiter = { predicate: (d: D, r: Result<D>) => boolean; resolve: (d: D) => void };
  const waiters = new Set<Waiter>();
  let resolveDone!: (r: CollectResult<D>) => void;
  const done = new Promise<CollectResult<D>>((r) => (resolveDone = r));
  let ended = false;
  const end = (completed: boolean, error?: unknown) => {
    if (ended) return;
    ended = true;
    const errors = results.flatMap((r) => r.errors ?? []);
    if (Array.isArray(error)) errors.push(...error);
    resolveDone({ results, data, completed, error, errors });
  };
  const unsubscribe = client.subscribe<D, unknown>(
    { query, variables, extensions },
    {
      next: (result) => {
        results.push(result);
        if (result.data !== undefined && result.data !== null) {
          data.push(result.data);
          for (const w of [...waiters]) {
            if (w.predicate(result.data, result)) {
              waiters.delete(w);
              w.resolve(result.data);
            }
          }
        }
      },
      error: (error) => end(false, error),
      complete: () => end(true),
    },
  );
  return {
    results,
    data,
    done,
    unsubscribe: () => {
      unsubscribe();
      end(false, new Error('unsubscribed'));
    },
    waitFor(predicate, timeoutMs) {
      for (let i = 0; i < results.length; i++) {
        const r = results[i];
        if (r.data !== undefined && r.data !== null && predicate(r.data, r)) return Promise.resolve(r.data);
      }
      return new Promise<D>((resolve, reject) => {
        const waiter: Waiter = {
          predicate,
          resolve: (d) => {
            clearTimeout(timer);
            resolve(d);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`watch.waitFor: no matching event within ${timeoutMs} ms; got ${JSON.stringify(results)}`));
        }, timeoutMs);
        waiters.add(waiter);
        done.then((r) => {
          if (!waiters.delete(waiter)) return;
          clearTimeout(timer);
          reject(new Error(`watch.waitFor: the subscription ended without a matching event: ${JSON.stringify(r.results)} ${describe(r.error)}`));
        });
      });
    },
  };
}

/**
 * Subscribes and gathers every `next` until complete or error. Rejects (after unsubscribing)
 * if neither happens within `timeoutMs`, listing what arrived.
 */
export async function collect<D = any>(
  client: Client,
  query: string,
  variables?: Record<string, unknown>,
  extensions?: Record<string, unknown>,
  timeoutMs = 30_000,
): Promise<CollectResult<D>> {
  return settle(watch<D>(client, query, variables, extensions), timeoutMs);
}

/** Waits for a running watch to end, bounded: rejects (and unsubscribes) after `timeoutMs`. */
export async function settle<D>(w: Watch<D>, timeoutMs: number): Promise<CollectResult<D>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([w.done, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    const got = JSON.stringify(w.results);
    w.unsubscribe();
    throw new Error(`subscription neither completed nor failed within ${timeoutMs} ms; received: ${got}`);
  }
  return outcome;
}

/** A readable form of a subscription error (GraphQL errors, CloseEvent or Error). */
export function describe(error: unknown): string {
  if (error === undefined) return '';
  if (error instanceof Error) return error.message;
  if (Array.isArray(error)) return JSON.stringify(error);
  const e = error as { code?: number; reason?: string };
  if (typeof e?.code === 'number') return `close ${e.code} ${e.reason ?? ''}`;
  return JSON.stringify(error);
}
