/**
 * The weights record: what an exported firmware writes to its output channel after training (the
 * trained slices, the step count, a checksum), and what the studio reads back into the project.
 * The format is documented in docs/weights-record.md; codegen/c-record.ts writes it in C, this file
 * defines it (fingerprints, layout), writes it in TypeScript (tests, the fuzz seeds) and reads it.
 *
 * Binary record, little-endian:
 *   "TTRC" | u32 version (2) | u32 model fingerprint | u32 scheme fingerprint | u32 steps | u32 slices
 *   then per slice: u8 dtype (1 int8, 2 int32, 3 float32) | u8 name bytes | name (UTF-8) | u32 bytes | data
 *   then u32 CRC-32 (IEEE, as zip and zlib) of every byte before it.
 * The slices: the trained parameters in the program's order, then (version 2, a scheme with momentum)
 * each one's momentum buffer (float32, named `momentum:<param>`), so that training resumes exactly.
 * Version 1 (no momentum buffers) is still read for a scheme without momentum and refused in one
 * sentence for a scheme with it.
 * On the output channel (text: semihosting, a UART) it is hex, 32 bytes a line, framed:
 *   ttrec begin <record bytes>
 *   ttrec <64 hex digits>          (the last line may be shorter)
 *   ttrec end
 * Other lines (the firmware's step lines) may come before, between and after; the last complete
 * record in a log is the one read.
 *
 * A trained conv weight slice is the C's trained array: [Cout][n][k][k] of the first n input channels
 * (depthwise: the first n channels); biases and a float32 head are whole.
 */
import { crc32 } from '../io/zip.ts';
import { fnv1a, hex32 } from '../codegen/c-format.ts';
import { splitWeight } from '../codegen/c-params.ts';
import { InputError } from '../input-error.ts';
import type { Node, ParamStore } from '../ir/graph.ts';
import type { TypedArray } from '../ir/tensor.ts';
import { FILE_LIMITS, show } from '../limits.ts';
import { convGeom, isDepthwise, taps } from '../ops/conv2d.ts';
import type { TrainingProgram } from '../program/compile.ts';

export const RECORD_MAGIC = 'TTRC';
export const RECORD_VERSION = 2;
/** The versions this studio reads (1: before the momentum buffers). */
const READABLE_VERSIONS = [1, 2];
export const DTYPE_CODES = { int8: 1, int32: 2, float32: 3 } as const;
type SliceDType = keyof typeof DTYPE_CODES;

export class WeightsRecordError extends InputError {
  override name = 'WeightsRecordError';
}

export interface RecordSlice {
  name: string;
  dtype: SliceDType;
  /** The slice's bytes as the firmware keeps them (little-endian). */
  data: Uint8Array;
}

export interface WeightsRecord {
  version: number;
  modelFingerprint: number;
  schemeFingerprint: number;
  steps: number;
  slices: RecordSlice[];
}

const enc = new TextEncoder();

function dtypeOfArray(a: TypedArray): SliceDType {
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Float32Array) return 'float32';
  throw new Error('a trained parameter is neither int8, int32 nor float32');
}

function convOf(program: TrainingProgram, param: string): Node<'conv2d'> | undefined {
  return program.graph.nodes.find((n) => n.op === 'conv2d' && n.inputs[1] === param) as Node<'conv2d'> | undefined;
}

/** Channels of a conv weight's trained slice (input channels; channels for a depthwise conv). */
function trainedChannels(program: TrainingProgram, node: Node<'conv2d'>, elements: number): number {
  const geom = convGeom(node, program.graph);
  const kk = taps(geom);
  return isDepthwise(geom) ? elements / kk : elements / (geom.cout * kk);
}

