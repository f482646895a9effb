// Elementwise backward kernels (twins of src/engine/ops/grad-kernels.ts).

/** out[i] = g[i] if bit i of the clamp mask is set, else 0 (out may be g). */
export function applyMask(g: usize, mask: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
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
