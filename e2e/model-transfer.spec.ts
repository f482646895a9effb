// The Train tab's way out and back in: the project's current weights exported as .tflite (a file the
// engine's reader accepts, with the head's quantization said), and a board's weights record loaded
// into the project (the model becomes a .ttw with them; Ctrl+Z undoes it), a corrupt one refused in
// one sentence with the project unchanged; the same for an imported general graph (a .tflite not of
// the inverted-bottleneck family), whose .ttw holds the graph itself (format version 2).
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { encodeRecord, recordOf, recordText } from '../src/engine/firmware/weights-record.ts';
import { modelFromWeights } from '../src/engine/models/weights-file.ts';
import { modelFromFile } from '../src/engine/models/model-file.ts';
import type { Model } from '../src/engine/ir/graph.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { backboneConvs } from '../src/engine/ir/graph.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { readTflite } from '../src/engine/tflite/read.ts';

test.describe.configure({ timeout: 120_000 });

const panel = (page: Page) => page.getByRole('region', { name: 'Trained model out and back' });

/** The record the project's firmware (the scheme given) would print after 7 steps, every trained value moved. */
function boardRecord(model: Model, scheme: string): string {
  const program = compileTraining(model.graph, builtinScheme(scheme, backboneConvs(model.graph).length)!);
  const trained = Object.fromEntries(Object.entries(model.params).map(([k, v]) => {
    const c = v.slice();
    for (let i = 0; i < c.length; i++) c[i] = c instanceof Float32Array ? c[i] + 0.5 : c[i] ^ 1;
    return [k, c];
  }));
  return `step 0 loss 2.302585\n${recordText(encodeRecord(recordOf(program, model.params, trained, 7)))}done\n`;
}

test('exports the current weights as .tflite and loads a board\'s weights record into the project', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(panel(page)).toBeVisible();
  // No run yet: only the current weights can be exported.
  await expect(panel(page).getByRole('button', { name: 'Export trained model (.tflite)' })).toBeDisabled();
  const download = page.waitForEvent('download');
  await panel(page).getByRole('button', { name: 'Export current weights (.tflite)' }).click({ timeout: 30_000 });
  const file = await download;
  expect(file.suggestedFilename()).toBe('tinytrain-demo-current.tflite');
  const tflite = readTflite(new Uint8Array(readFileSync(await file.path())), 'downloaded.tflite');
  expect(tflite.ops.at(-1)!.kind).toBe('FULLY_CONNECTED');
  await expect(page.getByTestId('model-transfer-note')).toContainText('the float32 head was quantized for the file');

  // A corrupt record: one sentence, the project keeps its model.
  const good = boardRecord(modelFromWeights(new Uint8Array(readFileSync('public/models/tinytrain-demo.ttw')), { resolution: 32, classes: 10 }), 'last-6');
  const corrupt = good.replace(/^(ttrec [0-9a-f]{10})([0-9a-f])/m, (_, a: string, b: string) => a + (b === '0' ? '1' : '0'));
  const chooser = page.waitForEvent('filechooser');
  await panel(page).getByRole('button', { name: 'Load weights from the board…' }).click();
  await (await chooser).setFiles({ name: 'board.log', mimeType: 'text/plain', buffer: Buffer.from(corrupt) });
  await expect(page.getByRole('alert').filter({ hasText: 'bad checksum' })).toBeVisible();
  await expect(page.getByTestId('training-what')).toContainText('tinytrain-demo at 32×32');

  const chooser2 = page.waitForEvent('filechooser');
  await panel(page).getByRole('button', { name: 'Load weights from the board…' }).click();
  await (await chooser2).setFiles({ name: 'board.log', mimeType: 'text/plain', buffer: Buffer.from(good) });
  await expect(page.getByTestId('model-transfer-note')).toContainText('board.log: 7 steps on the device');
  await expect(page.getByTestId('training-what')).toContainText('tinytrain-demo-board.ttw');
});

test('loads a board\'s weights record into an imported general graph (the .ttw holds the graph)', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('forward-graph')).toBeVisible();
  await page.getByLabel('Model file').setInputFiles('public/models/cnn-maxpool-fc.tflite');
  await expect(page.getByTestId('forward-graph').locator('.graph-caption')).toContainText('general graph', { timeout: 30_000 });
  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(panel(page)).toBeVisible();
  // The project as opened: its own 28x28, the project's 10 classes, a float32 head, the default scheme (bias-only: no @49kb scheme for it).
  const model = modelFromFile('cnn-maxpool-fc.tflite', new Uint8Array(readFileSync('public/models/cnn-maxpool-fc.tflite')), { resolution: 28, classes: 10, head: 'float32' });
  const chooser = page.waitForEvent('filechooser');
  await panel(page).getByRole('button', { name: 'Load weights from the board…' }).click();
  await (await chooser).setFiles({ name: 'board.log', mimeType: 'text/plain', buffer: Buffer.from(boardRecord(model, 'bias-only')) });
  await expect(page.getByTestId('model-transfer-note')).toContainText('board.log: 7 steps on the device');
  await expect(page.getByTestId('training-what')).toContainText('cnn-maxpool-fc-board.ttw');
  await expect(page.getByRole('alert')).toHaveCount(0);
});
