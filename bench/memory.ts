/**
 * `npm run bench:memory`: the training memory of every zoo model and scheme (the SRAM its firmware
 * links to, the planned arena and its lower bound) against the paper's figures, the imported .tflite
 * models (bias-only, last-k and a sparse scheme), and the compile-and-plan time. Reproduce: `npm run bench:memory` (no arguments).
 */
import { backboneConvs } from '../src/engine/ir/graph.ts';
import { bufferLifetimes } from '../src/engine/memory/lifetimes.ts';
import { ORDERS, placeInOrder } from '../src/engine/memory/planner.ts';
import { buildGraph } from '../src/engine/models/build.ts';
import { ZOO_NAMES, zooArch } from '../src/engine/models/zoo.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { builtinScheme, builtinSchemeNames } from '../src/engine/train/builtin-schemes.ts';
import { table } from '../src/cli/format.ts';
import { readFileSync } from 'node:fs';
import { modelFromFile } from '../src/engine/models/model-file.ts';
import type { Scheme } from '../src/engine/train/scheme.ts';
import { DEFAULT_WORKSPACE, workspaceBuffers } from '../src/engine/firmware/workspaces.ts';
import type { TrainingProgram } from '../src/engine/program/compile.ts';

const KB = (n: number) => (n / 1024).toFixed(1);
// REFERENCE.md anchors: peak training memory of the best published system (paper Fig. 10).
const ANCHOR_PEAK: Record<string, number> = { 'mcunet-5fps@99kb': 173, 'mbv2-w0.35@99kb': 141, 'proxyless-w0.3@98kb': 135 };
const ANCHOR_ARENA: Record<string, number> = { 'mcunet-5fps@49kb': 189_800 };

const rows: (string | number)[][] = [];
const timing: (string | number)[][] = [];
const phases: (string | number)[][] = [];

/**
 * The step of each phase (forward; backward with the updates) that holds the most bytes: the live
 * buffers with each kernel's workspace at its floor (carved workspaces above it take only free space).
 */
