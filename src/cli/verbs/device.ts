/**
 * `tinytrain device import RECORD --model M --scheme S --out FILE.ttw`: the parameters an exported
 * firmware trained on the board, read back from its output (a log holding its weights record,
 * firmware/weights-record.ts), put into the model and saved as a weights file. A record of another
 * model or scheme, a bad checksum or a truncated record is refused in one sentence and nothing is written.
 */
import { basename } from 'node:path';
import { applyRecord, MAX_RECORD_BYTES, readRecord } from '../../engine/firmware/weights-record.ts';
import { readUserFile, writeUserFile } from '../../engine/io/node-file.ts';
import { encodeWeights } from '../../engine/models/weights-file.ts';
import { compileTraining } from '../../engine/program/compile.ts';
import { intOption, outputOption, parseVerbArgs, requireOption, UsageError } from '../args.ts';
import { convCountOf, loadModel } from '../load-model.ts';
import { loadScheme } from '../load-scheme.ts';
import { json, out, term } from '../output.ts';

export async function device(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'import') throw new UsageError(`tinytrain device takes "import RECORD --model M --scheme S --out FILE.ttw", got "${sub ?? ''}"`);
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
  const record = readRecord(log, basename(path));
  const scheme = loadScheme(schemeSpec, modelSpec, convCountOf(modelSpec, resolution, classes));
  const model = loadModel(modelSpec, resolution, classes, scheme.head);
  if (!(model.graph as { arch?: unknown }).arch) {
    throw new UsageError('--out saves a .ttw weights file, which needs a model whose architecture it can record (a zoo model, tinytrain-demo or a .ttw file)');
  }
  const program = compileTraining(model.graph, scheme);
  const params = applyRecord(record, program, model.params, basename(path));
  writeUserFile(target, encodeWeights(model.graph, params, { source: `${model.source}, trained on the device for ${record.steps} steps with ${schemeSpec}`.slice(0, 512) }), 'output weights file');
  const summary = { record: path, steps: record.steps, slices: record.slices.map((s) => ({ name: s.name, dtype: s.dtype, bytes: s.data.length })), out: target };
  if (opts.json) json(summary);
  else out(`${term(basename(path))}: ${record.steps} steps on the device, ${record.slices.length} trained parameters (${record.slices.reduce((n, s) => n + s.data.length, 0).toLocaleString('en-US')} bytes) -> ${term(target)}`);
}
