// The Train tab: a real training run in a Web Worker from the shipped demo model and images, with live
// numbers, cancel, and the page usable meanwhile; no request leaves 127.0.0.1.
import { test, expect, saveScreenshot } from './fixtures';

test.describe.configure({ timeout: 180_000 });

test('trains the demo project in a worker, shows progress and cancels', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('tab', { name: 'Train' }).click();
  const panel = page.getByRole('region', { name: 'Training' });
  await expect(panel).toBeVisible();
  await expect(page.getByText(/synthetic weights here, so this trains the shipped demo model/)).toBeVisible();
  // Enough epochs that the run is still going when the test cancels it (two take seconds with the wasm kernels).
  await panel.getByLabel('epochs').fill('100');
  await panel.getByRole('button', { name: 'Train' }).click();
  await expect(panel.locator('.training-status')).toHaveText('running', { timeout: 60_000 });
  // Progress arrives from the worker: a step count and a finite loss.
  await expect(panel.locator('.training-numbers dd').first()).toHaveText(/^\d+ \/ \d+$/, { timeout: 90_000 });
  await expect(panel.locator('.training-numbers dd').nth(1)).toHaveText(/^\d+\.\d{4}$/);
  // The worker compiled the WebAssembly SIMD kernels and trains with them.
  await expect(panel.locator('.training-kernels')).toHaveText(/wasm SIMD/);
  // The page keeps working while the worker trains: another view opens, and the run goes on.
  await page.getByRole('tab', { name: 'Layers' }).click();
  await expect(page.getByRole('tab', { name: 'Layers' })).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(panel.locator('.training-status')).toHaveText('running');
  await saveScreenshot(page, 'view-train');
  await panel.getByRole('button', { name: 'Cancel' }).click();
  await expect(panel.locator('.training-status')).toHaveText('cancelled', { timeout: 30_000 });
});
