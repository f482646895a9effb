/**
 * The exported C project runs the same training step as the TypeScript runtime:
 * (a) built with the host's gcc and -fsanitize=address,undefined, every tensor every kernel writes and
 *     every trained parameter (and momentum buffer) after every step hash the same as in the reference
 *     executor, and the losses equal the arena executor's bit for bit;
 * (b) built with arm-none-eabi-gcc for the STM32F746 it fits the SRAM budget and 1 MB of Flash, and a
 *     budget too small fails the link naming the region;
 * (c) on QEMU's mps2-an500 (Cortex-M7) it prints the TypeScript runtime's loss sequence, and its debug
 *     trace (the Cortex-M7 paths: SMLAD, VCVTR, VLDM) hashes every tensor as the TypeScript does.
 * A reduced resolution keeps it fast; learning rates are large enough that every step moves weights.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCProject, syntheticSamples, zipCProject, type Target } from '../src/engine/codegen/index.ts';
import { targetSpec } from '../src/engine/codegen/c-target.ts';
import { backboneConvs, type Graph } from '../src/engine/ir/graph.ts';
import { buildGraph, type HeadKind } from '../src/engine/models/build.ts';
import { syntheticParams } from '../src/engine/models/synthetic.ts';
import { zooArch } from '../src/engine/models/zoo.ts';
import { STACK_RESERVE } from '../src/engine/firmware/static-objects.ts';
import { chipTarget } from '../src/engine/targets.ts';
import { compileTraining, type CompileOptions } from '../src/engine/program/compile.ts';
import { DEFAULT_HYPER } from '../src/engine/runtime/executor.ts';
import type { Hyper } from '../src/engine/runtime/kernels.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import type { Scheme } from '../src/engine/train/scheme.ts';
import { armSize, make, parseSteps, parseTrace, run, runQemu, traceDiffs, tsTrace, writeProject } from './firmware.ts';
import { requireTool } from './require-tool.ts';

const RES = 48;
const MPS2_SRAM = chipTarget('mps2-an500')!.sramBytes;
const STEPS = 4;
/** Stochastic rounding of the updates (the firmware's default) unless told otherwise. */
const hyper = (momentum: number, rounding: Hyper['rounding'] = { mode: 'stochastic', seed: 5 }): Hyper => ({
  weight: { lr: 0.05, momentum, qas: true },
  bias: { lr: 0.02, momentum, qas: true },
  head: { lr: 0.01, momentum, qas: false },
  rounding,
});

