import { readFileSync } from 'node:fs';
import { backboneConvs } from '../src/engine/ir/graph.ts';
import { modelFromPkl } from '../src/engine/models/from-pkl.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { ArenaExecutor } from '../src/engine/runtime/executor.ts';
import { FAST_KERNELS } from '../src/engine/wasm/kernel-table.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { convGeom } from '../src/engine/ops/conv2d.ts';
import { setFastEngine } from '../bench/as-kernels.ts';
const OPS = (process.argv[2] ?? 'conv2d').split(',');
const model = modelFromPkl(new Uint8Array(readFileSync('/work/shared/models/tiny-training/mcunet-5fps.pkl')), { fileName: 'mcunet-5fps.pkl', classes: 10, resolution: 128 });
const g = model.graph;
const program = compileTraining(g, builtinScheme('mcunet-5fps@99kb', backboneConvs(g).length)!);
const input = Int8Array.from({ length: 3 * 128 * 128 }, (_, i) => ((i * 37) % 256) - 128);
let eng = 'c';
const t = new Map<string, { c: number; as: number }>();
const orig = { ...FAST_KERNELS } as any;
for (const op of OPS) (FAST_KERNELS as any)[op] = (k: any, env: any, node: any) => {
  const c0 = process.cpuUsage(); const s = performance.now();
  orig[op](k, env, node);
  const d = performance.now() - s;
  let key = `${op} ${k.name}`;
  if (node.op === 'conv2d') { const c = convGeom(node, g); key += ` ${c.cin}x${c.h}x${c.w}->${c.cout} k${c.k}s${c.stride} g${c.groups}${k.attrs?.mask ? ' mask' : ''}`; }
  const e = t.get(key) ?? { c: 0, as: 0 }; (e as any)[eng] += d; t.set(key, e);
};
const ex = new ArenaExecutor(program, Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, v.slice()])));
for (let r = 0; r < 20; r++) for (const e of ['c', 'as'] as const) { setFastEngine(e); eng = e; ex.step(input, r % 10); }
const rows = [...t].sort((a, b) => b[1].c - a[1].c);
for (const [k, v] of rows.slice(0, 25)) console.log(k.padEnd(70), (v.c / 20).toFixed(3), (v.as / 20).toFixed(3), (v.c / v.as).toFixed(2));
