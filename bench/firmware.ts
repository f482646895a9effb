/**
 * `npm run bench:firmware`: the exported training firmware of the paper's three models at 128x128,
 * 10 classes, with their ~100 KB schemes. For each: static SRAM (data + bss, stack included) and
 * Flash (text + data) of the STM32F746 link, and instructions per training step counted on QEMU's
 * mps2-an500 (Cortex-M7) with -icount shift=3 and the CMSDK timer, against the published figures
 * (REFERENCE.md): peak memory (Fig. 10) and latency at 216 MHz (546 ms = ~118M cycles for MCUNet).
 * A second table gives the instructions per step of each kind of kernel (a -DTT_PROFILE build, which
 * reads the timer around every kernel call); a third, instructions per step on each Cortex-M class's
 * QEMU board (M4F mps2-an386, M7 mps2-an500, M33 mps2-an505, M55 mps3-an547), each run checked
 * against the TypeScript runtime's losses, with the M55 run twice: its Helium (MVE) paths and, built
 * with -DTT_NO_MVE, its portable (SMLAD) paths, and the ratio; a fourth, the SRAM and Flash each real
 * board's export links to (engine/targets.ts, platform 'board'), or the region's overflow when the
 * scheme does not fit the board.
 * The serial link (docs/serial-protocol.md): the same three exported for mps2-an500 with -DTT_LINK and
 * driven from Node over a TCP serial port under -icount shift=3, training samples and predictions
 * sent one at a time. Measured: the instructions of each step and each prediction (the board's timer
 * ticks in its TRAINED and PREDICTED answers) and the bytes each crosses the link. QEMU's CMSDK UART
 * does not model a baud rate, so the link's time is computed from those bytes at 8N1 (10 bits a byte)
 * at 115,200 and 921,600 baud, the compute's at 216 MHz, one instruction a cycle (the STM32F746's
 * clock): samples (predictions) per second = 1 / (link + compute), the host waiting for each answer.
 * Options: --steps N (default 2; the reported count is the median), --keep (keep the build folders),
 * --workspace KB (each kernel's guaranteed workspace in the arena; default the compiler's), --headroom KB
 * (how far the workspaces may raise the arena above the other buffers' plan; default the compiler's, 0;
 * "whole" gives every kernel its whole workspace),
 * --link-samples N (samples and predictions over the link, default 4; the median is used), --link-only
 * (the link's tables alone).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { exportCProject, syntheticSamples, type Target } from '../src/engine/codegen/index.ts';
import { instructionsPerTick } from '../src/engine/codegen/c-project.ts';
import { targetSpec } from '../src/engine/codegen/c-target.ts';
import { CHIP_TARGETS } from '../src/engine/targets.ts';
import { InputError } from '../src/engine/input-error.ts';
import { backboneConvs } from '../src/engine/ir/graph.ts';
import { buildGraph } from '../src/engine/models/build.ts';
import { syntheticParams } from '../src/engine/models/synthetic.ts';
import { zooArch } from '../src/engine/models/zoo.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { armSize, INSTRUCTIONS_PER_TICK, make, parseSteps, runQemu, startLinkBoard, tsTrace, writeProject } from '../tests/firmware.ts';
import { openLink } from '../src/cli/link-client.ts';
import { parseHello, parsePredicted, parseTrained, predictFrame, trainFrame } from '../src/engine/firmware/link-protocol.ts';
import { DEFAULT_HYPER } from '../src/engine/runtime/executor.ts';

const CASES = [
  { model: 'mcunet-5fps', scheme: 'mcunet-5fps@99kb', paperKB: 173, paperMs: 546 },
  { model: 'mbv2-w0.35', scheme: 'mbv2-w0.35@99kb', paperKB: 141, paperMs: 373 },
  { model: 'proxyless-w0.3', scheme: 'proxyless-w0.3@98kb', paperKB: 135, paperMs: 443 },
];
const MHZ = 216;
const TARGET_INSTRUCTIONS = 100e6;

const args = process.argv.slice(2);
const steps = Number(args[args.indexOf('--steps') + 1] || 2) || 2;
const keep = args.includes('--keep');
/** --workspace KB: the one-step workspace each kernel is guaranteed in the arena (default: the compiler's). */
const wsArg = args.indexOf('--workspace');
const workspaceBytes = wsArg >= 0 ? Number(args[wsArg + 1]) * 1024 : undefined;
const hrArg = args.indexOf('--headroom');
const workspaceHeadroom = hrArg < 0 ? undefined : args[hrArg + 1] === 'whole' ? Infinity : Number(args[hrArg + 1]) * 1024;
const linkCount = Number(args[args.indexOf('--link-samples') + 1] || 4) || 4;
const linkOnly = args.includes('--link-only');

