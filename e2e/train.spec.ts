// The Train tab: the project's model (the shipped demo model, real weights) trained for real in a Web
// Worker with the project's scheme, the data, split and preprocessing stated, live numbers, titled
// curves with validation points only where measured, and after the run the worker's confusion matrix
// and examples right and wrong; cancel; a zoo model says what it would do instead of training another.
import type { Page } from '@playwright/test';
import { test, expect, saveScreenshot } from './fixtures';
import { openZooModel } from './helpers';

test.describe.configure({ timeout: 180_000 });

const panel = (page: Page) => page.getByRole('region', { name: 'Training', exact: true });

test('trains the project\'s demo model and keeps what it learned', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(panel(page)).toBeVisible();
  // What trains is the project: its model, resolution and scheme, the memory panel's program.
  await expect(page.getByTestId('training-what')).toContainText('tinytrain-demo at 32×32, scheme last-6');
  await expect(page.getByTestId('training-what')).toContainText('learning rate 0.01');
  await expect(page.getByTestId('memory-what')).toContainText('tinytrain-demo 32×32 · last-6');
  await expect(page.getByTestId('training-data')).toContainText('1,000 images, 10 classes; 800 training / 200 validation (split seed 1, balanced by class)');
  await expect(page.getByTestId('training-data')).toContainText('each 28x28 grayscale image: bilinear resize to 32x32, gray repeated over 3 channels');
  await saveScreenshot(page, 'view-train-idle');

  await panel(page).getByRole('button', { name: 'Train', exact: true }).click();
  await expect(panel(page).locator('.training-status')).toHaveText('running', { timeout: 60_000 });
  await expect(page.getByTestId('training-images')).toHaveText(/^\d+ \/ 1600$/, { timeout: 90_000 });
  await expect(page.getByTestId('training-loss')).toHaveText(/^\d+\.\d{4}$/);
  await expect(panel(page).locator('.training-kernels')).toHaveText(/wasm SIMD/);
  await expect(panel(page).locator('.training-status')).toHaveText('completed', { timeout: 150_000 });

  // Validation was measured at the end of each of the 2 epochs: two points, no line between epochs.
  await expect(panel(page).locator('figure[data-val-points]')).toHaveAttribute('data-val-points', '2');
  const val = await page.getByTestId('training-val').textContent();
  expect(Number(val!.replace('%', ''))).toBeGreaterThan(40);
  // The worker's confusion matrix covers the 200 validation images, and its diagonal is the accuracy shown.
  const counts = await page.getByTestId('confusion-matrix').locator('td').evaluateAll((tds) => tds.map((td) => ({
    n: Number(td.getAttribute('data-count')), diag: td.classList.contains('diag'),
  })));
  expect(counts).toHaveLength(100);
  expect(counts.reduce((a, c) => a + c.n, 0)).toBe(200);
  expect((100 * counts.filter((c) => c.diag).reduce((a, c) => a + c.n, 0)) / 200).toBeCloseTo(Number(val!.replace('%', '')), 1);
  await expect(page.getByTestId('examples-right').locator('li')).toHaveCount(8);
  await expect(page.getByTestId('examples-wrong').locator('li').first()).toBeVisible();
  await saveScreenshot(page, 'view-train-results');

  // The results stay: another view and back, and the run is listed.
  await page.getByRole('tab', { name: 'Layers' }).click();
  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(page.getByTestId('training-results')).toBeVisible();
  await expect(panel(page).locator('.runs-table tbody tr')).toHaveCount(1);
});

test('a run is cancelled from the panel; the images count agrees with the message', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('tab', { name: 'Train' }).click();
  const epochs = panel(page).getByLabel('epochs');
  // Enough epochs that the run is still going when the test cancels it.
  await epochs.fill('100');
  await epochs.press('Enter');
  await panel(page).getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByTestId('training-images')).toHaveText(/^\d+ \/ 80000$/, { timeout: 90_000 });
  // The page keeps working while the worker trains: another view opens, and the run goes on.
  await page.getByRole('tab', { name: 'Layers' }).click();
  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(panel(page).locator('.training-status')).toHaveText('running');
  await saveScreenshot(page, 'view-train-running');
  await panel(page).getByRole('button', { name: 'Cancel' }).click();
  await expect(panel(page).locator('.training-status')).toHaveText('cancelled', { timeout: 30_000 });
  const message = await page.getByTestId('training-message').textContent();
  const seen = /cancelled after (\d+) of 80000 images/.exec(message ?? '');
  expect(seen, message ?? '').toBeTruthy();
  await expect(page.getByTestId('training-images')).toHaveText(`${seen![1]} / 80000`);
  // An invalid setting is refused and marked, and the one in force stays.
  await epochs.fill('0');
  await epochs.press('Enter');
  await expect(epochs).toHaveValue('100');
  await expect(epochs).toHaveAttribute('aria-invalid', 'true');
});

test('on a zoo architecture the tab says what it would train and lets the user choose', async ({ page }) => {
  await page.goto('/');
  await openZooModel(page, 'mcunet-5fps');
  await page.getByRole('tab', { name: 'Train' }).click();
  const card = page.getByRole('region', { name: 'Training a zoo architecture' });
  await expect(card).toContainText('mcunet-5fps has synthetic weights');
  await expect(panel(page)).toHaveCount(0);
  await saveScreenshot(page, 'view-train-zoo');
  await card.getByRole('button', { name: /Open the demo model/ }).click();
  await expect(page.getByRole('combobox', { name: 'Model' })).toContainText('tinytrain-demo');
  await expect(page.getByTestId('training-what')).toContainText('tinytrain-demo at 32×32');
});
