/**
 * The project's own weights file (.ttw): an int8 model and its parameters. The demo model in
 * public/models is one (scripts/pretrain.ts writes it); `tinytrain train --out`, `tinytrain device
 * import` and the IDE's "Load weights from the board" write one too.
 *
 * Layout: a 4-byte magic naming the format version, uint32 JSON length, the UTF-8 JSON header, zero
 * padding to 4 bytes, then each tensor's bytes (little-endian) at the offset the header gives
 * (relative to the data start). Two versions, each read as it was written:
 * - "TTW1": a model of the inverted-bottleneck family, by its architecture (ArchSpec) and activation
 *   quantization, so it opens at any resolution and class count like a zoo model;
 * - "TTW2": a general graph (an imported .tflite of another shape), the graph itself in the header
 *   (models/weights-graph.ts); its input size is fixed, its class count and head kind may change as
 *   an imported .tflite's may (models/from-tflite-graph.ts).
 * Both headers list the parameters as `tensors` (name, dtype, length, offset), carry `source` and,
 * when the forward requantizes as TFLite does (a model read from a .tflite), `requant`.
 * Documented in docs/weights-file.md.
 */
import { within } from '../input-error.ts';
import { ModelFileError } from '../io/errors.ts';
import { isJsonObject, parseJsonText } from '../io/json.ts';
import { FAMILY_ROLES, isConv, type Graph, type Model, type ParamStore } from '../ir/graph.ts';
import { numel, type QParams, type TypedArray } from '../ir/tensor.ts';
import { ARCH_LIMITS, checkActivationQuant, checkArchitecture, checkFloatParams, checkInt, checkWeightScales, show } from '../limits.ts';
import { convCount, readArchSpec, type ArchSpec } from './arch.ts';
import { buildGraph, SYNTHETIC_QUANT, type ActivationQuant, type HeadKind } from './build.ts';
import { freshHeadParams, setHeadParams } from './file-head.ts';
import { addGeneralHead } from './general-head.ts';
import type { RequantArith } from '../quant/tflite-int.ts';
import { graphToJson, readGraphJson, readRequant, type GraphJson } from './weights-graph.ts';

interface Header {
  arch: ArchSpec;
  quant: { input: QParams; conv: QParams[]; residual: Record<string, QParams>; logits: QParams };
  classes: number;
  head: HeadKind;
  source: string;
  tensors: Entry[];
  /** The forward's requantization when not the paper's float one (a model read from a .tflite: 'tflite'); absent in older files. */
  requant?: RequantArith;
}

type Entry = { name: string; dtype: 'int8' | 'int32' | 'float32'; length: number; offset: number };

/** Version 2's header: the graph instead of the architecture. */
interface GraphHeader {
  graph: GraphJson;
  source: string;
  tensors: Entry[];
}

/** The magic of each version: 1 the family's architecture, 2 a general graph. */
const MAGIC = { family: 'TTW1', graph: 'TTW2' } as const;

/** Whether a graph carries its architecture (the family's models; a general graph does not). */
export function hasArch(g: Graph): boolean {
  return (g as Graph & { arch?: ArchSpec }).arch !== undefined;
}

function archOf(g: Graph): ArchSpec {
  const arch = (g as Graph & { arch?: ArchSpec }).arch;
  if (!arch) throw new Error(`graph "${g.name}" does not carry its architecture; build it with withArch`);
  return arch;
}

/**
 * Whether a graph can be saved as a .ttw: it carries its architecture (version 1), or it is a general
 * graph with its loss, none of its convs in the family's roles (version 2; weights-graph.ts reads
 * nothing else back).
 */
export function canSaveWeights(g: Graph): boolean {
  return hasArch(g) || (!!g.label && !!g.loss && g.nodes.every((n) => !isConv(n) || !FAMILY_ROLES.includes(n.attrs.role)));
}

/** Attaches the architecture to a graph so it can be saved (buildGraph's output does not keep it). */
export function withArch(g: Graph, arch: ArchSpec): Graph {
  return Object.assign(g, { arch });
}

