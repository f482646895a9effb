/**
 * Building and running exported C projects (host gcc, arm-none-eabi-gcc, QEMU), and the TypeScript
 * side of the comparison: the same steps in the runtime, with the hashes the C debug trace prints.
 * Shared by tests/codegen.test.ts and bench/firmware.ts.
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CProject, Sample } from '../src/engine/codegen/index.ts';
import { instructionsPerTick } from '../src/engine/codegen/c-project.ts';
import { fnv1a, hex32 } from '../src/engine/codegen/c-format.ts';
import { splitWeight } from '../src/engine/codegen/c-params.ts';
import { tracedOutputs } from '../src/engine/codegen/c-step.ts';
import type { Node, ParamStore } from '../src/engine/ir/graph.ts';
import { numel, type TypedArray } from '../src/engine/ir/tensor.ts';
import { convGeom, taps } from '../src/engine/ops/conv2d.ts';
import type { TrainingProgram } from '../src/engine/program/compile.ts';
import { ArenaExecutor, optimizerState, runReference } from '../src/engine/runtime/executor.ts';
import type { Hyper } from '../src/engine/runtime/kernels.ts';

export function writeProject(files: CProject, dir?: string): string {
  const d = dir ?? mkdtempSync(join(tmpdir(), 'tinytrain-fw-'));
  mkdirSync(d, { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(d, path), text);
  return d;
}

export interface Run { status: number | null; stdout: string; stderr: string }

export function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Run {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function make(dir: string, goal: string, vars: Record<string, string> = {}): Run {
  return run('make', ['-s', '-j4', '-C', dir, goal, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)]);
}

export interface StepLine { step: number; loss: number; bits: string; ticks: number }

/** The `step S loss L bits 0xB ticks T` lines main.c prints. */
export function parseSteps(stdout: string): StepLine[] {
  const out: StepLine[] = [];
  for (const m of stdout.matchAll(/^step (\d+) loss (\S+) bits 0x([0-9a-f]{8}) ticks (\d+)$/gm)) {
    out.push({ step: Number(m[1]), loss: Number(m[2]), bits: m[3], ticks: Number(m[4]) });
  }
  return out;
}

/** `arm-none-eabi-size` (Berkeley): text, data, bss of an ELF. */
export function armSize(elf: string): { text: number; data: number; bss: number } {
  const r = run('arm-none-eabi-size', [elf]);
  const m = /^\s*(\d+)\s+(\d+)\s+(\d+)/m.exec(r.stdout.split('\n')[1] ?? '');
  if (!m) throw new Error(`arm-none-eabi-size: unexpected output ${r.stdout} ${r.stderr}`);
  return { text: Number(m[1]), data: Number(m[2]), bss: Number(m[3]) };
}

/** QEMU prints semihosting output on stderr; `stdout` here is both. `machine`: the QEMU board (TargetSpec.qemuMachine). */
export function runQemu(elf: string, opts: { icount?: boolean; timeoutMs?: number; machine?: string } = {}): Run {
  const r = run('qemu-system-arm', [
    '-M', opts.machine ?? 'mps2-an500', '-nographic', '-semihosting-config', 'enable=on,target=native',
    ...(opts.icount ? ['-icount', 'shift=3'] : []), '-kernel', elf,
  ], { timeoutMs: opts.timeoutMs ?? 300_000 });
  return { ...r, stdout: r.stdout + r.stderr };
}

/**
 * A QEMU board (mps2-an500 unless `machine` says otherwise) running a -DTT_LINK firmware with the
 * link's UART on a free TCP port of this host: `serial` is the index of the -serial option that
 * reaches that UART (the target's uart.qemuSerial), the ones before it go nowhere. QEMU waits for the
 * host to connect before the guest starts. Shared by the link test, its e2e and bench:firmware.
 */
