/** `tinytrain info`: the layer table of a model (conv index, role, shapes, MACs, params) and totals. */
import { summarize } from '../../engine/ir/summary.ts';
import { formatShape } from '../../engine/ir/tensor.ts';
import { parseVerbArgs, requireOption } from '../args.ts';
import { table, thousands } from '../format.ts';
import { loadModel, shapeOptions } from '../load-model.ts';
import { json, out, term } from '../output.ts';

export function info(argv: string[]): void {
  const opts = parseVerbArgs(argv);
  const spec = requireOption(opts, 'model');
  const { resolution, classes } = shapeOptions(opts, spec);
  const model = loadModel(spec, resolution, classes);
  const s = summarize(model.graph);
  if (opts.json) {
    json({ model: s.name, source: model.source, ...s });
    return;
  }
  const rows = s.layers.map((l) => [
    l.convIndex ?? '', l.name, l.block ?? '', l.role + (l.residual ? ' +' : ''), l.kernel ? `${l.kernel[0] === l.kernel[1] ? l.kernel[0] : l.kernel.join('x')}/${l.stride}` : '',
    formatShape(l.inputShape), formatShape(l.outputShape), thousands(l.macs), thousands(l.params),
  ]);
  out(`${term(s.name)}: ${term(model.source)}, input ${formatShape(s.inputShape)}, ${s.classes} classes`);
  out(table(['idx', 'name', 'block', 'role', 'k/s', 'in', 'out', 'MACs', 'params'], rows,
    [true, false, true, false, false, true, true, true, true]));
  out(`backbone: ${s.convs} convs, ${thousands(s.backboneMacs)} MACs, ${thousands(s.backboneParams)} params`);
  out(`classifier: ${thousands(s.classifierMacs)} MACs, ${thousands(s.classifierParams)} params`);
}
