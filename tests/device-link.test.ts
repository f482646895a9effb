/**
 * The board trained from the host: the exported firmware built with -DTT_LINK on QEMU's mps2-an500
 * (Cortex-M7), its CMSDK UART0 on a TCP serial port, driven from Node through the protocol of
 * engine/firmware/link-protocol.ts. The losses it answers equal the TypeScript runtime's step for
 * step; a garbled frame gets an error frame and the board keeps training; the weights record it
 * dumps equals the TypeScript runtime's parameters bit for bit; RESET starts it over from Flash.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCProject, syntheticSamples } from '../src/engine/codegen/index.ts';
import { hex32 } from '../src/engine/codegen/c-format.ts';
import { encodeFrame, ERROR_CODES, FRAME, parseError, parseHello, parsePredicted, parseTrained, predictFrame, trainFrame } from '../src/engine/firmware/link-protocol.ts';
import { applyRecord, encodeRecord, modelFingerprint, parseRecord, recordState, schemeFingerprint, WeightsRecordError } from '../src/engine/firmware/weights-record.ts';
import { backboneConvs, type ParamStore } from '../src/engine/ir/graph.ts';
import type { TypedArray } from '../src/engine/ir/tensor.ts';
import { buildGraph } from '../src/engine/models/build.ts';
import { syntheticParams } from '../src/engine/models/synthetic.ts';
import { zooArch } from '../src/engine/models/zoo.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { ArenaExecutor } from '../src/engine/runtime/executor.ts';
import type { Hyper } from '../src/engine/runtime/kernels.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { CHIP_TARGETS, chipTarget } from '../src/engine/targets.ts';
import { readFileSync } from 'node:fs';
import { tinytrain } from '../src/cli/cli-harness.ts';
import { openLink } from '../src/cli/link-client.ts';
import { modelFromWeights, withArch } from '../src/engine/models/weights-file.ts';
import { make, startLinkBoard, writeProject } from './firmware.ts';
import { requireTool } from './require-tool.ts';

const hasQemu = requireTool('arm-none-eabi-gcc') && requireTool('newlib') && requireTool('qemu-system-arm');
const RES = 48;
const hyper: Hyper = {
  weight: { lr: 0.05, momentum: 0, qas: true }, bias: { lr: 0.02, momentum: 0, qas: true }, head: { lr: 0.01, momentum: 0, qas: false },
  rounding: { mode: 'stochastic', seed: 5 },
};
const arch = zooArch('mcunet-5fps');
const graph = withArch(buildGraph(arch, { resolution: RES, classes: 10 }), arch);
const params = syntheticParams(graph);
const program = compileTraining(graph, builtinScheme('mcunet-5fps@99kb', backboneConvs(graph).length)!);
const samples = syntheticSamples(graph, 3, 11);
/** Images the board never trains on, for its predictions. */
const heldOut = syntheticSamples(graph, 3, 97);
const bits = (x: number) => hex32(new Uint32Array(new Float32Array([x]).buffer)[0]);
const bytesOf = (v: TypedArray) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

let qemu: ChildProcess | null = null;
afterAll(() => { if (qemu?.pid) process.kill(qemu.pid); });


/** A QEMU board (mps2-an500 by default) running the link firmware, its link UART on a TCP port (it starts the guest when the host connects). */
async function startBoard(dir: string, target = 'mps2-an500'): Promise<number> {
  const b = chipTarget(target)!.build!;
  const board = await startLinkBoard(join(dir, 'build/firmware.elf'), { stdio: ['ignore', 'pipe', 'pipe'], machine: b.qemuMachine, serial: b.uart.qemuSerial });
  qemu = board.qemu;
  return board.port;
}

function stopBoard() {
  if (qemu?.pid) process.kill(qemu.pid);
  qemu = null;
}

let linkDir = '';

