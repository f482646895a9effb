// Hostile input in the browser (issue 13): the worst model files, project files and share links of
// the fuzz suite, through the file picker, drag and drop, project import and the URL hash. Each is
// refused with one message; the app stays usable, the open project is unchanged, and nothing from a
// refused file or link reaches IndexedDB.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, saveScreenshot } from './fixtures';
import { bytesOf } from './helpers';
import { overlappingZip } from '../tests/fuzz/formats';
import { pklOf, pklTreeOf, type PickleTree } from '../src/engine/io/test-helpers';
import { archFromRows } from '../src/engine/models/arch';
import { buildGraph } from '../src/engine/models/build';
import { syntheticParams } from '../src/engine/models/synthetic';
import { encodeWeights, withArch } from '../src/engine/models/weights-file';

test.describe.configure({ timeout: 120_000 });

const statusBar = (page: Page) => page.getByRole('contentinfo', { name: 'Status bar' });
const schemePicker = (page: Page) => page.getByRole('combobox', { name: 'Scheme' });

// ---------- the hostile files (built here with the engine's own writers, as the fuzz suite does) ----------

type Tree = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function tinyPkl(edit: (t: Tree) => void): Buffer {
  const arch = archFromRows('tiny', 8, [[0, 8, 3, 1], [16, 8, 3, 2], [24, 8, 3, 1, '+']]);
  const g = buildGraph(arch, { resolution: 16, classes: 4, head: 'int8' });
  const tree = pklTreeOf(g, syntheticParams(g, 3)) as Tree;
  edit(tree);
  return Buffer.from(pklOf(tree as PickleTree));
}

function tinyTtw(edit: (header: Tree) => void): Buffer {
  const arch = archFromRows('tiny', 8, [[0, 8, 3, 1], [16, 8, 3, 2]]);
  const g = withArch(buildGraph(arch, { resolution: 16, classes: 4 }), arch);
  const bytes = encodeWeights(g, syntheticParams(g), { source: 'e2e' });
  const len = new DataView(bytes.buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)));
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = Math.ceil((8 + json.length) / 4) * 4;
  const out = new Uint8Array(start + bytes.length - Math.ceil((8 + len) / 4) * 4);
  out.set(bytes.subarray(0, 4));
  new DataView(out.buffer).setUint32(4, json.length, true);
  out.set(json, 8);
  out.set(bytes.subarray(Math.ceil((8 + len) / 4) * 4), start);
  return Buffer.from(out);
}

/** Model files every reader must refuse, with what the message must say. */
const BAD_MODELS: { name: string; bytes: () => Buffer; says: RegExp }[] = [
  { name: 'nan-scales.pkl', bytes: () => tinyPkl((t) => { t.blocks[1].depthwise.params.w_scales.data[0] = NaN; }), says: /"w_scales"\[0\] is NaN; a weight scale must be a number/ },
  { name: 'zero-point.pkl', bytes: () => tinyPkl((t) => { t.first_conv.params.x_zero = 1000; }), says: /"x_zero" is 1,000, outside the allowed -128 to 127/ },
  { name: 'huge-scale.pkl', bytes: () => tinyPkl((t) => { t.blocks[0].pointwise2.params.y_scale = 1e300; }), says: /"y_scale" is 1e\+300; an activation scale/ },
  { name: 'overlap-bomb.pkl', bytes: () => Buffer.from(overlappingZip(64, 1 << 24)), says: /no <dir>\/data\.pkl entry|overlap|entries/ },
  { name: 'million-channels.ttw', bytes: () => tinyTtw((h) => { h.arch.blocks[1].mid = 1_000_000; }), says: /blocks\[1\]\.mid is 1,000,000 channels, outside the allowed 1 to 4,096/ },
  { name: 'negative-offset.ttw', bytes: () => tinyTtw((h) => { h.tensors[0].offset = -8; }), says: /offset is -8, outside the allowed/ },
];

// ---------- the state that must not change ----------

interface Saved { id: string; name: string; origin: string; scheme: string; target: string }