const kb = (n: number) => (n / 1024).toFixed(1);
const m = (n: number) => (n / 1e6).toFixed(1);
const rows: string[][] = [];
/** Per case: kernel op -> instructions per step (profile build). */
const profiles: Map<string, number>[] = [];
/** The other cores' boards (the M7 is the main table's run). */
const CORE_BOARDS = CHIP_TARGETS.filter((t) => t.build?.qemuMachine && t.id !== 'mps2-an500').map((t) => t.id as Target);
/** Per case: the board's core -> instructions per step, or why not. */
const perCore: Map<string, string>[] = [];
/** The real boards: per case, board -> "SRAM KB / Flash KB" linked, or the export's overflow. */
const BOARDS = CHIP_TARGETS.filter((t) => t.build?.platform === 'board');
const perBoard: Map<string, string>[] = [];
/** Per case: the M55's instructions per step with and without Helium. */
const helium: { mve: number; portable: number; same: boolean }[] = [];
if (!linkOnly) for (const c of CASES) {
  const g = buildGraph(zooArch(c.model), { resolution: 128, classes: 10 });
  const program = compileTraining(g, builtinScheme(c.scheme, backboneConvs(g).length)!, { workspaceBytes, workspaceHeadroom });
  const params = syntheticParams(g, 1);
  const samples = syntheticSamples(g, 1, 3);
  const stm = writeProject(exportCProject(program, params, samples, { target: 'stm32f746', steps }));
  const b1 = make(stm, 'all');
  if (b1.status !== 0) throw new Error(`${c.model}: stm32f746 build failed: ${b1.stderr}`);
  const size = armSize(join(stm, 'build/firmware.elf'));
  const qemu = writeProject(exportCProject(program, params, samples, { target: 'mps2-an500', steps }));
  const b2 = make(qemu, 'all');
  if (b2.status !== 0) throw new Error(`${c.model}: mps2-an500 build failed: ${b2.stderr}`);
  const r = runQemu(join(qemu, 'build/firmware.elf'), { icount: true, timeoutMs: 1_800_000 });
  const lines = parseSteps(r.stdout);
  if (r.status !== 0 || lines.length !== steps) throw new Error(`${c.model}: QEMU run failed (${r.status}): ${r.stdout.slice(-2000)}`);
  const ts = tsTrace(program, params, samples, DEFAULT_HYPER, steps);
  const match = lines.every((l, i) => l.bits === ts.losses[i]);
  const ticks = lines.map((l) => l.ticks).sort((a, b) => a - b)[Math.floor(lines.length / 2)];
  const insns = ticks * INSTRUCTIONS_PER_TICK;
  const paperCycles = c.paperMs * 1e-3 * MHZ * 1e6;
  rows.push([
    c.scheme, kb(program.report.peakSramBytes), kb(size.data + size.bss), String(c.paperKB), kb(size.text + size.data),
    m(insns), m(paperCycles), insns < TARGET_INSTRUCTIONS ? 'yes' : 'NO', match ? 'yes' : 'NO',
  ]);
  // The per-kernel profile: the same project with the timer read around each kernel call.
  const prof = writeProject(exportCProject(program, params, samples, { target: 'mps2-an500', steps }));
  const b3 = make(prof, 'all', { EXTRA_CFLAGS: '-DTT_PROFILE' });
  if (b3.status !== 0) throw new Error(`${c.model}: profile build failed: ${b3.stderr}`);
  const rp = runQemu(join(prof, 'build/firmware.elf'), { icount: true, timeoutMs: 1_800_000 });
  const byOp = new Map<string, number>();
  const opOf = new Map(program.kernels.map((k) => [k.name, k.op]));
  for (const mm of rp.stdout.matchAll(/^K (\S+) (\d+)$/gm)) {
    const op = opOf.get(mm[1]) ?? mm[1];
    byOp.set(op, (byOp.get(op) ?? 0) + (Number(mm[2]) * INSTRUCTIONS_PER_TICK) / steps);
  }
  if (byOp.size === 0) throw new Error(`${c.model}: the profile build printed no kernel times: ${rp.stdout.slice(-2000)}`);
  profiles.push(byOp);
  const cores = new Map<string, string>([['Cortex-M7', m(insns) + (match ? '' : ' (loss differs!)')]]);
  /** Builds for a QEMU board and runs it: instructions per step (median) and whether the losses are the TypeScript's. */
  const onQemu = (board: Target, extra = '') => {
    const spec = targetSpec(board, program.options.sramBudget, 0);
    const dir = writeProject(exportCProject(program, params, samples, { target: board, steps }));
    const b = make(dir, 'all', extra ? { EXTRA_CFLAGS: extra } : {});
    if (b.status !== 0) throw new Error(`${c.model}: ${board} build failed: ${b.stderr}`);
    const rb = runQemu(join(dir, 'build/firmware.elf'), { icount: true, machine: spec.qemuMachine, timeoutMs: 1_800_000 });
    const lb = parseSteps(rb.stdout);
    if (rb.status !== 0 || lb.length !== steps) throw new Error(`${c.model}: ${board} QEMU run failed (${rb.status}): ${rb.stdout.slice(-2000)}`);
    rmSync(dir, { recursive: true, force: true });
    const t = lb.map((l) => l.ticks).sort((a, b) => a - b)[Math.floor(lb.length / 2)];
    return { core: spec.core, insns: t * instructionsPerTick(spec.timer!.hz), same: lb.every((l, i) => l.bits === ts.losses[i]) };
  };
  for (const board of CORE_BOARDS) {
    const q = onQemu(board);
    cores.set(q.core, m(q.insns) + (q.same ? '' : ' (loss differs!)'));
    if (board === 'mps3-an547') {
      const portable = onQemu(board, '-DTT_NO_MVE');
      helium.push({ mve: q.insns, portable: portable.insns, same: q.same && portable.same });
    }
  }
  // The real boards: what the export links to at the board's largest budget, or its refusal.
  const linked = new Map<string, string>();
  for (const chip of BOARDS) {
    const budget = chip.build!.ramBlock?.bytes ?? chip.sramBytes;
    const p = compileTraining(g, builtinScheme(c.scheme, backboneConvs(g).length)!, { workspaceBytes, workspaceHeadroom, sramBudget: budget });
    try {
      const dir = writeProject(exportCProject(p, params, samples, { target: chip.id, steps }));
      const b = make(dir, 'all');
      if (b.status !== 0) throw new Error(`${c.model}: ${chip.id} build failed: ${b.stderr}`);
      const sz = armSize(join(dir, 'build/firmware.elf'));
      linked.set(chip.id, `${kb(sz.data + sz.bss)} / ${kb(sz.text + sz.data)}`);
      rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      const over = /overflowed by ([\d,]+) bytes/.exec(e.message);
      linked.set(chip.id, over ? `over by ${over[1]} B` : e.message);
    }
  }
  perBoard.push(linked);
  perCore.push(cores);
  if (!keep) for (const d of [stm, qemu, prof]) rmSync(d, { recursive: true, force: true });
  else console.log(`${c.model}: ${stm} ${qemu} ${prof}`);
}

