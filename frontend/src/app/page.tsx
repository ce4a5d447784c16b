import { print } from 'graphql';
import { headers } from 'next/headers';
import { TasksQuery } from '../graphql/documents';
import type { TaskFieldsFragment, TasksQuery as TasksResult } from '../graphql/generated/graphql';
import { pageDataSource } from '../server/page-data';
import { TaskBoard } from './_components/task-board';
import { TASK_PAGE_SIZE } from './_components/task-status';

/**
 * The session's tasks, read on the server through the gateway, so the first view shows them
 * without a client round trip. Null when that is not possible (no session yet, backend down):
 * the client then loads the list itself and shows what went wrong.
 */
async function initialTasks(): Promise<TaskFieldsFragment[] | null> {
  // Reading the request makes the page dynamic: rendered per request, never prerendered.
  const cookie = (await headers()).get('cookie') ?? undefined;
  const source = pageDataSource();
  if (!source) return null;
  try {
    const hash = (TasksQuery as { __meta__?: { hash?: string } }).__meta__?.hash;
    const result = await source(cookie, {
      query: print(TasksQuery),
      variables: { first: TASK_PAGE_SIZE },
      extensions: hash ? { persistedQuery: { version: 1, sha256Hash: hash } } : undefined,
    });
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
      <TaskBoard initialTasks={tasks} />
    </main>
  );
}