/** The parameters' directory and the data section's size: each tensor 4-byte aligned, in name order. */
function layoutParams(g: Graph, params: ParamStore): { tensors: Entry[]; size: number } {
  const names = Object.keys(params).filter((k) => g.tensors[k]).sort();
  let offset = 0;
  const tensors: Entry[] = names.map((name) => {
    const v = params[name];
    const dtype = v instanceof Int8Array ? 'int8' : v instanceof Int32Array ? 'int32' : 'float32';
    const e = { name, dtype, length: v.length, offset } as Entry;
    offset += Math.ceil(v.byteLength / 4) * 4;
    return e;
  });
  return { tensors, size: offset };
}

/** A .ttw's bytes: magic, header length, the header's JSON, padding to 4 bytes, the data section. */
export function ttwFile(magic: string, header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = Math.ceil((8 + json.length) / 4) * 4;
  const out = new Uint8Array(start + data.length);
  out.set(new TextEncoder().encode(magic));
  new DataView(out.buffer).setUint32(4, json.length, true);
  out.set(json, 8);
  out.set(data, start);
  return out;
}

/** A .ttw's magic, header (checked as JSON) and data section: what the tests and the fuzz suite edit and put back with ttwFile. */
export function ttwSections(bytes: Uint8Array): { magic: string; header: Record<string, unknown>; data: Uint8Array } {
  const { v, start } = readHeaderJson(bytes);
  return { magic: String.fromCharCode(...bytes.subarray(0, 4)), header: v, data: bytes.subarray(start) };
}

/** The file of a model: its parameters laid out as `tensors` says. */
function writeFile(magic: string, header: object, params: ParamStore, tensors: Entry[], size: number): Uint8Array {
  const data = new Uint8Array(size);
  for (const e of tensors) {
    const v = params[e.name];
    if (!(v instanceof Int8Array || v instanceof Int32Array || v instanceof Float32Array)) throw new Error(`${e.name}: cannot save a ${v.constructor.name}`);
    data.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), e.offset);
  }
  return ttwFile(magic, header, data);
}

/** The model as a .ttw: version 1 for a graph that carries its architecture, version 2 (the graph itself) for a general graph. */
export function encodeWeights(g: Graph, params: ParamStore, opts: { source: string }): Uint8Array {
  if (!hasArch(g) && canSaveWeights(g)) {
    const { tensors, size } = layoutParams(g, params);
    const header: GraphHeader = { graph: graphToJson(g), source: opts.source, tensors };
    return writeFile(MAGIC.graph, header, params, tensors, size);
  }
  const arch = archOf(g);
  const convs = g.nodes.filter((n) => n.op === 'conv2d' && n.name.startsWith('conv')).length;
  const t = g.tensors;
  const residual: Record<string, QParams> = {};
  for (const n of g.nodes) if (n.op === 'add') residual[String((n.attrs as { block: number }).block)] = t[n.outputs[0]].q!;
  const classes = t[g.logits].shape[0];
  const head: HeadKind = g.nodes.some((n) => n.op === 'linear') ? 'float32' : 'int8';
  const { tensors, size } = layoutParams(g, params);
  const header: Header = {
    arch, classes, head, source: opts.source, tensors,
    quant: { input: t[g.input].q!, conv: Array.from({ length: convs }, (_, i) => t[`conv${i}.out`].q!), residual, logits: t[g.logits].q ?? { scale: 0.1, zeroPoint: 0 } },
    ...(g.requant ? { requant: g.requant } : {}),
  };
  return writeFile(MAGIC.family, header, params, tensors, size);
}

const magicOf = (bytes: Uint8Array) => (bytes.length >= 8 ? String.fromCharCode(...bytes.subarray(0, 4)) : '');

/** A .ttw of either version. */
export function isWeightsFile(bytes: Uint8Array): boolean {
  const m = magicOf(bytes);
  return m === MAGIC.family || m === MAGIC.graph;
}

/** A .ttw holding a general graph (version 2), whose input size is fixed. */
export function isGraphWeightsFile(bytes: Uint8Array): boolean {
  return magicOf(bytes) === MAGIC.graph;
}

