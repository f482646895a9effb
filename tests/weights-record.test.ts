/**
 * Weights back from the board: the exported firmware trains N steps on QEMU's mps2-an500 (Cortex-M7),
 * writes its weights record on the semihosting output, and `tinytrain device import` (the engine's
 * readRecord + applyRecord) puts the slices into the model: the parameters equal the TypeScript
 * runtime's after the same N steps, bit for bit. A record of another model or scheme, with a bad
 * checksum or truncated, is refused in one sentence and the project's parameters are untouched.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCProject, syntheticSamples } from '../src/engine/codegen/index.ts';
import { fnv1a } from '../src/engine/codegen/c-format.ts';
import { applyRecord, readRecord, WeightsRecordError } from '../src/engine/firmware/weights-record.ts';
import { backboneConvs, type ParamStore } from '../src/engine/ir/graph.ts';
import type { TypedArray } from '../src/engine/ir/tensor.ts';
import { buildGraph } from '../src/engine/models/build.ts';
import { syntheticParams } from '../src/engine/models/synthetic.ts';
import { modelFromWeights, withArch } from '../src/engine/models/weights-file.ts';
import { zooArch } from '../src/engine/models/zoo.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { ArenaExecutor } from '../src/engine/runtime/executor.ts';
import type { Hyper } from '../src/engine/runtime/kernels.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { tinytrain } from '../src/cli/cli-harness.ts';
import { make, runQemu, writeProject } from './firmware.ts';
import { requireTool } from './require-tool.ts';

const hasQemu = requireTool('arm-none-eabi-gcc') && requireTool('newlib') && requireTool('qemu-system-arm');
const RES = 48, STEPS = 5, MODEL = 'mcunet-5fps', SCHEME = 'mcunet-5fps@99kb';
const hyper: Hyper = {
  weight: { lr: 0.05, momentum: 0, qas: true }, bias: { lr: 0.02, momentum: 0, qas: true }, head: { lr: 0.01, momentum: 0, qas: false },
  rounding: { mode: 'stochastic', seed: 5 },
};
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

// The model exactly as `tinytrain ... --model mcunet-5fps --resolution 48 --classes 10` loads it (synthetic weights, seed 1).
const arch = zooArch(MODEL);
const graph = withArch(buildGraph(arch, { resolution: RES, classes: 10 }), arch);
const params = syntheticParams(graph);
const scheme = builtinScheme(SCHEME, backboneConvs(graph).length)!;
const program = compileTraining(graph, scheme);
const samples = syntheticSamples(graph, 3, 11);
const digest = (p: ParamStore) => Object.keys(p).sort().map((k) => `${k}:${fnv1a(new Uint8Array(p[k].buffer, p[k].byteOffset, p[k].byteLength))}`).join(',');
const bytesOf = (v: TypedArray) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** The TypeScript runtime's parameters after `steps` steps over the samples (cycling), as the firmware trains. */
function tsParams(steps: number): ParamStore {
  const p = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.slice() as TypedArray]));
  const ex = new ArenaExecutor(program, p, hyper);
  for (let s = 0; s < steps; s++) ex.step(samples[s % samples.length].input, samples[s % samples.length].label);
  return p;
}

