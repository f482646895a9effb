/**
 * `tinytrain device import RECORD --model M --scheme S --out FILE.ttw`: the parameters an exported
 * firmware trained on the board, read back from its output (a log holding its weights record,
 * firmware/weights-record.ts), put into the model and saved as a weights file. A record of another
 * model or scheme, a bad checksum or a truncated record is refused in one sentence and nothing is written.
 */
import { basename } from 'node:path';
import { hex32 } from '../../engine/codegen/c-format.ts';
import { sampleSource, splitBySeed } from '../../engine/data/samples.ts';
import { importWeightsRecord } from '../../engine/firmware/import-record.ts';
import { heldOutOnBoard, type HeldOutResult } from '../../engine/firmware/held-out.ts';
import { encodeFrame, FRAME, LinkError, parseError, parseHello, parseTrained, trainFrame, type LinkRequester } from '../../engine/firmware/link-protocol.ts';
import type { ParamStore } from '../../engine/ir/graph.ts';
import type { TypedArray } from '../../engine/ir/tensor.ts';
import type { TrainingProgram } from '../../engine/program/compile.ts';
import { ArenaExecutor } from '../../engine/runtime/executor.ts';
import type { SampleSource } from '../../engine/train/trainer.ts';
import { applyRecord, MAX_RECORD_BYTES, modelFingerprint, parseRecord, schemeFingerprint } from '../../engine/firmware/weights-record.ts';
import { encodeWeights } from '../../engine/models/weights-file.ts';
import { compileTraining } from '../../engine/program/compile.ts';
import { mulberry32 } from '../../engine/util/random.ts';
import { loadDataset } from '../load-dataset.ts';
import { openLink } from '../link-client.ts';
import { readUserFile, writeUserFile } from '../../engine/io/node-file.ts';
import { intOption, outputOption, parseVerbArgs, requireOption, UsageError } from '../args.ts';
import { convCountOf, loadModel } from '../load-model.ts';
import { loadScheme } from '../load-scheme.ts';
import { err, json, out, term } from '../output.ts';

export async function device(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub?.startsWith('--')) return trainOverLink(argv);
  if (sub !== 'import') throw new UsageError(`tinytrain device takes "import RECORD --model M --scheme S --out FILE.ttw" or "--port PATH --dataset D --model M --scheme S [--eval N]", got "${sub ?? ''}"`);
  const path = rest[0];
  if (!path || path.startsWith('--')) throw new UsageError('device import needs the file holding the record (the firmware\'s output) first');
  const opts = parseVerbArgs(rest.slice(1), { scheme: { type: 'string' }, out: { type: 'string' } });
  const modelSpec = requireOption(opts, 'model');
  const schemeSpec = requireOption(opts, 'scheme');
  const target = outputOption(opts, 'out');
  if (!/\.ttw$/i.test(target)) throw new UsageError(`--out must name a .ttw weights file, got "${target}"`);
  const resolution = intOption(opts, 'resolution', 128, 8, 1024);
  const classes = intOption(opts, 'classes', 10, 2, 10000);
  // A log may hold much more than the record (every step's line): twice the largest record in hex, and some.
  const log = readUserFile(path, { what: 'weights record', maxBytes: 2 * MAX_RECORD_BYTES + 16 * 1024 * 1024 });
  const scheme = loadScheme(schemeSpec, modelSpec, convCountOf(modelSpec, resolution, classes));
  const model = loadModel(modelSpec, resolution, classes, scheme.head);
  const imported = importWeightsRecord(log, basename(path), model, scheme, schemeSpec);
  writeUserFile(target, imported.ttw, 'output weights file');
  const { record } = imported;
  const summary = { record: path, steps: record.steps, slices: record.slices.map((s) => ({ name: s.name, dtype: s.dtype, bytes: s.data.length })), out: target };
  if (opts.json) json(summary);
  else out(`${term(imported.note)} -> ${term(target)}`);
}

/** The board's held-out predictions beside the TypeScript runtime's forward with `params`, the parameters the board holds. */
function heldOut(link: LinkRequester, program: TrainingProgram, params: ParamStore, images: SampleSource, classes: number): Promise<HeldOutResult> {
  const copy = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.slice() as TypedArray]));
  return heldOutOnBoard(link, images, classes, { compare: new ArenaExecutor(program, copy) });
}

const withoutList = ({ predictions: _p, ...rest }: HeldOutResult) => rest;
const heldOutLine = (when: string, h: HeldOutResult) => `held-out ${when}: board ${(h.board * 100).toFixed(1)}%, TypeScript runtime ${(h.typescript! * 100).toFixed(1)}% on the same ${h.images} images (logits bit for bit the same on ${h.identical})`;

/**
 * `tinytrain device --port PATH|tcp:HOST:PORT --dataset D --model M --scheme S [--eval N]`: streams the
 * dataset's training split to a board running the exported firmware built with -DTT_LINK, one TRAIN
 * frame a sample, and prints the board's loss and training accuracy as they come; then dumps the
 * board's weights (`--out FILE.ttw` saves them). `--eval N`: before and after training, the board
 * predicts the first N validation images (never trained on), its accuracy printed beside the
 * TypeScript runtime's on the same images with the same parameters. The board must run this model
 * and scheme (its HELLO says).
 */
