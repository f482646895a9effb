/**
 * The classifier a model file brings (an int8 1x1 conv in the paper's .pkl files, an int8
 * FULLY_CONNECTED in a .tflite), as the graph's head parameters. One rule for every reader: the
 * file's head serves when the class count matches (as int8, or converted to the float32 head), and a
 * fresh head is drawn for a new task.
 */
import type { Graph, ParamStore } from '../ir/graph.ts';
import type { HeadKind } from './build.ts';
import { syntheticParams } from './synthetic.ts';

export interface FileHead {
  /** [cout, cin] int8, symmetric. */
  weight: Int8Array;
  bias: Int32Array;
  /** One scale per output class. */
  wScales: Float32Array;
  cin: number;
  cout: number;
  /** The scale of the head's input (the pooled features). */
  xScale: number;
}

/** Sets `classifier.*` in `params`; returns how the source string names the head. */
export function setHeadParams(graph: Graph, params: ParamStore, cls: FileHead, classes: number, head: HeadKind): string {
  if (classes === cls.cout && head === 'int8') {
    params['classifier.weight'] = cls.weight;
    params['classifier.bias'] = cls.bias;
    params['classifier.w_scales'] = cls.wScales;
  } else if (classes === cls.cout) {
    // The int8 head as float: logit = sum(W * s_w) * (x - z_x) * s_x + b * s_x * s_w.
    const c = cls.cin;
    const w = new Float32Array(classes * c), b = new Float32Array(classes);
    for (let o = 0; o < classes; o++) {
      for (let i = 0; i < c; i++) w[o * c + i] = cls.weight[o * c + i] * cls.wScales[o];
      b[o] = cls.bias[o] * cls.wScales[o] * cls.xScale;
    }
    params['classifier.weight'] = w;
    params['classifier.bias'] = b;
  } else freshHeadParams(graph, params);
  return classes === cls.cout ? `its ${classes}-class head` : `a new ${classes}-class head`;
}

/** A fresh head for a new task (or a head kind the file's cannot be converted to): the graph's `classifier.*` drawn as synthetic weights. */
export function freshHeadParams(graph: Graph, params: ParamStore): void {
  const fresh = syntheticParams(graph, 7);
  for (const k of Object.keys(fresh)) if (k.startsWith('classifier.')) params[k] = fresh[k];
}
