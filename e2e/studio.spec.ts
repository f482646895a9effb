// The IDE against the engine, on the paper's mcunet-5fps (a zoo architecture, opened from the model
// picker): the forward graph, scheme toggles moving the memory bars to the figures `tinytrain plan`
// prints, the backward graph of the paper's 99kb scheme, the budget warning, the JSON tab, undo/redo,
// architecture edits, projects (reload, import/export, a corrupt file refused).
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, saveScreenshot } from './fixtures';
import { bytesOf, findNode, openZooModel, planFor, planForBuiltin, schemeFromUrl } from './helpers';

const schemePicker = (page: Page) => page.getByRole('combobox', { name: 'Scheme' });
const fwdNode = (page: Page, name: string) => page.getByTestId(`fwd-node-${name}`);
const ratioButton = (page: Page, conv: number, ratio: string) =>
  fwdNode(page, `conv${conv}`).getByRole('radio', { name: `Weight ratio ${ratio} for conv ${conv}` });

// Several tests run `npx tinytrain plan` (seconds each on a busy machine).
test.describe.configure({ timeout: 120_000 });

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('forward-graph')).toBeVisible();
  await openZooModel(page, 'mcunet-5fps');
});

test('mcunet-5fps renders its forward graph', async ({ page }) => {
  await expect(page.locator('[data-testid^="fwd-node-conv"]')).toHaveCount(42);
  await expect(fwdNode(page, 'input')).toContainText('3x128x128');
  await expect(fwdNode(page, 'conv0')).toContainText('16x64x64');
  await expect(fwdNode(page, 'classifier')).toHaveCount(1);
  await expect(page.locator('.edge-residual')).toHaveCount(7); // mcunet-5fps has 7 residual blocks
  await expect(page.locator('.react-flow__minimap')).toBeVisible();
  await expect(schemePicker(page)).toHaveValue('mcunet-5fps@49kb');
  const plan = planForBuiltin('mcunet-5fps', 'mcunet-5fps@49kb');
  expect(await bytesOf(page, 'sram-figure')).toBe(plan.peakSramBytes);
  expect(await bytesOf(page, 'flash-figure')).toBe(plan.flashBytes);
  expect(await bytesOf(page, 'analytic-figure')).toBe(plan.analyticBytes);
  // The image is streamed row by row, and the bars say so.
  await expect(page.getByTestId('input-note')).toHaveAttribute('data-streamed', 'true');
  await expect(page.getByTestId('input-note')).toHaveText('Input streamed: 3-row ring 1.1 KB, not the 48 KB image');
});

test('enabling the weight update of conv 21 moves the SRAM bar to what tinytrain plan prints', async ({ page }) => {
  const before = await bytesOf(page, 'sram-figure');
  await findNode(page, 'conv21');
  await expect(page.getByRole('complementary', { name: 'Properties' })).toContainText('conv21');
  await ratioButton(page, 21, '1').click();
  await expect(ratioButton(page, 21, '1')).toHaveAttribute('aria-checked', 'true');
  await expect(fwdNode(page, 'conv21')).toHaveAttribute('data-train', 'weight');
  await expect(page.getByTestId('sram-figure')).not.toHaveAttribute('data-bytes', String(before));
  await expect.poll(() => schemeFromUrl(page.url()).nBias).toBe(21); // the weight update extended the bias range to conv 21
  // …and says so where it cannot be missed.
  await expect(page.getByTestId('edit-notice')).toContainText('biases of conv 21 now train');
  const scheme = schemeFromUrl(page.url());
  expect((scheme.weights as Record<string, number>)['21']).toBe(1);
  const plan = planFor('mcunet-5fps', scheme);
  expect(await bytesOf(page, 'sram-figure')).toBe(plan.peakSramBytes);
  expect(await bytesOf(page, 'sram-bar')).toBe(plan.peakSramBytes);
  await expect(page.getByTestId('sram-figure')).toHaveText(`${(plan.peakSramBytes / 1024).toFixed(1)} KB`);
  expect(await bytesOf(page, 'flash-figure')).toBe(plan.flashBytes);
  await expect(schemePicker(page)).toHaveValue('__custom__');
  await saveScreenshot(page, 'studio-conv21-weight');

  // Undo and redo the toggle.
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('sram-figure')).toHaveAttribute('data-bytes', String(before));
  await expect(ratioButton(page, 21, '0')).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByTestId('sram-figure')).toHaveAttribute('data-bytes', String(plan.peakSramBytes));
});

