/** `tinytrain plan`: compile a scheme and print the memory report (the same object the UI draws). */
import { compileTraining } from '../../engine/program/compile.ts';
import { SRAM_CATEGORIES } from '../../engine/memory/report.ts';
import { bytesOption, intOption, parseVerbArgs, requireOption } from '../args.ts';
import { table, thousands } from '../format.ts';
import { convCountOf, loadModel } from '../load-model.ts';
import { loadScheme } from '../load-scheme.ts';
import { json, out, term } from '../output.ts';

const kb = (n: number) => (n / 1024).toFixed(1);

export function plan(argv: string[]): void {
  const opts = parseVerbArgs(argv, {
    scheme: { type: 'string' }, 'sram-budget': { type: 'string' }, 'flash-budget': { type: 'string' },
    'no-reorder': { type: 'boolean' }, 'no-fuse': { type: 'boolean' },
  });
  const modelSpec = requireOption(opts, 'model');
  const schemeSpec = requireOption(opts, 'scheme');
  const resolution = intOption(opts, 'resolution', 128, 8, 1024);
  const classes = intOption(opts, 'classes', 10, 2, 10000);
  // The scheme decides the head; a model-relative scheme name needs the model's conv count first.
  const convs = convCountOf(modelSpec, resolution, classes);
  const scheme = loadScheme(schemeSpec, modelSpec, convs);
  const model = loadModel(modelSpec, resolution, classes, scheme.head);
  const program = compileTraining(model.graph, scheme, {
    sramBudget: bytesOption(opts, 'sram-budget', 256 * 1024), flashBudget: bytesOption(opts, 'flash-budget', 1024 * 1024),
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
  out(`${term(model.graph.name)} with ${term(schemeSpec)} at ${resolution}x${resolution}, ${classes} classes: ${program.kernels.length} kernels`);
  out(`peak SRAM ${kb(r.peakSramBytes)} KB (arena ${thousands(r.arenaBytes)} bytes, lower bound ${thousands(r.arenaLowerBound)}, ${r.plannerStrategy})`);
  out(`peak at step ${r.peak.step}: ${r.peak.kernel} (${r.peak.phase})`);
  out(table(['category', 'bytes', 'KB'], SRAM_CATEGORIES.map((c) => [c, thousands(r.breakdown[c]), kb(r.breakdown[c])]), [false, true, true]));
  out(`Flash ${kb(r.flashBytes)} KB (frozen weights ${kb(r.flashBreakdown.frozenWeights)}, scales ${kb(r.flashBreakdown.scales)}, ` +
    `biases ${kb(r.flashBreakdown.frozenBiases)}, trained initial values ${kb(r.flashBreakdown.trainedInitialValues)}, code estimate ${kb(r.flashBreakdown.code)})`);
  out(`paper's analytic model: ${kb(r.analyticBytes)} KB`);
  for (const n of r.notes) out(n);
  out(r.fits ? `fits: ${kb(r.budgets.sramBytes)} KB SRAM, ${kb(r.budgets.flashBytes)} KB Flash` : `DOES NOT FIT: ${r.messages.join(' ')}`);
}
