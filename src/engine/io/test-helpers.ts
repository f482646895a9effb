/**
 * Test-only helpers: assemble pickles opcode by opcode (including malicious and corrupt ones) and
 * wrap them in zips, the way Python's pickle (protocol 2) and numpy write model files.
 */
import { zipSync } from 'fflate';
import type { Graph, Node, ParamStore } from '../ir/graph.ts';
import { isNdArray, type NdArray, type PyValue } from './read-pickle-zip.ts';

export class PickleWriter {
  private out: number[] = [];

  raw(...bytes: number[]): this { return this.rawArray(bytes); }
  rawArray(bytes: ArrayLike<number>): this {
    for (let i = 0; i < bytes.length; i++) this.out.push(bytes[i]);
    return this;
  }
  u32(n: number): this { return this.raw(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff); }
  proto(v = 2): this { return this.raw(0x80, v); }
  mark(): this { return this.raw(0x28); }
  stop(): this { return this.raw(0x2e); }
  none(): this { return this.raw(0x4e); }
  bool(b: boolean): this { return this.raw(b ? 0x88 : 0x89); }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.raw(0x4b, n);
    if (n >= 0 && n < 65536) return this.raw(0x4d, n & 0xff, n >> 8);
    return this.raw(0x4a).u32(n);
  }
  float(x: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, false);
    return this.raw(0x47, ...b);
  }
  /** BINUNICODE, UTF-8 encoded as pickle does. */
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.raw(0x58).u32(b.length).rawArray(b);
  }
  shortBytes(b: ArrayLike<number>): this { return this.raw(0x43, b.length, ...Array.from(b)); }
  global(module: string, name: string): this {
    return this.raw(0x63).rawArray(new TextEncoder().encode(`${module}\n${name}\n`));
  }
  tuple(n: 0 | 1 | 2 | 3 | 'mark'): this { return this.raw(n === 'mark' ? 0x74 : [0x29, 0x85, 0x86, 0x87][n]); }
  emptyDict(): this { return this.raw(0x7d); }
  emptyList(): this { return this.raw(0x5d); }
  setitems(): this { return this.raw(0x75); }
  appends(): this { return this.raw(0x65); }
  reduce(): this { return this.raw(0x52); }
  build(): this { return this.raw(0x62); }
  put(i: number): this { return this.raw(0x71, i); }
  get(i: number): this { return this.raw(0x68, i); }

  /** `_codecs.encode(<str with code points = bytes>, 'latin1')`, numpy's protocol-2 encoding of bytes. */
  latin1Bytes(data: ArrayLike<number>): this {
    let s = '';
    for (let i = 0; i < data.length; i++) s += String.fromCharCode(data[i]);
    return this.global('_codecs', 'encode').str(s).str('latin1').tuple(2).reduce();
  }

  /** `dtype(code, False, True)` built with the given byte order, exactly as numpy pickles it. */
  dtype(code: string, order: string): this {
    return this.global('numpy', 'dtype').str(code).bool(false).bool(true).tuple(3).reduce()
      .mark().int(3).str(order).none().none().none().int(-1).int(-1).int(0).tuple('mark').build();
  }

  /** A whole numpy array: _reconstruct(ndarray, (0,), b'b') then BUILD (1, shape, dtype, fortran, bytes). */
  ndarray(code: string, order: string, shape: number[], data: ArrayLike<number>, fortran = false): this {
    this.global('numpy.core.multiarray', '_reconstruct').global('numpy', 'ndarray').int(0).tuple(1)
      .latin1Bytes([0x62]).tuple(3).reduce()
      .mark().int(1).mark();
    for (const d of shape) this.int(d);
    return this.tuple('mark').dtype(code, order).bool(fortran).latin1Bytes(data).tuple('mark').build();
  }

  bytes(): Uint8Array { return Uint8Array.from(this.out); }
}

/** Wraps files in a zip, stored (level 0, like torch) unless a deflate level is given. */
export function zipOf(files: Record<string, Uint8Array>, level: 0 | 6 = 0): Uint8Array {
  const entries: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  for (const [name, data] of Object.entries(files)) entries[name] = [data, { level }];
  return zipSync(entries);
}

/** A model zip around a pickle, as torch names it. */
export function modelZip(pickle: Uint8Array, level: 0 | 6 = 0, dir = 'archive'): Uint8Array {
  return zipOf({ [`${dir}/data.pkl`]: pickle, [`${dir}/version`]: new TextEncoder().encode('3\n') }, level);
}

