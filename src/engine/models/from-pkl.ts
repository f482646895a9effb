/**
 * Maps one of the paper's model files (tiny-training .pkl) onto the graph IR: the architecture is
 * read off the file (stem, blocks, residuals), every activation gets the file's scale and zero point,
 * and every parameter is checked against the shape the architecture implies. Anything inconsistent
 * is a ModelFileError naming the conv and the field.
 */
import type { ConvRole, Model, ParamStore } from '../ir/graph.ts';
import type { QParams } from '../ir/tensor.ts';
import { within } from '../input-error.ts';
import { ModelFileError } from '../io/errors.ts';
import { ARCH_LIMITS, checkArchitecture, checkInt, checkWeightScales, MAX_NAME_CHARS, QUANT_LIMITS, show } from '../limits.ts';
import { isNdArray, readTorchPickleZip, type NdArray, type PyValue } from '../io/read-pickle-zip.ts';
import type { ArchSpec, BlockSpec } from './arch.ts';
import { buildGraph, type ActivationQuant, type HeadKind } from './build.ts';
import { setHeadParams } from './file-head.ts';

type Dict = { [k: string]: PyValue };

export interface PklOptions {
  fileName?: string;
  /** Input resolution; default the file's own (128 for the paper's models). */
  resolution?: number;
  /** Classes of the head; the file's own head is kept only when this equals its class count. */
  classes?: number;
  head?: HeadKind;
}

interface FileConv {
  where: string;
  cin: number; cout: number; k: number; stride: number; groups: number;
  inSize?: number; outSize?: number;
  weight: NdArray; bias: NdArray; wScales: NdArray;
  x: QParams; y: QParams;
}

const isDict = (v: PyValue | undefined): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !isNdArray(v);

function fail(where: string, msg: string): never {
  throw new ModelFileError(`${where}: ${msg}`);
}

function field<T extends PyValue>(d: Dict, key: string, where: string, check: (v: PyValue) => boolean, what: string): T {
  const v = d[key];
  if (v === undefined || !check(v)) fail(where, `"${key}" must be ${what}, got ${describe(v)}`);
  return v as T;
}

function describe(v: PyValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'None';
  if (isNdArray(v)) return `a ${v.dtype} array of shape [${v.shape.join(', ')}]`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'a dict';
  return show(v);
}

const isInt = (v: PyValue) => typeof v === 'number' && Number.isInteger(v);

/** A whole number field in [min, max] (limits.ts), named in the refusal. */
function intField(d: Dict, key: string, where: string, min: number, max: number, unit = ''): number {
  return within(where, () => checkInt(`"${key}"`, d[key], min, max, unit));
}

/** An activation's scale and zero point (limits.ts ranges). */
function quantField(p: Dict, scaleKey: string, zeroKey: string, where: string): QParams {
  const { min, max } = QUANT_LIMITS.activationScale;
  const scale = p[scaleKey];
  if (typeof scale !== 'number' || !(scale >= min && scale <= max)) {
    fail(where, `"${scaleKey}" is ${describe(scale)}; an activation scale must be a number from ${min} to ${max}`);
  }
  return { scale, zeroPoint: intField(p, zeroKey, where, QUANT_LIMITS.zeroPoint.min, QUANT_LIMITS.zeroPoint.max) };
}

function array(d: Dict, key: string, where: string, dtype: NdArray['dtype'], shape: number[]): NdArray {
  const v = field<NdArray>(d, key, where, isNdArray, `a ${dtype} array`);
  if (v.dtype !== dtype) fail(where, `"${key}" is ${v.dtype}, expected ${dtype}`);
  if (v.shape.join(',') !== shape.join(',')) fail(where, `"${key}" has shape [${v.shape.join(', ')}] but the architecture needs [${shape.join(', ')}]`);
  return v;
}

function weightScales(p: Dict, where: string, cout: number): NdArray {
  const s = array(p, 'w_scales', where, 'float32', [cout]);
  within(where, () => checkWeightScales('"w_scales"', s.data));
  return s;
}