/** The header is a small JSON document (the demo model's is 10 KB). */
const MAX_HEADER_BYTES = 1024 * 1024;
const MAX_SOURCE_CHARS = 512;
const DTYPES = { int8: 1, int32: 4, float32: 4 } as const;

function fail(msg: string): never {
  throw new ModelFileError(msg);
}

/** The header's JSON object and where the data starts. */
function readHeaderJson(bytes: Uint8Array): { v: Record<string, unknown>; start: number } {
  if (!isWeightsFile(bytes)) fail('not a TinyTrain weights file (no TTW1 or TTW2 magic)');
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (len > MAX_HEADER_BYTES) fail(`the header claims ${len} bytes, more than the ${MAX_HEADER_BYTES} a header may have`);
  if (8 + len > bytes.length) fail(`the header claims ${len} bytes but the file has only ${bytes.length - 8} after the magic (truncated)`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + len));
  } catch {
    return fail('the header is not UTF-8 text');
  }
  const v = parseJsonText(text, 'the header');
  if (!isJsonObject(v)) return fail('the header must be a JSON object');
  return { v, start: Math.ceil((8 + len) / 4) * 4 };
}

function readSource(v: Record<string, unknown>): string {
  if (typeof v.source !== 'string' || v.source.length > MAX_SOURCE_CHARS) fail(`source must be a text of at most ${MAX_SOURCE_CHARS} characters`);
  return v.source as string;
}

/** The parameters' directory: each entry's fields typed and inside the file (readParams checks them against the graph). */
function readEntries(v: Record<string, unknown>, bytes: Uint8Array): Entry[] {
  if (!Array.isArray(v.tensors)) return fail(`tensors must be a list, got ${show(v.tensors)}`);
  return v.tensors.map((t, i): Entry => {
    const f = `tensors[${i}]`;
    if (!isJsonObject(t)) return fail(`${f} must be an object`);
    if (typeof t.name !== 'string' || t.name.length > 64) fail(`${f}.name must be a parameter name`);
    if (typeof t.dtype !== 'string' || !Object.hasOwn(DTYPES, t.dtype)) fail(`${f}.dtype must be int8, int32 or float32, got ${show(t.dtype)}`);
    const length = checkInt(`${f}.length`, t.length, 0, bytes.length);
    const offset = checkInt(`${f}.offset`, t.offset, 0, bytes.length);
    if (offset % 4) fail(`${f}.offset ${offset} is not a multiple of 4`);
    return { name: t.name as string, dtype: t.dtype as Entry['dtype'], length, offset };
  });
}

/** Version 1's header, every field checked for type and range (architecture numbers are checked by buildGraph). */
function readHeader(bytes: Uint8Array, resolution: number): { h: Header; start: number } {
  const { v, start } = readHeaderJson(bytes);
  const classes = checkInt('classes', v.classes, ARCH_LIMITS.classes.min, ARCH_LIMITS.classes.max);
  if (v.head !== 'float32' && v.head !== 'int8') fail(`head must be "float32" or "int8", got ${show(v.head)}`);
  const arch = within('arch', () => {
    const a = readArchSpec(v.arch);
    checkArchitecture(a, { resolution, classes, head: v.head as HeadKind });
    return a;
  });
  const source = readSource(v);
  const q = v.quant;
  if (!isJsonObject(q)) return fail('quant must be an object');
  const convs = convCount(arch);
  if (!Array.isArray(q.conv) || q.conv.length !== convs) fail(`quant.conv must list the output quantization of the architecture's ${convs} convs, got ${show(q.conv)}`);
  const residualBlocks = arch.blocks.flatMap((b, i) => (b.residual === true ? [String(i)] : []));
  const res = q.residual;
  if (!isJsonObject(res)) return fail('quant.residual must be an object');
  const extra = Object.keys(res).find((k) => !residualBlocks.includes(k));
  if (extra !== undefined) fail(`quant.residual[${show(extra)}] names no residual block`);
  const quant: Header['quant'] = {
    input: checkActivationQuant('quant.input', q.input),
    conv: (q.conv as unknown[]).map((c, i) => checkActivationQuant(`quant.conv[${i}]`, c)),
    residual: Object.fromEntries(residualBlocks.map((b) => [b, checkActivationQuant(`quant.residual["${b}"]`, res[b])])),
    logits: checkActivationQuant('quant.logits', q.logits),
  };
  const tensors = readEntries(v, bytes);
  const requant = readRequant('requant', v.requant);
  return { h: { arch, quant, classes, head: v.head as HeadKind, source, tensors, ...(requant ? { requant } : {}) }, start };
}