/** A value to pickle: what readTorchPickleZip returns (dicts, lists, numbers, strings, None, arrays). */
export type PickleTree = PyValue;

const NUMPY_CODES: Record<NdArray['dtype'], [string, string, number]> = {
  int8: ['i1', '|', 1], uint8: ['u1', '|', 1], bool: ['b1', '|', 1], int16: ['i2', '<', 2],
  int32: ['i4', '<', 4], int64: ['i4', '<', 4], float32: ['f4', '<', 4], float64: ['f8', '<', 8],
};

/** Pickles a tree as torch.save and numpy do (protocol 2): dicts, lists, ints, floats, strings, None, bools, arrays. */
export function pickleTree(v: PickleTree, w = new PickleWriter().proto()): PickleWriter {
  const write = (x: PickleTree): void => {
    if (x === null) w.none();
    else if (typeof x === 'boolean') w.bool(x);
    else if (typeof x === 'number') {
      if (Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 31) w.int(x);
      else w.float(x);
    } else if (typeof x === 'string') w.str(x);
    else if (x instanceof Uint8Array) w.raw(0x42).u32(x.length).rawArray(x);
    else if (isNdArray(x)) {
      const [code, order] = NUMPY_CODES[x.dtype];
      const data = x.dtype === 'int64' ? new Int32Array(x.data as Int32Array) : x.data;
      w.ndarray(code, order, x.shape, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } else if (Array.isArray(x)) {
      w.emptyList();
      if (x.length) {
        w.mark();
        x.forEach(write);
        w.appends();
      }
    } else {
      w.emptyDict();
      const keys = Object.keys(x);
      if (keys.length) {
        w.mark();
        for (const k of keys) {
          w.str(k);
          write(x[k]);
        }
        w.setitems();
      }
    }
  };
  write(v);
  return w.stop();
}

/** A model file (.pkl zip) holding the tree. */
export function pklOf(tree: PickleTree): Uint8Array {
  return modelZip(pickleTree(tree).bytes());
}

const nd = (dtype: NdArray['dtype'], shape: number[], data: NdArray['data']): NdArray => ({ __ndarray: true, dtype, shape, data });

/**
 * The tree of the paper's model files (first_conv, blocks, classifier, each conv with its shapes and
 * int8 params) for a graph with an int8 head and its parameters: small, valid model files to test with.
 */
export function pklTreeOf(g: Graph, params: ParamStore): PickleTree {
  const convDict = (n: Node<'conv2d'>, withSizes: boolean): PickleTree => {
    const [x, w, b, s] = n.inputs;
    const [cout, cpg, k] = g.tensors[w].shape;
    const xq = g.tensors[x].q!, yq = g.tensors[n.outputs[0]].q!;
    return {
      in_channel: cpg * n.attrs.groups, out_channel: cout, kernel_size: [k, k], stride: n.attrs.stride, groups: n.attrs.groups,
      ...(withSizes ? { in_shape: g.tensors[x].shape[1], out_shape: g.tensors[n.outputs[0]].shape[1] } : {}),
      params: {
        weight: nd('int8', [cout, cpg, k, k], params[w] as Int8Array), bias: nd('int32', [cout], params[b] as Int32Array),
        w_scales: nd('float32', [cout], params[s] as Float32Array),
        x_scale: xq.scale, x_zero: xq.zeroPoint, y_scale: yq.scale, y_zero: yq.zeroPoint,
      },
    };
  };
  const convs = g.nodes.filter((n): n is Node<'conv2d'> => n.op === 'conv2d');
  const blocks: PickleTree[] = [];
  for (const c of convs) {
    const { role, block } = c.attrs;
    if (role === 'stem' || role === 'classifier' || block === undefined) continue;
    const d = (blocks[block] ??= { pointwise1: null, depthwise: null, pointwise2: null, residual: null, se: null }) as Record<string, PickleTree>;
    d[role === 'pw1' ? 'pointwise1' : role === 'dw' ? 'depthwise' : 'pointwise2'] = convDict(c, true);
  }
  for (const n of g.nodes) {
    if (n.op !== 'add') continue;
    const q = g.tensors[n.outputs[0]].q!;
    (blocks[(n.attrs as { block: number }).block] as Record<string, PickleTree>).residual = { params: { y_scale: q.scale, y_zero: q.zeroPoint } };
  }
  const cls = convs.find((c) => c.attrs.role === 'classifier');
  if (!cls) throw new Error('pklTreeOf needs a graph with an int8 head');
  return { first_conv: convDict(convs[0], true), blocks, feature_mix: null, classifier: convDict(cls, false) };
}
