// Elementwise backward kernels (twins of src/engine/ops/grad-kernels.ts).

/** out[i] = g[i] if bit i of the clamp mask is set, else 0 (out may be g). */
export function applyMask(g: usize, mask: usize, out: usize, n: i32): void {
  // A mask byte per 8 values: lane l of the low (high) vector keeps g if bit l (l + 4) is set.
  const zero = f32x4.splat(0);
  const lo = i32x4(1, 2, 4, 8), hi = i32x4(16, 32, 64, 128);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const b = i32x4.splat(<i32>load<u8>(mask + <usize>(i >> 3)));
    const at = <usize>i << 2;
    v128.store(out + at, v128.bitselect(v128.load(g + at), zero, i32x4.ne(v128.and(b, lo), zero)));
    v128.store(out + at, v128.bitselect(v128.load(g + at, 16), zero, i32x4.ne(v128.and(b, hi), zero)), 16);
  }
  for (; i < n; i++) {
    const on = (<i32>load<u8>(mask + (i >> 3)) >> (i & 7)) & 1;
    store<f32>(out + (<usize>i << 2), on ? load<f32>(g + (<usize>i << 2)) : 0);
  }
}

/** out[c, e] = g[c, e] * scale[c] over `channels` planes of `per` values (out may be g). */
export function channelScale(g: usize, scale: usize, out: usize, channels: i32, per: i32): void {
  for (let c = 0; c < channels; c++) {
    const s = load<f32>(scale + (<usize>c << 2));
    const sv = f32x4.splat(s);
    const base = <usize>c * <usize>per << 2;
    let e = 0;
    for (; e + 4 <= per; e += 4) {
      const at = base + (<usize>e << 2);
      v128.store(out + at, f32x4.mul(v128.load(g + at), sv));
    }
    for (; e < per; e++) {
      const at = base + (<usize>e << 2);
      store<f32>(out + at, load<f32>(g + at) * s);
    }
  }
}
