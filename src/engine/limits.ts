/**
 * Every bound on outside input, decided once: file sizes, JSON nesting, image sizes, zip archives,
 * architectures, quantization numbers and memory budgets. Readers check them before they allocate
 * or compute anything that scales with the input, so the CLI, the page and the workers refuse the
 * same things with the same sentence: the file, the field, the value and the limit.
 *
 * The architecture limits are generous multiples of what any target can hold (the largest target
 * has 4 MB of SRAM and Flash; the paper's models have 0.5 MB of parameters and activations of at
 * most 128 KB at 128x128): a design over budget still compiles and shows by how much, while no
 * file or edit can make the page allocate gigabytes or freeze for minutes.
 */
import { InputError } from './input-error.ts';
import type { ArchSpec } from './models/arch.ts';
import { convOutSize } from './ops/conv2d.ts';

export const KB = 1024;
export const MB = 1024 * KB;

/** The most bytes read from one file of each kind (and, for a dataset, from all its files together). */
export const FILE_LIMITS = {
  /** .pkl and .ttw model files (the paper's are 0.6 to 1 MB). */
  model: 64 * MB,
  scheme: 1 * MB,
  /** A project file carries its model file base64-encoded (4/3 of its size). */
  project: 96 * MB,
  /** One PNG or JPEG. */
  image: 64 * MB,
  /** An .npy input of `tinytrain grad`. */
  npy: 64 * MB,
  /** All files of a dataset folder, or all inflated entries of a dataset zip, together. */
  dataset: 512 * MB,
  /** The shipped demo images, the MNIST and Fashion-MNIST IDX files. */
  builtinData: 256 * MB,
} as const;

/**
 * The `.tflite` reader's bounds. A file past any of them is refused with one sentence before work
 * proportional to the excess is done. They are far above what a model for a 256 KB microcontroller
 * needs (the largest shipped model has 129 tensors in a 600 KB file), and low enough that reading a
 * hostile file stays within milliseconds and a few times the file's size.
 */
export const TFLITE_LIMITS = {
  /** Largest file read (bytes). */
  maxFileBytes: FILE_LIMITS.model,
  /** Entries of Model.subgraphs, operator_codes, buffers; of SubGraph.tensors, operators. */
  maxSubgraphs: 64,
  maxOperatorCodes: 1024,
  maxBuffers: 65_536,
  maxTensors: 65_536,
  maxOperators: 65_536,
  /** Inputs or outputs of one operator or of the subgraph (CONCATENATION may take many). */
  maxOperands: 256,
  /** Rank of a tensor shape. */
  maxRank: 8,
  /** Elements of one tensor (int8 activations of a 256 KB model are far below). */
  maxTensorElements: 64 * 1024 * 1024,
  /** Bytes of a name or description kept (longer ones are refused, not cut). */
  maxStringBytes: 4096,
  /** Entries of a quantization scale / zero-point vector (one per channel). */
  maxQuantChannels: 65_536,
} as const;

/**
 * A general graph held in a .ttw header (models/weights-graph.ts): counts checked before the graph is
 * built. The largest shipped general graph has 40 tensors and 13 nodes; a model for a 256 KB part
 * has far fewer than these.
 */
export const TTW_GRAPH_LIMITS = {
  tensors: 4096,
  nodes: 2048,
  /** Inputs or outputs of one node (a concatenation may take many). */
  operands: TFLITE_LIMITS.maxOperands,
  /** Rank of a tensor shape (activations C x H x W, weights OIHW). */
  rank: 4,
  /** Characters of a tensor or node name. */
  nameChars: 64,
} as const;

/** Nesting of any JSON document read from outside (schemes nest 3 deep, project files 5). */
export const MAX_JSON_DEPTH = 32;
/** Model, architecture and project names. */
export const MAX_NAME_CHARS = 128;
/** Entries of a zip archive (central directory records). */
export const MAX_ZIP_ENTRIES = 100_000;

export const IMAGE_LIMITS = {
  /** Either side of one image, from its header. */
  side: 16384,
  /** Pixels of one image (4096 x 4096; a 12-megapixel photo fits): decoded RGBA takes 4 to 8 bytes each. */
  pixels: 2 ** 24,
  /** Pixels decoded for a whole dataset (bounds the time spent decoding). */
  datasetPixels: 2 ** 31,
  /** Pixels kept for a whole dataset once each image is shrunk for storage (bounds its memory). */
  datasetKeptPixels: 2 ** 28,
  /** Files in a dataset folder or zip. */
  files: 100_000,
} as const;

