// The app shell: the default project (the shipped demo model) in the layer table, then on mcunet-5fps:
// selection and properties, the memory area, and opening model files (a real .pkl replaces the model;
// a bad file shows one error and changes nothing).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { test, expect, saveScreenshot } from './fixtures';
import { openZooModel } from './helpers';

const HERE = dirname(fileURLToPath(import.meta.url));
const MCUNET_PKL = resolve(HERE, '../../shared/models/tiny-training/mcunet-5fps.pkl');
const VWW_TFLITE = resolve(HERE, '../../shared/models/tflite/mcunet-vww.tflite');
const MAXPOOL_TFLITE = resolve(HERE, '../public/models/cnn-maxpool-fc.tflite');

const layerTable = (page: Page) => page.getByRole('grid', { name: 'Layers of the forward graph' });
const convRows = (page: Page) => layerTable(page).locator('tbody tr[data-op="conv2d"]');
const layerRow = (page: Page, name: string) => layerTable(page).locator(`tbody tr[id="layer-${name}"]`);
const statusBar = (page: Page) => page.getByRole('contentinfo', { name: 'Status bar' });
const fileInput = (page: Page) => page.getByLabel('Model file');

// The JSON tab loads Monaco (megabytes) on first use; give a busy machine time.
test.describe.configure({ timeout: 60_000 });

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await page.getByRole('tab', { name: 'Layers' }).click();
  await expect(convRows(page).first()).toBeVisible();
});

test('opens on the demo model: real weights, 32x32, the demo images\' 10 classes, last-6', async ({ page }) => {
  await expect(page).toHaveTitle('TinyTrain Studio');
  await expect(page.getByRole('banner')).toContainText('TinyTrain Studio');
  await expect(page.getByRole('combobox', { name: 'Model' })).toContainText('tinytrain-demo');
  await expect(page.getByLabel('Resolution')).toHaveValue('32');
  await expect(page.getByLabel('Classes')).toHaveValue('10');
  await expect(page.getByRole('combobox', { name: 'Scheme' })).toHaveValue('last-6');
  await expect(convRows(page)).toHaveCount(24);
  await expect(statusBar(page)).toContainText('tinytrain-demo');
  await expect(statusBar(page)).toContainText('real weights');
  await expect(statusBar(page)).toContainText('3x32x32 → 10 classes');
  const memory = page.getByRole('region', { name: 'Memory', exact: true });
  // The memory panel says which model and scheme it plans: the ones the Train tab trains.
  await expect(page.getByTestId('memory-what')).toContainText('tinytrain-demo 32×32 · last-6');
  await expect(memory).toContainText('Peak SRAM');
  await expect(memory).toContainText('paper model');
  await saveScreenshot(page, 'app-shell-default');
  // The zoo's architectures are one click away and say they have synthetic weights.
  await expect(page.getByRole('combobox', { name: 'Model' }).locator('option', { hasText: 'mcunet-5fps (synthetic)' })).toHaveCount(1);
});

test('mcunet-5fps from the zoo: 128x128, 10 classes, synthetic weights; choosing it says what else changed', async ({ page }) => {
  await openZooModel(page, 'mcunet-5fps');
  await expect(page.getByTestId('edit-notice')).toContainText('resolution: 32 → 128 px');
  await expect(page.getByTestId('edit-notice')).toContainText('scheme: last-6 → mcunet-5fps@49kb');
  await expect(page.getByLabel('Resolution')).toHaveValue('128');
  await expect(page.getByLabel('Classes')).toHaveValue('10');

  await expect(convRows(page)).toHaveCount(42);
  const last = layerRow(page, 'conv41');
  await expect(last).toContainText('576x4x4');
  await expect(last).toContainText('160x4x4');
  await expect(layerRow(page, 'block2.add')).toContainText('residual');
  await expect(layerRow(page, 'pool')).toContainText('160x1x1');
  await expect(layerRow(page, 'classifier')).toContainText('classifier');

  await expect(statusBar(page)).toContainText('mcunet-5fps');
  await expect(statusBar(page)).toContainText('synthetic weights');
  await expect(statusBar(page)).toContainText('22.45 M MACs');
  await expect(statusBar(page)).toContainText('469.2 K params');

  const memory = page.getByRole('region', { name: 'Memory', exact: true });
  await expect(memory).toContainText('Peak SRAM');
  await expect(memory).toContainText('/ 256 KB');
  await expect(memory).toContainText('/ 1 MB');
  await expect(memory).toContainText('paper model 49.8 KB');
  // The paper's label, explained beside its figure.
  await expect(page.getByTestId('paper-figure-note')).toContainText('The label @49kb is the paper model');
  await saveScreenshot(page, 'app-shell');
  // One undo takes the model, its resolution and its scheme back together.
  await page.getByRole('button', { name: 'Undo all' }).click();
  await expect(page.getByLabel('Resolution')).toHaveValue('32');
  await expect(page.getByRole('combobox', { name: 'Scheme' })).toHaveValue('last-6');
  await expect(page.getByTestId('edit-notice')).toHaveCount(0);
});

test('selects a layer by click and moves with the arrow keys', async ({ page }) => {
  await openZooModel(page, 'mcunet-5fps');
  const props = page.getByRole('complementary', { name: 'Properties' });
  await expect(props).toContainText('Model properties');
  await layerRow(page, 'conv40').click();
  await expect(layerRow(page, 'conv40')).toHaveAttribute('aria-selected', 'true');
  await expect(props).toContainText('conv40');
  await expect(props).toContainText('576'); // groups of the depthwise conv
  await page.keyboard.press('ArrowDown');
  await expect(layerRow(page, 'conv41')).toHaveAttribute('aria-selected', 'true');
  await expect(props).toContainText('conv41');
  await expect(props).toContainText('160x4x4');
  await expect(props).toContainText('zero point');
  await page.keyboard.press('ArrowUp');
  await expect(layerRow(page, 'conv40')).toHaveAttribute('aria-selected', 'true');
  await saveScreenshot(page, 'app-shell-selected');
});

