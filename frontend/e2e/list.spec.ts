import { expect, test, type Page } from '@playwright/test';
import { startTask } from './start';

/**
 * The list (issue 15, parts 1–3) on the shared stack: live across tabs of one session, filters
 * and counts, "Load more" through the whole history, and the bulk actions.
 */

const FINAL = /^(FINISHED|ERROR|CANCELLED)$/;

/** An operation as this page's session (its cookie), through the gateway as the page sends them. */
async function gql<T = Record<string, unknown>>(page: Page, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await page.request.post('/api/graphql', { headers: { 'x-graphql-yoga-csrf': '1' }, data: { query, variables } });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data!;
}

const CREATE = 'mutation($input: CreateTaskInput, $retry: RetryPolicyInput) { createTask(input: $input, retry: $retry) { id } }';
/** A task that ends at once: FINISHED, or ERROR with `fails` (one attempt). */
const quick = (fails = false) => ({ input: { simulated: { minDurationMs: 0, maxDurationMs: 0, failureRate: fails ? 1 : 0 } }, retry: { maxAttempts: 1 } });

/** Creates `n` tasks, waiting out the createTask budget (20 per 10 s) when it runs out. */
async function createMany(page: Page, n: number, variables: Record<string, unknown>): Promise<string[]> {
  const ids: string[] = [];
  while (ids.length < n) {
    const response = await page.request.post('/api/graphql', { headers: { 'x-graphql-yoga-csrf': '1' }, data: { query: CREATE, variables } });
    const body = (await response.json()) as {
      data?: { createTask: { id: string } };
      errors?: { extensions?: { code?: string; retryAfterSeconds?: number } }[];
    };
    const error = body.errors?.[0]?.extensions;
    if (error?.code === 'RATE_LIMITED') await page.waitForTimeout((error.retryAfterSeconds ?? 1) * 1000);
    else {
      expect(body.errors).toBeUndefined();
      ids.push(body.data!.createTask.id);
    }
  }
  return ids;
}

/** Waits until every task of the session has ended (asked of the server, not the page). */
async function allFinal(page: Page) {
  await expect
    .poll(
      async () =>
        (await gql<{ taskHistory: { totalCount: number } }>(page, 'query { taskHistory(filter: { status: [WAITING, IN_PROGRESS] }) { totalCount } }'))
          .taskHistory.totalCount,
      {
        timeout: 60_000,
      },
    )
    .toBe(0);
}

test('a task started in one tab shows in another within a second and reaches its final state there live', async ({ context }) => {
  const [first, second] = [await context.newPage(), await context.newPage()];
  await first.goto('/');
  await second.goto('/');
  await expect(second.getByText('No tasks yet.')).toBeVisible();
  // The second tab's list is live before anything happens in the first.
  await expect(second.getByTestId('connection')).toHaveText('Connected · live');

  const task = await startTask(first);
  const id = (await task.getAttribute('data-task-id'))!;
  const there = second.locator(`[data-task-id="${id}"]`);
  await expect(there).toBeVisible({ timeout: 1000 });
  await expect(there.getByTestId('task-status')).toHaveText(/^(WAITING|IN PROGRESS)$/);
  await expect(there.getByTestId('task-status')).toHaveText(FINAL);
  await expect(there.getByTestId('task-status')).toHaveText((await task.getByTestId('task-status').textContent())!);
  await second.screenshot({ path: test.info().outputPath('second-tab.png') });

  // A task created outside any tab (the same session over HTTP) comes in live too, on top.
  const [other] = await createMany(first, 1, quick());
  await expect(second.getByTestId('task').first()).toHaveAttribute('data-task-id', other, { timeout: 1000 });
  await expect(second.getByTestId('task')).toHaveCount(2);
});

