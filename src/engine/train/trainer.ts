/**
 * The training loop over a compiled program: epochs of shuffled images, batch 1 as on the device or
 * gradient accumulation over a batch (optimizer.ts), a cosine learning rate with linear warmup, QAS,
 * int8 or float32 precision, evaluation on a validation split, divergence detection, pause and cancel.
 *
 * Nothing the caller passed is modified: the trainer works on a copy of the parameters and returns the
 * trained ones. If the loss turns NaN or explodes, training stops with a message and the returned
 * parameters are the last good ones (a snapshot of the trained slices, taken every `snapshotEvery`
 * updates while the loss is sane); a NaN gradient is never applied.
 */
import { InputError } from '../input-error.ts';
import type { Model, ParamStore } from '../ir/graph.ts';
import type { TypedArray } from '../ir/tensor.ts';
import { backendName } from '../runtime/backend.ts';
import { mulberry32 } from '../util/random.ts';
import { EvaluationTally, type Evaluation } from './evaluation.ts';
import { GradRunner, floatParams, gradProgram, type Precision } from './grad-step.ts';
import { cosineLr, SparseSgd, type Rounding } from './optimizer.ts';
import type { Scheme } from './scheme.ts';

export interface Sample {
  input: Int8Array;
  label: number;
}

/** Random access to preprocessed samples (the model's int8 input and a class index). */
export interface SampleSource {
  readonly length: number;
  get(i: number): Sample;
}

export interface TrainOptions {
  epochs: number;
  /** Images per update (gradient accumulation); 1 is the device's batch. */
  batchSize: number;
  lr: { weight: number; bias: number; head: number };
  momentum: number;
  qas: boolean;
  precision: Precision;
  rounding: Rounding;
  /** 'cosine': linear warmup over `warmupSteps` updates, then cosine decay to 0; 'constant': the base rates throughout. */
  schedule: 'cosine' | 'constant';
  warmupSteps: number;
  seed: number;
  /** A loss above this (or NaN) stops training as diverged. */
  maxLoss: number;
  /** Progress events at least every this many images (and at each epoch's end). */
  progressEvery: number;
  /** Snapshot of the trained parameters every this many updates. */
  snapshotEvery: number;
  /** Evaluate on the validation split at each epoch's end (otherwise only at the end). */
  evalEachEpoch: boolean;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  epochs: 1, batchSize: 1, lr: { weight: 0.001, bias: 0.001, head: 0.001 }, momentum: 0, qas: true, precision: 'int8',
  rounding: 'stochastic', schedule: 'cosine', warmupSteps: 50, seed: 1, maxLoss: 100, progressEvery: 20, snapshotEvery: 50, evalEachEpoch: true,
};

export interface Progress {
  phase: 'train' | 'eval' | 'done';
  step: number;
  totalSteps: number;
  epoch: number;
  /** Mean training loss over the images since the last event. */
  loss: number;
  /** Training accuracy over the images since the last event. */
  trainAccuracy: number;
  /** Latest validation accuracy, when evaluated. */
  valAccuracy?: number;
  lr: number;
  imagesPerSecond: number;
  etaSeconds: number;
  /** Which kernels run the int8 arithmetic: WebAssembly SIMD where it runs, else TypeScript (the fp32 baseline is always TypeScript). */
  kernels: 'wasm' | 'typescript';
}

export type TrainStatus = 'completed' | 'cancelled' | 'diverged';

export interface TrainResult {
  status: TrainStatus;
  message: string;
  /** The trained parameters (the last good ones when diverged). fp32 runs return float parameters. */
  params: ParamStore;
  steps: number;
  valAccuracy: number | null;
  valLoss: number | null;
  /** The last evaluation on the validation split (confusion matrix, per-class accuracy, predictions). */
  validation: Evaluation | null;
  history: Progress[];
  seconds: number;
}

