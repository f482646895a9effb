/**
 * The forward graph: tensors by name and nodes in execution (topological) order.
 * Parameters' values are not part of the graph; they live in a ParamStore keyed by tensor name,
 * so one architecture can carry synthetic, imported or trained weights.
 */
import type { RequantArith } from '../quant/tflite-int.ts';
import type { Tensor, TypedArray } from './tensor.ts';

export type OpType = 'conv2d' | 'add' | 'avgpool' | 'maxpool' | 'pad' | 'concat' | 'reshape' | 'linear' | 'softmax_ce';

/**
 * Where a conv sits: in an inverted-bottleneck network (MODELS.md) 'stem', 'pw1', 'dw', 'pw2'; in a
 * general graph (an imported .tflite of another shape) 'conv', or 'fc' for a FULLY_CONNECTED layer
 * inside the graph (a 1x1 conv on a C x 1 x 1 map). The fused schedules match the family's roles
 * only, so a general graph's convs run as plain kernels. 'classifier' is the int8 head either way.
 */
export type ConvRole = 'stem' | 'pw1' | 'dw' | 'pw2' | 'conv' | 'fc' | 'classifier';

/** The roles of the inverted-bottleneck family, the only ones the fused schedules match. */
export const FAMILY_ROLES: readonly ConvRole[] = ['stem', 'pw1', 'dw', 'pw2'];

export interface Conv2dAttrs {
  /** Kernel rows, and columns unless kernelW says otherwise (absent on a square kernel, so its .ttw JSON is as before). */
  kernel: number;
  kernelW?: number;
  stride: number;
  /** Padding of the rows (top and bottom), and of the columns unless paddingW says otherwise. */
  padding: number;
  paddingW?: number;
  groups: number;
  /** The paper's conv index (stem = 0), or the conv's place in a general graph's order; undefined for the classifier. */
  convIndex?: number;
  role: ConvRole;
  /** Block index (-1 for the stem); undefined in a general graph, which has no blocks. */
  block?: number;
}

/** A conv's window: kh x kw, padded by ph rows and pw columns on each side. */
export interface ConvWindow { kh: number; kw: number; ph: number; pw: number }

/** The window of a conv's attributes (the one reading of kernelW and paddingW). */
export function convWindow(a: Conv2dAttrs): ConvWindow {
  return { kh: a.kernel, kw: a.kernelW ?? a.kernel, ph: a.padding, pw: a.paddingW ?? a.padding };
}

/** A conv's attributes (the one writing of a window): kernelW and paddingW only where the columns differ from the rows. */
export function convAttrs(w: ConvWindow, stride: number, groups: number, role: ConvRole): Conv2dAttrs {
  return { kernel: w.kh, ...(w.kw !== w.kh ? { kernelW: w.kw } : {}), stride, padding: w.ph, ...(w.pw !== w.ph ? { paddingW: w.pw } : {}), groups, role };
}

/** A max-pool window: kernel x kernel, stride, pad on every side (pad < kernel; padding never wins). */
export interface MaxpoolAttrs { kernel: number; stride: number; pad: number }

/** An explicit padding: rows on top and bottom, columns on the left and right (each >= 0), which may differ. */
export interface PadAttrs { top: number; left: number; bottom: number; right: number }

/**
 * How a pool averages (an imported .tflite's MEAN ops): 'hw' one mean over H x W, 'w,h' each row's
 * mean then their mean, 'h,w' each column's then theirs; each stage rounded half away from zero.
 */
export type PoolStages = 'hw' | 'w,h' | 'h,w';

export interface NodeAttrsByOp {
  conv2d: Conv2dAttrs;
  /** block: the residual's block in the family; undefined in a general graph. */
  add: { block?: number };
  /** stages absent: the paper's pool, one mean over H x W rounded half to even. */
  avgpool: { stages?: PoolStages };
  maxpool: MaxpoolAttrs;
  /** Rows before and after, columns before and after, filled with the input's zero point (ops/pad.ts). */
  pad: PadAttrs;
  /** Along channels; every input and the output share one scale and zero point (TFLite's int8 rule). */
  concat: Record<string, never>;
  /** A view: the same int8 values in another shape (C x H x W flattened to N x 1 x 1, or back). */
  reshape: Record<string, never>;
  linear: Record<string, never>;
  softmax_ce: Record<string, never>;
}

export interface Node<T extends OpType = OpType> {
  name: string;
  op: T;
  /**
   * conv2d: [x, weight, bias, wScales]; add: [a, b]; avgpool, maxpool, pad, reshape: [x]; concat: [x0, x1, ...];
   * linear: [x, weight, bias] (float32 head on the dequantized input); softmax_ce: [logits, label].
   */
  inputs: string[];
  outputs: string[];
  attrs: NodeAttrsByOp[T];
}

export interface Graph {
  name: string;
  tensors: Record<string, Tensor>;
  nodes: Node[];
  /** The image input tensor. */
  input: string;
  /** The logits tensor. */
  logits: string;
  /** The label and the loss tensor, when the graph has a loss. */
  label?: string;
  loss?: string;
  /**
   * The int8 requantization of every forward op (quant/tflite-int.ts: RequantArith); absent is
   * 'float', the paper's. A model read from a .tflite has 'tflite'.
   */
  requant?: RequantArith;
}

export type ParamStore = Record<string, TypedArray>;

/** A graph plus the values of its parameters. */
export interface Model {
  graph: Graph;
  params: ParamStore;
  /** Where the weights came from, shown to the user. */
  source: string;
}

/** A node of one op type, narrowed (its attrs typed). */
export function isNodeOf<T extends OpType>(n: Node, op: T): n is Node<T> {
  return n.op === op;
}

export function isConv(n: Node): n is Node<'conv2d'> {
  return n.op === 'conv2d';
}

/** The backbone convs in the paper's index order (stem = 0; classifier excluded). */
export function backboneConvs(g: Graph): Node<'conv2d'>[] {
  return g.nodes.filter(isConv).filter((n) => n.attrs.convIndex !== undefined);
}
