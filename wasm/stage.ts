// The stage record of a conv (filled by src/engine/wasm/conv-forward.ts): i32 words, pointers are byte offsets.

export const CIN = 0, H = 1, W = 2, COUT = 3, HO = 4, WO = 5, CPG = 6, K = 7, STRIDE = 8, PAD = 9, GROUPS = 10;
export const XZERO = 11, YZERO = 12, WEIGHT = 13, BIAS = 14, EFF = 15;
/** Where the rows are read and written: row y of channel c at base + c * channel stride + (y % rows) * width. */
export const SRC = 16, SRC_CS = 17, SRC_ROWS = 18, DST = 19, DST_CS = 20, DST_ROWS = 21;
/** The clamp mask (0: none) and the packed pointwise weight or splatted taps (set by convPrepare, 0: none). */
export const MASK = 22, PACKED = 23;
export const REC_WORDS = 24;

export function get(rec: usize, field: i32): i32 {
  return load<i32>(rec + (<usize>field << 2));
}
