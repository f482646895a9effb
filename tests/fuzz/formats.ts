/**
 * The formats the fuzz suite feeds the engine's readers: one row per file format a user can hand
 * the app or the CLI. A row gives valid seed files (deterministic), optional format-aware mutators
 * (on top of the byte mutators every format gets), and `read`, which runs the engine's real reader
 * the way the app does and checks what it accepted independently of the reader's own checks.
 *
 * To add a format: append a row to FORMATS with
 *   name     a short id (the env var FUZZ_FORMATS selects rows by it),
 *   seeds()  a few small valid files (small keeps cases fast: the suite runs every case in npm test),
 *   mutate?  extra mutators, each (bytes, rand) => bytes, that reach past checksums or into the
 *            format's structure (re-encode after editing a parsed field, fix a CRC, ...),
 *   read()   the reader, throwing an InputError for a refused file and returning normally for an
 *            accepted one only after checking that what it returned is sound (checkModel for models).
 * Nothing else changes: tests/fuzz/fuzz.test.ts runs every row with the same time and memory bounds.
 */
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { strToU8, zipSync } from 'fflate';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { checkImageComplete, readImageHeader } from '../../src/engine/data/image-header.ts';
import { loadImageFolder } from '../../src/engine/data/image-folder.ts';
import { decodeImageNode } from '../../src/engine/data/node-images.ts';
import { parseIdxImages } from '../../src/engine/data/idx.ts';
import { InputError } from '../../src/engine/input-error.ts';
import { readNpy, writeNpy } from '../../src/engine/io/npy.ts';
import { readTorchPickleZip } from '../../src/engine/io/read-pickle-zip.ts';
import { modelZip, pklOf, pklTreeOf, pickleTree, type PickleTree } from '../../src/engine/io/test-helpers.ts';
import { readZipFiles, crc32 } from '../../src/engine/io/zip.ts';
import type { Model } from '../../src/engine/ir/graph.ts';
import { validateGraph, validateParams } from '../../src/engine/ir/validate.ts';
import { applyRecord, encodeRecord, parseRecord, readRecord, recordOf, recordText } from '../../src/engine/firmware/weights-record.ts';
import { encodeFrame, FRAME, FrameReader, LinkSession, parseError, parseHello, parsePredicted, parseTrained } from '../../src/engine/firmware/link-protocol.ts';
import { backboneConvs } from '../../src/engine/ir/graph.ts';
import { FILE_LIMITS, IMAGE_LIMITS, QUANT_LIMITS } from '../../src/engine/limits.ts';
import { archFromRows } from '../../src/engine/models/arch.ts';
import { buildGraph } from '../../src/engine/models/build.ts';
import { modelFromPkl } from '../../src/engine/models/from-pkl.ts';
import { modelFromFile } from '../../src/engine/models/model-file.ts';
import { syntheticParams } from '../../src/engine/models/synthetic.ts';
import { encodeWeights, modelFromWeights, ttwFile, ttwSections, withArch } from '../../src/engine/models/weights-file.ts';
import { zooArch } from '../../src/engine/models/zoo.ts';
import { compileTraining } from '../../src/engine/program/compile.ts';
import { runForward } from '../../src/engine/runtime/reference.ts';
import { builtinScheme } from '../../src/engine/train/builtin-schemes.ts';
import { parseScheme, resolveScheme, schemeToJson } from '../../src/engine/train/scheme.ts';
import { readTflite } from '../../src/engine/tflite/read.ts';
import { runImportedModel } from '../../src/engine/tflite-kernels/run.ts';
import { projectFromFile, projectToFile } from '../../src/ui/persist/project-file.ts';
import { compileDoc } from '../../src/ui/store/compile-doc.ts';
import { defaultDoc } from '../../src/ui/store/studio-doc.ts';
import { padNetTflite } from '../pad-net.ts';
import { tinyFamilyTflite } from '../tflite-family.ts';
import { int, mutateBytesN, mutateJsonN, pick, type Rand } from './mutate.ts';

export interface FuzzFormat {
  name: string;
  seeds(): Uint8Array[];
  /** Format-aware mutators; each returns a new input (it may throw if the seed cannot be parsed: the case then uses a byte mutation). */
  mutate?: ((bytes: Uint8Array, rand: Rand) => Uint8Array)[];
  /** Runs the reader; throws an InputError for a refused input, returns for a sound accepted one (else throws a plain Error: a bug). */
  read(bytes: Uint8Array): void | Promise<void>;
}

