// No silent side effects: an edit that changes other settings lists them in a visible notice, and one
// undo reverts all of it; invalid numbers are marked and not kept; the training budget is bounded by
// the target's SRAM.
import { test, expect, saveScreenshot } from './fixtures';
import { findNode, openZooModel, schemeFromUrl } from './helpers';

test.describe.configure({ timeout: 60_000 });

test('B on conv 33 lists every weight update it turned off; one undo brings them all back', async ({ page }) => {
  await page.goto('/');
  await openZooModel(page, 'mcunet-5fps');
  await page.getByRole('button', { name: 'Dismiss notice' }).click();
  await findNode(page, 'conv33');
  await page.keyboard.press('b');
  const notice = page.getByTestId('edit-notice');
  await expect(notice).toContainText('“turn off the bias of conv 33” also changed:');
  await expect(notice).toContainText('weight updates of convs 24, 27, 30 are turned off');
  await expect(notice).toContainText('biases of convs 22–32 are frozen');
  await saveScreenshot(page, 'edits-notice');
  await expect.poll(() => schemeFromUrl(page.url()).nBias).toBe(8);
  await notice.getByRole('button', { name: /Undo all/ }).click();
  await expect(notice).toHaveCount(0);
  await expect.poll(() => schemeFromUrl(page.url()).nBias).toBe(20);
  for (const c of [24, 27, 30]) await expect(page.getByTestId(`fwd-node-conv${c}`)).toHaveAttribute('data-train', 'weight');
});

test('budgets: a training budget above the SRAM and a non-number are refused and marked; lowering the SRAM says what else moved', async ({ page }) => {
  await page.goto('/');
  const budget = page.getByTestId('sram-budget');
  await budget.fill('400');
  await budget.press('Enter');
  await expect(page.getByRole('alert').filter({ hasText: 'cannot exceed the target\'s SRAM (320 KB)' })).toBeVisible();
  await expect(budget).toHaveValue('256');
  await expect(budget).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('combobox', { name: 'Target' })).toHaveValue('stm32f746');
  await saveScreenshot(page, 'edits-budget-refused');
  const sram = page.getByTestId('sram-total');
  await sram.fill('128');
  await sram.press('Enter');
  await expect(budget).toHaveValue('128');
  const notice = page.getByTestId('edit-notice');
  await expect(notice).toContainText('target: STM32F746 (Cortex-M7) → Custom target');
  await expect(notice).toContainText('training budget: 256 KB → 128 KB');
  await notice.getByRole('button', { name: /Undo all/ }).click();
  await expect(budget).toHaveValue('256');
  await expect(sram).toHaveValue('320');
  await expect(page.getByRole('combobox', { name: 'Target' })).toHaveValue('stm32f746');
});

test('classes: a refused count is marked and the model keeps its own', async ({ page }) => {
  await page.goto('/');
  const classes = page.getByLabel('Classes');
  await classes.fill('1');
  await classes.press('Enter');
  await expect(page.getByRole('alert').filter({ hasText: /classes is 1, outside the allowed 2 to 10,000\. Kept 10/ })).toBeVisible();
  await expect(classes).toHaveValue('10');
  await expect(classes).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('contentinfo', { name: 'Status bar' })).toContainText('3x32x32 → 10 classes');
});
