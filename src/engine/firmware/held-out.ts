/**
 * A board's predictions of held-out images over the serial link (PREDICT frames, link-protocol.ts),
 * optionally beside the TypeScript runtime's forward with the same parameters (the arena executor's
 * predict, the same kernels as the firmware's tt_predict): the CLI's `tinytrain device --eval` and
 * the IDE's Device panel both read this.
 */
import type { ArenaExecutor } from '../runtime/executor.ts';
import type { SampleSource } from '../train/trainer.ts';
import { predictOnBoard, type LinkRequester } from './link-protocol.ts';

export interface BoardPrediction {
  /** Position among the held-out images. */
  index: number;
  label: number;
  /** The board's class. */
  predicted: number;
  /** The TypeScript runtime's class, when compared. */
  typescript?: number;
  /** The board's logits are the TypeScript runtime's, bit for bit (when compared). */
  identical?: boolean;
}

export interface HeldOutResult {
  images: number;
  /** The board's accuracy. */
  board: number;
  /** The TypeScript runtime's accuracy on the same images (when compared). */
  typescript?: number;
  /** Images whose logits were the same bits on the board and in the TypeScript runtime (when compared). */
  identical?: number;
  predictions: BoardPrediction[];
}

const bytesOf = (v: Int8Array | Float32Array) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/** The board predicts each image in turn (`stop()` true ends early: the images so far count). */
export async function heldOutOnBoard(link: LinkRequester, images: SampleSource, classes: number,
  opts: { compare?: ArenaExecutor; stop?: () => boolean; onPrediction?: (p: BoardPrediction) => void } = {}): Promise<HeldOutResult> {
  const predictions: BoardPrediction[] = [];
  for (let i = 0; i < images.length && !opts.stop?.(); i++) {
    const s = images.get(i);
    const r = await predictOnBoard(link, s.input, classes);
    const p: BoardPrediction = { index: i, label: s.label, predicted: r.predicted };
    if (opts.compare) {
      const want = opts.compare.predict(s.input);
      const [a, b] = [bytesOf(r.logits), bytesOf(want.raw)];
      p.typescript = want.predicted;
      p.identical = a.length === b.length && a.every((x, k) => x === b[k]);
    }
    predictions.push(p);
    opts.onPrediction?.(p);
  }
  const n = predictions.length;
  const share = (f: (p: BoardPrediction) => boolean) => (n ? predictions.filter(f).length / n : 0);
  return {
    images: n, board: share((p) => p.predicted === p.label), predictions,
    ...(opts.compare ? { typescript: share((p) => p.typescript === p.label), identical: predictions.filter((p) => p.identical).length } : {}),
  };
}
