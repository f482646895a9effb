/**
 * Compile-time autodiff: from the forward graph, the loss and a resolved scheme, build the training
 * step as explicit kernels. Walking the nodes backwards, each op's gradient rule (in its ops/ file)
 * emits only what the scheme needs: nothing for nodes in front of the first trained one, and no input
 * gradient that nothing upstream uses. Forward kernels are emitted last, once the backward pass has
 * said which activations it keeps and which outputs need clamp masks.
 */
import { isNodeOf, type Graph, type Node } from '../ir/graph.ts';
import { bytesPerElement, numel } from '../ir/tensor.ts';
import { OPS } from '../ops/index.ts';
import { makeKernel, type BufDType, type Category, type Kernel, type ProgramTensor } from '../program/types.ts';
import type { EmitSpec, GradContext } from './grad-context.ts';
import type { ConvUpdate, ResolvedScheme } from './scheme.ts';

/** A parameter slice the step updates: held in SRAM on the device. */
export interface TrainableParam {
  param: string;
  node: string;
  elements: number;
  bytes: number;
  /** Momentum buffer (float32, static SRAM), when momentum is on. */
  optimizer?: string;
  note: string;
}

export interface TrainingGraph {
  graph: Graph;
  scheme: ResolvedScheme;
  tensors: Record<string, ProgramTensor>;
  /** Forward, then backward with in-place updates, in emission order (before scheduling). */
  kernels: Kernel[];
  trainable: TrainableParam[];
  /** Backward kernels a full update would have and this scheme does not need (the UI greys them). */
  pruned: { node: string; op: string; reason: string }[];
  reorder: boolean;
}

export interface AutodiffOptions {
  /** Apply each update as soon as its gradient exists (default), or keep gradients to the end. */
  reorder?: boolean;
}

export function tensorBytesOf(dtype: BufDType, shape: number[]): number {
  const n = numel(shape);
  return dtype === 'bit' ? Math.ceil(n / 8) : n * bytesPerElement(dtype);
}