async function trainOverLink(argv: string[]): Promise<void> {
  const opts = parseVerbArgs(argv, {
    port: { type: 'string' }, dataset: { type: 'string' }, scheme: { type: 'string' }, epochs: { type: 'string' }, train: { type: 'string' },
    seed: { type: 'string' }, baud: { type: 'string' }, out: { type: 'string' }, eval: { type: 'string' },
  });
  const port = requireOption(opts, 'port');
  const modelSpec = requireOption(opts, 'model');
  const schemeSpec = requireOption(opts, 'scheme');
  const resolution = intOption(opts, 'resolution', 128, 8, 1024);
  const classes = intOption(opts, 'classes', 10, 2, 10000);
  const epochs = intOption(opts, 'epochs', 1, 1, 1000);
  const seed = intOption(opts, 'seed', 1, 0, 2 ** 31);
  const target = opts.out === undefined ? null : outputOption(opts, 'out');
  if (target && !/\.ttw$/i.test(target)) throw new UsageError(`--out must name a .ttw weights file, got "${target}"`);
  const { set, note } = await loadDataset(requireOption(opts, 'dataset'));
  if (set.classNames.length > classes) throw new UsageError(`the dataset has ${set.classNames.length} classes, more than --classes ${classes}`);
  const scheme = loadScheme(schemeSpec, modelSpec, convCountOf(modelSpec, resolution, classes));
  const model = loadModel(modelSpec, resolution, classes, scheme.head);
  const program = compileTraining(model.graph, scheme);
  const split = splitBySeed(set, { seed, ...(opts.train ? { train: intOption(opts, 'train', 0, 1, 1e9) } : {}) });
  const samples = sampleSource(set, split.train, model.graph);
  const evalCount = opts.eval === undefined ? 0 : Math.min(intOption(opts, 'eval', 0, 1, 100_000), split.val.length);
  if (opts.eval !== undefined && evalCount === 0) throw new UsageError('--eval: the dataset has no validation images to hold out');
  const held = sampleSource(set, split.val.slice(0, evalCount), model.graph);
  const log = (s: string) => (opts.json ? err : out)(s);
  if (note) log(note);

  const link = await openLink(port, intOption(opts, 'baud', 115200, 1200, 4_000_000));
  try {
    const hello = parseHello(await link.next());
    const [mf, sf] = [modelFingerprint(program, model.params), schemeFingerprint(program)];
    if (hello.modelFingerprint !== mf) throw new LinkError(`${port}: the board runs the firmware of another model (fingerprint ${hex32(hello.modelFingerprint)}; this model's is ${hex32(mf)})`);
    if (hello.schemeFingerprint !== sf) throw new LinkError(`${port}: the board's firmware trains another scheme (fingerprint ${hex32(hello.schemeFingerprint)}; this scheme's is ${hex32(sf)})`);
    log(`${term(port)}: ${term(model.graph.name)} with ${term(schemeSpec)} on the board; ${samples.length} training images x ${epochs} epoch(s) over the link`);
    const before = evalCount ? await heldOut(link, program, model.params, held, hello.classes) : null;
    if (before) log(heldOutLine('before training', before));
    const rand = mulberry32(seed);
    let winLoss = 0, winRight = 0, winN = 0, sent = 0;
    const t0 = performance.now();
    const history: { step: number; loss: number; accuracy: number }[] = [];
    for (let e = 0; e < epochs; e++) {
      const order = Array.from({ length: samples.length }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (const k of order) {
        const s = samples.get(k);
        const f = await link.request(trainFrame(s.input, s.label));
        if (f.type === FRAME.ERROR) throw new LinkError(`${port}: the board refused a sample: ${parseError(f).message}`);
        const r = parseTrained(f);
        sent++;
        winLoss += r.loss;
        winRight += r.predicted === s.label ? 1 : 0;
        winN++;
        if (winN === 20 || sent === epochs * samples.length) {
          const rate = sent / ((performance.now() - t0) / 1000);
          history.push({ step: r.step, loss: winLoss / winN, accuracy: winRight / winN });
          log(`step ${r.step} loss ${(winLoss / winN).toFixed(4)} train-acc ${((winRight / winN) * 100).toFixed(1)}% ${rate.toFixed(1)} samples/s over the link`);
          winLoss = winRight = winN = 0;
        }
      }
    }
    const rec = await link.request(encodeFrame(FRAME.DUMP));
    if (rec.type !== FRAME.RECORD) throw new LinkError(`${port}: the board answered DUMP with frame type 0x${rec.type.toString(16)}`);
    const record = parseRecord(rec.payload, port);
    const params = applyRecord(record, program, model.params, port);
    const after = evalCount ? await heldOut(link, program, params, held, hello.classes) : null;
    if (after) log(heldOutLine('after training', after));
    if (target) {
      writeUserFile(target, encodeWeights(model.graph, params, { source: `${model.source}, trained over the link for ${record.steps} steps with ${schemeSpec}`.slice(0, 512) }), 'output weights file');
    }
    const summary = { port, steps: record.steps, seconds: (performance.now() - t0) / 1000, history, ...(before && after ? { heldOut: { before: withoutList(before), after: withoutList(after) } } : {}), ...(target ? { out: target } : {}) };
    if (opts.json) json(summary);
    else log(`the board trained ${record.steps} steps${target ? `; its weights are in ${term(target)}` : ''}`);
  } finally {
    link.end();
  }
}