describe.skipIf(!hasQemu)('training over the serial link (QEMU mps2-an500, CMSDK UART0 on TCP)', () => {
  it('trains and predicts on frames from the host like the TypeScript runtime, survives garbled frames, dumps its weights, resets', async () => {
    const dir = linkDir = writeProject(exportCProject(program, params, samples, { target: 'mps2-an500', hyper, steps: 1, sramBudget: 4 * 1024 * 1024 }));
    const build = make(dir, 'all', { EXTRA_CFLAGS: '-DTT_LINK' });
    expect(build.status, build.stderr).toBe(0);
    const link = await openLink(`tcp:127.0.0.1:${await startBoard(dir)}`);
    try {
      const hello = parseHello(await link.next());
      expect(hello).toEqual({ modelFingerprint: modelFingerprint(program, params), schemeFingerprint: schemeFingerprint(program), inputBytes: samples[0].input.length, classes: 10 });

      const p = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.slice() as TypedArray])) as ParamStore;
      const ts = new ArenaExecutor(program, p, hyper);
      // The same steps without the predictions in between: predicting trains nothing.
      const plain = new ArenaExecutor(program, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.slice() as TypedArray])), hyper);
      /** The board's prediction of every held-out image: class and logits bit for bit the TypeScript runtime's forward. */
      const predictAll = async () => {
        for (const h of heldOut) {
          const r = parsePredicted(await link.request(predictFrame(h.input)), 10);
          const want = ts.predict(h.input);
          expect(r.logits).toBeInstanceOf(Float32Array);
          expect(bytesOf(r.logits).equals(bytesOf(want.raw))).toBe(true);
          expect(r.predicted).toBe(want.predicted);
          expect(r.ticks).toBeGreaterThan(0);
        }
      };
      await predictAll();
      const order = [0, 1, 2, 0, 1, 2];
      for (const [i, s] of order.entries()) {
        if (i === 3) {
          // A garbled frame (a payload byte flipped after the checksum was computed): an error frame, nothing trained.
          const bad = trainFrame(samples[0].input, samples[0].label);
          bad[20] ^= 0x40;
          const e = await link.request(bad);
          expect(e.type).toBe(FRAME.ERROR);
          expect(parseError(e)).toEqual({ code: ERROR_CODES.CHECKSUM, message: 'bad checksum' });
          const unknown = await link.request(encodeFrame(0x42));
          expect(parseError(unknown).code).toBe(ERROR_CODES.UNKNOWN);
          // A garbled PREDICT frame, and one of the wrong length: error frames, nothing predicted.
          const badPredict = predictFrame(heldOut[0].input);
          badPredict[30] ^= 0x01;
          expect(parseError(await link.request(badPredict))).toEqual({ code: ERROR_CODES.CHECKSUM, message: 'bad checksum' });
          expect(parseError(await link.request(encodeFrame(FRAME.PREDICT, new Uint8Array(5))))).toEqual({ code: ERROR_CODES.LENGTH, message: 'a PREDICT frame holds the input\'s bytes' });
          await predictAll();
        }
        const r = parseTrained(await link.request(trainFrame(samples[s].input, samples[s].label)));
        const want = ts.step(samples[s].input, samples[s].label);
        expect(r.step).toBe(i + 1);
        expect(r.ticks).toBeGreaterThan(0);
        expect(bits(r.loss)).toBe(bits(want.loss));
        expect(bits(plain.step(samples[s].input, samples[s].label).loss)).toBe(bits(want.loss));
      }
      await predictAll();

      const rec = await link.request(encodeFrame(FRAME.DUMP));
      expect(rec.type).toBe(FRAME.RECORD);
      const record = parseRecord(rec.payload, 'link');
      expect(record.steps).toBe(order.length);
      const imported = applyRecord(record, program, params, 'link');
      for (const name of Object.keys(p)) expect(bytesOf(imported[name]).equals(bytesOf(p[name])), name).toBe(true);
      // The same record as version 1 wrote it (no momentum buffers: this scheme has none) is still read.
      expect(record.version).toBe(2);
      const old = applyRecord(parseRecord(encodeRecord({ ...record, version: 1 }), 'old.log'), program, params, 'old.log');
      for (const name of Object.keys(p)) expect(bytesOf(old[name]).equals(bytesOf(p[name])), name).toBe(true);

      // RESET: the board restarts from Flash (HELLO again) and its first step is the untrained model's.
      expect((await link.request(encodeFrame(FRAME.RESET))).type).toBe(FRAME.RESETTING);
      expect(parseHello(await link.next())).toEqual(hello);
      const first = parseTrained(await link.request(trainFrame(samples[0].input, samples[0].label)));
      const fresh = new ArenaExecutor(program, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.slice() as TypedArray])), hyper);
      expect(first.step).toBe(1);
      expect(bits(first.loss)).toBe(bits(fresh.step(samples[0].input, samples[0].label).loss));
    } finally {
      link.end();
      stopBoard();
    }
  }, 300_000);

  it('an int8 head: the board answers PREDICT with its int8 logits, equal to the TypeScript runtime\'s before and after training', async () => {
    const g8 = withArch(buildGraph(arch, { resolution: 32, classes: 10, head: 'int8' }), arch);
    const p8 = syntheticParams(g8, 3);
    const prog8 = compileTraining(g8, { nBias: 6, weights: { 38: '1/2', 41: 1 }, head: 'int8', momentum: false });
    const train8 = syntheticSamples(g8, 2, 5), held8 = syntheticSamples(g8, 3, 23);
    const dir = writeProject(exportCProject(prog8, p8, train8, { target: 'mps2-an500', hyper, steps: 1, sramBudget: 4 * 1024 * 1024 }));
    const build = make(dir, 'all', { EXTRA_CFLAGS: '-DTT_LINK' });
    expect(build.status, build.stderr).toBe(0);
    const link = await openLink(`tcp:127.0.0.1:${await startBoard(dir)}`);
    try {
      expect(parseHello(await link.next()).classes).toBe(10);
      const ts = new ArenaExecutor(prog8, Object.fromEntries(Object.entries(p8).map(([k, v]) => [k, v.slice() as TypedArray])), hyper);
      const seen = new Set<string>();
      for (let round = 0; round < 3; round++) {
        for (const h of held8) {
          const r = parsePredicted(await link.request(predictFrame(h.input)), 10);
          const want = ts.predict(h.input);
          expect(r.logits).toBeInstanceOf(Int8Array);
          expect([...r.logits]).toEqual([...want.raw]);
          expect(r.predicted).toBe(want.predicted);
          seen.add([...r.logits].join());
        }
        for (const s of train8) {
          const t = parseTrained(await link.request(trainFrame(s.input, s.label)));
          expect(bits(t.loss)).toBe(bits(ts.step(s.input, s.label).loss));
        }
      }
      // Training moved the logits: the comparison saw more than one set of values.
      expect(seen.size).toBeGreaterThan(held8.length);
    } finally {
      link.end();
      stopBoard();
    }
  }, 300_000);

  it('tinytrain device --port streams a dataset to the board, prints its loss and accuracy, its held-out accuracy beside the TypeScript runtime\'s, saves its weights; another model is refused', async () => {
    expect(linkDir).not.toBe('');
    const common = ['--dataset', 'demo', '--scheme', 'mcunet-5fps@99kb', '--resolution', String(RES), '--classes', '10', '--train', '40'];
    try {
      const out = join(linkDir, 'board.ttw');
      const r = await tinytrain('device', '--port', `tcp:127.0.0.1:${await startBoard(linkDir)}`, '--model', 'mcunet-5fps', ...common, '--eval', '12', '--out', out, '--json');
      expect(r.status, r.stderr).toBe(0);
      type HeldOut = { images: number; board: number; typescript: number; identical: number };
      const doc = JSON.parse(r.stdout) as { steps: number; history: { step: number; loss: number; accuracy: number }[]; heldOut: { before: HeldOut; after: HeldOut } };
      // The board's predictions of 12 validation images, before and after, are the TypeScript runtime's bit for bit.
      for (const h of [doc.heldOut.before, doc.heldOut.after]) {
        expect(h.images).toBe(12);
        expect(h.identical).toBe(12);
        expect(h.board).toBe(h.typescript);
      }
      expect(r.stderr).toMatch(/^held-out after training: board \d+\.\d%, TypeScript runtime \d+\.\d% on the same 12 images \(logits bit for bit the same on 12\)$/m);
      expect(doc.steps).toBe(40);
      expect(doc.history.map((h) => h.step)).toEqual([20, 40]);
      for (const h of doc.history) expect(h.loss).toBeGreaterThan(0);
      expect(r.stderr).toMatch(/^step 20 loss \d+\.\d{4} train-acc \d+\.\d% [\d.]+ samples\/s over the link$/m);
      const saved = modelFromWeights(new Uint8Array(readFileSync(out)), { resolution: RES, classes: 10 });
      const moved = program.trainable.filter((t) => !bytesOf(saved.params[t.param]).equals(bytesOf(params[t.param])));
      expect(moved.length).toBe(program.trainable.length);
    } finally {
      stopBoard();
    }
    try {
      const r = await tinytrain('device', '--port', `tcp:127.0.0.1:${await startBoard(linkDir)}`, '--model', 'mbv2-w0.35', ...common.map((a) => (a === 'mcunet-5fps@99kb' ? 'last-6' : a)));
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^tinytrain device: tcp:127\.0\.0\.1:\d+: the board runs the firmware of another model \(fingerprint [0-9a-f]{8}; this model's is [0-9a-f]{8}\)\n$/);
    } finally {
      stopBoard();
    }
  }, 300_000);

  it('with momentum: the record carries the momentum buffers (version 2) and the TypeScript runtime resumes the board\'s training exactly; a version 1 record is refused', async () => {
    const g = withArch(buildGraph(arch, { resolution: 32, classes: 10 }), arch);
    const p0 = syntheticParams(g, 4);
    const prog = compileTraining(g, { ...builtinScheme('last-6', backboneConvs(g).length)!, momentum: true });
    expect(prog.trainable.every((t) => t.optimizer)).toBe(true);
    const hm: Hyper = { ...hyper, weight: { ...hyper.weight, momentum: 0.9 }, bias: { ...hyper.bias, momentum: 0.9 }, head: { ...hyper.head, momentum: 0.9 } };
    const train = syntheticSamples(g, 3, 13);
    const dir = writeProject(exportCProject(prog, p0, train, { target: 'mps2-an500', hyper: hm, steps: 1, sramBudget: 4 * 1024 * 1024 }));
    const build = make(dir, 'all', { EXTRA_CFLAGS: '-DTT_LINK' });
    expect(build.status, build.stderr).toBe(0);
    const link = await openLink(`tcp:127.0.0.1:${await startBoard(dir)}`);
    const copy = (p: ParamStore) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.slice() as TypedArray]));
    try {
      parseHello(await link.next());
      const ts = new ArenaExecutor(prog, copy(p0), hm);
      for (const s of train) expect(bits(parseTrained(await link.request(trainFrame(s.input, s.label))).loss)).toBe(bits(ts.step(s.input, s.label).loss));
      const record = parseRecord((await link.request(encodeFrame(FRAME.DUMP))).payload, 'link');
      expect(record.version).toBe(2);
      expect(record.slices.length).toBe(2 * prog.trainable.length);
      const params3 = applyRecord(record, prog, p0, 'link');
      const state = recordState(record, prog);
      const resumed = new ArenaExecutor(prog, copy(params3), hm, { state, steps: record.steps });
      const withoutState = new ArenaExecutor(prog, copy(params3), hm, { steps: record.steps });
      const board: string[] = [], again: string[] = [], naive: string[] = [];
      for (const s of [...train].reverse()) {
        board.push(bits(parseTrained(await link.request(trainFrame(s.input, s.label))).loss));
        again.push(bits(resumed.step(s.input, s.label).loss));
        naive.push(bits(withoutState.step(s.input, s.label).loss));
      }
      expect(again).toEqual(board);
      // Without the momentum buffers the resumed training is another one.
      expect(naive).not.toEqual(board);
      // A version 1 record (no momentum buffers) of this scheme: refused in one sentence.
      const v1 = parseRecord(encodeRecord({ ...record, version: 1, slices: record.slices.slice(0, prog.trainable.length) }), 'old.log');
      expect(() => applyRecord(v1, prog, p0, 'old.log')).toThrow(WeightsRecordError);
      expect(() => applyRecord(v1, prog, p0, 'old.log')).toThrow(/^old\.log: record version 1 has no momentum buffers and this scheme trains with momentum, so training could not resume exactly: run the firmware exported by this studio again$/);
    } finally {
      link.end();
      stopBoard();
    }
  }, 300_000);

  // The other QEMU boards, each with its own UART (the AN505's UART0 at 0x40200000, the AN547's at
  // 0x49303000, both through their secure aliases; the AN386's at 0x40004000) on the first -serial.
  for (const target of CHIP_TARGETS.filter((t) => t.build?.qemuMachine && t.id !== 'mps2-an500').map((t) => t.id)) {
    it(`${target}: trains over its UART with the TypeScript runtime's losses and predicts its logits`, async () => {
      const g = withArch(buildGraph(arch, { resolution: 32, classes: 10 }), arch);
      const p0 = syntheticParams(g, 2);
      const prog = compileTraining(g, builtinScheme('last-6', backboneConvs(g).length)!);
      const train = syntheticSamples(g, 3, 7);
      const dir = writeProject(exportCProject(prog, p0, train, { target: target as never, hyper, steps: 1, sramBudget: 4 * 1024 * 1024 }));
      const build = make(dir, 'all', { EXTRA_CFLAGS: '-DTT_LINK' });
      expect(build.status, build.stderr).toBe(0);
      const link = await openLink(`tcp:127.0.0.1:${await startBoard(dir, target)}`);
      try {
        expect(parseHello(await link.next(30_000)).modelFingerprint).toBe(modelFingerprint(prog, p0));
        const ts = new ArenaExecutor(prog, Object.fromEntries(Object.entries(p0).map(([k, v]) => [k, v.slice() as TypedArray])), hyper);
        for (const s of [...train, train[0]]) {
          const r = parseTrained(await link.request(trainFrame(s.input, s.label)));
          expect(bits(r.loss)).toBe(bits(ts.step(s.input, s.label).loss));
        }
        const r = parsePredicted(await link.request(predictFrame(train[1].input)), 10);
        expect(bytesOf(r.logits).equals(bytesOf(ts.predict(train[1].input).raw))).toBe(true);
      } finally {
        link.end();
        stopBoard();
      }
    }, 300_000);
  }
});