test('a refused resolution shows the engine message and keeps the model', async ({ page }) => {
  await openZooModel(page, 'mcunet-5fps');
  const resolution = page.getByLabel('Resolution');
  await resolution.fill('4');
  await resolution.press('Enter');
  await expect(page.getByText(/resolution is 4, outside the allowed 8 to 1,024/)).toBeVisible();
  await expect(layerRow(page, 'conv41')).toContainText('160x4x4');
  // The refused value is marked and not kept: the field shows the model's resolution again.
  await expect(resolution).toHaveValue('128');
  await expect(resolution).toHaveAttribute('aria-invalid', 'true');
  await saveScreenshot(page, 'app-shell-bad-resolution');
  await resolution.fill('96');
  await resolution.press('Enter');
  await expect(page.getByText(/outside the allowed/)).toHaveCount(0);
  await expect(layerRow(page, 'conv41')).toContainText('160x3x3');
});

test('the graph tabs switch views, also with Alt+1..4', async ({ page }) => {
  await openZooModel(page, 'mcunet-5fps');
  await page.getByRole('tab', { name: 'Backward graph' }).click();
  await expect(page.getByRole('tabpanel')).toContainText('kernels');
  await page.getByRole('tab', { name: 'Scheme JSON' }).click();
  await expect(page.getByTestId('scheme-editor')).toBeVisible({ timeout: 20_000 });
  await page.keyboard.press('Alt+1');
  await expect(page.getByTestId('forward-graph')).toBeVisible();
  await page.keyboard.press('Alt+3');
  await expect(convRows(page)).toHaveCount(42);
});

test('a bad file shows one error and leaves the open model as it was', async ({ page }) => {
  await openZooModel(page, 'mcunet-5fps');
  await fileInput(page).setInputFiles({ name: 'random.pkl', mimeType: 'application/octet-stream', buffer: randomBytes(4096) });
  const alert = page.getByRole('alert');
  await expect(alert).toHaveCount(1);
  await expect(alert).toContainText('random.pkl');
  await expect(convRows(page)).toHaveCount(42);
  await expect(layerRow(page, 'conv41')).toContainText('160x4x4');
  await expect(statusBar(page)).toContainText('synthetic weights');
  await expect(statusBar(page)).not.toContainText('random.pkl');
  await saveScreenshot(page, 'app-shell-bad-file');
  await alert.getByRole('button', { name: 'Dismiss error' }).click();
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('opening mcunet-5fps.pkl replaces the model', async ({ page }) => {
  await fileInput(page).setInputFiles(MCUNET_PKL);
  await expect(statusBar(page)).toContainText('mcunet-5fps.pkl', { timeout: 30_000 });
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(convRows(page)).toHaveCount(42);
  await expect(layerRow(page, 'conv41')).toContainText('160x4x4');
  await expect(page.getByRole('combobox', { name: 'Model' })).toContainText('mcunet-5fps.pkl');
  await saveScreenshot(page, 'app-shell-pkl');
});

test('an int8 .tflite of the inverted-bottleneck family opens like a .pkl; a broken one is refused by name, the model kept', async ({ page }) => {
  await fileInput(page).setInputFiles(VWW_TFLITE);
  await expect(statusBar(page)).toContainText('mcunet-vww.tflite', { timeout: 30_000 });
  await expect(page.getByRole('alert')).toHaveCount(0);
  await page.keyboard.press('Alt+3');
  await expect(convRows(page)).toHaveCount(45);
  await expect(layerRow(page, 'conv0')).toContainText('3x80x80');
  await expect(layerRow(page, 'conv44')).toContainText('160x3x3');
  const memory = page.getByRole('region', { name: 'Memory', exact: true });
  await expect(memory).toContainText('KB');
  await saveScreenshot(page, 'app-shell-tflite');

  // A .tflite outside the family opens as a general graph (e2e/general-graph.spec.ts); one cut short does not.
  const cut = readFileSync(MAXPOOL_TFLITE).subarray(0, 1500);
  await fileInput(page).setInputFiles({ name: 'cut-short.tflite', mimeType: 'application/octet-stream', buffer: cut });
  const alert = page.getByRole('alert');
  await expect(alert).toHaveCount(1);
  await expect(alert).toContainText('cut-short.tflite');
  await expect(convRows(page)).toHaveCount(45);
  await expect(statusBar(page)).toContainText('mcunet-vww.tflite');
});

test('Ctrl+O opens the file picker for .pkl and .tflite files', async ({ page }) => {
  const chooser = page.waitForEvent('filechooser');
  await page.keyboard.press('Control+o');
  const picker = await chooser;
  expect(await picker.element().getAttribute('accept')).toBe('.pkl,.tflite');
});

test('dragging a file over the window shows the drop overlay; dropping opens it', async ({ page }) => {
  await openZooModel(page, 'mcunet-5fps');
  const dataTransfer = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])], 'dropped.pkl'));
    return dt;
  });
  await page.dispatchEvent('.workspace', 'dragenter', { dataTransfer });
  await expect(page.getByText('Drop a .pkl or .tflite model file to open it')).toBeVisible();
  await saveScreenshot(page, 'app-shell-drop');
  await page.dispatchEvent('.workspace', 'drop', { dataTransfer });
  await expect(page.getByText('Drop a .pkl or .tflite model file to open it')).toHaveCount(0);
  await expect(page.getByRole('alert')).toContainText('dropped.pkl');
  await expect(convRows(page)).toHaveCount(42);
});
