import { copyFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { startTask } from './start';

/**
 * The page as people use it: server-rendered first view, keyboard, screen-reader
 * announcements, a phone-sized screen. Runs on the shared stack (global-setup.ts).
 */

const FINAL = /^(FINISHED|ERROR|CANCELLED)$/;

/** axe-core's WCAG 2.x A/AA rules (contrast, names, roles, landmarks...) on the page as it is now. */
async function expectNoAxeViolations(page: Page) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`);
  expect(found, 'axe-core violations').toEqual([]);
  expect(result.passes.length, 'axe-core ran its rules').toBeGreaterThan(10);
}

/** The focused element's outline, as the user sees it. */
async function focusRing(locator: Locator) {
  return locator.evaluate((el) => {
    const style = getComputedStyle(el);
    return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  });
}

test('the first view is server-rendered with the session’s tasks (even without JavaScript)', async ({ page, browser }) => {
  await page.goto('/');
  const task = await startTask(page);
  const id = (await task.getAttribute('data-task-id'))!;
  await expect(task.getByTestId('task-status')).toHaveText(FINAL);

  // Hydrating the server's list (times, statuses, durations) gives the same markup: React
  // reports any mismatch as a console error or a page error.
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await page.reload();
  await expect(page.locator(`[data-task-id="${id}"]`).getByTestId('task-status')).toHaveText(FINAL);
  await expect(page.locator(`[data-task-id="${id}"] time`).first()).not.toContainText('UTC'); // local time once hydrated
  expect(problems).toEqual([]);

  // The HTML the server sends for this session already holds the task.
  const html = await (await page.request.get('/')).text();
  expect(html).toContain(`data-task-id="${id}"`);
  expect(html).toContain('Start a task');

  // Same session, JavaScript off: the list and the statuses are there.
  const noJs = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const plain = await noJs.newPage();
  await plain.goto(page.url());
  await expect(plain.locator(`[data-task-id="${id}"]`)).toBeVisible();
  await expect(plain.locator(`[data-task-id="${id}"]`).getByTestId('task-status')).toHaveText(/^(WAITING|IN PROGRESS|FINISHED|ERROR)$/);
  await plain.screenshot({ path: test.info().outputPath('server-rendered-no-js.png') });
  await noJs.close();
});

test('everything works from the keyboard, with a visible focus, and changes are announced', async ({ page }) => {
  await page.goto('/');
  const start = page.getByRole('button', { name: 'Start a task' });
  await expect(start).toBeVisible();
  // The form comes first: the kind, then its fields. A long task (20 s), so that it is still
  // running when Cancel is pressed, however busy the machine.
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Kind')).toBeFocused();
  await page.keyboard.press('Tab');
  const shortest = page.getByLabel('Shortest run (ms)', { exact: true });
  await expect(shortest).toBeFocused();
  expect(await focusRing(shortest)).toEqual({ style: 'solid', width: 3 });
  await page.keyboard.type('20000');
  // On through the form to the start button.
  for (let i = 0; i < 8 && !(await start.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(start).toBeFocused();
  expect(await focusRing(start)).toEqual({ style: 'solid', width: 3 });

  await page.keyboard.press('Enter');
  await expect(page.getByTestId('task')).toHaveCount(1);
  const task = page.getByTestId('task').first();
  const shortId = (await task.getAttribute('data-task-id'))!.slice(0, 8);
  // Status changes go to a polite live region, in words.
  const announcer = page.getByTestId('announcer');
  await expect(announcer).toHaveAttribute('role', 'status');
  // A WAITING task may be picked up at once: its live update can reach the page before the list
  // shows the task (then the task enters already IN PROGRESS) or just after (then the next message
  // replaces the first).
  await expect(announcer).toHaveText(new RegExp(`^Task ${shortId} (started, (WAITING|IN PROGRESS)|is now IN PROGRESS)\\.$`));

  // Next in the tab order: the list's filters and bulk actions, then the new task's Cancel button.
  for (const control of [
    page.getByLabel('Status'),
    page.getByLabel('Type', { exact: true }),
    page.getByRole('button', { name: 'Cancel all running' }),
    page.getByRole('button', { name: 'Retry all failed' }),
  ]) {
    await page.keyboard.press('Tab');
    await expect(control).toBeFocused();
  }
  await page.keyboard.press('Tab');
  const cancel = task.getByRole('button', { name: `Cancel task ${shortId}` });
  await expect(cancel).toBeFocused();
  expect(await focusRing(cancel)).toEqual({ style: 'solid', width: 3 });
  await page.screenshot({ path: test.info().outputPath('keyboard-focus.png') });
  await page.keyboard.press('Space');

  // A 20 s task cancelled at once: cancel wins.
  await expect(task.getByTestId('task-status')).toHaveText('CANCELLED');
  await expect(announcer).toContainText(`Task ${shortId} is now CANCELLED.`);
  // The button is gone; the focus stays on the task instead of falling back to the page.
  await expect(cancel).toHaveCount(0);
  await expect(task).toBeFocused();
  await expect(task).toHaveAccessibleName(`Task #${shortId} CANCELLED`);
});

