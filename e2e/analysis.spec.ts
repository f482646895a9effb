// The Analysis tab: a small real contribution analysis of the shipped demo model in a pool of Web
// Workers over two training seeds, its gains with their spread in the heatmap and the bias curve, the
// held-out comparison of the search's finalists and the baselines it cannot rank below the best one, results kept in IndexedDB across a reload, a scheme
// applied from the Pareto chart (and undone), a cancel, a worker that dies, bad settings.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { test, expect, saveScreenshot } from './fixtures';

test.describe.configure({ timeout: 240_000 });

const MCUNET_PKL = resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/models/tiny-training/mcunet-5fps.pkl');

/** The tab scrolls inside the window: a tall window shows all of it in one screenshot. */
async function shoot(page: Page, name: string) {
  const size = page.viewportSize()!;
  await page.setViewportSize({ width: size.width, height: 1500 });
  await saveScreenshot(page, name);
  await page.setViewportSize(size);
}

const panel = (page: Page) => page.getByRole('region', { name: 'Contribution analysis' });

async function openTab(page: Page) {
  await page.goto('/');
  await page.getByRole('tab', { name: 'Analysis' }).click();
  await expect(panel(page)).toBeVisible({ timeout: 30_000 });
}

async function fill(page: Page, label: string, value: string) {
  const box = panel(page).getByLabel(label, { exact: true });
  await box.fill(value);
}

/**
 * A small analysis: 7 measurements (baseline, 2 bias points, 2 convs x 2 ratios) per training seed on
 * 100 training, 40 validation and 40 held-out images; `finalists` of the search and up to `baselines`
 * baselines then go to the held-out comparison (finalists 0: none). `train`: training images per job; the tests that act while a job runs use
 * more, so that one is still running then.
 */
async function smallSettings(page: Page, seed = '1', train = '100', { seeds = 1, finalists = 0, baselines = 1 } = {}) {
  await fill(page, 'training images', train);
  await fill(page, 'validation images', '40');
  await fill(page, 'test images', '40');
  await fill(page, 'seed', seed);
  await fill(page, 'seeds', String(seeds));
  await fill(page, 'finalists', String(finalists));
  await fill(page, 'baselines', String(baselines));
  await fill(page, 'bias k values', '2, 4');
  await fill(page, 'weights on top of k =', '4');
  await fill(page, 'convs', '22, 23');
  for (const r of ['1/8', '1/2']) await panel(page).getByRole('checkbox', { name: r, exact: true }).uncheck();
  await fill(page, 'workers', '2');
  await expect(page.getByTestId('analysis-estimate')).toContainText(`${7 * seeds} jobs`);
  // The estimate comes from a timed job in a worker, before anything starts.
  await expect(page.getByTestId('analysis-estimate')).toContainText(/about \d+/, { timeout: 60_000 });
}

