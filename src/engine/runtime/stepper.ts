/**
 * A training step run one kernel at a time, for looking inside it: the same kernels, arena, parameters
 * and rounding draws as ArenaExecutor.step (so walking every kernel ends with the same parameters, bit
 * for bit), and after each kernel a snapshot copied out of the arena: which buffers are live (the
 * memory plan's lifetimes and offsets), which the kernel read and wrote, the values it read (copied
 * before it ran) and wrote (after), and the trained parameters it changed, before and after.
 * Nothing in a snapshot is recomputed; it is what the runtime's memory held.
 *
 * Going back re-runs the step from the start (it is deterministic), so no history is kept.
 */
import type { ParamStore } from '../ir/graph.ts';
import type { ConvBinding } from '../kernels/def.ts';
import type { QParams, TypedArray } from '../ir/tensor.ts';
import { rootOf } from '../memory/lifetimes.ts';
import { ALIGN } from '../memory/planner.ts';
import type { TrainingProgram } from '../program/compile.ts';
import type { BufDType, Category, KernelOp, Phase } from '../program/types.ts';
import { arenaViews, DEFAULT_HYPER, loadInput, optimizerState, roundKeys } from './executor.ts';
import { kernelTable } from './backend.ts';
import { runKernel, type ExecEnv, type Hyper } from './kernels.ts';

/** An arena buffer live at the step, where the plan put it, and what the kernel does with it. */
export interface LiveBuffer {
  id: string;
  offset: number;
  /** Its size as the timeline counts it (aligned to the planner's ALIGN). */
  bytes: number;
  category: Category;
  start: number;
  end: number;
  members: string[];
  read: boolean;
  written: boolean;
}

/** A tensor's values as the arena held them. */
export interface TensorSnapshot {
  name: string;
  role: 'read' | 'written';
  dtype: BufDType;
  shape: number[];
  category: Category;
  /** Quantized int8 activations: real = scale * (q - zeroPoint). Absent for float32, int32 and bit tensors. */
  q?: QParams;
  /** The image streamed from outside the arena (schedule/stream-input.ts). */
  external: boolean;
  values: TypedArray;
}

/** A trained parameter the kernel updated in place: its values before and after, and QAS's scales. */
export interface ParamSnapshot {
  param: string;
  /** The conv (or linear) node it belongs to. */
  node: string;
  kind: 'weight' | 'bias' | 'head';
  shape: number[];
  before: TypedArray;
  after: TypedArray;
  /**
   * Quantization-aware scaling: the gradient of output channel c is divided by qasDivisor[c] before
   * the step (s_W[c]^2 for int8 weights, (s_W[c] s_x)^2 for int32 biases). Absent when QAS is off or
   * for the float head.
   */
  qasDivisor?: Float32Array;
  /** Elements that changed. */
  changed: number;
}

export interface StepSnapshot {
  /** The kernel just run (0-based) and the program's kernel count. */
  index: number;
  total: number;
  kernel: { name: string; op: KernelOp; phase: Phase; node: string };
  live: LiveBuffer[];
  /** Sum of the live buffers' bytes: the figure the memory timeline shows at this step. */
  liveBytes: number;
  arenaBytes: number;
  tensors: TensorSnapshot[];
  params: ParamSnapshot[];
  /** The loss, once the kernel that writes it has run. */
  loss: number | null;
}

const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;
const copy = (p: ParamStore): ParamStore => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.slice() as TypedArray]));

/** The kernels that update trained parameters in place (the others only read them). */
const UPDATES = new Set<KernelOp>(['linear_update', 'conv_update_w', 'conv_update_b', 'apply_update_w', 'apply_update_b', 'dw_pw_bwd', 'block_bwd']);

export class Stepper {
  private arena!: ArrayBuffer;
  private views!: Record<string, TypedArray>;
  private params!: ParamStore;
  private state!: ParamStore;
  private env!: ExecEnv;
  /** Kernels run so far. */
  private done = 0;
  private readonly trained: Set<string>;
  /** Each parameter's owner: its node, what it is, and for a conv the binding its update reads. */
  private readonly owners: Map<string, { node: string; kind: ParamSnapshot['kind']; conv?: ConvBinding }>;

  readonly hyper: Hyper;
  /** The step's number (from 0) for the stochastic rounding draws, as ArenaExecutor counts its steps. */
  readonly update: number;
  private readonly initialState: ParamStore | undefined;

  /**
   * Neither `params` nor `opts.state` (momentum buffers carried over from earlier steps) is modified:
   * the stepper works on copies.
   */
  constructor(readonly program: TrainingProgram, private readonly initial: ParamStore, readonly input: Int8Array, readonly label: number,
    opts: { hyper?: Hyper; update?: number; state?: ParamStore } = {}) {
    this.hyper = opts.hyper ?? DEFAULT_HYPER;
    this.update = opts.update ?? 0;
    this.initialState = opts.state;
    this.trained = new Set(program.trainable.map((t) => t.param));
    this.owners = new Map();
    for (const c of Object.values(program.convs)) {
      this.owners.set(c.weight, { node: c.node, kind: 'weight', conv: c });
      this.owners.set(c.bias, { node: c.node, kind: 'bias', conv: c });
    }
    for (const n of program.graph.nodes) if (n.op === 'linear') for (const q of n.inputs.slice(1)) this.owners.set(q, { node: n.name, kind: 'head' });
    this.reset();
  }

