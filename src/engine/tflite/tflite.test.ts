import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelFileError } from '../io/errors.ts';
import { TfliteModelBuilder } from './build.ts';
import { coverageProblem } from './coverage.ts';
import { TFLITE_LIMITS } from '../limits.ts';
import type { ImportedModel } from './model.ts';
import { parseTflite, readTflite } from './read.ts';
import { writeTflite } from './write.ts';

const shared = (name: string) => new Uint8Array(readFileSync(new URL(`../../../../shared/models/tflite/${name}`, import.meta.url)));
const VWW = shared('mcunet-vww.tflite');
const LENET = shared('lenet-300-100-int8.tflite');

const refuse = (f: () => unknown, message: RegExp) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFileError);
    expect((e as Error).message).toMatch(message);
    // One sentence: a single final period, no line breaks.
    expect((e as Error).message).not.toMatch(/\n/);
    return;
  }
  throw new Error(`expected a refusal matching ${message}`);
};

/** A small int8 model: QUANTIZE -> CONV_2D (per-channel, RELU6) -> MAX_POOL_2D -> RESHAPE -> FULLY_CONNECTED -> DEQUANTIZE. */
function smallModel(): TfliteModelBuilder {
  const b = new TfliteModelBuilder();
  const q = { scale: 0.02, zeroPoint: -3 };
  const x = b.tensor('x', [1, 6, 6, 2], 'float32');
  const xq = b.tensor('xq', [1, 6, 6, 2], 'int8', q);
  const w = b.tensor('w', [4, 3, 3, 2], 'int8', { scales: [0.01, 0.02, 0.03, 0.04], zeroPoints: [0, 0, 0, 0], axis: 0 }, Int8Array.from({ length: 72 }, (_, i) => ((i * 37) % 255) - 127));
  const bias = b.tensor('b', [4], 'int32', { scales: [2e-4, 4e-4, 6e-4, 8e-4], zeroPoints: [0, 0, 0, 0], axis: 0 }, Int32Array.from([100, -200, 300, -400]));
  const c = b.tensor('c', [1, 6, 6, 4], 'int8', { scale: 0.05, zeroPoint: -128 });
  const p = b.tensor('p', [1, 3, 3, 4], 'int8', { scale: 0.05, zeroPoint: -128 });
  const shape = b.tensor('shape', [2], 'int32', null, Int32Array.from([1, 36]));
  const r = b.tensor('r', [1, 36], 'int8', { scale: 0.05, zeroPoint: -128 });
  const fw = b.tensor('fw', [3, 36], 'int8', { scale: 0.01, zeroPoint: 0 }, Int8Array.from({ length: 108 }, (_, i) => ((i * 53) % 200) - 100));
  const fb = b.tensor('fb', [3], 'int32', { scale: 5e-4, zeroPoint: 0 }, Int32Array.from([7, -7, 70]));
  const logits = b.tensor('logits', [1, 3], 'int8', { scale: 0.1, zeroPoint: 2 });
  const out = b.tensor('out', [1, 3], 'float32');
  b.inputs = [x];
  b.outputs = [out];
  b.op('QUANTIZE', {}, [x], [xq]);
  b.op('CONV_2D', { padding: 'SAME', strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, activation: 'RELU6' }, [xq, w, bias], [c]);
  b.op('MAX_POOL_2D', { padding: 'VALID', strideH: 2, strideW: 2, filterH: 2, filterW: 2, activation: 'NONE' }, [c], [p]);
  b.op('RESHAPE', { newShape: [1, 36] }, [p, shape], [r]);
  b.op('FULLY_CONNECTED', { activation: 'NONE', keepNumDims: false, shuffledWeights: false }, [r, fw, fb], [logits]);
  b.op('DEQUANTIZE', {}, [logits], [out]);
  return b;
}

/** The structure of a model without the file name, for round-trip comparisons. */
const structure = (m: ImportedModel) => ({ ...m, file: '', tensors: m.tensors.map((t) => ({ ...t, data: t.data ? [...t.data] : null })) });

