import { expect, type Locator, type Page } from '@playwright/test';

/**
 * Starts a task from the page's form: the kind by its title, then each field by its label (a
 * select is chosen, anything else typed). Without arguments, the plain "Start a task" (the
 * simulated kind with the server's defaults). Returns the new card by its id, so it stays that
 * card when later tasks go on top.
 */
export async function startTask(page: Page, kind?: string, fields: Record<string, string> = {}): Promise<Locator> {
  const before = await page.getByTestId('task').count();
  await fillAndStart(page, kind, fields);
  await expect(page.getByTestId('task')).toHaveCount(before + 1);
  return page.locator(`[data-task-id="${await page.getByTestId('task').first().getAttribute('data-task-id')}"]`);
}

/** Fills the form and presses "Start a task", whatever comes of it. */
export async function fillAndStart(page: Page, kind?: string, fields: Record<string, string> = {}): Promise<void> {
  if (kind) {
    // A choice made before React hydrates the form is lost (the server's markup is replaced): on a
    // loaded machine that happened in CI. Choose again until the kind's first field is there.
    const first = Object.keys(fields)[0];
    await expect(async () => {
      await page.getByLabel('Kind').selectOption({ label: kind });
      if (first) await expect(page.getByLabel(first, { exact: true })).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: 30_000 });
  }
  for (const [label, value] of Object.entries(fields)) {
    const field = page.getByLabel(label, { exact: true });
    if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
  await page.getByRole('button', { name: 'Start a task' }).click();
}
