// Share links carry the whole project shape — model, resolution, classes, scheme, target, budgets —
// and a received link opens as a new project, never over the open one. A link made with a model file
// says which file to open, and opens once the recipient picks the same file.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { test, expect, saveScreenshot } from './fixtures';
import { bytesOf, findNode, schemeFromUrl } from './helpers';

const MCUNET_PKL = resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/models/tiny-training/mcunet-5fps.pkl');
test.describe.configure({ timeout: 180_000 });

const projectButton = (page: Page) => page.locator('.project-button');

async function projectNames(page: Page): Promise<string[]> {
  await projectButton(page).click();
  const names = await page.getByRole('menu', { name: 'Projects' }).locator('.menu-list .menu-item').evaluateAll((els) => els.map((e) => e.firstChild?.textContent?.trim() ?? ''));
  await page.keyboard.press('Escape');
  return names;
}

test('a link round-trips every field into a new project; the open one is untouched', async ({ page, context }) => {
  // The sender: mcunet-5fps at 96 px, 7 classes, the 99kb scheme with one more weight, a custom target.
  await page.goto('/');
  await page.getByRole('combobox', { name: 'Model' }).selectOption('mcunet-5fps');
  await page.getByLabel('Resolution').fill('96');
  await page.getByLabel('Resolution').press('Enter');
  await page.getByLabel('Classes').fill('7');
  await page.getByLabel('Classes').press('Enter');
  await page.getByRole('combobox', { name: 'Scheme' }).selectOption('mcunet-5fps@99kb');
  await findNode(page, 'conv33');
  await page.getByTestId('fwd-node-conv33').getByRole('radio', { name: 'Weight ratio 1/2 for conv 33' }).click();
  await page.getByTestId('sram-total').fill('300');
  await page.getByTestId('sram-total').press('Enter');
  await page.getByTestId('sram-budget').fill('200');
  await page.getByTestId('sram-budget').press('Enter');
  await page.getByTestId('flash-budget').fill('900');
  await page.getByTestId('flash-budget').press('Enter');
  const sram = await bytesOf(page, 'sram-figure');
  await expect.poll(() => new URL(page.url()).hash).toContain('flash=921600');
  const link = page.url();
  expect(new URL(link).hash).toMatch(/model=mcunet-5fps&resolution=96&classes=7&scheme=.*&target=custom&sram=307200&budget=204800&flash=921600/);

  // The recipient has a project of their own open, edited.
  const other = await context.browser()!.newContext();
  await other.addInitScript(() => localStorage.setItem('tinytrain.tour', 'done'));
  const them = await other.newPage();
  await them.goto('/');
  await them.getByRole('combobox', { name: 'Scheme' }).selectOption('bias-only');
  await expect(them.getByTestId('save-state')).toHaveAttribute('data-saving', 'false');
  await them.waitForTimeout(300);
  await them.goto(link);
  await expect(them.getByRole('combobox', { name: 'Model' })).toHaveValue('mcunet-5fps', { timeout: 20_000 });
  await expect(them.getByLabel('Resolution')).toHaveValue('96');
  await expect(them.getByLabel('Classes')).toHaveValue('7');
  await expect(them.getByRole('combobox', { name: 'Target' })).toHaveValue('custom');
  await expect(them.getByTestId('sram-total')).toHaveValue('300');
  await expect(them.getByTestId('sram-budget')).toHaveValue('200');
  await expect(them.getByTestId('flash-budget')).toHaveValue('900');
  expect(schemeFromUrl(them.url())).toEqual(schemeFromUrl(link));
  expect(await bytesOf(them, 'sram-figure')).toBe(sram);
  await expect(them.locator('.status-notice')).toContainText('as a new project');
  await saveScreenshot(them, 'share-received');
  // A new project beside theirs; theirs kept its scheme.
  const names = await projectNames(them);
  expect(names).toHaveLength(2);
  expect(names.some((n) => n.startsWith('Shared: mcunet-5fps 96px'))).toBe(true);
  await projectButton(them).click();
  await them.getByRole('menuitem', { name: /^Untitled project/ }).click();
  await expect(them.getByRole('combobox', { name: 'Scheme' })).toHaveValue('bias-only');
  // The address bar follows the open project (after a short pause): only then is pasting the link a change.
  await expect.poll(() => them.url()).not.toBe(link);
  // The same link again opens that project, not a copy.
  await them.goto(link);
  await expect(them.getByLabel('Resolution')).toHaveValue('96', { timeout: 20_000 });
  expect(await projectNames(them)).toHaveLength(2);
  await other.close();
});

test('a link made with a .pkl names the file; the recipient\'s copy opens it as a new project', async ({ page, context }) => {
  await page.goto('/');
  await page.getByLabel('Model file').setInputFiles(MCUNET_PKL);
  await expect(page.getByRole('combobox', { name: 'Model' })).toContainText('mcunet-5fps.pkl', { timeout: 30_000 });
  await expect.poll(() => new URL(page.url()).hash).toContain('model=file');
  const link = page.url();
  expect(new URL(link).hash).toContain('file=mcunet-5fps.pkl');
  expect(link.length).toBeLessThan(2000); // the file's bytes never travel

  const other = await context.browser()!.newContext();
  await other.addInitScript(() => localStorage.setItem('tinytrain.tour', 'done'));
  const them = await other.newPage();
  await them.goto(link);
  const banner = them.getByTestId('shared-link-banner');
  await expect(banner).toContainText('This link needs a file only its sender has: mcunet-5fps.pkl', { timeout: 20_000 });
  await expect(them.getByRole('combobox', { name: 'Model' })).toContainText('tinytrain-demo'); // nothing opened yet
  await saveScreenshot(them, 'share-needs-file');
  await them.getByLabel('Your copy of mcunet-5fps.pkl').setInputFiles(MCUNET_PKL);
  await expect(them.getByRole('combobox', { name: 'Model' })).toContainText('mcunet-5fps.pkl', { timeout: 30_000 });
  await expect(banner).toHaveCount(0);
  expect(await projectNames(them)).toHaveLength(2);
  await other.close();
});

test('a link with a bad field opens nothing and names the field', async ({ page }) => {
  await page.goto('/#model=mcunet-5fps&resolution=4&classes=10&scheme=%7B%7D&target=stm32f746&sram=327680&budget=262144&flash=1048576');
  await expect(page.getByRole('alert')).toContainText('the link\'s resolution "4" must be a whole number from 8 to 1024');
  await expect(page.getByRole('combobox', { name: 'Model' })).toContainText('tinytrain-demo');
  expect(await projectNames(page)).toHaveLength(1);
});
