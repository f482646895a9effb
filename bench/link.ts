/**
 * `npm run bench:link`: training over the serial link (docs/serial-protocol.md). The paper's three
 * models at 128x128, 10 classes, with their ~100 KB schemes, exported for QEMU's mps2-an500 with
 * -DTT_LINK and driven from Node over a TCP serial port under -icount shift=3. Measured: the
 * instructions of each step (the board's timer ticks in its TRAINED answer, as bench:firmware counts
 * them) and the bytes each sample crosses the link. QEMU's CMSDK UART does not model a baud rate, so
 * the link's time is computed from those bytes at 8N1 (10 bits a byte), and the step's at 216 MHz, one
 * instruction a cycle (the STM32F746's clock; bench:firmware compares the count with the paper's
 * cycles): samples per second = 1 / (link + compute), the host waiting for each answer.
 * Options: --samples N (default 4; the median step is used), --keep.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openLink } from '../src/cli/link-client.ts';
import { exportCProject, syntheticSamples } from '../src/engine/codegen/index.ts';
import { parseHello, parseTrained, trainFrame } from '../src/engine/firmware/link-protocol.ts';
import { backboneConvs } from '../src/engine/ir/graph.ts';
import { buildGraph } from '../src/engine/models/build.ts';
import { syntheticParams } from '../src/engine/models/synthetic.ts';
import { zooArch } from '../src/engine/models/zoo.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { INSTRUCTIONS_PER_TICK, make, startLinkBoard, writeProject } from '../tests/firmware.ts';

const CASES = [
  { model: 'mcunet-5fps', scheme: 'mcunet-5fps@99kb' },
  { model: 'mbv2-w0.35', scheme: 'mbv2-w0.35@99kb' },
  { model: 'proxyless-w0.3', scheme: 'proxyless-w0.3@98kb' },
];
const BAUDS = [115_200, 921_600];
const HZ = 216e6;
const args = process.argv.slice(2);
const count = Number(args[args.indexOf('--samples') + 1] || 4) || 4;
const keep = args.includes('--keep');


const rows: string[][] = [];
for (const c of CASES) {
  const g = buildGraph(zooArch(c.model), { resolution: 128, classes: 10 });
  const program = compileTraining(g, builtinScheme(c.scheme, backboneConvs(g).length)!);
  const samples = syntheticSamples(g, count, 3);
  const dir = writeProject(exportCProject(program, syntheticParams(g, 1), samples, { target: 'mps2-an500', steps: 1 }));
  const b = make(dir, 'all', { EXTRA_CFLAGS: '-DTT_LINK' });
  if (b.status !== 0) throw new Error(`${c.model}: build failed: ${b.stderr}`);
  const { port, qemu } = await startLinkBoard(join(dir, 'build/firmware.elf'), { icount: true });
  const link = await openLink(`tcp:127.0.0.1:${port}`);
  try {
    const hello = parseHello(await link.next());
    const ticks: number[] = [];
    const t0 = performance.now();
    for (const s of samples) ticks.push(parseTrained(await link.request(trainFrame(s.input, s.label), 600_000)).ticks);
    const wall = (performance.now() - t0) / 1000;
    ticks.sort((a, b) => a - b);
    const insns = ticks[ticks.length >> 1] * INSTRUCTIONS_PER_TICK;
    const compute = insns / HZ;
    // TRAIN: sync 2, type 1, length 4, label 1, input, CRC 4; TRAINED: 11 + 13.
    const bytes = 11 + 1 + hello.inputBytes + 11 + 13;
    const cells = BAUDS.flatMap((baud) => {
      const linkS = (bytes * 10) / baud;
      return [`${(linkS * 1000).toFixed(0)}`, `${(1 / (linkS + compute)).toFixed(2)}`, `${((100 * linkS) / (linkS + compute)).toFixed(0)}%`];
    });
    rows.push([c.scheme, String(bytes), (insns / 1e6).toFixed(1), (compute * 1000).toFixed(0), ...cells, (count / wall).toFixed(2)]);
  } finally {
    link.end();
    if (qemu.pid) process.kill(qemu.pid);
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

const head = ['scheme (128x128)', 'bytes/sample', 'M instr/step', 'compute ms @216 MHz',
  ...BAUDS.flatMap((b) => [`link ms @${b}`, `samples/s @${b}`, `link share @${b}`]), 'QEMU wall samples/s'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r: string[]) => `| ${r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ')} |`;
console.log(line(head));
console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log(`\nInstructions: the board's timer ticks per step in its TRAINED answers (QEMU -icount shift=3, ${INSTRUCTIONS_PER_TICK} instructions a tick), median of ${count}.` +
  ' Link time: bytes x 10 bits / baud (QEMU does not model the UART\'s rate). Samples/s: one sample at a time, the host waiting for each answer.');