const dirs: string[] = [];
afterAll(() => {
  if (process.env.TINYTRAIN_KEEP_FIRMWARE) return;
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setup(model: string, scheme: string | Scheme, opts: CompileOptions = {}, head: HeadKind = 'float32', momentum = false, resolution = RES) {
  const g: Graph = buildGraph(zooArch(model), { resolution, classes: 10, head });
  const s = typeof scheme === 'string' ? builtinScheme(scheme, backboneConvs(g).length)! : scheme;
  const program = compileTraining(g, { ...s, momentum }, opts);
  const params = syntheticParams(g, 7);
  const samples = syntheticSamples(g, 2, 11);
  return { g, program, params, samples };
}

function project(target: Target, x: ReturnType<typeof setup>, h: Hyper | undefined, extra: { sramBudget?: number; steps?: number } = {}): string {
  const dir = writeProject(exportCProject(x.program, x.params, x.samples, { target, hyper: h, steps: STEPS, ...extra }));
  dirs.push(dir);
  return dir;
}

const hasGcc = requireTool('gcc') && requireTool('libc6-dev');
const hasArm = requireTool('arm-none-eabi-gcc') && requireTool('newlib') && requireTool('arm-none-eabi-size');
const hasQemu = hasArm && requireTool('qemu-system-arm');

/** Builds a project's -DTT_DEBUG firmware and runs two steps on a QEMU board: every tensor hash and loss equal the TypeScript runtime's. */
function qemuTraceMatches(x: ReturnType<typeof setup>, h: Hyper, dir: string, machine?: string) {
  const build = make(dir, 'all', { EXTRA_CFLAGS: '-DTT_DEBUG' });
  expect(build.status, build.stderr).toBe(0);
  const r = runQemu(join(dir, 'build/firmware.elf'), { machine, timeoutMs: 120_000 });
  expect(r.status, r.stdout.slice(-2000)).toBe(0);
  const ts = tsTrace(x.program, x.params, x.samples, h, 2);
  const c = parseTrace(r.stdout);
  expect(traceDiffs(ts.hashes, c)).toEqual([]);
  expect(c.size).toBe(ts.hashes.size);
  const steps = parseSteps(r.stdout);
  expect(steps.map((s) => s.bits)).toEqual(ts.losses);
  return steps;
}

/** Builds and runs the host debug build; its trace and losses equal the TypeScript runtime's (h undefined: the export's default). */
function hostMatches(x: ReturnType<typeof setup>, h: Hyper | undefined, steps: number) {
  // Some variants (no reordering, momentum, every conv trained) need more than 256 KB: the mps2-an500's 4 MB.
  const dir = project('mps2-an500', x, h, { steps, sramBudget: MPS2_SRAM });
  const build = make(dir, 'host-debug');
  expect(build.status, build.stderr).toBe(0);
  const r = make(dir, 'run-host-debug');
  expect(r.status, r.stderr.slice(0, 2000)).toBe(0);
  const ts = tsTrace(x.program, x.params, x.samples, h ?? DEFAULT_HYPER, steps);
  const c = parseTrace(r.stdout);
  expect(traceDiffs(ts.hashes, c)).toEqual([]);
  expect(c.size).toBe(ts.hashes.size);
  expect(parseSteps(r.stdout).map((s) => s.bits)).toEqual(ts.losses);
  return { dir, c, losses: parseSteps(r.stdout) };
}

describe('(a) host build with sanitizers matches the TypeScript runtime bit for bit', () => {
  const cases: [string, string | Scheme, CompileOptions, number, HeadKind, number?][] = [
    ['mcunet-5fps', 'mcunet-5fps@99kb', {}, 0, 'float32'],
    ['mbv2-w0.35', 'mbv2-w0.35@99kb', {}, 0.9, 'float32'],
    ['proxyless-w0.3', 'proxyless-w0.3@98kb', { reorder: false }, 0, 'float32'],
    ['mcunet-5fps', 'mcunet-5fps@49kb', { fuseRows: false, inPlace: false }, 0.9, 'float32'],
    // The fused first block reading the whole image from the arena instead of streaming its rows.
    ['mbv2-w0.35', 'mbv2-w0.35@99kb', { streamInput: false }, 0, 'float32'],
    ['mbv2-w0.35', { nBias: 6, weights: { 47: 1, 48: '1/2', 50: 1 }, head: 'int8', momentum: false }, {}, 0, 'int8'],
    // The streamed block backward (block_bwd), explicitly on and off whatever the default.
    ['mcunet-5fps', 'mcunet-5fps@99kb', { fuseBlockBackward: true }, 0.9, 'float32'],
    ['mcunet-5fps', 'mcunet-5fps@99kb', { fuseBlockBackward: false }, 0, 'float32'],
    ['mbv2-w0.35', 'mbv2-w0.35@99kb', { fuseBlockBackward: true }, 0, 'float32'],
    ['proxyless-w0.3', 'proxyless-w0.3@98kb', { fuseBlockBackward: true }, 0.9, 'float32'],
    // Every block shape (block 0 without pw1, strides, kernel sizes), every conv trained.
    ['mcunet-5fps', 'full', { fuseBlockBackward: true }, 0.9, 'float32', 32],
    ['mbv2-w0.35', 'full', { fuseBlockBackward: true }, 0, 'float32', 32],
    ['proxyless-w0.3', 'full', { fuseBlockBackward: true, inPlace: false }, 0.9, 'float32', 32],
    // No conv2d kernel calls (every conv in the fused chains): the step's unused workspace table still compiles.
    ['mcunet-5fps', 'head-only', {}, 0, 'float32', 32],
    // Every chain's rings split where they can (schedule/fuse-rows.ts: splitRing).
    ['proxyless-w0.3', 'proxyless-w0.3@98kb', { splitRingsAbove: 0 }, 0, 'float32'],
    ['mcunet-5fps', 'mcunet-5fps@99kb', { splitRingsAbove: 0 }, 0, 'float32'],
  ];
  for (const [model, scheme, opts, momentum, head, resolution = RES] of cases) {
    const label = `${model} ${typeof scheme === 'string' ? scheme : 'int8 head'} ${JSON.stringify(opts)}${momentum ? ' momentum' : ''}` +
      `${resolution !== RES ? ` at ${resolution}x${resolution}` : ''}`;
    it.skipIf(!hasGcc)(label, () => {
      const x = setup(model, scheme, opts, head, momentum > 0, resolution);
      if (opts.splitRingsAbove !== undefined) expect(x.program.kernels.some((k) => k.op === 'conv_chain' && k.attrs.split)).toBe(true);
      if (opts.fuseBlockBackward !== undefined) expect(x.program.kernels.some((k) => k.op === 'block_bwd')).toBe(opts.fuseBlockBackward);
      // Streamed unless turned off, rows are not fused, or the stem trains (its weight gradient needs the image).
      const streamed = opts.streamInput !== false && opts.fuseRows !== false && scheme !== 'full';
      expect(!!x.program.inputStream).toBe(streamed);
      const { dir, c } = hostMatches(x, hyper(momentum), STEPS);
      // The streamed ring is traced like any tensor the chain writes; the image has no arena copy.
      expect(c.has('T 0 input:rows')).toBe(streamed);
      expect(/tt_input\(void\)/.test(readFileSync(join(dir, 'tt_step.c'), 'utf8'))).toBe(!streamed);
    });
  }
});

describe('(a) at 128x128 (the 4x4 and 8x8 kernel paths)', () => {
  it.skipIf(!hasGcc)('mcunet-5fps mcunet-5fps@99kb, two steps', () => {
    hostMatches(setup('mcunet-5fps', 'mcunet-5fps@99kb', {}, 'float32', false, 128), hyper(0), 2);
  });
  it.skipIf(!hasGcc)('proxyless-w0.3 proxyless-w0.3@98kb, two steps (residual chains writing their output over their input)', () => {
    const x = setup('proxyless-w0.3', 'proxyless-w0.3@98kb', {}, 'float32', false, 128);
    const chains = x.program.kernels.filter((k) => k.op === 'conv_chain');
    expect(chains.some((k) => x.program.tensors[k.outputs[0]].aliasOf === k.inputs[0])).toBe(true);
    hostMatches(x, hyper(0), 2);
  });
});

describe('(a) update rounding', () => {
  it.skipIf(!hasGcc)('round to nearest is still selectable, and draws otherwise than stochastic rounding', () => {
    const x = setup('mcunet-5fps', 'mcunet-5fps@99kb', { fuseBlockBackward: true });
    const nearest = hostMatches(x, hyper(0, { mode: 'nearest' }), STEPS).c;
    expect(nearest).not.toEqual(hostMatches(x, hyper(0), STEPS).c);
  });

  it.skipIf(!hasGcc)('the export\'s defaults (stochastic rounding at the device\'s rates) over the embedded samples\' steps', () => {
    hostMatches(setup('mcunet-5fps', 'mcunet-5fps@99kb'), undefined, 8);
  });
});

describe('(b) STM32F746 firmware', () => {
  it.skipIf(!hasArm)('fits the SRAM budget and 1 MB of Flash; a budget too small is refused by the export and fails the link naming RAM', () => {
    const x = setup('mcunet-5fps', 'mcunet-5fps@99kb');
    const budget = x.program.options.sramBudget;
    const dir = project('stm32f746', x, hyper(0));
    const build = make(dir, 'all');
    expect(build.status, build.stderr).toBe(0);
    const size = armSize(join(dir, 'build/firmware.elf'));
    // data + bss includes the stack reserve (.stack is NOLOAD, counted as bss).
    expect(size.data + size.bss).toBeLessThanOrEqual(budget);
    expect(size.data + size.bss).toBeGreaterThanOrEqual(x.program.arenaBytes);
    expect(size.text + size.data).toBeLessThanOrEqual(1024 * 1024);

    expect(() => project('stm32f746', x, hyper(0), { sramBudget: 16 * 1024 })).toThrow(/SRAM, the budget is 16,384: missing /);
    // The linker script's RAM region is the budget: a region too small fails the link, naming it.
    const ld = join(dir, 'stm32f746.ld');
    writeFileSync(ld, readFileSync(ld, 'utf8').replace(/(RAM\s+\(rwx\) : ORIGIN = 0x20000000, LENGTH = )\d+/, '$116384'));
    const fail = make(dir, 'all');
    expect(fail.status).not.toBe(0);
    expect(fail.stderr).toMatch(/region `RAM' overflowed/);
  });

  it('exports a zip with every file under one folder', () => {
    const x = setup('mcunet-5fps', 'mcunet-5fps@99kb');
    const files = exportCProject(x.program, x.params, x.samples, { target: 'stm32f746' });
    const zip = zipCProject(files, 'fw');
    expect(zip[0]).toBe(0x50);
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['Makefile', 'stm32f746.ld', 'startup.c', 'main.c', 'tt_step.c', 'tt_kernels.c',
      'tt_params.c', 'README.md', 'memory_report.json']));
    expect(JSON.parse(files['memory_report.json']).arenaBytes).toBe(x.program.arenaBytes);
  });
});

describe('(d) the other Cortex-M classes on their QEMU boards: M4F (mps2-an386), M33 (mps2-an505), M55 (mps3-an547)', () => {
  for (const target of ['mps2-an386', 'mps2-an505', 'mps3-an547'] as const) {
    it.skipIf(!hasQemu)(`${target}: builds with -Wall -Wextra -Werror for its core and hashes every tensor as the TypeScript runtime`, () => {
      const x = setup('mcunet-5fps', 'mcunet-5fps@99kb');
      const h = hyper(0.9);
      const dir = project(target, x, h, { steps: 2 });
      const spec = targetSpec(target, x.program.options.sramBudget, STACK_RESERVE);
      expect(readFileSync(join(dir, 'Makefile'), 'utf8')).toContain(`ARCH = ${spec.cflags}`);
      const steps = qemuTraceMatches(x, h, dir, spec.qemuMachine);
      // The board's timer counts (a wrong timer address reads as 0 ticks).
      expect(steps.every((s) => s.ticks > 0)).toBe(true);
      // The M55's build has its Helium (MVE) paths: VMLADAVA in the pointwise convs (the compiler's
      // assembly for the core's flags: objdump 2.40 does not decode MVE).
      const asm = run('arm-none-eabi-gcc', [...spec.cflags.split(' '), '-O2', '-std=c11', '-ffp-contract=off', '-S', '-o', '-', join(dir, 'tt_kernels.c')]);
      expect(asm.status, asm.stderr).toBe(0);
      expect(/\tvmladava\.s16\t/.test(asm.stdout), `${target}: Helium paths`).toBe(target === 'mps3-an547');
    });
  }

  it.skipIf(!hasQemu || !requireTool('cmake'))('the CMake project builds the same firmware as the Makefile (mps2-an505)', () => {
    const x = setup('mcunet-5fps', 'mcunet-5fps@99kb');
    const h = hyper(0);
    const dir = project('mps2-an505', x, h, { steps: 2 });
    expect(make(dir, 'all').status).toBe(0);
    const configure = run('cmake', ['-S', dir, '-B', join(dir, 'build-cmake')]);
    expect(configure.status, configure.stderr).toBe(0);
    const build = run('cmake', ['--build', join(dir, 'build-cmake'), '-j', '2']);
    expect(build.status, build.stderr).toBe(0);
    expect(armSize(join(dir, 'build-cmake/firmware.elf'))).toEqual(armSize(join(dir, 'build/firmware.elf')));
    const r = runQemu(join(dir, 'build-cmake/firmware.elf'), { machine: 'mps2-an505', timeoutMs: 120_000 });
    expect(r.status, r.stdout.slice(-2000)).toBe(0);
    expect(parseSteps(r.stdout).map((s) => s.bits)).toEqual(tsTrace(x.program, x.params, x.samples, h, 2).losses);
  });
});

describe('(c) QEMU mps2-an500 (Cortex-M7)', () => {
  it.skipIf(!hasQemu)('prints the TypeScript runtime loss sequence', () => {
    const x = setup('proxyless-w0.3', 'proxyless-w0.3@98kb');
    const h = hyper(0);
    const dir = project('mps2-an500', x, h);
    const build = make(dir, 'all');
    expect(build.status, build.stderr).toBe(0);
    expect(existsSync(join(dir, 'build/firmware.elf'))).toBe(true);
    const r = runQemu(join(dir, 'build/firmware.elf'), { timeoutMs: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const ts = tsTrace(x.program, x.params, x.samples, h, STEPS);
    expect(parseSteps(r.stdout).map((s) => s.bits)).toEqual(ts.losses);
    expect(r.stdout).toMatch(/^done$/m);
    // The painted stack reserve was not exhausted (an overflow would run into .bss).
    const used = Number(/^stack used (\d+) bytes$/m.exec(r.stdout)?.[1]);
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThan(STACK_RESERVE);
  });

  const traced: [string, string, CompileOptions, number, number][] = [
    ['mcunet-5fps', 'mcunet-5fps@99kb', {}, 0, RES],
    // Residual chains writing their output over their input.
    ['proxyless-w0.3', 'proxyless-w0.3@98kb', {}, 0, RES],
    // Split rings (schedule/fuse-rows.ts: splitRing) in every chain that has one.
    ['mbv2-w0.35', 'mbv2-w0.35@99kb', { splitRingsAbove: 0 }, 0, RES],
    ['mbv2-w0.35', 'full', { fuseBlockBackward: true }, 0.9, 32],
  ];
  for (const [model, scheme, opts, momentum, resolution] of traced) {
    it.skipIf(!hasQemu)(`hashes every tensor as the TypeScript runtime: ${model} ${scheme} at ${resolution}x${resolution}`, () => {
      const x = setup(model, scheme, opts, 'float32', momentum > 0, resolution);
      if (opts.splitRingsAbove !== undefined) expect(x.program.kernels.some((k) => k.op === 'conv_chain' && k.attrs.split)).toBe(true);
      const h = hyper(momentum);
      qemuTraceMatches(x, h, project('mps2-an500', x, h, { steps: 2, sramBudget: MPS2_SRAM }));
    });
  }
});
