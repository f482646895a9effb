/**
 * Sparse-update schemes (the paper's Sec. 3): the biases of the last k convs are trained, and some of
 * those convs also train the first int(C_in * r) input channels of their weight (channels, for a
 * depthwise conv). The classifier head is always trained.
 *
 * JSON form:
 *   { "nBias": 22, "weights": { "21": 1, "24": "1/4", "36": 0.125, "39": { "channels": 24 } },
 *     "head": "float32", "momentum": false }
 * A weight entry is a ratio (0, 1/8, 1/4, 1/2, 1, as a number or "a/b"), a channel count (a whole
 * number above 1, or { "channels": n }); 0 means bias only.
 */
import { backboneConvs, type Graph, type Node } from '../ir/graph.ts';
import { InputError } from '../input-error.ts';
import { parseJsonText } from '../io/json.ts';
import { ARCH_LIMITS, MAX_NAME_CHARS, show } from '../limits.ts';

export type HeadKind = 'float32' | 'int8';
export type WeightUpdate = number | string | { channels: number };

export interface Scheme {
  nBias: number;
  weights: Record<string, WeightUpdate>;
  head: HeadKind;
  momentum: boolean;
}

/** What one conv trains under a scheme. */
export interface ConvUpdate {
  convIndex: number;
  node: string;
  bias: boolean;
  /** Trained input channels of the weight (0: weight frozen). */
  channels: number;
  /** All input channels of the weight (per group: 1 for depthwise, whose "channels" are its groups). */
  totalChannels: number;
}

export interface ResolvedScheme {
  scheme: Scheme;
  /** Every backbone conv, in index order. */
  convs: ConvUpdate[];
  /** The earliest conv that trains anything; null when only the head trains. */
  firstTrained: number | null;
}

export class SchemeError extends InputError {
  override name = 'SchemeError';
}

export const RATIOS = [0, 1 / 8, 1 / 4, 1 / 2, 1];

/** Conv indices and counts a scheme may name (far above any model's, ARCH_LIMITS allows 193 convs). */
const MAX_INDEX = 10_000;
/** A ratio written as text: "a/b" or a plain decimal ("0.125", "1"). Number() would also take "", "0x1", "1e0". */
const RATIO_TEXT = /^\s*(?:(\d{1,6})\s*\/\s*(\d{1,6})|(\d{1,6}(?:\.\d{1,12})?))\s*$/;

function parseRatio(field: string, v: WeightUpdate): { ratio: number } | { channels: number } {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const keys = Object.keys(v);
    if (keys.length !== 1 || keys[0] !== 'channels') throw new SchemeError(`${field}: a channel count is written { "channels": n }, got keys ${keys.map((k) => show(k)).join(', ') || 'none'}`);
    if (!Number.isInteger(v.channels) || v.channels < 0 || v.channels > ARCH_LIMITS.channels) {
      throw new SchemeError(`${field}: channels must be a whole number from 0 to ${ARCH_LIMITS.channels}, got ${show(v.channels)}`);
    }
    return { channels: v.channels };
  }
  let r: number;
  if (typeof v === 'string') {
    const m = RATIO_TEXT.exec(v);
    r = !m ? NaN : m[3] !== undefined ? Number(m[3]) : Number(m[2]) === 0 ? NaN : Number(m[1]) / Number(m[2]);
    if (!Number.isFinite(r)) throw new SchemeError(`${field}: ${show(v)} is not a ratio (0, 1/8, 1/4, 1/2, 1 or "a/b") or a channel count`);
  } else r = v as number;
  if (typeof r !== 'number' || !Number.isFinite(r)) throw new SchemeError(`${field}: ${show(v)} is not a ratio or a channel count`);
  if (r > 1 && Number.isInteger(r)) {
    if (r > ARCH_LIMITS.channels) throw new SchemeError(`${field}: ${r} channels is more than the ${ARCH_LIMITS.channels} any conv may have`);
    return { channels: r };
  }
  if (r > 1) throw new SchemeError(`${field}: ${show(v)} channels is more than the ${ARCH_LIMITS.channels} any conv may have`);
  if (!RATIOS.some((q) => Math.abs(q - r) < 1e-9)) {
    throw new SchemeError(`${field}: ratio ${show(v)} is not one of 0, 1/8, 1/4, 1/2, 1 or a channel count`);
  }
  return { ratio: r };
}