/**
 * The parameters the file holds, checked against the graph built from its own header: exactly the
 * graph's parameter tensors, each with its dtype and element count, inside the data section and not
 * overlapping; weight scales and float head values in range.
 */
function readParams(bytes: Uint8Array, h: { tensors: Entry[] }, start: number, fileGraph: Graph, what = 'the architecture'): ParamStore {
  const want = Object.values(fileGraph.tensors).filter((t) => t.kind === 'weight' || t.kind === 'bias' || t.kind === 'scales');
  const byName = new Map(h.tensors.map((e) => [e.name, e]));
  if (byName.size !== h.tensors.length) fail('tensors lists a parameter twice');
  for (const e of h.tensors) if (!want.some((t) => t.name === e.name)) fail(`tensors lists ${show(e.name)}, which ${what} does not have`);
  const spans: [number, number, string][] = [];
  const params: ParamStore = {};
  for (const t of want) {
    const e = byName.get(t.name);
    if (!e) fail(`the parameter "${t.name}" is missing from tensors`);
    const n = numel(t.shape);
    if (e.dtype !== t.dtype) fail(`tensor "${t.name}" is ${e.dtype} but ${what} needs ${t.dtype}`);
    if (e.length !== n) fail(`tensor "${t.name}" has ${e.length} values but ${what} needs ${n} (${t.shape.join('x')})`);
    const size = DTYPES[e.dtype];
    const from = start + e.offset, to = from + n * size;
    if (to > bytes.length) fail(`tensor "${t.name}" (offset ${e.offset}, ${n * size} bytes) runs past the end of the file at ${bytes.length - start} data bytes`);
    spans.push([from, to, t.name]);
    const raw = bytes.slice(from, to);
    const v: TypedArray = e.dtype === 'int8' ? new Int8Array(raw.buffer) : e.dtype === 'int32' ? new Int32Array(raw.buffer) : new Float32Array(raw.buffer);
    if (t.kind === 'scales') checkWeightScales(`tensor "${t.name}"`, v);
    else if (e.dtype === 'float32') checkFloatParams(`tensor "${t.name}"`, v);
    params[t.name] = v;
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) fail(`tensors "${spans[i - 1][2]}" and "${spans[i][2]}" overlap in the file`);
  }
  return params;
}

/**
 * Opens a .ttw file as a model at a resolution and class count (a different class count or head
 * kind gets a fresh zero head). Everything in the file is checked before it is used; a bad file is
 * one ModelFileError naming the file and the field.
 */
