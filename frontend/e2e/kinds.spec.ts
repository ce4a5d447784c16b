import { readFileSync } from 'node:fs';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { fillAndStart, startTask } from './start';

/**
 * Kinds, retries, results and timelines on the page, in a real browser against the real stack
 * (global-setup.ts): the start form, what a card shows while a task retries and when it ends,
 * an export's download, and a timeline that follows a task live.
 */

/** The createTask requests the page sends. */
function countCreates(page: Page): () => number {
  let sent = 0;
  page.on('request', (request) => {
    if (request.url().endsWith('/api/graphql') && request.postData()?.includes('createTask')) sent += 1;
  });
  return () => sent;
}

/** The events a card's open timeline shows, in order. */
async function shownEvents(task: Locator): Promise<{ seq: number; type: string }[]> {
  return task
    .getByTestId('timeline-event')
    .evaluateAll((items) => items.map((el) => ({ seq: Number(el.getAttribute('data-seq')), type: el.getAttribute('data-type') ?? '' })));
}

test('a primes task started from the form shows its kind and its result', async ({ page }) => {
  await page.goto('/');
  // The kinds come from taskKinds, server-rendered with the page.
  const kinds = page.getByLabel('Kind').locator('option');
  await expect(kinds.first()).toHaveText('Simulated');
  expect((await kinds.allTextContents()).sort()).toEqual(['Count primes', 'Export history', 'Simulated']);
  const task = await startTask(page, 'Count primes', { 'Count primes below': '10000' });
  await expect(task.getByTestId('task-kind')).toHaveText('primes');
  await expect(task.getByTestId('task-status')).toHaveText('FINISHED');
  await expect(task.getByTestId('task-result')).toHaveText('1,229 primes below 10,000; the largest is 9,973.');
  // Its own policy (2 attempts) shows as "attempt 1 of 2".
  await expect(task.getByTestId('task-attempt')).toHaveText('Attempt 1 of 2');
  await expect(task.getByRole('button', { name: /^Run again/ })).toBeVisible();
});

test('bad input is shown beside its field, focused, and queues nothing', async ({ page }) => {
  const creates = countCreates(page);
  await page.goto('/');

  // Checked in the page against the schema's bounds: nothing is sent.
  await fillAndStart(page, 'Count primes', { 'Count primes below': '1' });
  const below = page.getByLabel('Count primes below', { exact: true });
  await expect(below).toBeFocused();
  await expect(below).toHaveAttribute('aria-invalid', 'true');
  await expect(below).toHaveAccessibleDescription(/2 to 50000000.*A whole number from 2 to 50000000\./);
  expect(creates()).toBe(0);
  await below.fill('12');
  await expect(page.getByTestId('field-error')).toHaveCount(0);

  // Refused by the server (min above max), shown at the field its extensions.field names.
  await fillAndStart(page, 'Simulated', { 'Shortest run (ms)': '5000', 'Longest run (ms)': '1000' });
  const shortest = page.getByLabel('Shortest run (ms)', { exact: true });
  await expect(page.getByTestId('field-error')).toHaveText('minDurationMs must not exceed maxDurationMs');
  await expect(page.getByTestId('field-error')).toHaveAttribute('data-field', 'input.simulated.minDurationMs');
  await expect(shortest).toBeFocused();
  await expect(shortest).toHaveAttribute('aria-invalid', 'true');
  expect(creates()).toBe(1);
  await page.screenshot({ path: test.info().outputPath('field-error.png') });

  // Nothing was queued: not on the page, not after a reload (the server's list).
  await expect(page.getByTestId('task')).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('button', { name: 'Start a task' })).toBeVisible();
  await expect(page.getByTestId('task')).toHaveCount(0);
});