export const ARCH_LIMITS = {
  resolution: { min: 8, max: 1024 },
  classes: { min: 2, max: 10_000 },
  inChannels: { min: 1, max: 4 },
  /** Channels of any conv (the paper's widest has 576). */
  channels: 4096,
  kernel: 15,
  stride: 4,
  blocks: 64,
  /** One int8 activation (the paper's largest at 1024x1024 is 12 MB). */
  activationBytes: 16 * MB,
  /** All forward activations together. */
  activationsBytes: 128 * MB,
  /** All parameters (int8 weights, int32 biases, float32 scales and head). */
  paramBytes: 16 * MB,
  /** Multiply-accumulates of one forward pass (mcunet-5fps at 1024x1024 takes 1.4 G). */
  macs: 2 ** 34,
} as const;

/**
 * Quantization numbers. Scales outside these ranges are corrupt: quantization-aware scaling divides
 * gradients by (s_w s_x)^2, which must stay a finite float32 (the paper's files span 4e-9 to 0.16).
 */
export const QUANT_LIMITS = {
  activationScale: { min: 1e-8, max: 1e4 },
  weightScale: { min: 1e-12, max: 1e4 },
  /** int8 activations: the zero point is an int8 value. */
  zeroPoint: { min: -128, max: 127 },
  /** |w| of a float32 head weight or bias. */
  floatParam: 1e6,
} as const;

/** SRAM and Flash budgets: from a small part's 1 KB to far above any microcontroller's memory. */
export const BUDGET_LIMITS = { min: 1 * KB, max: 64 * MB } as const;

/** "64 MB", "512 KB", "100 bytes": how a limit is named in messages. */
export function formatLimit(bytes: number): string {
  const unit = (u: number, name: string) => `${(bytes / u).toLocaleString('en-US', { maximumFractionDigits: bytes % u ? 1 : 0 })} ${name}`;
  if (bytes >= MB) return unit(MB, 'MB');
  if (bytes >= KB) return unit(KB, 'KB');
  return `${bytes} bytes`;
}

const count = (n: number) => n.toLocaleString('en-US');
const fail = (msg: string): never => {
  throw new InputError(msg);
};

/** Refuses a file (or a total) larger than its limit, before it is read. */
export function checkFileSize(what: string, bytes: number, limit: number): void {
  if (bytes > limit) fail(`${what} is ${formatLimit(bytes)}, more than the ${formatLimit(limit)} allowed`);
}

/** A whole number in [min, max], or one sentence naming the field. */
export function checkInt(field: string, v: unknown, min: number, max: number, unit = ''): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) return fail(`${field} must be a whole number, got ${show(v)}`);
  if (v < min || v > max) return fail(`${field} is ${count(v)}${unit}, outside the allowed ${count(min)} to ${count(max)}`);
  return v;
}

/** A short, printable rendering of an untrusted value for messages. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') {
    const s = JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
    return s.replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  return typeof v;
}

/** A SRAM or Flash budget in bytes. */
export function checkBudget(field: string, bytes: unknown): number {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return fail(`${field} must be a number of bytes, got ${show(bytes)}`);
  if (bytes < BUDGET_LIMITS.min || bytes > BUDGET_LIMITS.max) {
    return fail(`${field} is ${formatLimit(Math.round(bytes))}, outside the allowed ${formatLimit(BUDGET_LIMITS.min)} to ${formatLimit(BUDGET_LIMITS.max)}`);
  }
  return Math.round(bytes);
}

/** An int8 activation's scale and zero point. */
export function checkActivationQuant(field: string, q: unknown): { scale: number; zeroPoint: number } {
  if (typeof q !== 'object' || q === null) return fail(`${field} must be a scale and a zero point, got ${show(q)}`);
  const { scale, zeroPoint } = q as { scale?: unknown; zeroPoint?: unknown };
  const { min, max } = QUANT_LIMITS.activationScale;
  if (typeof scale !== 'number' || !(scale >= min && scale <= max)) {
    fail(`${field}.scale is ${show(scale)}; an activation scale must be a number from ${min} to ${max}`);
  }
  checkInt(`${field}.zeroPoint`, zeroPoint, QUANT_LIMITS.zeroPoint.min, QUANT_LIMITS.zeroPoint.max);
  return { scale: scale as number, zeroPoint: zeroPoint as number };
}

/** Per-channel weight scales: each finite and in range. */
export function checkWeightScales(field: string, scales: ArrayLike<number>): void {
  const { min, max } = QUANT_LIMITS.weightScale;
  for (let i = 0; i < scales.length; i++) {
    const s = scales[i];
    if (!(s >= min && s <= max)) fail(`${field}[${i}] is ${show(s)}; a weight scale must be a number from ${min} to ${max}`);
  }
}

/** Float32 head parameters: finite and of sane magnitude. */
export function checkFloatParams(field: string, values: ArrayLike<number>): void {
  const m = QUANT_LIMITS.floatParam;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= -m && v <= m)) fail(`${field}[${i}] is ${show(v)}; a float parameter must be finite and at most ${m} in magnitude`);
  }
}