export function modelFromWeights(bytes: Uint8Array, opts: { resolution?: number; classes?: number; head?: HeadKind; fileName?: string } = {}): Model {
  const name = opts.fileName ?? 'weights.ttw';
  return within(name, () => {
    if (!(bytes instanceof Uint8Array)) fail('expected the file contents as bytes');
    if (isGraphWeightsFile(bytes)) return generalFromWeights(bytes, name, opts);
    const resolution = opts.resolution ?? 32;
    const { h, start } = readHeader(bytes, resolution);
    const classes = opts.classes ?? h.classes;
    const head = opts.head ?? h.head;
    const quant: ActivationQuant = { input: h.quant.input, conv: (i) => h.quant.conv[i], residual: (b) => h.quant.residual[String(b)], logits: h.quant.logits };
    // The file's own graph first (its class count and head): the parameters must be exactly its.
    const fileGraph = within('arch', () => buildGraph(h.arch, { resolution, classes: h.classes, head: h.head, quant }));
    const params = readParams(bytes, h, start, fileGraph);
    const same = classes === h.classes && head === h.head;
    const graph = withArch(same ? fileGraph : buildGraph(h.arch, { resolution, classes, head, quant }), h.arch);
    if (h.requant) graph.requant = h.requant;
    // A different class count or head kind: a fresh head (zero weights, unit scales for an int8 head).
    if (!same) {
      for (const n of graph.nodes.filter((x) => x.name === 'classifier')) {
        for (const p of n.inputs.slice(1)) {
          const tt = graph.tensors[p];
          const len2 = numel(tt.shape);
          params[p] = tt.dtype === 'int8' ? new Int8Array(len2) : tt.dtype === 'int32' ? new Int32Array(len2) : tt.kind === 'scales' ? new Float32Array(len2).fill(0.01) : new Float32Array(len2);
        }
      }
    }
    return { graph, params, source: `${name} (${h.source})` };
  });
}

/**
 * A version 2 file: the graph its header holds, at its fixed input size. Another class count or head
 * kind gets a new head as an imported .tflite does: an int8 head converted to float32 for the same
 * classes (file-head.ts), a fresh head otherwise.
 */
function generalFromWeights(bytes: Uint8Array, name: string, opts: { resolution?: number; classes?: number; head?: HeadKind }): Model {
  const { v, start } = readHeaderJson(bytes);
  const source = readSource(v);
  const fileGraph = readGraphJson(v.graph);
  const params = readParams(bytes, { tensors: readEntries(v, bytes) }, start, fileGraph, 'the graph');
  const [, h, w] = fileGraph.tensors[fileGraph.input].shape;
  if (opts.resolution !== undefined && opts.resolution !== h) {
    fail(`the model's graph is fixed to its ${h}x${w} input (it is not of the inverted-bottleneck family, whose size can change); it cannot open at ${opts.resolution}x${opts.resolution}`);
  }
  const headNode = fileGraph.nodes[fileGraph.nodes.length - 2];
  const fileHead: HeadKind = headNode.op === 'linear' ? 'float32' : 'int8';
  const fileClasses = fileGraph.tensors[fileGraph.logits].shape[0];
  const classes = opts.classes === undefined ? fileClasses : checkInt('classes', opts.classes, ARCH_LIMITS.classes.min, ARCH_LIMITS.classes.max);
  const head = opts.head ?? fileHead;
  if (classes === fileClasses && head === fileHead) return { graph: fileGraph, params, source: `${name} (${source})` };

  // The head replaced: the graph up to the head's input as it is, then a new head and loss.
  const features = headNode.inputs[0];
  const fileLogits = fileGraph.tensors[fileGraph.logits];
  const drop = new Set([...headNode.inputs.slice(1), fileGraph.logits, fileGraph.label!, fileGraph.loss!]);
  const tensors = Object.fromEntries(Object.entries(fileGraph.tensors).filter(([k]) => !drop.has(k)));
  const nodes = fileGraph.nodes.slice(0, -2);
  const graph: Graph = { ...fileGraph, tensors, nodes, ...addGeneralHead(tensors, nodes, features, classes, head, fileLogits.q ?? SYNTHETIC_QUANT.logits) };
  const kept: ParamStore = Object.fromEntries(Object.entries(params).filter(([k]) => !drop.has(k)));
  let note: string;
  if (fileHead === 'int8') {
    note = setHeadParams(graph, kept, {
      weight: params['classifier.weight'] as Int8Array, bias: params['classifier.bias'] as Int32Array, wScales: params['classifier.w_scales'] as Float32Array,
      cin: fileGraph.tensors[features].shape[0], cout: fileClasses, xScale: fileGraph.tensors[features].q!.scale,
    }, classes, head);
  } else {
    freshHeadParams(graph, kept);
    note = `a new ${classes}-class head`;
  }
  return { graph, params: kept, source: `${name} (${source}; ${note})` };
}
