// The channel-streamed backward kernels (twins of src/engine/runtime/streamed-backward.ts), each one
// call: block_bwd (blockBackward) and dw_pw_bwd (expansionBackward), from the primitives of
// conv-backward.ts and the updates of sgd.ts.
import {
  Geom, filterGrad, maskScale, padPlane, pointwiseGather, pointwiseGradRow, pointwiseScatter, scatterFilter, sumF32, transposeInput, zeroF32,
} from './conv-backward';
import { Update, updateInt32, updateInt8 } from './sgd';

/** pw1's per-channel backward (pw1Stream): its operands, written by the JavaScript side. */
@unmanaged
export class PwStream {
  geom: Geom;
  w: usize;
  b: usize;
  /** Weight scales and effective scales, float32 per output channel. */
  s: usize;
  eff: usize;
  mask: usize;
  /** The saved input's first n channels (int8 [n, H*W]), 0: weights not trained. */
  saved: usize;
  xZero: i32;
  n: i32;
  /** The input gradient (accumulated here), 0: not needed. */
  gx: usize;
  /** Scratch: one weight-gradient row, and the saved input transposed (transposeInput). */
  row: usize;
  xt: usize;
  bias: i32;
  xScale: f32;
  updW: Update;
  updB: Update;
}

function pwStart(ps: PwStream): void {
  const pg = ps.geom;
  const hw = pg.ho * pg.wo;
  if (ps.gx) zeroF32(ps.gx, pg.cin * hw);
  if (ps.saved) transposeInput(ps.saved, ps.xZero, ps.n, hw, ps.xt);
}

/** Output channel c's whole backward from its raw gradient plane g (overwritten by g'). */
function pwStep(ps: PwStream, c: i32, g: usize): void {
  const pg = ps.geom;
  const hw = pg.ho * pg.wo;
  maskScale(g, ps.mask, c * hw, load<f32>(ps.eff + (<usize>c << 2)), hw);
  const gx = ps.gx;
  if (gx) {
    pointwiseScatter(gx, g, ps.w + <usize>(c * pg.cpg), pg.cpg, hw);
  }
  const s = load<f32>(ps.s + (<usize>c << 2));
  if (ps.saved) {
    const n = ps.n;
    pointwiseGradRow(ps.xt, g, n, hw, ps.row);
    const div = s * s;
    for (let j = 0; j < n; j++) updateInt8(ps.w, c * pg.cpg + j, load<f32>(ps.row + (<usize>j << 2)), div, ps.updW, c * n + j);
  }
  if (ps.bias) {
    const sb = s * ps.xScale;
    updateInt32(ps.b, c, sumF32(g, hw), sb * sb, ps.updB, c);
  }
}

/** dw_pw_bwd's operands. */
@unmanaged
export class Expansion {
  /** The depthwise conv's output gradient g' and weights. */
  g: usize;
  w: usize;
  geom: Geom;
  /** Scratch: one H x W plane. */
  plane: usize;
  pw: PwStream;
}

/** dw_pw_bwd: each channel's depthwise input gradient streamed into pw1's backward. */
export function expansionBackward(e: Expansion): void {
  const dg = e.geom;
  const howo = dg.ho * dg.wo, kk = dg.k * dg.k;
  const ps = e.pw;
  pwStart(ps);
  for (let c = 0; c < ps.geom.cout; c++) {
    zeroF32(e.plane, dg.h * dg.w);
    scatterFilter(e.g + (<usize>(c * howo) << 2), e.w + <usize>(c * kk), dg, e.plane);
    pwStep(ps, c, e.plane);
  }
}

/** block_bwd's operands. */
@unmanaged
export class Block {
  /** pw2's output gradient g' [cout2, Ho*Wo] and weights. */
  g2: usize;
  w2: usize;
  cout2: i32;
  cpg2: i32;
  geom: Geom;
  mask: usize;
  /** The depthwise conv's saved input (its first `n` channels), 0: weights not trained. */
  saved: usize;
  xZero: i32;
  n: i32;
  w: usize;
  b: usize;
  s: usize;
  eff: usize;
  updW: Update;
  updB: Update;
  inputGrad: i32;
  bias: i32;
  xScale: f32;
  /** Scratch: an output plane, an input plane, a k x k row, a padded input plane. */
  outPlane: usize;
  inPlane: usize;
  row: usize;
  padded: usize;
  /** pw1's backward, or null: then the depthwise input gradient goes to gx. */
  pw: PwStream | null;
  gx: usize;
}

/** block_bwd: pw2's input gradient, the depthwise conv's whole backward and pw1's, channel by channel. */
export function blockBackward(bk: Block): void {
  const dg = bk.geom;
  const hwo = dg.ho * dg.wo, hwi = dg.h * dg.w, kk = dg.k * dg.k;
  const out = bk.outPlane, inp = bk.inPlane;
  const ps = bk.pw;
  if (ps) pwStart(ps);
  for (let c = 0; c < dg.cout; c++) {
    zeroF32(out, hwo);
    pointwiseGather(out, bk.g2, bk.w2 + <usize>c, bk.cpg2, bk.cout2, hwo);
    maskScale(out, bk.mask, c * hwo, load<f32>(bk.eff + (<usize>c << 2)), hwo);
    if (bk.inputGrad) {
      zeroF32(inp, hwi);
      scatterFilter(out, bk.w + <usize>(c * kk), dg, inp);
    }
    const s = load<f32>(bk.s + (<usize>c << 2));
    if (bk.saved && c < bk.n) {
      padPlane(bk.saved + <usize>(c * hwi), bk.xZero, dg, bk.padded);
      filterGrad(bk.padded, out, dg, bk.row);
      const div = s * s;
      for (let e = 0; e < kk; e++) updateInt8(bk.w, c * kk + e, load<f32>(bk.row + (<usize>e << 2)), div, bk.updW, c * kk + e);
    }
    if (bk.bias) {
      const sb = s * bk.xScale;
      updateInt32(bk.b, c, sumF32(out, hwo), sb * sb, bk.updB, c);
    }
    if (ps) pwStep(ps, c, inp);
    else if (bk.gx) memory.copy(bk.gx + (<usize>(c * hwi) << 2), inp, <usize>hwi << 2);
  }
}