test('filters by status and kind, with counts per status, kept in the address', async ({ page }) => {
  await page.goto('/');
  await createMany(page, 3, quick(false));
  await createMany(page, 2, quick(true));
  await createMany(page, 1, { input: { primes: { below: 1000 } }, retry: { maxAttempts: 1 } });
  await allFinal(page);
  await expect(page.getByTestId('task')).toHaveCount(6);

  const status = page.getByLabel('Status');
  // The counts follow the tasks live (read again after their status changes).
  await expect(status.locator('option[value="FINISHED"]')).toHaveText('FINISHED (4)');
  await expect(status.locator('option[value="ERROR"]')).toHaveText('ERROR (2)');
  await expect(status.locator('option[value=""]')).toHaveText('All statuses (6)');

  await status.selectOption('ERROR');
  await expect(page.getByTestId('task')).toHaveCount(2);
  for (const s of await page.getByTestId('task-status').allTextContents()) expect(s).toBe('ERROR');
  await expect(page).toHaveURL(/\?status=ERROR$/);

  await status.selectOption('');
  await page.getByLabel('Type', { exact: true }).selectOption('primes');
  await expect(page.getByTestId('task')).toHaveCount(1);
  await expect(page.getByTestId('task-kind')).toHaveText('primes');
  // Counts are for the kind chosen.
  await expect(status.locator('option[value="FINISHED"]')).toHaveText('FINISHED (1)');
  await expect(status.locator('option[value="ERROR"]')).toHaveText('ERROR (0)');
  await status.selectOption('ERROR');
  await expect(page.getByTestId('list-empty')).toHaveText('No ERROR tasks of kind primes.');
  await page.screenshot({ path: test.info().outputPath('filtered-empty.png') });

  // The filter is in the address: a reload renders the same list on the server.
  await page.getByLabel('Type', { exact: true }).selectOption('');
  await expect(page).toHaveURL(/\?status=ERROR$/);
  const html = await (await page.request.get('/?status=FINISHED&kind=simulated')).text();
  expect(html.match(/data-testid="task"/g)).toHaveLength(3);
  await page.reload();
  await expect(status).toHaveValue('ERROR');
  await expect(page.getByTestId('task')).toHaveCount(2);

  // A live task comes into a status filter when it reaches that status.
  await status.selectOption('FINISHED');
  await expect(page.getByTestId('task')).toHaveCount(4);
  const [late] = await createMany(page, 1, quick(false));
  await expect(page.locator(`[data-task-id="${late}"]`).getByTestId('task-status')).toHaveText('FINISHED');
  await expect(page.getByTestId('task')).toHaveCount(5);
  await expect(page.getByTestId('task').first()).toHaveAttribute('data-task-id', late);

  // A task created while another filter hides it is there when its list is chosen again.
  await status.selectOption('ERROR');
  await expect(page.getByTestId('task')).toHaveCount(2);
  const [hidden] = await createMany(page, 1, quick(false));
  await status.selectOption('');
  await expect(page.locator(`[data-task-id="${hidden}"]`)).toBeVisible();
  await expect(page.getByTestId('task')).toHaveCount(8);
});

test('"Load more" pages through the whole history, each task once, newest first', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  const ids = await createMany(page, 45, quick());
  await page.reload();
  const cards = page.getByTestId('task');
  await expect(cards).toHaveCount(20);
  const more = page.getByRole('button', { name: 'Load more' });
  await more.click();
  await expect(cards).toHaveCount(40);
  // A task created while paging goes on top and shifts nothing.
  const [late] = await createMany(page, 1, quick());
  await expect(cards).toHaveCount(41);
  await more.click();
  await expect(cards).toHaveCount(46);
  await expect(more).toHaveCount(0);
  const shown = await cards.evaluateAll((items) => items.map((el) => el.getAttribute('data-task-id')));
  expect(new Set(shown).size).toBe(46);
  expect(shown).toEqual([late, ...ids.reverse()]);
});