const ROOT = new URL('../../', import.meta.url);
const file = (path: string) => new Uint8Array(readFileSync(new URL(path, ROOT)));
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytesOf = (s: string) => new TextEncoder().encode(s);

// ---------- independent checks of what a reader accepted ----------

/** A model a reader accepted must be sound: a valid graph and parameters, sane quantization, a finite forward pass. */
export function checkModel(m: Model): void {
  validateGraph(m.graph);
  validateParams(m.graph, m.params);
  const A = QUANT_LIMITS.activationScale, W = QUANT_LIMITS.weightScale;
  for (const t of Object.values(m.graph.tensors)) {
    if (t.q && !(t.q.scale >= A.min && t.q.scale <= A.max && Number.isInteger(t.q.zeroPoint) && t.q.zeroPoint >= -128 && t.q.zeroPoint <= 127)) {
      throw new Error(`accepted a model with quantization ${JSON.stringify(t.q)} on ${t.name}`);
    }
    const v = m.params[t.name];
    if (t.kind === 'scales' && !Array.from(v).every((s) => s >= W.min && s <= W.max)) throw new Error(`accepted weight scales out of range in ${t.name}`);
    if (t.dtype === 'float32' && v && !Array.from(v).every(Number.isFinite)) throw new Error(`accepted non-finite values in ${t.name}`);
  }
  const g = m.graph;
  const n = g.tensors[g.input].shape.reduce((a, b) => a * b, 1);
  const input = Int8Array.from({ length: n }, (_, i) => ((i * 37) % 256) - 128);
  const out = runForward(m, input, 0)[g.logits];
  const lq = g.tensors[g.logits].q;
  if (!Array.from(out).every(Number.isFinite)) throw new Error(`accepted a model whose logits are not finite${lq ? '' : ' (float head)'}`);
}

// ---------- models ----------

/** Small architectures with every block kind (no pw1, strides, residuals, 5x5 and 7x7 kernels). */
const TINY_ARCHS = [
  archFromRows('tiny-a', 8, [[0, 8, 3, 1], [16, 8, 3, 2], [24, 8, 3, 1, '+']]),
  archFromRows('tiny-b', 4, [[0, 4, 5, 2], [12, 8, 7, 1], [16, 8, 3, 1, '+'], [16, 12, 5, 2]]),
];

function tinyModel(i: number, head: 'int8' | 'float32') {
  const arch = TINY_ARCHS[i];
  const graph = withArch(buildGraph(arch, { resolution: 16, classes: 3 + i, head }), arch);
  return { graph, params: syntheticParams(graph, 5 + i) };
}

/** A pickle's tree edited at a random field, written back as a model file (reaches past the zip and pickle layers). */
function mutatePklTree(bytes: Uint8Array, rand: Rand): Uint8Array {
  const tree = readTorchPickleZip(bytes) as PickleTree;
  return pklOf(mutateTreeValue(tree, rand));
}

/** Like mutateJson, but NdArrays are leaves whose data, dtype or shape may be changed. */
function mutateTreeValue(tree: PickleTree, rand: Rand): PickleTree {
  const arrays: { data: ArrayLike<number> & { [i: number]: number }; shape: number[]; dtype: string }[] = [];
  const walk = (v: unknown) => {
    if (v && typeof v === 'object' && '__ndarray' in v) arrays.push(v as never);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object' && !(v instanceof Uint8Array)) Object.values(v).forEach(walk);
  };
  walk(tree);
  if (arrays.length && rand() < 0.4) {
    const a = pick(rand, arrays);
    const r = rand();
    if (r < 0.6 && a.data.length) a.data[int(rand, a.data.length)] = pick(rand, [NaN, Infinity, -Infinity, 0, -1, 1e30, 1e-30, 127, -128, 2 ** 31 - 1]);
    else if (r < 0.8) a.shape = a.shape.map((d) => (rand() < 0.3 ? d * 2 : d));
    else a.dtype = pick(rand, ['int8', 'int32', 'float32', 'float64', 'uint8', 'int64']) as never;
    return tree; // a changed shape or dtype is written as is, with the data it has
  }
  // A scalar or structural field: through the JSON mutator on a plain copy with arrays kept by reference.
  return mutateJsonN(tree, rand, 2) as PickleTree;
}

/** The pickle inside a model zip mutated at the byte level, re-zipped with a correct CRC (reaches the pickle machine). */
function mutatePickleBytes(bytes: Uint8Array, rand: Rand): Uint8Array {
  const tree = readTorchPickleZip(bytes) as PickleTree;
  return modelZip(mutateBytesN(pickleTree(tree).bytes(), rand));
}