test('measures the demo model over two seeds, compares the finalists on held-out images, keeps it all across a reload, applies a searched scheme', async ({ page }) => {
  // On a zoo architecture (synthetic weights) the tab first says what it can measure instead, and the user chooses.
  await page.goto('/');
  await page.getByRole('combobox', { name: 'Model' }).selectOption('mcunet-5fps');
  await page.getByRole('tab', { name: 'Analysis' }).click();
  await page.getByRole('region', { name: 'Analysing a zoo architecture' }).getByRole('button', { name: /Analyse the demo model, keep mcunet-5fps open/ }).click();
  await expect(panel(page)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(/synthetic weights here, so this measures the shipped demo model/)).toBeVisible();
  // The engine's default analysis, with its estimate and its splits, as a newcomer first sees it.
  await expect(page.getByTestId('analysis-estimate')).toContainText(/\d+ jobs \+ up to \d+ held-out runs · about \d+/, { timeout: 60_000 });
  await expect(page.getByTestId('analysis-splits')).toContainText('split by seed 1 into 500 for training, 250 for validation (every gain is measured on these) and 250 held out');
  await shoot(page, 'analysis-open');
  await smallSettings(page, '1', '100', { seeds: 2, finalists: 1, baselines: 2 });
  await expect(page.getByTestId('analysis-splits')).toContainText('into 100 for training, 40 for validation (every gain is measured on these) and 40 held out (only the final comparison is scored on these); each run is repeated for 2 training seeds');
  await shoot(page, 'analysis-settings');

  await panel(page).getByRole('button', { name: 'Start' }).click();
  await expect(panel(page).locator('.analysis-status')).toHaveText('running');
  // Two workers run jobs at once.
  await expect(panel(page).locator('tr[data-state="running"]')).toHaveCount(2, { timeout: 30_000 });
  await shoot(page, 'analysis-running');
  await expect(page.getByTestId('analysis-done')).toHaveText('14 / 14 jobs', { timeout: 150_000 });

  // Gains with their spread: every heatmap cell measured over both seeds, the bias curve with error bars.
  const cells = panel(page).locator('.heatmap-cell');
  await expect(cells).toHaveCount(4);
  await expect(panel(page).locator('.heatmap-done')).toHaveCount(4);
  for (const cell of await cells.evaluateAll((els) => els.map((e) => [e.getAttribute('data-gain'), e.getAttribute('data-sd'), e.getAttribute('title')]))) {
    expect(Number.isFinite(Number(cell[0])) && Number.isFinite(Number(cell[1]))).toBe(true);
    expect(cell[2]).toMatch(/points \(2 of 2 seeds\)/);
  }
  await expect(panel(page).locator('.bias-curve')).toHaveAttribute('data-points', '2');
  await expect(panel(page).locator('.bias-curve .recharts-line-dot, .bias-curve .recharts-dot')).toHaveCount(2);
  // An error bar for every point whose seeds disagree (a spread of 0 draws none).
  const spreads = (await panel(page).locator('.bias-curve').getAttribute('data-spreads'))!.split(',').map(Number);
  await expect(panel(page).locator('.bias-curve .recharts-errorBar')).toHaveCount(spreads.filter((x) => x > 0).length);

  // The search: a best scheme under the budget with its spread, the baselines beside it (head-only among them), error bars on the chart.
  await expect(panel(page).locator('.pareto-point[data-group="best"]')).toHaveCount(1, { timeout: 60_000 });
  await expect(panel(page).locator('.pareto-point[data-point="ref:head-only"]')).toHaveCount(1);
  const pointSpreads = await panel(page).locator('.pareto-point').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-spread'))));
  expect(pointSpreads.some((x) => x > 0), 'some summed gains spread over the seeds').toBe(true);
  await expect(panel(page).locator('.pareto-chart .recharts-errorBar')).toHaveCount(pointSpreads.filter((x) => x > 0).length);
  await expect(page.getByTestId('summed-gain-explained')).toContainText(/an estimate for a whole scheme, ± its spread over 2 seeds/);
  await expect(page.getByTestId('chosen-scheme')).toContainText(/[+−]\d+\.\d ± \d+\.\d points \(estimate\)/);

  // The held-out comparison follows by itself: the finalists trained whole per seed, scored on the 40 held-out images.
  const verdict = page.getByTestId('final-verdict');
  await expect(verdict).toHaveAttribute('data-complete', 'true', { timeout: 150_000 });
  await expect(page.getByTestId('final-done')).toHaveText(/^(\d+) \/ \1 held-out runs$/);
  await expect(panel(page).locator('.analysis-status')).toHaveText('finished');
  const rows = panel(page).locator('.final-table tbody tr');
  const finalists = await rows.evaluateAll((els) => els.map((e) => ({
    name: e.getAttribute('data-finalist'), kind: e.getAttribute('data-kind'), role: e.getAttribute('data-role'), winner: e.hasAttribute('data-winner'), test: Number(e.getAttribute('data-test-mean')),
  })));
  // The search's top scheme and at most 2 baselines; every other baseline is listed as not trained, with the reason.
  const baselines = finalists.filter((f) => f.kind === 'baseline');
  expect(finalists.length).toBeLessThanOrEqual(3);
  expect(baselines.length).toBeGreaterThanOrEqual(1);
  expect(baselines.length).toBeLessThanOrEqual(2);
  for (const b of baselines.filter((f) => f.role !== 'top')) expect(['best baseline', 'within spread', 'partial estimate']).toContain(b.role);
  const leftOut = await panel(page).locator('[data-left-out]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-left-out'), e.getAttribute('data-reason')]));
  expect(new Set([...baselines.map((b) => b.name), ...leftOut.map(([name]) => name)])).toEqual(new Set(['head-only', 'bias-only', 'last-2', 'last-4']));
  for (const [, reason] of leftOut) expect(['below', 'cap', 'over budget']).toContain(reason);
  // last-4 trains conv 20 and 21's weights, which were not measured: its estimate is flagged, trained or not.
  await expect(page.getByTestId('final-partial')).toContainText('last-4: partial estimate: no gain counted for convs 20–21 weights at 1 (not measured)');
  expect(finalists.filter((f) => f.winner)).toHaveLength(1);
  const winner = finalists.find((f) => f.winner)!;
  // The winner is the best on the held-out images, and a baseline's win is said plainly.
  expect(winner.test).toBe(Math.max(...finalists.map((f) => f.test)));
  await expect(verdict).toContainText(winner.kind === 'baseline' ? `A baseline won: ${winner.name} reached` : `${winner.name} won on 40 held-out images:`);
  await expect(rows.first().locator('td').nth(5)).toHaveText(/^\d+\.\d % ± \d+\.\d$/);
  await expect(panel(page).locator('tr[data-job^="final:"][data-state="completed"]')).toHaveCount(2 * finalists.length);
  await shoot(page, 'analysis-finished');

  // After a reload the results are there, from IndexedDB, and nothing runs again.
  await page.reload();
  await page.getByRole('tab', { name: 'Analysis' }).click();
  await page.getByRole('region', { name: 'Analysing a zoo architecture' }).getByRole('button', { name: /Analyse the demo model, keep mcunet-5fps open/ }).click();
  await expect(page.getByTestId('analysis-done')).toHaveText('14 / 14 jobs', { timeout: 30_000 });
  await expect(panel(page).locator('.heatmap-done')).toHaveCount(4);
  await expect(panel(page).getByRole('button', { name: 'Start' })).toHaveCount(0);
  await expect(page.getByTestId('final-verdict')).toHaveAttribute('data-complete', 'true', { timeout: 60_000 });
  await expect(panel(page).locator('.analysis-status')).toHaveText('finished');
  await expect(panel(page).getByRole('button', { name: /Compare on held-out images/ })).toHaveCount(0);

  // One click applies a scheme from the chart: the project becomes the demo model with that scheme.
  const best = panel(page).locator('.pareto-point[data-group="best"]');
  await expect(best).toHaveCount(1, { timeout: 60_000 });
  await best.click();
  const chosen = page.getByTestId('chosen-scheme');
  await expect(chosen).toContainText('best summed gain under the budget');
  await chosen.getByRole('button', { name: 'Apply to project' }).click();
  await expect(panel(page).getByText(/Applied .*best summed gain under the budget to the project/)).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Model' })).toContainText('tinytrain-demo');
  await page.getByRole('tab', { name: 'Scheme JSON' }).click();
  const url = new URL(page.url());
  expect(url.hash).toContain('scheme=');
  // Undo gives the zoo model back.
  await page.keyboard.press('Control+z');
  await expect(page.getByRole('combobox', { name: 'Model' })).toContainText('mcunet-5fps');
  await expect(panel(page).getByText(/Applied .*best summed gain under the budget/)).toHaveCount(0);

  // A training budget no scheme fits: the search says so, and there is nothing to compare.
  await page.getByRole('tab', { name: 'Analysis' }).click();
  const budget = page.getByTestId('sram-budget');
  await budget.fill('4');
  await budget.press('Enter');
  await expect(page.getByTestId('search-message')).toContainText('no scheme fits 4.0 KB', { timeout: 60_000 });
  await expect(page.getByTestId('final-verdict')).toContainText('no scheme fits the budget, so there is nothing to compare');
  await shoot(page, 'analysis-no-fit');
});

