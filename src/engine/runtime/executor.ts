/**
 * Two executors of one training program. The arena executor runs it the way the device does: every
 * arena tensor is a view at its planned offset into one ArrayBuffer. The reference executor gives
 * every tensor a buffer of its own, so a wrong plan (two live tensors overlapping) or a wrong in-place
 * kernel shows up as the two disagreeing.
 */
import type { Graph, ParamStore } from '../ir/graph.ts';
import { allocate, numel, type TypedArray } from '../ir/tensor.ts';
import { rootOf } from '../memory/lifetimes.ts';
import type { TrainingProgram } from '../program/compile.ts';
import { forwardKernelCount, type ProgramTensor } from '../program/types.ts';
import { paramKey, roundingId, updateKey } from '../quant/stochastic-round.ts';
import { kernelTable } from './backend.ts';
import { runKernel, type ExecEnv, type Hyper } from './kernels.ts';

/** The device's defaults: stochastic rounding, as the trainer (round to nearest loses almost every update at these rates). */
export const DEFAULT_HYPER: Hyper = {
  weight: { lr: 0.0008, momentum: 0, qas: true },
  bias: { lr: 0.0004, momentum: 0, qas: true },
  head: { lr: 0.0008, momentum: 0, qas: false },
  rounding: { mode: 'stochastic', seed: 1 },
};

/** The stochastic rounding keys of step `update` (0, 1, ...): none in float mode or with rounding to nearest. */
export function roundKeys(hyper: Hyper, update: number, round: boolean): ExecEnv['roundKey'] {
  const r = hyper.rounding;
  if (!round || !r || r.mode === 'nearest') return undefined;
  const u = updateKey(r.seed, update);
  return (param) => paramKey(u, roundingId(param));
}

export interface StepResult {
  loss: number;
  logits: Float32Array;
}

/** One image's prediction: the logits as the head writes them (int8 or float32) and their argmax. */
export interface Prediction {
  /** The class of the largest logit (the first of equal ones). */
  predicted: number;
  /** The head's own logits: int8 for an int8 head, float32 for a float head (a copy). */
  raw: Int8Array | Float32Array;
  /** The logits as float32 (an int8 head's dequantized). */
  logits: Float32Array;
}

/** The class of the largest logit, the first of equal ones (the firmware's rule, tt_link.c). */
export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let k = 1; k < logits.length; k++) if (logits[k] > logits[best]) best = k;
  return best;
}

/** Momentum buffers for every trained parameter slice that has one. */
export function optimizerState(program: TrainingProgram): ParamStore {
  const state: ParamStore = {};
  for (const t of program.trainable) if (t.optimizer) state[t.optimizer] = new Float32Array(t.elements);
  return state;
}

function view(buf: ArrayBuffer, offset: number, t: ProgramTensor): TypedArray {
  const n = numel(t.shape);
  switch (t.dtype) {
    case 'int8': return new Int8Array(buf, offset, n);
    case 'int32': return new Int32Array(buf, offset, n);
    case 'float32': return new Float32Array(buf, offset, n);
    case 'bit': return new Uint8Array(buf, offset, Math.ceil(n / 8));
  }
}

/** Every arena tensor of the program as a view at its planned offset into `arena`. */
export function arenaViews(program: TrainingProgram, arena: ArrayBuffer): Record<string, TypedArray> {
  const views: Record<string, TypedArray> = {};
  const offsets = new Map(program.buffers.map((b) => [b.id, b.offset]));
  for (const t of Object.values(program.tensors)) {
    const off = offsets.get(rootOf(program.tensors, t.name));
    if (off !== undefined) views[t.name] = view(arena, off, t);
  }
  return views;
}

/**
 * Puts the image and the label where the step reads them. A streamed image (schedule/stream-input.ts)
 * is not copied: the first chain reads its rows from the caller's array, as the device reads a camera.
 */
export function loadInput(program: TrainingProgram, views: Record<string, TypedArray>, input: Int8Array | Float32Array, label: number): void {
  const g = program.graph;
  const t = program.tensors[g.input];
  if (input.length !== numel(t.shape)) throw new Error(`the input has ${input.length} values, the model expects ${t.shape.join('x')}`);
  if (t.external) views[g.input] = input;
  else views[g.input].set(input);
  views[g.label!][0] = label;
}