const pklFormat: FuzzFormat = {
  name: 'pkl',
  seeds: () => [
    pklOf(pklTreeOf(tinyModel(0, 'int8').graph, tinyModel(0, 'int8').params)),
    pklOf(pklTreeOf(tinyModel(1, 'int8').graph, tinyModel(1, 'int8').params)),
  ],
  mutate: [mutatePklTree, mutatePklTree, mutatePickleBytes],
  read: (b) => checkModel(modelFromPkl(b, { fileName: 'fuzz.pkl', resolution: 16 })),
};

/** The real paper file (mbv2-w0.35, 0.6 MB): fewer cases, it is slower to parse. */
const paperPklFormat: FuzzFormat = {
  name: 'pkl-paper',
  seeds: () => [new Uint8Array(readFileSync(new URL('../shared/models/tiny-training/mbv2-w0.35.pkl', ROOT)))],
  mutate: [mutatePklTree],
  read: (b) => checkModel(modelFromPkl(b, { fileName: 'mbv2-w0.35.pkl', resolution: 32 })),
};

/** A .ttw with its JSON header edited (the data section kept), so the reader's field checks are reached. */
function mutateTtwHeader(bytes: Uint8Array, rand: Rand): Uint8Array {
  const { magic, header, data } = ttwSections(bytes);
  return ttwFile(magic, mutateJsonN(header, rand), data);
}

/** A .ttw with bytes of its data section changed (weights, biases, scales): the values must be checked. */
function mutateTtwData(bytes: Uint8Array, rand: Rand): Uint8Array {
  const start = bytes.length - ttwSections(bytes).data.length;
  const out = bytes.slice();
  const dv = new DataView(out.buffer);
  for (let k = 1 + int(rand, 4); k > 0; k--) {
    const at = start + 4 * int(rand, (out.length - start) >> 2);
    dv.setFloat32(at, pick(rand, [NaN, Infinity, -Infinity, 0, -1, 1e30, 1e-30, -0]), true);
  }
  return out;
}

const ttwFormat: FuzzFormat = {
  name: 'ttw',
  seeds: () => [
    encodeWeights(tinyModel(0, 'float32').graph, tinyModel(0, 'float32').params, { source: 'fuzz' }),
    encodeWeights(tinyModel(1, 'int8').graph, tinyModel(1, 'int8').params, { source: 'fuzz' }),
    file('public/models/tinytrain-demo.ttw'),
  ],
  mutate: [mutateTtwHeader, mutateTtwHeader, mutateTtwData],
  read: (b) => checkModel(modelFromWeights(b, { fileName: 'fuzz.ttw', resolution: 16 })),
};

/**
 * .ttw version 2 (a general graph in the header): the general test models with either head. A case
 * that opens must be a sound model that compiles for training, and must open again with another
 * class count and an int8 head (the head replaced as the reader does it).
 */
const generalTtw = (path: string, head: 'float32' | 'int8') => {
  const m = modelFromFile(path.split('/').pop()!, file(path), { head });
  return encodeWeights(m.graph, m.params, { source: 'fuzz' });
};

const ttwGraphFormat: FuzzFormat = {
  name: 'ttw-graph',
  seeds: () => [
    generalTtw('public/models/cnn-maxpool-fc.tflite', 'float32'),
    generalTtw('public/models/ds-cnn-kws.tflite', 'int8'),
    generalTtw('public/models/concat-net.tflite', 'float32'),
    generalTtw('../shared/models/tflite/lenet-300-100-int8.tflite', 'int8'),
  ],
  mutate: [mutateTtwHeader, mutateTtwHeader, mutateTtwHeader, mutateTtwData],
  read: (b) => {
    const m = modelFromWeights(b, { fileName: 'fuzz.ttw' });
    checkModel(m);
    const head = m.graph.tensors[m.graph.logits].dtype === 'int8' ? 'int8' as const : 'float32' as const;
    compileTraining(m.graph, { ...builtinScheme('full', backboneConvs(m.graph).length)!, head });
    checkModel(modelFromWeights(b, { fileName: 'fuzz.ttw', classes: 3, head: 'int8' }));
  },
};

// ---------- schemes and project files ----------

const schemeGraph = buildGraph(zooArch('mcunet-5fps'), { resolution: 32, classes: 10 });

