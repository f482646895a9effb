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

function parseRatio(field: string, v: WeightUpdate): { ratio: number } | { channels: number } {
  if (typeof v === 'object' && v !== null && 'channels' in v) {
    if (!Number.isInteger(v.channels) || v.channels < 0) throw new SchemeError(`${field}: channels must be a whole number, got ${JSON.stringify(v.channels)}`);
    return { channels: v.channels };
  }
  let r: number;
  if (typeof v === 'string') {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(v);
    r = m ? Number(m[1]) / Number(m[2]) : Number(v);
  } else r = v;
  if (typeof r !== 'number' || !Number.isFinite(r)) throw new SchemeError(`${field}: ${JSON.stringify(v)} is not a ratio or a channel count`);
  if (r > 1 && Number.isInteger(r)) return { channels: r };
  if (!RATIOS.some((q) => Math.abs(q - r) < 1e-9)) {
    throw new SchemeError(`${field}: ratio ${JSON.stringify(v)} is not one of 0, 1/8, 1/4, 1/2, 1 or a channel count`);
  }
  return { ratio: r };
}

/** Parses untrusted JSON (text or a parsed value) into a Scheme, naming the field at fault. */
export function parseScheme(input: unknown): Scheme {
  let v = input;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch (e) {
      throw new SchemeError(`the scheme is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SchemeError('the scheme must be a JSON object');
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!['nBias', 'weights', 'head', 'momentum', 'name'].includes(key)) throw new SchemeError(`${key}: unknown field (fields: nBias, weights, head, momentum)`);
  }
  const nBias = o.nBias ?? 0;
  if (typeof nBias !== 'number' || !Number.isInteger(nBias) || nBias < 0) throw new SchemeError(`nBias: must be a whole number of convs, got ${JSON.stringify(o.nBias)}`);
  const weights = o.weights ?? {};
  if (typeof weights !== 'object' || weights === null || Array.isArray(weights)) throw new SchemeError('weights: must be an object of conv index -> ratio');
  for (const [k, w] of Object.entries(weights)) {
    if (!/^\d+$/.test(k)) throw new SchemeError(`weights["${k}"]: the key must be a conv index`);
    parseRatio(`weights["${k}"]`, w as WeightUpdate);
  }
  const head = o.head ?? 'float32';
  if (head !== 'float32' && head !== 'int8') throw new SchemeError(`head: must be "float32" or "int8", got ${JSON.stringify(o.head)}`);
  const momentum = o.momentum ?? false;
  if (typeof momentum !== 'boolean') throw new SchemeError(`momentum: must be true or false, got ${JSON.stringify(o.momentum)}`);
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
