/**
 * `tinytrain grad`: one training step's logits, loss and parameter gradients, as .npy files in DIR:
 *   logits.npy (float32), loss.npy (float32 [1]), and for every trained parameter slice
 *   <param>.grad.npy (the gradient with respect to the stored integer values, before QAS) and
 *   <param>.grad_qas.npy (after QAS: divided by s_W^2 or (s_W s_x)^2; the float head's is unchanged),
 *   shaped as the trained slice ([C_out, n, k, k] for a weight training its first n input channels).
 * The input is the model's int8 input [C, H, W] (or [1, C, H, W]) or an 8-bit image [H, W] / [H, W, C]
 * (uint8, preprocessed as the datasets are). Parameters are not updated.
 */
import { join } from 'node:path';
import { ensureFolder, writeUserFile } from '../../engine/io/node-file.ts';
import { FILE_LIMITS, IMAGE_LIMITS } from '../../engine/limits.ts';
import { imageToInput } from '../../engine/data/preprocess.ts';
import { readBinaryFile } from '../../engine/data/node-files.ts';
import { readNpy, writeNpy } from '../../engine/io/npy.ts';
import { GradRunner, floatParams, gradProgram, type ParamGrad } from '../../engine/train/grad-step.ts';
import { intOption, outputOption, parseVerbArgs, requireOption, UsageError } from '../args.ts';
import { json, out, term } from '../output.ts';
import { convCountOf, loadModel, shapeOptions } from '../load-model.ts';
import { loadScheme } from '../load-scheme.ts';

export function grad(argv: string[]): void {
  const opts = parseVerbArgs(argv, { scheme: { type: 'string' }, input: { type: 'string' }, label: { type: 'string' }, out: { type: 'string' }, precision: { type: 'string' } });
  const modelSpec = requireOption(opts, 'model');
  const schemeSpec = requireOption(opts, 'scheme');
  const inputPath = requireOption(opts, 'input');
  const outDir = outputOption(opts, 'out');
  const { resolution, classes } = shapeOptions(opts, modelSpec);
  const label = intOption(opts, 'label', -1, 0, classes - 1);
  if (label < 0) throw new UsageError('--label is required (the class index of the input)');
  const precision = (opts.precision ?? 'int8') as string;
  if (precision !== 'int8' && precision !== 'fp32') throw new UsageError(`--precision must be int8 or fp32, got "${precision}"`);
  const scheme = loadScheme(schemeSpec, modelSpec, convCountOf(modelSpec, resolution, classes));
  const model = loadModel(modelSpec, resolution, classes, scheme.head);
  const g = model.graph;
  const spec = g.tensors[g.input];
  const { data, shape } = readNpy(readBinaryFile(inputPath, FILE_LIMITS.npy, 'input file'), inputPath);
  let input: Int8Array;
  const want = spec.shape.join('x');
  if (data instanceof Int8Array) {
    if (shape.filter((d) => d !== 1).join('x') !== spec.shape.filter((d) => d !== 1).join('x')) {
      throw new UsageError(`${inputPath}: an int8 input must have the model's input shape ${want}, got ${shape.join('x')}`);
    }
    input = data;
  } else if (data instanceof Uint8Array && (shape.length === 2 || (shape.length === 3 && [1, 3, 4].includes(shape[2])))) {
    if (shape[0] * shape[1] > IMAGE_LIMITS.pixels) throw new UsageError(`${inputPath}: an image of ${shape[0]} x ${shape[1]} is more than the ${IMAGE_LIMITS.pixels} pixels allowed`);
    input = imageToInput({ data, height: shape[0], width: shape[1], channels: shape[2] ?? 1 }, spec);
  } else {
    throw new UsageError(`${inputPath}: expected the int8 model input (${want}) or a uint8 image (H x W or H x W x C), got ${shape.join('x')}`);
  }

  const program = gradProgram(g, scheme, precision);
  const params = precision === 'fp32' ? floatParams(model.params) : model.params;
  const runner = new GradRunner(program, params, precision);
  ensureFolder(outDir, 'output folder');
  const written: string[] = [];
  const save = (name: string, arr: Float32Array, shp: number[]) => {
    writeUserFile(join(outDir, name), writeNpy(arr, shp), 'output file');
    written.push(name);
  };
  const shapeOf = (pg: ParamGrad): number[] => {
    const t = program.tensors[`wgrad:${pg.param}`];
    if (pg.kind === 'weight' && t) return t.shape;
    const s = g.tensors[pg.param].shape;
    return pg.grad.length === s.reduce((a, b) => a * b, 1) ? s : [pg.grad.length];
  };
  const r = runner.step(input, label, (pg) => {
    const shp = shapeOf(pg);
    save(`${pg.param}.grad.npy`, pg.grad.slice(), shp);
    save(`${pg.param}.grad_qas.npy`, pg.kind === 'head' ? pg.grad.slice() : Float32Array.from(pg.grad, (v, i) => Math.fround(v / pg.qasDiv[i])), shp);
  });
  save('logits.npy', r.logits, [r.logits.length]);
  save('loss.npy', Float32Array.of(r.loss), [1]);
  const summary = { model: g.name, scheme: schemeSpec, precision, label, loss: r.loss, logits: Array.from(r.logits), out: outDir, files: written };
  if (opts.json) json(summary);
  else out(`loss ${r.loss.toFixed(6)}; wrote ${written.length} files to ${term(outDir)}`);
}
