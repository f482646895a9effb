/**
 * `tinytrain export`: compile a scheme and write the Cortex-M C project that trains it on a target (a folder, or
 * a .zip as the IDE downloads it). A program over the budget, or a memory-planning target, is refused
 * before anything is written. The firmware trains on a few embedded samples: the first images of
 * a dataset (MNIST by default) preprocessed to the model's input, or synthetic ones.
 */
import { basename, dirname, join } from 'node:path';
import { ensureFolder, writeUserFile } from '../../engine/io/node-file.ts';
import { datasetSamples, exportCProject, syntheticSamples, TARGETS, zipCProject, type Target } from '../../engine/codegen/index.ts';
import { FASHION_MNIST_DIR, loadFashionMnist, loadMnist } from '../../engine/data/datasets.ts';
import { InputError } from '../../engine/input-error.ts';
import { compileTraining } from '../../engine/program/compile.ts';
import { CHIP_TARGETS, chipTarget, exportRefusal } from '../../engine/targets.ts';
import { bytesOption, intOption, outputOption, parseVerbArgs, requireOption, UsageError } from '../args.ts';
import { json, out as print, term } from '../output.ts';
import { convCountOf, loadModel, shapeOptions } from '../load-model.ts';
import { loadScheme } from '../load-scheme.ts';

const DATASETS = ['mnist', 'fashion-mnist', 'synthetic'];

export function exportProject(argv: string[]): void {
  const opts = parseVerbArgs(argv, {
    scheme: { type: 'string' }, target: { type: 'string' }, out: { type: 'string' }, dataset: { type: 'string' },
    samples: { type: 'string' }, steps: { type: 'string' }, 'sram-budget': { type: 'string' }, 'flash-budget': { type: 'string' },
  });
  const modelSpec = requireOption(opts, 'model');
  const schemeSpec = requireOption(opts, 'scheme');
  const target = requireOption(opts, 'target') as Target;
  const chip = chipTarget(target);
  if (!chip) throw new UsageError(`--target must be one of ${CHIP_TARGETS.map((t) => t.id).join(', ')} (the export builds for ${TARGETS.join(' and ')}), got "${target}"`);
  // A memory-planning target: one sentence, before anything is compiled or written.
  const refusal = exportRefusal(target);
  if (refusal) throw new InputError(refusal.replace(/^export: /, '--target: '));
  const out = outputOption(opts, 'out');
  const dataset = (opts.dataset as string | undefined) ?? 'mnist';
  if (!DATASETS.includes(dataset)) throw new UsageError(`--dataset must be one of ${DATASETS.join(', ')}, got "${dataset}"`);
  const { resolution, classes } = shapeOptions(opts, modelSpec);
  const count = intOption(opts, 'samples', 4, 1, 64);
  const sramBudget = bytesOption(opts, 'sram-budget', chip.trainBudget);

  const convs = convCountOf(modelSpec, resolution, classes);
  const scheme = loadScheme(schemeSpec, modelSpec, convs);
  const model = loadModel(modelSpec, resolution, classes, scheme.head);
  const program = compileTraining(model.graph, scheme, { sramBudget, flashBudget: bytesOption(opts, 'flash-budget', chip.flashBytes) });
  const samples = dataset === 'synthetic' ? syntheticSamples(model.graph, count)
    : datasetSamples(dataset === 'mnist' ? loadMnist('test') : loadFashionMnist(FASHION_MNIST_DIR, 'test'), model.graph, count);
  const steps = intOption(opts, 'steps', count * 2, 1, 1_000_000);
  const files = exportCProject(program, model.params, samples, { target, steps, sramBudget });

  if (out.toLowerCase().endsWith('.zip')) {
    ensureFolder(dirname(out) || '.', 'output folder');
    writeUserFile(out, zipCProject(files, basename(out).replace(/\.zip$/i, '')), 'output zip');
  } else {
    ensureFolder(out, 'output folder');
    for (const [path, text] of Object.entries(files)) writeUserFile(join(out, path), text, 'output file');
  }
  const r = program.report;
  if (opts.json) {
    json({
      model: model.graph.name, scheme: schemeSpec, target, resolution, classes, out, files: Object.keys(files),
      samples: samples.length, dataset, steps, arenaBytes: program.arenaBytes, peakSramBytes: r.peakSramBytes, flashBytes: r.flashBytes, fits: r.fits,
    });
    return;
  }
  print(`${term(model.graph.name)} with ${term(schemeSpec)} for ${target}: ${Object.keys(files).length} files in ${term(out)}`);
  print(`${program.kernels.length} kernels, arena ${program.arenaBytes} bytes, ${samples.length} ${dataset} samples, ${steps} steps`);
  print(`SRAM ${r.peakSramBytes.toLocaleString('en-US')} bytes (what the firmware links to, data + bss), Flash about ${r.flashBytes.toLocaleString('en-US')}: fits the budgets`);
  const qemu = chip.build?.qemuMachine;
  print(`build: make -C ${out.toLowerCase().endsWith('.zip') ? '<unzipped folder>' : term(out)}${qemu ? ` && make run-qemu (QEMU ${qemu})` : ''}`);
}
