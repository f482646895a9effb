/**
 * A general graph (an imported .tflite that is not of the inverted-bottleneck family, see
 * from-tflite-graph.ts) in the .ttw header (format version 2, weights-file.ts): the graph itself as
 * JSON, its tensors (name, kind, dtype, shape, int8 quantization) and nodes (name, op, inputs, outputs,
 * attrs) as ir/graph.ts holds them, the input, logits, label and loss names and the requantization.
 *
 * From outside, the JSON is checked before anything is built: counts and names against
 * TTW_GRAPH_LIMITS, every field's type and range, the structure the engine relies on for a general
 * graph (the roles from-tflite-graph gives, convs numbered in order, a `classifier` head making the
 * logits and the loss after it, each parameter read by one node), then the ops' own shape rules
 * (ir/validate.ts) and the size bounds the .tflite importer applies. A lying graph is one sentence
 * naming the field, never a crash later in the compiler.
 */
import { convAttrs, type Conv2dAttrs, type Graph, type Node, type OpType, type PoolStages } from '../ir/graph.ts';
import { tensorBytes, type DType, type Tensor, type TensorKind } from '../ir/tensor.ts';
import { validateGraph } from '../ir/validate.ts';
import { within } from '../input-error.ts';
import { ModelFileError } from '../io/errors.ts';
import { isJsonObject } from '../io/json.ts';
import { ARCH_LIMITS, checkActivationQuant, checkInt, MAX_NAME_CHARS, show, TTW_GRAPH_LIMITS as L } from '../limits.ts';
import { OPS } from '../ops/index.ts';
import { MAX_PAD } from '../ops/pad.ts';
import type { RequantArith } from '../quant/tflite-int.ts';
import { checkGeneralBounds } from './from-tflite-graph.ts';

/** The forward's int8 requantization (ir/graph.ts Graph.requant); absent is the paper's float one. */
export function readRequant(field: string, v: unknown): RequantArith | undefined {
  if (v !== undefined && v !== 'float' && v !== 'tflite') fail(`${field} must be "float" or "tflite", got ${show(v)}`);
  return v as RequantArith | undefined;
}

function fail(msg: string): never {
  throw new ModelFileError(msg);
}

interface TensorJson { name: string; kind: TensorKind; dtype: DType; shape: number[]; q?: { scale: number; zeroPoint: number } }
interface NodeJson { name: string; op: OpType; inputs: string[]; outputs: string[]; attrs: Record<string, unknown> }
export interface GraphJson { name: string; input: string; logits: string; label: string; loss: string; tensors: TensorJson[]; nodes: NodeJson[]; requant?: RequantArith }

/** The graph as the header holds it (a general graph from a reader always has its label and loss). */
export function graphToJson(g: Graph): GraphJson {
  if (!g.label || !g.loss) throw new Error(`graph "${g.name}" has no loss to save`);
  return {
    name: g.name, input: g.input, logits: g.logits, label: g.label, loss: g.loss,
    tensors: Object.values(g.tensors).map((t) => ({ name: t.name, kind: t.kind, dtype: t.dtype, shape: t.shape.slice(), ...(t.q ? { q: { scale: t.q.scale, zeroPoint: t.q.zeroPoint } } : {}) })),
    nodes: g.nodes.map((n) => ({ name: n.name, op: n.op, inputs: n.inputs.slice(), outputs: n.outputs.slice(), attrs: { ...n.attrs } as Record<string, unknown> })),
    ...(g.requant ? { requant: g.requant } : {}),
  };
}

const KINDS: readonly TensorKind[] = ['input', 'label', 'activation', 'weight', 'bias', 'scales', 'output'];
const DTYPES: readonly DType[] = ['int8', 'int32', 'float32'];
const PARAM_KINDS = new Set<TensorKind>(['weight', 'bias', 'scales']);
/** Names as the readers make them (`conv3.weight`, `flatten7.out`); no prototype keys. */
const NAME = /^[A-Za-z0-9_.:-]+$/;
const STAGES: readonly PoolStages[] = ['hw', 'w,h', 'h,w'];
/** The attrs each op may have, and which are required. */
const ATTRS: Record<OpType, { required: string[]; optional: string[] }> = {
  conv2d: { required: ['kernel', 'stride', 'padding', 'groups', 'role'], optional: ['kernelW', 'paddingW', 'convIndex'] },
  add: { required: [], optional: [] },
  avgpool: { required: [], optional: ['stages'] },
  maxpool: { required: ['kernel', 'stride', 'pad'], optional: [] },
  pad: { required: ['top', 'left', 'bottom', 'right'], optional: [] },
  concat: { required: [], optional: [] },
  reshape: { required: [], optional: [] },
  linear: { required: [], optional: [] },
  softmax_ce: { required: [], optional: [] },
};
/** The roles of a general graph's convs (the family's roles would switch on its fused schedules). */
const GENERAL_ROLES = ['conv', 'fc', 'classifier'] as const;