/** Pause and cancel from outside the loop (the worker's messages), checked between images. */
export class TrainControl {
  private paused = false;
  private resumeWaiters: (() => void)[] = [];
  cancelled = false;

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.resumeWaiters.splice(0).forEach((f) => f());
  }

  cancel(): void {
    this.cancelled = true;
    this.resume();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Resolves at once, or when resumed / cancelled. */
  wait(): Promise<void> {
    return this.paused ? new Promise((r) => this.resumeWaiters.push(r)) : Promise.resolve();
  }
}

const yieldToEvents = () => new Promise<void>((r) => setTimeout(r, 0));

function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}


export class Trainer {
  readonly options: TrainOptions;
  readonly params: ParamStore;
  private readonly runner: GradRunner;
  /** Names of the parameters the scheme trains. */
  readonly trainedNames: string[];

  constructor(readonly model: Model, readonly scheme: Scheme, options: Partial<TrainOptions> = {}) {
    this.options = { ...DEFAULT_TRAIN_OPTIONS, ...options, lr: { ...DEFAULT_TRAIN_OPTIONS.lr, ...options.lr } };
    const o = this.options;
    if (!(o.batchSize >= 1 && Number.isInteger(o.batchSize))) throw new InputError(`batch size must be a whole number of at least 1, got ${o.batchSize}`);
    if (!(o.epochs > 0)) throw new InputError(`epochs must be positive, got ${o.epochs}`);
    const program = gradProgram(model.graph, scheme, o.precision);
    this.params = o.precision === 'fp32' ? floatParams(model.params) : copyParams(model.params);
    this.runner = new GradRunner(program, this.params, o.precision);
    this.trainedNames = [...new Set(program.trainable.map((t) => t.param))];
  }

  /** Accuracy, mean loss, confusion matrix and predictions of the current parameters on a split. */
  async evaluate(data: SampleSource, control?: TrainControl): Promise<Evaluation> {
    const g = this.model.graph;
    const tally = new EvaluationTally(g.tensors[g.logits].shape[0]);
    for (let i = 0; i < data.length; i++) {
      if (control?.cancelled) break;
      const s = data.get(i);
      tally.add(i, s.label, this.runner.forward(s.input));
      if (i % 64 === 63) await yieldToEvents();
    }
    return tally.result();
  }