  get kernelCount(): number {
    return this.program.kernels.length;
  }

  /** Kernels run so far (the next one to run has this index). */
  get position(): number {
    return this.done;
  }

  /** The parameters as they are now (after the kernels run so far). */
  get currentParams(): ParamStore {
    return this.params;
  }

  /** The optimizer's momentum buffers as they are now. */
  get currentState(): ParamStore {
    return this.state;
  }

  /** Back to before the first kernel: a zeroed arena (as a fresh executor's), the initial parameters, the image loaded. */
  reset(): void {
    this.arena = new ArrayBuffer(this.program.arenaBytes);
    this.views = arenaViews(this.program, this.arena);
    this.params = copy(this.initial);
    this.state = this.initialState ? copy(this.initialState) : optimizerState(this.program);
    loadInput(this.program, this.views, this.input, this.label);
    const params = this.params, state = this.state;
    this.env = {
      buf: (n) => this.views[n], param: (n) => params[n] ?? state[n], hyper: this.hyper, round: true,
      roundKey: roundKeys(this.hyper, this.update, true),
    };
    this.done = 0;
  }

  /** Runs the next kernel and returns what it did; null when the step is complete. */
  next(): StepSnapshot | null {
    if (this.done >= this.program.kernels.length) return null;
    return this.runOne(true);
  }

  /** The snapshot after kernel `index` (0-based): runs forward from here, or from the start when `index` is behind. */
  seek(index: number): StepSnapshot {
    const n = this.program.kernels.length;
    if (!Number.isInteger(index) || index < 0 || index >= n) throw new RangeError(`kernel ${index} is not in 0..${n - 1}`);
    if (index < this.done) this.reset();
    while (this.done < index) this.runOne(false);
    return this.runOne(true)!;
  }

  /** Runs the remaining kernels (the rest of the step). */
  finish(): void {
    while (this.done < this.program.kernels.length) this.runOne(false);
  }

  private runOne(snapshot: boolean): StepSnapshot | null {
    const p = this.program;
    const i = this.done;
    const k = p.kernels[i];
    if (!snapshot) {
      runKernel(kernelTable(this.env.round), k, this.env);
      this.done++;
      return null;
    }
    const readNames = k.inputs.filter((n) => p.tensors[n]);
    const writeNames = k.outputs.filter((n) => p.tensors[n]);
    const reads = readNames.map((n) => this.copy(n, 'read'));
    const trainedHere = UPDATES.has(k.op) ? k.params.filter((n) => this.trained.has(n)) : [];
    const before = trainedHere.map((n) => this.params[n].slice() as TypedArray);
    runKernel(kernelTable(this.env.round), k, this.env);
    this.done++;
    const writes = writeNames.map((n) => this.copy(n, 'written'));
    const readRoots = new Set(readNames.map((n) => rootOf(p.tensors, n)));
    const writeRoots = new Set(writeNames.map((n) => rootOf(p.tensors, n)));
    const live: LiveBuffer[] = p.buffers.filter((b) => b.start <= i && i <= b.end).map((b) => ({
      id: b.id, offset: b.offset, bytes: align(b.bytes), category: b.category, start: b.start, end: b.end, members: [...b.members],
      read: readRoots.has(b.id), written: writeRoots.has(b.id),
    })).sort((a, b) => a.offset - b.offset);
    const g = p.graph;
    return {
      index: i, total: p.kernels.length,
      kernel: { name: k.name, op: k.op, phase: k.phase, node: k.node },
      live, liveBytes: live.reduce((s, b) => s + b.bytes, 0), arenaBytes: p.arenaBytes,
      tensors: [...reads, ...writes],
      params: trainedHere.map((n, j) => this.paramSnapshot(n, before[j])),
      loss: g.loss && this.done > p.kernels.findIndex((x) => x.outputs.includes(g.loss!)) ? this.views[g.loss][0] : null,
    };
  }

  private copy(name: string, role: 'read' | 'written'): TensorSnapshot {
    const t = this.program.tensors[name];
    const gt = this.program.graph.tensors[name];
    return {
      name, role, dtype: t.dtype, shape: [...t.shape], category: t.category, external: !!t.external,
      ...(t.dtype === 'int8' && gt?.q ? { q: { ...gt.q } } : {}),
      values: this.views[name].slice() as TypedArray,
    };
  }

  private paramSnapshot(param: string, before: TypedArray): ParamSnapshot {
    const owner = this.owners.get(param);
    if (!owner) throw new Error(`internal: the trained parameter "${param}" belongs to no conv or head`);
    const { kind, conv } = owner;
    const after = this.params[param].slice() as TypedArray;
    let changed = 0;
    for (let i = 0; i < after.length; i++) if (!Object.is(after[i], before[i])) changed++;
    let qasDivisor: Float32Array | undefined;
    if (conv && (kind === 'weight' ? this.hyper.weight : this.hyper.bias).qas) {
      const sW = this.params[conv.wScales] as Float32Array;
      const sx = kind === 'bias' ? Math.fround(conv.xScale) : 1;
      // As the update kernels compute it (kernels/conv-grad.ts), in float32.
      qasDivisor = Float32Array.from(sW, (s) => {
        const e = Math.fround(s * sx);
        return Math.fround(e * e);
      });
    }
    return { param, node: owner.node, kind, shape: [...this.program.graph.tensors[param].shape], before, after, qasDivisor, changed };
  }
}