test('"Cancel all running" asks first, then leaves each running task CANCELLED', async ({ page }) => {
  await page.goto('/');
  const long = { input: { simulated: { minDurationMs: 60_000, maxDurationMs: 60_000, failureRate: 0 } } };
  const running = await createMany(page, 4, long);
  const [done] = await createMany(page, 1, quick());
  await expect(page.locator(`[data-task-id="${done}"]`).getByTestId('task-status')).toHaveText('FINISHED');
  await expect(page.getByTestId('task').getByTestId('task-status').filter({ hasText: 'IN PROGRESS' })).toHaveCount(4);

  await page.getByRole('button', { name: 'Cancel all running' }).click();
  const line = page.getByTestId('bulk-line');
  await expect(line).toContainText('Cancel 4 running tasks?');
  // The confirmation has the focus; "Keep them" changes nothing.
  await expect(page.getByRole('button', { name: 'Cancel them' })).toBeFocused();
  await page.screenshot({ path: test.info().outputPath('bulk-confirm.png') });
  await page.getByRole('button', { name: 'Keep them' }).click();
  await expect(line).toBeEmpty();

  await page.getByRole('button', { name: 'Cancel all running' }).click();
  await page.getByRole('button', { name: 'Cancel them' }).click();
  await expect(line).toHaveText('Cancelled 4 tasks.');
  for (const id of running) await expect(page.locator(`[data-task-id="${id}"]`).getByTestId('task-status')).toHaveText('CANCELLED');
  await expect(page.locator(`[data-task-id="${done}"]`).getByTestId('task-status')).toHaveText('FINISHED');
  await expect(page.getByLabel('Status').locator('option[value="CANCELLED"]')).toHaveText('CANCELLED (4)');
  await page.screenshot({ path: test.info().outputPath('bulk-cancelled.png') });

  // Nothing left to cancel: the dry run says so.
  await page.getByRole('button', { name: 'Cancel all running' }).click();
  await expect(line).toHaveText('No running tasks.');
});

test('"Retry all failed" runs each failed task again, linked to it', async ({ page }) => {
  await page.goto('/');
  const failed = await createMany(page, 3, quick(true));
  await createMany(page, 1, quick(false));
  await allFinal(page);
  await expect(page.getByTestId('task-status').filter({ hasText: 'ERROR' })).toHaveCount(3);

  await page.getByRole('button', { name: 'Retry all failed' }).click();
  const line = page.getByTestId('bulk-line');
  await expect(line).toContainText('Retry 3 failed tasks?');
  await page.getByRole('button', { name: 'Retry them' }).click();
  await expect(line).toHaveText('Retried 3 tasks.');
  await expect(page.getByTestId('task')).toHaveCount(7);
  for (const id of failed) await expect(page.locator(`[data-task-id="${id}"]`).getByTestId('task-lineage')).toContainText('Run again as #');
  await allFinal(page);
});

test('a bulk action over the createTask budget says when to try again, its buttons off meanwhile', async ({ page }) => {
  await page.goto('/');
  // Twenty failed tasks spend the session's whole budget (20 per 10 s).
  await createMany(page, 20, quick(true));
  await allFinal(page);
  await page.getByRole('button', { name: 'Retry all failed' }).click();
  const line = page.getByTestId('bulk-line');
  await expect(line).toContainText('Retry 20 failed tasks?');
  await page.getByRole('button', { name: 'Retry them' }).click();
  // RATE_LIMITED if the budget is still spent; on a slow machine part of it may be back: then
  // the call stops when it runs out again, with when to run it again for the rest.
  await expect(line).toHaveText(/(Too many requests: try again in \d+ s\.|The task budget ran out: run it again in \d+ s for the rest\.)/);
  await expect(page.getByRole('button', { name: 'Retry all failed' })).toHaveAttribute('aria-disabled', 'true');
  await page.screenshot({ path: test.info().outputPath('bulk-rate-limited.png') });
  await expect(page.getByRole('button', { name: 'Retry all failed' })).toHaveAttribute('aria-disabled', 'false', { timeout: 15_000 });
});
