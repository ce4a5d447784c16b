import { expect, test } from '@playwright/test';
import { redisKeys } from '../../backend/src/redis/redis-keys';
import { backendHeaders, gqlHttp, redisCall, waitUntil } from '../../testkit/index.js';
import { startStack, type Stack } from './own-stack';

/**
 * Calm under failure: this file starts its own stack so it can stop and restart the frontend
 * and the backend under an open page. Tasks run 8–10 s and never fail, so one is still running
 * when a tier comes back (or has ended meanwhile, which the page must catch up on).
 */
let stack: Stack;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  stack = await startStack({
    backend: {
      TASK_MIN_DURATION_MS: '8000',
      TASK_MAX_DURATION_MS: '10000',
      TASK_FAILURE_RATE: '0',
      TASK_CREATE_LIMIT: '3',
      TASK_CREATE_WINDOW_S: '20',
    },
  });
});

test.afterAll(async () => {
  await stack?.stop();
});

test('a frontend restart under the open page shows Reconnecting…, then the page catches up on what it missed', async ({ page, context }) => {
  test.setTimeout(180_000);
  // The `after` of every TaskEvents subscribe message the page sends.
  const timelineFrom: number[] = [];
  page.on('websocket', (ws) =>
    ws.on('framesent', ({ payload }) => {
      const message = JSON.parse(String(payload)) as { type: string; payload?: { operationName?: string; variables?: { after?: number } } };
      if (message.type === 'subscribe' && message.payload?.operationName === 'TaskEvents') timelineFrom.push(message.payload.variables?.after ?? -1);
    }),
  );
  await page.goto(stack.url);
  const connection = page.getByTestId('connection');
  // The list's taskUpdates keeps the socket open.
  await expect(connection).toHaveText('Connected · live');
  await page.getByRole('button', { name: 'Start a task' }).click();
  const task = page.getByTestId('task').first();
  const id = (await task.getAttribute('data-task-id'))!;
  await expect(task.getByTestId('task-status')).toHaveText('IN PROGRESS');
  await expect(connection).toHaveText('Connected · live');
  // The timeline is open across the restart too.
  await task.getByRole('button', { name: /^Show timeline/ }).click();
  await expect(task.locator('[data-type="PROGRESS"]').first()).toBeVisible();
  const subscribedBeforeDrop = timelineFrom.length;

  await stack.stopFrontend();
  await expect(connection).toHaveText('Reconnecting…');
  await expect(page.getByTestId('announcer')).toHaveText('Connection lost: Reconnecting…');
  await expect(task.getByTestId('task-status')).toHaveText('IN PROGRESS');
  const shownBeforeDrop = Number(await task.getByTestId('timeline-event').last().getAttribute('data-seq'));
  await page.screenshot({ path: test.info().outputPath('reconnecting.png') });

  // The task ends while the page is cut off (asked of the backend directly, as this session's
  // user: the cookie's first part is the session id), so that update can only come from the
  // snapshot the resubscription starts with.
  const user = (await context.cookies()).find((c) => c.name === 'longrun_session')!.value.split('.')[0];
  await waitUntil(
    async () => {
      const result = await gqlHttp(stack.backend.url, 'query($id: ID!) { task(id: $id) { status } }', { id }, backendHeaders(stack.backend.token, user));
      return result.data?.task?.status === 'FINISHED';
    },
    { timeoutMs: 60_000, intervalMs: 500, what: 'the task FINISHED in the backend' },
  );
  await expect(task.getByTestId('task-status')).toHaveText('IN PROGRESS');

  await stack.startFrontend();
  // Back on the same port: the socket reopens (backoff ≤ 10 s) and the page catches up.
  await expect(task.getByTestId('task-status')).toHaveText('FINISHED', { timeout: 60_000 });
  await expect(task.getByRole('progressbar')).toHaveCount(0);
  await expect(task).toContainText('Ran ');
  await expect(connection).toHaveText(/^Connected/);
  // The timeline resumed after the last event it showed: the rest arrived, each event once.
  await expect(task.locator('[data-type="ENDED"]')).toHaveText(/Ended FINISHED$/);
  expect(timelineFrom.slice(subscribedBeforeDrop), 'resubscribed once, after the last event shown').toEqual([shownBeforeDrop]);
  const seqs = await task.getByTestId('timeline-event').evaluateAll((items) => items.map((el) => Number(el.getAttribute('data-seq'))));
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  await page.screenshot({ path: test.info().outputPath('caught-up.png') });
});