test('cancel mid-job and a reload mid-run keep what was measured; resume finishes the rest', async ({ page }) => {
  await openTab(page);
  await smallSettings(page, '2', '600');
  await fill(page, 'workers', '1');
  await panel(page).getByRole('button', { name: 'Start' }).click();
  // Wait for the first result, then cancel the job in flight.
  await expect(page.getByTestId('analysis-done')).toHaveText(/^[1-3] \/ 7 jobs$/, { timeout: 90_000 });
  await panel(page).getByRole('button', { name: 'Cancel' }).click();
  await expect(panel(page).locator('.analysis-status')).toHaveText('interrupted', { timeout: 30_000 });
  await expect(page.getByTestId('analysis-run-message')).toContainText(/Cancelled\. \d of 7 jobs are measured and kept/);
  await expect(panel(page).locator('tr[data-state="cancelled"]').first()).toBeVisible();
  const kept = Number((await page.getByTestId('analysis-done').textContent())!.split(' ')[0]);
  expect(kept).toBeGreaterThanOrEqual(1);
  await shoot(page, 'analysis-cancelled');

  // Resume, and reload (as a closed tab would) once one more job is in: nothing measured is lost.
  await panel(page).getByRole('button', { name: `Resume (${7 - kept} left)` }).click();
  await expect(panel(page).locator('.analysis-status')).toHaveText('running');
  await expect.poll(async () => Number((await page.getByTestId('analysis-done').textContent())!.split(' ')[0]), { timeout: 90_000 }).toBeGreaterThan(kept);
  const before = Number((await page.getByTestId('analysis-done').textContent())!.split(' ')[0]);
  expect(before, 'jobs still to run when the page reloads').toBeLessThan(7);
  await page.reload();
  await page.getByRole('tab', { name: 'Analysis' }).click();
  await expect(panel(page).locator('.analysis-status')).toHaveText('interrupted', { timeout: 30_000 });
  const after = Number((await page.getByTestId('analysis-done').textContent())!.split(' ')[0]);
  expect(after).toBeGreaterThanOrEqual(before);
  await panel(page).getByRole('button', { name: `Resume (${7 - after} left)` }).click();
  await expect(page.getByTestId('analysis-done')).toHaveText('7 / 7 jobs', { timeout: 120_000 });
  await expect(panel(page).locator('.analysis-status')).toHaveText('finished');
});