function checkName(field: string, v: unknown): string {
  if (typeof v !== 'string' || v.length < 1 || v.length > L.nameChars || !NAME.test(v) || v === '__proto__') {
    fail(`${field} must be a name of 1 to ${L.nameChars} letters, digits, '.', '_', ':' or '-', got ${show(v)}`);
  }
  return v;
}

function checkList(field: string, v: unknown, min: number, max: number): unknown[] {
  if (!Array.isArray(v)) return fail(`${field} must be a list, got ${show(v)}`);
  if (v.length < min || v.length > max) fail(`${field} has ${v.length} entries; ${min} to ${max} are allowed`);
  return v;
}

function readTensor(f: string, t: unknown): Tensor {
  if (!isJsonObject(t)) return fail(`${f} must be an object`);
  const name = checkName(`${f}.name`, t.name);
  if (typeof t.kind !== 'string' || !KINDS.includes(t.kind as TensorKind)) fail(`${f}.kind must be one of ${KINDS.join(', ')}, got ${show(t.kind)}`);
  if (typeof t.dtype !== 'string' || !DTYPES.includes(t.dtype as DType)) fail(`${f}.dtype must be int8, int32 or float32, got ${show(t.dtype)}`);
  const kind = t.kind as TensorKind, dtype = t.dtype as DType;
  const shape = checkList(`${f}.shape`, t.shape, 1, L.rank).map((d, i) => checkInt(`${f}.shape[${i}]`, d, 1, ARCH_LIMITS.activationBytes));
  const bytes = tensorBytes({ shape, dtype });
  if (bytes > ARCH_LIMITS.activationBytes) fail(`${f} (${shape.join('x')} ${dtype}) takes ${bytes.toLocaleString('en-US')} bytes, more than the ${ARCH_LIMITS.activationBytes.toLocaleString('en-US')} one tensor may`);
  // int8 values that are not weights carry a scale and zero point; nothing else does.
  const quantized = dtype === 'int8' && !PARAM_KINDS.has(kind);
  if (quantized !== (t.q !== undefined)) fail(quantized ? `${f}.q is missing: an int8 ${kind} needs its scale and zero point` : `${f}.q is given but a ${dtype} ${kind} has no activation quantization`);
  const out: Tensor = { name, kind, shape, dtype };
  if (quantized) out.q = checkActivationQuant(`${f}.q`, t.q);
  return out;
}

function readAttrs(f: string, op: OpType, a: unknown): Record<string, unknown> {
  if (!isJsonObject(a)) return fail(`${f} must be an object`);
  const { required, optional } = ATTRS[op];
  const extra = Object.keys(a).find((k) => !required.includes(k) && !optional.includes(k));
  if (extra !== undefined) fail(`${f}.${extra.slice(0, 40)} is not an attribute of ${op}`);
  const missing = required.find((k) => a[k] === undefined);
  if (missing !== undefined) fail(`${f}.${missing} is missing`);
  if (op === 'conv2d') {
    // A non-square kernel has its columns in kernelW and, where they differ from the rows', their padding in paddingW.
    const kh = checkInt(`${f}.kernel`, a.kernel, 1, ARCH_LIMITS.kernel);
    const kw = a.kernelW === undefined ? kh : checkInt(`${f}.kernelW`, a.kernelW, 1, ARCH_LIMITS.kernel);
    const ph = checkInt(`${f}.padding`, a.padding, 0, kh - 1);
    const pw = a.paddingW === undefined ? ph : checkInt(`${f}.paddingW`, a.paddingW, 0, kw - 1);
    if (pw > kw - 1) fail(`${f}.padding is ${ph}, which the kernel's ${kw} columns cannot take (at most ${kw - 1}); give paddingW`);
    const attrs = convAttrs({ kh, kw, ph, pw }, checkInt(`${f}.stride`, a.stride, 1, ARCH_LIMITS.stride),
      checkInt(`${f}.groups`, a.groups, 1, ARCH_LIMITS.channels), a.role as Conv2dAttrs['role']);
    if (!GENERAL_ROLES.includes(a.role as never)) fail(`${f}.role must be one of ${GENERAL_ROLES.join(', ')} in a general graph, got ${show(a.role)}`);
    if (a.convIndex !== undefined) attrs.convIndex = checkInt(`${f}.convIndex`, a.convIndex, 0, L.nodes);
    return attrs as unknown as Record<string, unknown>;
  }
  if (op === 'maxpool') {
    const kernel = checkInt(`${f}.kernel`, a.kernel, 1, ARCH_LIMITS.kernel);
    return { kernel, stride: checkInt(`${f}.stride`, a.stride, 1, ARCH_LIMITS.stride), pad: checkInt(`${f}.pad`, a.pad, 0, kernel - 1) };
  }
  if (op === 'pad') {
    const side = (k: 'top' | 'left' | 'bottom' | 'right') => checkInt(`${f}.${k}`, a[k], 0, MAX_PAD);
    return { top: side('top'), left: side('left'), bottom: side('bottom'), right: side('right') };
  }
  if (op === 'avgpool' && a.stages !== undefined) {
    if (!STAGES.includes(a.stages as PoolStages)) fail(`${f}.stages must be one of ${STAGES.map((s) => `"${s}"`).join(', ')}, got ${show(a.stages)}`);
    return { stages: a.stages };
  }
  return {};
}

