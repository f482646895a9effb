import { readFileSync } from 'node:fs';
import { backboneConvs } from '../src/engine/ir/graph.ts';
import { modelFromPkl } from '../src/engine/models/from-pkl.ts';
import { FAST_KERNELS } from '../src/engine/wasm/kernel-table.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { GradRunner, gradProgram } from '../src/engine/train/grad-step.ts';
import { setFastEngine } from './as-kernels.ts';
const OPS = (process.argv[2] ?? 'conv_grad_w').split(',');
const model = modelFromPkl(new Uint8Array(readFileSync('/work/shared/models/tiny-training/mcunet-5fps.pkl')), { fileName: 'mcunet-5fps.pkl', classes: 10, resolution: 128 });
const g = model.graph;
const input = Int8Array.from({ length: 3 * 128 * 128 }, (_, i) => ((i * 37) % 256) - 128);
let eng = 'c';
const t = { c: 0, as: 0 } as Record<string, number>;
const orig = { ...FAST_KERNELS } as any;
for (const op of OPS) (FAST_KERNELS as any)[op] = (k: any, env: any, node: any) => {
  const s = performance.now(); orig[op](k, env, node); t[eng] += performance.now() - s;
};
const r = new GradRunner(gradProgram(g, builtinScheme('mcunet-5fps@99kb', backboneConvs(g).length)!), model.params);
const N = 40;
for (let i = 0; i < N; i++) for (const e of ['c', 'as'] as const) { setFastEngine(e); eng = e; r.step(input, i % 10, () => {}); }
console.log(OPS.join(','), 'C', (t.c / N).toFixed(3), 'AS', (t.as / N).toFixed(3), (t.c / t.as).toFixed(2));