test('priority and delay from the form: sent as createTask asks, the task waits out its delay, a bad delay is refused at its field', async ({ page }) => {
  const sent: unknown[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/api/graphql') && request.postData()?.includes('createTask')) sent.push(request.postDataJSON().variables);
  });
  await page.goto('/');
  await fillAndStart(page, 'Simulated', { 'Delay (s)': '604801' });
  const delay = page.getByLabel('Delay (s)', { exact: true });
  await expect(delay).toBeFocused();
  await expect(delay).toHaveAccessibleDescription(/A whole number from 0 to 604800\./);
  expect(sent).toHaveLength(0);

  const startedAt = Date.now();
  const quick = { 'Shortest run (ms)': '0', 'Longest run (ms)': '0', 'Failure rate': '0' };
  const task = await startTask(page, 'Simulated', { ...quick, Priority: 'HIGH', 'Delay (s)': '3' });
  expect(sent).toEqual([{ input: { simulated: { minDurationMs: 0, maxDurationMs: 0, failureRate: 0 } }, priority: 'HIGH', delayMs: 3000 }]);
  await expect(task.getByTestId('task-status')).toHaveText('WAITING');
  await expect(task.getByTestId('task-priority')).toHaveText('High priority');
  await expect(task.getByTestId('task-scheduled')).toContainText('Starts at');
  await expect(task.getByTestId('task-queue-position')).toHaveText('#1 in your queue');
  await expect(task.getByTestId('task-status')).toHaveText('FINISHED', { timeout: 15_000 });
  await expect(task.getByTestId('task-scheduled')).toHaveCount(0);
  expect(Date.now() - startedAt).toBeGreaterThanOrEqual(3000);
});

test('a failing task with retries shows its attempts, a countdown and the last error, then ERROR; Retry makes a linked task', async ({ page }) => {
  await page.goto('/');
  const task = await startTask(page, 'Simulated', {
    'Shortest run (ms)': '300',
    'Longest run (ms)': '300',
    'Failure rate': '1',
    Attempts: '3',
    'Retry delay (ms)': '3000',
  });
  const id = (await task.getAttribute('data-task-id'))!;
  // Waiting for attempt 2: the countdown ticks, and the first attempt's error is there.
  await expect(task.getByTestId('task-attempt')).toHaveText('Attempt 2 of 3');
  await expect(task.getByTestId('countdown')).toHaveText(/^Next attempt in [1-6] s$/);
  await expect(task.getByTestId('previous-error')).toHaveText(/^Attempt [12] failed: The task failed/);
  await page.screenshot({ path: test.info().outputPath('retry-countdown.png') });
  await expect(task.getByTestId('task-attempt')).toHaveText('Attempt 3 of 3', { timeout: 15_000 });
  await expect(task.getByTestId('task-status')).toHaveText('ERROR', { timeout: 15_000 });
  await expect(task.getByTestId('task-error')).toHaveText(/^The task failed/);
  await expect(task.getByTestId('countdown')).toHaveCount(0);

  await task.getByRole('button', { name: `Retry: task ${id.slice(0, 8)}` }).click();
  await expect(page.getByTestId('task')).toHaveCount(2);
  const again = page.getByTestId('task').first();
  const againId = (await again.getAttribute('data-task-id'))!;
  expect(againId).not.toBe(id);
  await expect(again.getByTestId('task-kind')).toHaveText('simulated');
  await expect(again.getByTestId('task-lineage').getByRole('link', { name: `#${id.slice(0, 8)}` })).toHaveAttribute('href', `#task-${id}`);
  await expect(task.getByTestId('task-lineage').getByRole('link', { name: `#${againId.slice(0, 8)}` })).toHaveAttribute('href', `#task-${againId}`);
  // The same policy: the new task tries three times too.
  await expect(again.getByTestId('task-attempt')).toHaveText(/^Attempt [1-3] of 3$/);
  await page.screenshot({ path: test.info().outputPath('retried.png') });
});