function printTable(head: string[], body: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of body) console.log(line(r));
}

if (!linkOnly) {
  const head = ['scheme (128x128, 10 classes)', 'report KB', 'SRAM KB (data+bss)', 'paper peak KB', 'Flash KB (text+data)',
    'M instr/step (QEMU)', 'paper M cycles', '< 100M', 'loss = TS'];
  printTable(head, rows);

  // Kernel kinds, the most expensive first (summed over the models).
  const total = (op: string) => profiles.reduce((a, p) => a + (p.get(op) ?? 0), 0);
  const ops = [...new Set(profiles.flatMap((p) => [...p.keys()]))].sort((a, b) => total(b) - total(a));
  console.log('\nInstructions per training step by kernel kind (M; -DTT_PROFILE build on QEMU):');
  printTable(['kernel kind', ...CASES.map((c) => c.scheme)], [
    ...ops.map((op) => [op, ...profiles.map((p) => m(p.get(op) ?? 0))]),
    ['all kernels', ...profiles.map((p) => m([...p.values()].reduce((a, b) => a + b, 0)))],
  ]);
  const coreNames = ['Cortex-M4F', 'Cortex-M7', 'Cortex-M33', 'Cortex-M55'];
  console.log('\nInstructions per training step by core (M; QEMU boards mps2-an386, mps2-an500, mps2-an505, mps3-an547; SMLAD paths on every core, ' +
    'Helium paths on the M55; the M55 portable column is the same firmware built with -DTT_NO_MVE):');
  printTable(['scheme', ...coreNames, 'M55 portable', 'Helium speedup'], CASES.map((c, i) => [c.scheme, ...coreNames.map((n) => perCore[i].get(n) ?? '-'),
    m(helium[i].portable) + (helium[i].same ? '' : ' (loss differs!)'), `${(helium[i].portable / helium[i].mve).toFixed(2)}x`]));
  console.log('\nLinked SRAM / Flash per board (KB, data + bss / text + data of the export at the board\'s largest training budget; ' +
    '"over": the export refuses it, the RAM region overflowing by that much):');
  printTable(['scheme', ...BOARDS.map((b) => b.id)], CASES.map((c, i) => [c.scheme, ...BOARDS.map((b) => perBoard[i].get(b.id) ?? '-')]));
  console.log(`\nReference engine (REFERENCE.md): mcunet-5fps 49kb firmware .data 36,320 + .bss 213,520 = ${kb(36320 + 213520)} KB SRAM, ` +
    `.text 181,056 + .rodata 556,608 = ${kb(181056 + 556608)} KB Flash (camera and LCD drivers included).`);
  console.log(`Instructions: QEMU -icount shift=3 (8 ns each), CMSDK timer at 25 MHz: ${INSTRUCTIONS_PER_TICK} instructions per tick ` +
    '(mps2-an505: 20 MHz, 6.25; mps3-an547: its 32.768 kHz S32K timer, 3,815 instructions a tick, 0.004% of a step). ' +
    `Paper cycles: latency x ${MHZ} MHz.`);
}