/** A trained parameter's slice as the firmware keeps it. */
export function trainedSlice(program: TrainingProgram, params: ParamStore, param: string, elements: number): Uint8Array {
  const node = convOf(program, param);
  const v = node ? splitWeight(params[param] as Int8Array, convGeom(node, program.graph), trainedChannels(program, node, elements)).trained : params[param];
  return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

/**
 * The scheme's fingerprint: FNV-1a of each trained parameter's name, element count and bytes, in the
 * program's order (another scheme trains other slices).
 */
export function schemeFingerprint(program: TrainingProgram): number {
  return fnv1a(enc.encode(program.trainable.map((t) => `${t.param}:${t.elements}:${t.bytes}\n`).join('')));
}

/**
 * The model's fingerprint: FNV-1a of the graph (every tensor's name, kind, shape, dtype and
 * quantization, every node with its attributes) and of the per-channel weight scales, which no
 * scheme trains. It names the model (architecture, resolution, classes, head and the pretrained
 * model's quantization) whatever the scheme and whatever its weights hold now.
 */
export function modelFingerprint(program: TrainingProgram, params: ParamStore): number {
  const g = program.graph;
  const structure = Object.keys(g.tensors).sort().map((n) => {
    const t = g.tensors[n];
    return `${n}|${t.kind}|${t.shape.join('x')}|${t.dtype}|${t.q ? `${Math.fround(t.q.scale)}/${t.q.zeroPoint}` : ''}`;
  }).join('\n') + '\n' + g.nodes.map((n) => `${n.name}|${n.op}|${n.inputs.join(',')}|${n.outputs.join(',')}|${JSON.stringify(n.attrs)}`).join('\n');
  const parts: Uint8Array[] = [enc.encode(structure)];
  for (const name of Object.keys(g.tensors).sort()) {
    if (g.tensors[name].kind !== 'scales' || !Object.hasOwn(params, name)) continue;
    const v = params[name];
    parts.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  const all = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return fnv1a(all);
}

/** The momentum buffers a record of this program carries (version 2), in the program's order. */
function optimizerSlices(program: TrainingProgram): { name: string; bytes: number }[] {
  return program.trainable.flatMap((t) => (t.optimizer ? [{ name: t.optimizer, bytes: t.elements * 4 }] : []));
}

const bytesOf = (v: TypedArray) => new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));

/**
 * The record the firmware of `program` would write after `steps` steps with these parameters and,
 * for a scheme with momentum, these momentum buffers (`state`, runtime/executor.ts optimizerState).
 */
export function recordOf(program: TrainingProgram, initial: ParamStore, trained: ParamStore, steps: number, state: ParamStore = {}): WeightsRecord {
  return {
    version: RECORD_VERSION, modelFingerprint: modelFingerprint(program, initial), schemeFingerprint: schemeFingerprint(program), steps,
    slices: [
      ...program.trainable.map((t) => ({ name: t.param, dtype: dtypeOfArray(trained[t.param]), data: trainedSlice(program, trained, t.param, t.elements) })),
      ...optimizerSlices(program).map((o) => {
        if (!state[o.name]) throw new Error(`recordOf: no momentum buffer ${o.name}`);
        return { name: o.name, dtype: 'float32' as const, data: bytesOf(state[o.name]) };
      }),
    ],
  };
}

/** The binary record (checksum included). */
export function encodeRecord(r: WeightsRecord): Uint8Array {
  const names = r.slices.map((s) => enc.encode(s.name));
  const size = 24 + r.slices.reduce((n, s, i) => n + 2 + names[i].length + 4 + s.data.length, 0) + 4;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out.set(enc.encode(RECORD_MAGIC), 0);
  v.setUint32(4, r.version, true);
  v.setUint32(8, r.modelFingerprint, true);
  v.setUint32(12, r.schemeFingerprint, true);
  v.setUint32(16, r.steps, true);
  v.setUint32(20, r.slices.length, true);
  let p = 24;
  r.slices.forEach((s, i) => {
    if (names[i].length > 255) throw new Error(`parameter name ${s.name} is longer than a record holds`);
    out[p++] = DTYPE_CODES[s.dtype];
    out[p++] = names[i].length;
    out.set(names[i], p);
    p += names[i].length;
    v.setUint32(p, s.data.length, true);
    out.set(s.data, p + 4);
    p += 4 + s.data.length;
  });
  v.setUint32(p, crc32(out.subarray(0, p)), true);
  return out;
}

/** The record as the firmware prints it. */
export function recordText(bytes: Uint8Array): string {
  const lines = [`ttrec begin ${bytes.length}`];
  for (let i = 0; i < bytes.length; i += 32) lines.push(`ttrec ${Array.from(bytes.subarray(i, i + 32), (b) => b.toString(16).padStart(2, '0')).join('')}`);
  lines.push('ttrec end');
  return lines.join('\n') + '\n';
}

/** The most bytes a record may declare: a model file's limit (the trained slices are part of a model). */
export const MAX_RECORD_BYTES = FILE_LIMITS.model;

/**
 * Reads the last complete record of a log (the firmware's output, text) and checks its frame, its
 * checksum and its layout. Nothing here knows the project; `applyRecord` checks it fits.
 */