function largestSteps(p: TrainingProgram): Record<'forward' | 'backward', { kernel: string; bytes: number }> {
  const floors = new Map(workspaceBuffers(p.kernels, DEFAULT_WORKSPACE, p.tensors, p.trainable, true).map((w) => [w.start, w.floor]));
  const ws = new Map(p.buffers.filter((b) => b.id.startsWith('ws:')).map((b) => [b.start, b.bytes]));
  const out = { forward: { kernel: '', bytes: 0 }, backward: { kernel: '', bytes: 0 } };
  for (const s of p.report.timeline) {
    const bytes = s.total - (ws.get(s.step) ?? 0) + (floors.get(s.step) ?? 0);
    const o = out[s.phase === 'forward' ? 'forward' : 'backward'];
    if (bytes > o.bytes) Object.assign(o, { kernel: s.kernel, bytes });
  }
  return out;
}
for (const model of ZOO_NAMES) {
  const graph = buildGraph(zooArch(model), { resolution: 128, classes: 10 });
  const convs = backboneConvs(graph).length;
  for (const name of builtinSchemeNames(model)) {
    const scheme = builtinScheme(name, convs)!;
    const p = compileTraining(graph, scheme);
    const whole = compileTraining(graph, scheme, { streamInput: false });
    const noBlock = compileTraining(graph, scheme, { fuseBlockBackward: false });
    const noAcc = compileTraining(graph, scheme, { accumulateGrads: false });
    const wholeWs = compileTraining(graph, scheme, { workspaceHeadroom: Infinity });
    const plain = compileTraining(graph, scheme, { fuseRows: false, fuseBackward: false, fuseBlockBackward: false });
    const noReorder = compileTraining(graph, scheme, { fuseRows: false, fuseBackward: false, fuseBlockBackward: false, reorder: false });
    const greedy = placeInOrder([...bufferLifetimes(p.tensors, p.kernels, [graph.loss!, graph.logits]), ...p.buffers.filter((b) => b.id.startsWith('ws:'))],
      ORDERS[0]).arenaBytes;
    const r = p.report;
    if (ANCHOR_PEAK[name]) {
      const l = largestSteps(p);
      phases.push([model, name.replace(`${model}@`, '@'), KB(r.arenaBytes), l.forward.kernel, KB(l.forward.bytes), l.backward.kernel, KB(l.backward.bytes)]);
    }
    let anchor = '';
    if (ANCHOR_PEAK[name]) anchor = `paper ${ANCHOR_PEAK[name]} KB: linked ${r.peakSramBytes / 1024 < ANCHOR_PEAK[name] ? 'below' : 'ABOVE'} (x${(r.peakSramBytes / 1024 / ANCHOR_PEAK[name]).toFixed(2)})`;
    if (ANCHOR_ARENA[name]) anchor = `ref. arena 189,800 B: ${r.arenaBytes < ANCHOR_ARENA[name] ? 'below' : 'ABOVE'} (x${(r.arenaBytes / ANCHOR_ARENA[name]).toFixed(2)})`;
    rows.push([model, name.replace(`${model}@`, '@'), KB(r.analyticBytes), KB(r.peakSramBytes), KB(r.arenaBytes), KB(r.arenaLowerBound),
      KB(r.peakSramBytes - r.arenaBytes), ANCHOR_PEAK[name] ? String(ANCHOR_PEAK[name]) : '', KB(wholeWs.report.peakSramBytes), KB(whole.report.peakSramBytes), KB(noBlock.report.peakSramBytes), KB(noAcc.report.peakSramBytes), KB(plain.report.peakSramBytes),
      KB(noReorder.report.peakSramBytes), r.arenaBytes.toLocaleString('en-US'), (greedy / r.arenaBytes).toFixed(3), KB(r.flashBytes), r.peak.kernel, anchor]);
    if (model === 'mcunet-5fps') {
      const times: number[] = [], cpu: number[] = [];
      for (let i = 0; i < 30; i++) {
        const t = performance.now(), c = process.cpuUsage();
        compileTraining(graph, scheme);
        times.push(performance.now() - t);
        const d = process.cpuUsage(c);
        cpu.push((d.user + d.system) / 1000);
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      timing.push([name, median(times).toFixed(2), Math.max(...times).toFixed(2), median(cpu).toFixed(2)]);
    }
  }
}
console.log('Training memory at 128x128, batch 1, 10 classes (KB = 1024 bytes). "linked" is the SRAM the exported firmware links');
console.log('to (data + bss of arm-none-eabi-size, tests/firmware-size.test.ts): the arena (kernel workspaces included), the trained');
console.log('parameters, optimizer state, small workspaces, the runtime\'s data and the 2 KB stack reserve. "arena" is the planned');
console.log('arena, "bound" the planner\'s lower bound (the most bytes live at one step), "static" the rest. The frozen early stage');
console.log('runs as row-by-row chains (a residual block\'s output written over its input where the row order allows; a chain may cross');
console.log('residual blocks, their skips kept as rings), split where the most bytes one chain holds is least (schedule/fuse-rows.ts); a chain that would set the peak keeps');
console.log('only the rows its depthwise windows share in each ring and makes the new rows one channel at a time (splitRing).');
console.log('"unfused" turns off the fused early stage and the streamed (expansion and block) backward; "no reorder" also keeps');
console.log('every gradient to the end.');
console.log('"whole input" keeps the whole image in the arena (streamInput off; by default the fused first chain reads it');
console.log('row by row from outside SRAM, the camera or Flash, into a ring of as many rows as the stem is tall).');
console.log('"no block fusion" streams only the depthwise input gradient into pw1 (fuseBlockBackward off; the default is on).');
console.log('"own skip sum" gives a residual block\'s input gradient a buffer of its own, summed with the add\'s skip gradient after');
console.log('(accumulateGrads off); by default it adds onto the skip gradient in that one\'s buffer (schedule/accumulate-grads.ts).');
console.log('"whole ws" gives every kernel its whole workspace (workspaceHeadroom unbounded); by default each is carved from');
console.log('what the other buffers leave free at its step and adds bytes only for its fast path\'s floor (firmware/workspaces.ts).');
console.log('The other columns are linked SRAM with one option changed. Flash includes the 4 embedded samples and a code estimate.');
console.log(table(['model', 'scheme', 'analytic', 'linked', 'arena', 'bound', 'static', 'paper', 'whole ws', 'whole input', 'no block fusion', 'own skip sum', 'unfused', 'no reorder',
  'arena B', 'greedy/ours', 'Flash', 'peak at', 'anchor'], rows,
  [false, false, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, false, false]));
console.log('\nThe paper schemes\' largest step of each phase (live arena bytes, each kernel\'s workspace at its floor): what the arena');
console.log('cannot go below; "backward" includes the updates.');
console.log(table(['model', 'scheme', 'arena', 'forward at', 'forward', 'backward at', 'backward'], phases, [false, false, true, false, true, false, true]));
// Imported .tflite models (the family's mcunet-vww and general graphs), at their own input size.
const IMPORTED = ['../../shared/models/tflite/mcunet-vww.tflite', '../../shared/models/tflite/lenet-300-100-int8.tflite',
  '../public/models/cnn-maxpool-fc.tflite', '../public/models/ds-cnn-kws.tflite', '../public/models/concat-net.tflite'];
const imported: (string | number)[][] = [];
for (const path of IMPORTED) {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const m = modelFromFile(name, new Uint8Array(readFileSync(new URL(path, import.meta.url))), { classes: 10 });
  const n = backboneConvs(m.graph).length;
  const k = Math.min(n, 4);
  // Sparse: the biases of the last k convs, the last conv's weights at 1/4 of its input channels, the one before at 1/8.
  const sparse: Scheme = { nBias: k, weights: { [n - 1]: '1/4', ...(n > 1 ? { [n - 2]: '1/8' } : {}) }, head: 'float32', momentum: false };
  const [, h, w] = m.graph.tensors[m.graph.input].shape;
  for (const [label, scheme] of [['bias-only', builtinScheme('bias-only', n)!], [`last-${k}`, builtinScheme(`last-${k}`, n)!], ['sparse', sparse]] as const) {
    const r = compileTraining(m.graph, scheme).report;
    imported.push([name, `${h}x${w}`, n, label, label === 'sparse' ? JSON.stringify(scheme.weights) : '', KB(r.analyticBytes), KB(r.peakSramBytes), KB(r.arenaBytes), KB(r.arenaLowerBound),
      r.peakSramBytes <= 256 * 1024 ? 'yes' : 'no', KB(r.flashBytes), r.peak.kernel]);
  }
}
console.log('\nImported .tflite models (10 classes, float32 head), at their own input size: mcunet-vww maps onto the');
console.log('inverted-bottleneck family (fused schedules), the others are general graphs (plain kernels). "sparse" trains the');
console.log('biases of the last k convs, the last conv\'s weights at 1/4 and the one before at 1/8 of their input channels.');
console.log('"bound" is the planner\'s lower bound on the arena; "fits" compares the linked SRAM with 256 KB.');
console.log(table(['model', 'input', 'convs', 'scheme', 'weights', 'analytic', 'linked', 'arena', 'bound', 'fits 256 KB', 'Flash', 'peak at'], imported,
  [false, false, true, false, false, true, true, true, true, false, true, false]));
console.log('\nInstructions per training step on QEMU\'s Cortex-M7 for the three paper schemes: npm run bench:firmware.');
console.log('\nCompile and plan time, mcunet-5fps, 30 runs (target: median under 16 ms). "CPU ms" is the process\'s CPU time,');
console.log('which a loaded machine (other processes taking the cores) does not inflate as it does the wall-clock time.');
console.log(table(['scheme', 'median ms', 'max ms', 'median CPU ms'], timing, [false, true, true, true]));