const schemeFormat: FuzzFormat = {
  name: 'scheme',
  seeds: () => ['mcunet-5fps@99kb', 'mcunet-5fps@49kb', 'last-6', 'bias-only'].map((s) => bytesOf(schemeToJson(builtinScheme(s, 42)!)))
    .concat([bytesOf('{"nBias": 5, "weights": {"37": 0.125, "38": "1/4", "39": 7, "40": {"channels": 1}}}')]),
  mutate: [(b, rand) => bytesOf(JSON.stringify(mutateJsonN(JSON.parse(text(b)), rand)))],
  read: (b) => {
    const scheme = parseScheme(text(b));
    resolveScheme(scheme, schemeGraph);
    if (scheme.head === 'float32') compileTraining(schemeGraph, scheme);
  },
};

function projectSeeds(): Uint8Array[] {
  const view = { graphTab: 'forward' as const, memoryView: 'timeline' as const, selectedLayer: null, selectedKernel: null, showPruned: false, collapsedBlocks: [] };
  const small = { ...defaultDoc(), shape: { resolution: 32, classes: 10 } };
  const spec = structuredClone(zooArch('mbv2-w0.35'));
  spec.blocks[2].mid = 64;
  const tiny = tinyModel(0, 'int8');
  const fileDoc = { ...small, origin: { kind: 'file' as const, fileName: 'tiny.pkl', bytes: pklOf(pklTreeOf(tiny.graph, tiny.params)) }, shape: { resolution: 16, classes: 3 }, scheme: { nBias: 2, weights: {}, head: 'float32' as const, momentum: false } };
  return [
    projectToFile({ name: 'small', doc: small, view }),
    projectToFile({ name: 'edited', doc: { ...small, origin: { kind: 'zoo', arch: 'mbv2-w0.35', spec }, scheme: { nBias: 4, weights: { 50: 1 }, head: 'float32', momentum: false } }, view }),
    projectToFile({ name: 'file', doc: fileDoc, view }),
  ].map(bytesOf);
}

const projectFormat: FuzzFormat = {
  name: 'project',
  seeds: projectSeeds,
  mutate: [(b, rand) => bytesOf(JSON.stringify(mutateJsonN(JSON.parse(text(b)), rand)))],
  // The app's import path: read the file, then compile its document before anything opens.
  read: (b) => {
    const p = projectFromFile(text(b));
    const c = compileDoc(p.doc);
    checkModel(c.project.model);
  },
};

// ---------- images and datasets ----------

function pngOf(w: number, h: number, colorType: 0 | 2 | 4 | 6, seed: number): Uint8Array {
  const png = new PNG({ width: w, height: h });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 31 + seed * 17) & 255;
  return new Uint8Array(PNG.sync.write(png, { colorType }));
}

function jpegOf(w: number, h: number, seed: number, quality = 80): Uint8Array {
  const data = Buffer.alloc(w * h * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13 + seed * 29) & 255;
  return new Uint8Array(jpeg.encode({ data, width: w, height: h }, quality).data);
}

/** A PNG chunk's data changed and its CRC fixed, so the change reaches past the checksum (IHDR dimensions often). */
function mutatePngChunk(b: Uint8Array, rand: Rand): Uint8Array {
  const out = b.slice();
  const dv = new DataView(out.buffer);
  const chunks: number[] = [];
  for (let p = 8; p + 12 <= out.length;) {
    chunks.push(p);
    p += 12 + dv.getUint32(p);
  }
  const p = rand() < 0.5 ? 8 : pick(rand, chunks);
  const len = dv.getUint32(p);
  if (p === 8 && rand() < 0.6) {
    dv.setUint32(16 + 4 * int(rand, 2), pick(rand, [0, 1, 20000, 65535, 0x7fffffff, 0xffffffff, 4096, 4097]));
  } else if (len) {
    out[p + 8 + int(rand, len)] ^= 1 << int(rand, 8);
  }
  if (p + 12 + len <= out.length) dv.setUint32(p + 8 + len, crc32(out.subarray(p + 4, p + 8 + len)));
  return out;
}

/** A JPEG's frame header dimensions changed (SOF0 height and width). */
function mutateJpegFrame(b: Uint8Array, rand: Rand): Uint8Array {
  const out = b.slice();
  for (let p = 2; p + 9 < out.length;) {
    const m = out[p + 1], len = (out[p + 2] << 8) | out[p + 3];
    if (m === 0xc0) {
      const v = pick(rand, [0, 1, 20000, 65535, 4097]);
      out[p + 5 + 2 * int(rand, 2)] = v >> 8;
      out[p + 6 + 2 * int(rand, 2)] = v & 255;
      return out;
    }
    p += 2 + len;
  }
  return out;
}