test('an export downloads for its owner, and another browser gets 404', async ({ page, browser }) => {
  await page.goto('/');
  const first = await startTask(page, 'Count primes', { 'Count primes below': '100' });
  await expect(first.getByTestId('task-status')).toHaveText('FINISHED');
  const task = await startTask(page, 'Export history', { Format: 'CSV' });
  const id = (await task.getAttribute('data-task-id'))!;
  await expect(task.getByTestId('task-status')).toHaveText('FINISHED');
  const link = task.getByRole('link', { name: /^Download the CSV file: 2 tasks, [\d.]+ (B|kB)$/ });
  await expect(link).toHaveAttribute('href', `/api/files/${id}`);

  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toMatch(/\.csv$/);
  const csv = readFileSync((await download.path())!, 'utf8');
  const lines = csv.trim().split('\r\n');
  expect(lines[0]).toBe('id,kind,status,attempt,maxAttempts,createdAt,startedAt,finishedAt,error,result,events');
  expect(lines.some((l) => l.startsWith(`${id},export,`))).toBe(true);
  expect(lines.some((l) => l.includes(',primes,FINISHED,'))).toBe(true);

  const other = await browser.newContext();
  const stranger = await other.request.get(`/api/files/${id}`);
  expect(stranger.status()).toBe(404);
  expect(await stranger.json()).toMatchObject({ errors: [{ extensions: { code: 'NOT_FOUND' } }] });
  await other.close();
});

test('the timeline opens on demand, follows the task live with its log lines, and resumes after the last event it showed', async ({ page }) => {
  // The page's TaskEvents subscribe and complete messages on its GraphQL socket.
  const frames: { id: string; type: string; after?: number }[] = [];
  page.on('websocket', (ws) =>
    ws.on('framesent', ({ payload }) => {
      const message = JSON.parse(String(payload)) as { id?: string; type: string; payload?: { operationName?: string; variables?: { after?: number } } };
      if (message.type === 'subscribe' && message.payload?.operationName === 'TaskEvents')
        frames.push({ id: message.id!, type: 'subscribe', after: message.payload.variables?.after });
      if (message.type === 'complete' && frames.some((f) => f.id === message.id)) frames.push({ id: message.id!, type: 'complete' });
    }),
  );
  await page.goto('/');
  // Two attempts of 1.5 s, 2–4 s apart: the second attempt's lines come while the timeline is open.
  const task = await startTask(page, 'Simulated', {
    'Shortest run (ms)': '1500',
    'Longest run (ms)': '1500',
    'Failure rate': '1',
    Attempts: '2',
    'Retry delay (ms)': '4000',
  });
  const shortId = (await task.getAttribute('data-task-id'))!.slice(0, 8);
  const toggle = task.getByRole('button', { name: `Show timeline of task ${shortId}` });
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  expect(frames).toEqual([]); // closed: not subscribed
  await toggle.click();
  const timeline = task.getByRole('log', { name: `Timeline of task ${shortId}` });
  await expect(timeline.getByTestId('timeline-event').first()).toHaveText(/Queued$/);
  const log = timeline.locator('[data-type="LOG"]');
  await expect(log.first()).toContainText('INFO');
  await expect(log.first()).toContainText('Planned 1.5 s');
  await expect(timeline.locator('[data-type="RETRY_SCHEDULED"]')).toContainText(/Retry scheduled: Attempt 2 of 2 in \d+\.\d s/);
  expect(frames[0]).toMatchObject({ type: 'subscribe', after: 0 });

  // Closed: the subscription ends. Opened again: it starts after the last event shown.
  const before = await shownEvents(task);
  await task.getByRole('button', { name: `Hide timeline of task ${shortId}` }).click();
  await expect(timeline).toHaveCount(0);
  await expect.poll(() => frames.filter((f) => f.type === 'complete').length).toBe(1);
  await task.getByRole('button', { name: `Show timeline of task ${shortId}` }).click();
  await expect.poll(() => frames.filter((f) => f.type === 'subscribe').length).toBe(2);
  expect(frames.at(-1)!.after).toBe(before.at(-1)!.seq);

  // The second attempt's lines arrive live, then the end; every event once, in order.
  await expect(timeline.locator('[data-type="ATTEMPT_STARTED"]')).toHaveCount(2, { timeout: 15_000 });
  await expect.poll(async () => (await log.allTextContents()).filter((t) => t.includes('Planned 1.5 s')).length, { timeout: 15_000 }).toBe(2);
  await expect(timeline.locator('[data-type="ENDED"]')).toHaveText(/Ended ERROR: The task failed/, { timeout: 15_000 });
  await expect(task.getByTestId('task-status')).toHaveText('ERROR');
  const events = await shownEvents(task);
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(events.at(-1)!.type).toBe('ENDED');
  await page.screenshot({ path: test.info().outputPath('timeline.png'), fullPage: true });
});
