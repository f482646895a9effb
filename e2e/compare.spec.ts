// Schemes side by side: the Compare view shows, for each pinned scheme, the figures `tinytrain plan`
// prints for the same model, resolution, classes and budgets: peak SRAM, every category of its
// breakdown, the paper's analytic figure and Flash. Then a short training run of each, with its noise.
import type { Page } from '@playwright/test';
import { test, expect, saveScreenshot } from './fixtures';
import { planForBuiltin } from './helpers';

test.describe.configure({ timeout: 180_000 });

const view = (page: Page) => page.getByTestId('compare-view');
const bytes = async (page: Page, testId: string) => Number(await page.getByTestId(testId).getAttribute('data-bytes'));

test('each pinned scheme shows the figures tinytrain plan prints', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('tab', { name: 'Compare' }).click();
  await page.getByRole('button', { name: /^Pin the project's scheme and/ }).click();
  await view(page).getByLabel('Pin a preset').selectOption('last-12');
  const pinned = await view(page).locator('thead .compare-name').allTextContents();
  expect(pinned).toEqual(['last-6', 'bias-only', 'last-12']);
  await saveScreenshot(page, 'compare-pinned');

  for (const name of pinned) {
    // The same model file the project opened, at the project's shape and the target's budgets.
    const plan = planForBuiltin('tinytrain-demo', name, ['--resolution', '32', '--classes', '10', '--sram-budget', '256KB', '--flash-budget', '1MB']);
    expect(await bytes(page, `compare-sram-${name}`), `${name}: peak SRAM`).toBe(plan.peakSramBytes);
    expect(await bytes(page, `compare-flash-${name}`), `${name}: Flash`).toBe(plan.flashBytes);
    expect(await bytes(page, `compare-analytic-${name}`), `${name}: analytic`).toBe(plan.analyticBytes);
    for (const [cat, b] of Object.entries(plan.breakdown)) {
      const cell = page.getByTestId(`compare-cat-${cat}-${name}`);
      // A category no pinned scheme uses has no row.
      if (b > 0) expect(await bytes(page, `compare-cat-${cat}-${name}`), `${name}: ${cat}`).toBe(b);
      else if (await cell.count()) expect(await bytes(page, `compare-cat-${cat}-${name}`), `${name}: ${cat}`).toBe(0);
    }
  }

  // The same short run of each scheme in the training worker: an accuracy with its standard error.
  await view(page).getByRole('button', { name: 'Train each for a short run' }).click();
  for (const name of pinned) {
    await expect(page.getByTestId(`compare-acc-${name}`)).toHaveText(/^\d+\.\d% ± \d+\.\d$/, { timeout: 120_000 });
  }
  await saveScreenshot(page, 'compare-accuracy');
  // "use in project" makes a pinned scheme the project's, as one undoable edit.
  await page.getByTestId('compare-col-last-12').getByRole('button', { name: 'use in project' }).click();
  await expect(page.getByRole('combobox', { name: 'Scheme' })).toHaveValue('last-12');
  await page.keyboard.press('Control+z');
  await expect(page.getByRole('combobox', { name: 'Scheme' })).toHaveValue('last-6');
});

test('a fifth scheme is refused with the reason', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('tab', { name: 'Compare' }).click();
  for (const name of ['bias-only', 'last-2', 'last-4', 'full']) await view(page).getByLabel('Pin a preset').selectOption(name);
  await expect(view(page).locator('thead .compare-name')).toHaveCount(4);
  await expect(view(page).getByLabel('Pin a preset')).toBeDisabled();
  await expect(view(page).getByRole('button', { name: /Pin the project's scheme/ })).toBeDisabled();
});