test.describe('on a phone-sized screen (375×667)', () => {
  test.use({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });

  test('the page fits, and a task can be started, followed and cancelled', async ({ page }) => {
    await page.goto('/');
    const noHorizontalScroll = () => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
    expect(await noHorizontalScroll()).toBe(true);

    const first = await startTask(page);
    await expect(first.getByTestId('task-status')).toHaveText('IN PROGRESS');
    await expect(first.getByRole('progressbar')).toBeVisible();
    const second = await startTask(page);
    await second.getByRole('button', { name: /^Cancel task/ }).tap();
    await expect(second.getByTestId('task-status')).toHaveText(FINAL);
    expect(await noHorizontalScroll()).toBe(true);

    // Touch targets stay comfortable: the start button spans the width, buttons are ≥ 44 px high.
    const box = (await page.getByRole('button', { name: 'Start a task' }).boundingBox())!;
    expect(box.width).toBeGreaterThan(300);
    expect(box.height).toBeGreaterThanOrEqual(44);
    await page.screenshot({ path: test.info().outputPath('phone.png'), fullPage: true });
    await expectNoAxeViolations(page);
    await expect(first.getByTestId('task-status')).toHaveText(FINAL);
  });
});

/**
 * The README's screenshot: the form and a task in each state, kinds and results, a retry
 * counting down and a live timeline. Always saved under test-results; copied to docs/page.png
 * when LONGRUN_UPDATE_DOCS_SCREENSHOT=1.
 */
test('a picture of the page for the README, with no axe-core violations in any task state', async ({ page }) => {
  await page.setViewportSize({ width: 900, height: 640 });
  await page.goto('/');
  const failed = await startTask(page, 'Simulated', { 'Shortest run (ms)': '300', 'Longest run (ms)': '300', 'Failure rate': '1' });
  const primes = await startTask(page, 'Count primes', { 'Count primes below': '1000000' });
  const exported = await startTask(page, 'Export history', { Format: 'CSV' });
  for (const [task, status] of [
    [failed, 'ERROR'],
    [primes, 'FINISHED'],
    [exported, 'FINISHED'],
  ] as const)
    await expect(task.getByTestId('task-status')).toHaveText(status);
  const simulated = (min: string, failureRate: string, retry = { Attempts: '', 'Retry delay (ms)': '' }) =>
    startTask(page, 'Simulated', { 'Shortest run (ms)': min, 'Longest run (ms)': min, 'Failure rate': failureRate, ...retry });
  const cancelled = await simulated('20000', '0');
  await cancelled.getByRole('button', { name: /^Cancel task/ }).click();
  await expect(cancelled.getByTestId('task-status')).toHaveText('CANCELLED');
  const retrying = await simulated('300', '1', { Attempts: '3', 'Retry delay (ms)': '30000' });
  await expect(retrying.getByTestId('countdown')).toBeVisible();
  const running = await simulated('6000', '0');
  await running.getByRole('button', { name: /^Show timeline/ }).click();
  await expect(running.getByTestId('task-status')).toHaveText('IN PROGRESS');
  await expect.poll(async () => Number(await running.getByRole('progressbar').getAttribute('value')), { timeout: 10_000 }).toBeGreaterThanOrEqual(30);
  await page.mouse.move(0, 0);
  const path = test.info().outputPath('page.png');
  await page.screenshot({ path, fullPage: true });
  // Every state's colours, the form, the progress bar, the buttons, the timeline: checked by axe-core as shown.
  await expectNoAxeViolations(page);
  if (process.env.LONGRUN_UPDATE_DOCS_SCREENSHOT === '1') {
    const docs = resolve(import.meta.dirname, '../../docs');
    mkdirSync(docs, { recursive: true });
    copyFileSync(path, resolve(docs, 'page.png'));
  }
});
