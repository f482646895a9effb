/**
 * The user's own images (folder or zip of class subfolders): decoding PNG and JPEG, a file that does
 * not decode (skipped and named), an empty class folder, a single class, and the deterministic split.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { loadImagesNode } from './node-images.ts';
import { checkTrainable, splitBySeed, type LabeledImages } from './samples.ts';

function png(w: number, h: number, v: number): Uint8Array {
  const p = new PNG({ width: w, height: h });
  p.data.fill(v);
  return new Uint8Array(PNG.sync.write(p));
}

function jpg(w: number, h: number, v: number): Uint8Array {
  return new Uint8Array(jpeg.encode({ data: Buffer.alloc(w * h * 4, v), width: w, height: h }, 90).data);
}

function folder(files: Record<string, Uint8Array | null>): string {
  const root = mkdtempSync(join(tmpdir(), 'tt-images-'));
  for (const [p, bytes] of Object.entries(files)) {
    const full = join(root, p);
    mkdirSync(bytes ? join(full, '..') : full, { recursive: true });
    if (bytes) writeFileSync(full, bytes);
  }
  return root;
}

describe('image folders and zips', () => {
  it('decodes PNG and JPEG by class folder; a file that does not decode is skipped and named', async () => {
    const root = folder({ 'cats/a.png': png(40, 30, 200), 'cats/b.jpg': jpg(20, 20, 50), 'dogs/c.png': png(8, 8, 10), 'dogs/broken.png': new Uint8Array([137, 80, 78, 71, 1, 2]), 'dogs/notes.txt': new Uint8Array([65]) });
    const d = await loadImagesNode(root);
    expect(d.classNames).toEqual(['cats', 'dogs']);
    expect(d.count).toBe(3);
    expect(d.image(0).width).toBe(40);
    expect(d.skipped.map((s) => s.path).sort()).toEqual(['dogs/broken.png', 'dogs/notes.txt']);
    expect(d.skipped.find((s) => s.path === 'dogs/broken.png')!.reason).toMatch(/does not decode/);
  });

  it('reads a zip of a folder of class subfolders', async () => {
    const zip = zipSync({ 'pets/cats/a.png': png(4, 4, 1), 'pets/dogs/b.png': png(4, 4, 2), 'pets/dogs/c.jpg': jpg(4, 4, 3) });
    const root = mkdtempSync(join(tmpdir(), 'tt-zip-'));
    writeFileSync(join(root, 'pets.zip'), zip);
    const d = await loadImagesNode(join(root, 'pets.zip'));
    expect(d.classNames).toEqual(['cats', 'dogs']);
    expect(d.count).toBe(3);
  });

  it('an empty class folder, or one whose only image does not decode, is an error naming it', async () => {
    await expect(loadImagesNode(folder({ 'cats/a.png': png(4, 4, 1), 'dogs': null }))).rejects.toThrow(/class folder "dogs" has no usable images/);
    await expect(loadImagesNode(folder({ 'cats/a.png': png(4, 4, 1), 'dogs/x.jpg': new Uint8Array([0xff, 0xd8, 0, 0]) })))
      .rejects.toThrow(/"dogs" has no usable images \(1 file skipped: "dogs\/x.jpg" does not decode/);
  });

  it('a single class is refused', async () => {
    await expect(loadImagesNode(folder({ 'cats/a.png': png(4, 4, 1), 'cats/b.png': png(4, 4, 2) }))).rejects.toThrow(/only one class folder \("cats"\)/);
    const one: LabeledImages = { count: 2, classNames: ['a'], image: () => ({ data: new Uint8Array(1), width: 1, height: 1, channels: 1 }), label: () => 0 };
    expect(() => checkTrainable(one)).toThrow(/only one class/);
  });

  it('the split is deterministic by seed, disjoint and balanced', () => {
    const set: LabeledImages = { count: 100, classNames: ['a', 'b'], image: () => ({ data: new Uint8Array(1), width: 1, height: 1, channels: 1 }), label: (i) => i % 2 };
    const a = splitBySeed(set, { seed: 5, train: 60, val: 20 });
    expect(splitBySeed(set, { seed: 5, train: 60, val: 20 })).toEqual(a);
    expect(splitBySeed(set, { seed: 6, train: 60, val: 20 })).not.toEqual(a);
    expect(a.train.filter((i) => a.val.includes(i))).toEqual([]);
    expect(a.val.filter((i) => i % 2 === 0).length).toBe(10);
    // A held-out test split: the same validation images, test images taken from the rest, all three disjoint and balanced.
    const t = splitBySeed(set, { seed: 5, train: 60, val: 20, test: 20 });
    expect(t.val).toEqual(a.val);
    expect(a.test).toEqual([]);
    expect([t.train.length, t.test.length]).toEqual([60, 20]);
    expect(new Set([...t.train, ...t.val, ...t.test]).size).toBe(100);
    expect(t.test.filter((i) => i % 2 === 0).length).toBe(10);
  });
});
