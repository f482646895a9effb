import { test, expect, saveScreenshot } from './fixtures';

test('the app loads offline with its title', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveTitle('TinyTrain Studio');
  await saveScreenshot(page, 'smoke-home');
});