/** The app's image path: header, limits, completeness, then the decoder, whose size must agree with the header. */
function readImage(b: Uint8Array): void {
  const h = readImageHeader(b);
  if (h.width > IMAGE_LIMITS.side || h.height > IMAGE_LIMITS.side || h.width * h.height > IMAGE_LIMITS.pixels) {
    throw new InputError(`the image is ${h.width} x ${h.height} pixels, over the limits`);
  }
  checkImageComplete(b, h);
  // The decoder may still find a complete, well-formed file undecodable (a bad Huffman table...): a refusal.
  const img = decodeImageNode(b);
  if (img.width !== h.width || img.height !== h.height) throw new Error(`decoded ${img.width} x ${img.height}, header ${h.width} x ${h.height}`);
}

const pngFormat: FuzzFormat = {
  name: 'png',
  seeds: () => [pngOf(7, 5, 6, 1), pngOf(16, 9, 2, 2), pngOf(12, 12, 0, 3), pngOf(5, 16, 4, 4)],
  mutate: [mutatePngChunk, mutatePngChunk],
  read: readImage,
};

const jpegFormat: FuzzFormat = {
  name: 'jpeg',
  seeds: () => [jpegOf(8, 8, 1), jpegOf(17, 9, 2, 50), jpegOf(5, 21, 3, 95)],
  mutate: [mutateJpegFrame],
  read: readImage,
};

/** A dataset zip (class folders of PNGs and JPEGs), optionally deflated. */
function datasetZip(seed: number, level: 0 | 6): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  ['cats', 'dogs'].forEach((c, ci) => {
    for (let i = 0; i < 3; i++) files[`set/${c}/${i}.${i % 2 ? 'jpg' : 'png'}`] = [i % 2 ? jpegOf(6 + i, 5, seed + ci * 7 + i) : pngOf(5, 6 + i, 2, seed + ci * 7 + i), { level }];
  });
  files['set/readme.txt'] = [strToU8('hello'), { level }];
  return zipSync(files);
}

/**
 * A zip whose central directory entries all point at one local header and one deflate stream (the
 * overlapping-entries bomb): each entry claims the stream's full inflated size.
 */
export function overlappingZip(entries: number, inflated: number): Uint8Array {
  const data = deflateSync(new Uint8Array(inflated), { level: 9 });
  const name = strToU8('set/a/x.png');
  const crc = crc32(new Uint8Array(inflated));
  const local = new Uint8Array(30 + name.length);
  const lv = new DataView(local.buffer);
  lv.setUint32(0, 0x04034b50, true); lv.setUint16(4, 20, true); lv.setUint16(8, 8, true);
  lv.setUint32(14, crc, true); lv.setUint32(18, data.length, true); lv.setUint32(22, inflated, true); lv.setUint16(26, name.length, true);
  local.set(name, 30);
  const central: Uint8Array[] = [];
  for (let i = 0; i < entries; i++) {
    const n = strToU8(`set/${i % 2 ? 'a' : 'b'}/${i}.png`);
    const c = new Uint8Array(46 + n.length);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, 0x02014b50, true); cv.setUint16(6, 20, true); cv.setUint16(10, 8, true);
    cv.setUint32(16, crc, true); cv.setUint32(20, data.length, true); cv.setUint32(24, inflated, true); cv.setUint16(28, n.length, true);
    cv.setUint32(42, 0, true);
    c.set(n, 46);
    central.push(c);
  }
  const dirOffset = local.length + data.length;
  const dirSize = central.reduce((s, c) => s + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true); ev.setUint16(8, entries, true); ev.setUint16(10, entries, true);
  ev.setUint32(12, dirSize, true); ev.setUint32(16, dirOffset, true);
  const out = new Uint8Array(dirOffset + dirSize + 22);
  out.set(local); out.set(data, local.length);
  let p = dirOffset;
  for (const c of central) { out.set(c, p); p += c.length; }
  out.set(eocd, p);
  return out;
}

/** A central directory record's field (sizes, offsets, name length, method) set to an interesting value. */
function mutateZipDirectory(b: Uint8Array, rand: Rand): Uint8Array {
  const out = b.slice();
  const dv = new DataView(out.buffer);
  const records: number[] = [];
  for (let p = 0; p + 46 <= out.length; p++) if (dv.getUint32(p, true) === 0x02014b50) records.push(p);
  if (!records.length) return out;
  const p = pick(rand, records);
  const [off, size] = pick(rand, [[10, 2], [20, 4], [24, 4], [28, 2], [30, 2], [42, 4]] as const);
  const v = pick(rand, [0, 1, 0xffff, 0xffffffff, 0x7fffffff, 46, 30, 1 << 20]);
  if (size === 2) dv.setUint16(p + off, v & 0xffff, true);
  else dv.setUint32(p + off, v >>> 0, true);
  return out;
}