test('mcunet-5fps@99kb shows weight-update ops for convs 21, 24, 27, 30, 36, 39 and no others', async ({ page }) => {
  await schemePicker(page).selectOption('mcunet-5fps@99kb');
  await page.getByRole('tab', { name: 'Backward graph' }).click();
  await expect(page.getByTestId('backward-graph')).toBeVisible();
  const updates = await page.locator('[data-testid="backward-graph"] [data-weight-update]').evaluateAll(
    (els) => [...new Set(els.flatMap((e) => (e.getAttribute('data-weight-update') ?? '').split(' ')))].sort((a, b) => Number(a.slice(4)) - Number(b.slice(4))),
  );
  expect(updates).toEqual(['conv21', 'conv24', 'conv27', 'conv30', 'conv36', 'conv39']);
  // The fused kernels say what they contain (conv39 is the pw1 of the block streamed by block_bwd:conv40).
  await expect(page.getByTestId('kernel-block_bwd:conv40')).toContainText('weight update of conv39 (24 ch)');
  const plan = planForBuiltin('mcunet-5fps', 'mcunet-5fps@99kb');
  expect(await bytesOf(page, 'sram-figure')).toBe(plan.peakSramBytes);
  // Pruned ops appear greyed on the toggle.
  await expect(page.getByTestId('pruned-conv0')).toHaveCount(0);
  await page.getByLabel('Show pruned').check();
  await expect(page.getByTestId('pruned-conv0')).toHaveCount(1);
  await expect(page.getByTestId('pruned-conv0')).toContainText('in front of the first trained conv');
  await saveScreenshot(page, 'studio-99kb-backward');
});

test('a budget below the peak shows the warning with the op at the peak', async ({ page }) => {
  await expect(page.getByTestId('budget-warning')).toHaveCount(0);
  const budget = page.getByTestId('sram-budget');
  // The default plan (mcunet-5fps@49kb, streamed input) peaks at 84.6 KB: 64 KB is below it.
  await budget.fill('64');
  await budget.press('Enter');
  const warning = page.getByTestId('budget-warning');
  await expect(warning).toBeVisible();
  await expect(warning).toContainText('SRAM: requested');
  await expect(warning).toContainText('missing');
  await expect(warning).toContainText('Show the peak: step');
  await expect(page.getByRole('combobox', { name: 'Target' })).toHaveValue('custom');
  await saveScreenshot(page, 'studio-over-budget');
  await warning.getByRole('button').click();
  await expect(page.getByRole('complementary', { name: 'Properties' })).toContainText('Layer properties');
  await page.getByRole('combobox', { name: 'Target' }).selectOption('stm32f746');
  await expect(page.getByTestId('budget-warning')).toHaveCount(0);
});

test('editing the scheme JSON moves the toggles; invalid JSON is marked and not applied', async ({ page }) => {
  await page.getByRole('tab', { name: 'Scheme JSON' }).click();
  const editor = page.locator('.monaco-editor').first();
  await expect(editor).toBeVisible({ timeout: 20_000 });
  await expect(editor).toContainText('"nBias": 20');
  const setText = async (text: string) => {
    await editor.click();
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(text);
  };
  await setText(JSON.stringify({ nBias: 22, weights: { 21: 1, 24: 1, 27: 1, 30: 1, 36: 0.125, 39: 0.25 }, head: 'float32', momentum: false }));
  await expect(page.getByTestId('scheme-status')).toContainText('Applied');
  await expect(schemePicker(page)).toHaveValue('mcunet-5fps@99kb');

  // Broken JSON: marked, nothing applied.
  await setText('{ "nBias": 22, "weights": { "21": 1, }');
  await expect(page.getByTestId('scheme-status')).toContainText('Not applied');
  await expect(page.locator('.monaco-editor .squiggly-error').first()).toBeVisible();
  await expect(schemePicker(page)).toHaveValue('mcunet-5fps@99kb');
  // Valid JSON the engine refuses (conv 50 does not exist): also marked, not applied.
  await setText('{ "nBias": 22, "weights": { "50": 1 } }');
  await expect(page.getByTestId('scheme-status')).toContainText('conv 50 does not exist');
  await saveScreenshot(page, 'studio-json-invalid');

  await page.getByRole('tab', { name: 'Forward graph' }).click();
  await findNode(page, 'conv21');
  await expect(ratioButton(page, 21, '1')).toHaveAttribute('aria-checked', 'true');
  await expect(fwdNode(page, 'conv24')).toHaveAttribute('data-train', 'weight');

  // A toggle rewrites the JSON.
  await ratioButton(page, 21, '1/2').click();
  await page.getByRole('tab', { name: 'Scheme JSON' }).click();
  await expect(page.locator('.monaco-editor').first()).toContainText('"21": 0.5');
});