/**
 * The general graph a .ttw header holds, every field checked (see the file comment); fields are
 * named as in the JSON ("graph.nodes[3].attrs.kernel").
 */
export function readGraphJson(v: unknown): Graph {
  const G = 'graph';
  if (!isJsonObject(v)) return fail(`${G} must be an object`);
  if (typeof v.name !== 'string' || v.name.length > MAX_NAME_CHARS) fail(`${G}.name must be a text of at most ${MAX_NAME_CHARS} characters`);
  const tensorList = checkList(`${G}.tensors`, v.tensors, 1, L.tensors).map((t, i) => readTensor(`${G}.tensors[${i}]`, t));
  const byName = new Map<string, Tensor>();
  for (const t of tensorList) {
    if (byName.has(t.name)) fail(`${G}.tensors lists "${t.name}" twice`);
    byName.set(t.name, t);
  }
  const ref = (field: string, name: unknown): string => {
    const n = checkName(field, name);
    if (!byName.has(n)) fail(`${field} names "${n}", which is not among ${G}.tensors`);
    return n;
  };
  const input = ref(`${G}.input`, v.input), logits = ref(`${G}.logits`, v.logits), label = ref(`${G}.label`, v.label), loss = ref(`${G}.loss`, v.loss);

  const nodeNames = new Set<string>();
  const nodes = checkList(`${G}.nodes`, v.nodes, 2, L.nodes).map((n, i): Node => {
    const f = `${G}.nodes[${i}]`;
    if (!isJsonObject(n)) return fail(`${f} must be an object`);
    const name = checkName(`${f}.name`, n.name);
    if (nodeNames.has(name)) fail(`${f}.name "${name}" is used by another node`);
    nodeNames.add(name);
    if (typeof n.op !== 'string' || !Object.hasOwn(OPS, n.op)) fail(`${f}.op must be one of ${Object.keys(OPS).join(', ')}, got ${show(n.op)}`);
    const op = n.op as OpType;
    const inputs = checkList(`${f}.inputs`, n.inputs, 1, L.operands).map((x, j) => ref(`${f}.inputs[${j}]`, x));
    const outputs = checkList(`${f}.outputs`, n.outputs, 1, 1).map((x, j) => ref(`${f}.outputs[${j}]`, x));
    return { name, op, inputs, outputs, attrs: readAttrs(`${f}.attrs`, op, n.attrs) } as Node;
  });

  // The structure a general graph has (from-tflite-graph.ts makes it so; the compiler, the head
  // replacement and the views rely on it).
  const kindOf = (name: string) => byName.get(name)!.kind;
  const inT = byName.get(input)!;
  if (inT.kind !== 'input' || inT.dtype !== 'int8' || inT.shape.length !== 3) fail(`${G}.input "${input}" must be an int8 input tensor C x H x W`);
  checkInt(`${G}.input's channels`, inT.shape[0], ARCH_LIMITS.inChannels.min, ARCH_LIMITS.inChannels.max);
  const labelT = byName.get(label)!, lossT = byName.get(loss)!;
  if (labelT.kind !== 'label' || labelT.dtype !== 'int32' || labelT.shape.join() !== '1') fail(`${G}.label "${label}" must be an int32 label tensor of shape 1`);
  if (lossT.kind !== 'output' || lossT.dtype !== 'float32' || lossT.shape.join() !== '1') fail(`${G}.loss "${loss}" must be a float32 output tensor of shape 1`);
  if (kindOf(logits) !== 'output') fail(`${G}.logits "${logits}" must be an output tensor`);
  const last = nodes[nodes.length - 1];
  if (last.op !== 'softmax_ce' || last.inputs.join() !== `${logits},${label}` || last.outputs[0] !== loss) fail(`${G}.nodes must end with the loss: a softmax_ce node reading the logits and the label and writing the loss`);
  const head = nodes[nodes.length - 2];
  const headIsInt8 = head.op === 'conv2d' && (head.attrs as Conv2dAttrs).role === 'classifier';
  const headParams = head.op === 'linear' ? ['classifier.weight', 'classifier.bias'] : ['classifier.weight', 'classifier.bias', 'classifier.w_scales'];
  if (head.name !== 'classifier' || !(head.op === 'linear' || headIsInt8) || head.outputs[0] !== logits || head.inputs.slice(1).join() !== headParams.join()) {
    fail(`${G}.nodes must end with the head before the loss: a node "classifier" (linear, or conv2d of role classifier) reading ${headParams.join(', ')} and writing the logits`);
  }
  let convIndex = 0;
  const readers = new Map<string, number>();
  const singles: Record<string, string> = { input, label };
  nodes.forEach((n, i) => {
    const f = `${G}.nodes[${i}]`;
    if (n.op === 'softmax_ce' && n !== last) fail(`${f} is a second loss; the loss is the last node`);
    if (n.op === 'conv2d') {
      const a = n.attrs as Conv2dAttrs;
      if ((a.role === 'classifier') !== (n === head)) fail(`${f}.attrs.role: only the head "classifier" has the role classifier`);
      if (n !== head && a.convIndex !== convIndex++) fail(`${f}.attrs.convIndex must be ${convIndex - 1}: a general graph's convs are numbered in node order`);
      if (n === head && a.convIndex !== undefined) fail(`${f}.attrs.convIndex: the head has no conv index`);
    }
    // Parameters are operands 1.. of a conv or linear node; every other operand is a computed value.
    const paramsFrom = n.op === 'conv2d' || n.op === 'linear' ? 1 : n.inputs.length;
    n.inputs.forEach((x, j) => {
      const isParam = PARAM_KINDS.has(kindOf(x));
      if (isParam !== (j >= paramsFrom) && n.op !== 'softmax_ce') fail(`${f}.inputs[${j}] "${x}" is ${isParam ? 'a parameter where the op reads an activation' : `a ${kindOf(x)} where the op reads a parameter`}`);
      readers.set(x, (readers.get(x) ?? 0) + 1);
      if (isParam && readers.get(x)! > 1) fail(`${f}.inputs[${j}]: the parameter "${x}" is read by two nodes`);
    });
    for (const o of n.outputs) {
      const k = kindOf(o);
      if (k !== 'activation' && k !== 'output') fail(`${f}.outputs[0] "${o}" is a ${k}, which no node writes`);
      if (k === 'output' && o !== logits && o !== loss) fail(`${f}.outputs[0] "${o}" is an output tensor but neither the logits nor the loss`);
    }
  });
  for (const t of tensorList) {
    if ((t.kind === 'input' || t.kind === 'label') && singles[t.kind] !== t.name) fail(`${G}.tensors: "${t.name}" is a second ${t.kind} tensor`);
    if (t.kind === 'activation' && !readers.has(t.name)) fail(`${G}.tensors: the activation "${t.name}" is read by no node; every branch of a general graph reaches the logits`);
    if (PARAM_KINDS.has(t.kind) && !readers.has(t.name)) fail(`${G}.tensors: the parameter "${t.name}" is read by no node`);
  }
  const tensors: Record<string, Tensor> = {};
  for (const t of tensorList) tensors[t.name] = t;
  const graph: Graph = { name: v.name as string, tensors, nodes, input, logits, label, loss };
  const requant = readRequant(`${G}.requant`, v.requant);
  if (requant) graph.requant = requant;
  within(G, () => {
    validateGraph(graph);
    checkGeneralBounds(graph);
  });
  return graph;
}
