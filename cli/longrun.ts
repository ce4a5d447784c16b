#!/usr/bin/env node
/**
 * A typed terminal client for longrun's public API (the same endpoint the page uses):
 *
 *   npm run cli -- start [--watch]     queue a task (and follow it to the end)
 *   npm run cli -- watch <id>          follow a task live, with a progress bar
 *   npm run cli -- cancel <id>         cancel a task
 *   npm run cli -- list                your tasks, newest first
 *
 * LONGRUN_URL (default http://localhost:3000) says where the frontend is. The session cookie
 * is kept in .run/cli-session (or LONGRUN_CLI_SESSION), so the CLI is one user across runs,
 * like one browser.
 * Operations and their types come from operations/*.graphql, typed by codegen: no hand-written types.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  CancelTaskDocument,
  CreateTaskDocument,
  TasksDocument,
  TaskStatusDocument,
  type AllTaskFieldsFragment as Task,
} from '../operations/generated/graphql.js';
import { isFinal } from '../operations/generated/schema-enums.js';

const BASE = (process.env.LONGRUN_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const SESSION_FILE = process.env.LONGRUN_CLI_SESSION || join(import.meta.dirname, '..', '.run', 'cli-session');

class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(code ? `${message} (${code})` : message);
  }
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
    throw new ApiError(`cannot reach ${BASE}: ${error.message}`, undefined);
  });
  keepSession(response.headers.get('set-cookie'));
  const body = (await response.json()) as { data?: R; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) throw new ApiError(body.errors[0].message, body.errors[0].extensions?.code);
  return body.data as R;
}

function bar(task: Task): string {
  const width = 30;
  const filled = Math.round((task.progress / 100) * width);
  const status = task.status.replace('_', ' ').padEnd(11);
  return `${task.id.slice(0, 8)}  ${status} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(task.progress).padStart(3)}%`;
}

async function watch(id: string): Promise<Task> {
  if (!readSession()) await request(TasksDocument, { first: 1 });
  const client = createClient({
    url: `${BASE.replace(/^http/, 'ws')}/api/graphql`,
    webSocketImpl: class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { cookie: readSession() ?? '' } });
      }
    },
    retryAttempts: 10,
    shouldRetry: () => true,
  });
  let last: Task | undefined;
  const tty = process.stdout.isTTY;
  try {
    for await (const result of client.iterate({ query: TaskStatusDocument.toString(), variables: { id }, extensions: extensionsOf(TaskStatusDocument) })) {
      if (result.errors?.length) {
        const [first] = result.errors;
        throw new ApiError(first.message, (first.extensions as { code?: string } | undefined)?.code);
      }
      last = (result.data as { taskStatus: Task }).taskStatus;
      process.stdout.write(tty ? `\r${bar(last)}` : `${bar(last)}\n`);
      if (isFinal(last.status)) break;
    }
  } finally {
    await client.dispose();
  }
  if (tty) process.stdout.write('\n');
  if (!last) throw new ApiError('the subscription ended without a state', undefined);
  if (last.error) console.log(`  ${last.error}`);
  return last;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start': {
      const { createTask } = await request(CreateTaskDocument);
      console.log(`queued ${createTask.id}`);
      if (!rest.includes('--watch')) return 0;
      const end = await watch(createTask.id);
      return end.status === 'FINISHED' ? 0 : 1;
    }
    case 'watch': {
      if (!rest[0]) break;
      const end = await watch(rest[0]);
      return end.status === 'FINISHED' ? 0 : 1;
    }
    case 'cancel': {
      if (!rest[0]) break;
      const { cancelTask } = await request(CancelTaskDocument, { id: rest[0] });
      console.log(`${cancelTask.id} ${cancelTask.status}`);
      return 0;
    }
    case 'list': {
      const { tasks } = await request(TasksDocument, { first: 20 });
      if (tasks.length === 0) console.log('no tasks yet: npm run cli -- start --watch');
      for (const task of tasks) console.log(`${bar(task)}  ${task.createdAt}${task.error ? `  ${task.error}` : ''}`);
      return 0;
    }
  }
  console.error('usage: npm run cli -- start [--watch] | watch <id> | cancel <id> | list');
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`longrun: ${error.message}`);
    process.exit(1);
  },
);