describe('.tflite reader', () => {
  it('reads mcunet-vww.tflite: 63 ops in order, per-channel int8 weights, int8 activations', () => {
    const m = readTflite(VWW, 'mcunet-vww.tflite');
    expect(m.ops.map((o) => o.index)).toEqual(m.ops.map((_, i) => i));
    const count = (k: string) => m.ops.filter((o) => o.kind === k).length;
    expect([count('CONV_2D'), count('DEPTHWISE_CONV_2D'), count('ADD'), count('PAD'), count('MEAN'), count('TRANSPOSE')]).toEqual([30, 15, 8, 4, 2, 1]);
    const conv = m.ops[2];
    expect(conv.kind).toBe('CONV_2D');
    if (conv.kind !== 'CONV_2D') return;
    expect(conv.options).toEqual({ padding: 'VALID', strideH: 2, strideW: 2, dilationH: 1, dilationW: 1, activation: 'RELU6' });
    const w = m.tensors[conv.inputs[1]];
    expect(w.shape).toEqual([16, 3, 3, 3]);
    expect(w.quant!.scales).toHaveLength(16);
    expect(w.data!.length).toBe(16 * 27);
    expect(m.tensors[m.inputs[0]]).toMatchObject({ shape: [1, 80, 80, 3], dtype: 'float32' });
    expect(m.tensors[m.outputs[0]]).toMatchObject({ shape: [1, 2], dtype: 'float32' });
  });

  it('reads lenet-300-100: fully connected, with a float LOG_SOFTMAX tail', () => {
    const m = readTflite(LENET, 'lenet.tflite');
    expect(m.ops.map((o) => o.kind)).toEqual(['QUANTIZE', 'RESHAPE', 'FULLY_CONNECTED', 'FULLY_CONNECTED', 'FULLY_CONNECTED', 'DEQUANTIZE', 'LOG_SOFTMAX']);
    expect(m.ops.filter((o) => o.kind === 'FULLY_CONNECTED').map((o) => m.tensors[o.inputs[1]].shape)).toEqual([[300, 784], [100, 300], [10, 100]]);
  });

  it('refuses files that lie, in one sentence naming the file and what is wrong', () => {
    refuse(() => readTflite(new Uint8Array(4), 'a.tflite'), /^a\.tflite is not a valid \.tflite file: it has only 4 bytes\.$/);
    refuse(() => readTflite(new TextEncoder().encode('PK\x03\x04 not a model at all'), 'b.tflite'), /bytes 4-8 are not the "TFL3" identifier/);
    const bad = VWW.slice();
    new DataView(bad.buffer).setUint32(0, 0x7fffff00, true); // root offset past the end
    refuse(() => readTflite(bad, 'c.tflite'), /c\.tflite is not a valid \.tflite file: the model table .* lies outside the 613840-byte file\./);
    refuse(() => readTflite(VWW.subarray(0, 300_000), 'd.tflite'), /d\.tflite is not a valid \.tflite file: .*lies outside the 300000-byte file\./);
  });

  it('refuses structural lies the writer can express: bad indices, wrong data sizes, cycles, negative dims', () => {
    const lie = (mutate: (b: TfliteModelBuilder) => void) => {
      const b = smallModel();
      mutate(b);
      return writeTflite(b.model('lie.tflite'));
    };
    refuse(() => readTflite(lie((b) => b.ops[1].inputs.push(99)), 'lie.tflite'), /operator 1's input list names tensor 99, but the subgraph has 12 tensors/);
    refuse(() => readTflite(lie((b) => { b.tensors[2].data = b.tensors[2].data!.subarray(0, 70); }), 'lie.tflite'), /tensor 2 \("w"\) has 70 bytes of data, but its shape \[4, 3, 3, 2\] of int8 needs 72/);
    refuse(() => readTflite(lie((b) => { b.tensors[4].shape = [1, -6, 6, 4]; }), 'lie.tflite'), /tensor 4 \("c"\) has the negative dimension -6/);
    refuse(() => readTflite(lie((b) => { b.ops[1].inputs[0] = 5; }), 'lie.tflite'), /operator \d is part of a cycle/);
    refuse(() => readTflite(lie((b) => { b.ops[2].outputs = [4]; }), 'lie.tflite'), /tensor 4 is written by both operator 1 and operator 2/);
    refuse(() => readTflite(lie((b) => { b.tensors[2].quant!.scales[1] = 0; }), 'lie.tflite'), /tensor 2 \("w"\) has the quantization scale 0/);
    refuse(() => readTflite(lie((b) => { b.tensors[2].quant!.scales.pop(); b.tensors[2].quant!.zeroPoints.pop(); }), 'lie.tflite'), /tensor 2 \("w"\) has 3 quantization scales for the 4 entries of dimension 0/);
    refuse(() => readTflite(lie((b) => { b.tensors[4].shape = [1, 4096, 4096, 8]; }), 'lie.tflite'), new RegExp(`has 134217728 elements, more than the limit of ${TFLITE_LIMITS.maxTensorElements}`));
  });

  it('keeps the operators in an order where each reads what is already written', () => {
    const b = smallModel();
    const [q, conv, ...rest] = b.ops;
    b.ops.length = 0;
    b.ops.push(...rest.reverse(), conv, q);
    b.ops.forEach((op, i) => (op.index = i));
    const m = readTflite(writeTflite(b.model('shuffled.tflite')), 'shuffled.tflite');
    expect(m.ops.map((o) => o.kind)).toEqual(['QUANTIZE', 'CONV_2D', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED', 'DEQUANTIZE']);
  });
});

describe('coverage at open time', () => {
  it('lists each unsupported op with its count and first place, and unsupported dtypes and shapes, in one sentence', () => {
    const b = smallModel();
    const m = b.model('crafted.tflite');
    // Two TANH and one CUSTOM op, a uint8 tensor, a dilated conv, batch 2 somewhere else.
    m.ops.splice(4, 0,
      { kind: 'UNSUPPORTED', options: { opName: 'TANH' }, index: 90, inputs: [7], outputs: [7] },
      { kind: 'UNSUPPORTED', options: { opName: 'TANH' }, index: 91, inputs: [7], outputs: [7] },
      { kind: 'UNSUPPORTED', options: { opName: 'CUSTOM "TFLite_Detection_PostProcess"' }, index: 92, inputs: [7], outputs: [7] });
    m.tensors[3].dtype = 'uint8';
    if (m.ops[1].kind === 'CONV_2D') m.ops[1].options.dilationH = 2;
    const msg = coverageProblem(m)!;
    expect(msg).toMatch(/^crafted\.tflite uses what the project cannot run: /);
    expect(msg).toContain('op TANH (2 times, first at operator 90 (TANH, output "r"))');
    expect(msg).toContain('op CUSTOM "TFLite_Detection_PostProcess" (1 time, first at operator 92');
    expect(msg).toContain('uint8 tensors (1 time, first at tensor 3 ("b"))');
    expect(msg).toContain('CONV_2D whose bias is not a constant int32 tensor (1 time, first at operator 1 (CONV_2D, output "c"))');
    expect(msg).toContain('dilated CONV_2D (dilation 2x1) (1 time, first at operator 1 (CONV_2D, output "c"))');
    expect(msg.split('. ')).toHaveLength(1);
  });

  it('refuses float inside the graph, int16 activations, broadcasting ADD and depth multipliers', () => {
    const b = new TfliteModelBuilder();
    const x = b.tensor('x', [1, 4, 4, 2], 'float32');
    const y = b.tensor('y', [1, 4, 4, 2], 'float32');
    const z = b.tensor('z', [1, 4, 4, 2], 'int16', { scale: 1, zeroPoint: 0 });
    b.inputs = [x];
    b.outputs = [z];
    b.op('ADD', { activation: 'TANH' }, [x, x], [y]);
    b.op('QUANTIZE', {}, [y], [z]);
    const msg = coverageProblem(b.model('f.tflite'))!;
    expect(msg).toContain('float32 tensors inside the graph');
    expect(msg).toContain('int16 tensors (1 time, first at tensor 2 ("z"))');
    expect(msg).toContain('fused TANH activation (1 time, first at operator 0 (ADD, output "y"))');
    expect(() => readTflite(writeTflite(b.model('f.tflite')), 'f.tflite')).toThrow(ModelFileError);
  });

  it('accepts the shipped models and the crafted one', () => {
    expect(coverageProblem(parseTflite(VWW, 'v'))).toBeNull();
    expect(coverageProblem(parseTflite(LENET, 'l'))).toBeNull();
    expect(coverageProblem(smallModel().model('s'))).toBeNull();
  });
});

describe('.tflite writer', () => {
  it('round-trips the shipped models: write(read(file)) reads back as the same structure', () => {
    for (const [name, bytes] of [['vww', VWW], ['lenet', LENET]] as const) {
      const m = readTflite(bytes, name);
      const again = readTflite(writeTflite(m), name);
      expect(structure(again)).toEqual(structure(m));
    }
  });

  it('round-trips a built model, and writing is deterministic and 16-byte aligns buffer data', () => {
    const m = smallModel().model('s.tflite', 'made by a test');
    const bytes = writeTflite(m);
    expect(writeTflite(m)).toEqual(bytes);
    const back = readTflite(bytes, 's.tflite');
    expect(structure(back)).toEqual(structure(m));
    for (const t of back.tensors) if (t.data) expect(t.data.byteOffset % 16).toBe(0);
  });
});

describe('buffers kept after the flatbuffer (the layout of files over 2 GB)', () => {
  it('reads data from the offsets and sizes the buffers name, and refuses ones past the end', () => {
    const m = readTflite(LENET, 'lenet.tflite');
    const bytes = writeTflite(m, { externalData: true });
    const back = readTflite(bytes, 'lenet.tflite');
    expect(structure(back)).toEqual(structure(m));
    // The weights are not inline: the file is the flatbuffer plus the data.
    const weights = m.tensors.reduce((s, t) => s + (t.data?.length ?? 0), 0);
    expect(bytes.length).toBeGreaterThan(weights);
    refuse(() => readTflite(bytes.subarray(0, bytes.length - 100), 'cut.tflite'), /cut\.tflite is not a valid \.tflite file: the data of buffer \d+ \(byte \d+, \d+ bytes\) lies outside the \d+-byte file\./);
  });
});
