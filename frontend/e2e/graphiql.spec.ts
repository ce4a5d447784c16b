import { expect, test, type Page } from '@playwright/test';
import { startStack, type Stack } from './own-stack';

/**
 * GraphiQL at /api/graphql on a production build started with GRAPHIQL=true: a mutation over
 * HTTP and a subscription over the WebSocket, both run from GraphiQL itself, and the schema's
 * documentation in its explorer. The stack also allows two live subscriptions per socket (GraphiQL
 * runs one at a time; the page's list keeps one), which the last test uses to refuse the page's
 * second task's.
 */
let stack: Stack;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  stack = await startStack({
    backend: { TASK_MIN_DURATION_MS: '2000', TASK_MAX_DURATION_MS: '4000' },
    frontend: { GRAPHIQL: 'true', WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '2' },
  });
});

test.afterAll(async () => {
  await stack?.stop();
});

/** Opens GraphiQL with `query` in its editor and runs it. */
async function run(page: Page, query: string) {
  await page.goto(`${stack.url}/api/graphql?query=${encodeURIComponent(query)}`);
  await expect(page.locator('.graphiql-query-editor')).toContainText(query.split('\n')[0].slice(0, 20));
  await page.locator('.graphiql-execute-button').click();
}

/** The result pane's text (a JSON document). */
// biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText(), the text as rendered, not the DOM property.
const resultText = (page: Page) => page.locator('.graphiql-response').innerText();

test('createTask, then the taskStatus subscription to a final status, then the tasks query, from GraphiQL', async ({ page }) => {
  test.setTimeout(120_000);
  await run(page, 'mutation Start {\n  createTask { id status version }\n}');
  await expect.poll(() => resultText(page), { timeout: 30_000 }).toMatch(/"status":\s*"WAITING"/);
  const id = /"id":\s*"([0-9a-f-]{36})"/.exec(await resultText(page))![1];

  await run(page, `subscription Watch {\n  taskStatus(id: "${id}") { id status progress version error }\n}`);
  await expect.poll(() => resultText(page), { timeout: 60_000 }).toMatch(/"status":\s*"(FINISHED|ERROR)"/);
  expect(await resultText(page)).toContain(id);
  await page.screenshot({ path: test.info().outputPath('graphiql-subscription.png') });

  // GraphiQL uses the browser's session: the task is in this user's list.
  await run(page, 'query Mine {\n  tasks(first: 5) { id status }\n}');
  await expect.poll(() => resultText(page), { timeout: 30_000 }).toContain(id);
});

test('the schema’s documentation is visible in GraphiQL', async ({ page }) => {
  await page.goto(`${stack.url}/api/graphql`);
  await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
  const docs = page.locator('.graphiql-doc-explorer');
  await expect(docs).toBeVisible();
  await docs
    .getByRole('link', { name: 'Subscription' })
    .or(docs.getByText('Subscription', { exact: true }))
    .first()
    .click();
  await expect(docs).toContainText("The task's current state at once, then every change; completes after a final state.");
  await page.screenshot({ path: test.info().outputPath('graphiql-docs.png') });
});

test('a task the page may not follow yet (subscription limit) says why, and the live list carries it to its end', async ({ page }) => {
  await page.goto(stack.url);
  const start = page.getByRole('button', { name: 'Start a task' });
  await start.click();
  await expect(page.getByTestId('task')).toHaveCount(1);
  await start.click();
  await expect(page.getByTestId('task')).toHaveCount(2);
  const [second, first] = [page.getByTestId('task').nth(0), page.getByTestId('task').nth(1)];
  // The page's socket already carries the list's taskUpdates and the first task's status: the
  // second task's is refused.
  await expect(second.getByRole('alert')).toContainText('Too many requests');
  await page.screenshot({ path: test.info().outputPath('subscription-refused.png') });
  await expect(second.getByRole('button', { name: 'Follow it again' })).toBeVisible();
  // The list's taskUpdates carries the second task all the same: it reaches its final status,
  // and the refusal, about a live view no longer needed, goes away.
  await expect(first.getByTestId('task-status')).toHaveText(/^(FINISHED|ERROR)$/);
  await expect(second.getByTestId('task-status')).toHaveText(/^(FINISHED|ERROR)$/);
  await expect(second.getByRole('alert')).toHaveCount(0);
});