const datasetZipFormat: FuzzFormat = {
  name: 'dataset-zip',
  seeds: () => [datasetZip(1, 0), datasetZip(2, 6)],
  mutate: [mutateZipDirectory, mutateZipDirectory, (_, rand) => overlappingZip(2 + int(rand, 40), 1 << (10 + int(rand, 14)))],
  read: async (b) => {
    const zip = readZipFiles(b, { maxTotalBytes: FILE_LIMITS.dataset, maxEntryBytes: FILE_LIMITS.image });
    const set = await loadImageFolder(zip.files.map((f) => ({ path: f.name, bytes: f.bytes })), (x) => decodeImageNode(x), { dirs: zip.dirs });
    for (let i = 0; i < set.count; i++) {
      const im = set.image(i);
      if (!(im.width >= 1 && im.height >= 1 && im.data.length === im.width * im.height * im.channels)) throw new Error(`accepted image ${i} is inconsistent`);
      if (!(set.label(i) >= 0 && set.label(i) < set.classNames.length)) throw new Error(`accepted label ${set.label(i)} of ${set.classNames.length} classes`);
    }
  },
};

// ---------- small numeric formats ----------

const npyFormat: FuzzFormat = {
  name: 'npy',
  seeds: () => [writeNpy(Int8Array.from({ length: 48 }, (_, i) => i - 24), [3, 4, 4]), writeNpy(new Uint8Array(30), [5, 6]), writeNpy(Float32Array.of(1, 2, 3))],
  read: (b) => {
    const { data, shape } = readNpy(b, 'fuzz.npy');
    if (shape.reduce((a, d) => a * d, 1) !== data.length) throw new Error(`shape ${shape} but ${data.length} values`);
  },
};

function idxOf(n: number, rows: number, cols: number): Uint8Array {
  const out = new Uint8Array(16 + n * rows * cols);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0x803); dv.setUint32(4, n); dv.setUint32(8, rows); dv.setUint32(12, cols);
  for (let i = 16; i < out.length; i++) out[i] = i & 255;
  return out;
}

const idxFormat: FuzzFormat = {
  name: 'idx',
  seeds: () => [idxOf(3, 4, 5), idxOf(2, 28, 28)],
  read: (b) => {
    const r = parseIdxImages(b, 'fuzz-idx');
    if (r.images.length !== r.count * r.rows * r.cols) throw new Error('accepted an inconsistent IDX file');
  },
};

// ---------- .tflite models ----------

/**
 * A flatbuffer's tables and vtables sit in its first and last few KB: overwrite bytes there, or
 * 32-bit words with lying offsets and counts (all ones, an offset inside the file, anything).
 */
function mutateFlatbuffer(src: Uint8Array, rand: Rand): Uint8Array {
  const m = src.slice();
  const edits = 1 + int(rand, 4);
  for (let e = 0; e < edits; e++) {
    const edge = Math.min(m.length, 4096);
    const at = rand() < 0.2 ? int(rand, m.length) : rand() < 0.5 ? int(rand, edge) : m.length - 1 - int(rand, edge);
    const kind = rand();
    if (kind < 0.4) m[at] = int(rand, 256);
    else if (at + 4 <= m.length) {
      const word = kind < 0.6 ? 0xffffffff : kind < 0.8 ? int(rand, m.length) : Math.floor(rand() * 2 ** 32);
      new DataView(m.buffer).setUint32(at & ~3, word >>> 0, true);
    }
  }
  return m;
}

