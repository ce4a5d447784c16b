import { print } from 'graphql';
import { headers } from 'next/headers';
import { TasksQuery } from '../graphql/documents';
import type { TaskFieldsFragment, TasksQuery as TasksResult } from '../graphql/generated/graphql';
import { pageDataSource } from '../server/page-data';
import { Providers } from './_components/apollo-provider';
import { TaskBoard } from './_components/task-board';
import { TASK_PAGE_SIZE } from './_components/task-status';

/**
 * How long the first view may wait for the list. A slow backend must not hold the whole page:
 * past this the shell is sent without the list and the client loads it (and says what is wrong).
 */
const LIST_WAIT_MS = 1500;

/**
 * The session's tasks, read on the server through the gateway, so the first view shows them
 * without a client round trip. Null when that is not possible (no session yet, backend down
 * or slow): the client then loads the list itself and shows what went wrong.
 */
async function initialTasks(): Promise<TaskFieldsFragment[] | null> {
  // Reading the request makes the page dynamic: rendered per request, never prerendered.
  const cookie = (await headers()).get('cookie') ?? undefined;
  const source = pageDataSource();
  if (!source) return null;
  try {
    const hash = (TasksQuery as { __meta__?: { hash?: string } }).__meta__?.hash;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const result = await Promise.race([
      source(cookie, {
        query: print(TasksQuery),
        variables: { first: TASK_PAGE_SIZE },
        extensions: hash ? { persistedQuery: { version: 1, sha256Hash: hash } } : undefined,
      }),
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), LIST_WAIT_MS))),
    ]).finally(() => clearTimeout(timer));
    if (!result || result.errors?.length) return null;
    return (result.data as TasksResult).tasks;
  } catch {
    return null;
  }
}

export default async function Home() {
  const tasks = await initialTasks();
  return (
    <main>
      <header>
        <h1>longrun</h1>
        <p className="lede">Start a background task and watch it live: WAITING, IN PROGRESS, then FINISHED, ERROR or CANCELLED.</p>
      </header>
      <Providers initialTasks={tasks}>
        <TaskBoard />
      </Providers>
    </main>
  );
}