export function buildTrainingGraph(graph: Graph, rs: ResolvedScheme, opts: AutodiffOptions = {}): TrainingGraph {
  if (!graph.loss || !graph.label) throw new Error(`graph "${graph.name}" has no loss: build it with withLoss`);
  const reorder = opts.reorder ?? true;
  const tensors: Record<string, ProgramTensor> = {};
  const updates = new Map<string, ConvUpdate>(rs.convs.map((u) => [u.node, u]));
  const backward: Kernel[] = [];
  const deferred: Kernel[] = [];
  const trainable: TrainableParam[] = [];
  const masks = new Map<string, string>(); // forward tensor -> mask
  const saves = new Map<string, { name: string; channels: number }>();
  const grads = new Map<string, string>(); // forward tensor -> its gradient so far
  const producer = new Map<string, Node>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);

  const addTensor = (name: string, dtype: BufDType, shape: number[], category: Category, aliasOf?: string) => {
    if (tensors[name]) throw new Error(`internal: tensor "${name}" is defined twice`);
    tensors[name] = { name, dtype, shape, bytes: tensorBytesOf(dtype, shape), category, ...(aliasOf ? { aliasOf } : {}) };
    return name;
  };
  for (const t of Object.values(graph.tensors)) {
    if (t.kind === 'input' || t.kind === 'label') addTensor(t.name, t.dtype, t.shape, 'input');
    else if (t.kind === 'activation' || t.kind === 'output') addTensor(t.name, t.dtype, t.shape, 'activation');
  }
  // A reshape's output is a view of its input: one buffer.
  for (const n of graph.nodes) if (n.op === 'reshape') tensors[n.outputs[0]].aliasOf = n.inputs[0];

  // A tensor needs a gradient when the node that made it, or any node before it, trains something.
  const trainsItself = (n: Node) => n.op === 'linear' || n.name === 'classifier' || !!(updates.get(n.name)?.bias || updates.get(n.name)?.channels);
  const needs = new Set<string>();
  for (const n of graph.nodes) {
    if (n.op === 'softmax_ce') continue;
    if (trainsItself(n) || n.inputs.some((i) => needs.has(i))) n.outputs.forEach((o) => needs.add(o));
  }

  let current: Node = graph.nodes[0];
  const ctx: GradContext = {
    graph,
    get node() {
      return current;
    },
    reorder,
    momentum: rs.scheme.momentum,
    update: (n) => updates.get(n.name),
    needsGrad: (t) => needs.has(t),
    gradName: (t) => (tensors[`grad:${t}`] ? `grad:${t}@${current.name}` : `grad:${t}`),
    gradOf(t) {
      const g = grads.get(t);
      if (!g) throw new Error(`internal: no gradient reached "${t}"`);
      return g;
    },
    tensor: addTensor,
    mask(t) {
      let m = masks.get(t);
      if (!m) masks.set(t, (m = addTensor(`mask:${t}`, 'bit', graph.tensors[t].shape, 'mask')));
      return m;
    },
    save(t, channels) {
      const shape = graph.tensors[t].shape;
      if (channels >= shape[0]) {
        tensors[t].category = 'saved';
        return t;
      }
      const prev = saves.get(t);
      if (prev && prev.channels >= channels) return prev.name;
      if (prev) {
        // Another consumer (a branch of a general graph) keeps more channels: one slice serves both,
        // each reading its first channels.
        const grown = [channels, ...shape.slice(1)];
        tensors[prev.name] = { ...tensors[prev.name], shape: grown, bytes: tensorBytesOf('int8', grown) };
        prev.channels = channels;
        return prev.name;
      }
      const name = addTensor(`saved:${t}`, 'int8', [channels, ...shape.slice(1)], 'saved');
      saves.set(t, { name, channels });
      return name;
    },
    contribute(t, g) {
      const prev = grads.get(t);
      if (!prev) {
        grads.set(t, g);
        return;
      }
      const sum = addTensor(`${prev}+`, 'float32', tensors[prev].shape, 'gradient', prev);
      ctx.emit({ op: 'grad_acc', inputs: [prev, g], outputs: [sum] });
      grads.set(t, sum);
    },
    trainable(param, elements, dtype, note) {
      const optimizer = rs.scheme.momentum ? `momentum:${param}` : undefined;
      trainable.push({ param, node: current.name, elements, bytes: elements * bytesPerElement(dtype), note, ...(optimizer ? { optimizer } : {}) });
      return optimizer;
    },
    emit(spec: EmitSpec, isDeferred = false) {
      const k = makeKernel({ ...spec, name: `${spec.op}:${current.name}`, phase: spec.phase ?? 'backward', node: current.name, params: spec.params ?? [] });
      (isDeferred ? deferred : backward).push(k);
      return k;
    },
  };

  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    current = graph.nodes[i];
    const rule = OPS[current.op].gradient as ((n: Node, c: GradContext) => void) | undefined;
    const active = current.op === 'softmax_ce' || current.outputs.some((o) => needs.has(o));
    if (active && rule) rule(current, ctx);
  }

  // Forward kernels, now that the backward pass said what it keeps.
  const forward: Kernel[] = [];
  for (const n of graph.nodes) {
    if (n.op === 'softmax_ce') continue;
    current = n;
    for (const x of n.inputs) {
      const s = saves.get(x);
      if (s && !forward.some((k) => k.op === 'save_slice' && k.inputs[0] === x)) {
        forward.push(forwardKernel(n, { op: 'save_slice', inputs: [x], outputs: [s.name], attrs: { channels: s.channels } }));
      }
    }
    const params = n.inputs.filter((x) => !tensors[x]);
    const acts = n.inputs.filter((x) => tensors[x]);
    const mask = masks.get(n.outputs[0]);
    forward.push(forwardKernel(n, forwardSpec(n, acts, mask ? [...n.outputs, mask] : n.outputs, params, mask)));
  }
  // Name duplicates within one node get a suffix so every kernel name is unique.
  const kernels = uniqueNames([...forward, ...backward, ...deferred]);
  return { graph, scheme: rs, tensors, kernels, trainable, pruned: prunedOps(rs, kernels), reorder };
}

