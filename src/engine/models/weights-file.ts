/**
 * The project's own weights file (.ttw): an int8 model with its architecture and activation
 * quantization, so it opens at any resolution and class count like a zoo model. The demo model in
 * public/models is one (scripts/pretrain.ts writes it); `tinytrain train --out` writes one too.
 * Layout: "TTW1", uint32 JSON length, the UTF-8 JSON header, zero padding to 4 bytes, then each
 * tensor's bytes (little-endian) at the offset the header gives (relative to the data start).
 */
import type { Graph, Model, ParamStore } from '../ir/graph.ts';
import type { QParams, TypedArray } from '../ir/tensor.ts';
import type { ArchSpec } from './arch.ts';
import { buildGraph, type HeadKind } from './build.ts';

interface Header {
  arch: ArchSpec;
  quant: { input: QParams; conv: QParams[]; residual: Record<string, QParams>; logits: QParams };
  classes: number;
  head: HeadKind;
  source: string;
  tensors: { name: string; dtype: 'int8' | 'int32' | 'float32'; length: number; offset: number }[];
}

const MAGIC = 'TTW1';

function archOf(g: Graph): ArchSpec {
  const arch = (g as Graph & { arch?: ArchSpec }).arch;
  if (!arch) throw new Error(`graph "${g.name}" does not carry its architecture; build it with withArch`);
  return arch;
}

/** Attaches the architecture to a graph so it can be saved (buildGraph's output does not keep it). */
export function withArch(g: Graph, arch: ArchSpec): Graph {
  return Object.assign(g, { arch });
}

export function encodeWeights(g: Graph, params: ParamStore, opts: { source: string }): Uint8Array {
  const arch = archOf(g);
  const convs = g.nodes.filter((n) => n.op === 'conv2d' && n.name.startsWith('conv')).length;
  const t = g.tensors;
  const residual: Record<string, QParams> = {};
  for (const n of g.nodes) if (n.op === 'add') residual[String((n.attrs as { block: number }).block)] = t[n.outputs[0]].q!;
  const classes = t[g.logits].shape[0];
  const head: HeadKind = g.nodes.some((n) => n.op === 'linear') ? 'float32' : 'int8';
  const names = Object.keys(params).filter((k) => t[k]).sort();
  let offset = 0;
  const tensors: Header['tensors'] = names.map((name) => {
    const v = params[name];
    const dtype = v instanceof Int8Array ? 'int8' : v instanceof Int32Array ? 'int32' : 'float32';
    const e = { name, dtype, length: v.length, offset } as Header['tensors'][number];
    offset += Math.ceil(v.byteLength / 4) * 4;
    return e;
  });
  const header: Header = {
    arch, classes, head, source: opts.source, tensors,
    quant: { input: t[g.input].q!, conv: Array.from({ length: convs }, (_, i) => t[`conv${i}.out`].q!), residual, logits: t[g.logits].q ?? { scale: 0.1, zeroPoint: 0 } },
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = Math.ceil((8 + json.length) / 4) * 4;
  const out = new Uint8Array(start + offset);
  out.set(new TextEncoder().encode(MAGIC));
  new DataView(out.buffer).setUint32(4, json.length, true);
  out.set(json, 8);
  for (const e of tensors) {
    const v = params[e.name];
    if (!(v instanceof Int8Array || v instanceof Int32Array || v instanceof Float32Array)) throw new Error(`${e.name}: cannot save a ${v.constructor.name}`);
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), start + e.offset);
  }
  return out;
}

export function isWeightsFile(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && String.fromCharCode(...bytes.subarray(0, 4)) === MAGIC;
}

/** Opens a .ttw file as a model at a resolution and class count (a different class count gets a fresh zero head). */
export function modelFromWeights(bytes: Uint8Array, opts: { resolution?: number; classes?: number; head?: HeadKind; fileName?: string } = {}): Model {
  const name = opts.fileName ?? 'weights.ttw';
  if (!isWeightsFile(bytes)) throw new Error(`${name} is not a TinyTrain weights file (no TTW1 magic)`);
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true);
  if (8 + len > bytes.length) throw new Error(`${name}: truncated header`);
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len))) as Header;
  const start = Math.ceil((8 + len) / 4) * 4;
  const classes = opts.classes ?? h.classes;
  const head = opts.head ?? h.head;
  const graph = withArch(buildGraph(h.arch, {
    resolution: opts.resolution ?? 32, classes, head,
    quant: { input: h.quant.input, conv: (i) => h.quant.conv[i], residual: (b) => h.quant.residual[String(b)], logits: h.quant.logits },
  }), h.arch);
  const params: ParamStore = {};
  for (const e of h.tensors) {
    const size = e.dtype === 'int8' ? 1 : 4;
    if (start + e.offset + e.length * size > bytes.length) throw new Error(`${name}: tensor ${e.name} runs past the end of the file`);
    const raw = bytes.slice(start + e.offset, start + e.offset + e.length * size);
    const v: TypedArray = e.dtype === 'int8' ? new Int8Array(raw.buffer) : e.dtype === 'int32' ? new Int32Array(raw.buffer) : new Float32Array(raw.buffer);
    params[e.name] = v;
  }
  // A different class count or head kind: a fresh head (zero weights, unit scales for an int8 head).
  if (classes !== h.classes || head !== h.head) {
    for (const n of graph.nodes.filter((x) => x.name === 'classifier')) {
      for (const p of n.inputs.slice(1)) {
        const tt = graph.tensors[p];
        const len2 = tt.shape.reduce((a, b) => a * b, 1);
        params[p] = tt.dtype === 'int8' ? new Int8Array(len2) : tt.dtype === 'int32' ? new Int32Array(len2) : tt.kind === 'scales' ? new Float32Array(len2).fill(0.01) : new Float32Array(len2);
      }
    }
  }
  return { graph, params, source: `${name} (${h.source})` };
}
