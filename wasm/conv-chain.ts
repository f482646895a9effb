// The fused row-by-row conv chain (twin of runConvChain in src/engine/runtime/conv-chain.ts): every
// stage computes the rows its consumer asks for, in order, into its ring; a streamed input is copied
// into its ring as the first conv asks for its rows; the last conv's rows may go through the residual
// add. One call runs the whole chain. The header and stage records are filled by
// src/engine/wasm/conv-forward.ts.
import { addInt8 } from './add';
import { convPrepare, convRow } from './conv-forward';
import { COUT, H, HO, K, PAD, REC_WORDS, STRIDE, WO } from './stage';

// Header: i32 words; the stage records (REC_WORDS each) follow at word HEADER.
const STAGES = 0, INPUT = 1, RING = 2, RING_ROWS = 3, IN_C = 4, IN_H = 5, IN_W = 6, OUTPUT = 7, ADD_ROW = 8;
const HEADER = 16;

function word(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

let desc: usize = 0;
let next: usize = 0;
let loaded = 0;
let rowWork: usize = 0;
let addA: f32 = 0, addB: f32 = 0, addY: f32 = 0;
let zeroA = 0, zeroB = 0, zeroY = 0;

function stage(i: i32): usize {
  return desc + (<usize>(HEADER + i * REC_WORDS) << 2);
}

/** Copies image rows up to `upTo` into the input ring (the camera's next lines). */
function loadInput(upTo: i32): void {
  const ring = <usize>word(desc, RING), rows = word(desc, RING_ROWS);
  const c = word(desc, IN_C), h = word(desc, IN_H), w = word(desc, IN_W), input = <usize>word(desc, INPUT);
  for (; loaded <= upTo; loaded++) {
    for (let ch = 0; ch < c; ch++) {
      memory.copy(ring + <usize>(ch * rows * w + (loaded % rows) * w), input + <usize>((ch * h + loaded) * w), <usize>w);
    }
  }
}

function ensure(i: i32, upTo: i32, last: i32): void {
  const rec = stage(i);
  const h = word(rec, H), k = word(rec, K), s = word(rec, STRIDE), pad = word(rec, PAD);
  const at = next + (<usize>i << 2);
  while (load<i32>(at) <= upTo) {
    const oy = load<i32>(at);
    store<i32>(at, oy + 1);
    const need = min(h - 1, oy * s - pad + k - 1);
    if (i > 0) ensure(i - 1, need, last);
    else if (word(desc, RING)) loadInput(need);
    convRow(rec, oy, rowWork);
    if (i == last && word(desc, ADD_ROW)) addRow(rec, oy);
  }
}

/** output[:, oy, :] = add(block input row, conv row), channel by channel. */
function addRow(rec: usize, oy: i32): void {
  const c = word(rec, COUT), h = word(rec, HO), w = word(rec, WO);
  const input = <usize>word(desc, INPUT), output = <usize>word(desc, OUTPUT), row = <usize>word(desc, ADD_ROW);
  for (let ch = 0; ch < c; ch++) {
    const at = <usize>(ch * h * w + oy * w);
    addInt8(input + at, addA, zeroA, row + <usize>(ch * w), addB, zeroB, output + at, addY, zeroY, 0, w);
  }
}

/** Runs the chain described at `d` (scratch from `work` up); the add's scales and zero points are arguments. */
export function convChain(d: usize, work: usize, sa: f32, za: i32, sb: f32, zb: i32, sy: f32, zy: i32): void {
  desc = d;
  addA = sa; zeroA = za; addB = sb; zeroB = zb; addY = sy; zeroY = zy;
  const m = word(d, STAGES);
  next = work;
  work += <usize>(m * 4 + 15) & ~15;
  for (let i = 0; i < m; i++) {
    store<i32>(next + (<usize>i << 2), 0);
    work = convPrepare(stage(i), work);
  }
  rowWork = work;
  loaded = 0;
  const last = m - 1;
  ensure(last, word(stage(last), HO) - 1, last);
}