const tfliteFormat: FuzzFormat = {
  name: 'tflite',
  // The project's own three test models and the LeNet the issue ships (mcunet-vww is 600 KB: its
  // forward would take most of a case's CPU bound, and its structure is the same flatbuffer).
  seeds: () => [
    file('public/models/concat-net.tflite'),
    file('public/models/cnn-maxpool-fc.tflite'),
    file('public/models/ds-cnn-kws.tflite'),
    new Uint8Array(readFileSync(new URL('../shared/models/tflite/lenet-300-100-int8.tflite', ROOT))),
  ],
  mutate: [mutateFlatbuffer, mutateFlatbuffer, (b, rand) => b.subarray(0, int(rand, b.length))],
  // Accepted means runnable: the typed int8 forward runs it on a mid-grey input and every output
  // has its declared element count, in its dtype's range.
  read: (b) => {
    const model = readTflite(b, 'fuzz.tflite');
    const input = model.tensors[model.inputs[0]];
    const n = input.shape.reduce((a, d) => a * d, 1);
    const values = runImportedModel(model, input.dtype === 'float32' ? new Float32Array(n).fill(0.5) : new Int8Array(n));
    for (const o of model.outputs) {
      const t = model.tensors[o];
      const v = values.get(o);
      const count = t.shape.reduce((a, d) => a * d, 1);
      if (!v || v.length !== count) throw new Error(`output ${o} has ${v?.length} values, its shape says ${count}`);
      if (v instanceof Int8Array && v.some((x) => x < -128 || x > 127)) throw new Error('an int8 output out of range');
    }
  },
};

// ---------- weights records (tinytrain device import) ----------

// Two tiny programs (a float32 head with partially trained convs, an int8 head) and their records
// after a made-up training: every slice of the seed differs from the model's own values.
const recordPrograms = [0, 1].map((i) => {
  const m = tinyModel(i, i === 0 ? 'float32' : 'int8');
  const convs = backboneConvs(m.graph).length;
  const scheme = i === 0 ? { ...builtinScheme('last-2', convs)!, weights: { [convs - 1]: 0.5 } } : { ...builtinScheme('bias-only', convs)!, head: 'int8' as const };
  return { ...m, program: compileTraining(m.graph, scheme) };
});

function recordSeed(i: number): Uint8Array {
  const { program, params } = recordPrograms[i];
  const trained = Object.fromEntries(Object.entries(params).map(([k, v]) => {
    const c = v.slice();
    for (let j = 0; j < c.length; j++) c[j] = c instanceof Float32Array ? c[j] + 0.25 : c[j] ^ 1;
    return [k, c];
  }));
  return bytesOf(`step 0 loss 1.0986\n${recordText(encodeRecord(recordOf(program, params, trained, 7 + i)))}stack used 100 bytes\ndone\n`);
}

/** Decodes a seed's record, edits one binary field or byte, fixes the CRC and prints it again (reaches past the checksum). */
function mutateRecordBody(b: Uint8Array, rand: Rand): Uint8Array {
  const hex = text(b).split('\n').filter((l) => /^ttrec [0-9a-f]+$/.test(l)).map((l) => l.slice(6)).join('');
  const bytes = Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
  const body = bytes.slice(0, bytes.length - 4);
  const dv = new DataView(body.buffer);
  const field = int(rand, 4);
  if (field === 0) dv.setUint32(4 * int(rand, 6), pick(rand, [0, 1, 2, 0xffffffff, int(rand, 1000)]), true);
  else if (field === 1) body[int(rand, body.length)] = int(rand, 256);
  else if (field === 2) body[24 + int(rand, 4)] = pick(rand, [0, 4, 255]);
  else return bytesOf(recordText(body));
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, crc32(body), true);
  return bytesOf(recordText(out));
}

const weightsRecordFormat: FuzzFormat = {
  name: 'weights-record',
  seeds: () => [recordSeed(0), recordSeed(1)],
  mutate: [mutateRecordBody, mutateRecordBody, (b, rand) => b.subarray(0, int(rand, b.length))],
  // Accepted means usable: the record read, then applied to the program it fits (or refused), and the
  // parameters it gives have the model's names, types and lengths.
  read: (b) => {
    const record = readRecord(b, 'fuzz.log');
    for (const { program, params } of recordPrograms) {
      let out;
      try {
        out = applyRecord(record, program, params, 'fuzz.log');
      } catch (e) {
        if (e instanceof InputError) continue;
        throw e;
      }
      for (const [k, v] of Object.entries(params)) {
        const o = out[k];
        if (!o || o.constructor !== v.constructor || o.length !== v.length) throw new Error(`imported ${k} is not the model's shape and type`);
      }
      return;
    }
    throw new InputError('fuzz.log: the record fits neither fuzz model');
  },
};