/** Every project record in IndexedDB (what autosave wrote), reduced to what identifies its content. */
async function savedProjects(page: Page): Promise<Saved[]> {
  return page.evaluate(() => new Promise<Saved[]>((resolve, reject) => {
    const req = indexedDB.open('tinytrain-studio');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const all = req.result.transaction('projects', 'readonly').objectStore('projects').getAll();
      all.onerror = () => reject(all.error);
      all.onsuccess = () => resolve((all.result as { id: string; name: string; doc: { origin: Record<string, unknown>; scheme: unknown; target: unknown } }[])
        .map((r) => ({
          id: r.id, name: r.name, scheme: JSON.stringify(r.doc.scheme), target: JSON.stringify(r.doc.target),
          origin: JSON.stringify({ ...r.doc.origin, bytes: r.doc.origin.bytes ? (r.doc.origin.bytes as Uint8Array).length : undefined }),
        }))
        .sort((a, b) => a.id.localeCompare(b.id)));
    };
  }));
}

interface Shown { status: string; scheme: string | null; sram: number }

/** What the page shows of the open project: the status bar (without passing notices and timings), the scheme, the SRAM figure. */
async function shown(page: Page): Promise<Shown> {
  const status = (await statusBar(page).innerText()).split('\n')
    .filter((l) => !/^(Exported|Imported|Opened|Created|Applied|Undid|Redid|Saved)\b/.test(l))
    .map((l) => l.replace(/ in [\d.]+ ms/, ' in … ms')).join('\n');
  return { status, scheme: await schemePicker(page).inputValue().catch(() => null), sram: await bytesOf(page, 'sram-figure') };
}

/** Waits until the autosave has written what there is to write. */
async function settled(page: Page): Promise<void> {
  await expect(page.getByTestId('save-state')).toHaveAttribute('data-saving', 'false');
  await page.waitForTimeout(400);
  await expect(page.getByTestId('save-state')).toHaveAttribute('data-saving', 'false');
}

/** After a refusal: one alert naming `says`, nothing shown or saved changed, and the app still takes an edit. */
async function refusedAndUnchanged(page: Page, says: RegExp, before: { shown: Shown; saved: Saved[] }): Promise<void> {
  const alert = page.getByRole('alert');
  await expect(alert).toHaveCount(1);
  await expect(alert).toContainText(says);
  await expect(alert).not.toContainText(/Cannot read properties|is not iterable|out of bounds|Maximum call stack|undefined/);
  expect(await shown(page)).toEqual(before.shown);
  await settled(page);
  expect(await savedProjects(page)).toEqual(before.saved);
  await alert.getByRole('button', { name: 'Dismiss error' }).click();
  await expect(page.getByRole('alert')).toHaveCount(0);
}

async function snapshot(page: Page) {
  await settled(page);
  return { shown: await shown(page), saved: await savedProjects(page) };
}

/** The app still works: a tab switch renders, and an edit (another scheme) changes the memory figure, then undo restores it. */
async function stillUsable(page: Page, before: Shown): Promise<void> {
  await page.getByRole('tab', { name: 'Layers' }).click();
  await expect(page.locator('tbody tr[data-op="conv2d"]').first()).toBeVisible();
  const options = await schemePicker(page).locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
  const other = options.find((v) => v !== before.scheme && !/custom/i.test(v));
  if (other) {
    await schemePicker(page).selectOption(other);
    await expect.poll(() => bytesOf(page, 'sram-figure')).not.toBe(before.sram);
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => bytesOf(page, 'sram-figure')).toBe(before.sram);
  }
}

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('sram-figure')).toBeVisible();
});

test('hostile model files through the file picker: one message each, the open project and IndexedDB untouched', async ({ page }) => {
  const before = await snapshot(page);
  for (const m of BAD_MODELS) {
    await page.getByLabel('Model file').setInputFiles({ name: m.name, mimeType: 'application/octet-stream', buffer: m.bytes() });
    if (m === BAD_MODELS[0]) {
      for (const [w, h] of [[1280, 720], [1920, 1080]]) {
        await page.setViewportSize({ width: w, height: h });
        await expect(page.getByRole('alert')).toBeVisible();
        await saveScreenshot(page, `hostile-refused-file-${w}x${h}`);
      }
    }
    await refusedAndUnchanged(page, m.says, before);
  }
  await stillUsable(page, before.shown);
  await saveScreenshot(page, 'hostile-after-files');
});

test('a hostile model file dropped on the window is refused the same way', async ({ page }) => {
  const before = await snapshot(page);
  const bytes = Array.from(BAD_MODELS[0].bytes());
  const dataTransfer = await page.evaluateHandle((b) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], 'nan-scales.pkl'));
    return dt;
  }, bytes);
  await page.dispatchEvent('body', 'dragenter', { dataTransfer });
  await page.dispatchEvent('body', 'drop', { dataTransfer });
  await refusedAndUnchanged(page, BAD_MODELS[0].says, before);
  await stillUsable(page, before.shown);
});

