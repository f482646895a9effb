/**
 * Stochastic rounding of parameter updates with a counter-based draw: the uniform number that rounds
 * element `index` of parameter `id` at update `update` is a hash of (seed, update, id, index), not the
 * next number of a stream. So the order in which the updates are applied does not matter: the trainer
 * (SparseSgd, after the batch) and the device program (in place, inside the backward, channel by
 * channel) draw the same number for the same element, and the exported C (tt_kernels.c: tt_mix32,
 * tt_round_key, tt_draw) computes it with the same uint32 operations.
 *
 * The draw u is a multiple of 2^-24 in [0, 1), exact in float32; the rounding is floor(v + u) with
 * the sum in double (exact for int8 values; for int32 biases the one double rounding C does too), so
 * a value lands on the integer above with probability equal to its fraction: unbiased.
 */
import { rint } from './arith.ts';
import { hashString } from '../util/random.ts';

export type UpdateRounding = { mode: 'nearest' } | { mode: 'stochastic'; seed: number };

/** murmur3's 32-bit finalizer: a bijection of uint32 that mixes every input bit into every output bit. */
function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const GOLDEN = 0x9e3779b9;

/** A parameter's rounding id: the hash of its name (the C project has it as a literal). */
export const roundingId = hashString;

/** The key of one update (0, 1, ... per optimizer step) under a seed; C: tt_round_key. */
export function updateKey(seed: number, update: number): number {
  return mix32(((seed ^ 0x5eed) + Math.imul(update, GOLDEN)) >>> 0);
}

/** The key of one parameter within one update. */
export function paramKey(updateKeyValue: number, id: number): number {
  return mix32((updateKeyValue ^ id) >>> 0);
}

/** Element `index`'s uniform draw in [0, 1) under a parameter key; C: tt_draw. */
export function roundDraw(key: number, index: number): number {
  return (mix32((key + Math.imul(index, GOLDEN)) >>> 0) >>> 8) * 2 ** -24;
}

/**
 * The integer an updated value v (a float32) is re-quantized to: rint(v) with no key, otherwise
 * floor(v + u) with element `index`'s draw under `key`.
 */
export function requantize(v: number, key: number | undefined, index: number): number {
  return key === undefined ? rint(v) : Math.floor(v + roundDraw(key, index));
}