export async function startLinkBoard(elf: string, opts: { icount?: boolean; stdio?: StdioOptions; machine?: string; serial?: number } = {}): Promise<{ port: number; qemu: ChildProcess }> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  const before = Array.from({ length: opts.serial ?? 0 }, () => ['-serial', 'null']).flat();
  const qemu = spawn('qemu-system-arm', ['-M', opts.machine ?? 'mps2-an500', '-display', 'none', '-monitor', 'none', ...(opts.icount ? ['-icount', 'shift=3'] : []),
    '-semihosting-config', 'enable=on,target=native', ...before, '-serial', `tcp:127.0.0.1:${port},server=on,wait=on`, '-kernel', elf], { stdio: opts.stdio ?? 'ignore' });
  return { port, qemu };
}

/** mps2-an500's CMSDK timer (25 MHz) under -icount shift=3 (8 ns an instruction): 5 instructions a tick. */
export const INSTRUCTIONS_PER_TICK = instructionsPerTick(25_000_000);

const bits = (x: number) => hex32(new Uint32Array(new Float32Array([x]).buffer)[0]);
const bytesOf = (v: TypedArray) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/** The trained slice of a parameter as the C keeps it (a conv weight's trained [Cout][n][kh][kw] part). */
function trainedBytes(program: TrainingProgram, params: ParamStore, name: string, elements: number): Uint8Array {
  const g = program.graph;
  const conv = g.nodes.find((n) => n.op === 'conv2d' && n.inputs[1] === name) as Node<'conv2d'> | undefined;
  if (!conv) return bytesOf(params[name]);
  const geom = convGeom(conv, g);
  const kk = taps(geom);
  const n = geom.groups > 1 ? elements / kk : elements / (geom.cout * kk);
  return bytesOf(splitWeight(params[name] as Int8Array, geom, n).trained);
}

export interface TsTrace {
  /** Loss bits per step (arena executor). */
  losses: string[];
  /** `T step tensor` / `P step param` -> hash, as the C debug build prints them. */
  hashes: Map<string, string>;
}

/** Runs `steps` steps over the samples (cycling) in both executors; the arena's losses must equal the reference's. */
export function tsTrace(program: TrainingProgram, init: ParamStore, samples: Sample[], hyper: Hyper, steps: number): TsTrace {
  const copy = (p: ParamStore) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.slice() as TypedArray]));
  const arenaParams = copy(init), refParams = copy(init);
  const arena = new ArenaExecutor(program, arenaParams, hyper);
  const state = optimizerState(program);
  const losses: string[] = [];
  const hashes = new Map<string, string>();
  for (let s = 0; s < steps; s++) {
    const { input, label } = samples[s % samples.length];
    const r = runReference(program, refParams, input, label, { hyper, state, update: s });
    losses.push(bits(arena.step(input, label).loss));
    for (const k of program.kernels) {
      for (const o of tracedOutputs(program, k)) {
        const t = program.tensors[o];
        const rem = numel(t.shape) % 8;
        hashes.set(`T ${s} ${o}`, hex32(fnv1a(bytesOf(r.values[o]), t.dtype === 'bit' && rem ? (1 << rem) - 1 : 0xff)));
      }
    }
    for (const tp of program.trainable) {
      hashes.set(`P ${s} ${tp.param}`, hex32(fnv1a(trainedBytes(program, refParams, tp.param, tp.elements))));
      if (tp.optimizer) hashes.set(`P ${s} ${tp.optimizer}`, hex32(fnv1a(bytesOf(state[tp.optimizer]))));
    }
  }
  return { losses, hashes };
}

/** The `T`/`P` lines of the C debug trace. */
export function parseTrace(stdout: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const x of stdout.matchAll(/^([TP]) (\d+) (\S+) ([0-9a-f]{8})$/gm)) m.set(`${x[1]} ${x[2]} ${x[3]}`, x[4]);
  return m;
}

/** Differences between the TypeScript hashes and the C trace, in kernel order (at most `limit`). */
export function traceDiffs(ts: Map<string, string>, c: Map<string, string>, limit = 10): string[] {
  const out: string[] = [];
  for (const [key, h] of ts) {
    if (c.get(key) !== h) out.push(`${key}: C ${c.get(key) ?? 'missing'}, TypeScript ${h}`);
    if (out.length >= limit) break;
  }
  return out;
}