test('architecture edits re-infer shapes; a breaking edit is refused with the reason', async ({ page }) => {
  await findNode(page, 'conv8');
  const props = page.getByRole('complementary', { name: 'Properties' });
  const out = props.getByLabel('Output channels');
  await out.fill('20');
  await out.press('Enter');
  await expect(page.getByRole('alert')).toContainText('blocks[2].residual needs stride 1 and as many output as input channels (it has stride 1, 16 -> 20 channels)');
  await expect(fwdNode(page, 'conv8')).toContainText('48x32x32 → 16x32x32');
  await page.getByRole('button', { name: 'Dismiss error' }).click();

  await findNode(page, 'conv10');
  const kernel = props.getByLabel('Kernel');
  await kernel.fill('5');
  await kernel.press('Enter');
  await expect(fwdNode(page, 'conv10')).toContainText('5×5');
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.getByRole('combobox', { name: 'Model' })).toContainText('(edited)');
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(fwdNode(page, 'conv10')).toContainText('7×7');

  await findNode(page, 'conv36');
  await props.getByRole('button', { name: 'Insert block after' }).click();
  await expect(page.locator('[data-testid^="fwd-node-conv"]')).toHaveCount(45);
  await page.getByTestId('forward-graph').locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+z');
  await expect(page.locator('[data-testid^="fwd-node-conv"]')).toHaveCount(42);
});

test('a reload restores the project exactly', async ({ page }) => {
  await schemePicker(page).selectOption('mcunet-5fps@99kb');
  await findNode(page, 'conv36');
  await ratioButton(page, 36, '1/2').click();
  await page.getByTestId('sram-budget').fill('200');
  await page.getByTestId('sram-budget').press('Enter');
  await page.getByRole('tab', { name: 'Arena' }).click();
  const sram = await bytesOf(page, 'sram-figure');
  await expect(page.getByTestId('save-state')).toHaveAttribute('data-saving', 'false');
  await page.waitForTimeout(400);
  const url = page.url();
  await page.goto('/');
  await expect(page.getByTestId('forward-graph')).toBeVisible();
  expect(await bytesOf(page, 'sram-figure')).toBe(sram);
  await expect(ratioButton(page, 36, '1/2')).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByRole('complementary', { name: 'Properties' })).toContainText('conv36');
  await expect(page.getByTestId('sram-budget')).toHaveValue('200');
  await expect(page.getByRole('tab', { name: 'Arena' })).toHaveAttribute('aria-selected', 'true');
  expect(page.url()).toBe(url);
  await saveScreenshot(page, 'studio-restored');
});

test('projects: several, export and import; a corrupt project file is refused without touching the open one', async ({ page }) => {
  await schemePicker(page).selectOption('mcunet-5fps@124kb');
  const sram = await bytesOf(page, 'sram-figure');
  await page.getByRole('button', { name: /Untitled project/ }).click();
  const exported = page.waitForEvent('download');
  await page.getByRole('menuitem', { name: /Export project file/ }).click();
  const file = await (await exported).path();
  const text = readFileSync(file, 'utf8');
  expect(JSON.parse(text).format).toBe('tinytrain-studio-project');

  const projectFile = page.getByLabel('Project file');
  const corrupt = async (name: string, body: string, message: RegExp) => {
    await projectFile.setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(body) });
    await expect(page.getByRole('alert')).toContainText(message);
    await expect(schemePicker(page)).toHaveValue('mcunet-5fps@124kb');
    expect(await bytesOf(page, 'sram-figure')).toBe(sram);
    await page.getByRole('button', { name: 'Dismiss error' }).click();
  };
  await corrupt('broken.tinytrain.json', text.slice(0, text.length / 2), /not valid JSON/);
  const bad = JSON.parse(text);
  bad.doc.scheme.weights = { 99: 1 };
  await corrupt('bad-scheme.tinytrain.json', JSON.stringify(bad), /conv 99 does not exist/);
  await corrupt('other.json', '{"hello": 1}', /not a TinyTrain Studio project/);
  await saveScreenshot(page, 'studio-projects');

  // A new project (on the demo model), then the exported one imported back: three projects, the import open.
  await page.getByRole('button', { name: /Untitled project/ }).click();
  await page.getByRole('menuitem', { name: 'New project' }).click();
  await expect(schemePicker(page)).toHaveValue('last-6');
  await projectFile.setInputFiles({ name: 'back.tinytrain.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await expect(schemePicker(page)).toHaveValue('mcunet-5fps@124kb');
  expect(await bytesOf(page, 'sram-figure')).toBe(sram);
  await page.getByRole('button', { name: /Untitled project/ }).click();
  await expect(page.getByRole('menu', { name: 'Projects' }).locator('.menu-list li')).toHaveCount(3);
  await saveScreenshot(page, 'studio-project-menu');
});

test('no request leaves 127.0.0.1, in every view', async ({ page, requests }) => {
  for (const tab of ['Backward graph', 'Layers', 'Scheme JSON', 'Forward graph']) {
    await page.getByRole('tab', { name: tab }).click();
    if (tab === 'Scheme JSON') await expect(page.locator('.monaco-editor').first()).toBeVisible({ timeout: 20_000 });
  }
  await page.getByRole('tab', { name: 'Arena' }).click();
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.every((u) => /^(http:\/\/(127\.0\.0\.1|localhost)|data:|blob:)/.test(u))).toBe(true);
});
