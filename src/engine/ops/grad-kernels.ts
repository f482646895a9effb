/**
 * Elementwise backward kernels every op's gradient rule shares: the clamp mask, the per-channel
 * scale and gradient accumulation. All work in place (the output may be the input's buffer).
 * Float32 throughout, rounded after every operation, in the order the C kernels use.
 */
const f32 = Math.fround;

/** Bit i of a mask says whether element i's pre-clamp value was inside [-128, 127]. */
export function setMaskBit(mask: Uint8Array, i: number, inRange: boolean): void {
  if (inRange) mask[i >> 3] |= 1 << (i & 7);
  else mask[i >> 3] &= ~(1 << (i & 7));
}

/** g_out = g where the clamp passed the value, 0 where it saturated (the straight-through estimator). */
export function applyMask(g: Float32Array, mask: Uint8Array, out: Float32Array): void {
  for (let i = 0; i < g.length; i++) out[i] = (mask[i >> 3] >> (i & 7)) & 1 ? g[i] : 0;
}

/** out[c, ...] = g[c, ...] * scale[c]: the per-output-channel effective scale of a requantization. */
export function channelScale(g: Float32Array, scale: Float32Array, out: Float32Array): void {
  const per = g.length / scale.length;
  for (let c = 0, i = 0; c < scale.length; c++) {
    const s = scale[c];
    for (let e = 0; e < per; e++, i++) out[i] = f32(g[i] * s);
  }
}

/** out = a + b (out may be a). */
export function accumulate(a: Float32Array, b: Float32Array, out: Float32Array): void {
  for (let i = 0; i < a.length; i++) out[i] = f32(a[i] + b[i]);
}

/** out = g * alpha (out may be g). */
export function scaleInto(g: Float32Array, alpha: number, out: Float32Array): void {
  const a = f32(alpha);
  for (let i = 0; i < g.length; i++) out[i] = f32(g[i] * a);
}
