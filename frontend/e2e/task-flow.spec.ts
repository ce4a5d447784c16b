import { expect, test, type Page, type WebSocket } from '@playwright/test';
import { planTask } from '../../backend/src/tasks/kinds/simulated/plan';
import { E2E_FAILURE_RATE, E2E_SEED } from './stack';
import { startTask } from './start';

/** What the seeded backend will do with this task. */
function expectedOutcome(taskId: string): 'FINISHED' | 'ERROR' {
  const plan = planTask(taskId, { seed: E2E_SEED, failureRate: Number(E2E_FAILURE_RATE), minDurationMs: 0, maxDurationMs: 0 });
  return plan.fails ? 'ERROR' : 'FINISHED';
}

const LIVE = /^(WAITING|IN PROGRESS)$/;
const FINAL = /^(FINISHED|ERROR|CANCELLED)$/;

/** Records the page's GraphQL WebSockets (not Next's own), open and closed. */
function trackGraphqlSockets(page: Page) {
  const sockets: { ws: WebSocket; closed: boolean }[] = [];
  page.on('websocket', (ws) => {
    if (!ws.url().endsWith('/api/graphql')) return;
    const entry = { ws, closed: false };
    sockets.push(entry);
    ws.on('close', () => (entry.closed = true));
  });
  return {
    opened: () => sockets.length,
    open: () => sockets.filter((s) => !s.closed).length,
  };
}

test('a task goes live from WAITING or IN PROGRESS to a final state, on the page’s one socket', async ({ page }) => {
  const sockets = trackGraphqlSockets(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'longrun' })).toBeVisible();

  const task = await startTask(page);
  const status = task.getByTestId('task-status');
  await expect(status).toHaveText(LIVE);
  await expect(task.getByTestId('task-status')).toHaveText('IN PROGRESS');
  await expect(task.getByRole('progressbar')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('in-progress.png') });

  await expect(status).toHaveText(expectedOutcome((await task.getAttribute('data-task-id'))!));
  if ((await status.textContent()) === 'ERROR') await expect(task.getByTestId('task-error')).not.toBeEmpty();
  await page.screenshot({ path: test.info().outputPath('final.png') });

  // One socket carries everything live (the list's taskUpdates, the task's status) and stays
  // open for the list.
  expect(sockets.opened()).toBe(1);
  expect(sockets.open()).toBe(1);
});

test('several tasks run at once, each reaching its own outcome: FINISHED, or ERROR with a reason', async ({ page }) => {
  await page.goto('/');
  for (let i = 0; i < 8; i++) await startTask(page);
  const tasks = page.getByTestId('task');
  const statuses = tasks.getByTestId('task-status');
  await expect.poll(async () => (await statuses.allTextContents()).every((s) => FINAL.test(s)), { timeout: 60_000 }).toBe(true);
  await page.screenshot({ path: test.info().outputPath('many.png'), fullPage: true });
  const outcomes = new Set<string>();
  for (const task of await tasks.all()) {
    const id = (await task.getAttribute('data-task-id'))!;
    const expected = expectedOutcome(id);
    outcomes.add(expected);
    await expect(task.getByTestId('task-status'), `task ${id}`).toHaveText(expected);
    if (expected === 'ERROR') await expect(task.getByTestId('task-error')).toContainText('failed');
  }
  // With 8 seeded tasks at rate 0.5 both outcomes are overwhelmingly likely, but not certain:
  // the per-task assertions above are the real check.
  test.info().annotations.push({ type: 'outcomes', description: [...outcomes].join(', ') });
});

test('cancelling a running task shows CANCELLED', async ({ page }) => {
  const sockets = trackGraphqlSockets(page);
  await page.goto('/');
  const task = await startTask(page);
  await expect(task.getByTestId('task-status')).toHaveText('IN PROGRESS');
  await task.getByRole('button', { name: /^Cancel task/ }).click();
  await expect(task.getByTestId('task-status')).toHaveText(/^(CANCELLED|FINISHED|ERROR)$/);
  // A 2–4 s task cancelled right after it started: cancel wins unless the machine stalls.
  await expect(task.getByTestId('task-status')).toHaveText('CANCELLED');
  await expect(task.getByRole('button', { name: /^Cancel task/ })).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('cancelled.png') });
  expect(sockets.opened()).toBe(1);
});

test('the list survives a reload, and unfinished tasks are live again', async ({ page }) => {
  await page.goto('/');
  const task = await startTask(page);
  const id = await task.getAttribute('data-task-id');
  await page.reload();
  const again = page.locator(`[data-task-id="${id}"]`);
  await expect(again).toBeVisible();
  await expect(again.getByTestId('task-status')).toHaveText(expectedOutcome(id!));
});

test('another browser (session) does not see my tasks', async ({ page, browser }) => {
  await page.goto('/');
  const task = await startTask(page);
  const id = await task.getAttribute('data-task-id');
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await otherPage.goto(page.url());
  await expect(otherPage.getByRole('button', { name: 'Start a task' })).toBeVisible();
  await expect(otherPage.locator(`[data-task-id="${id}"]`)).toHaveCount(0);
  await other.close();
});
