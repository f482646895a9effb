/**
 * Convolutions for TensorFlow.js whose gradients use only ops every backend has, so the wasm backend
 * can train a network with depthwise convs and trained conv weights: it has DepthwiseConv2dNative
 * but neither of its backprop kernels, and Conv2DBackpropInput but not Conv2DBackpropFilter.
 * 'same' padding, NHWC, depthwise channel multiplier 1, square stride.
 *
 * With TF's 'same' padding the forward is y[o] = sum_j x[o*s + j - p] w[j] (p = floor(total pad / 2)),
 * per axis and per channel. Hence:
 *  - input gradient: dx[i] = sum_o dy[o] w[i + p - o*s]: spread dy onto a zero-inserted grid
 *    (stride s), pad it by k-1-p before and H-(oh-1)s-1+p after, and correlate with the flipped
 *    kernel at stride 1 (a depthwiseConv2d with 'valid' padding);
 *  - filter gradient: dw[j] = sum_o x_pad[o*s + j] dy[o]: for each of the k*k taps, the strided
 *    window of the padded input times dy, summed over positions (per channel for a depthwise conv;
 *    a [C_in x positions] x [positions x C_out] product for a full conv).
 * A regular conv's input gradient is the backend's own Conv2DBackpropInput (conv2dTranspose).
 * Checked against the cpu backend's own kernels in tests/tfjs-conv-grads.test.ts.
 */
import * as tf from '@tensorflow/tfjs';

/** TF 'same' padding of one axis: [before, after]. */
function samePad(size: number, k: number, s: number): [number, number] {
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + k - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** dy [1,oh,ow,C] spread onto a stride-s grid: [1,(oh-1)s+1,(ow-1)s+1,C], zeros between. */
function zeroInsert(dy: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return dy;
  const [n, oh, ow, c] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [n, oh, 1, ow, 1, c]), [[0, 0], [0, 0], [0, s - 1], [0, 0], [0, s - 1], [0, 0]]);
  return tf.slice(tf.reshape(spread, [n, oh * s, ow * s, c]) as tf.Tensor4D, [0, 0, 0, 0], [n, (oh - 1) * s + 1, (ow - 1) * s + 1, c]);
}

function inputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, h: number, wd: number, s: number): tf.Tensor4D {
  const k = w.shape[0];
  const [ph] = samePad(h, k, s), [pw] = samePad(wd, k, s);
  const [, oh, ow] = dy.shape;
  const z = tf.pad(zeroInsert(dy, s), [[0, 0], [k - 1 - ph, h - (oh - 1) * s - 1 + ph], [k - 1 - pw, wd - (ow - 1) * s - 1 + pw], [0, 0]]);
  return tf.depthwiseConv2d(z, tf.reverse(w, [0, 1]) as tf.Tensor4D, 1, 'valid');
}

/** For each of the k*k taps (row-major), f(the input window that tap sees, at stride s, shaped like dy). */
function perTap<T extends tf.Tensor>(x: tf.Tensor4D, dy: tf.Tensor4D, k: number, s: number, f: (win: tf.Tensor4D) => T): T[] {
  const [n, h, wd, c] = x.shape;
  const [, oh, ow] = dy.shape;
  const [pt, pb] = samePad(h, k, s), [pl, pr] = samePad(wd, k, s);
  const xp = tf.pad(x, [[0, 0], [pt, pb], [pl, pr], [0, 0]]);
  const out: T[] = [];
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) out.push(f(tf.stridedSlice(xp, [0, i, j, 0], [n, i + (oh - 1) * s + 1, j + (ow - 1) * s + 1, c], [1, s, s, 1]) as tf.Tensor4D));
  }
  return out;
}

function depthwiseFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, k: number, s: number): tf.Tensor4D {
  const taps = perTap(x, dy, k, s, (win) => tf.sum(tf.mul(win, dy), [0, 1, 2]) as tf.Tensor1D);
  return tf.reshape(tf.stack(taps), [k, k, x.shape[3], 1]);
}

function convFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, k: number, s: number): tf.Tensor4D {
  const [, oh, ow, cout] = dy.shape;
  const d2 = tf.reshape(dy, [oh * ow, cout]);
  const taps = perTap(x, dy, k, s, (win) => tf.matMul(tf.reshape(win, [oh * ow, x.shape[3]]), d2, true, false));
  return tf.reshape(tf.stack(taps), [k, k, x.shape[3], cout]);
}

type Conv = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;

/** forward(x, w) differentiated by grads(dy, x, w) = [dx, dw]. */
function withGrads(forward: Conv, grads: (dy: tf.Tensor4D, x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D[]): Conv {
  const f = tf.customGrad((x, w, save) => {
    (save as tf.GradSaveFunc)([x as tf.Tensor, w as tf.Tensor]);
    return {
      value: forward(x as tf.Tensor4D, w as tf.Tensor4D),
      gradFunc: (dy, saved) => grads(dy as tf.Tensor4D, saved[0] as tf.Tensor4D, saved[1] as tf.Tensor4D),
    };
  });
  return (x, w) => f(x, w) as tf.Tensor4D;
}

/** conv2d(x, w, stride, 'same') with a filter gradient that does not need Conv2DBackpropFilter. */
export function conv2dSame(stride: number, trainFilter: boolean): Conv {
  const forward: Conv = (x, w) => tf.conv2d(x, w, stride, 'same');
  if (!trainFilter) return forward;
  return withGrads(forward, (dy, x, w) => [tf.conv2dTranspose(dy, w, x.shape, stride, 'same'), convFilterGrad(x, dy, w.shape[0], stride)]);
}

/**
 * depthwiseConv2d(x, w, stride, 'same') with a backend-independent gradient. With `trainFilter`
 * false the filter is a constant (closed over) and only the input gradient is computed, as tf's own
 * kernels skip the filter gradient of a frozen filter.
 */
export function depthwiseSame(stride: number, trainFilter: boolean): Conv {
  const forward: Conv = (x, w) => tf.depthwiseConv2d(x, w, stride, 'same');
  if (trainFilter) {
    return withGrads(forward, (dy, x, w) => [inputGrad(dy, w, x.shape[1], x.shape[2], stride), depthwiseFilterGrad(x, dy, w.shape[0], stride)]);
  }
  return (x, w) => {
    const f = tf.customGrad((xi, save) => {
      (save as tf.GradSaveFunc)([xi as tf.Tensor]);
      const sx = xi as tf.Tensor4D;
      return { value: forward(sx, w), gradFunc: (dy) => [inputGrad(dy as tf.Tensor4D, w, sx.shape[1], sx.shape[2], stride)] };
    });
    return f(x) as tf.Tensor4D;
  };
}