function readConv(v: PyValue | undefined, where: string, requireSizes: boolean): FileConv {
  if (!isDict(v)) fail(where, `expected a conv dict, got ${describe(v)}`);
  const L = ARCH_LIMITS;
  const cin = intField(v, 'in_channel', where, 1, L.channels, ' channels');
  const cout = intField(v, 'out_channel', where, 1, L.channels, ' channels');
  const ks = v.kernel_size;
  if (!(Array.isArray(ks) && ks.length === 2 && ks[0] === ks[1])) fail(where, `"kernel_size" must be a square (k, k), got ${describe(ks)}`);
  const k = within(where, () => checkInt('"kernel_size"', ks[0], 1, L.kernel));
  const stride = v.stride === undefined ? 1 : intField(v, 'stride', where, 1, L.stride);
  const groups = v.groups === undefined ? 1 : intField(v, 'groups', where, 1, L.channels);
  if (cin % groups || cout % groups) fail(where, `${cin}->${cout} channels cannot be split into ${groups} groups`);
  const p = v.params;
  if (!isDict(p)) fail(where, `"params" must be a dict, got ${describe(p)}`);
  const pw = `${where}.params`;
  return {
    where, cin, cout, k, stride, groups,
    inSize: requireSizes ? field<number>(v, 'in_shape', where, isInt, 'the input size (a whole number)') : undefined,
    outSize: requireSizes ? field<number>(v, 'out_shape', where, isInt, 'the output size (a whole number)') : undefined,
    weight: array(p, 'weight', pw, 'int8', [cout, cin / groups, k, k]),
    bias: array(p, 'bias', pw, 'int32', [cout]),
    wScales: weightScales(p, pw, cout),
    x: quantField(p, 'x_scale', 'x_zero', pw),
    y: quantField(p, 'y_scale', 'y_zero', pw),
  };
}

function readResidual(v: PyValue | undefined, where: string): QParams | null {
  if (v === null || v === undefined) return null;
  if (!isDict(v) || !isDict(v.params)) fail(where, `"residual" must be None or a dict with params, got ${describe(v)}`);
  return quantField(v.params, 'y_scale', 'y_zero', where);
}

/** Reads and checks a model file, and returns it as a graph with the file's weights. */
export function modelFromPkl(bytes: Uint8Array, opts: PklOptions = {}): Model {
  const name = opts.fileName ?? 'model.pkl';
  // Refusals (the zip, the pickle, the fields, the architecture's bounds) get the file's name; any
  // other exception is a bug and propagates as it is.
  return within(name, () => mapModel(readTorchPickleZip(bytes), name, opts));
}

