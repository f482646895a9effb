/**
 * What a trained model does on the validation images: accuracy and loss, the confusion matrix, the
 * accuracy of each class, every image's prediction, and a few examples right and wrong with the
 * image the model saw. Computed where the model runs (the training worker); the UI only draws it.
 */
import type { InputSpec, RawImage } from '../data/preprocess.ts';
import { PAPER_INPUT_QUANT } from '../data/preprocess.ts';
import { softmaxInPlace } from '../ops/softmax-ce.ts';

export interface Prediction {
  /** Position in the validation split. */
  index: number;
  label: number;
  predicted: number;
  /** Softmax probability of the predicted class. */
  confidence: number;
}

export interface Evaluation {
  count: number;
  accuracy: number;
  /** Mean cross-entropy. */
  loss: number;
  /** confusion[true][predicted]: image counts. */
  confusion: number[][];
  /** Per true class: images and how many were predicted right. */
  perClass: { count: number; correct: number }[];
  predictions: Prediction[];
}

/** Accumulates an evaluation one image at a time. */
export class EvaluationTally {
  private correct = 0;
  private lossSum = 0;
  private readonly confusion: number[][];
  private readonly predictions: Prediction[] = [];

  constructor(readonly classes: number) {
    this.confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  }

  /** Adds one image's logits (not modified) and its label. */
  add(index: number, label: number, logits: Float32Array): void {
    const p = Float32Array.from(logits);
    // The loss op's own definition (float32, log-sum-exp); it leaves the softmax in `p`.
    this.lossSum += softmaxInPlace(p, label);
    let predicted = 0;
    for (let i = 1; i < p.length; i++) if (p[i] > p[predicted]) predicted = i;
    if (predicted === label) this.correct++;
    if (label < this.classes && predicted < this.classes) this.confusion[label][predicted]++;
    this.predictions.push({ index, label, predicted, confidence: p[predicted] });
  }

  result(): Evaluation {
    const n = this.predictions.length;
    return {
      count: n,
      accuracy: n ? this.correct / n : 0,
      loss: n ? this.lossSum / n : 0,
      confusion: this.confusion.map((r) => r.slice()),
      perClass: this.confusion.map((row, c) => ({ count: row.reduce((a, b) => a + b, 0), correct: row[c] })),
      predictions: this.predictions.slice(),
    };
  }
}

/**
 * Which predictions to show: the most confident mistakes (what the model gets most wrong) and, as
 * many, right answers spread over the classes. Deterministic for a given evaluation.
 */
export function pickExamples(e: Evaluation, perKind = 8): { right: Prediction[]; wrong: Prediction[] } {
  const wrong = e.predictions.filter((p) => p.predicted !== p.label).sort((a, b) => b.confidence - a.confidence || a.index - b.index).slice(0, perKind);
  const rightByClass = new Map<number, Prediction[]>();
  for (const p of e.predictions) if (p.predicted === p.label) (rightByClass.get(p.label) ?? rightByClass.set(p.label, []).get(p.label)!).push(p);
  const right: Prediction[] = [];
  for (let round = 0; right.length < perKind; round++) {
    let added = false;
    for (const c of [...rightByClass.keys()].sort((a, b) => a - b)) {
      const list = rightByClass.get(c)!;
      if (round < list.length && right.length < perKind) {
        right.push(list[round]);
        added = true;
      }
    }
    if (!added) break;
  }
  return { right, wrong };
}

/**
 * The image the model saw, back in 8 bits: the int8 input [C, H, W] through the inverse of the input
 * normalisation (preprocess.ts), planar; three channels stay RGB, anything else is shown as gray.
 */
export function inputPreview(input: Int8Array, spec: InputSpec): RawImage {
  const [c, h, w] = spec.shape;
  const q = spec.q ?? PAPER_INPUT_QUANT;
  const plane = h * w;
  const channels = c === 3 ? 3 : 1;
  const data = new Uint8Array(channels * plane);
  for (let ch = 0; ch < channels; ch++) {
    for (let p = 0; p < plane; p++) {
      // real = (2v - 255) / 255 = (q - z) * s  =>  v = ((q - z) * s * 255 + 255) / 2
      const v = (((input[ch * plane + p] - q.zeroPoint) * q.scale * 255 + 255) / 2);
      data[ch * plane + p] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }
  }
  return { data, width: w, height: h, channels, layout: 'chw' };
}

/**
 * The standard error of an accuracy measured on `n` images (binomial: sqrt(p (1 - p) / n)): the
 * noise a comparison of two runs has to beat.
 */
export function accuracyStdError(accuracy: number, n: number): number {
  return n > 0 ? Math.sqrt((accuracy * (1 - accuracy)) / n) : NaN;
}
