/**
 * A general graph's head and loss, in one place for the readers that build one (a `.tflite` lowered
 * by from-tflite-graph.ts, a `.ttw` holding a general graph whose class count or head kind changes):
 * a float32 linear layer or an int8 1x1 conv named `classifier` on the head's input features, as
 * buildGraph makes the family's, then the training loss. Only the graph: the parameters come from
 * file-head.ts (setHeadParams).
 */
import type { Graph, Node } from '../ir/graph.ts';
import type { QParams, Tensor } from '../ir/tensor.ts';
import type { HeadKind } from './build.ts';

/**
 * Appends the head on `features` (an int8 C x 1 x 1 tensor of `tensors`) with `classes` outputs, the
 * label and the loss to the tensors and nodes; `logitsQ` is an int8 head's output quantization
 * (unused for a float32 head).
 * Returns the graph's logits, label and loss names.
 */
export function addGeneralHead(tensors: Record<string, Tensor>, nodes: Node[], features: string, classes: number, head: HeadKind, logitsQ: QParams | undefined): Required<Pick<Graph, 'logits' | 'label' | 'loss'>> {
  const add = (t: Tensor) => (tensors[t.name] = t).name;
  const depth = tensors[features].shape[0];
  let logits: string;
  if (head === 'int8') {
    if (!logitsQ) throw new Error('an int8 head needs its output quantization');
    logits = add({ name: 'classifier.out', kind: 'output', shape: [classes, 1, 1], dtype: 'int8', q: logitsQ });
    const w = add({ name: 'classifier.weight', kind: 'weight', shape: [classes, depth, 1, 1], dtype: 'int8' });
    const b = add({ name: 'classifier.bias', kind: 'bias', shape: [classes], dtype: 'int32' });
    const s = add({ name: 'classifier.w_scales', kind: 'scales', shape: [classes], dtype: 'float32' });
    nodes.push({ name: 'classifier', op: 'conv2d', inputs: [features, w, b, s], outputs: [logits], attrs: { kernel: 1, stride: 1, padding: 0, groups: 1, role: 'classifier' } } as Node<'conv2d'>);
  } else {
    const w = add({ name: 'classifier.weight', kind: 'weight', shape: [classes, depth], dtype: 'float32' });
    const b = add({ name: 'classifier.bias', kind: 'bias', shape: [classes], dtype: 'float32' });
    logits = add({ name: 'classifier.out', kind: 'output', shape: [classes, 1, 1], dtype: 'float32' });
    nodes.push({ name: 'classifier', op: 'linear', inputs: [features, w, b], outputs: [logits], attrs: {} } as Node<'linear'>);
  }
  const label = add({ name: 'label', kind: 'label', shape: [1], dtype: 'int32' });
  const loss = add({ name: 'loss', kind: 'output', shape: [1], dtype: 'float32' });
  nodes.push({ name: 'loss', op: 'softmax_ce', inputs: [logits, label], outputs: [loss], attrs: {} } as Node<'softmax_ce'>);
  return { logits, label, loss };
}
