/**
 * Weights back from the board for a general graph (an imported .tflite that is not of the
 * inverted-bottleneck family): its weights record, produced by the TypeScript runtime and by the
 * exported firmware on QEMU's mps2-an500, loads into the project as a .ttw of format version 2 (the
 * graph itself in the header), and that file opens again with the trained parameters bit for bit:
 * through the IDE's path (importWeightsRecord, then the project rebuilt from the file) and through
 * `tinytrain device import`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCProject, syntheticSamples } from '../src/engine/codegen/index.ts';
import { importWeightsRecord } from '../src/engine/firmware/import-record.ts';
import { encodeRecord, readRecord, recordOf, recordText } from '../src/engine/firmware/weights-record.ts';
import { backboneConvs, type Model, type ParamStore } from '../src/engine/ir/graph.ts';
import type { TypedArray } from '../src/engine/ir/tensor.ts';
import { modelFromFile } from '../src/engine/models/model-file.ts';
import { hasArch, isGraphWeightsFile, modelFromWeights } from '../src/engine/models/weights-file.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { ArenaExecutor } from '../src/engine/runtime/executor.ts';
import type { Hyper } from '../src/engine/runtime/kernels.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { buildProjectModel } from '../src/ui/store/project-model.ts';
import { tinytrain } from '../src/cli/cli-harness.ts';
import { make, runQemu, writeProject } from './firmware.ts';
import { requireTool } from './require-tool.ts';

const hasQemu = requireTool('arm-none-eabi-gcc') && requireTool('newlib') && requireTool('qemu-system-arm');
const MODEL_PATH = 'public/models/cnn-maxpool-fc.tflite', SCHEME = 'last-2', STEPS = 4;
const hyper: Hyper = {
  weight: { lr: 0.05, momentum: 0, qas: true }, bias: { lr: 0.02, momentum: 0, qas: true }, head: { lr: 0.01, momentum: 0, qas: false },
  rounding: { mode: 'stochastic', seed: 5 },
};
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

// The model as `tinytrain ... --model public/models/cnn-maxpool-fc.tflite --scheme last-2` loads it (its 28x28, 10 classes, float32 head).
const model: Model = modelFromFile('cnn-maxpool-fc.tflite', new Uint8Array(readFileSync(MODEL_PATH)), { resolution: 28, classes: 10, head: 'float32' });
const scheme = builtinScheme(SCHEME, backboneConvs(model.graph).length)!;
const program = compileTraining(model.graph, scheme);
const samples = syntheticSamples(model.graph, 3, 11);
const bytesOf = (v: TypedArray) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** The TypeScript runtime's parameters after `steps` steps over the samples (cycling), as the firmware trains. */
function tsParams(steps: number): ParamStore {
  const p = Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, v.slice() as TypedArray]));
  const ex = new ArenaExecutor(program, p, hyper);
  for (let s = 0; s < steps; s++) ex.step(samples[s % samples.length].input, samples[s % samples.length].label);
  return p;
}

function expectParams(got: ParamStore, want: ParamStore) {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const name of Object.keys(want)) expect(bytesOf(got[name]).equals(bytesOf(want[name])), name).toBe(true);
}

describe('the board\'s weights for a general graph', () => {
  it('a record of the TypeScript runtime\'s training loads as a version 2 .ttw; the project rebuilt from it has the trained parameters bit for bit', () => {
    expect(hasArch(model.graph)).toBe(false);
    const trained = tsParams(STEPS);
    for (const t of program.trainable) expect(bytesOf(trained[t.param]).equals(bytesOf(model.params[t.param])), t.param).toBe(false);
    const log = new TextEncoder().encode(`step 0 loss 2.3\n${recordText(encodeRecord(recordOf(program, model.params, trained, STEPS)))}done\n`);
    const imported = importWeightsRecord(log, 'board.log', model, scheme, SCHEME);
    expect(imported.note).toMatch(new RegExp(`^board\\.log: ${STEPS} steps on the device, ${program.trainable.length} trained parameters`));
    expect(isGraphWeightsFile(imported.ttw)).toBe(true);
    expectParams(imported.model.params, trained);
    // What the IDE's "Load weights from the board" does next: the project's model rebuilt from the file, at the project's shape and head.
    const project = buildProjectModel({ kind: 'file', fileName: 'cnn-maxpool-fc-board.ttw', bytes: imported.ttw }, { resolution: 28, classes: 10 }, 'float32');
    expect(project.model.graph).toEqual(model.graph);
    expectParams(project.model.params, trained);
    // And it trains on from there: the same program compiles from the reopened graph.
    expect(compileTraining(project.model.graph, scheme).trainable).toEqual(program.trainable);
  });
});

describe.skipIf(!hasQemu)('the weights record of a general graph from QEMU mps2-an500', () => {
  it(`${STEPS} steps on the board, \`tinytrain device import\`: the .ttw holds the TypeScript runtime's parameters bit for bit`, async () => {
    const dir = writeProject(exportCProject(program, model.params, samples, { target: 'mps2-an500', hyper, steps: STEPS, sramBudget: 4 * 1024 * 1024 }));
    dirs.push(dir);
    const build = make(dir, 'all');
    expect(build.status, build.stderr).toBe(0);
    const r = runQemu(join(dir, 'build/firmware.elf'), { timeoutMs: 120_000 });
    expect(r.status, r.stdout.slice(-2000)).toBe(0);
    const record = readRecord(new TextEncoder().encode(r.stdout), 'qemu.log');
    expect(record.steps).toBe(STEPS);
    const out = mkdtempSync(join(tmpdir(), 'tt-record-general-'));
    dirs.push(out);
    writeFileSync(join(out, 'qemu.log'), r.stdout);
    const run = await tinytrain('device', 'import', join(out, 'qemu.log'), '--model', MODEL_PATH, '--scheme', SCHEME, '--out', join(out, 'board.ttw'));
    expect(run.status, run.stderr).toBe(0);
    const file = new Uint8Array(readFileSync(join(out, 'board.ttw')));
    expect(isGraphWeightsFile(file)).toBe(true);
    const saved = modelFromWeights(file, { fileName: 'board.ttw' });
    expect(saved.graph).toEqual(model.graph);
    expectParams(saved.params, tsParams(STEPS));
    // Opened as the CLI opens a model file (its own fixed size), and refused at another size in one sentence.
    expect((await tinytrain('info', '--model', join(out, 'board.ttw'))).status).toBe(0);
    const other = await tinytrain('info', '--model', join(out, 'board.ttw'), '--resolution', '32');
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/board\.ttw: the model's graph is fixed to its 28x28 input .* it cannot open at 32x32/);
  }, 300_000);
});
