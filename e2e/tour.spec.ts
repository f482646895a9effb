// The first-visit tour: a few stops, skippable; the last has the user toggle a conv and shows how the
// peak SRAM moved; it does not come back on the next visit, and the glossary starts it again.
import { test, expect, saveScreenshot } from './fixtures';

test.use({ tour: true });
test.describe.configure({ timeout: 90_000 });

test('the tour ends with the user toggling a layer and watching the bars move', async ({ page }) => {
  await page.goto('/');
  const tour = page.getByTestId('tour');
  await expect(tour).toBeVisible();
  await expect(tour).toContainText('A model with real weights');
  await saveScreenshot(page, 'tour-first');
  for (let i = 1; i < 5; i++) {
    await tour.getByRole('button', { name: 'Next' }).click();
    await expect(tour).toHaveAttribute('data-step', String(i));
  }
  await expect(tour).toContainText('Your turn: toggle a layer');
  await expect(tour.getByRole('button', { name: 'Finish' })).toBeDisabled();
  const conv = /conv (\d+)/.exec((await tour.locator('p').first().textContent())!)![1];
  const before = Number(await page.getByTestId('sram-figure').getAttribute('data-bytes'));
  await page.getByTestId(`fwd-node-conv${conv}`).getByRole('button', { name: `Bias update of conv ${conv}` }).click();
  await expect(page.getByTestId('tour-result')).toContainText('Peak SRAM');
  const after = Number(await page.getByTestId('sram-figure').getAttribute('data-bytes'));
  expect(after).not.toBe(before);
  await saveScreenshot(page, 'tour-toggled');
  await tour.getByRole('button', { name: 'Finish' }).click();
  await expect(tour).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('forward-graph')).toBeVisible();
  await expect(page.getByTestId('tour')).toHaveCount(0);
  // The glossary starts it again; Skip ends it at once.
  await page.getByRole('button', { name: 'Glossary and tour' }).click();
  await page.getByRole('button', { name: 'Take the tour again' }).click();
  await expect(page.getByTestId('tour')).toBeVisible();
  await page.getByTestId('tour').getByRole('button', { name: 'Skip the tour' }).click();
  await expect(page.getByTestId('tour')).toHaveCount(0);
});