// The serial link: training and predictions over QEMU's UART, the time split between link and compute.
const BAUDS = [115_200, 921_600];
const linkTrain: string[][] = [], linkPredict: string[][] = [];
const median = (v: number[]) => v.slice().sort((a, b) => a - b)[v.length >> 1];
for (const c of CASES) {
  const g = buildGraph(zooArch(c.model), { resolution: 128, classes: 10 });
  const program = compileTraining(g, builtinScheme(c.scheme, backboneConvs(g).length)!, { workspaceBytes, workspaceHeadroom });
  const samples = syntheticSamples(g, linkCount, 3);
  const dir = writeProject(exportCProject(program, syntheticParams(g, 1), samples, { target: 'mps2-an500', steps: 1 }));
  const b = make(dir, 'all', { EXTRA_CFLAGS: '-DTT_LINK' });
  if (b.status !== 0) throw new Error(`${c.model}: link build failed: ${b.stderr}`);
  const { port, qemu } = await startLinkBoard(join(dir, 'build/firmware.elf'), { icount: true });
  const link = await openLink(`tcp:127.0.0.1:${port}`);
  try {
    const hello = parseHello(await link.next(60_000));
    const trainTicks: number[] = [], predictTicks: number[] = [];
    let t0 = performance.now();
    for (const s of samples) trainTicks.push(parseTrained(await link.request(trainFrame(s.input, s.label), 600_000)).ticks);
    const trainWall = (performance.now() - t0) / 1000;
    t0 = performance.now();
    for (const s of samples) predictTicks.push(parsePredicted(await link.request(predictFrame(s.input), 600_000), hello.classes).ticks);
    const predictWall = (performance.now() - t0) / 1000;
    // Frames: sync 2, type 1, length 4, payload, CRC 4. TRAIN: label + input; TRAINED: 13. PREDICT: input; PREDICTED: 6 + float32 logits.
    const trainBytes = 11 + 1 + hello.inputBytes + 11 + 13;
    const predictBytes = 11 + hello.inputBytes + 11 + 6 + 4 * hello.classes;
    const rowOf = (bytes: number, insns: number, wall: number) => {
      const compute = insns / (MHZ * 1e6);
      return [String(bytes), m(insns), (compute * 1000).toFixed(0), ...BAUDS.flatMap((baud) => {
        const linkS = (bytes * 10) / baud;
        return [(linkS * 1000).toFixed(0), (1 / (linkS + compute)).toFixed(2), `${((100 * linkS) / (linkS + compute)).toFixed(0)}%`];
      }), (samples.length / wall).toFixed(2)];
    };
    linkTrain.push([c.scheme, ...rowOf(trainBytes, median(trainTicks) * INSTRUCTIONS_PER_TICK, trainWall)]);
    linkPredict.push([c.scheme, ...rowOf(predictBytes, median(predictTicks) * INSTRUCTIONS_PER_TICK, predictWall)]);
  } finally {
    link.end();
    if (qemu.pid) process.kill(qemu.pid);
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}
const linkHead = (what: string) => ['scheme (128x128)', 'bytes', `M instr/${what}`, `compute ms @${MHZ} MHz`,
  ...BAUDS.flatMap((baud) => [`link ms @${baud}`, `${what}s/s @${baud}`, `link share @${baud}`]), `QEMU wall ${what}s/s`];
console.log('\nTraining over the serial link (mps2-an500, -DTT_LINK; one TRAIN frame and its TRAINED answer a sample):');
printTable(linkHead('sample'), linkTrain);
console.log('\nPredictions over the serial link (one PREDICT frame and its PREDICTED answer, float32 logits, an image):');
printTable(linkHead('prediction'), linkPredict);
console.log(`\nInstructions: the board's timer ticks in its answers (QEMU -icount shift=3, ${INSTRUCTIONS_PER_TICK} instructions a tick), median of ${linkCount}. ` +
  'Link time: bytes x 10 bits / baud (QEMU does not model the UART\'s rate). Per second: one at a time, the host waiting for each answer.');
