/**
 * What the step-through worker exposes (Comlink): open a training step of the project's model on one
 * demo image, then the snapshot after any kernel (runtime/stepper.ts). The worker compiles the same
 * program the page shows (compileTraining is deterministic) and refuses to go on if its kernels differ.
 */
import { loadDemoDataset } from '../src/engine/data/demo-dataset.ts';
import { imageToInput, type RawImage } from '../src/engine/data/preprocess.ts';
import { InputError } from '../src/engine/input-error.ts';
import type { Graph, ParamStore } from '../src/engine/ir/graph.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import type { Hyper } from '../src/engine/runtime/kernels.ts';
import { Stepper, type StepSnapshot } from '../src/engine/runtime/stepper.ts';
import { inputPreview } from '../src/engine/train/evaluation.ts';
import type { Scheme } from '../src/engine/train/scheme.ts';

export interface StepJob {
  graph: Graph;
  params: ParamStore;
  scheme: Scheme;
  budgets: { sramBytes: number; flashBytes: number };
  /** The page's kernel names, to check the worker compiled the same program. */
  kernels: string[];
  /** The demo images (public/demo/fashion-demo.bin). */
  data: Uint8Array;
  /** The demo image the step trains on. */
  image: number;
  /** Ordinary training steps run first, on the demo images after it, so the step is not the very first. */
  warmup: number;
  /** One learning rate for weights, biases and the head, as the Train tab sets it. */
  lr: number;
}

export interface StepOpened {
  kernels: number;
  image: RawImage;
  label: number;
  className: string;
  /** The stochastic rounding step number of the step shown (= warm-up steps run). */
  update: number;
}

export interface StepApi {
  open(job: StepJob): Promise<StepOpened>;
  seek(index: number): Promise<StepSnapshot>;
}

/** The most warm-up steps the page may ask for (each is a whole training step). */
export const MAX_WARMUP = 500;

export function createStepApi(): StepApi {
  let stepper: Stepper | null = null;
  return {
    async open(job) {
      stepper = null;
      const program = compileTraining(job.graph, job.scheme, { sramBudget: job.budgets.sramBytes, flashBudget: job.budgets.flashBytes });
      const names = program.kernels.map((k) => k.name);
      if (names.length !== job.kernels.length || names.some((n, i) => n !== job.kernels[i])) {
        throw new Error('the worker compiled another program than the page shows; reopen the Step view');
      }
      if (!Number.isInteger(job.warmup) || job.warmup < 0 || job.warmup > MAX_WARMUP) throw new InputError(`warm-up steps must be 0 to ${MAX_WARMUP}, got ${job.warmup}`);
      if (!(job.lr > 0 && job.lr <= 1)) throw new InputError(`the learning rate must be in (0, 1], got ${job.lr}`);
      const set = loadDemoDataset(job.data);
      const g = program.graph;
      const classes = g.tensors[g.logits].shape[0];
      const usable = Array.from({ length: set.count }, (_, i) => i).filter((i) => set.label(i) < classes);
      if (usable.length === 0) throw new InputError(`no demo image has a label below the model's ${classes} classes`);
      const at = usable.indexOf(job.image);
      if (at < 0) throw new InputError(`demo image ${job.image} is not one of the ${usable.length} usable images`);
      const spec = g.tensors[g.input];
      const hyper: Hyper = {
        weight: { lr: job.lr, momentum: 0, qas: true }, bias: { lr: job.lr, momentum: 0, qas: true }, head: { lr: job.lr, momentum: 0, qas: false },
        rounding: { mode: 'stochastic', seed: 1 },
      };
      let params = job.params, state: ParamStore | undefined;
      for (let s = 0; s < job.warmup; s++) {
        const i = usable[(at + 1 + s) % usable.length];
        const w = new Stepper(program, params, imageToInput(set.image(i), spec), set.label(i), { hyper, update: s, state });
        w.finish();
        params = w.currentParams;
        state = w.currentState;
      }
      const input = imageToInput(set.image(job.image), spec);
      const label = set.label(job.image);
      stepper = new Stepper(program, params, input, label, { hyper, update: job.warmup, state });
      return { kernels: program.kernels.length, image: inputPreview(input, spec), label, className: set.classNames[label] ?? String(label), update: job.warmup };
    },
    async seek(index) {
      if (!stepper) throw new Error('no step is open');
      return stepper.seek(index);
    },
  };
}