/** What a board sends over the serial link (firmware/link-protocol.ts): HELLO, TRAINED, PREDICTED, ERROR and RECORD frames. */
const linkFramesFormat: FuzzFormat = {
  name: 'link-frames',
  seeds: () => {
    const hello = new Uint8Array(16);
    new DataView(hello.buffer).setUint32(12, 3, true);
    const trained = new Uint8Array(13);
    new DataView(trained.buffer).setFloat32(4, 1.25, true);
    const record = encodeRecord(recordOf(recordPrograms[1].program, recordPrograms[1].params, recordPrograms[1].params, 2));
    const predictedF32 = Uint8Array.of(2, 3, 9, 0, 0, 0, ...new Uint8Array(Float32Array.of(-1.5, 0.25, 3).buffer));
    const predictedI8 = Uint8Array.of(0, 1, 9, 0, 0, 0, 127, 0x80, 5);
    return [new Uint8Array([...encodeFrame(FRAME.HELLO, hello), ...encodeFrame(FRAME.TRAINED, trained),
      ...encodeFrame(FRAME.PREDICTED, predictedF32), ...encodeFrame(FRAME.PREDICTED, predictedI8),
      ...encodeFrame(FRAME.ERROR, Uint8Array.of(1, ...bytesOf('bad checksum'))), ...encodeFrame(FRAME.RECORD, record)])];
  },
  // Frames edited and re-encoded with a valid CRC, so the parsers behind the checksum see the mutations.
  mutate: [(b, rand) => {
    const frames = new FrameReader().push(b).filter((f): f is { type: number; payload: Uint8Array } => !('corrupt' in f));
    const k = int(rand, frames.length);
    const f = frames[k];
    const kind = int(rand, 3);
    const payload = kind === 0 ? f.payload.subarray(0, int(rand, f.payload.length + 1)) : f.payload.slice();
    if (kind === 1 && payload.length) for (let n = 1 + int(rand, 4); n > 0; n--) payload[int(rand, payload.length)] = int(rand, 256);
    const type = kind === 2 ? pick(rand, [FRAME.HELLO, FRAME.TRAINED, FRAME.PREDICTED, FRAME.ERROR, FRAME.RECORD, int(rand, 256)]) : f.type;
    frames[k] = { type, payload };
    return new Uint8Array(frames.flatMap((x) => [...encodeFrame(x.type, x.payload)]));
  }],
  // Accepted frames are parsed as the host parses them; a parser's refusal is a LinkError or WeightsRecordError (InputErrors).
  read: (b) => {
    const session = new LinkSession(() => {});
    session.receive(b);
    for (const f of new FrameReader().push(b)) {
      if ('corrupt' in f) continue;
      if (f.type === FRAME.HELLO) parseHello(f);
      else if (f.type === FRAME.TRAINED) parseTrained(f);
      else if (f.type === FRAME.PREDICTED) parsePredicted(f, 3);
      else if (f.type === FRAME.ERROR) parseError(f);
      else if (f.type === FRAME.RECORD) applyRecord(parseRecord(f.payload, 'link'), recordPrograms[1].program, recordPrograms[1].params, 'link');
    }
  },
};

/** A .tflite opened as a training graph (models/from-tflite.ts): refused in one sentence, or a sound model. */
const tfliteGraphFormat: FuzzFormat = {
  name: 'tflite-graph',
  // Two small models of the inverted-bottleneck family (SAME padding, and an explicit PAD), and four
  // general graphs (max-pool, flatten and FC; depthwise-separable with ADD; CONCATENATION; convs
  // padding 0 before and 1 after, lowered to pads).
  seeds: () => [tinyFamilyTflite(3), tinyFamilyTflite(4, { explicitPad: true }),
    file('public/models/cnn-maxpool-fc.tflite'), file('public/models/ds-cnn-kws.tflite'), file('public/models/concat-net.tflite'), padNetTflite()],
  mutate: [mutateFlatbuffer, mutateFlatbuffer, (b, rand) => b.subarray(0, int(rand, b.length))],
  read: (b) => checkModel(modelFromFile('fuzz.tflite', b)),
};

/** Every format, in the order the suite runs them, with the share of the case budget each gets. */
export const FORMATS: { format: FuzzFormat; weight: number }[] = [
  { format: pklFormat, weight: 3 },
  { format: paperPklFormat, weight: 0.5 },
  { format: ttwFormat, weight: 3 },
  { format: schemeFormat, weight: 1.5 },
  { format: projectFormat, weight: 1 },
  { format: pngFormat, weight: 2 },
  { format: jpegFormat, weight: 1.5 },
  { format: datasetZipFormat, weight: 1.5 },
  { format: npyFormat, weight: 1 },
  { format: idxFormat, weight: 1 },
  { format: tfliteFormat, weight: 2 },
  { format: weightsRecordFormat, weight: 1 },
  { format: linkFramesFormat, weight: 0.5 },
  { format: tfliteGraphFormat, weight: 1 },
  { format: ttwGraphFormat, weight: 1 },
];
