import { describe, expect, it } from 'vitest';
import { imageToInput } from '../data/preprocess.ts';
import { EvaluationTally, inputPreview, pickExamples } from './evaluation.ts';

describe('evaluation', () => {
  it('tallies the confusion matrix, per-class accuracy and loss', () => {
    const t = new EvaluationTally(3);
    t.add(0, 0, Float32Array.from([5, 0, 0])); // right
    t.add(1, 1, Float32Array.from([0, 0, 4])); // 1 taken for 2
    t.add(2, 2, Float32Array.from([0, 0, 3])); // right
    t.add(3, 2, Float32Array.from([0, 0, 0])); // a tie picks class 0
    const e = t.result();
    expect(e.confusion).toEqual([[1, 0, 0], [0, 0, 1], [1, 0, 1]]);
    expect(e.perClass).toEqual([{ count: 1, correct: 1 }, { count: 1, correct: 0 }, { count: 2, correct: 1 }]);
    expect(e.accuracy).toBe(0.5);
    // Cross-entropy of the third image: log(1 + 2 e^-3) - 0.
    const ce = (l: number[], y: number) => Math.log(l.reduce((a, v) => a + Math.exp(v), 0)) - l[y];
    const mean = (ce([5, 0, 0], 0) + ce([0, 0, 4], 1) + ce([0, 0, 3], 2) + ce([0, 0, 0], 2)) / 4;
    expect(e.loss).toBeCloseTo(mean, 5);
    expect(e.predictions[1]).toMatchObject({ index: 1, label: 1, predicted: 2 });
    expect(e.predictions[1].confidence).toBeCloseTo(Math.exp(4) / (2 + Math.exp(4)), 6);
  });
  it('picks the most confident mistakes and right answers across classes', () => {
    const t = new EvaluationTally(2);
    t.add(0, 0, Float32Array.from([1, 0]));
    t.add(1, 0, Float32Array.from([2, 0]));
    t.add(2, 1, Float32Array.from([0, 3]));
    t.add(3, 0, Float32Array.from([0, 1]));
    t.add(4, 0, Float32Array.from([0, 5]));
    const { right, wrong } = pickExamples(t.result(), 2);
    expect(wrong.map((p) => p.index)).toEqual([4, 3]);
    expect(right.map((p) => p.index)).toEqual([0, 2]);
  });
  it('shows the image the model saw: the inverse of the input quantization', () => {
    const px = Uint8Array.from({ length: 16 }, (_, i) => i * 16);
    const spec = { shape: [3, 4, 4] };
    const back = inputPreview(imageToInput({ data: px, width: 4, height: 4, channels: 1 }, spec), spec);
    expect(back.channels).toBe(3);
    // int8 = pixel - 128 (rounded half to even), so the preview is the pixel within one step.
    for (let i = 0; i < 16; i++) expect(Math.abs(back.data[i] - px[i])).toBeLessThanOrEqual(1);
  });
});
