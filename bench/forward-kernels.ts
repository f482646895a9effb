/**
 * The int8 forward kernels of one device training step (mcunet-5fps at 128x128, the 99kb scheme,
 * batch 1), WebAssembly (the C library csrc/, built by scripts/build-wasm.mjs) against TypeScript in the same run: the CPU time each forward kernel op
 * (the fused conv chains, the other convs, the residual adds) takes per step (CPU time, not wall
 * time, so that other work on a shared machine does not count), the two alternating in rounds. Each runs the model in both requantization arithmetics
 * (Graph.requant: the paper's float one, and TFLite's integer one that imported .tflite models use),
 * so the second table is what TFLite's arithmetic costs on the same convs.
 * Reproduce: npm run bench:forward (npx tsx bench/forward-kernels.ts [--rounds 6] [--steps 10])
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { table } from '../src/cli/format.ts';
import { backboneConvs } from '../src/engine/ir/graph.ts';
import { modelFromPkl } from '../src/engine/models/from-pkl.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { ArenaExecutor } from '../src/engine/runtime/executor.ts';
import type { KernelOp } from '../src/engine/program/types.ts';
import { REFERENCE_KERNELS, type Impl, type KernelTable } from '../src/engine/runtime/kernels.ts';
import { FAST_KERNELS } from '../src/engine/wasm/kernel-table.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { setWasmKernels } from '../src/engine/wasm/instance.ts';

const { values: a } = parseArgs({ options: { rounds: { type: 'string', default: '6' }, steps: { type: 'string', default: '10' } } });
const ROUNDS = Number(a.rounds), STEPS = Number(a.steps);
const RES = 128;
const OPS = ['conv_chain', 'conv2d', 'add'] as const;
const PKL = new URL('../../shared/models/tiny-training/mcunet-5fps.pkl', import.meta.url);

const model = modelFromPkl(new Uint8Array(readFileSync(PKL)), { fileName: 'mcunet-5fps.pkl', classes: 10, resolution: RES });
const g = model.graph;
const scheme = builtinScheme('mcunet-5fps@99kb', backboneConvs(g).length)!;
const ARITHS = ['float', 'tflite'] as const;
type Arith = typeof ARITHS[number];
const programs = { float: compileTraining(g, scheme), tflite: compileTraining({ ...g, requant: 'tflite' }, scheme) };
const input = Int8Array.from({ length: 3 * RES * RES }, (_, i) => ((i * 37) % 256) - 128);

// Each forward op's kernel is wrapped to add its time to the current engine's total.
const spent = new Map<string, number>();
function timed<O extends KernelOp>(table: KernelTable, op: O): void {
  const f: Impl<O> = table[op];
  const g: Impl<O> = (k, env) => {
    const t = process.cpuUsage();
    f(k, env);
    const d = process.cpuUsage(t);
    spent.set(op, (spent.get(op) ?? 0) + (d.user + d.system) / 1000);
  };
  // The table's entry for O is an Impl<O>; TypeScript cannot see that through the generic index.
  (table as Record<O, Impl<O>>)[op] = g;
}
for (const table of [REFERENCE_KERNELS, FAST_KERNELS]) for (const op of OPS) timed(table, op);

const params = () => Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, v.slice()]));
const devices = { float: new ArenaExecutor(programs.float, params()), tflite: new ArenaExecutor(programs.tflite, params()) };
type Engine = 'wasm' | 'ts';
const totals = new Map<string, Map<string, number>>();
let label = 0;
for (let r = 0; r <= ROUNDS; r++) {
  for (const arith of ARITHS) {
    for (const engine of ['wasm', 'ts'] as const) {
      setWasmKernels(engine === 'wasm');
      spent.clear();
      for (let s = 0; s < STEPS; s++) devices[arith].step(input, label++ % 10);
      // Round 0 warms every one up.
      const tot = totals.get(`${engine} ${arith}`) ?? new Map<string, number>();
      totals.set(`${engine} ${arith}`, tot);
      if (r > 0) for (const [op, t] of spent) tot.set(op, (tot.get(op) ?? 0) + t);
    }
  }
}
setWasmKernels(true);

const n = ROUNDS * STEPS;
const per = (engine: Engine, arith: Arith, op: string) => (totals.get(`${engine} ${arith}`)!.get(op) ?? 0) / n;
const sum = (engine: Engine, arith: Arith) => OPS.reduce((s, op) => s + per(engine, arith, op), 0);
const at = (engine: Engine, arith: Arith, op: string) => (op === 'forward total' ? sum(engine, arith) : per(engine, arith, op));
const names = [...OPS, 'forward total'];
console.log(`mcunet-5fps ${RES}x${RES}, mcunet-5fps@99kb, CPU ms per training step (${n} steps each, alternating rounds)\n`);
console.log(table(['kernel op', 'TypeScript CPU ms', 'wasm CPU ms', 'speedup'],
  names.map((op) => [op, at('ts', 'float', op).toFixed(2), at('wasm', 'float', op).toFixed(2), (at('ts', 'float', op) / at('wasm', 'float', op)).toFixed(1)]),
  [false, true, true, true]));
console.log(`\nThe same convs and adds in TFLite's integer arithmetic (Graph.requant 'tflite', as an imported .tflite runs)\n`);
console.log(table(['kernel op', 'wasm float ms', 'wasm tflite ms', 'cost', 'TypeScript float ms', 'TypeScript tflite ms', 'cost'],
  names.map((op) => [op, at('wasm', 'float', op).toFixed(2), at('wasm', 'tflite', op).toFixed(2), `${(at('wasm', 'tflite', op) / at('wasm', 'float', op)).toFixed(2)}x`,
    at('ts', 'float', op).toFixed(2), at('ts', 'tflite', op).toFixed(2), `${(at('ts', 'tflite', op) / at('ts', 'float', op)).toFixed(2)}x`]),
  [false, true, true, true, true, true, true]));
