import { expect, test } from '@playwright/test';
import { startStack, type Stack } from './own-stack';

/**
 * The page under the edge's fair-use refusals: a full queue (the admission bound) and a spent
 * address budget both say when to try again, count down, and keep the start button off. The
 * backend runs no worker, so every task started stays queued.
 */
let stack: Stack;
const MAX_QUEUED = 2;
const OPS_LIMIT = 40;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  stack = await startStack({
    backend: { BACKEND_ROLE: 'api', MAX_QUEUED_TASKS: String(MAX_QUEUED) },
    frontend: { ADDRESS_OPS_LIMIT: String(OPS_LIMIT), ADDRESS_OPS_WINDOW_S: '60' },
  });
});

test.afterAll(async () => {
  await stack?.stop();
});

test('a full queue, then a spent address budget: each says when to try again and counts down', async ({ page }) => {
  await page.goto(stack.url);
  const start = page.getByRole('button', { name: 'Start a task' });
  for (let i = 1; i <= MAX_QUEUED; i++) {
    await start.click();
    await expect(page.getByTestId('task')).toHaveCount(i);
  }
  await start.click();
  const notice = page.getByTestId('start-error');
  await expect(notice).toHaveText(/^Too many tasks are waiting to run: try again in \d+ s\.$/);
  await expect(start).toHaveAttribute('aria-disabled', 'true');
  await page.screenshot({ path: test.info().outputPath('queue-full.png') });
  await expect(start).not.toHaveAttribute('aria-disabled', 'true', { timeout: 15_000 });

  // This machine's address (every request here comes from 127.0.0.1) spends its operations.
  let refused = false;
  for (let i = 0; i < OPS_LIMIT && !refused; i++) {
    const r = await page.request.post(`${stack.url}/api/graphql`, { data: { query: '{ __typename }' } });
    refused = r.status() === 429;
  }
  expect(refused).toBe(true);
  await start.click();
  await expect(notice).toHaveText(/^Too many tasks started at once: try again in \d+ s\.$/);
  await expect(start).toHaveAttribute('aria-disabled', 'true');
  await expect(page.getByTestId('task')).toHaveCount(MAX_QUEUED);
});