export interface ArchShape {
  resolution: number;
  classes: number;
  head?: 'float32' | 'int8';
}

/**
 * Checks an architecture at an input size against ARCH_LIMITS, before any graph or tensor exists:
 * every field in range, blocks consistent (a residual keeps size and channels, a block without pw1
 * keeps its input width), and what it would cost (activations, parameters, MACs) within bounds.
 * Fields are named as in the JSON ("blocks[3].mid").
 */
export function checkArchitecture(arch: ArchSpec, shape: ArchShape): void {
  const L = ARCH_LIMITS;
  const res = checkInt('resolution', shape.resolution, L.resolution.min, L.resolution.max);
  const classes = checkInt('classes', shape.classes, L.classes.min, L.classes.max);
  if (typeof arch.name !== 'string' || arch.name.length > MAX_NAME_CHARS) fail(`name must be a text of at most ${MAX_NAME_CHARS} characters`);
  const inC = checkInt('inChannels', arch.inChannels, L.inChannels.min, L.inChannels.max);
  if (!Array.isArray(arch.blocks) || arch.blocks.length < 1 || arch.blocks.length > L.blocks) {
    fail(`blocks must be a list of 1 to ${L.blocks} blocks, got ${show(arch.blocks)}`);
  }
  const channels = (f: string, v: unknown) => checkInt(f, v, 1, L.channels, ' channels');
  const kernel = (f: string, v: unknown) => checkInt(f, v, 1, L.kernel);
  const stride = (f: string, v: unknown) => checkInt(f, v, 1, L.stride);

  let actBytes = inC * res * res;
  let paramBytes = 0;
  let macs = 0;
  let h = res;
  let cin = inC;
  /** One conv's output size and costs; `field` names it in messages. */
  const conv = (field: string, cout: number, k: number, s: number, groups: number) => {
    const ho = convOutSize(h, k, s, (k - 1) >> 1);
    if (!(ho >= 1)) fail(`${field}: the input of ${h}x${h} is too small for kernel ${k} and stride ${s} (resolution ${res} is too small for this architecture)`);
    const out = cout * ho * ho;
    if (out > L.activationBytes) {
      fail(`${field}: its output of ${count(cout)} x ${ho} x ${ho} takes ${formatLimit(out)}, more than the ${formatLimit(L.activationBytes)} one activation may take`);
    }
    actBytes += out;
    paramBytes += cout * (cin / groups) * k * k + 8 * cout;
    macs += cout * (cin / groups) * k * k * ho * ho;
    h = ho;
    cin = cout;
  };

  const stem = arch.stem;
  if (typeof stem !== 'object' || stem === null) fail(`stem must be an object, got ${show(stem)}`);
  conv('stem', channels('stem.out', stem.out), kernel('stem.kernel', stem.kernel), stride('stem.stride', stem.stride), 1);
  arch.blocks.forEach((b, i) => {
    const f = `blocks[${i}]`;
    if (typeof b !== 'object' || b === null) fail(`${f} must be an object, got ${show(b)}`);
    const mid = channels(`${f}.mid`, b.mid), out = channels(`${f}.out`, b.out);
    const k = kernel(`${f}.kernel`, b.kernel), s = stride(`${f}.stride`, b.stride);
    if (typeof b.expand !== 'boolean' || typeof b.residual !== 'boolean') fail(`${f}.expand and ${f}.residual must be true or false`);
    const blockIn = cin;
    if (!b.expand && mid !== blockIn) fail(`${f}.mid is ${mid} but must equal the block's ${blockIn} input channels when it has no expansion conv`);
    if (b.residual && (s !== 1 || out !== blockIn)) {
      fail(`${f}.residual needs stride 1 and as many output as input channels (it has stride ${s}, ${blockIn} -> ${out} channels)`);
    }
    if (b.expand) conv(`${f} (expansion conv)`, mid, 1, 1, 1);
    conv(`${f} (depthwise conv)`, mid, k, s, mid);
    conv(`${f} (projection conv)`, out, 1, 1, 1);
    if (b.residual) actBytes += out * h * h;
  });
  paramBytes += shape.head === 'int8' ? classes * cin + 8 * classes : 4 * (classes * cin + classes);
  if (actBytes > L.activationsBytes) {
    fail(`its activations at ${res}x${res} take ${formatLimit(actBytes)}, more than the ${formatLimit(L.activationsBytes)} allowed`);
  }
  if (paramBytes > L.paramBytes) fail(`its parameters take ${formatLimit(paramBytes)}, more than the ${formatLimit(L.paramBytes)} allowed`);
  if (macs > L.macs) fail(`one forward pass at ${res}x${res} takes ${count(macs)} multiply-accumulates, more than the ${count(L.macs)} allowed`);
}
