// Accessibility: axe finds no serious or critical violation in any tab (nor in the glossary); the
// keyboard reaches every panel through skip links, the graph's nodes are in the tab order and its
// edges are not, and the project menu answers to the arrows, Home/End and Esc.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';

// axe reads the whole DOM of each view (hundreds of graph nodes): seconds each on a busy machine.
test.describe.configure({ timeout: 240_000 });

async function seriousViolations(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
}

test('no serious or critical axe violation on any tab', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('forward-graph')).toBeVisible();
  for (const tab of ['Forward graph', 'Backward graph', 'Layers', 'Scheme JSON', 'Train', 'Analysis', 'Compare', 'Step']) {
    await page.getByRole('tab', { name: tab, exact: true }).click();
    if (tab === 'Scheme JSON') await expect(page.locator('.monaco-editor').first()).toBeVisible({ timeout: 30_000 });
    if (tab === 'Train') await expect(page.getByTestId('training-data')).toContainText('1,000 images', { timeout: 30_000 });
    if (tab === 'Analysis') await expect(page.getByRole('region', { name: 'Contribution analysis' })).toBeVisible({ timeout: 30_000 });
    if (tab === 'Compare') await page.getByRole('button', { name: /^Pin the project's scheme and/ }).click();
    if (tab === 'Step') await expect(page.getByTestId('step-arena')).toHaveAttribute('data-step', '0', { timeout: 60_000 });
    expect(await seriousViolations(page), tab).toEqual([]);
  }
  await page.getByRole('tab', { name: 'Arena' }).click();
  expect(await seriousViolations(page), 'arena').toEqual([]);
  await page.getByRole('button', { name: 'Glossary and tour' }).click();
  await expect(page.getByRole('dialog', { name: 'Glossary' })).toBeVisible();
  expect(await seriousViolations(page), 'glossary').toEqual([]);
});

test('skip links reach each panel; graph nodes are in the tab order, edges are not', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('forward-graph')).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to the graph and tabs' })).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('region', { name: 'Memory', exact: true })).toBeFocused();
  await page.getByRole('link', { name: 'Skip to the properties' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('complementary', { name: 'Properties' })).toBeFocused();

  // Edges never take the focus; every op node does, and Enter selects it.
  await expect(page.locator('.react-flow__edge[tabindex="0"]')).toHaveCount(0);
  const nodes = page.locator('[data-testid="forward-graph"] .react-flow__node-op');
  expect(await nodes.count()).toBeGreaterThan(20);
  await expect(nodes.first()).toHaveAttribute('tabindex', '0');
  await page.getByRole('link', { name: 'Skip to the graph and tabs' }).focus();
  await page.keyboard.press('Enter');
  // From the graph area: the tabs, the toolbar, then the first node in a few presses (not hundreds of edges).
  let presses = 0;
  while (presses < 40 && !(await page.evaluate(() => document.activeElement?.classList.contains('react-flow__node-op')))) {
    await page.keyboard.press('Tab');
    presses++;
  }
  expect(presses).toBeLessThan(40);
  const focused = await page.evaluate(() => (document.activeElement as HTMLElement).dataset.id);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('complementary', { name: 'Properties' })).toContainText(focused!);
});

test('the project menu works with the keyboard', async ({ page }) => {
  await page.goto('/');
  const button = page.getByRole('button', { name: /Untitled project/ });
  await button.focus();
  await page.keyboard.press('ArrowDown');
  const menu = page.getByRole('menu', { name: 'Projects' });
  await expect(menu).toBeVisible();
  const items = menu.getByRole('menuitem');
  await expect(items.first()).toBeFocused();
  await page.keyboard.press('End');
  await expect(items.last()).toBeFocused();
  await page.keyboard.press('ArrowDown'); // wraps round
  await expect(items.first()).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(items.last()).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(menu).toHaveCount(0);
  await expect(button).toBeFocused();
  // Enter opens it too, and an item runs from the keyboard.
  await page.keyboard.press('Enter');
  await expect(menu).toBeVisible();
  await menu.getByRole('menuitem', { name: 'New project' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: /Untitled project \(2\)/ })).toBeVisible();
});
