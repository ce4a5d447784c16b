import { expect, test, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import { startTask } from './start';

/**
 * Share links against the real stack: the owner shares a task from its card; a second browser
 * context without cookies opens the link and watches that one task live to its end, with
 * nothing to act on and no GraphQL power over it; a revoked or expired link is refused, and a
 * view already open on it stops within seconds.
 */

/** A simulated task that runs `ms` and never fails. */
const simulated = (page: Page, ms: number) =>
  startTask(page, 'Simulated', { 'Shortest run (ms)': String(ms), 'Longest run (ms)': String(ms), 'Failure rate': '0' });

async function gql(request: APIRequestContext, query: string, variables: Record<string, unknown>) {
  const response = await request.post('/api/graphql', { data: { query, variables } });
  return (await response.json()) as { data?: Record<string, any> | null; errors?: { extensions?: { code?: string } }[] };
}

/** A browser context of its own: no cookie of the owner's, no session at all to begin with. */
async function stranger(browser: Browser) {
  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  expect(await context.cookies()).toEqual([]);
  return { context, page: await context.newPage() };
}

test('a shared link shows the task live to its end, read-only, in a browser without the owner’s session', async ({ page, browser }) => {
  await page.goto('/');
  const task = await simulated(page, 6000);
  const id = (await task.getAttribute('data-task-id'))!;
  await task.getByRole('button', { name: `Share task ${id.slice(0, 8)}` }).click();
  const url = await task.getByTestId('share-url').inputValue();
  expect(url).toMatch(/\/watch\/[^/]+$/);

  const watcher = await stranger(browser);
  await watcher.page.goto(url);
  const view = watcher.page.getByTestId('task');
  await expect(view).toHaveAttribute('data-task-id', id);
  await expect(view.getByTestId('task-status')).toHaveText(/^(WAITING|IN PROGRESS)$/);
  await expect(view.getByTestId('task-status')).toHaveText('FINISHED', { timeout: 15_000 });
  await expect(view.getByTestId('task-result')).toContainText('Waited');
  await expect(watcher.page.getByTestId('timeline')).toContainText('Ended FINISHED');
  // Nothing to act on, and no link to anything else.
  await expect(watcher.page.getByRole('button')).toHaveCount(0);
  await expect(watcher.page.locator('a')).toHaveCount(0);

  // The watcher's own session (the gateway gave it one) owns nothing: every mutation is refused.
  const ownerCookie = (await page.context().cookies()).find((c) => c.name === 'longrun_session')?.value;
  const watcherCookie = (await watcher.context.cookies()).find((c) => c.name === 'longrun_session')?.value;
  expect(watcherCookie).not.toBe(ownerCookie);
  for (const mutation of ['cancelTask(id: $id) { id }', 'retryTask(id: $id) { id }', 'shareTask(id: $id) { url }', 'revokeTaskShare(id: $id)']) {
    const result = await gql(watcher.context.request, `mutation ($id: ID!) { ${mutation} }`, { id });
    expect(result.errors?.[0]?.extensions?.code, mutation).toBe('NOT_FOUND');
  }
  expect((await gql(watcher.context.request, 'query ($id: ID!) { task(id: $id) { id } }', { id })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  expect((await gql(watcher.context.request, 'query { tasks { id } }', {})).data?.tasks).toEqual([]);
  // The owner's card is untouched: still theirs, with its Retry.
  await expect(
    task.getByRole('button', { name: `Retry: task ${id.slice(0, 8)}` }).or(task.getByRole('button', { name: `Run again: task ${id.slice(0, 8)}` })),
  ).toBeVisible();
  await watcher.context.close();
});

test('"Stop sharing" refuses the link, and a view already open on it stops within seconds', async ({ page, browser }) => {
  await page.goto('/');
  const task = await simulated(page, 60_000);
  const shortId = (await task.getAttribute('data-task-id'))!.slice(0, 8);
  await task.getByRole('button', { name: `Share task ${shortId}` }).click();
  const url = await task.getByTestId('share-url').inputValue();

  const watcher = await stranger(browser);
  await watcher.page.goto(url);
  await expect(watcher.page.getByTestId('task-status')).toHaveText('IN PROGRESS');
  await task.getByRole('button', { name: `Stop sharing task ${shortId}` }).click();
  await expect(task.getByRole('button', { name: `Share task ${shortId}` })).toBeVisible();
  const refused = watcher.page.getByTestId('watch-refused');
  await expect(refused).toHaveText(/stopped sharing/, { timeout: 5000 });
  await expect(refused).toHaveAttribute('data-code', 'SHARE_REVOKED');

  await watcher.page.reload();
  await expect(watcher.page.getByTestId('watch-refused')).toHaveAttribute('data-code', 'SHARE_REVOKED');
  await expect(watcher.page.getByTestId('task')).toHaveCount(0);
  await task.getByRole('button', { name: `Cancel task ${shortId}` }).click();
  await watcher.context.close();
});

test('an expired link is refused, and a view open on it stops', async ({ page, browser }) => {
  await page.goto('/');
  const task = await simulated(page, 60_000);
  const id = (await task.getAttribute('data-task-id'))!;
  // The page's button makes one-hour links; a two-second one is asked for directly, as the owner.
  const made = await gql(page.request, 'mutation ($id: ID!) { shareTask(id: $id, expiresInSeconds: 3) { url } }', { id });
  const path = made.data!.shareTask.url as string;

  const watcher = await stranger(browser);
  await watcher.page.goto(path);
  await expect(watcher.page.getByTestId('task')).toHaveAttribute('data-task-id', id);
  const refused = watcher.page.getByTestId('watch-refused');
  await expect(refused).toHaveAttribute('data-code', 'SHARE_EXPIRED', { timeout: 8000 });
  await expect(refused).toHaveText(/expired/);

  await watcher.page.reload();
  await expect(watcher.page.getByTestId('watch-refused')).toHaveAttribute('data-code', 'SHARE_EXPIRED');
  // A link that was never made is refused as such.
  await watcher.page.goto(`${path}x`);
  await expect(watcher.page.getByTestId('watch-refused')).toHaveAttribute('data-code', 'NOT_FOUND');
  await task.getByRole('button', { name: `Cancel task ${id.slice(0, 8)}` }).click();
  await watcher.context.close();
});
