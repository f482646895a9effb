// The window at a laptop's 1280x720 and a desktop's 1920x1080, in every view: the panels' boxes never
// intersect, nothing scrolls sideways, nothing sits under the status bar; and a screenshot of each
// view at both sizes (test-results/screenshots/layout-<size>-<view>.png).
import type { Page } from '@playwright/test';
import { test, expect, saveScreenshot } from './fixtures';

test.describe.configure({ timeout: 120_000 });

const SIZES = [{ width: 1280, height: 720 }, { width: 1920, height: 1080 }];
const VIEWS = ['Forward graph', 'Backward graph', 'Layers', 'Scheme JSON', 'Train', 'Analysis', 'Compare', 'Step'];
const PANELS = ['.topbar', '.edit-notice', '.graph-area', '.memory-panel', '.side-panel', '.statusbar'];

interface Box { sel: string; x: number; y: number; r: number; b: number }

async function check(page: Page, view: string) {
  const r = await page.evaluate((panels) => {
    const boxes = panels.flatMap((sel) => [...document.querySelectorAll(sel)].map((e) => {
      const b = e.getBoundingClientRect();
      return { sel, x: b.left, y: b.top, r: b.right, b: b.bottom };
    }));
    const status = document.querySelector('.statusbar')!.getBoundingClientRect();
    // What must stay above the status bar: each panel's content boxes (they may scroll inside, never spill).
    const content = ['.graph-area', '.tab-panel', '.memory-panel', '.memory-body', '.budget-bars', '.memory-chart-area', '.side-panel', '.panel-body']
      .map((sel) => [sel, document.querySelector(sel)?.getBoundingClientRect().bottom ?? 0] as const);
    const doc = document.documentElement;
    return { boxes, statusTop: status.top, content, scrollWidth: Math.max(doc.scrollWidth, document.body.scrollWidth), clientWidth: doc.clientWidth, innerHeight };
  }, PANELS);
  expect(r.scrollWidth, `${view}: nothing scrolls sideways`).toBeLessThanOrEqual(r.clientWidth);
  const overlaps: string[] = [];
  const boxes = r.boxes as Box[];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      const w = Math.min(a.r, b.r) - Math.max(a.x, b.x), h = Math.min(a.b, b.b) - Math.max(a.y, b.y);
      if (w > 0.5 && h > 0.5) overlaps.push(`${a.sel} and ${b.sel} overlap by ${w.toFixed(0)}x${h.toFixed(0)}`);
    }
  }
  expect(overlaps, `${view}: panels`).toEqual([]);
  for (const [sel, bottom] of r.content) expect(bottom, `${view}: ${sel} ends above the status bar`).toBeLessThanOrEqual(r.statusTop + 0.5);
  for (const b of boxes) expect(b.b, `${view}: ${b.sel} inside the window`).toBeLessThanOrEqual(r.innerHeight + 0.5);
}

for (const size of SIZES) {
  test(`at ${size.width}x${size.height} every view holds its layout`, async ({ page }) => {
    await page.setViewportSize(size);
    await page.goto('/');
    await expect(page.getByTestId('forward-graph')).toBeVisible();
    for (const view of VIEWS) {
      await page.getByRole('tab', { name: view, exact: true }).click();
      if (view === 'Scheme JSON') await expect(page.locator('.monaco-editor').first()).toBeVisible({ timeout: 30_000 });
      if (view === 'Train') await expect(page.getByTestId('training-data')).toContainText('1,000 images', { timeout: 30_000 });
      if (view === 'Analysis') await expect(page.getByRole('region', { name: 'Contribution analysis' })).toBeVisible({ timeout: 30_000 });
      if (view === 'Compare') {
        await page.getByRole('button', { name: /^Pin the project's scheme and/ }).click();
        await expect(page.getByTestId('compare-view').locator('thead th')).toHaveCount(3);
      }
      if (view === 'Step') await expect(page.getByTestId('step-arena')).toHaveAttribute('data-step', '0', { timeout: 60_000 });
      await check(page, view);
      await saveScreenshot(page, `layout-${size.width}-${view.toLowerCase().replace(/\W+/g, '-')}`);
    }
    // The memory panel's other view, the graph stacked vertically, coloured by what each node costs.
    await page.getByRole('tab', { name: 'Forward graph' }).click();
    await page.getByRole('tab', { name: 'Arena' }).click();
    await page.getByRole('button', { name: 'Vertical' }).click();
    await page.getByLabel('Colour the nodes by').selectOption('memory');
    await expect(page.locator('.op-row.has-heat').first()).toBeVisible();
    await check(page, 'vertical');
    await saveScreenshot(page, `layout-${size.width}-vertical-arena`);
    // A zoo model at the paper's 128x128 (a notice strip under the top bar, a wider graph).
    await page.getByRole('button', { name: 'Columns' }).click();
    await page.getByRole('combobox', { name: 'Model' }).selectOption('mcunet-5fps');
    await expect(page.getByTestId('edit-notice')).toBeVisible();
    await check(page, 'mcunet-5fps');
    await saveScreenshot(page, `layout-${size.width}-mcunet`);
    await page.getByRole('tab', { name: 'Backward graph' }).click();
    await page.getByLabel('Show pruned').check();
    await check(page, 'mcunet-5fps backward');
    await saveScreenshot(page, `layout-${size.width}-mcunet-backward-pruned`);
  });
}

test('Fit keeps the text readable: the nodes stay at a legible size on a long graph', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/');
  await page.getByRole('combobox', { name: 'Model' }).selectOption('mcunet-5fps');
  await page.getByRole('button', { name: 'Fit the graph, keeping the text readable' }).click();
  await page.waitForTimeout(400);
  // The name of a conv on screen is at least 8 px tall (12.5 px at zoom 1), not a smudge.
  const h = await page.getByTestId('fwd-node-conv0').locator('.op-node-name').evaluate((e) => e.getBoundingClientRect().height);
  expect(h).toBeGreaterThanOrEqual(8);
  await expect(page.getByTestId('fwd-node-conv0')).toBeInViewport();
});
