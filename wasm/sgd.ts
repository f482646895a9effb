// The int8 weight and int32 bias updates (twins of src/engine/ops/sgd.ts with the counter-based
// stochastic rounding of src/engine/quant/stochastic-round.ts). Every operation the TypeScript does
// in double (the integer parameter minus a float32 step, the rounding) is done in f64 here too.

/** One parameter's update rule, written by the JavaScript side (src/engine/wasm/backward-call.ts). */
@unmanaged
export class Update {
  lr: f32;
  momentum: f32;
  qas: i32;
  /** float32 velocity per trained element, 0: no momentum. */
  velocity: usize;
  /** 1: stochastic rounding with `key`, 0: to nearest. */
  keyed: i32;
  key: u32;
}

function mix32(x: u32): u32 {
  let h = x;
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

const GOLDEN: u32 = 0x9e3779b9;

/** Element `index`'s uniform draw in [0, 1), a multiple of 2^-24. */
function roundDraw(key: u32, index: i32): f64 {
  return <f64>(mix32(key + <u32>index * GOLDEN) >> 8) * 5.9604644775390625e-8;
}

/** The real-valued parameter after one step, before re-quantization (sgd.ts `step`). */
function stepValue(p: f64, grad: f32, qasDiv: f32, u: Update, vi: i32): f64 {
  let g = u.qas ? <f32>(<f64>grad / <f64>qasDiv) : grad;
  const vel = u.velocity;
  if (vel) {
    const at = vel + (<usize>vi << 2);
    g = u.momentum * load<f32>(at) + g;
    store<f32>(at, g);
  }
  return <f64><f32>(p - <f64>(u.lr * g));
}

function requantize(v: f64, u: Update, vi: i32): f64 {
  return u.keyed ? floor<f64>(v + roundDraw(u.key, vi)) : nearest<f64>(v);
}

/** w[i] (int8) after one step with gradient `grad`; `vi` indexes the velocity and the draw. */
export function updateInt8(w: usize, i: i32, grad: f32, qasDiv: f32, u: Update, vi: i32): void {
  const at = w + <usize>i;
  const r = requantize(stepValue(<f64>load<i8>(at), grad, qasDiv, u, vi), u, vi);
  // NaN stores 0, as a JavaScript Int8Array does.
  store<i8>(at, r != r ? 0 : <i8><i32>(r < -128 ? -128 : r > 127 ? 127 : r));
}

/** b[i] (int32) after one step. */
export function updateInt32(b: usize, i: i32, grad: f32, qasDiv: f32, u: Update, vi: i32): void {
  const at = b + (<usize>i << 2);
  const r = requantize(stepValue(<f64>load<i32>(at), grad, qasDiv, u, vi), u, vi);
  store<i32>(at, r != r ? 0 : <i32>(r < -2147483648 ? -2147483648 : r > 2147483647 ? 2147483647 : r));
}