export function readRecord(log: Uint8Array, file: string): WeightsRecord {
  const fail = (msg: string): never => {
    throw new WeightsRecordError(`${file}: ${msg}`);
  };
  const text = new TextDecoder('utf-8', { fatal: false }).decode(log);
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  let begin = -1;
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i].startsWith('ttrec begin')) { begin = i; break; }
  if (begin < 0) fail('no weights record in it (no line "ttrec begin"): it is not the output of an exported firmware that wrote one');
  const m = /^ttrec begin (\d{1,10})$/.exec(lines[begin]);
  if (!m) fail(`line ${begin + 1}: the record's first line must be "ttrec begin <bytes>"`);
  const declared = Number(m![1]);
  if (declared < 28 || declared > MAX_RECORD_BYTES) fail(`the record declares ${declared} bytes; a record holds 28 to ${MAX_RECORD_BYTES} bytes`);
  const bytes = new Uint8Array(declared);
  let got = 0, end = -1;
  for (let i = begin + 1; i < lines.length; i++) {
    const l = lines[i];
    if (l === 'ttrec end') { end = i; break; }
    if (!l.startsWith('ttrec ')) continue;
    const hex = l.slice(6);
    if (!/^(?:[0-9a-f]{2}){1,32}$/.test(hex)) fail(`line ${i + 1} of the record is not 1 to 32 bytes of lowercase hex`);
    if (got + hex.length / 2 > declared) fail(`the record holds more than the ${declared} bytes its first line declares`);
    for (let j = 0; j < hex.length; j += 2) bytes[got++] = parseInt(hex.slice(j, j + 2), 16);
  }
  if (end < 0) fail(`the record is truncated: ${got} of ${declared} bytes and no "ttrec end" line`);
  if (got !== declared) fail(`the record is truncated: ${got} of the ${declared} bytes its first line declares`);
  return parseRecord(bytes, file);
}

/** The binary record (as the serial link's RECORD frame carries it): checksum and layout checked. */
export function parseRecord(bytes: Uint8Array, file: string): WeightsRecord {
  const fail = (msg: string): never => {
    throw new WeightsRecordError(`${file}: ${msg}`);
  };
  const declared = bytes.length;
  if (declared < 28 || declared > MAX_RECORD_BYTES) fail(`the record holds ${declared} bytes; a record holds 28 to ${MAX_RECORD_BYTES} bytes`);

  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const stored = v.getUint32(declared - 4, true), computed = crc32(bytes.subarray(0, declared - 4));
  if (stored !== computed) fail(`bad checksum: the record says ${hex32(stored)}, its bytes give ${hex32(computed)} (a corrupt record)`);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== RECORD_MAGIC) fail(`the record starts with ${show(magic)}, not "${RECORD_MAGIC}"`);
  const version = v.getUint32(4, true);
  if (!READABLE_VERSIONS.includes(version)) fail(`record version ${version} is not supported (this studio reads versions ${READABLE_VERSIONS.join(' and ')})`);
  const count = v.getUint32(20, true);
  const slices: RecordSlice[] = [];
  let p = 24;
  const body = declared - 4;
  const dtypes = Object.entries(DTYPE_CODES) as [SliceDType, number][];
  for (let i = 0; i < count; i++) {
    if (p + 2 > body) fail(`slice ${i + 1} of ${count} starts past the record's end`);
    const dtype = dtypes.find(([, c]) => c === bytes[p])?.[0];
    if (!dtype) fail(`slice ${i + 1} has dtype code ${bytes[p]}, not 1 (int8), 2 (int32) or 3 (float32)`);
    const nameLen = bytes[p + 1];
    if (nameLen === 0 || p + 2 + nameLen + 4 > body) fail(`slice ${i + 1}'s name runs past the record's end`);
    const name = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(p + 2, p + 2 + nameLen));
    p += 2 + nameLen;
    const n = v.getUint32(p, true);
    p += 4;
    if (n > body - p) fail(`slice ${show(name)} declares ${n} bytes, more than the record holds`);
    if (n % (dtype === 'int8' ? 1 : 4) !== 0) fail(`slice ${show(name)} holds ${n} bytes, not whole ${dtype} values`);
    slices.push({ name, dtype: dtype!, data: bytes.slice(p, p + n) });
    p += n;
  }
  if (p !== body) fail(`${body - p} bytes follow the last of its ${count} slices`);
  return { version, modelFingerprint: v.getUint32(8, true), schemeFingerprint: v.getUint32(12, true), steps: v.getUint32(16, true), slices };
}

