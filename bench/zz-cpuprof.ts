import { readFileSync } from 'node:fs';
import { backboneConvs } from '../src/engine/ir/graph.ts';
import { modelFromPkl } from '../src/engine/models/from-pkl.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { ArenaExecutor } from '../src/engine/runtime/executor.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { GradRunner, gradProgram } from '../src/engine/train/grad-step.ts';
import { setFastEngine } from './as-kernels.ts';
setFastEngine((process.argv[3] ?? 'c') as 'c');
const model = modelFromPkl(new Uint8Array(readFileSync('/work/shared/models/tiny-training/mcunet-5fps.pkl')), { fileName: 'mcunet-5fps.pkl', classes: 10, resolution: 128 });
const g = model.graph;
const scheme = builtinScheme('mcunet-5fps@99kb', backboneConvs(g).length)!;
const input = Int8Array.from({ length: 3 * 128 * 128 }, (_, i) => ((i * 37) % 256) - 128);
const copy = () => Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, v.slice()]));
if (process.argv[2] === 'trainer') { const r = new GradRunner(gradProgram(g, scheme), copy()); for (let i = 0; i < 60; i++) r.step(input, i % 10, () => {}); }
else { const ex = new ArenaExecutor(compileTraining(g, scheme), copy()); for (let i = 0; i < 100; i++) ex.step(input, i % 10); }