test('the browser going offline shows Offline, and coming back clears it', async ({ page, context }) => {
  await page.goto(stack.url);
  const connection = page.getByTestId('connection');
  await expect(connection).toHaveText('Connected · live');
  await context.setOffline(true);
  await expect(connection).toHaveText('Offline');
  await expect(page.getByTestId('announcer')).toHaveText('Connection lost: Offline');
  await page.screenshot({ path: test.info().outputPath('offline.png') });
  await context.setOffline(false);
  await expect(connection).toHaveText(/^Connected/);
});

test('with the backend down the page says so and recovers by itself when it is back', async ({ page }) => {
  test.setTimeout(180_000);
  await stack.stopBackend();
  try {
    await page.goto(stack.url);
    // The server could not render the list, and the client's own attempt is refused too.
    await expect(page.getByTestId('list-error')).toContainText('unavailable right now; reconnecting…');
    await expect(page.getByTestId('connection')).toHaveText('Reconnecting…');
    await page.getByRole('button', { name: 'Start a task' }).click();
    await expect(page.getByTestId('start-error')).toContainText('unavailable right now; reconnecting…');
    await page.screenshot({ path: test.info().outputPath('backend-down.png') });
  } finally {
    await stack.startBackend();
  }
  // The list is retried every few seconds: it appears without a reload.
  await expect(page.getByText('No tasks yet.')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('list-error')).toHaveCount(0);
  await expect(page.getByTestId('connection')).toHaveText('Connected · live');
  await expect(page.getByTestId('live-error')).toHaveCount(0);
  await page.getByRole('button', { name: 'Start a task' }).click();
  await expect(page.getByTestId('task')).toHaveCount(1);
  await expect(page.getByTestId('start-error')).toHaveCount(0);
});

test('rate limited: the page says when to try again, counts down, and keeps the button off', async ({ page }) => {
  await page.goto(stack.url);
  const start = page.getByRole('button', { name: 'Start a task' });
  for (let i = 1; i <= 3; i++) {
    await start.click();
    await expect(page.getByTestId('task')).toHaveCount(i);
  }
  await start.click();
  const notice = page.getByTestId('start-error');
  await expect(notice).toHaveText(/^Too many tasks started at once: try again in \d+ s\.$/);
  await expect(start).toHaveAttribute('aria-disabled', 'true');
  const first = Number(/in (\d+) s/.exec((await notice.textContent())!)![1]);
  expect(first).toBeGreaterThan(0);
  expect(first).toBeLessThanOrEqual(20);
  await page.screenshot({ path: test.info().outputPath('rate-limited.png') });
  // It counts down (at least one second passes), and pressing the button meanwhile sends nothing.
  await start.click({ force: true });
  await expect(page.getByTestId('task')).toHaveCount(3);
  await expect.poll(async () => Number(/in (\d+) s/.exec((await notice.textContent()) ?? '')?.[1] ?? 0), { timeout: 10_000 }).toBeLessThan(first);
});

test('a task that no longer exists (its record expired) says so when acted on', async ({ page }) => {
  await page.goto(stack.url);
  await page.getByRole('button', { name: 'Start a task' }).click();
  const task = page.getByTestId('task').first();
  const id = (await task.getAttribute('data-task-id'))!;
  // What retention does to an old record, done now: the page still shows the task.
  expect(await redisCall(stack.redis.port, 'DEL', redisKeys(stack.backend.prefix).task(id))).toBe(1);
  // Whichever learns it first, the live subscription (its next update finds no record) or
  // the cancel, the page says it; the button may already be gone when the click comes.
  await task
    .getByRole('button', { name: /^Cancel task/ })
    .click({ timeout: 5_000 })
    .catch(() => undefined);
  // Said once (the cancel and the live subscription may both learn it), and nothing to press.
  await expect(task.getByRole('alert')).toHaveText('This task no longer exists.');
  await expect(task.getByRole('button', { name: /^Cancel task/ })).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('not-found.png') });
});