describe.skipIf(!hasQemu)('the weights record from QEMU mps2-an500', () => {
  let log = '';
  it(`${STEPS} steps on the board, the record read back: the parameters equal the TypeScript runtime's bit for bit`, () => {
    const dir = writeProject(exportCProject(program, params, samples, { target: 'mps2-an500', hyper, steps: STEPS, sramBudget: 4 * 1024 * 1024 }));
    dirs.push(dir);
    const build = make(dir, 'all');
    expect(build.status, build.stderr).toBe(0);
    const r = runQemu(join(dir, 'build/firmware.elf'), { timeoutMs: 120_000 });
    expect(r.status, r.stdout.slice(-2000)).toBe(0);
    log = r.stdout;
    const record = readRecord(new TextEncoder().encode(log), 'qemu.log');
    expect(record.steps).toBe(STEPS);
    expect(record.slices.map((s) => s.name)).toEqual(program.trainable.map((t) => t.param));
    const before = digest(params);
    const imported = applyRecord(record, program, params, 'qemu.log');
    expect(digest(params)).toBe(before);
    const expected = tsParams(STEPS);
    for (const name of Object.keys(expected)) expect(bytesOf(imported[name]).equals(bytesOf(expected[name])), name).toBe(true);
    // The training moved every trained slice (the check above would pass trivially otherwise).
    for (const t of program.trainable) expect(bytesOf(imported[t.param]).equals(bytesOf(params[t.param])), t.param).toBe(false);
  }, 300_000);

  it('tinytrain device import writes the board\'s parameters as a .ttw; bad records are refused in one sentence and nothing is written', async () => {
    expect(log).toMatch(/^ttrec end$/m);
    const dir = mkdtempSync(join(tmpdir(), 'tt-record-'));
    dirs.push(dir);
    const run = (file: string, ...extra: string[]) => tinytrain('device', 'import', file, '--model', MODEL, '--scheme', SCHEME,
      '--resolution', String(RES), '--classes', '10', '--out', join(dir, 'out.ttw'), ...extra);
    writeFileSync(join(dir, 'good.log'), log);
    const ok = await run(join(dir, 'good.log'));
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`good\\.log: ${STEPS} steps on the device, ${program.trainable.length} trained parameters`));
    const saved = modelFromWeights(new Uint8Array(readFileSync(join(dir, 'out.ttw'))), { resolution: RES, classes: 10 });
    const expected = tsParams(STEPS);
    for (const name of Object.keys(expected)) expect(bytesOf(saved.params[name]).equals(bytesOf(expected[name])), name).toBe(true);
    rmSync(join(dir, 'out.ttw'));

    const lines = log.split('\n');
    const dataLine = lines.findIndex((l) => /^ttrec [0-9a-f]{64}$/.test(l)) + 3;
    const flipped = lines.map((l, i) => (i === dataLine ? l.slice(0, 20) + (l[20] === '0' ? '1' : '0') + l.slice(21) : l)).join('\n');
    const cases: [string, string, RegExp, string[]][] = [
      ['corrupt.log', flipped, /^tinytrain device: corrupt\.log: bad checksum: the record says [0-9a-f]{8}, its bytes give [0-9a-f]{8} \(a corrupt record\)\n$/, []],
      ['truncated.log', lines.slice(0, lines.findIndex((l) => l === 'ttrec end') - 2).join('\n'), /^tinytrain device: truncated\.log: the record is truncated: \d+ of \d+ bytes and no "ttrec end" line\n$/, []],
      ['empty.log', 'step 0 loss 2.3\n', /^tinytrain device: empty\.log: no weights record in it/, []],
      ['model.log', log, /^tinytrain device: model\.log: the record was written by the firmware of another model \(fingerprint [0-9a-f]{8}; this model's is [0-9a-f]{8}\)\n$/, ['--model', 'proxyless-w0.3', '--scheme', 'last-6']],
      ['scheme.log', log, /^tinytrain device: scheme\.log: the record was written by firmware that trains another scheme/, ['--scheme', 'last-6']],
    ];
    for (const [name, text, message, extra] of cases) {
      writeFileSync(join(dir, name), text);
      // Later options win: --model / --scheme replace the defaults above.
      const r = await run(join(dir, name), ...extra);
      expect(r.status, name).toBe(1);
      expect(r.stderr, name).toMatch(message);
      expect(() => readFileSync(join(dir, 'out.ttw')), name).toThrow();
    }
  }, 300_000);

  it('refuses another scheme with the same model in the engine too, leaving the parameters as they were', () => {
    const record = readRecord(new TextEncoder().encode(log), 'qemu.log');
    const other = compileTraining(graph, builtinScheme('last-6', backboneConvs(graph).length)!);
    const before = digest(params);
    expect(() => applyRecord(record, other, params, 'qemu.log')).toThrow(WeightsRecordError);
    expect(digest(params)).toBe(before);
  });
});
