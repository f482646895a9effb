/**
 * `tinytrain plan`: compile a scheme and print the memory report (the same object the UI draws): the
 * SRAM and Flash the exported firmware links to. --target takes the budgets from the target table.
 */
import { compileTraining } from '../../engine/program/compile.ts';
import { DEFAULT_FLASH_BUDGET, DEFAULT_SRAM_BUDGET, SRAM_CATEGORIES } from '../../engine/memory/report.ts';
import { CHIP_TARGETS, chipTarget, exportRefusal } from '../../engine/targets.ts';
import { bytesOption, parseVerbArgs, requireOption, UsageError } from '../args.ts';
import { table, thousands } from '../format.ts';
import { convCountOf, inputSize, loadModel, shapeOptions } from '../load-model.ts';
import { loadScheme } from '../load-scheme.ts';
import { json, out, term } from '../output.ts';

const kb = (n: number) => (n / 1024).toFixed(1);

export function plan(argv: string[]): void {
  const opts = parseVerbArgs(argv, {
    scheme: { type: 'string' }, target: { type: 'string' }, 'sram-budget': { type: 'string' }, 'flash-budget': { type: 'string' },
    'no-reorder': { type: 'boolean' }, 'no-fuse': { type: 'boolean' },
  });
  const modelSpec = requireOption(opts, 'model');
  const targetId = opts.target as string | undefined;
  const chip = targetId === undefined ? undefined : chipTarget(targetId);
  if (targetId !== undefined && !chip) throw new UsageError(`--target must be one of ${CHIP_TARGETS.map((t) => t.id).join(', ')}, got "${targetId}"`);
  const schemeSpec = requireOption(opts, 'scheme');
  const { resolution, classes } = shapeOptions(opts, modelSpec);
  // The scheme decides the head; a model-relative scheme name needs the model's conv count first.
  const convs = convCountOf(modelSpec, resolution, classes);
  const scheme = loadScheme(schemeSpec, modelSpec, convs);
  const model = loadModel(modelSpec, resolution, classes, scheme.head);
  const program = compileTraining(model.graph, scheme, {
    sramBudget: bytesOption(opts, 'sram-budget', chip?.trainBudget ?? DEFAULT_SRAM_BUDGET), flashBudget: bytesOption(opts, 'flash-budget', chip?.build?.flashRegionBytes ?? chip?.flashBytes ?? DEFAULT_FLASH_BUDGET),
    reorder: !opts['no-reorder'], fuseRows: !opts['no-fuse'], fuseBackward: !opts['no-fuse'],
  });
  const r = program.report;
  if (opts.json) {
    const { timeline, ...rest } = r;
    json({
      model: model.graph.name, scheme: schemeSpec, resolution, classes, ...rest,
      kernels: program.kernels.length, timeline: timeline.map((t) => ({ step: t.step, kernel: t.kernel, phase: t.phase, total: t.total })),
    });
    return;
  }
  out(`${term(model.graph.name)} with ${term(schemeSpec)} at ${inputSize(model.graph)}, ${classes} classes: ${program.kernels.length} kernels`);
  out(`SRAM ${kb(r.peakSramBytes)} KB, what the exported firmware links to (data + bss): arena ${thousands(r.arenaBytes)} bytes ` +
    `(lower bound ${thousands(r.arenaLowerBound)}, ${r.plannerStrategy}), static objects and stack ${thousands(r.peakSramBytes - r.arenaBytes)}`);
  out(`peak at step ${r.peak.step}: ${r.peak.kernel} (${r.peak.phase})`);
  out(table(['category', 'bytes', 'KB'], SRAM_CATEGORIES.map((c) => [c, thousands(r.breakdown[c]), kb(r.breakdown[c])]), [false, true, true]));
  const f = r.flashBreakdown;
  out(`Flash ${kb(r.flashBytes)} KB (frozen weights ${kb(f.frozenWeights)}, scales ${kb(f.scales)}, biases ${kb(f.frozenBiases)}, ` +
    `initial values of RAM data ${kb(f.trainedInitialValues)}, tables ${kb(f.tables)}, ${r.firmware.samples} embedded samples ${kb(f.samples)}, code estimate ${kb(f.code)})`);
  out(`paper's analytic model: ${kb(r.analyticBytes)} KB`);
  for (const n of r.notes) out(n);
  if (chip) out(exportRefusal(chip.id)?.replace(/^export: /, '') ?? `${chip.label}: the export builds for it (tinytrain export --target ${chip.id}).`);
  out(r.fits ? `fits: ${kb(r.budgets.sramBytes)} KB SRAM, ${kb(r.budgets.flashBytes)} KB Flash` : `DOES NOT FIT: ${r.messages.join(' ')}`);
}
