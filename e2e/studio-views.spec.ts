// Screenshots of every view at 1366x768 (kept as test artifacts in test-results/screenshots), with
// the checks that each view renders what it should.
import { test, expect, saveScreenshot } from './fixtures';

// The JSON tab loads Monaco (megabytes) on first use; give a busy machine time.
test.describe.configure({ timeout: 60_000 });

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('fwd-node-conv0')).toBeVisible();
});

test('forward graph view', async ({ page }) => {
  await expect(page.getByTestId('sram-figure')).toBeVisible();
  await saveScreenshot(page, 'view-forward');
  await page.getByTestId('fwd-node-conv0').click();
  await expect(page.getByRole('complementary', { name: 'Properties' })).toContainText('conv0');
  await saveScreenshot(page, 'view-forward-selected');
});

test('backward graph view', async ({ page }) => {
  await page.getByRole('tab', { name: 'Backward graph' }).click();
  await expect(page.getByTestId('backward-graph')).toBeVisible();
  await saveScreenshot(page, 'view-backward');
  await page.getByLabel('Show pruned').check();
  await saveScreenshot(page, 'view-backward-pruned');
});

test('layers, scheme JSON and arena views', async ({ page }) => {
  await page.getByRole('tab', { name: 'Layers' }).click();
  await saveScreenshot(page, 'view-layers');
  await page.getByRole('tab', { name: 'Scheme JSON' }).click();
  await expect(page.locator('.monaco-editor')).toBeVisible({ timeout: 20_000 });
  await saveScreenshot(page, 'view-scheme');
  await page.getByRole('tab', { name: 'Arena' }).click();
  await saveScreenshot(page, 'view-arena');
});
