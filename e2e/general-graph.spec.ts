// A .tflite that is not of the inverted-bottleneck family (max-pool, flatten, FC; a DS-CNN whose 10x4 stem reads a pad of its rows and whose add
// is no block's residual; two branches concatenated) opened with the file picker: the forward graph lays it out op by op (no
// block frames, nothing overlapping, an edge into every op), in both arrangements; the backward graph
// shows its kernels in columns titled by their layers. Screenshots at 1280x720 and 1920x1080.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { test, expect, saveScreenshot } from './fixtures';

const HERE = dirname(fileURLToPath(import.meta.url));
const MODELS = [
  { file: resolve(HERE, '../public/models/cnn-maxpool-fc.tflite'), ops: 7, input: '28×28', badges: { conv0: 'conv', maxpool2: 'maxpool', flatten5: 'reshape' } },
  { file: resolve(HERE, '../public/models/ds-cnn-kws.tflite'), ops: 13, input: '49×10', badges: { pad1: 'pad', conv0: 'conv', add6: 'add' } },
  { file: resolve(HERE, '../public/models/concat-net.tflite'), ops: 7, input: '28×28', badges: { conv1: 'conv', concat4: 'concat', pool6: 'pool' } },
];

test.describe.configure({ timeout: 90_000 });

/** The op cards' boxes on the canvas (graph coordinates), and pairs that overlap. */
async function cardOverlaps(page: Page): Promise<{ count: number; overlaps: string[] }> {
  return page.evaluate(() => {
    const nodes = [...document.querySelectorAll<HTMLElement>('[data-testid="forward-graph"] .react-flow__node')];
    const boxes = nodes.map((n) => {
      const m = /translate\(([-\d.]+)px, ([-\d.]+)px\)/.exec(n.style.transform)!;
      return { id: n.dataset.id!, x: Number(m[1]), y: Number(m[2]), w: n.offsetWidth, h: n.offsetHeight };
    });
    const overlaps: string[] = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        if (Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x) > 1 && Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y) > 1) overlaps.push(`${a.id}/${b.id}`);
      }
    }
    return { count: boxes.length, overlaps };
  });
}

for (const size of [{ width: 1280, height: 720 }, { width: 1920, height: 1080 }]) {
  for (const m of MODELS) {
    const name = m.file.split('/').pop()!;
    test(`${name} at ${size.width}x${size.height}: a general graph, op by op, in both arrangements and backward`, async ({ page }) => {
      await page.setViewportSize(size);
      await page.goto('/');
      await expect(page.getByTestId('forward-graph')).toBeVisible();
      await page.getByLabel('Model file').setInputFiles(m.file);
      const graph = page.getByTestId('forward-graph');
      await expect(graph.locator('.graph-caption')).toContainText('general graph', { timeout: 30_000 });
      await expect(graph.locator('.graph-caption')).toContainText(`${m.ops} ops`);
      await expect(page.getByRole('alert')).toHaveCount(0);
      // The memory panel names the model's own input size (the DS-CNN's 49×10, not its height twice).
      await expect(page.getByTestId('memory-what')).toContainText(`${name} ${m.input} ·`);
      await expect(page.getByTestId('fixed-input-size')).toHaveText(m.input);
      for (const arrangement of ['Columns', 'Vertical']) {
        await page.getByRole('button', { name: arrangement, exact: true }).click();
        await expect(graph.locator('.frame-node')).toHaveCount(0);
        await expect(page.getByRole('button', { name: /^(Collapse|Expand) all$/ })).toHaveCount(0);
        const { count, overlaps } = await cardOverlaps(page);
        expect(count).toBe(m.ops + 1); // and the input
        expect(overlaps).toEqual([]);
        // An edge into every op (edge ids are "source->target").
        const targets = new Set(await graph.locator('.react-flow__edge').evaluateAll((es) => es.map((e) => (e.getAttribute('data-testid') ?? '').split('->')[1])));
        const ops = (await graph.locator('[data-testid^="fwd-node-"]').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-testid')!.slice('fwd-node-'.length))))
          .filter((id) => id !== 'input');
        expect(ops).toHaveLength(m.ops);
        expect(ops.filter((op) => !targets.has(op))).toEqual([]);
        for (const [node, badge] of Object.entries(m.badges)) await expect(page.getByTestId(`fwd-node-${node}`).locator('.role')).toHaveText(badge);
        await saveScreenshot(page, `general-${name}-${size.width}-${arrangement.toLowerCase()}`);
      }
      await page.getByRole('button', { name: 'Columns', exact: true }).click();
      await page.getByRole('tab', { name: 'Backward graph', exact: true }).click();
      const backward = page.getByTestId('backward-graph');
      await expect(backward.locator('.react-flow__node-kernel').first()).toBeVisible();
      const titles = await backward.locator('.frame-title').allTextContents();
      expect(titles.length).toBeGreaterThan(1);
      for (const t of titles) expect(t.trim()).not.toBe('');
      expect(titles.filter((t) => /^block /.test(t))).toEqual([]);
      await saveScreenshot(page, `general-${name}-${size.width}-backward`);
    });
  }
}

test('cnn-maxpool-fc.tflite trains in the browser: its own scheme and size, loss and accuracy from the worker', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/');
  await expect(page.getByTestId('forward-graph')).toBeVisible();
  await page.getByLabel('Model file').setInputFiles(MODELS[0].file);
  await expect(page.getByTestId('forward-graph').locator('.graph-caption')).toContainText('general graph', { timeout: 30_000 });
  await page.getByRole('tab', { name: 'Train' }).click();
  const panel = page.getByRole('region', { name: 'Training', exact: true });
  await expect(page.getByTestId('training-what')).toContainText('cnn-maxpool-fc');
  await expect(page.getByTestId('training-what')).toContainText('28×28');
  const epochs = panel.getByLabel('epochs');
  await epochs.fill('1');
  await epochs.press('Enter');
  await panel.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(panel.locator('.training-status')).toHaveText('completed', { timeout: 150_000 });
  await expect(page.getByTestId('training-loss')).toHaveText(/^\d+\.\d{4}$/);
  // Ten Fashion-MNIST classes from a digit model after one epoch of 800 images: well above chance.
  const val = Number((await page.getByTestId('training-val').textContent())!.replace('%', ''));
  expect(val).toBeGreaterThan(30);
  await saveScreenshot(page, 'general-train');
});