/**
 * The project's parameters with the record's trained slices in place (a new store: `params` is not
 * touched). Refused in one sentence when the record is of another model or scheme or does not fit.
 */
export function applyRecord(record: WeightsRecord, program: TrainingProgram, params: ParamStore, file: string): ParamStore {
  const fail = (msg: string): never => {
    throw new WeightsRecordError(`${file}: ${msg}`);
  };
  const model = modelFingerprint(program, params);
  if (record.modelFingerprint !== model) {
    fail(`the record was written by the firmware of another model (fingerprint ${hex32(record.modelFingerprint)}; this model's is ${hex32(model)})`);
  }
  const scheme = schemeFingerprint(program);
  if (record.schemeFingerprint !== scheme) {
    fail(`the record was written by firmware that trains another scheme (fingerprint ${hex32(record.schemeFingerprint)}; this scheme is ${hex32(scheme)})`);
  }
  const moments = optimizerSlices(program);
  if (record.version < 2 && moments.length) {
    fail(`record version ${record.version} has no momentum buffers and this scheme trains with momentum, so training could not resume exactly: run the firmware exported by this studio again`);
  }
  const want = program.trainable.length + (record.version >= 2 ? moments.length : 0);
  if (record.slices.length !== want) {
    fail(`the record holds ${record.slices.length} slices; the scheme trains ${program.trainable.length} parameters${record.version >= 2 && moments.length ? ` with ${moments.length} momentum buffers` : ''}`);
  }
  moments.forEach((o, i) => {
    const s = record.slices[program.trainable.length + i];
    if (s.name !== o.name || s.dtype !== 'float32' || s.data.length !== o.bytes) {
      fail(`slice ${program.trainable.length + i + 1} is ${show(s.name)} (${s.dtype}, ${s.data.length} bytes); the scheme keeps its momentum buffer ${show(o.name)} (float32, ${o.bytes} bytes) there`);
    }
    const values = new Float32Array(s.data.slice().buffer);
    for (let j = 0; j < values.length; j++) if (!Number.isFinite(values[j])) fail(`momentum buffer ${show(o.name)} holds ${values[j]} at ${j}; it must be finite`);
  });
  const out: ParamStore = { ...params };
  program.trainable.forEach((t, i) => {
    const s = record.slices[i];
    const want = dtypeOfArray(params[t.param]);
    if (s.name !== t.param || s.dtype !== want || s.data.length !== t.bytes) {
      fail(`slice ${i + 1} is ${show(s.name)} (${s.dtype}, ${s.data.length} bytes); the scheme trains ${show(t.param)} (${want}, ${t.bytes} bytes) there`);
    }
    const aligned = s.data.slice();
    const values: TypedArray = want === 'int8' ? new Int8Array(aligned.buffer) : want === 'int32' ? new Int32Array(aligned.buffer) : new Float32Array(aligned.buffer);
    if (values instanceof Float32Array) {
      for (let j = 0; j < values.length; j++) if (!Number.isFinite(values[j])) fail(`slice ${show(t.param)} holds ${values[j]} at ${j}; trained values must be finite`);
    }
    const node = convOf(program, t.param);
    const merged = params[t.param].slice() as TypedArray;
    if (node && t.elements < merged.length) {
      // The trained [Cout][n][k][k] slice back into the full OIHW weight (depthwise: the first n channels).
      const geom = convGeom(node, program.graph);
      const kk = taps(geom), n = trainedChannels(program, node, t.elements);
      if (isDepthwise(geom)) merged.set(values, 0);
      else for (let oc = 0; oc < geom.cout; oc++) merged.set(values.subarray(oc * n * kk, (oc + 1) * n * kk), oc * geom.cpg * kk);
    } else merged.set(values);
    out[t.param] = merged;
  });
  return out;
}

/**
 * The momentum buffers a record carries (a checked record: applyRecord first), by name, as the
 * runtime keeps them (runtime/executor.ts optimizerState); empty for a scheme without momentum. With
 * the record's parameters and its step count, an executor resumes the board's training exactly.
 */
export function recordState(record: WeightsRecord, program: TrainingProgram): ParamStore {
  const state: ParamStore = {};
  optimizerSlices(program).forEach((o, i) => {
    const s = record.slices[program.trainable.length + i];
    if (s) state[o.name] = new Float32Array(s.data.slice().buffer);
  });
  return state;
}