test('a worker that dies is shown and its job retried on a fresh worker', async ({ page }) => {
  await openTab(page);
  await smallSettings(page, '3', '600');
  await fill(page, 'workers', '1');
  await panel(page).getByRole('button', { name: 'Start' }).click();
  await expect(panel(page).locator('tr[data-state="running"]')).toHaveCount(1, { timeout: 30_000 });
  // An uncaught error inside the analysis worker: the page sees it die.
  const worker = page.workers().find((w) => w.url().includes('analysis.worker'));
  expect(worker, 'an analysis worker is running').toBeTruthy();
  await worker!.evaluate(() => setTimeout(() => {
    throw new Error('killed by the test');
  }));
  await expect(panel(page).locator('.job-note').filter({ hasText: /worker died .*killed by the test.*retried on a fresh worker/ })).toBeVisible({ timeout: 15_000 });
  await shoot(page, 'analysis-worker-died');
  await expect(page.getByTestId('analysis-done')).toHaveText('7 / 7 jobs', { timeout: 120_000 });
  await expect(panel(page).locator('tr[data-state="failed"]')).toHaveCount(0);
});

test('too few images and a list that does not parse get clear messages', async ({ page }) => {
  await openTab(page);
  await smallSettings(page, '4');
  await fill(page, 'validation images', '5');
  await panel(page).getByRole('button', { name: 'Start' }).click();
  await expect(panel(page).getByRole('alert')).toContainText(/too few to measure gains/);
  await expect(panel(page).locator('.analysis-status')).toHaveText('not started');
  // A settings list that does not parse is named.
  await fill(page, 'bias k values', '2, x');
  await expect(panel(page).getByRole('alert').filter({ hasText: 'bias k values' })).toBeVisible();
});

test('an opened .pkl is measured itself, with the paper\'s schemes beside the search, and a scheme applies to it', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Model file').setInputFiles(MCUNET_PKL);
  await expect(page.getByRole('combobox', { name: 'Model' })).toContainText('mcunet-5fps.pkl', { timeout: 30_000 });
  await page.getByRole('tab', { name: 'Analysis' }).click();
  await expect(panel(page)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(/This measures mcunet-5fps.pkl, the project's model/)).toBeVisible();
  await fill(page, 'training images', '40');
  await fill(page, 'validation images', '20');
  await fill(page, 'seeds', '1');
  await fill(page, 'finalists', '0');
  await fill(page, 'bias k values', '2');
  await fill(page, 'weights on top of k =', '2');
  await fill(page, 'convs', '41');
  for (const r of ['1/8', '1/4', '1/2']) await panel(page).getByRole('checkbox', { name: r, exact: true }).uncheck();
  await expect(page.getByTestId('analysis-estimate')).toContainText(/3 jobs · about \d+/, { timeout: 90_000 });
  await panel(page).getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('analysis-done')).toHaveText('3 / 3 jobs', { timeout: 150_000 });
  // The paper's five mcunet-5fps schemes, planned at the project's 128x128.
  await expect(panel(page).locator('.pareto-point[data-group="paper"]')).toHaveCount(5, { timeout: 90_000 });
  await shoot(page, 'analysis-pkl');
  // A baseline with the same memory and gain may lie over the paper's point: the click goes to the point itself.
  // Chosen from the keyboard once the held-out runs are in (a mouse would hit the baseline lying over it).
  await expect(panel(page).getByText(/2 of 2 held-out runs/)).toBeVisible({ timeout: 60_000 });
  await panel(page).locator('.pareto-point[data-point="ref:mcunet-5fps@99kb"]').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('chosen-scheme')).toContainText('mcunet-5fps@99kb');
  await page.getByTestId('chosen-scheme').getByRole('button', { name: 'Apply to project' }).click();
  await expect(page.getByRole('combobox', { name: 'Scheme' })).toHaveValue('mcunet-5fps@99kb');
});