type ForwardSpec = EmitSpec & { params?: string[] };

/** The forward kernel of a graph node (a clamp mask, when the backward pass needs one, is written too). */
function forwardSpec(n: Node, inputs: string[], outputs: string[], params: string[], mask: string | undefined): ForwardSpec {
  switch (n.op) {
    case 'conv2d': return { op: 'conv2d', inputs, outputs, params, attrs: mask ? { mask } : {} };
    case 'add': return { op: 'add', inputs, outputs, params, attrs: mask ? { mask } : {} };
    // An imported .tflite's pool (its MEAN ops' stages and rounding) is a kernel of its own.
    case 'avgpool': {
      const stages = isNodeOf(n, 'avgpool') ? n.attrs.stages : undefined;
      return stages ? { op: 'mean', inputs, outputs, params, attrs: { stages } } : { op: 'avgpool', inputs, outputs, params };
    }
    case 'maxpool': {
      const { kernel, stride, pad } = (n as Node<'maxpool'>).attrs;
      return { op: 'maxpool', inputs, outputs, params, attrs: { kernel, stride, pad } };
    }
    case 'pad': {
      const { top, left, bottom, right } = (n as Node<'pad'>).attrs;
      return { op: 'pad', inputs, outputs, params, attrs: { top, left, bottom, right } };
    }
    case 'concat': return { op: 'concat', inputs, outputs, params };
    // A view: its output shares the input's buffer (set where the tensors are made).
    case 'reshape': return { op: 'view', inputs, outputs, params };
    case 'linear': return { op: 'linear', inputs, outputs, params };
    case 'softmax_ce': throw new Error('internal: softmax_ce has no forward kernel of its own');
  }
}

function forwardKernel(n: Node, spec: ForwardSpec): Kernel {
  // Fresh arrays (makeKernel): later passes edit kernels, never the forward graph.
  return makeKernel({ ...spec, name: `${spec.op}:${n.name}`, phase: 'forward', node: n.name, params: spec.params ?? [] });
}

function uniqueNames(ks: Kernel[]): Kernel[] {
  const seen = new Map<string, number>();
  for (const k of ks) {
    const c = seen.get(k.name) ?? 0;
    seen.set(k.name, c + 1);
    if (c > 0) k.name = `${k.name}#${c}`;
  }
  return ks;
}

/** Backward kernels of a conv under a full update, and why this scheme does without each. */
function prunedOps(rs: ResolvedScheme, kernels: Kernel[]): TrainingGraph['pruned'] {
  const have = new Set(kernels.map((k) => `${k.op}:${k.node}`));
  const out: TrainingGraph['pruned'] = [];
  const first = rs.firstTrained ?? Infinity;
  for (const u of rs.convs) {
    const missing = (...ops: string[]) => ops.every((op) => !have.has(`${op}:${u.node}`));
    const why = (what: string) => (u.convIndex < first ? `in front of the first trained conv (${rs.firstTrained ?? 'none'})` : what);
    if (missing('mask')) out.push({ node: u.node, op: 'mask', reason: why('not reached') });
    if (missing('conv_bwd_x')) {
      out.push({ node: u.node, op: 'conv_bwd_x', reason: why(u.convIndex === first ? 'first trained conv: nothing upstream trains' : 'nothing upstream trains') });
    }
    if (missing('conv_update_w', 'conv_grad_w')) out.push({ node: u.node, op: 'conv_update_w', reason: why('weight frozen by the scheme') });
    if (missing('conv_update_b', 'conv_grad_b')) out.push({ node: u.node, op: 'conv_update_b', reason: why('bias frozen by the scheme') });
  }
  return out;
}
