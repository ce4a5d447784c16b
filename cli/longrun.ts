#!/usr/bin/env node
/**
 * A typed terminal client for longrun's public API (the same endpoint the page uses); `usage`
 * below lists the commands, docs/graphql.md#the-terminal-client says more.
 *
 * LONGRUN_URL (default http://localhost:3000) says where the frontend is. The session cookie
 * is kept in .run/cli-session (or LONGRUN_CLI_SESSION), so the CLI is one user across runs,
 * like one browser.
 * Operations and their types come from operations/*.graphql, typed by codegen: no hand-written types.
 */
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import {
  type BulkResultFieldsFragment as BulkResult,
  CancelTaskDocument,
  CancelTasksDocument,
  type CreateTaskInput,
  CreateTaskDocument,
  type RetryPolicyInput,
  RetryTaskDocument,
  RevokeTaskShareDocument,
  ShareTaskDocument,
  RetryTasksDocument,
  TaskDocument,
  TaskEventsDocument,
  type TaskEventFieldsFragment as TaskEvent,
  type TaskFilter,
  TaskHistoryDocument,
  type TaskHistoryQuery,
  TaskKindsDocument,
  type TaskListFieldsFragment as ListedTask,
  TasksDocument,
  TaskStatusDocument,
  TaskTimelineDocument,
  type AllTaskFieldsFragment as Task,
} from '../operations/generated/graphql.js';
import { isFinal, TaskPriority, TaskStatus } from '../operations/generated/schema-enums.js';

type TaskResult = NonNullable<Task['result']>;

const BASE = (process.env.LONGRUN_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const SESSION_FILE = process.env.LONGRUN_CLI_SESSION || join(import.meta.dirname, '..', '.run', 'cli-session');

const USAGE = `usage: npm run cli -- <command>
  start [--watch] [--kind simulated|primes|export] [--retries N] [--retry-delay-ms N]
        [--priority low|normal|high] [--delay D] [--idempotency-key K]
        (D: 1500ms, 30s, 5m, 2h or 1d, at most 7 days; K: 1-200 chars, the same K again
        answers the same task instead of starting another)
        simulated: [--min-ms N] [--max-ms N] [--failure-rate X]
        primes:    --below N
        export:    [--format csv|ndjson]
  watch <id>                       follow a task live, with a progress bar
  events <id> [--after N] [--follow] [--json]
                                   its timeline, one event a line (--follow: live, to the end)
  retry <id> [--watch]             run a final task again, as a new task
  cancel <id>
  download <id> [--out FILE|-]     the file of a finished export
  list [--status S,S] [--kind K,K] [--created-after T] [--created-before T] [--limit N]
                                   your tasks, newest first (20 unless --limit), with counts
  cancel-all [--status S,S] [--kind K,K] [--dry-run]
                                   cancel the matching tasks (default: WAITING,IN_PROGRESS)
  retry-all [--status S,S] [--kind K,K] [--dry-run]
                                   run the matching final tasks again (default: ERROR)
  share <id> [--expires 1h]        a read-only live link to the task, for anyone (60s to 7d; s, m, h, d)
  unshare <id>                     stop every link made so far for the task
  kinds                            the kinds of task the server runs
  (S: WAITING IN_PROGRESS FINISHED CANCELLED ERROR; T: ISO 8601 like 2026-11-24T10:15:30Z)`;

/** An answer from the API (or no answer): printed as one line, exit code 1. */
class ApiError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly hint?: string,
  ) {
    super(code ? `${message} (${code})` : message);
  }
}

/** A command line the CLI cannot run: printed with the usage, exit code 2. */
class UsageError extends Error {}

interface GraphQLErrorLike {
  message: string;
  extensions?: { code?: string; field?: string; retryAfterSeconds?: number };
}

/** One line per error code a user can act on: the field for bad input, what to do otherwise. */
function apiError(error: GraphQLErrorLike): ApiError {
  const { code, field, retryAfterSeconds } = error.extensions ?? {};
  const message = field && !error.message.includes(field) ? `${field}: ${error.message}` : error.message;
  const hint =
    code === 'TASK_NOT_RETRYABLE'
      ? 'only a final task (FINISHED, CANCELLED, ERROR) can be retried: watch it to its end, or cancel it first'
      : retryAfterSeconds // RATE_LIMITED, or SERVICE_UNAVAILABLE while too many tasks are queued
        ? `try again in ${retryAfterSeconds} s`
        : undefined;
  return new ApiError(message, code, hint);
}

