import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isNdArray, readTorchPickleZip, type NdArray, type PyValue } from './read-pickle-zip.ts';
import { modelZip } from './test-helpers.ts';
import { crc32, listZipEntries, readZipEntry } from './zip.ts';

type Dict = { [key: string]: PyValue };

function load(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../../../../shared/models/tiny-training/${name}.pkl`, import.meta.url)));
}

const NUMPY_CODE: Record<string, string> = { int8: 'i1', int32: 'i4', float32: 'f4' };

/**
 * One line per leaf, keys sorted, floats as their float64 bits, arrays as dtype, shape and CRC of the
 * bytes. The same function written in Python (zipfile + a restricted pickle.Unpickler) gave the
 * expected line counts and CRCs below, so this checks every value in the files against Python.
 */
function fingerprint(v: PyValue, path: string, out: string[]): void {
  if (isNdArray(v)) {
    const raw = new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength);
    out.push(`${path}=nd ${NUMPY_CODE[v.dtype]} ${v.shape.join(',')} ${crc32(raw)}`);
  } else if (Array.isArray(v)) {
    out.push(`${path}=[${v.length}]`);
    v.forEach((x, i) => fingerprint(x, `${path}/${i}`, out));
  } else if (v === null) {
    out.push(`${path}=None`);
  } else if (typeof v === 'boolean') {
    out.push(`${path}=${v ? 'True' : 'False'}`);
  } else if (typeof v === 'number') {
    if (Number.isInteger(v)) out.push(`${path}=${v}`);
    else {
      const b = new DataView(new ArrayBuffer(8));
      b.setFloat64(0, v, false);
      out.push(`${path}=${b.getBigUint64(0).toString(16).padStart(16, '0')}`);
    }
  } else if (typeof v === 'string') {
    out.push(`${path}="${v}"`);
  } else if (v instanceof Uint8Array) {
    throw new Error('no bytes expected in model files');
  } else {
    for (const k of Object.keys(v).sort()) fingerprint(v[k], `${path}/${k}`, out);
  }
}

function allConvs(m: Dict): Dict[] {
  const blocks = m.blocks as Dict[];
  const inBlocks = blocks.flatMap((b) => ['pointwise1', 'depthwise', 'pointwise2'].map((k) => b[k] as Dict | null));
  return [m.first_conv as Dict, ...inBlocks.filter((c): c is Dict => c !== null), m.classifier as Dict];
}

const MODELS = [
  {
    name: 'mcunet-5fps', blocks: 14, lines: 836, crc: 4197609783, classifierIn: 160,
    residual: [2, 4, 6, 8, 9, 11, 12], weightBytes: 623216, weightSum: 123955,
    w0: [-22, -68, -48, 13, 7, 4, 25, 61], b0: [14381, 10648, 33327, 21794], s0: 0.006905585061758757,
  },
  {
    name: 'mbv2-w0.35', blocks: 17, lines: 1019, crc: 705734792, classifierIn: 112,
    residual: [2, 4, 5, 7, 8, 9, 11, 12, 14, 15], weightBytes: 350688, weightSum: 209697,
    w0: [14, 50, 51, 65, 127, 114, 21, 56], b0: [4944, -13324, 7991, 15539], s0: 0.004746666178107262,
  },
  {
    name: 'proxyless-w0.3', blocks: 20, lines: 1202, crc: 2328403345, classifierIn: 96,
    residual: [2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 18], weightBytes: 416816, weightSum: 213146,
    w0: [31, -5, 15, 2, 90, 114, 23, 127], b0: [21263, 5354, 9232, 9380], s0: 0.003971301484853029,
  },
];

describe.each(MODELS)('$name.pkl', (M) => {
  const bytes = load(M.name);
  const t0 = performance.now();
  const model = readTorchPickleZip(bytes) as Dict;
  const ms = performance.now() - t0;

  it('has the top-level structure of the paper models', () => {
    expect(Object.getPrototypeOf(model)).toBe(null);
    expect(Object.keys(model)).toEqual(['first_conv', 'blocks', 'feature_mix', 'classifier']);
    expect(model.feature_mix).toBe(null);
    expect((model.blocks as Dict[]).length).toBe(M.blocks);
    expect(ms).toBeLessThan(5000); // a hang guard only; it takes tens of milliseconds
  });

  it('decodes first_conv', () => {
    const fc = model.first_conv as Dict;
    expect(Object.keys(fc).sort()).toEqual(
      ['act', 'depthwise', 'groups', 'in_channel', 'in_shape', 'kernel_size', 'out_channel', 'out_shape', 'params', 'stride']);
    expect(fc).toMatchObject({ in_channel: 3, in_shape: 128, out_channel: 16, out_shape: 64, kernel_size: [3, 3], stride: 2, groups: 1, depthwise: false, act: null });
    const p = fc.params as Dict;
    const w = p.weight as NdArray, b = p.bias as NdArray, s = p.w_scales as NdArray;
    expect([w.dtype, w.shape, w.data instanceof Int8Array]).toEqual(['int8', [16, 3, 3, 3], true]);
    expect([b.dtype, b.shape, b.data instanceof Int32Array]).toEqual(['int32', [16], true]);
    expect([s.dtype, s.shape, s.data instanceof Float32Array]).toEqual(['float32', [16], true]);
    expect(Array.from(w.data.subarray(0, 8))).toEqual(M.w0);
    expect(Array.from(b.data.subarray(0, 4))).toEqual(M.b0);
    expect(s.data[0]).toBe(Math.fround(M.s0));
    expect(typeof p.x_scale).toBe('number');
    expect(p.x_scale).toBe(0.00784313725490196);
    expect([p.x_zero, p.y_scale, p.y_zero]).toEqual([0, 0.023529411764705882, -128]);
  });

  it('decodes blocks: first has no pointwise1, residuals have only quantization params', () => {
    const blocks = model.blocks as Dict[];
    for (const b of blocks) expect(Object.keys(b).sort()).toEqual(['depthwise', 'pointwise1', 'pointwise2', 'residual', 'se']);
    expect([blocks[0].pointwise1, blocks[0].residual, blocks[0].se]).toEqual([null, null, null]);
    expect(blocks.every((b) => b.se === null)).toBe(true);
    expect(blocks.map((b, i) => (b.residual ? i : -1)).filter((i) => i >= 0)).toEqual(M.residual);
    const r = blocks[M.residual[0]].residual as Dict;
    expect(Object.keys(r).sort()).toEqual(['in_channel', 'in_shape', 'params']);
    expect(Object.keys(r.params as Dict).sort()).toEqual(['x_scale', 'x_zero', 'y_scale', 'y_zero']);
    expect((blocks[0].depthwise as Dict).depthwise).toBe(true);
  });

  it('decodes the classifier', () => {
    const c = model.classifier as Dict;
    expect(Object.keys(c).sort()).toEqual(['groups', 'in_channel', 'kernel_size', 'out_channel', 'params', 'stride']);
    expect((c.params as Dict).weight).toMatchObject({ dtype: 'int8', shape: [1000, M.classifierIn, 1, 1] });
  });

  it('matches the weights read with Python', () => {
    let n = 0, sum = 0;
    for (const c of allConvs(model)) {
      const w = (c.params as Dict).weight as NdArray;
      n += w.data.length;
      for (const x of w.data) sum += x;
    }
    expect([n, sum]).toEqual([M.weightBytes, M.weightSum]);
    const lines: string[] = [];
    fingerprint(model, '', lines);
    expect(lines.length).toBe(M.lines);
    expect(crc32(new TextEncoder().encode(lines.join('\n')))).toBe(M.crc);
  });

  it('reads the same pickle deflated and under another folder name', () => {
    const pkl = readZipEntry(bytes, listZipEntries(bytes).find((e) => e.name === 'archive/data.pkl')!);
    const again = readTorchPickleZip(modelZip(pkl, 6, M.name)) as Dict;
    const a: string[] = [], b: string[] = [];
    fingerprint(model, '', a);
    fingerprint(again, '', b);
    expect(b).toEqual(a);
  });
});
