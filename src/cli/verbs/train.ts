/**
 * `tinytrain train`: trains a model with a scheme on a dataset and reports accuracy. Progress goes to
 * stdout as lines (to stderr with --json, whose stdout is the one result document). `--out FILE`
 * saves the trained model: `FILE.tflite` as an int8 TFLite model (tflite/from-graph.ts, a float32
 * head quantized on the first training images), anything else as the project's weights format
 * (models/weights-file.ts).
 */
import { basename } from 'node:path';
import { writeUserFile } from '../../engine/io/node-file.ts';
import { sampleSource, splitBySeed } from '../../engine/data/samples.ts';
import { encodeWeights } from '../../engine/models/weights-file.ts';
import { exportTflite } from '../../engine/tflite/from-graph.ts';
import { Trainer, zeroFloatHead, type Progress } from '../../engine/train/trainer.ts';
import { CommandFailure, intOption, numOption, parseVerbArgs, requireOption, UsageError, type Options } from '../args.ts';
import { loadDataset } from '../load-dataset.ts';
import { convCountOf, inputSize, loadModel, shapeOptions } from '../load-model.ts';
import { loadScheme } from '../load-scheme.ts';
import { err, json, out, term } from '../output.ts';

function choice<T extends string>(opts: Options, name: string, allowed: T[], fallback: T): T {
  const raw = opts[name];
  if (raw === undefined) return fallback;
  if (!allowed.includes(raw as T)) throw new UsageError(`--${name} must be ${allowed.join(' or ')}, got "${raw}"`);
  return raw as T;
}

export async function train(argv: string[]): Promise<void> {
  const opts = parseVerbArgs(argv, {
    scheme: { type: 'string' }, dataset: { type: 'string' }, epochs: { type: 'string' }, lr: { type: 'string' }, 'head-lr': { type: 'string' },
    qas: { type: 'string' }, precision: { type: 'string' }, batch: { type: 'string' }, momentum: { type: 'string' }, rounding: { type: 'string' },
    warmup: { type: 'string' }, train: { type: 'string' }, val: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' },
  });
  const modelSpec = requireOption(opts, 'model');
  const schemeSpec = requireOption(opts, 'scheme');
  const datasetSpec = requireOption(opts, 'dataset');
  const { set, note } = await loadDataset(datasetSpec);
  const { resolution, classes } = shapeOptions(opts, modelSpec, set.classNames.length);
  if (classes < set.classNames.length) throw new UsageError(`--classes ${classes} is fewer than the ${set.classNames.length} classes of the dataset`);
  const scheme = loadScheme(schemeSpec, modelSpec, convCountOf(modelSpec, resolution, classes));
  const model = zeroFloatHead(loadModel(modelSpec, resolution, classes, scheme.head));
  if (opts.out === '-') throw new UsageError('--out - is not supported: give the name of the .ttw or .tflite file to write');
  const asTflite = typeof opts.out === 'string' && /\.tflite$/i.test(opts.out);
  if (opts.out && !asTflite && !(model.graph as { arch?: unknown }).arch) {
    throw new UsageError('--out saves a .ttw weights file, which needs a model whose architecture it can record (a zoo model, tinytrain-demo or a .ttw file)');
  }
  const lr = numOption(opts, 'lr', 0.001, 0, 10);
  const seed = intOption(opts, 'seed', 1, 0, 2 ** 31);
  const trainer = new Trainer(model, scheme, {
    epochs: numOption(opts, 'epochs', 1, 0.001, 1000), lr: { weight: lr, bias: lr, head: numOption(opts, 'head-lr', lr, 0, 10) },
    qas: choice(opts, 'qas', ['on', 'off'], 'on') === 'on', precision: choice<'int8' | 'fp32'>(opts, 'precision', ['int8', 'fp32'], 'int8'),
    batchSize: intOption(opts, 'batch', 1, 1, 4096), momentum: numOption(opts, 'momentum', 0, 0, 0.999),
    rounding: choice<'nearest' | 'stochastic'>(opts, 'rounding', ['nearest', 'stochastic'], 'stochastic'), warmupSteps: intOption(opts, 'warmup', 50, 0, 1e9), seed,
  });
  const split = splitBySeed(set, {
    seed, ...(opts.train ? { train: intOption(opts, 'train', 0, 1, 1e9) } : {}), ...(opts.val ? { val: intOption(opts, 'val', 0, 0, 1e9) } : {}),
  });
  const log = (s: string) => (opts.json ? err : out)(s);
  if (note) log(note);
  log(`${term(model.graph.name)} (${term(model.source)}), ${term(schemeSpec)}, ${inputSize(model.graph)}: ${split.train.length} training and ${split.val.length} validation images of ${set.classNames.length} classes`);
  const onProgress = (p: Progress) => {
    const acc = p.valAccuracy !== undefined ? ` val ${(p.valAccuracy * 100).toFixed(1)}%` : '';
    const tr = Number.isFinite(p.loss) ? ` loss ${p.loss.toFixed(4)} train-acc ${(p.trainAccuracy * 100).toFixed(1)}%` : '';
    log(`${p.phase} ${p.step}/${p.totalSteps}${tr}${acc} ` +
      `${p.imagesPerSecond.toFixed(1)} img/s eta ${Number.isFinite(p.etaSeconds) ? p.etaSeconds.toFixed(0) + 's' : '-'}`);
  };
  const trainSamples = sampleSource(set, split.train, model.graph);
  const result = await trainer.run({ train: trainSamples, val: sampleSource(set, split.val, model.graph) }, { onProgress });
  let tfliteNote: string | undefined;
  if (opts.out && asTflite) {
    const file = exportTflite({ ...model, params: result.params }, trainSamples, basename(String(opts.out)));
    writeUserFile(String(opts.out), file.bytes, 'output model file');
    tfliteNote = file.note;
    log(term(file.note));
  } else if (opts.out) writeUserFile(String(opts.out), encodeWeights(model.graph, result.params, { source: `${model.source}, trained with ${schemeSpec} on ${datasetSpec}`.slice(0, 512) }), 'output weights file');
  const summary = {
    model: model.graph.name, scheme: schemeSpec, dataset: datasetSpec, resolution, classes, status: result.status, message: result.message,
    steps: result.steps, valAccuracy: result.valAccuracy, valLoss: result.valLoss, seconds: result.seconds,
    imagesPerSecond: result.steps / result.seconds, history: result.history, ...(opts.out ? { out: opts.out } : {}), ...(tfliteNote ? { tflite: tfliteNote } : {}),
  };
  if (opts.json) json(summary);
  else log(result.message);
  if (result.status === 'diverged') throw new CommandFailure(result.message);
}