function readSession(): string | undefined {
  try {
    return readFileSync(SESSION_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function keepSession(setCookie: string | null): void {
  const cookie = setCookie?.split(';')[0];
  if (!cookie) return;
  mkdirSync(dirname(SESSION_FILE), { recursive: true });
  writeFileSync(SESSION_FILE, cookie, { mode: 0o600 });
}

/** The codegen hash of a document: lets a gateway with TRUSTED_DOCUMENTS=true accept it. */
function extensionsOf(doc: unknown): Record<string, unknown> | undefined {
  const hash = (doc as { __meta__?: { hash?: string } }).__meta__?.hash;
  return hash ? { persistedQuery: { version: 1, sha256Hash: hash } } : undefined;
}

async function request<R, V>(doc: DocumentTypeDecoration<R, V>, variables?: V): Promise<R> {
  const cookie = readSession();
  const response = await fetch(`${BASE}/api/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ query: doc.toString(), variables, extensions: extensionsOf(doc) }),
  }).catch((error: Error) => {
    throw new ApiError(`cannot reach ${BASE}: ${error.message}`);
  });
  keepSession(response.headers.get('set-cookie'));
  const body = (await response.json()) as { data?: R; errors?: GraphQLErrorLike[] };
  if (body.errors?.length) throw apiError(body.errors[0]);
  return body.data as R;
}

/** A WebSocket needs the session cookie at the upgrade: a first run gets one over HTTP. */
async function ensureSession(): Promise<void> {
  if (!readSession()) await request(TasksDocument, { first: 1 });
}

function socketClient(retryAttempts: number): Client {
  return createClient({
    url: `${BASE.replace(/^http/, 'ws')}/api/graphql`,
    webSocketImpl: class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { cookie: readSession() ?? '' } });
      }
    },
    retryAttempts,
    shouldRetry: () => true,
  });
}

function bar(task: Pick<Task, 'id' | 'status' | 'progress'>): string {
  const width = 30;
  const filled = Math.round((task.progress / 100) * width);
  const status = task.status.replace('_', ' ').padEnd(11);
  return `${task.id.slice(0, 8)}  ${status} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(task.progress).padStart(3)}%`;
}

function describeResult(result: TaskResult): string {
  switch (result.__typename) {
    case 'SimulatedResult':
      return `worked ${result.durationMs} ms`;
    case 'PrimesResult':
      return `${result.count} primes below ${result.below}${result.largest === null ? '' : `, the largest ${result.largest}`}`;
    case 'ExportResult':
      return `${result.format} file of ${result.rows} tasks, ${result.bytes} bytes`;
  }
}

/** A retry on its way: which attempt, when, and why the last one failed. */
function retryLine(task: Task): string {
  const at = task.nextAttemptAt ? ` at ${task.nextAttemptAt}` : '';
  return `  attempt ${task.attempt} of ${task.maxAttempts}${at}${task.error ? `, after: ${task.error}` : ''}`;
}

async function watch(id: string): Promise<Task> {
  await ensureSession();
  const client = socketClient(10);
  let last: Task | undefined;
  let announced = 0;
  const tty = process.stdout.isTTY;
  try {
    for await (const result of client.iterate({ query: TaskStatusDocument.toString(), variables: { id }, extensions: extensionsOf(TaskStatusDocument) })) {
      if (result.errors?.length) throw apiError(result.errors[0] as GraphQLErrorLike);
      last = (result.data as { taskStatus: Task }).taskStatus;
      if (last.status === 'WAITING' && last.attempt > 1 && last.attempt !== announced) {
        announced = last.attempt;
        process.stdout.write(`${tty ? '\n' : ''}${retryLine(last)}\n`);
      }
      process.stdout.write(tty ? `\r${bar(last)}` : `${bar(last)}\n`);
      if (isFinal(last.status)) break;
    }
  } catch (error) {
    throw Array.isArray(error) ? apiError(error[0]) : error;
  } finally {
    await client.dispose();
  }
  if (tty) process.stdout.write('\n');
  if (!last) throw new ApiError('the subscription ended without a state');
  if (last.error) console.log(`  ${last.error}`);
  if (last.result) console.log(`  ${describeResult(last.result)}`);
  if (last.result?.__typename === 'ExportResult') console.log(`  npm run cli -- download ${last.id}`);
  return last;
}

function eventLine(event: TaskEvent): string {
  const details = [
    event.attempt === null ? '' : `attempt ${event.attempt}`,
    event.progress === null ? '' : `${event.progress}%`,
    event.level ?? '',
    event.message ?? '',
    event.result ? describeResult(event.result) : '',
  ].filter(Boolean);
  return [String(event.seq).padStart(4), event.at, event.type.padEnd(15), (event.status ?? '').padEnd(11), ...details].join('  ').trimEnd();
}

/** The timeline so far, page by page (the server answers at most 500 events at a time). */
async function timeline(id: string, after: number, print: (event: TaskEvent) => void): Promise<TaskEvent | undefined> {
  const PAGE = 500;
  let last: TaskEvent | undefined;
  for (let seq = after; ; ) {
    const { task } = await request(TaskTimelineDocument, { id, after: seq, first: PAGE });
    if (!task) throw new ApiError(`no task ${id}`, 'NOT_FOUND');
    for (const event of task.events) print(event);
    last = task.events.at(-1) ?? last;
    if (task.events.length < PAGE) return last;
    seq = task.events[PAGE - 1].seq;
  }
}

/** Close codes after which reconnecting cannot help (graphql-ws: bad request, unauthorized, forbidden…). */
const FATAL_CLOSE_CODES = new Set([4400, 4401, 4403, 4406, 4409]);
const MAX_RECONNECTS = 10;

/**
 * Follows the timeline live from `after` to the ENDED event. The socket does not retry on its
 * own (it would resubscribe with the first `after` and replay): after a dropped connection this
 * subscribes again from the last seq printed, so nothing is missed or printed twice.
 */
async function follow(id: string, after: number, print: (event: TaskEvent) => void): Promise<TaskEvent> {
  await ensureSession();
  let last = after;
  let failures = 0;
  for (;;) {
    const client = socketClient(0);
    try {
      for await (const result of client.iterate({
        query: TaskEventsDocument.toString(),
        variables: { id, after: last },
        extensions: extensionsOf(TaskEventsDocument),
      })) {
        if (result.errors?.length) throw apiError(result.errors[0] as GraphQLErrorLike);
        const event = (result.data as { taskEvents: TaskEvent }).taskEvents;
        failures = 0;
        if (event.seq <= last) continue;
        last = event.seq;
        print(event);
        if (event.type === 'ENDED') return event;
      }
      throw new Error('the subscription ended before the task did');
    } catch (error) {
      if (error instanceof ApiError) throw error;
      if (Array.isArray(error)) throw apiError(error[0]);
      const closeCode = (error as { code?: unknown }).code;
      const closeReason = (error as { reason?: string }).reason;
      const reason = error instanceof Error ? error.message : `socket closed, ${closeCode}${closeReason ? ` ${closeReason}` : ''}`;
      if ((typeof closeCode === 'number' && FATAL_CLOSE_CODES.has(closeCode)) || ++failures > MAX_RECONNECTS) {
        throw new ApiError(`connection to ${BASE} lost: ${reason}`);
      }
      console.error(`longrun: connection lost (${reason}); resuming after event ${last}…`);
      await sleep(Math.min(5000, 250 * 2 ** failures));
    } finally {
      await client.dispose();
    }
  }
}

const KINDS = ['simulated', 'primes', 'export'] as const;
type KindName = (typeof KINDS)[number];
/** Which options belong to which kind. */
const KIND_OPTIONS: Record<KindName, string[]> = {
  simulated: ['min-ms', 'max-ms', 'failure-rate'],
  primes: ['below'],
  export: ['format'],
};

type Values = Record<string, string | boolean | undefined>;

function integer(values: Values, name: string): number | undefined {
  const raw = values[name];
  if (typeof raw !== 'string') return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(n)) throw new UsageError(`--${name} needs a whole number, not "${raw}"`);
  return n;
}

function decimal(values: Values, name: string): number | undefined {
  const raw = values[name];
  if (typeof raw !== 'string') return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} needs a number, not "${raw}"`);
  return n;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--delay`: a number with a unit (1500ms, 30s, 5m, 2h, 1d) as milliseconds; its range is the server's to check. */
function delayOption(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(raw.trim());
  if (!match) throw new UsageError(`--delay needs a duration like 1500ms, 30s, 5m, 2h or 1d, not "${raw}"`);
  return Math.round(Number(match[1]) * DURATION_UNITS_MS[match[2]]);
}

/** `start`'s control options (priority, delay, idempotency key) as createTask's variables. */
function controlVariables(values: Values): { priority?: TaskPriority; delayMs?: number; idempotencyKey?: string } {
  const out: { priority?: TaskPriority; delayMs?: number; idempotencyKey?: string } = {};
  if (typeof values.priority === 'string') {
    const priority = values.priority.toUpperCase();
    if (!(Object.values(TaskPriority) as string[]).includes(priority)) throw new UsageError(`--priority is low, normal or high, not "${values.priority}"`);
    out.priority = priority as TaskPriority;
  }
  if (typeof values.delay === 'string') out.delayMs = delayOption(values.delay);
  if (typeof values['idempotency-key'] === 'string') out.idempotencyKey = values['idempotency-key'];
  return out;
}

/** `start`'s options as createTask's variables; ranges are the server's to check. */
function createVariables(values: Values): { input?: CreateTaskInput; retry?: RetryPolicyInput } {
  const given = (kind: KindName) => KIND_OPTIONS[kind].filter((option) => values[option] !== undefined);
  const requested = values.kind as string | undefined;
  if (requested !== undefined && !(KINDS as readonly string[]).includes(requested)) {
    throw new UsageError(`--kind is one of ${KINDS.join(', ')}, not "${requested}"`);
  }
  const implied = KINDS.filter((kind) => given(kind).length > 0);
  const kind = (requested as KindName | undefined) ?? (implied.length === 1 ? implied[0] : undefined);
  if (!kind && implied.length > 1) {
    throw new UsageError(`one kind at a time: ${implied.map((k) => `--${given(k)[0]} is for --kind ${k}`).join(', ')}`);
  }
  const foreign = KINDS.filter((other) => other !== kind).flatMap(given);
  if (foreign.length > 0) {
    const owner = KINDS.find((k) => KIND_OPTIONS[k].includes(foreign[0]));
    throw new UsageError(`--${foreign[0]} is for --kind ${owner}, not ${kind}`);
  }

  let input: CreateTaskInput | undefined;
  if (kind === 'simulated') {
    input = { simulated: { minDurationMs: integer(values, 'min-ms'), maxDurationMs: integer(values, 'max-ms'), failureRate: decimal(values, 'failure-rate') } };
  } else if (kind === 'primes') {
    const below = integer(values, 'below');
    if (below === undefined) throw new UsageError('--kind primes needs --below N');
    input = { primes: { below } };
  } else if (kind === 'export') {
    const format = ((values.format as string | undefined) ?? 'csv').toUpperCase();
    if (format !== 'CSV' && format !== 'NDJSON') throw new UsageError(`--format is csv or ndjson, not "${values.format}"`);
    input = { export: { format } };
  }

  const maxAttempts = integer(values, 'retries');
  const delayMs = integer(values, 'retry-delay-ms');
  if (delayMs !== undefined && maxAttempts === undefined) throw new UsageError('--retry-delay-ms goes with --retries N (the attempts in all)');
  const retry = maxAttempts === undefined ? undefined : { maxAttempts, delayMs };
  return { input, retry };
}

/** `attachment; filename="x.csv"` → `x.csv` (a bare name: never a path). */
function filenameOf(disposition: string | null): string | undefined {
  const match = disposition ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition) : null;
  const name = match ? basename(decodeURIComponent(match[1])) : '';
  return name && name !== '.' && name !== '..' ? name : undefined;
}

/** Saves a finished export's file, fetched with this CLI's session (only its owner may). */
async function download(id: string, out: string | undefined): Promise<void> {
  const { task } = await request(TaskDocument, { id });
  if (!task) throw new ApiError(`no task ${id}`, 'NOT_FOUND');
  if (task.kind !== 'export') throw new ApiError(`${id} is a ${task.kind} task; only an export has a file`);
  if (task.result?.__typename !== 'ExportResult') {
    throw new ApiError(`${id} is ${task.status}: an export has its file once it is FINISHED`);
  }
  const url = new URL(task.result.url, `${BASE}/`);
  const response = await fetch(url, { headers: { cookie: readSession() ?? '' } }).catch((error: Error) => {
    throw new ApiError(`cannot reach ${BASE}: ${error.message}`);
  });
  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => '');
    let error: GraphQLErrorLike | undefined;
    try {
      error = (JSON.parse(text) as { errors?: GraphQLErrorLike[] }).errors?.[0];
    } catch {}
    const plain = response.headers.get('content-type')?.startsWith('text/plain') ? ` ${text.slice(0, 200)}` : '';
    throw error ? apiError(error) : new ApiError(`GET ${url.pathname}: HTTP ${response.status}${plain}`);
  }
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  if (out === '-') {
    await pipeline(body, process.stdout);
    return;
  }
  const file = out ?? filenameOf(response.headers.get('content-disposition')) ?? `longrun-${id.slice(0, 8)}.${task.result.format.toLowerCase()}`;
  await pipeline(body, createWriteStream(file));
  console.log(`saved ${file} (${task.result.rows} tasks, ${task.result.bytes} bytes)`);
}

/** `--expires`: a number of seconds, or with a unit: `90s`, `15m`, `1h`, `7d`. */
function expiresSeconds(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const match = /^(\d+)([smhd]?)$/.exec(raw.trim());
  if (!match) throw new UsageError(`--expires takes a duration like 90s, 15m, 1h or 7d, not "${raw}"`);
  return Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
}

/** Parses one command's options; an unknown one or a missing `<id>` is a usage error. */
function options(args: string[], spec: ParseArgsConfig['options'], needsId: boolean): { id: string; values: Values } {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: spec ?? {}, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [id, ...extra] = parsed.positionals;
  if (extra.length > 0 || (needsId ? !id : id)) throw new UsageError(needsId ? 'one task id, please' : `unexpected "${id}"`);
  return { id: id ?? '', values: parsed.values };
}

const str = { type: 'string' } as const;
const flag = { type: 'boolean' } as const;
const filterOptions = { status: str, kind: str, 'created-after': str, 'created-before': str } as const;

/** `--status a,b --kind c` as a TaskFilter; statuses are checked here, kinds and times by the server. */
function filterOf(values: Values, defaultStatus?: TaskStatus[]): TaskFilter {
  const list = (name: string) =>
    typeof values[name] === 'string'
      ? (values[name] as string)
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean)
      : undefined;
  const statuses = list('status')?.map((v) => v.toUpperCase().replace('-', '_'));
  const unknown = statuses?.find((v) => !(v in TaskStatus));
  if (unknown) throw new UsageError(`--status takes ${Object.keys(TaskStatus).join(', ')}, not "${unknown}"`);
  return {
    status: (statuses as TaskStatus[] | undefined) ?? defaultStatus,
    kind: list('kind'),
    createdAfter: values['created-after'] as string | undefined,
    createdBefore: values['created-before'] as string | undefined,
  };
}

/** `taskHistory` page after page until `limit` tasks or the end; prints each, then the counts. */
async function list(filter: TaskFilter, limit: number): Promise<void> {
  let after: string | null = null;
  let shown = 0;
  let more = false;
  let total = 0;
  let counts: { status: string; count: number }[] = [];
  // Bounded: a page is at most 100 tasks, and each call reads at most 1,000 (docs/contract.md).
  for (let calls = 0; shown < limit && calls < 200; calls++) {
    const { taskHistory }: TaskHistoryQuery = await request(TaskHistoryDocument, { filter, first: Math.min(100, limit - shown), after });
    for (const { node } of taskHistory.edges) {
      console.log(listLine(node));
      shown++;
    }
    ({ totalCount: total, countsByStatus: counts } = taskHistory);
    more = taskHistory.pageInfo.hasNextPage;
    if (!more) break;
    after = taskHistory.pageInfo.endCursor;
  }
  const filtered = Object.values(filter).some((v) => v !== undefined);
  if (total === 0) {
    console.log(filtered ? 'no tasks match' : 'no tasks yet: npm run cli -- start --watch');
    return;
  }
  console.log(`${shown} of ${total}${more && shown >= limit ? ' (--limit N shows more)' : ''}  ·  ${counts.map((c) => `${c.status} ${c.count}`).join('  ')}`);
}

function listLine(task: ListedTask): string {
  return `${bar(task)}  ${task.kind.padEnd(9)}  ${task.createdAt}${task.error ? `  ${task.error}` : ''}`;
}

/** One line for a bulk action's result, and what to do next. */
function bulkLine(verb: string, result: BulkResult, dryRun: boolean): string {
  const done = dryRun ? `would ${verb} ${result.applied}` : `${verb === 'retry' ? 'retried' : 'cancelled'} ${result.applied}`;
  const lines = [`matched ${result.matched}, ${done}, skipped ${result.skipped}${dryRun ? ' (dry run: nothing changed)' : ''}`];
  if (result.retryAfterSeconds) lines.push(`  the createTask budget is spent: run it again in ${result.retryAfterSeconds} s for the rest`);
  else if (result.hasMore) lines.push('  more may match (at most 500 per call): run it again');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start': {
      const { values } = options(
        rest,
        {
          watch: flag,
          kind: str,
          below: str,
          format: str,
          'min-ms': str,
          'max-ms': str,
          'failure-rate': str,
          retries: str,
          'retry-delay-ms': str,
          priority: str,
          delay: str,
          'idempotency-key': str,
        },
        false,
      );
      const { createTask } = await request(CreateTaskDocument, { ...createVariables(values), ...controlVariables(values) });
      console.log(`queued ${createTask.id}`);
      if (createTask.scheduledFor) console.log(`  starts at ${createTask.scheduledFor}`);
      if (!values.watch) return 0;
      const end = await watch(createTask.id);
      return end.status === 'FINISHED' ? 0 : 1;
    }
    case 'watch': {
      const { id } = options(rest, {}, true);
      const end = await watch(id);
      return end.status === 'FINISHED' ? 0 : 1;
    }
    case 'retry': {
      const { id, values } = options(rest, { watch: flag }, true);
      const { retryTask } = await request(RetryTaskDocument, { id });
      console.log(`queued ${retryTask.id} (retry of ${id})`);
      if (!values.watch) return 0;
      const end = await watch(retryTask.id);
      return end.status === 'FINISHED' ? 0 : 1;
    }
    case 'events': {
      const { id, values } = options(rest, { after: str, follow: flag, json: flag }, true);
      const after = integer(values, 'after') ?? 0;
      const print = (event: TaskEvent) => console.log(values.json ? JSON.stringify(event) : eventLine(event));
      if (!values.follow) {
        await timeline(id, after, print);
        return 0;
      }
      const ended = await follow(id, after, print);
      return ended.status === 'FINISHED' ? 0 : 1;
    }
    case 'cancel': {
      const { id } = options(rest, {}, true);
      const { cancelTask } = await request(CancelTaskDocument, { id });
      console.log(`${cancelTask.id} ${cancelTask.status}`);
      return 0;
    }
    case 'download': {
      const { id, values } = options(rest, { out: { type: 'string', short: 'o' } }, true);
      await download(id, values.out as string | undefined);
      return 0;
    }
    case 'list': {
      const { values } = options(rest, { ...filterOptions, limit: str }, false);
      const limit = integer(values, 'limit') ?? 20;
      if (limit < 1) throw new UsageError('--limit needs a number of tasks, 1 or more');
      await list(filterOf(values), limit);
      return 0;
    }
    case 'cancel-all':
    case 'retry-all': {
      const { values } = options(rest, { ...filterOptions, 'dry-run': flag }, false);
      const dryRun = values['dry-run'] === true;
      if (command === 'cancel-all') {
        const { cancelTasks } = await request(CancelTasksDocument, { filter: filterOf(values, ['WAITING', 'IN_PROGRESS']), dryRun });
        console.log(bulkLine('cancel', cancelTasks, dryRun));
      } else {
        const { retryTasks } = await request(RetryTasksDocument, { filter: filterOf(values, ['ERROR']), dryRun });
        console.log(bulkLine('retry', retryTasks, dryRun));
      }
      return 0;
    }
    case 'share': {
      const { id, values } = options(rest, { expires: str }, true);
      const { shareTask } = await request(ShareTaskDocument, { id, expiresInSeconds: expiresSeconds(values.expires as string | undefined) });
      console.log(`${new URL(shareTask.url, `${BASE}/`).href}\n  read-only and live, for anyone with the link, until ${shareTask.expiresAt}`);
      return 0;
    }
    case 'unshare': {
      const { id } = options(rest, {}, true);
      await request(RevokeTaskShareDocument, { id });
      console.log(`${id}: every link made so far no longer works`);
      return 0;
    }
    case 'kinds': {
      options(rest, {}, false);
      const { taskKinds } = await request(TaskKindsDocument);
      for (const kind of taskKinds) {
        const policy = kind.maxAttempts === 1 ? '1 attempt' : `${kind.maxAttempts} attempts, retry after ${kind.retryDelayMs} ms`;
        console.log(`${kind.name.padEnd(10)}  ${kind.title} (${policy})\n${' '.repeat(12)}${kind.description}`);
      }
      return 0;
    }
  }
  console.error(USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    if (error instanceof UsageError) {
      console.error(`longrun: ${error.message}\n${USAGE}`);
      process.exit(2);
    }
    console.error(`longrun: ${error.message}`);
    if (error instanceof ApiError && error.hint) console.error(`  ${error.hint}`);
    process.exit(1);
  },
);