  async run(data: { train: SampleSource; val?: SampleSource }, hooks: { onProgress?: (p: Progress) => void; control?: TrainControl } = {}): Promise<TrainResult> {
    const o = this.options;
    const { train, val } = data;
    if (train.length === 0) throw new InputError('the training split is empty');
    const control = hooks.control ?? new TrainControl();
    const opt = new SparseSgd({ lr: o.lr, momentum: o.momentum, qas: o.qas, rounding: o.rounding, precision: o.precision, seed: o.seed });
    const perEpoch = train.length;
    const totalImages = Math.ceil(o.epochs * perEpoch);
    const totalUpdates = Math.ceil(totalImages / o.batchSize);
    const rand = mulberry32(o.seed);
    const lrAt = (t: number) => (o.schedule === 'constant' ? 1 : cosineLr(t, totalUpdates, o.warmupSteps));
    const history: Progress[] = [];
    let snapshot = this.snapshot();
    let updates = 0, seen = 0;
    let winLoss = 0, winCorrect = 0, winN = 0;
    let valAccuracy: number | null = null, valLoss: number | null = null;
    let validation: Evaluation | null = null;
    let busyMs = 0;
    const t0 = performance.now();
    let tick = performance.now(), lastYield = tick;
    const kernels: Progress['kernels'] = backendName(o.precision === 'int8');
    const emit = (phase: Progress['phase'], epoch: number) => {
      const rate = busyMs > 0 ? (seen / busyMs) * 1000 : 0;
      const p: Progress = {
        phase, step: seen, totalSteps: totalImages, epoch, loss: winN ? winLoss / winN : NaN, trainAccuracy: winN ? winCorrect / winN : NaN,
        ...(valAccuracy !== null ? { valAccuracy } : {}), lr: lrAt(updates) * o.lr.weight,
        imagesPerSecond: rate, etaSeconds: rate > 0 ? (totalImages - seen) / rate : NaN, kernels,
      };
      history.push(p);
      hooks.onProgress?.(p);
      winLoss = winCorrect = winN = 0;
    };
    const finish = (status: TrainStatus, message: string): TrainResult => ({
      status, message, params: this.params, steps: seen, valAccuracy, valLoss, validation, history, seconds: (performance.now() - t0) / 1000,
    });
    const diverged = (why: string) => {
      this.restore(snapshot);
      return finish('diverged', `training stopped at image ${seen + 1}: ${why}; the weights are the last good ones (from update ${snapshot.update})`);
    };

    for (let epoch = 0; seen < totalImages; epoch++) {
      const order = shuffled(perEpoch, rand);
      for (let k = 0; k < perEpoch && seen < totalImages; k++) {
        if (control.cancelled || control.isPaused) {
          busyMs += performance.now() - tick;
          await control.wait();
          tick = performance.now();
          if (control.cancelled) return finish('cancelled', `cancelled after ${seen} of ${totalImages} images; the weights are those of update ${updates}`);
        }
        const s = train.get(order[k]);
        let finite = true;
        const r = this.runner.step(s.input, s.label, (g) => {
          if (finite && !opt.accumulate(g)) finite = false;
        });
        if (!Number.isFinite(r.loss) || !finite) return diverged(`the ${!Number.isFinite(r.loss) ? 'loss' : 'gradient'} is not a number`);
        if (r.loss > o.maxLoss) return diverged(`the loss exploded to ${r.loss.toPrecision(3)} (limit ${o.maxLoss})`);
        opt.endImage();
        seen++;
        winLoss += r.loss;
        winN++;
        if (argmax(r.logits) === s.label) winCorrect++;
        if (opt.pending >= o.batchSize || seen === totalImages) {
          opt.apply(this.params, lrAt(updates));
          updates++;
          if (updates % o.snapshotEvery === 0) snapshot = this.snapshot(updates);
        }
        if (seen % o.progressEvery === 0) {
          busyMs += performance.now() - tick;
          tick = performance.now();
          emit('train', epoch);
        }
        if (performance.now() - lastYield > 50) {
          await yieldToEvents();
          lastYield = performance.now();
        }
      }
      if (winN) emit('train', epoch);
      if (val && val.length && (o.evalEachEpoch || seen >= totalImages)) {
        busyMs += performance.now() - tick;
        const ev = await this.evaluate(val, control);
        tick = performance.now();
        if (control.cancelled) return finish('cancelled', `cancelled during evaluation after ${seen} of ${totalImages} images`);
        valAccuracy = ev.accuracy;
        valLoss = ev.loss;
        validation = ev;
        emit('eval', epoch);
      }
    }
    emit('done', Math.ceil(o.epochs) - 1);
    return finish('completed', `trained ${seen} images in ${updates} updates${valAccuracy !== null ? `; validation accuracy ${(valAccuracy * 100).toFixed(1)}%` : ''}`);
  }

  private snapshot(update = 0): { update: number; values: Record<string, TypedArray> } {
    return { update, values: Object.fromEntries(this.trainedNames.map((n) => [n, this.params[n].slice()])) };
  }

  private restore(s: { values: Record<string, TypedArray> }): void {
    for (const [n, v] of Object.entries(s.values)) this.params[n].set(v);
  }
}

/**
 * Zeroes a float32 classifier head (a new head for a new task): every class starts equal, the first
 * gradients are small and well-scaled, and the run does not depend on a random head.
 */
export function zeroFloatHead(model: Model): Model {
  const lin = model.graph.nodes.find((n) => n.op === 'linear');
  if (!lin) return model;
  const params = { ...model.params };
  for (const p of lin.inputs.slice(1)) params[p] = new Float32Array(params[p].length);
  return { ...model, params };
}

export function copyParams(p: ParamStore): ParamStore {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.slice() as TypedArray]));
}

function shuffled(n: number, rand: () => number): Int32Array {
  const a = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