test('a model named to inject markup opens with its name shown as text, never run', async ({ page }) => {
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  const name = '<img src=x onerror=alert(1)>*/ #include "x"';
  await page.getByLabel('Model file').setInputFiles({ name: 'markup.ttw', mimeType: 'application/octet-stream', buffer: tinyTtw((h) => { h.arch.name = name; }) });
  await expect(statusBar(page)).toContainText('markup.ttw', { timeout: 30_000 });
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  expect(dialogs).toBe(0);
});

test('hostile project files are refused before anything opens; nothing of them is saved', async ({ page }) => {
  const before = await snapshot(page);
  await page.locator('.project-button').click();
  const exported = page.waitForEvent('download');
  await page.getByRole('menuitem', { name: /Export project file/ }).click();
  const good = JSON.parse(readFileSync(await (await exported).path(), 'utf8'));
  await page.locator('.project-button').click();
  const spec = structuredClone(archFromRows('x', 16, [[0, 8, 3, 1], [48, 16, 3, 2], [48, 16, 3, 1, '+']]));
  const variant = (doc: Record<string, unknown>) => JSON.stringify({ ...good, name: 'hostile', doc: { ...good.doc, ...doc } });
  const zoo = (edit: (s: typeof spec) => void) => {
    const s = structuredClone(spec);
    edit(s);
    return variant({ origin: { kind: 'zoo', arch: 'mcunet-5fps', spec: s }, shape: { resolution: 32, classes: 10 } });
  };
  const cases: [string, string, RegExp][] = [
    ['kernel-999', zoo((s) => { s.blocks[1].kernel = 999; }), /blocks\[1\]\.kernel is 999, outside the allowed 1 to 15/],
    ['channels-40000', zoo((s) => { s.blocks[1].mid = 40_000; }), /blocks\[1\]\.mid is 40,000 channels, outside the allowed 1 to 4,096/],
    ['constructor', variant({ origin: { kind: 'zoo', arch: 'constructor' } }), /doc\.origin\.arch "constructor" is not a zoo model/],
    ['budget-1e26', variant({ target: { ...good.doc.target, trainBudget: 1e26 } }), /trainBudget is .* outside the allowed 1 KB to 64 MB/],
    ['deep', `{"format":"tinytrain-studio-project","version":1,"name":"d","doc":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, /nests arrays or objects more than 32 levels deep/],
    ['nan-model', variant({ origin: { kind: 'file', fileName: 'nan.pkl', bytesBase64: BAD_MODELS[0].bytes().toString('base64') }, shape: { resolution: 16, classes: 4 } }), /"w_scales"\[0\] is NaN/],
  ];
  for (const [name, body, says] of cases) {
    await page.getByLabel('Project file').setInputFiles({ name: `${name}.tinytrain.json`, mimeType: 'application/json', buffer: Buffer.from(body) });
    await refusedAndUnchanged(page, says, before);
  }
  await stillUsable(page, before.shown);
  await saveScreenshot(page, 'hostile-after-projects');
});

test('hostile share links change nothing and save nothing', async ({ page }) => {
  const before = await snapshot(page);
  const links = [
    '#model=constructor&scheme=%7B%22nBias%22%3A2%7D',
    '#model=__proto__&scheme=%7B%22nBias%22%3A2%7D',
    `#model=mcunet-5fps&scheme=${encodeURIComponent(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)}`,
    `#model=mbv2-w0.35&scheme=${encodeURIComponent('{"nBias": 999}')}`,
    `#model=mcunet-5fps&scheme=${encodeURIComponent('{"nBias": 22, "weights": {"21": 1, "021": 1}}')}`,
    `#model=mcunet-5fps&scheme=${encodeURIComponent('{"nBias": 2, "weights": {"41": "0x1"}}')}`,
  ];
  for (const hash of links) {
    await page.evaluate((h) => { location.hash = h; }, hash);
    await expect(page.getByRole('alert')).toHaveCount(1);
    await expect(page.getByRole('alert')).not.toContainText(/Cannot read properties|is not iterable|Maximum call stack|undefined/);
    expect(await shown(page)).toEqual(before.shown);
    await settled(page);
    expect(await savedProjects(page)).toEqual(before.saved);
    await page.getByRole('alert').getByRole('button', { name: 'Dismiss error' }).click();
  }
  await stillUsable(page, before.shown);
  await saveScreenshot(page, 'hostile-after-links');
});