function mapModel(root: PyValue, name: string, opts: PklOptions): Model {
  if (!isDict(root)) fail('top level', `expected a dict with first_conv, blocks and classifier, got ${describe(root)}`);
  if (root.feature_mix !== null && root.feature_mix !== undefined) fail('feature_mix', 'a feature-mix layer is not supported');
  const stem = readConv(root.first_conv, 'first_conv', true);
  if (stem.groups !== 1) fail('first_conv', 'the stem must be a standard conv');
  const blocksV = root.blocks;
  if (!Array.isArray(blocksV) || blocksV.length === 0 || blocksV.length > ARCH_LIMITS.blocks) {
    fail('blocks', `expected a list of 1 to ${ARCH_LIMITS.blocks} blocks, got ${describe(blocksV)}`);
  }

  // Convs in the paper's index order, with their roles, and the residual quantization per block.
  const convs: { c: FileConv; role: ConvRole }[] = [{ c: stem, role: 'stem' }];
  const residuals = new Map<number, QParams>();
  const blocks: BlockSpec[] = [];
  let cin = stem.cout;
  blocksV.forEach((bv, bi) => {
    const where = `blocks[${bi}]`;
    if (!isDict(bv)) fail(where, `expected a block dict, got ${describe(bv)}`);
    if (bv.se !== null && bv.se !== undefined) fail(where, 'squeeze-and-excitation is not supported');
    const pw1 = bv.pointwise1 === null || bv.pointwise1 === undefined ? null : readConv(bv.pointwise1, `${where}.pointwise1`, true);
    const dw = readConv(bv.depthwise, `${where}.depthwise`, true);
    const pw2 = readConv(bv.pointwise2, `${where}.pointwise2`, true);
    const res = readResidual(bv.residual, `${where}.residual`);
    const mid = pw1 ? pw1.cout : cin;
    if (pw1 && (pw1.cin !== cin || pw1.k !== 1 || pw1.groups !== 1)) fail(`${where}.pointwise1`, `must be a 1x1 conv from ${cin} channels`);
    if (dw.cin !== mid || dw.cout !== mid || dw.groups !== mid) fail(`${where}.depthwise`, `must be depthwise over ${mid} channels`);
    if (pw2.cin !== mid || pw2.k !== 1 || pw2.groups !== 1) fail(`${where}.pointwise2`, `must be a 1x1 conv from ${mid} channels`);
    if (res && (dw.stride !== 1 || pw2.cout !== cin)) fail(`${where}.residual`, 'a residual needs stride 1 and equal input and output channels');
    if (pw1) convs.push({ c: pw1, role: 'pw1' });
    convs.push({ c: dw, role: 'dw' }, { c: pw2, role: 'pw2' });
    if (res) residuals.set(bi, res);
    blocks.push({ mid, expand: !!pw1, out: pw2.cout, kernel: dw.k, stride: dw.stride, residual: !!res });
    cin = pw2.cout;
  });
  const cls = readConv(root.classifier, 'classifier', false);
  if (cls.k !== 1 || cls.cin !== cin) fail('classifier', `must be a 1x1 conv from ${cin} features, got ${cls.cin}->${cls.cout} k${cls.k}`);
  // The head reads the pooled features, which keep the last block's output quantization.
  const lastOut = residuals.get(blocks.length - 1) ?? convs[convs.length - 1].c.y;
  if (Math.fround(cls.x.scale) !== Math.fround(lastOut.scale) || cls.x.zeroPoint !== lastOut.zeroPoint) {
    fail('classifier', `input quantization (${cls.x.scale}, ${cls.x.zeroPoint}) differs from the pooled features' (${lastOut.scale}, ${lastOut.zeroPoint})`);
  }

  const arch: ArchSpec = { name: name.replace(/\.pkl$/i, '').slice(0, MAX_NAME_CHARS), inChannels: stem.cin, stem: { out: stem.cout, kernel: stem.k, stride: stem.stride }, blocks };
  const fileRes = stem.inSize!;
  const classes = opts.classes ?? cls.cout;
  const head = opts.head ?? 'float32';
  const quant: ActivationQuant = {
    input: stem.x,
    conv: (i) => convs[i].c.y,
    residual: (b) => residuals.get(b)!,
    logits: cls.y,
  };
  // The architecture's bounds and costs at both sizes, before any graph or tensor is built.
  checkArchitecture(arch, { resolution: fileRes, classes: cls.cout, head: 'int8' });
  const graph = buildGraph(arch, { resolution: opts.resolution ?? fileRes, classes, head, quant, withLoss: true });

  // Cross-check against the architecture: sizes at the file's resolution, and each conv's input scale
  // equal to the output scale of what feeds it.
  const atFile = opts.resolution === undefined || opts.resolution === fileRes ? graph : buildGraph(arch, { resolution: fileRes, classes, head, quant });
  const params: ParamStore = {};
  convs.forEach(({ c }, i) => {
    const node = atFile.nodes.find((n) => n.name === `conv${i}`)!;
    const [, hin] = atFile.tensors[node.inputs[0]].shape;
    const [, hout] = atFile.tensors[node.outputs[0]].shape;
    if (c.inSize !== hin || c.outSize !== hout) fail(c.where, `sizes ${c.inSize}->${c.outSize} disagree with the architecture's ${hin}->${hout}`);
    const xq = atFile.tensors[node.inputs[0]].q!;
    if (Math.fround(xq.scale) !== Math.fround(c.x.scale) || xq.zeroPoint !== c.x.zeroPoint) {
      fail(c.where, `input quantization (${c.x.scale}, ${c.x.zeroPoint}) differs from the output quantization (${xq.scale}, ${xq.zeroPoint}) of the tensor that feeds it`);
    }
    params[`conv${i}.weight`] = c.weight.data as Int8Array;
    params[`conv${i}.bias`] = c.bias.data as Int32Array;
    params[`conv${i}.w_scales`] = c.wScales.data as Float32Array;
  });

  const headNote = setHeadParams(graph, params, {
    weight: cls.weight.data as Int8Array, bias: cls.bias.data as Int32Array, wScales: cls.wScales.data as Float32Array,
    cin: cls.cin, cout: cls.cout, xScale: cls.x.scale,
  }, classes, head);
  return { graph, params, source: `${name} (the paper's int8 weights, ${headNote})` };
}