function logitsOf(values: (n: string) => TypedArray, g: Graph): Float32Array {
  const v = values(g.logits);
  const q = g.tensors[g.logits].q;
  return Float32Array.from(v, (x) => (q ? (x - q.zeroPoint) * q.scale : x));
}

function run(program: TrainingProgram, env: ExecEnv, count = program.kernels.length): void {
  const table = kernelTable(env.round);
  for (let i = 0; i < count; i++) runKernel(table, program.kernels[i], env);
}

/** Runs training steps on one arena, updating `params` in place. */
export class ArenaExecutor {
  readonly arena: ArrayBuffer;
  private readonly views: Record<string, TypedArray>;
  private readonly state: ParamStore;
  /** Steps run so far: the update number of the stochastic rounding draws. */
  private updates = 0;

  /**
   * `resume`: training goes on from a point other than the start, as a board's weights record gives
   * it (firmware/weights-record.ts recordState and its step count): the momentum buffers (copied) and
   * the steps run so far (the next rounding draws').
   */
  constructor(readonly program: TrainingProgram, readonly params: ParamStore, public hyper: Hyper = DEFAULT_HYPER,
    resume: { state?: ParamStore; steps?: number } = {}) {
    this.arena = new ArrayBuffer(program.arenaBytes);
    this.views = arenaViews(program, this.arena);
    this.state = optimizerState(program);
    for (const [name, v] of Object.entries(resume.state ?? {})) {
      if (!this.state[name] || this.state[name].length !== v.length) throw new Error(`resume: ${name} is not a momentum buffer of this program`);
      this.state[name].set(v);
    }
    this.updates = resume.steps ?? 0;
  }

  /** One training step (forward, backward, in-place updates) on one image. */
  step(input: Int8Array, label: number): StepResult {
    const g = this.program.graph;
    loadInput(this.program, this.views, input, label);
    const env: ExecEnv = {
      buf: (n) => this.views[n], param: (n) => this.params[n] ?? this.state[n], hyper: this.hyper, round: true,
      roundKey: roundKeys(this.hyper, this.updates++, true),
    };
    run(this.program, env);
    return { loss: this.views[g.loss!][0], logits: logitsOf((n) => this.views[n], g) };
  }

  /**
   * The forward pass alone on one image: the step's kernels up to the logits (forwardKernelCount), in
   * the same arena, nothing updated and no rounding draw taken; the firmware's tt_predict.
   */
  predict(input: Int8Array): Prediction {
    const g = this.program.graph;
    loadInput(this.program, this.views, input, 0);
    const env: ExecEnv = { buf: (n) => this.views[n], param: (n) => this.params[n] ?? this.state[n], hyper: this.hyper, round: true };
    run(this.program, env, forwardKernelCount(this.program.kernels, g.logits));
    const logits = logitsOf((n) => this.views[n], g);
    const raw = this.views[g.logits];
    return { predicted: argmax(logits), raw: raw instanceof Int8Array ? raw.slice() : Float32Array.from(raw), logits };
  }
}

export interface ReferenceRun extends StepResult {
  /** Every tensor's value after the step, by name. */
  values: Record<string, TypedArray>;
}

/**
 * Runs one step with a separate buffer per tensor. `round: false` is float mode: activations and
 * parameters become float32 and nothing is rounded, for checking gradients by finite differences.
 * `update`: the step's number (from 0) for the stochastic rounding draws, as the arena executor counts.
 */
export function runReference(program: TrainingProgram, params: ParamStore, input: Int8Array | Float32Array, label: number,
  opts: { hyper?: Hyper; round?: boolean; state?: ParamStore; update?: number } = {}): ReferenceRun {
  const round = opts.round ?? true;
  const g = program.graph;
  const values: Record<string, TypedArray> = {};
  for (const t of Object.values(program.tensors)) {
    const n = numel(t.shape);
    values[t.name] = t.dtype === 'bit' ? new Uint8Array(Math.ceil(n / 8)) : !round && t.dtype === 'int8' ? new Float32Array(n) : allocate(t.dtype, n);
  }
  values[g.input].set(input);
  values[g.label!][0] = label;
  const state = opts.state ?? optimizerState(program);
  const hyper = opts.hyper ?? DEFAULT_HYPER;
  const env: ExecEnv = {
    buf: (n) => values[n], param: (n) => params[n] ?? state[n], hyper, round, roundKey: roundKeys(hyper, opts.update ?? 0, round),
  };
  run(program, env);
  return { values, loss: values[g.loss!][0], logits: logitsOf((n) => values[n], g) };
}
