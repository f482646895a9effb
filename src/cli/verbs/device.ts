/**
 * `tinytrain device import RECORD --model M --scheme S --out FILE.ttw`: the parameters an exported
 * firmware trained on the board, read back from its output (a log holding its weights record,
 * firmware/weights-record.ts), put into the model and saved as a weights file. A record of another
 * model or scheme, a bad checksum or a truncated record is refused in one sentence and nothing is written.
 */
import { basename } from 'node:path';
import { importWeightsRecord } from '../../engine/firmware/import-record.ts';
import { MAX_RECORD_BYTES } from '../../engine/firmware/weights-record.ts';
import { readUserFile, writeUserFile } from '../../engine/io/node-file.ts';
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
  const scheme = loadScheme(schemeSpec, modelSpec, convCountOf(modelSpec, resolution, classes));
  const model = loadModel(modelSpec, resolution, classes, scheme.head);
  const imported = importWeightsRecord(log, basename(path), model, scheme, schemeSpec);
  writeUserFile(target, imported.ttw, 'output weights file');
  const { record } = imported;
  const summary = { record: path, steps: record.steps, slices: record.slices.map((s) => ({ name: s.name, dtype: s.dtype, bytes: s.data.length })), out: target };
  if (opts.json) json(summary);
  else out(`${term(imported.note)} -> ${term(target)}`);
}