/** Parses untrusted JSON (text or a parsed value) into a Scheme, naming the field at fault. */
export function parseScheme(input: unknown): Scheme {
  let v = input;
  if (typeof v === 'string') {
    try {
      v = parseJsonText(v, 'the scheme');
    } catch (e) {
      throw new SchemeError((e as Error).message, { cause: e });
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SchemeError('the scheme must be a JSON object');
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!['nBias', 'weights', 'head', 'momentum', 'name'].includes(key)) throw new SchemeError(`${/^\w{1,40}$/.test(key) ? key : show(key)}: unknown field (fields: nBias, weights, head, momentum)`);
  }
  const nBias = o.nBias ?? 0;
  if (typeof nBias !== 'number' || !Number.isInteger(nBias) || nBias < 0 || nBias > MAX_INDEX) {
    throw new SchemeError(`nBias: must be a whole number of convs from 0 to ${MAX_INDEX.toLocaleString('en-US')}, got ${show(o.nBias)}`);
  }
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name.length > MAX_NAME_CHARS)) throw new SchemeError(`name: must be a text of at most ${MAX_NAME_CHARS} characters`);
  const weights = o.weights ?? {};
  if (typeof weights !== 'object' || weights === null || Array.isArray(weights)) throw new SchemeError('weights: must be an object of conv index -> ratio');
  const entries = Object.entries(weights);
  if (entries.length > MAX_INDEX) throw new SchemeError(`weights: ${entries.length} entries, more than the ${MAX_INDEX} convs a scheme may name`);
  for (const [k, w] of entries) {
    const field = `weights[${show(k)}]`;
    // One spelling per conv: "21" and "021" (or "21.0") would otherwise name the same conv twice.
    if (!/^\d{1,5}$/.test(k)) throw new SchemeError(`${field}: the key must be a conv index`);
    if (String(Number(k)) !== k) throw new SchemeError(`${field}: the key must be a conv index written plainly (${Number(k)})`);
    parseRatio(field, w as WeightUpdate);
  }
  const head = o.head ?? 'float32';
  if (head !== 'float32' && head !== 'int8') throw new SchemeError(`head: must be "float32" or "int8", got ${show(o.head)}`);
  const momentum = o.momentum ?? false;
  if (typeof momentum !== 'boolean') throw new SchemeError(`momentum: must be true or false, got ${show(o.momentum)}`);
  return { nBias, weights: { ...(weights as Record<string, WeightUpdate>) }, head, momentum };
}

/** Trained input channels of a conv for a ratio: int(C * r), C being the weight's input channels (groups, for a depthwise conv). */
export function weightChannels(node: Node<'conv2d'>, g: Graph): number {
  const [cout, cpg] = g.tensors[node.inputs[1]].shape;
  return node.attrs.groups > 1 ? cout : cpg;
}

/** Checks a scheme against a graph and says what each conv trains. */
export function resolveScheme(scheme: Scheme, g: Graph): ResolvedScheme {
  const convs = backboneConvs(g);
  // Conv indices are the whole model's, also in a suffix graph (models/slice.ts) that starts later.
  const first = convs[0]?.attrs.convIndex ?? 0;
  const n = convs.length ? convs[convs.length - 1].attrs.convIndex! + 1 : 0;
  if (scheme.nBias > n) throw new SchemeError(`nBias: ${scheme.nBias} is more than the ${n} convs of ${g.name}`);
  const firstBias = n - scheme.nBias;
  if (firstBias < first) throw new SchemeError(`nBias: ${scheme.nBias} reaches conv ${firstBias}, in front of this graph's first conv ${first}`);
  const updates: ConvUpdate[] = convs.map((c) => ({
    convIndex: c.attrs.convIndex!, node: c.name, bias: c.attrs.convIndex! >= firstBias, channels: 0, totalChannels: weightChannels(c, g),
  }));
  const byIndex = new Map(updates.map((u) => [u.convIndex, u]));
  for (const [k, w] of Object.entries(scheme.weights)) {
    const field = `weights["${k}"]`;
    const idx = Number(k);
    if (idx >= n || idx < first) throw new SchemeError(`${field}: conv ${idx} does not exist (${g.name} has convs ${first} to ${n - 1})`);
    if (idx < firstBias) {
      throw new SchemeError(`${field}: conv ${idx} is outside the last ${scheme.nBias} convs (${firstBias} to ${n - 1}); raise nBias to at least ${n - idx} or drop it`);
    }
    const u = byIndex.get(idx)!;
    const p = parseRatio(field, w);
    const channels = 'channels' in p ? p.channels : Math.floor(u.totalChannels * p.ratio);
    if (channels > u.totalChannels) throw new SchemeError(`${field}: ${channels} channels is more than the ${u.totalChannels} of conv ${idx}`);
    u.channels = channels;
  }
  const trained = updates.filter((u) => u.bias || u.channels > 0);
  return { scheme, convs: updates, firstTrained: trained.length ? trained[0].convIndex : null };
}

export function schemeToJson(s: Scheme): string {
  return JSON.stringify({ nBias: s.nBias, weights: s.weights, head: s.head, momentum: s.momentum }, null, 2);
}
